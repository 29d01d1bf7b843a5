//! Mining: the job the shell's miners work on, their reports, and the
//! blocks they find.

use std::collections::VecDeque;

use tabcoin_chain::{Accepted, Added, Address, Amount, Salt, Template, Timestamp, Transaction};

use crate::event::{Effect, Job, MinerReport};
use crate::message::Message;
use crate::node::Node;
use crate::notice::{Notice, SendError};

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
    next_job: u64,
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

impl Default for Mining {
    fn default() -> Mining {
        Mining::new()
    }
}

impl Node {
    /// A fresh job on the current tip, if the person wants to mine (also
    /// while a download runs: a peer's claim never stops the miners).
    pub(crate) fn new_job(&mut self, now: Timestamp) -> Option<Effect> {
        let m = &mut self.mining;
        if !m.wanted {
            return None;
        }
        m.next_job += 1;
        let template = Template::new(&self.store, &self.pool, self.keys.address(), now);
        let job = Job {
            id: m.next_job,
            template,
        };
        m.tried = vec![0; m.workers];
        m.job = Some(job.clone());
        Some(Effect::Mine(job))
    }

    pub(crate) fn toggle_mining(&mut self, now: Timestamp) -> Vec<Effect> {
        let m = &mut self.mining;
        m.wanted = !m.wanted;
        m.rates = vec![0.0; m.workers];
        if m.wanted {
            let mut effects = vec![Effect::Notify(Notice::MiningStarted)];
            effects.extend(self.new_job(now));
            effects
        } else {
            m.job = None;
            vec![Effect::Notify(Notice::MiningStopped), Effect::StopMining]
        }
    }

