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

/// Path of the worker's loader script, relative to the page.
pub const WORKER_SCRIPT: &str = "./worker_loader.js";

/// A running miner worker. Dropping it terminates the worker.
pub struct Miner {
    worker: Worker,
    ready: bool,
    held: Option<ToWorker>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Miner {
    /// Starts a worker; its answers go to `on_event`.
    pub fn spawn(on_event: Callback<FromWorker>) -> Result<Miner, String> {
        let worker = Worker::new(WORKER_SCRIPT)
            .map_err(|e| format!("cannot start the miner worker: {e:?}"))?;
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
        Ok(Miner {
            worker,
            ready: false,
            held: None,
            _on_message: on_message,
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
        self.worker.terminate();
    }
}
