//! The page's signature verifier workers (`src/bin/verifier.rs`): while a
//! tab syncs, the signatures of each batch of blocks are checked on other
//! cores, and the page, waiting without blocking, validates the batch
//! against a warm cache.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};
use yew::Callback;

/// Loader of the verifier worker, relative to the page.
pub const VERIFIER_WORKER: &str = "./verifier_loader.js";

/// What a verifier worker says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierEvent {
    /// Loaded.
    Ready,
    /// The flags for the part with this tag.
    Answer(u64, Vec<u8>),
    /// It failed; it is not used again.
    Failed,
}

struct Slot {
    worker: Worker,
    ready: bool,
    failed: bool,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl Slot {
    /// Loaded and not failed: able to take a part.
    fn usable(&self) -> bool {
        self.ready && !self.failed
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// A fixed set of verifier workers.
#[derive(Default)]
pub struct Verifiers {
    slots: Vec<Slot>,
}

impl Verifiers {
    /// Starts `n` workers; their events go to `on_event` with their index.
    pub fn spawn(n: usize, on_event: Callback<(usize, VerifierEvent)>) -> Verifiers {
        let mut slots: Vec<Slot> = Vec::with_capacity(n);
        for _ in 0..n {
            // Numbered by position among the workers that started.
            let index = slots.len();
            let Ok(worker) = Worker::new(VERIFIER_WORKER) else {
                continue;
            };
            let events = on_event.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let data = e.data();
                if data.as_string().as_deref() == Some("ready") {
                    events.emit((index, VerifierEvent::Ready));
                } else if let Some(answer) = data.dyn_ref::<Array>() {
                    let tag = answer.get(0).as_f64().unwrap_or(-1.0);
                    if let (true, Some(flags)) = (tag >= 0.0, answer.get(1).dyn_ref::<Uint8Array>())
                    {
                        events.emit((index, VerifierEvent::Answer(tag as u64, flags.to_vec())));
                    }
                }
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            let events = on_event.clone();
            let on_error =
                Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |_: web_sys::ErrorEvent| {
                    events.emit((index, VerifierEvent::Failed))
                });
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            slots.push(Slot {
                worker,
                ready: false,
                failed: false,
                _on_message: on_message,
                _on_error: on_error,
            });
        }
        Verifiers { slots }
    }

    /// Notes a worker's readiness or failure.
    pub fn note(&mut self, index: usize, event: &VerifierEvent) {
        if let Some(slot) = self.slots.get_mut(index) {
            match event {
                VerifierEvent::Ready => slot.ready = true,
                VerifierEvent::Failed => slot.failed = true,
                VerifierEvent::Answer(..) => {}
            }
        }
    }

    /// Workers able to take a part now.
    pub fn available(&self) -> usize {
        self.slots.iter().filter(|s| s.usable()).count()
    }

    /// Workers still loading.
    pub fn loading(&self) -> usize {
        self.slots.iter().filter(|s| !s.ready && !s.failed).count()
    }

    /// Stops waiting for workers that never said they were ready.
    pub fn give_up_loading(&mut self) {
        for slot in &mut self.slots {
            slot.failed |= !slot.ready;
        }
    }

    /// Sends the parts, one per available worker, in order; returns which
    /// worker got which tag.
    pub fn send(&self, parts: Vec<(u64, Vec<u8>)>) -> Vec<(u64, usize)> {
        let workers = self.slots.iter().enumerate().filter(|(_, s)| s.usable());
        let mut sent = Vec::new();
        for ((index, slot), (tag, bytes)) in workers.zip(parts) {
            let request = Array::of2(
                &JsValue::from_f64(tag as f64),
                &Uint8Array::from(bytes.as_slice()),
            );
            if slot.worker.post_message(&request).is_ok() {
                sent.push((tag, index));
            }
        }
        sent
    }
}
