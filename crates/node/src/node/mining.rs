//! `Node`'s part in mining and sealing (the miners' state machine is
//! `crate::mining::Mining`), and what follows a move of the best chain.

use std::collections::VecDeque;

use tabcoin_chain::authority::Turn;
use tabcoin_chain::{Accepted, Block, Template, Timestamp};

use super::Node;
use crate::event::{Effect, Job, MinerReport};
use crate::message::Message;
use crate::mining::Sealing;
use crate::notice::Notice;

impl Node {
    /// A fresh job on the current tip, if the person wants to mine (also
    /// while a download runs: a peer's claim never stops the miners).
    /// On a proof-of-authority network there is no job: the node seals on
    /// its turn instead ([`Node::seal_if_due`]).
    pub(crate) fn new_job(&mut self, now: Timestamp) -> Option<Effect> {
        if !self.mining.is_wanted() || self.store.params().is_proof_of_authority() {
            return None;
        }
        let template = Template::new(&self.store, &self.pool, self.keys.address(), now);
        Some(Effect::Mine(self.mining.start_job(template)))
    }

    /// Mining (or sealing) on or off. A node whose account is not an
    /// authority of a proof-of-authority network stays off and says why.
    pub(crate) fn toggle_mining(&mut self, now: Timestamp) -> Vec<Effect> {
        if !self.mining.is_wanted()
            && let Some(Sealing::NotAnAuthority { authorities }) = self.sealing()
        {
            return vec![Effect::Notify(Notice::CannotSeal { authorities })];
        }
        if self.mining.toggle() {
            let mut effects = vec![Effect::Notify(Notice::MiningStarted)];
            effects.extend(self.new_job(now));
            effects.extend(self.seal_if_due(now));
            effects
        } else {
            vec![Effect::Notify(Notice::MiningStopped), Effect::StopMining]
        }
    }

    pub(crate) fn set_workers(&mut self, n: usize, now: Timestamp) -> Vec<Effect> {
        // Give the new set of miners the current job afresh.
        if self.mining.set_workers(n) {
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
        match report {
            MinerReport::Progress {
                job,
                tried,
                elapsed_ms,
            } => {
                self.mining.progress(worker, job, tried, elapsed_ms);
                Vec::new()
            }
            MinerReport::Found { job, nonce, tried } => match self.mining.found(worker, job, tried)
            {
                Some(current) => self.publish_own(current.template.into_block(nonce), now),
                None => Vec::new(),
            },
        }
    }

    /// A block this node made (mined or sealed, by its miners or by a
    /// remote one): taken and announced, or the reason it was not.
    pub(crate) fn publish_own(&mut self, block: Block, now: Timestamp) -> Vec<Effect> {
        let (height, hash) = (block.header.height, block.hash);
        match self.store.accept(block.clone(), now) {
            Ok(accepted) if accepted.tip_changed() => {
                self.mining.made_one();
                let made = if block.seal.is_some() {
                    Notice::Sealed { height, hash }
                } else {
                    Notice::Mined { height, hash }
                };
                let mut effects = vec![
                    Effect::Notify(made),
                    Effect::Broadcast(Message::Block { block }),
                ];
                effects.extend(self.after_tip_change(&accepted, true, now));
                effects
            }
            other => {
                let error = other.err();
                let mut effects = vec![Effect::Notify(Notice::MinedNotAccepted { height, error })];
                effects.extend(self.new_job(now));
                effects
            }
        }
    }

    /// Where this node stands for sealing the next block, on a
    /// proof-of-authority network (`None` on a mined one).
    pub fn sealing(&self) -> Option<Sealing> {
        let params = self.store.params();
        if !params.is_proof_of_authority() {
            return None;
        }
        let me = self.keys.address();
        let n = params.authorities.len();
        let Some(by) = params.authorities.iter().position(|a| *a == me) else {
            return Some(Sealing::NotAnAuthority { authorities: n });
        };
        if self.keys.wallet().is_none() {
            return Some(Sealing::Locked);
        }
        let tip = self.store.tip();
        let ctx = self.store.context(&tip.hash)?;
        let by = by as u32;
        let seen = self.mining.seen_since(tip.hash, tip.header.timestamp);
        Some(
            match tabcoin_chain::authority::turn(by, n, &ctx, params.mine_rate_ms, seen) {
                Turn::SealedRecently => Sealing::SealedRecently,
                Turn::At { at, in_turn } => Sealing::Due { at, in_turn, by },
            },
        )
    }

    /// Seals the next block if sealing is on and this node's turn (or its
    /// out-of-turn wait) has come: called on every tick.
    pub(crate) fn seal_if_due(&mut self, now: Timestamp) -> Vec<Effect> {
        // A mining node's every tick ends here.
        if !self.mining.is_wanted() || !self.store.params().is_proof_of_authority() {
            return Vec::new();
        }
        self.mining.look_at(self.store.tip().hash, now);
        let Some(Sealing::Due { at, by, .. }) = self.sealing() else {
            return Vec::new();
        };
        let Some(wallet) = self.keys.wallet() else {
            return Vec::new();
        };
        if now < at {
            return Vec::new();
        }
        let n = self.store.params().authorities.len();
        let template = Template::new(&self.store, &self.pool, self.keys.address(), now);
        let block = template.into_sealed_block(by, n, wallet);
        self.publish_own(block, now)
    }

    /// After the best chain moved: the pool follows, arrivals are told if
    /// the blocks are `news` (not history being caught up with: a reload
    /// that syncs from peers before its storage is read, or a new tab,
    /// does not tell old payments again), the chain is saved, mining
    /// restarts on the new tip.
    pub(crate) fn after_tip_change(
        &mut self,
        accepted: &Accepted,
        news: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        let me = self.keys.address();
        let mine = self.pool.get(&me).cloned();
        self.store.update_pool(&mut self.pool, &accepted.removed);
        let mut effects = Vec::new();
        for block in accepted.added.iter().filter(|_| news) {
            let height = block.header.height;
            let mut reward = 0u64;
            for tx in &block.data {
                match (tx.is_reward(), tx.outputs.get(&me), tx.sender()) {
                    (true, Some(a), _) => reward += a.0,
                    (false, Some(a), Some(from)) if from != me && a.0 > 0 => {
                        effects.push(Effect::Notify(Notice::CoinsReceived {
                            coins: a.0,
                            height,
                            from,
                            tx: tx.id,
                        }));
                    }
                    _ => {}
                }
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
        self.mining.is_wanted()
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
