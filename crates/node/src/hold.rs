//! The signature-batch hold queue: a peer's batch of blocks or pending
//! transactions with many signatures waits while the shell's verifier
//! workers check them on other cores; whatever peers send meanwhile
//! (messages, joins and leaves alike) waits behind it, so order is kept.
//!
//! The queue says what it wants and does no I/O: [`Hold::start`] returns
//! the parts to send to the verifiers, the node reports their answers
//! ([`Hold::answer`]), readiness ([`Hold::set_verifiers`]) and time
//! ([`Hold::stalled`]); a released event goes back to the node. Whatever the
//! verifiers do not vouch for, the node checks itself when it validates.

use std::collections::VecDeque;

use tabcoin_chain::{SigCheck, Timestamp};

use crate::event::Event;
use crate::sigbatch::SigBatch;

/// Fewer checks than this are not worth a round trip to the verifiers.
pub const MIN_PARALLEL_CHECKS: usize = 16;

/// Verifiers silent this long are given up on (the node checks the rest):
/// well within the node's patience with a sync peer, so a stuck worker never
/// makes the node drop the peer whose batch is held.
pub const VERIFY_STALL_MS: u64 = crate::sync::SYNC_STALL_MS / 2;

/// An event held while its signatures are checked.
#[derive(Debug, Clone)]
struct Checking {
    /// None while the verifiers are still loading.
    batch: Option<SigBatch>,
    event: Event,
    since: Timestamp,
}

/// The hold queue and what the node knows of its verifiers.
#[derive(Debug, Clone, Default)]
pub struct Hold {
    checking: Option<Checking>,
    held: VecDeque<Event>,
    next_tag: u64,
    available: usize,
    loading: usize,
    /// Signatures the verifiers vouched for, in all.
    vouched: u64,
}

impl Hold {
    /// An empty queue; no verifiers until [`Hold::set_verifiers`].
    pub fn new() -> Hold {
        Hold::default()
    }

    /// Whether an event is held (everything from peers waits behind it).
    pub fn busy(&self) -> bool {
        self.checking.is_some()
    }

    /// Whether there are verifiers to send work to (ready or loading).
    pub fn has_verifiers(&self) -> bool {
        self.available > 0 || self.loading > 0
    }

    /// Whether a batch of `checks` goes to the verifiers.
    pub fn can_check(&self, checks: usize) -> bool {
        checks >= MIN_PARALLEL_CHECKS && self.has_verifiers()
    }

    /// Queues `event` behind the held one.
    pub fn push(&mut self, event: Event) {
        self.held.push_back(event);
    }

    /// Holds `event` while `pending` (signature hash, check) is verified;
    /// returns the parts to send, one per available verifier (none while
    /// they are loading: then the event waits for them).
    pub fn start(
        &mut self,
        event: Event,
        pending: Vec<([u8; 32], SigCheck)>,
        now: Timestamp,
    ) -> Vec<(u64, Vec<u8>)> {
        let (batch, parts) = if self.available == 0 {
            (None, Vec::new())
        } else {
            let (batch, parts) = SigBatch::split(self.next_tag, pending, self.available);
            self.next_tag += batch.tags_used();
            (Some(batch), parts)
        };
        self.checking = Some(Checking {
            batch,
            event,
            since: now,
        });
        parts
    }

    /// The verifiers changed. If an event waits for them to load and one is
    /// ready now, it is released to be started again (returned with the
    /// time it has waited since, which counts toward the stall).
    pub fn set_verifiers(
        &mut self,
        available: usize,
        loading: usize,
    ) -> Option<(Event, Timestamp)> {
        self.available = available;
        self.loading = loading;
        let waiting = self.checking.as_ref().is_some_and(|c| c.batch.is_none());
        if waiting && available > 0 {
            self.checking.take().map(|c| (c.event, c.since))
        } else {
            None
        }
    }

    /// Keeps the stall clock of a restarted hold where it was.
    pub fn waited_since(&mut self, since: Timestamp) {
        if let Some(c) = &mut self.checking {
            c.since = since;
        }
    }

    /// A verifier's answer: the signature hashes it vouches for, and whether
    /// the held event is now free to go on.
    pub fn answer(&mut self, tag: u64, flags: &[u8]) -> (Vec<[u8; 32]>, bool) {
        let Some(Checking {
            batch: Some(batch), ..
        }) = &mut self.checking
        else {
            return (Vec::new(), false);
        };
        let vouched = batch.answer(tag, flags);
        self.vouched += vouched.len() as u64;
        (vouched, batch.is_done())
    }

    /// If the held event has waited longer than [`VERIFY_STALL_MS`]: the
    /// parts not answered (none if the verifiers never loaded). The node
    /// then releases the event and stops using those verifiers.
    pub fn stalled(&mut self, now: Timestamp) -> Option<Vec<u64>> {
        let c = self.checking.as_ref()?;
        if now.ms_since(c.since) <= VERIFY_STALL_MS {
            return None;
        }
        let unanswered = match &c.batch {
            Some(batch) => {
                let tags = batch.unanswered();
                // One part per verifier: those are out of use now.
                self.available = self.available.saturating_sub(tags.len());
                tags
            }
            None => {
                self.loading = 0;
                Vec::new()
            }
        };
        Some(unanswered)
    }

