//! The browser shell around the node: everything that touches the browser.
//!
//! [`Shell`] owns what the tab shares (the one relay connection,
//! [`uplink`], the miner, verifier and vault workers, the accounts) and a
//! [`net::NetShell`] per network the tab is in (its room, same-browser
//! channel, direct links, stored chain and pool). It is each node's host
//! ([`TabHost`], driven by `tabcoin_node::drive`) and turns what the browser reports
//! ([`ShellEvent`], delivered through the [`Sink`] the UI gives it) into
//! [`Report`]s: node events for the node, notes for the activity log,
//! account lists for the UI. It decides nothing about the chain.
//!
//! - [`relay`], [`rtc`] and [`local`]: the transports (WebSocket to the
//!   relay, WebRTC data channels to a few neighbours, `BroadcastChannel`
//!   between tabs of this browser); [`backoff`] times the relay's
//!   reconnects.
//! - [`miner_pool`], [`verifier_pool`] and [`worker`]: the web workers.
//! - [`idb`] and [`web_storage`]: IndexedDB, `localStorage`,
//!   `sessionStorage`; [`config`]: the page's URL parameters.
//! - [`error`] and [`note`]: what can go wrong, and what the shell tells
//!   the person, as types.

pub mod backoff;
pub mod error;
pub mod note;

#[cfg(target_arch = "wasm32")]
pub mod attention;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub mod config;
#[cfg(target_arch = "wasm32")]
mod events;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
pub mod idb;
#[cfg(target_arch = "wasm32")]
pub mod local;
#[cfg(target_arch = "wasm32")]
pub mod miner_pool;
#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod relay;
#[cfg(target_arch = "wasm32")]
pub mod rtc;
#[cfg(target_arch = "wasm32")]
pub mod uplink;
#[cfg(target_arch = "wasm32")]
pub mod verifier_pool;
#[cfg(target_arch = "wasm32")]
pub mod web_storage;
#[cfg(target_arch = "wasm32")]
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub use browser::{Neighbour, Shell};
#[cfg(target_arch = "wasm32")]
pub use events::{Conn, NetId, Report, ShellEvent, Sink, now};
#[cfg(target_arch = "wasm32")]
pub use host::TabHost;
