//! The blocks of a proven header chain, fetched from several peers at once
//! (Bitcoin's parallel block download after headers-first): the chain's
//! hashes are known, so each peer is asked for a different stretch, every
//! block is checked against the hash at its place before it is kept, and
//! blocks that arrive ahead of the first missing one wait (within
//! [`BODY_WINDOW`]) until the blocks before them are stored.
//!
//! [`Bodies`] is the pure part: who was asked for what, and what waits.
//! The node offers the blocks to its store in order, attributing each to
//! the peer that sent it.

use std::collections::{BTreeMap, BTreeSet};

use tabcoin_chain::{Block, BlockHash, Height, Store, Timestamp, Work};
use tabcoin_protocol::PeerId;

use crate::message::MAX_BLOCKS_PER_BATCH;

/// Most peers a download asks for blocks at once.
pub const MAX_BODY_PEERS: usize = 4;

/// Most blocks asked for or waiting ahead of the first block not stored:
/// two batches for each peer, so a node holds at most about
/// `2 · MAX_BODY_PEERS` batches (each within the wire's batch size) for a
/// download, however many peers serve it.
pub const BODY_WINDOW: usize = 2 * MAX_BODY_PEERS * MAX_BLOCKS_PER_BATCH;

/// A download of the blocks of a header chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bodies {
    /// The stored block the chain builds on.
    fork: BlockHash,
    /// The chain's hashes after `fork`, parent first.
    hashes: Vec<BlockHash>,
    /// The height of `hashes[0]`.
    first: Height,
    /// The cumulative work at its tip.
    work: Work,
    /// How many of `hashes` are stored (a prefix).
    stored: usize,
    /// Blocks that arrived ahead of the first one not stored, by place,
    /// with who sent each.
    ahead: BTreeMap<usize, (Block, PeerId)>,
    /// Requests in flight: the first place asked for, and when.
    asked: BTreeMap<PeerId, (usize, Timestamp)>,
    /// Peers not asked again in this download: they sent blocks of
    /// another chain, or nothing.
    dropped: BTreeSet<PeerId>,
}

/// What a peer's batch did for the download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Nothing was asked of that peer.
    Unasked,
    /// `fit` blocks were the chain's at the places asked for.
    Fit {
        /// How many.
        fit: usize,
        /// Whether the batch went on with a block of another chain.
        off: bool,
        /// Whether the blocks that fit reach the chain's tip.
        to_tip: bool,
    },
}

impl Bodies {
    /// A download of `hashes` (after stored block `fork`, with `work` at
    /// the tip); blocks already stored count as fetched.
    pub fn new(fork: BlockHash, hashes: Vec<BlockHash>, work: Work, store: &Store) -> Bodies {
        let first = store
            .get(&fork)
            .map_or(Height(1), |b| b.header.height.next());
        let mut bodies = Bodies {
            fork,
            hashes,
            first,
            work,
            stored: 0,
            ahead: BTreeMap::new(),
            asked: BTreeMap::new(),
            dropped: BTreeSet::new(),
        };
        bodies.settle(store);
        bodies
    }

    /// The chain's tip.
    pub fn tip(&self) -> BlockHash {
        self.hashes.last().copied().unwrap_or(self.fork)
    }

    /// The cumulative work at the tip.
    pub fn work(&self) -> Work {
        self.work
    }

    /// Whether `tip` at `height` is a block of the chain (a peer that
    /// named it as its tip holds the chain up to it).
    pub fn holds(&self, tip: BlockHash, height: Height) -> bool {
        height
            .0
            .checked_sub(self.first.0)
            .and_then(|i| self.hashes.get(usize::try_from(i).ok()?))
            == Some(&tip)
    }

    /// Whether a peer that named `tip` at `height` may hold the chain: its
    /// tip is a block of it, or higher than its tip (a peer that mined on
    /// since; if it is on another chain, its first answer shows it and it
    /// is not asked again).
    pub fn may_hold(&self, tip: BlockHash, height: Height) -> bool {
        let last = self.first.0 + self.hashes.len() as u64;
        self.holds(tip, height) || height.0 >= last
    }

    /// Whether every block is stored.
    pub fn complete(&self) -> bool {
        self.stored == self.hashes.len()
    }

    /// Whether `peer` has a request in flight.
    pub fn is_asked(&self, peer: PeerId) -> bool {
        self.asked.contains_key(&peer)
    }

    /// How many peers have a request in flight.
    pub fn serving(&self) -> usize {
        self.asked.len()
    }

    /// A peer with a request in flight, if any.
    pub fn serving_peer(&self) -> Option<PeerId> {
        self.asked.keys().next().copied()
    }