    /// Lets the held event go on (its unvouched checks are the node's).
    pub fn release(&mut self) -> Option<Event> {
        self.checking.take().map(|c| c.event)
    }

    /// The next event that waited behind a released one.
    pub fn next_held(&mut self) -> Option<Event> {
        if self.busy() {
            None
        } else {
            self.held.pop_front()
        }
    }

    /// Signatures the verifiers vouched for since the node started.
    pub fn vouched(&self) -> u64 {
        self.vouched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigbatch::verify_all;
    use crate::testkit::signed_checks;

    const T: Timestamp = Timestamp(1_795_219_200_000);

    fn marker(n: u64) -> Event {
        Event::PeerJoined(n)
    }

    fn is_marker(e: Option<Event>, n: u64) -> bool {
        matches!(e, Some(Event::PeerJoined(m)) if m == n)
    }

    #[test]
    fn small_batches_and_nodes_without_verifiers_are_not_held() {
        let mut h = Hold::new();
        assert!(!h.can_check(100), "no verifiers");
        h.set_verifiers(2, 0);
        assert!(!h.can_check(MIN_PARALLEL_CHECKS - 1));
        assert!(h.can_check(MIN_PARALLEL_CHECKS));
        h.set_verifiers(0, 1);
        assert!(h.can_check(MIN_PARALLEL_CHECKS), "verifiers still loading");
    }

    #[test]
    fn a_held_event_goes_on_when_every_part_is_answered_then_those_behind_it_in_order() {
        let mut h = Hold::new();
        h.set_verifiers(2, 0);
        let parts = h.start(marker(1), signed_checks(20), T);
        assert_eq!(parts.len(), 2, "one part per verifier");
        h.push(marker(2));
        h.push(marker(3));
        assert!(h.busy());
        let (tag, bytes) = &parts[0];
        let (vouched, done) = h.answer(*tag, &verify_all(bytes));
        assert_eq!((vouched.len(), done), (10, false));
        assert!(h.next_held().is_none(), "nothing passes the held event");
        let (tag, bytes) = &parts[1];
        let (_, done) = h.answer(*tag, &verify_all(bytes));
        assert!(done);
        assert_eq!(h.vouched(), 20);
        assert!(is_marker(h.release(), 1));
        assert!(is_marker(h.next_held(), 2));
        assert!(is_marker(h.next_held(), 3));
        assert!(h.next_held().is_none());
    }

    #[test]
    fn a_batch_waits_for_loading_verifiers_and_the_wait_counts_toward_the_stall() {
        let mut h = Hold::new();
        h.set_verifiers(0, 2);
        assert!(h.start(marker(1), signed_checks(20), T).is_empty());
        assert!(h.busy());
        assert!(h.set_verifiers(0, 2).is_none(), "still loading");
        let (event, since) = h.set_verifiers(1, 1).expect("released to start again");
        assert!(matches!(event, Event::PeerJoined(1)));
        assert_eq!(since, T);
        let later = T.plus_ms(1_000);
        assert_eq!(h.start(event, signed_checks(20), later).len(), 1);
        h.waited_since(since);
        assert!(h.stalled(T.plus_ms(VERIFY_STALL_MS)).is_none());
        assert_eq!(
            h.stalled(T.plus_ms(VERIFY_STALL_MS + 1)).map(|t| t.len()),
            Some(1)
        );
    }

    #[test]
    fn a_stall_names_the_silent_parts_and_those_verifiers_are_not_used_again() {
        let mut h = Hold::new();
        h.set_verifiers(3, 0);
        let parts = h.start(marker(1), signed_checks(30), T);
        let (tag, bytes) = &parts[1];
        h.answer(*tag, &verify_all(bytes));
        let late = T.plus_ms(VERIFY_STALL_MS + 1);
        let silent = h.stalled(late).expect("stalled");
        assert_eq!(silent, vec![parts[0].0, parts[2].0]);
        assert!(is_marker(h.release(), 1));
        let parts = h.start(marker(2), signed_checks(30), late);
        assert_eq!(parts.len(), 1, "one verifier left");
    }

    #[test]
    fn verifiers_that_never_load_are_given_up_on() {
        let mut h = Hold::new();
        h.set_verifiers(0, 2);
        h.start(marker(1), signed_checks(20), T);
        assert_eq!(h.stalled(T.plus_ms(VERIFY_STALL_MS + 1)), Some(vec![]));
        assert!(is_marker(h.release(), 1));
        assert!(!h.can_check(100), "none left");
    }

    #[test]
    fn answers_for_other_parts_or_no_batch_vouch_for_nothing() {
        let mut h = Hold::new();
        assert_eq!(h.answer(0, &[1]), (Vec::new(), false));
        h.set_verifiers(1, 0);
        let parts = h.start(marker(1), signed_checks(16), T);
        assert_eq!(h.answer(parts[0].0 + 1, &[1; 16]), (Vec::new(), false));
        assert!(h.busy());
    }
}
