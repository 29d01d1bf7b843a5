//! The chain-write scheduler: when to write which blocks, one write at a
//! time, retried after a failure, never before the stored chain was read.
//!
//! It says what it wants and changes nothing outside itself: [`Writer::next`]
//! hands out the blocks to write now (and marks the write under way), the
//! shell writes them and the node reports the outcome with
//! [`Writer::finished`]. Changes made meanwhile are written next.

use tabcoin_chain::{Block, BlockHash, Height, Store, Timestamp};

use crate::persist::Saved;

/// A failed write is tried again after this long.
pub const RETRY_MS: u64 = 10_000;

/// What a finished write means for the node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// A failure to tell the person (once per distinct reason).
    pub failure: Option<String>,
    /// The whole chain of an earlier version can now be removed.
    pub remove_legacy: bool,
    /// Changes arrived during the write: ask [`Writer::next`] again.
    pub again: bool,
}

/// The state of writing the best chain to storage.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    /// The stored chain was read: writes may replace it.
    read: bool,
    /// The best chain as last written.
    saved: Saved,
    /// A write under way: what it holds.
    writing: Option<Vec<(Height, BlockHash)>>,
    /// The chain changed during that write.
    dirty: bool,
    /// After a failure: when to try again, and the failure (said once).
    retry: Option<(Timestamp, String)>,
    /// A whole chain of an earlier version waits to be removed once its
    /// blocks are written one by one.
    legacy: bool,
    /// The pool revision last written.
    pool_saved: Option<u64>,
}

impl Writer {
    /// Nothing read or written yet.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// The stored chain was read (`ok`), or reading it failed: only a
    /// successful read lets writes replace what is stored. `stored` are the
    /// hashes the block records hold by height (none for a whole legacy
    /// chain, which is rewritten block by block and then removed).
    pub fn loaded(&mut self, ok: bool, stored: Vec<BlockHash>, legacy: bool) {
        self.read = ok;
        self.legacy = legacy;
        self.saved = Saved::of_hashes(stored);
    }

