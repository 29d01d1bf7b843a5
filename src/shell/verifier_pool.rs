//! The page's signature verifier workers (`src/bin/verifier.rs`): while a
//! tab syncs, the node sends the signatures of each batch to them (see
//! `tabcoin_node::hold`); this pool posts the parts, remembers which worker
//! holds which, and stops using workers that failed or went silent.

use std::collections::HashMap;

use super::worker::WorkerHandle;
use super::{ShellEvent, Sink};
use crate::workers::messages::{Posted, ToVerifier};

/// Loader of the verifier worker, relative to the page.
pub const VERIFIER: &str = "./verifier_loader.js";

struct Slot {
    worker: WorkerHandle,
    failed: bool,
}

impl Slot {
    /// Loaded and not failed: able to take a part.
    fn usable(&self) -> bool {
        self.worker.is_ready() && !self.failed
    }
}

/// A fixed set of verifier workers.
#[derive(Default)]
pub struct VerifierPool {
    slots: Vec<Slot>,
    /// Which worker holds which part.
    holding: HashMap<u64, usize>,
}

impl VerifierPool {
    /// Starts `n` workers; what they say goes to `sink` with their index.
    pub fn start(n: usize, sink: &Sink) -> VerifierPool {
        let mut slots: Vec<Slot> = Vec::with_capacity(n);
        for _ in 0..n {
            // Numbered by position among the workers that started.
            let index = slots.len();
            let (on_message, on_error) = (sink.clone(), sink.clone());
            let Ok(worker) = WorkerHandle::spawn(
                VERIFIER,
                "verifier worker",
                move |posted| on_message(ShellEvent::Verifier(index, Some(posted))),
                move |_| on_error(ShellEvent::Verifier(index, None)),
            ) else {
                continue;
            };
            slots.push(Slot {
                worker,
                failed: false,
            });
        }
        VerifierPool {
            slots,
            holding: HashMap::new(),
        }
    }

    /// Worker `index` loaded.
    pub fn ready(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.worker.set_ready();
        }
    }

    /// Worker `index` failed; it is not used again.
    pub fn failed(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.failed = true;
        }
    }

    /// Workers able to take a part now, and workers still loading.
    pub fn counts(&self) -> (usize, usize) {
        let available = self.slots.iter().filter(|s| s.usable()).count();
        let loading = self
            .slots
            .iter()
            .filter(|s| !s.worker.is_ready() && !s.failed)
            .count();
        (available, loading)
    }

    /// Sends the parts, one per usable worker, in order.
    pub fn send(&mut self, parts: Vec<(u64, Vec<u8>)>) {
        let usable = self
            .slots
            .iter_mut()
            .enumerate()
            .filter(|(_, s)| s.usable());
        for ((index, slot), (tag, checks)) in usable.zip(parts) {
            if slot
                .worker
                .post(Posted::new(&ToVerifier::Check { tag }, checks))
            {
                self.holding.insert(tag, index);
            }
        }
    }

    /// Part `tag` was answered.
    pub fn answered(&mut self, tag: u64) {
        self.holding.remove(&tag);
    }

    /// The workers holding these parts went silent (none named: the
    /// workers still loading never finished): none of them is used again.
    pub fn stalled(&mut self, tags: &[u64]) {
        if tags.is_empty() {
            for slot in &mut self.slots {
                slot.failed |= !slot.worker.is_ready();
            }
        }
        for tag in tags {
            if let Some(index) = self.holding.remove(tag) {
                self.failed(index);
            }
        }
    }
}
