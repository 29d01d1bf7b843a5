//! Making blocks: on a proof-of-work network, the job the shell's miners
//! work on, their reports, and the blocks they find; on a
//! proof-of-authority one, sealing in turn (the node signs, no miner runs).
//!
//! This module holds the miners' state; what the node does with them is
//! `Node`'s, in `node/mining.rs`.

use std::collections::VecDeque;

use tabcoin_chain::{BlockHash, Timestamp};

use crate::event::Job;

/// Hash-rate samples kept for the chart (one per second while mining).
const RATE_SAMPLES: usize = 120;

/// What the node knows of its miners.
#[derive(Debug, Clone)]
pub struct Mining {
    /// Whether the person wants this tab to mine.
    pub(crate) wanted: bool,
    /// The block being mined, if any.
    pub(crate) job: Option<Job>,
    /// How many miners the shell runs.
    pub(crate) workers: usize,
    /// Nonces per second of each miner on the current job.
    pub(crate) rates: Vec<f64>,
    /// Nonces each miner tried for the current job.
    pub(crate) tried: Vec<u64>,
    /// Blocks this tab mined that joined the best chain.
    pub(crate) mined_here: u64,
    /// Total hash rate sampled every tick while mining, newest last.
    pub(crate) history: VecDeque<(Timestamp, f64)>,
    /// The tip sealing last looked at, and when it was first seen (proof
    /// of authority: an authority out of turn counts its wait from then).
    pub(crate) tip_seen: (BlockHash, Timestamp),
    pub(crate) next_job: u64,
}

impl Mining {
    /// One miner, not mining.
    pub fn new() -> Mining {
        Mining {
            wanted: false,
            job: None,
            workers: 1,
            rates: vec![0.0],
            tried: vec![0],
            mined_here: 0,
            history: VecDeque::new(),
            tip_seen: (BlockHash::default(), Timestamp(0)),
            next_job: 0,
        }
    }

    /// Keeps one hash-rate sample per tick while mining.
    pub(crate) fn sample_rate(&mut self, now: Timestamp) {
        if self.wanted {
            self.history.push_back((now, self.rates.iter().sum()));
            if self.history.len() > RATE_SAMPLES {
                self.history.pop_front();
            }
        }
    }
}

/// Whether and when this node seals the next block, on a
/// proof-of-authority network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// Its account is not one of the network's authorities: it cannot seal.
    NotAnAuthority {
        /// How many authorities the network has.
        authorities: usize,
    },
    /// Its account is an authority but locked: it seals once unlocked.
    Locked,
    /// It sealed one of the last blocks: another authority seals the next.
    SealedRecently,
    /// It seals the next block at `at` (when sealing is on), in turn or
    /// out of turn (if the authority in turn has not sealed by then).
    Due {
        /// When.
        at: Timestamp,
        /// Whether in turn.
        in_turn: bool,
        /// Its index among the authorities.
        by: u32,
    },
}

impl Default for Mining {
    fn default() -> Mining {
        Mining::new()
    }
}
