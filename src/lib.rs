//! The tabcoin web app: a Yew single-page app whose tab is a full node.
//!
//! - [`node`]: the node's logic as a pure reducer (events in, effects out),
//!   tested natively; [`message`]: what nodes say to each other.
//! - [`accounts`]: named wallets of this browser.
//! - [`forms`]: validation of what a person types, one sentence per problem.
//! - [`persist`]: which blocks to write to storage when the chain changed.
//! - [`sigbatch`]: signature checks split among verifier workers.
//! - [`route`]: the page's routes in the URL fragment, and explorer search.
//! - [`tamper`]: what editing a copy of a block breaks.
//! - [`worker_api`]: messages between the page and the miner web worker.
//! - `app`, `components`, `config`, `net`, `local`, `miner`, `storage` (wasm
//!   only): the thin browser shell that renders the state, talks to the relay
//!   and to the other tabs of this browser, runs the worker and persists the
//!   chain.
//! - `worker` (wasm only): the miner web worker's loop; `verifier` (wasm
//!   only): the signature verifier worker's loop, and `verifiers` the page's
//!   handle on those workers.

pub mod accounts;
pub mod forms;
pub mod message;
pub mod node;
pub mod persist;
pub mod route;
pub mod sigbatch;
pub mod tamper;
pub mod worker_api;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod idb_store;
#[cfg(target_arch = "wasm32")]
pub mod local;
#[cfg(target_arch = "wasm32")]
pub mod miner;
#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod storage;
#[cfg(target_arch = "wasm32")]
pub mod verifier;
#[cfg(target_arch = "wasm32")]
pub mod verifiers;
#[cfg(target_arch = "wasm32")]
pub mod worker;

/// Mounts the app on the page's `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
