//! The tabcoin signature verifier web worker (built by Trunk as
//! `data-type="worker"`): checks transaction signatures on other cores
//! while a tab syncs.

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::workers::verifier::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin verifier runs as a web worker: use `cargo xtask run`");
}
