//! The tabcoin miner web worker with the 4-lane WebAssembly SIMD kernel
//! (built by Trunk as `data-type="worker"`); used where the browser
//! supports SIMD.

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::worker::run_simd();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin miner runs as a web worker: use `cargo xtask run`");
}