    /// The blocks of `store`'s best chain to write now, if any: none before
    /// the stored chain was read, while a write is under way (the chain is
    /// written again after it), or before a failed write's retry time.
    pub fn next<'a>(&mut self, store: &'a Store, now: Timestamp) -> Vec<(Height, &'a Block)> {
        if !self.read {
            return Vec::new();
        }
        if self.writing.is_some() {
            self.dirty = true;
            return Vec::new();
        }
        if self.retry.as_ref().is_some_and(|(at, _)| now < *at) {
            return Vec::new();
        }
        let changes = self.saved.changes(store);
        if changes.is_empty() {
            self.retry = None;
        } else {
            self.writing = Some(changes.iter().map(|(h, b)| (*h, b.hash)).collect());
        }
        changes
    }

    /// The write under way ended: `Ok` records it as stored; `Err` is
    /// retried after [`RETRY_MS`].
    pub fn finished(&mut self, result: Result<(), String>, now: Timestamp) -> Outcome {
        let Some(written) = self.writing.take() else {
            return Outcome::default();
        };
        match result {
            Ok(()) => {
                self.retry = None;
                self.saved.record(&written);
                Outcome {
                    failure: None,
                    remove_legacy: std::mem::take(&mut self.legacy),
                    again: std::mem::take(&mut self.dirty),
                }
            }
            Err(reason) => {
                let said = self.retry.as_ref().is_some_and(|(_, r)| *r == reason);
                self.retry = Some((now.plus_ms(RETRY_MS), reason.clone()));
                self.dirty = false;
                Outcome {
                    failure: (!said).then_some(reason),
                    ..Outcome::default()
                }
            }
        }
    }

    /// Whether a failed write's retry time has come (and nothing is under
    /// way).
    pub fn retry_due(&self, now: Timestamp) -> bool {
        self.writing.is_none() && self.retry.as_ref().is_some_and(|(at, _)| now >= *at)
    }

    /// Whether the pool at `revision` should be written now (it changed,
    /// and the stored one was read); if so, it counts as written.
    pub fn pool_due(&mut self, revision: u64) -> bool {
        if self.read && self.pool_saved != Some(revision) {
            self.pool_saved = Some(revision);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{P, extend};

    const T: Timestamp = Timestamp(1_795_219_200_000);

    fn heights(blocks: &[(Height, &Block)]) -> Vec<u64> {
        blocks.iter().map(|(h, _)| h.0).collect()
    }

    #[test]
    fn nothing_is_written_before_the_stored_chain_was_read() {
        let mut store = Store::new(P);
        extend(&mut store, 2, 1);
        let mut w = Writer::new();
        assert!(w.next(&store, T).is_empty());
        assert!(!w.pool_due(1), "the stored pool would be overwritten");
        w.loaded(false, Vec::new(), false);
        assert!(
            w.next(&store, T).is_empty(),
            "a failed read allows no writes"
        );
        w.loaded(true, Vec::new(), false);
        assert_eq!(heights(&w.next(&store, T)), vec![0, 1, 2]);
        assert!(w.pool_due(1));
        assert!(!w.pool_due(1), "an unchanged pool is not written again");
    }

    #[test]
    fn one_write_at_a_time_and_changes_meanwhile_go_next() {
        let mut store = Store::new(P);
        extend(&mut store, 2, 1);
        let mut w = Writer::new();
        w.loaded(true, Vec::new(), false);
        assert_eq!(w.next(&store, T).len(), 3);
        extend(&mut store, 1, 1);
        assert!(w.next(&store, T).is_empty(), "a write is under way");
        let outcome = w.finished(Ok(()), T);
        assert!(outcome.again, "the chain changed during the write");
        assert_eq!(heights(&w.next(&store, T)), vec![3]);
        assert_eq!(w.finished(Ok(()), T), Outcome::default());
        assert!(w.next(&store, T).is_empty(), "everything is stored");
    }

    #[test]
    fn a_failed_write_is_said_once_and_retried_after_a_pause() {
        let mut store = Store::new(P);
        extend(&mut store, 1, 1);
        let mut w = Writer::new();
        w.loaded(true, Vec::new(), false);
        w.next(&store, T);
        let first = w.finished(Err("disk full".into()), T);
        assert_eq!(first.failure.as_deref(), Some("disk full"));
        assert!(!w.retry_due(T.plus_ms(RETRY_MS - 1)));
        assert!(
            w.next(&store, T.plus_ms(1)).is_empty(),
            "not before the retry time"
        );
        let later = T.plus_ms(RETRY_MS);
        assert!(w.retry_due(later));
        assert_eq!(heights(&w.next(&store, later)), vec![0, 1]);
        let again = w.finished(Err("disk full".into()), later);
        assert_eq!(again.failure, None, "the same failure is not said twice");
        let much_later = later.plus_ms(RETRY_MS);
        w.next(&store, much_later);
        let other = w.finished(Err("quota".into()), much_later);
        assert_eq!(other.failure.as_deref(), Some("quota"));
        w.next(&store, much_later.plus_ms(RETRY_MS));
        assert_eq!(w.finished(Ok(()), much_later), Outcome::default());
        assert!(!w.retry_due(much_later.plus_ms(10 * RETRY_MS)));
    }

    #[test]
    fn a_legacy_chain_is_removed_after_its_blocks_are_written() {
        let mut store = Store::new(P);
        extend(&mut store, 1, 1);
        let mut w = Writer::new();
        w.loaded(true, Vec::new(), true);
        w.next(&store, T);
        assert!(!w.finished(Err("x".into()), T).remove_legacy);
        w.next(&store, T.plus_ms(RETRY_MS));
        assert!(w.finished(Ok(()), T.plus_ms(RETRY_MS)).remove_legacy);
        extend(&mut store, 1, 1);
        w.next(&store, T.plus_ms(RETRY_MS));
        assert!(!w.finished(Ok(()), T).remove_legacy, "only once");
    }

    #[test]
    fn blocks_read_from_storage_are_not_written_again() {
        let mut store = Store::new(P);
        extend(&mut store, 3, 1);
        let hashes = store.main_chain().map(|b| b.hash).collect();
        let mut w = Writer::new();
        w.loaded(true, hashes, false);
        assert!(w.next(&store, T).is_empty());
        assert!(
            w.finished(Ok(()), T) == Outcome::default(),
            "no write was under way"
        );
    }
}
