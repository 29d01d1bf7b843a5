//! The node's own side: its chain, pool, account, miners, sends and
//! storage writer, and what it does with them without asking peers. The
//! side facing peers (`crate::net`) reaches it; it never reaches back.

use tabcoin_chain::authority::Turn;
use tabcoin_chain::{
    Accepted, Added, Address, Amount, Block, Pool, PoolError, Salt, Store, Template, Timestamp,
    Transaction, TxError, TxId,
};

use crate::event::{Effect, MinerReport};
use crate::keys::Keys;
use crate::message::{Message, PROTOCOL_VERSION};
use crate::mining::{Mining, Sealing};
use crate::notice::{Misbehaviour, Notice, SendError};
use crate::persist::BlockRecord;
use crate::sends::{Sends, unpaid};
use crate::writer::Writer;

/// What the node holds of its own.
#[derive(Debug)]
pub struct Local {
    /// Known blocks, the best chain and its ledger.
    pub(crate) store: Store,
    /// Pending transactions.
    pub(crate) pool: Pool,
    /// This tab's account: it receives mining rewards and sends coins.
    pub(crate) keys: Keys,
    /// The miners and their job.
    pub(crate) mining: Mining,
    /// Writing the chain and the pool to storage.
    pub(crate) writer: Writer,
    /// The sends this tab made, and where they stand.
    pub(crate) sends: Sends,
}

impl Local {
    /// The node's own side on `store`, for `keys`.
    pub(crate) fn new(store: Store, keys: Keys) -> Local {
        Local {
            store,
            pool: Pool::new(),
            keys,
            mining: Mining::new(),
            writer: Writer::new(),
            sends: Sends::default(),
        }
    }

    /// The pending transactions to store, if they changed since last
    /// stored.
    pub(crate) fn save_pool(&mut self) -> Option<Effect> {
        self.writer.pool_due(self.pool.revision()).then(|| {
            let txs: Vec<&Transaction> = self.pool.transactions().collect();
            Effect::WritePool(serde_json::to_string(&txs).unwrap_or_default())
        })
    }

    /// The blocks of the best chain not yet written, if a write may start.
    pub(crate) fn save_chain(&mut self, now: Timestamp) -> Vec<Effect> {
        let records: Vec<BlockRecord> = self
            .writer
            .next(&self.store, now)
            .into_iter()
            .map(|(_, block)| BlockRecord::of(block))
            .collect();
        if records.is_empty() {
            Vec::new()
        } else {
            vec![Effect::WriteBlocks(records)]
        }
    }

    pub(crate) fn blocks_written(
        &mut self,
        result: Result<(), String>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let outcome = self.writer.finished(result, now);
        let mut effects = Vec::new();
        if let Some(reason) = outcome.failure {
            effects.push(Effect::Notify(Notice::ChainWriteFailed { reason }));
        }
        if outcome.remove_legacy {
            effects.push(Effect::RemoveLegacyChain);
        }
        if outcome.again {
            effects.extend(self.save_chain(now));
        }
        effects
    }

    /// A fresh job on the current tip, if the person wants to mine (also
    /// while a download runs: a peer's claim never stops the miners).
    /// On a proof-of-authority network there is no job: the node seals on
    /// its turn instead ([`Local::seal_if_due`]).
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

    /// The version of transaction `id` on the best chain, if any.
    fn confirmed(&self, id: &TxId) -> Option<&Transaction> {
        let height = self.store.ledger().tx_height(id)?;
        let block = self.store.block_at(height)?;
        block.data.iter().find(|tx| tx.id == *id)
    }

    /// This tab's pending transaction was `before`; if the pool no longer
    /// holds it (or a newer version of it), what it did not pay is sent
    /// again.
    pub(crate) fn follow_my_send(
        &mut self,
        before: Option<Transaction>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let Some(before) = before else {
            return Vec::new();
        };
        let me = self.keys.address();
        if self.pool.get(&me).is_some_and(|tx| tx.id == before.id) {
            return Vec::new();
        }
        let left = unpaid(&before, self.confirmed(&before.id), &me);
        if left.is_empty() {
            return Vec::new();
        }
        self.reissue(before.id, left, now)
    }