    pub(crate) fn set_workers(&mut self, n: usize, now: Timestamp) -> Vec<Effect> {
        let m = &mut self.mining;
        m.workers = n.max(1);
        m.rates = vec![0.0; m.workers];
        m.tried = vec![0; m.workers];
        // Give the new set of miners the current job afresh.
        if m.job.is_some() {
            self.new_job(now).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    pub(crate) fn on_miner(
        &mut self,
        worker: usize,
        report: MinerReport,
        now: Timestamp,
    ) -> Vec<Effect> {
        let m = &mut self.mining;
        match report {
            MinerReport::Progress {
                job,
                tried,
                elapsed_ms,
            } => {
                if m.job.as_ref().is_some_and(|j| j.id == job)
                    && elapsed_ms > 0.0
                    && let (Some(rate), Some(count)) =
                        (m.rates.get_mut(worker), m.tried.get_mut(worker))
                {
                    *count = tried;
                    *rate = tried as f64 * 1000.0 / elapsed_ms;
                }
                Vec::new()
            }
            MinerReport::Found { job, nonce, tried } => {
                let Some(current) = m.job.take_if(|j| j.id == job) else {
                    return Vec::new();
                };
                if let Some(count) = m.tried.get_mut(worker) {
                    *count = tried;
                }
                let block = current.template.into_block(nonce);
                let (height, hash) = (block.header.height, block.hash);
                match self.store.accept(block.clone(), now) {
                    Ok(accepted) if accepted.tip_changed() => {
                        self.mining.mined_here += 1;
                        let mut effects = vec![
                            Effect::Notify(Notice::Mined { height, hash }),
                            Effect::Broadcast(Message::Block { block }),
                        ];
                        effects.extend(self.after_tip_change(&accepted, now));
                        effects
                    }
                    other => {
                        let error = other.err();
                        let mut effects =
                            vec![Effect::Notify(Notice::MinedNotAccepted { height, error })];
                        effects.extend(self.new_job(now));
                        effects
                    }
                }
            }
        }
    }

    /// Sends `amount` to `to`: merged into this tab's pending transaction if
    /// there is one (as in the classic design), else a new transaction whose
    /// id is derived from `salt`. The transaction is pooled and broadcast.
    pub(crate) fn send(
        &mut self,
        to: Address,
        amount: Amount,
        salt: Salt,
        now: Timestamp,
    ) -> Result<Vec<Effect>, SendError> {
        let network = self.store.genesis().hash;
        let wallet = self.keys.wallet().ok_or(SendError::Locked)?;
        let tx = match self.pool.get(&self.keys.address()) {
            Some(pending) => {
                let mut tx = pending.clone();
                tx.update(wallet, to, amount, now, &network)?;
                tx
            }
            None => {
                let balance = self.balance();
                Transaction::new(wallet, balance, to, amount, salt, now, &network)?
            }
        };
        self.store.add_to_pool(&mut self.pool, tx.clone())?;
        let me = self.keys.address();
        self.sends.sent(me, to, amount, tx.id, now);
        let mut effects = vec![
            Effect::Notify(Notice::Sent { amount, to }),
            Effect::Broadcast(Message::Transaction { tx }),
        ];
        // Stored before the send is acknowledged: a tab or node that stops
        // right after does not lose it.
        effects.extend(self.save_pool());
        effects.extend(self.new_job(now));
        Ok(effects)
    }

    /// Pools a transaction made elsewhere and passes it on if it is new or
    /// replaces its sender's pending one; one already pooled changes
    /// nothing.
    pub(crate) fn submit(
        &mut self,
        tx: Transaction,
        now: Timestamp,
    ) -> Result<Vec<Effect>, SendError> {
        match self.store.add_to_pool(&mut self.pool, tx.clone())? {
            Added::Unchanged => Ok(Vec::new()),
            Added::New | Added::Updated => {
                let mut effects = vec![Effect::Broadcast(Message::Transaction { tx })];
                effects.extend(self.save_pool());
                effects.extend(self.new_job(now));
                Ok(effects)
            }
        }
    }

    /// After the best chain moved: the pool follows, arrivals are told, the
    /// chain is saved, mining restarts on the new tip.
    pub(crate) fn after_tip_change(&mut self, accepted: &Accepted, now: Timestamp) -> Vec<Effect> {
        let me = self.keys.address();
        let mine = self.pool.get(&me).cloned();
        self.store.update_pool(&mut self.pool, &accepted.removed);
        let mut effects = Vec::new();
        for block in &accepted.added {
            let height = block.header.height;
            let (mut reward, mut coins) = (0u64, 0u64);
            for tx in &block.data {
                match (tx.is_reward(), tx.outputs.get(&me)) {
                    (true, Some(a)) => reward += a.0,
                    (false, Some(a)) if tx.sender() != Some(me) => coins += a.0,
                    _ => {}
                }
            }
            if coins > 0 {
                effects.push(Effect::Notify(Notice::CoinsReceived { coins, height }));
            }
            if reward > 0 {
                effects.push(Effect::Notify(Notice::Rewarded {
                    coins: reward,
                    height,
                }));
            }
        }
        effects.extend(self.follow_my_send(mine, now));
        let ledger = self.store.ledger();
        self.sends.follow_chain(|id| ledger.tx_height(id));
        effects.extend(self.save_chain(now));
        effects.extend(self.new_job(now));
        effects
    }

    /// Whether the person wants this tab to mine.
    pub fn is_mining(&self) -> bool {
        self.mining.wanted
    }

    /// The block being mined, if any.
    pub fn job(&self) -> Option<&Job> {
        self.mining.job.as_ref()
    }

    /// How many miners the node counts on.
    pub fn workers(&self) -> usize {
        self.mining.workers
    }

    /// Nonces per second of each miner on the current job.
    pub fn worker_rates(&self) -> &[f64] {
        &self.mining.rates
    }

    /// Nonces per second of all miners together.
    pub fn hash_rate(&self) -> f64 {
        self.mining.rates.iter().sum()
    }

    /// Nonces all miners tried for the current job.
    pub fn tried(&self) -> u64 {
        self.mining.tried.iter().sum()
    }

    /// Blocks this tab mined that joined the best chain (since the account
    /// was switched to).
    pub fn mined_here(&self) -> u64 {
        self.mining.mined_here
    }

    /// Total hash rate, one sample a second while mining, newest last.
    pub fn rate_history(&self) -> &VecDeque<(Timestamp, f64)> {
        &self.mining.history
    }
}
