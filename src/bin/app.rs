//! The tabcoin page: mounts the Yew app.

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin app runs in a browser: use `cargo xtask run`");
}
