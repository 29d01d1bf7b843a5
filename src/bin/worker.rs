//! The tabcoin miner web worker, scalar kernel (built by Trunk as
//! `data-type="worker"`); the fallback where WebAssembly SIMD is missing.

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::worker::run_scalar();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin miner runs as a web worker: use `cargo xtask run`");
}