    /// Whether `peer` may be asked (it is not asked already and was not
    /// dropped from this download).
    pub fn may_ask(&self, peer: PeerId) -> bool {
        !self.asked.contains_key(&peer) && !self.dropped.contains(&peer)
    }

    /// Asks `peer` for the first stretch nobody was asked for and nothing
    /// waits in: the locator to send (the hash before the stretch), or
    /// None if every place within the window is covered.
    pub fn ask(&mut self, peer: PeerId, now: Timestamp) -> Option<BlockHash> {
        if !self.may_ask(peer) {
            return None;
        }
        let place = self.first_uncovered().or_else(|| self.gap())?;
        self.asked.insert(peer, (place, now));
        Some(match place {
            0 => self.fork,
            _ => self.hashes[place - 1],
        })
    }

    /// The first place within the window that is neither stored, waiting,
    /// nor inside a request in flight (a request covers a whole batch until
    /// it is answered).
    fn first_uncovered(&self) -> Option<usize> {
        let end = (self.stored + BODY_WINDOW).min(self.hashes.len());
        let mut place = self.stored;
        while place < end {
            if self.ahead.contains_key(&place) {
                place += 1;
                continue;
            }
            let covered = self
                .asked
                .values()
                .map(|(start, _)| *start)
                .filter(|start| (*start..start + MAX_BLOCKS_PER_BATCH).contains(&place))
                .max();
            match covered {
                Some(start) => place = start + MAX_BLOCKS_PER_BATCH,
                None => return Some(place),
            }
        }
        None
    }

    /// The first block neither stored nor waiting: when the whole window
    /// is covered, it is asked again of an idle peer (whichever answers
    /// first is used), so a peer that holds its stretch back delays the
    /// rest by one request of another, not by a stall.
    fn gap(&self) -> Option<usize> {
        (self.stored..self.hashes.len()).find(|p| !self.ahead.contains_key(p))
    }

    /// A batch from `peer`: the blocks that are the chain's at the places
    /// asked for are kept (the hash is recomputed from each header), the
    /// rest is not; the request is answered either way.
    pub fn receive(&mut self, peer: PeerId, blocks: Vec<Block>) -> Received {
        let Some((start, _)) = self.asked.remove(&peer) else {
            return Received::Unasked;
        };
        let mut fit = 0;
        let mut off = false;
        for (place, block) in (start..).zip(blocks) {
            if self.hashes.get(place) != Some(&block.header.hash()) {
                off = true;
                break;
            }
            fit += 1;
            if place >= self.stored {
                self.ahead.entry(place).or_insert((block, peer));
            }
        }
        let to_tip = fit > 0 && start + fit == self.hashes.len();
        Received::Fit { fit, off, to_tip }
    }

    /// The blocks waiting from the first one not stored on, as long as one
    /// peer sent them, with that peer: the next blocks to offer to the
    /// store, in order. They leave the waiting room; any not stored after
    /// [`Bodies::settle`] are asked for again.
    pub fn next_run(&mut self) -> Option<(PeerId, Vec<Block>)> {
        let (block, sender) = self.ahead.remove(&self.stored)?;
        let mut run = vec![block];
        let mut place = self.stored + 1;
        while self.ahead.get(&place).is_some_and(|(_, p)| *p == sender) {
            if let Some((block, _)) = self.ahead.remove(&place) {
                run.push(block);
            }
            place += 1;
        }
        Some((sender, run))
    }

    /// Counts the blocks now stored, in order.
    pub fn settle(&mut self, store: &Store) {
        while self
            .hashes
            .get(self.stored)
            .is_some_and(|h| store.get(h).is_some())
        {
            self.stored += 1;
        }
        // What waits below the stored prefix is there already.
        let stored = self.stored;
        self.ahead.retain(|place, _| *place >= stored);
    }

    /// `peer` is not asked again in this download; what it sent and did
    /// not store yet is dropped, and its stretch is asked of others.
    pub fn drop_peer(&mut self, peer: PeerId) {
        self.asked.remove(&peer);
        self.dropped.insert(peer);
        self.ahead.retain(|_, (_, p)| *p != peer);
    }

