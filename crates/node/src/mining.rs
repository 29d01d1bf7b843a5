//! Making blocks: on a proof-of-work network, the job the shell's miners
//! work on, their reports, and the blocks they find; on a
//! proof-of-authority one, sealing in turn (the node signs, no miner runs).
//!
//! This module holds the miners' state machine ([`Mining`]: whether the
//! person wants to mine, the job out, the miners' counts and rates, the
//! tip a sealer waits on); what the node does with them (templates,
//! blocks, sealing turns) is the node's own side's, `crate::local::Local`.

use std::collections::VecDeque;

use tabcoin_chain::{BlockHash, Template, Timestamp};

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

    /// Whether the person wants this node to mine (or seal).
    pub fn is_wanted(&self) -> bool {
        self.wanted
    }

    /// Mining on or off; whether it is on now. Off forgets the job.
    pub fn toggle(&mut self) -> bool {
        self.wanted = !self.wanted;
        self.rates = vec![0.0; self.workers];
        if !self.wanted {
            self.job = None;
        }
        self.wanted
    }

    /// The miners are `n` now (at least one); whether a job is out (the
    /// new set is to get it afresh).
    pub fn set_workers(&mut self, n: usize) -> bool {
        self.workers = n.max(1);
        self.rates = vec![0.0; self.workers];
        self.tried = vec![0; self.workers];
        self.job.is_some()
    }

    /// A new job on `template`, numbered after the last: the miners'
    /// counts start again.
    pub fn start_job(&mut self, template: Template) -> Job {
        self.next_job += 1;
        let job = Job {
            id: self.next_job,
            template,
        };
        self.tried = vec![0; self.workers];
        self.job = Some(job.clone());
        job
    }

    /// Miner `worker` tried `tried` nonces of job `job` in `elapsed_ms`:
    /// its rate, if that is the job out.
    pub fn progress(&mut self, worker: usize, job: u64, tried: u64, elapsed_ms: f64) {
        if self.job.as_ref().is_some_and(|j| j.id == job)
            && elapsed_ms > 0.0
            && let (Some(rate), Some(count)) =
                (self.rates.get_mut(worker), self.tried.get_mut(worker))
        {
            *count = tried;
            *rate = tried as f64 * 1000.0 / elapsed_ms;
        }
    }

    /// Miner `worker` found a nonce for job `job` after `tried`: the job,
    /// taken (no other find counts for it), if it is the one out.
    pub fn found(&mut self, worker: usize, job: u64, tried: u64) -> Option<Job> {
        let current = self.job.take_if(|j| j.id == job)?;
        if let Some(count) = self.tried.get_mut(worker) {
            *count = tried;
        }
        Some(current)
    }

    /// A block this node made joined the best chain.
    pub fn made_one(&mut self) {
        self.mined_here += 1;
    }

    /// Another account mines from now: its count starts at zero.
    pub fn new_account(&mut self) {
        self.mined_here = 0;
    }

    /// No job is made until [`Mining::resume`] (a batch of transactions
    /// gets one template, not one each); whether mining was wanted.
    pub fn pause(&mut self) -> bool {
        std::mem::replace(&mut self.wanted, false)
    }

    /// Mining wanted again as it was before [`Mining::pause`].
    pub fn resume(&mut self, wanted: bool) {
        self.wanted = wanted;
    }

    /// When a sealer first saw `tip` (`timestamp` is the tip's own time,
    /// used until the node has looked at it).
    pub fn seen_since(&self, tip: BlockHash, timestamp: Timestamp) -> Timestamp {
        match self.tip_seen {
            (hash, at) if hash == tip => at,
            _ => timestamp,
        }
    }

    /// A sealer looks at `tip` at `now`: its wait counts from the first look.
    pub fn look_at(&mut self, tip: BlockHash, now: Timestamp) {
        if self.tip_seen.0 != tip {
            self.tip_seen = (tip, now);
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

#[cfg(test)]
mod tests {
    use tabcoin_chain::{Pool, Store};

    use super::*;
    use crate::testkit::{NOW, P, wallet};

    fn template() -> Template {
        let store = Store::new(P);
        Template::new(&store, &Pool::new(), wallet(1).address(), NOW)
    }

    #[test]
    fn jobs_are_numbered_and_a_find_counts_once_for_the_job_out() {
        let mut m = Mining::new();
        assert!(m.toggle());
        assert!(!m.set_workers(2), "no job out yet");
        let first = m.start_job(template());
        let second = m.start_job(template());
        assert_eq!((first.id, second.id), (1, 2));
        assert_eq!(m.found(0, first.id, 10), None, "an old job's find");
        assert_eq!(m.found(1, second.id, 20).map(|j| j.id), Some(2));
        assert_eq!(m.found(0, second.id, 30), None, "taken already");
        assert_eq!(m.tried, vec![0, 20]);
    }

    #[test]
    fn rates_count_for_the_job_out_only() {
        let mut m = Mining::new();
        m.toggle();
        m.set_workers(2);
        let job = m.start_job(template());
        m.progress(1, job.id, 5_000, 1_000.0);
        m.progress(0, job.id + 1, 9_000, 1_000.0);
        m.progress(0, job.id, 9_000, 0.0);
        m.progress(7, job.id, 9_000, 1_000.0);
        assert_eq!(m.rates, vec![0.0, 5_000.0]);
        m.sample_rate(NOW);
        assert_eq!(m.history.back(), Some(&(NOW, 5_000.0)));
        // Off: the job is forgotten, the rates start again.
        assert!(!m.toggle());
        assert!(m.job.is_none());
        assert_eq!(m.rates, vec![0.0, 0.0]);
        assert!(!m.set_workers(0) && m.workers == 1, "at least one");
    }

    #[test]
    fn a_sealer_counts_its_wait_from_its_first_look_at_a_tip() {
        let mut m = Mining::new();
        let (tip, other) = (BlockHash([1; 32]), BlockHash([2; 32]));
        assert_eq!(
            m.seen_since(tip, Timestamp(5)),
            Timestamp(5),
            "not looked at"
        );
        m.look_at(tip, Timestamp(100));
        m.look_at(tip, Timestamp(200));
        assert_eq!(m.seen_since(tip, Timestamp(5)), Timestamp(100));
        assert_eq!(m.seen_since(other, Timestamp(7)), Timestamp(7));
    }
}
