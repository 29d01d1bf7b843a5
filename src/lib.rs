//! The tabcoin web app: a Yew single-page app whose tab is a full node.
//!
//! The node itself is `tabcoin_node` (a pure state machine over
//! `tabcoin_chain`); this crate is what runs it in a browser, in three
//! layers:
//!
//! - [`ui`]: what the person sees and does. The root component turns
//!   clicks and the shell's reports into node events, and the node's
//!   effects into shell calls; pages and components render the state.
//!   May call the node (read it, hand it events) and the shell.
//! - [`shell`]: everything that touches the browser: the relay socket, the
//!   same-browser channel, the worker pools, IndexedDB and web storage, the
//!   page's URL. Carries out the node's effects; may call the node's types
//!   and the workers' messages, never the UI's components.
//! - [`keys`]: the person's accounts (the book, locking, backups), which
//!   the UI shows and the shell stores; pure.
//! - [`workers`]: the web workers' loops (miner, verifier) and the
//!   messages they exchange with the page. Call only the chain and node
//!   crates.
//!
//! Only the pure parts (view models, messages, backoff, errors) compile
//! natively; the rest is wasm32 only. `src/bin/` holds the four wasm
//! binaries Trunk builds: the app, the two miners and the verifier.

pub mod keys;
pub mod shell;
pub mod tab;
pub mod ui;
pub mod vault;
pub mod workers;

/// Mounts the app on the page's `<body>`; or, for a network known by id
/// only, the page that asks its tabs for its spec.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    let config = shell::config::PageConfig::from_location();
    match config.fetch_spec {
        Some(id) => {
            let props = ui::pages::join::JoinProps {
                id,
                relay: config.relay,
            };
            yew::Renderer::<ui::pages::join::JoinNetwork>::with_props(props).render();
        }
        None => {
            yew::Renderer::<ui::App>::new().render();
        }
    }
}