    /// Peers asked more than `ms` ago that have not answered.
    pub fn silent_for(&self, ms: u64, now: Timestamp) -> Vec<PeerId> {
        self.asked
            .iter()
            .filter(|(_, (_, at))| now.ms_since(*at) > ms)
            .map(|(peer, _)| *peer)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use tabcoin_chain::{Height, Store};

    use super::*;
    use crate::testkit::{NOW, P, extend};

    /// A download for `store` (at genesis) of `n` blocks that `miner`
    /// mined from genesis, and the blocks.
    fn download(store: &Store, n: u64, miner: u8) -> (Bodies, Vec<Block>) {
        let mut source = Store::new(P);
        extend(&mut source, n, miner);
        let blocks = source.blocks_after(&[store.tip().hash], n as usize);
        let hashes = blocks.iter().map(|b| b.hash).collect();
        let bodies = Bodies::new(store.tip().hash, hashes, source.total_work(), store);
        (bodies, blocks)
    }

    #[test]
    fn peers_are_asked_for_different_stretches_within_the_window() {
        let store = Store::new(P);
        let (mut bodies, blocks) = download(&store, 3 * MAX_BLOCKS_PER_BATCH as u64, 1);
        let t = Timestamp(0);
        assert_eq!(bodies.ask(1, t), Some(store.tip().hash));
        let batch = MAX_BLOCKS_PER_BATCH;
        assert_eq!(bodies.ask(2, t), Some(blocks[batch - 1].hash));
        assert_eq!(bodies.ask(3, t), Some(blocks[2 * batch - 1].hash));
        assert_eq!(bodies.ask(1, t), None, "one request per peer");
        // Every place is asked for: an idle peer is asked for the first
        // missing stretch again, in case its peer holds it back.
        assert_eq!(bodies.ask(4, t), Some(store.tip().hash));
    }

    #[test]
    fn blocks_ahead_wait_for_the_ones_before_them() {
        let mut store = Store::new(P);
        let (mut bodies, blocks) = download(&store, 2 * MAX_BLOCKS_PER_BATCH as u64, 1);
        let t = Timestamp(0);
        let batch = MAX_BLOCKS_PER_BATCH;
        bodies.ask(1, t);
        bodies.ask(2, t);
        // The second stretch first: it waits.
        let second = blocks[batch..].to_vec();
        assert_eq!(
            bodies.receive(2, second),
            Received::Fit {
                fit: batch,
                off: false,
                to_tip: true
            }
        );
        assert_eq!(bodies.next_run(), None);
        // Then the first: both come out in order, one run per sender.
        bodies.receive(1, blocks[..batch].to_vec());
        for expected in [1, 2] {
            let (sender, run) = bodies.next_run().unwrap_or_else(|| panic!("a run"));
            assert_eq!(sender, expected);
            for block in run {
                store
                    .accept(block, Timestamp(NOW.0 + 3_600_000))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            bodies.settle(&store);
        }
        assert!(bodies.complete());
        assert_eq!(store.height(), Height(2 * batch as u64));
    }

    #[test]
    fn a_block_of_another_chain_is_not_kept_and_its_place_is_asked_again() {
        let store = Store::new(P);
        let (mut bodies, blocks) = download(&store, 10, 1);
        let (_, other) = download(&store, 10, 2);
        let t = Timestamp(0);
        bodies.ask(1, t);
        let mut mixed = blocks[..4].to_vec();
        mixed.extend(other[4..].iter().cloned());
        assert_eq!(
            bodies.receive(1, mixed),
            Received::Fit {
                fit: 4,
                off: true,
                to_tip: false
            }
        );
        // Places 4.. are free again; a claimed hash that lies is caught too.
        let mut forged = blocks[4].clone();
        forged.header.nonce ^= 1;
        assert_eq!(bodies.ask(2, t), Some(blocks[3].hash));
        assert_eq!(
            bodies.receive(2, vec![forged]),
            Received::Fit {
                fit: 0,
                off: true,
                to_tip: false
            }
        );
        assert_eq!(bodies.receive(3, blocks), Received::Unasked);
    }

    #[test]
    fn a_dropped_peer_loses_what_waits_and_is_not_asked_again() {
        let store = Store::new(P);
        let (mut bodies, blocks) = download(&store, 2 * MAX_BLOCKS_PER_BATCH as u64, 1);
        let (t, batch) = (Timestamp(0), MAX_BLOCKS_PER_BATCH);
        bodies.ask(1, t);
        bodies.ask(2, Timestamp(10));
        bodies.receive(2, blocks[batch..].to_vec());
        assert_eq!(bodies.silent_for(5, Timestamp(12)), vec![1]);
        bodies.drop_peer(2);
        assert!(!bodies.may_ask(2));
        bodies.drop_peer(1);
        assert_eq!(bodies.serving(), 0);
        assert_eq!(bodies.next_run(), None);
        assert_eq!(bodies.ask(3, t), Some(store.tip().hash));
    }
}
