//! The tabcoin vault web worker (built by Trunk as `data-type="worker"`):
//! seals and opens account keys with a passphrase off the page's thread.

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::workers::vault::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin vault runs as a web worker: use `cargo xtask run`");
}
