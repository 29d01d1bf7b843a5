//! [`Node`]: the state and the reducer. [`Node::handle`] takes one
//! [`Event`] and the time, and returns the [`Effect`]s; it is the only way
//! to change the node. What the node does with peers is in `sync.rs` (the
//! download's own state machine is `crate::sync::Catchup`), with miners in
//! `mining.rs` (their state machine is `crate::mining::Mining`), with the
//! person's sends in `sends.rs`, beside their records.

mod mining;
mod sends;
mod sync;

use tabcoin_chain::{Address, Amount, Pool, Store, Timestamp, Transaction};
use tabcoin_protocol::PeerId;

use crate::event::{Effect, Event};
use crate::hold::Hold;
use crate::keys::Keys;
use crate::message::Message;
use crate::mining::Mining;
use crate::notice::Notice;
use crate::peers::Peers;
use crate::persist::{BlockRecord, StoredChain, parse_chain};
use crate::sends::Sends;
use crate::sync::Catchup;
use crate::writer::Writer;

/// A full node: chain, pool, wallet, peers, miners and storage, as state.
#[derive(Debug)]
pub struct Node {
    /// Known blocks, the best chain and its ledger.
    pub(crate) store: Store,
    /// Pending transactions.
    pub(crate) pool: Pool,
    /// This tab's account: it receives mining rewards and sends coins.
    pub(crate) keys: Keys,
    /// Peers that can be reached, what they announced, how they behave.
    pub(crate) peers: Peers,
    /// Catching up with peers: the download's state machine.
    pub(crate) catchup: Catchup,
    /// The miners and their job.
    pub(crate) mining: Mining,
    /// Batches waiting for the signature verifiers.
    pub(crate) hold: Hold,
    /// Writing the chain and the pool to storage.
    pub(crate) writer: Writer,
    /// The sends this tab made, and where they stand.
    pub(crate) sends: Sends,
}

impl Node {
    /// A node on `store` for an account (a wallet, or [`Keys`]), before
    /// storage is read (see [`Event::StorageLoaded`]): nothing is written
    /// until then.
    pub fn new(store: Store, keys: impl Into<Keys>) -> Node {
        Node {
            store,
            pool: Pool::new(),
            keys: keys.into(),
            peers: Peers::new(),
            catchup: Catchup::new(),
            mining: Mining::new(),
            hold: Hold::new(),
            writer: Writer::new(),
            sends: Sends::default(),
        }
    }

