//! The tabcoin miner web worker, scalar kernel (built by Trunk as
//! `data-type="worker"`); the fallback where WebAssembly SIMD is missing.

/// The kernel called directly over `count` nonces from `first`, for the
/// benchmark page (see `tabcoin::workers::miner::search_direct`); -1 when no
/// nonce meets the target (none does).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn search_direct(seed: u32, first: f64, count: f64) -> f64 {
    use tabcoin::workers::miner;
    miner::search_direct(miner::SCALAR, seed, first as u64, count as u64).map_or(-1.0, |n| n as f64)
}

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::workers::miner::run(tabcoin::workers::miner::SCALAR, "scalar");
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin miner runs as a web worker: use `cargo xtask run`");
}
