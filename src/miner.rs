//! The page's handle on the miner web worker.
//!
//! The worker is built by Trunk from `src/bin/worker.rs` and loaded through
//! its loader script. It posts `Ready` when its wasm has loaded; requests made
//! before that are held and sent then.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, Worker};
use yew::Callback;

use crate::worker_api::{FromWorker, ToWorker};

/// Loader of the scalar worker, relative to the page.
pub const SCALAR_WORKER: &str = "./worker_loader.js";
/// Loader of the 4-lane SIMD worker.
pub const SIMD_WORKER: &str = "./worker_simd_loader.js";

/// The smallest module using a SIMD instruction (`i8x16.popcnt` of a
/// constant), as feature detection libraries use: it validates only where
/// WebAssembly SIMD is supported.
const SIMD_PROBE: [u8; 31] = [
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
    15, 253, 98, 11,
];

/// Whether this browser runs WebAssembly SIMD.
pub fn simd_supported() -> bool {
    js_sys::WebAssembly::validate(&js_sys::Uint8Array::from(&SIMD_PROBE[..]).into())
        .unwrap_or(false)
}

/// The worker script to run: SIMD where supported, unless scalar is asked for.
pub fn worker_script(force_scalar: bool) -> &'static str {
    if !force_scalar && simd_supported() {
        SIMD_WORKER
    } else {
        SCALAR_WORKER
    }
}

/// A running miner worker. Dropping it terminates the worker.
pub struct Miner {
    worker: Worker,
    ready: bool,
    held: Option<ToWorker>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl Miner {
    /// Starts a worker; its answers go to `on_event`.
    pub fn spawn(
        script: &str,
        on_event: Callback<FromWorker>,
        on_failure: Callback<String>,
    ) -> Result<Miner, String> {
        let worker =
            Worker::new(script).map_err(|e| format!("cannot start the miner worker: {e:?}"))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(event) = e
                .data()
                .as_string()
                .and_then(|t| serde_json::from_str(&t).ok())
            {
                on_event.emit(event);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                on_failure.emit(format!("a miner worker failed to start: {}", e.message()));
            });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Miner {
            worker,
            ready: false,
            held: None,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Called when the worker said `Ready`: sends what was held.
    pub fn set_ready(&mut self) {
        self.ready = true;
        if let Some(msg) = self.held.take() {
            self.post(&msg);
        }
    }

    /// Sends a request now, or when the worker is ready (the latest wins).
    pub fn send(&mut self, msg: ToWorker) {
        if self.ready {
            self.post(&msg);
        } else {
            self.held = Some(msg);
        }
    }

    fn post(&self, msg: &ToWorker) {
        if let Ok(text) = serde_json::to_string(msg) {
            let _ = self.worker.post_message(&text.into());
        }
    }
}

impl Drop for Miner {
    fn drop(&mut self) {
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
