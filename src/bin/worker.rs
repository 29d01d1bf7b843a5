//! The tabcoin miner web worker (built by Trunk as `data-type="worker"`).

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin miner runs as a web worker: use `cargo xtask run`");
}
