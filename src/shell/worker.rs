//! One web worker of the page, miner or verifier: started from its loader
//! script, its messages read with gloo's listeners, requests held until it
//! says it is ready, terminated when dropped.

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use super::error::ShellError;
use crate::workers::messages::{Posted, js};

/// A running worker.
pub struct WorkerHandle {
    worker: Worker,
    ready: bool,
    /// The latest request made before the worker was ready.
    held: Option<Posted>,
    _on_message: EventListener,
    _on_error: EventListener,
}

impl WorkerHandle {
    /// Starts the worker of `script` (its loader); what it posts goes to
    /// `on_message`, a failure to load to `on_error`.
    pub fn spawn(
        script: &str,
        what: &'static str,
        on_message: impl Fn(Posted) + 'static,
        on_error: impl Fn(ShellError) + 'static,
    ) -> Result<WorkerHandle, ShellError> {
        let worker = Worker::new(script).map_err(|e| ShellError::WorkerStart {
            what,
            reason: format!("{e:?}"),
        })?;
        let messages = EventListener::new(&worker, "message", move |event| {
            if let Some(posted) = event
                .dyn_ref::<MessageEvent>()
                .and_then(|e| js::from_js(&e.data()))
            {
                on_message(posted);
            }
        });
        let errors = EventListener::new(&worker, "error", move |event| {
            let reason = event
                .dyn_ref::<ErrorEvent>()
                .map_or_else(|| "unknown error".to_owned(), ErrorEvent::message);
            on_error(ShellError::WorkerFailed { what, reason });
        });
        Ok(WorkerHandle {
            worker,
            ready: false,
            held: None,
            _on_message: messages,
            _on_error: errors,
        })
    }

    /// The worker said it is ready: what was held goes now.
    pub fn set_ready(&mut self) {
        self.ready = true;
        if let Some(posted) = self.held.take() {
            let _ = self.worker.post_message(&js::to_js(&posted));
        }
    }

    /// Whether the worker said it is ready.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Posts now, or holds until the worker is ready (the latest request
    /// wins); false if the browser refused it.
    pub fn post(&mut self, posted: Posted) -> bool {
        if self.ready {
            self.worker.post_message(&js::to_js(&posted)).is_ok()
        } else {
            self.held = Some(posted);
            true
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