    /// Handles one event at time `now` (ms since the epoch).
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        match event {
            Event::Connected { .. }
            | Event::Disconnected
            | Event::PeerJoined(_)
            | Event::Linked(_)
            | Event::PeerLeft(_)
            | Event::Message { .. }
            | Event::Undecodable { .. } => self.ingress(event, now),
            Event::MiningToggled => self.toggle_mining(now),
            Event::WorkersSet(n) => self.set_workers(n, now),
            Event::Miner { worker, report } => self.on_miner(worker, report, now),
            Event::Send { to, amount, salt } => match self.send(to, amount, salt, now) {
                Ok(effects) => effects,
                Err(e) => vec![Effect::SendRefused(e)],
            },
            Event::Submit(tx) => match self.submit(tx, now) {
                Ok(effects) => effects,
                Err(e) => vec![Effect::SendRefused(e)],
            },
            Event::Mined(block) => self.publish_own(block, now),
            Event::KeysChanged(keys) => self.switch_keys(keys, now),
            Event::StorageLoaded { chain, pool } => self.storage_loaded(chain, pool, now),
            Event::BlocksWritten(result) => self.blocks_written(result, now),
            Event::VerifiersChanged { available, loading } => {
                match self.hold.set_verifiers(available, loading) {
                    Some((event, since)) => {
                        let mut effects = self.ingress(event, now);
                        self.hold.waited_since(since);
                        effects.extend(self.drain_held(now));
                        effects
                    }
                    None => Vec::new(),
                }
            }
            Event::SignaturesChecked { tag, flags } => {
                let (vouched, done) = self.hold.answer(tag, &flags);
                for hash in vouched {
                    self.store.sigs.vouch(hash);
                }
                if done { self.release(now) } else { Vec::new() }
            }
            Event::VerifierFailed => self.release(now),
            Event::Tick => self.tick(now),
        }
    }

    /// What peers send enters here. A batch with many signatures first has
    /// them checked by the verifiers; whatever comes next waits its turn.
    fn ingress(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        if self.hold.busy() {
            self.hold.push(event);
            return Vec::new();
        }
        // A banned peer's messages go straight on, to be ignored; without
        // verifiers, no batch's checks are even listed.
        if let Event::Message { from, msg } = &event
            && self.hold.has_verifiers()
            && !self.peers.is_banned(*from, now)
        {
            let sigs = &self.store.sigs;
            let pending = match msg {
                Message::Blocks { blocks, .. } => sigs.pending(blocks),
                Message::Pool { txs } => sigs.pending_txs(txs),
                _ => Vec::new(),
            };
            if self.hold.can_check(pending.len()) {
                let parts = self.hold.start(event, pending, now);
                return if parts.is_empty() {
                    Vec::new()
                } else {
                    vec![Effect::CheckSignatures(parts)]
                };
            }
        }
        self.on_peer_event(event, now)
    }

    /// The held event goes on, then those behind it.
    fn release(&mut self, now: Timestamp) -> Vec<Effect> {
        let mut effects = match self.hold.release() {
            Some(event) => self.on_peer_event(event, now),
            None => Vec::new(),
        };
        effects.extend(self.drain_held(now));
        effects
    }

    /// Events held behind a batch enter in order, until one is held again.
    fn drain_held(&mut self, now: Timestamp) -> Vec<Effect> {
        let mut effects = Vec::new();
        while let Some(event) = self.hold.next_held() {
            effects.extend(self.ingress(event, now));
        }
        effects
    }

    /// About once a second: stalled verifiers and sync peers are given up
    /// on, failed writes retried, the pool saved when it changed, a block
    /// sealed when this node's turn came.
    fn tick(&mut self, now: Timestamp) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(silent) = self.hold.stalled(now) {
            effects.push(Effect::VerifiersStalled(silent));
            effects.extend(self.release(now));
        }
        if self.writer.retry_due(now) {
            effects.extend(self.save_chain(now));
        }
        effects.extend(self.save_pool());
        self.mining.sample_rate(now);
        effects.extend(self.seal_if_due(now));
        effects.extend(self.sync_tick(now));
        effects
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

    fn blocks_written(&mut self, result: Result<(), String>, now: Timestamp) -> Vec<Effect> {
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

    /// The stored chain and pool arrived: the chain is revalidated and taken
    /// if it has more work than what peers gave meanwhile; stored pending
    /// transactions are checked again like any arrival.
    fn storage_loaded(
        &mut self,
        chain: Result<Option<StoredChain>, String>,
        pool: Option<String>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        match chain {
            Ok(Some(stored)) => {
                let legacy = matches!(stored, StoredChain::Whole(_));
                let parsed = parse_chain(self.store.params().clone(), stored, now);
                if let Some(problem) = parsed.problem {
                    effects.push(Effect::Notify(Notice::StoredChainDamaged(problem)));
                }
                // What differs from the records read is written again; a
                // whole chain of an earlier version is rewritten by blocks.
                self.writer.loaded(true, parsed.stored, legacy);
                if !parsed.stale.is_empty() {
                    effects.push(Effect::ForgetBlocks(parsed.stale));
                }
                if let Some(store) = parsed.store {
                    effects.extend(self.adopt_store(store, now));
                }
            }
            Ok(None) => self.writer.loaded(true, Vec::new(), false),
            Err(reason) => {
                self.writer.loaded(false, Vec::new(), false);
                effects.push(Effect::Notify(Notice::StoredChainUnreadable { reason }));
            }
        }
        effects.extend(self.save_chain(now));
        let txs: Vec<Transaction> = pool
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        let me = self.keys.address();
        for tx in txs {
            let mine = (tx.sender() == Some(me)).then(|| tx.clone());
            // Outdated or now invalid: dropped, as from a peer; if it was
            // this tab's, what it did not pay is sent again.
            if self.store.add_to_pool(&mut self.pool, tx).is_err() && mine.is_some() {
                effects.extend(self.follow_my_send(mine, now));
            }
        }
        effects
    }

    /// Takes a chain read from storage if it has more work than the one
    /// built since the page opened (peers may have been faster).
    fn adopt_store(&mut self, store: Store, now: Timestamp) -> Vec<Effect> {
        if store.total_work() <= self.store.total_work() {
            return Vec::new();
        }
        let height = store.height();
        self.store = store;
        self.store.update_pool(&mut self.pool, &[]);
        let mut effects = vec![Effect::Notify(Notice::ChainRestored { height })];
        effects.extend(self.new_job(now));
        // A download under way was measured against the old chain: it
        // starts again from this one.
        if let crate::SyncState::Syncing { peer, target } = self.catchup.state() {
            effects.extend(self.sync_from(peer, target, now));
        }
        effects
    }

    /// Switches this tab to another account: balances and sends are now its,
    /// and a running miner pays it from the next template on. The same
    /// account, unlocked or locked, only changes whether the node can sign.
    fn switch_keys(&mut self, keys: Keys, now: Timestamp) -> Vec<Effect> {
        let address = keys.address();
        let same = address == self.keys.address();
        self.keys = keys;
        if same {
            return Vec::new();
        }
        self.mining.new_account();
        let mut effects = vec![Effect::Notify(Notice::AccountSwitched { address })];
        if self.mining.job.is_some() {
            effects.extend(self.new_job(now));
        }
        effects
    }

    /// The chain: blocks, best chain, ledger.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Pending transactions.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// This tab's account.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Peers that can be reached, and the banned ones.
    pub fn peers(&self) -> &Peers {
        &self.peers
    }

    /// Whether the node ignores `peer` at `now`.
    pub fn is_banned(&self, peer: PeerId, now: Timestamp) -> bool {
        self.peers.is_banned(peer, now)
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

    /// Signatures checked so far: by the verifiers, and by the node itself.
    pub fn signatures_checked(&self) -> (u64, u64) {
        (self.hold.vouched(), self.store.sigs.stats().1)
    }
}
