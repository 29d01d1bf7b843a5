//! The tabcoin GPU miner web worker (built by Trunk as
//! `data-type="worker"`): the nonce search on WebGPU, where the browser
//! offers it.

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::workers::miner_gpu::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin GPU miner runs as a web worker: use `cargo xtask run`");
}