    /// Sends `payments` again, as one new transaction (merged into this
    /// tab's pending one if there is one).
    fn reissue(
        &mut self,
        old: TxId,
        payments: Vec<(Address, Amount)>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let (notices, tx) = self.sends.reissue(
            &mut self.store,
            &mut self.pool,
            &self.keys,
            (old, payments),
            now,
        );
        let mut effects: Vec<Effect> = notices.into_iter().map(Effect::Notify).collect();
        if let Some(tx) = tx {
            effects.push(Effect::Broadcast(Message::Transaction { tx }));
            effects.extend(self.new_job(now));
        }
        effects
    }

    /// This node's `hello`: its network and best chain.
    pub fn hello(&self) -> Message {
        let tip = self.store.tip();
        Message::Hello {
            version: PROTOCOL_VERSION,
            network: self.store.genesis().hash,
            tip: tip.hash,
            height: tip.header.height,
            work: self.store.total_work(),
        }
    }

    /// Offers a peer's transaction to the pool; a new payment to this
    /// account is told if it is `news` (not a pool snapshot's state). What
    /// proves the sender bad is returned, for the peer side to judge.
    pub(crate) fn offer_tx(
        &mut self,
        tx: Transaction,
        news: bool,
        now: Timestamp,
    ) -> Result<Vec<Effect>, Box<Misbehaviour>> {
        let incoming = self.payment_notice(&tx).filter(|_| news);
        match self.store.add_to_pool(&mut self.pool, tx) {
            Ok(Added::New | Added::Updated) => {
                let mut effects: Vec<Effect> = incoming.map(Effect::Notify).into_iter().collect();
                effects.extend(self.new_job(now));
                Ok(effects)
            }
            Ok(Added::Unchanged) => Ok(Vec::new()),
            Err(PoolError::Invalid(
                e @ (TxError::BadSignature { .. }
                | TxError::OutputsNotEqualInput { .. }
                | TxError::ZeroOutput { .. }
                | TxError::OutputCount { .. }),
            )) => Err(Box::new(Misbehaviour::InvalidTransaction(e))),
            Err(PoolError::Reward) => Err(Box::new(Misbehaviour::RewardAsTransaction)),
            // Outdated, conflicting or already confirmed: normal in gossip.
            Err(_) => Ok(Vec::new()),
        }
    }

    /// The notice a pending transaction gives if it pays this account more
    /// than the pending one of its sender did (a sender's transaction grows
    /// as it pays more): the new payment, at once.
    fn payment_notice(&self, tx: &Transaction) -> Option<Notice> {
        let me = self.keys.address();
        let from = tx.sender().filter(|s| *s != me)?;
        let paid = |t: &Transaction| t.outputs.get(&me).map_or(0, |a| a.0);
        let before = self.pool.get(&from).map_or(0, paid);
        let coins = paid(tx).checked_sub(before).filter(|c| *c > 0)?;
        Some(Notice::PaymentIncoming {
            coins,
            from,
            tx: tx.id,
        })
    }

    /// This tab's confirmed balance.
    pub fn balance(&self) -> Amount {
        self.store.ledger().balance(&self.keys.address())
    }

    /// This tab's balance once its pending transaction is confirmed (the
    /// change it keeps), or the confirmed balance if nothing is pending.
    pub fn pending_balance(&self) -> Amount {
        self.change_after_pending(&self.keys.address())
    }

    /// What `address` keeps once its own pending transaction is confirmed
    /// (its change), or its confirmed balance if it has none pending.
    fn change_after_pending(&self, address: &Address) -> Amount {
        match self.pool.get(address) {
            Some(tx) => tx.outputs.get(address).copied().unwrap_or(Amount::ZERO),
            None => self.store.ledger().balance(address),
        }
    }

    /// `address`'s balance once every pending transaction is confirmed:
    /// its own pending transaction leaves it its change, others' add what
    /// they pay it.
    pub fn balance_after_pending(&self, address: &Address) -> Amount {
        let own = self.change_after_pending(address);
        Amount(own.0.saturating_add(self.incoming_to(address).0))
    }

    /// What pending transactions of others pay this tab's account: it
    /// counts once a block holds them.
    pub fn incoming(&self) -> Amount {
        self.incoming_to(&self.keys.address())
    }

    /// What pending transactions of others pay `address`.
    fn incoming_to(&self, address: &Address) -> Amount {
        let paid = self
            .pool
            .transactions()
            .filter(|tx| tx.sender() != Some(*address))
            .filter_map(|tx| tx.outputs.get(address))
            .fold(0u64, |sum, a| sum.saturating_add(a.0));
        Amount(paid)
    }
}
