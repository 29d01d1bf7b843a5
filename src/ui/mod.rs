//! The user interface: the Yew app and what it shows.
//!
//! Pure, tested natively: [`route`] (pages in the URL fragment, search),
//! [`forms`] (what a person types, one sentence per mistake),
//! [`tamper`] (what editing a
//! copy of a block breaks), [`activity`] (the log and toasts, the node's
//! notices in words), [`view_model`] (labels, lists, chart series),
//! [`receive`] (payment links and their QR code) and [`format`].
//!
//! In the browser: `app` (the root component, a translator between the
//! person, the node and the shell), `pages` (one per route) and
//! `components` (one per file).

pub mod activity;
pub mod format;
pub mod forms;
pub mod receive;
pub mod route;
pub mod tamper;
pub mod view_model;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod pages;

#[cfg(target_arch = "wasm32")]
pub use app::App;
