//! [`Node`]: the state and the reducer. [`Node::handle`] takes one
//! [`Event`] and the time, and returns the [`Effect`]s; it is the only way
//! to change the node. It routes each event to the side it concerns: the
//! node's own chain, pool, account, miners and sends (`crate::local`), or
//! its peers and the download from them (`crate::net`, whose state
//! machines are `crate::peers::Peers` and `crate::sync::Catchup`); what
//! peers send waits behind batches whose signatures are being checked
//! (`crate::hold`).

use std::collections::VecDeque;

use tabcoin_chain::{Address, Amount, Height, Pool, Store, Timestamp, Transaction};
use tabcoin_protocol::PeerId;

use crate::event::{Effect, Event, Job};
use crate::hold::Hold;
use crate::keys::Keys;
use crate::local::Local;
use crate::message::Message;
use crate::mining::Sealing;
use crate::net::Net;
use crate::notice::Notice;
use crate::peers::Peers;
use crate::persist::{StoredChain, parse_chain};
use crate::sends::Sends;
use crate::sync::{Mode, SyncState};

/// A full node: chain, pool, wallet, peers, miners and storage, as state.
#[derive(Debug)]
pub struct Node {
    /// The node's own side: chain, pool, account, miners, sends, writes.
    pub(crate) local: Local,
    /// The side facing peers: who they are, and catching up with them.
    pub(crate) net: Net,
    /// Batches waiting for the signature verifiers.
    pub(crate) hold: Hold,
}

impl Node {
    /// A node on `store` for an account (a wallet, or [`Keys`]), before
    /// storage is read (see [`Event::StorageLoaded`]): nothing is written
    /// until then.
    pub fn new(store: Store, keys: impl Into<Keys>) -> Node {
        Node {
            local: Local::new(store, keys.into()),
            net: Net::default(),
            hold: Hold::new(),
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
            Event::MiningToggled => self.local.toggle_mining(now),
            Event::WorkersSet(n) => self.local.set_workers(n, now),
            Event::Miner { worker, report } => self.local.on_miner(worker, report, now),
            Event::Send { to, amount, salt } => match self.local.send(to, amount, salt, now) {
                Ok(effects) => effects,
                Err(e) => vec![Effect::SendRefused(e)],
            },
            Event::Submit(tx) => match self.local.submit(tx, now) {
                Ok(effects) => effects,
                Err(e) => vec![Effect::SendRefused(e)],
            },
            Event::Mined(block) => self.local.publish_own(block, now),
            Event::KeysChanged(keys) => self.switch_keys(keys, now),
            Event::StorageLoaded { chain, pool } => self.storage_loaded(chain, pool, now),
            Event::BlocksWritten(result) => self.local.blocks_written(result, now),
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
                    self.local.store.sigs.vouch(hash);
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
            && !self.net.peers.is_banned(*from, now)
        {
            let sigs = &self.local.store.sigs;
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
        self.net.on_peer_event(&mut self.local, event, now)
    }

    /// The held event goes on, then those behind it.
    fn release(&mut self, now: Timestamp) -> Vec<Effect> {
        let mut effects = match self.hold.release() {
            Some(event) => self.net.on_peer_event(&mut self.local, event, now),
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
        if self.local.writer.retry_due(now) {
            effects.extend(self.local.save_chain(now));
        }
        effects.extend(self.local.save_pool());
        self.local.mining.sample_rate(now);
        effects.extend(self.local.seal_if_due(now));
        effects.extend(self.net.sync_tick(&mut self.local, now));
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
                let parsed = parse_chain(self.local.store.params().clone(), stored, now);
                if let Some(problem) = parsed.problem {
                    effects.push(Effect::Notify(Notice::StoredChainDamaged(problem)));
                }
                // What differs from the records read is written again; a
                // whole chain of an earlier version is rewritten by blocks.
                self.local.writer.loaded(true, parsed.stored, legacy);
                if !parsed.stale.is_empty() {
                    effects.push(Effect::ForgetBlocks(parsed.stale));
                }
                if let Some(store) = parsed.store {
                    effects.extend(self.adopt_store(store, now));
                }
            }
            Ok(None) => self.local.writer.loaded(true, Vec::new(), false),
            Err(reason) => {
                self.local.writer.loaded(false, Vec::new(), false);
                effects.push(Effect::Notify(Notice::StoredChainUnreadable { reason }));
            }
        }
        effects.extend(self.local.save_chain(now));
        let txs: Vec<Transaction> = pool
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        let me = self.local.keys.address();
        for tx in txs {
            let mine = (tx.sender() == Some(me)).then(|| tx.clone());
            // Outdated or now invalid: dropped, as from a peer; if it was
            // this tab's, what it did not pay is sent again.
            if self
                .local
                .store
                .add_to_pool(&mut self.local.pool, tx)
                .is_err()
                && mine.is_some()
            {
                effects.extend(self.local.follow_my_send(mine, now));
            }
        }
        effects
    }

    /// Takes a chain read from storage if it has more work than the one
    /// built since the page opened (peers may have been faster).
    fn adopt_store(&mut self, store: Store, now: Timestamp) -> Vec<Effect> {
        if store.total_work() <= self.local.store.total_work() {
            return Vec::new();
        }
        let height = store.height();
        self.local.store = store;
        self.local.store.update_pool(&mut self.local.pool, &[]);
        let mut effects = vec![Effect::Notify(Notice::ChainRestored { height })];
        effects.extend(self.local.new_job(now));
        // A download under way was measured against the old chain: it
        // starts again from this one.
        if let crate::SyncState::Syncing { peer, target } = self.net.catchup.state() {
            effects.extend(self.net.sync_from(&mut self.local, peer, target, now));
        }
        effects
    }

    /// Switches this tab to another account: balances and sends are now its,
    /// and a running miner pays it from the next template on. The same
    /// account, unlocked or locked, only changes whether the node can sign.
    fn switch_keys(&mut self, keys: Keys, now: Timestamp) -> Vec<Effect> {
        let address = keys.address();
        let same = address == self.local.keys.address();
        self.local.keys = keys;
        if same {
            return Vec::new();
        }
        self.local.mining.new_account();
        let mut effects = vec![Effect::Notify(Notice::AccountSwitched { address })];
        if self.local.mining.job.is_some() {
            effects.extend(self.local.new_job(now));
        }
        effects
    }

    /// The node's mode: it moves between them as peers come and go and
    /// blocks arrive.
    pub fn mode(&self) -> Mode {
        match self.net.catchup.state() {
            SyncState::Syncing { .. } => Mode::Boot,
            SyncState::Ready
                if self.local.store.height() == Height::GENESIS && self.net.peers.is_empty() =>
            {
                Mode::Genesis
            }
            SyncState::Ready => Mode::Ready,
        }
    }

    /// Catching up, or in step.
    pub fn sync(&self) -> SyncState {
        self.net.catchup.state()
    }

    /// The chain: blocks, best chain, ledger.
    pub fn store(&self) -> &Store {
        &self.local.store
    }

    /// Pending transactions.
    pub fn pool(&self) -> &Pool {
        &self.local.pool
    }

    /// This tab's account.
    pub fn keys(&self) -> &Keys {
        &self.local.keys
    }

    /// Peers that can be reached, and the banned ones.
    pub fn peers(&self) -> &Peers {
        &self.net.peers
    }

    /// Whether the node ignores `peer` at `now`.
    pub fn is_banned(&self, peer: PeerId, now: Timestamp) -> bool {
        self.net.peers.is_banned(peer, now)
    }

    /// This tab's confirmed balance.
    pub fn balance(&self) -> Amount {
        self.local.balance()
    }

    /// This tab's balance once its pending transaction is confirmed (the
    /// change it keeps), or the confirmed balance if nothing is pending.
    pub fn pending_balance(&self) -> Amount {
        self.local.pending_balance()
    }

    /// `address`'s balance once every pending transaction is confirmed.
    pub fn balance_after_pending(&self, address: &Address) -> Amount {
        self.local.balance_after_pending(address)
    }

    /// What pending transactions of others pay this tab's account: it
    /// counts once a block holds them.
    pub fn incoming(&self) -> Amount {
        self.local.incoming()
    }

    /// Where this node stands for sealing the next block, on a
    /// proof-of-authority network (`None` on a mined one).
    pub fn sealing(&self) -> Option<Sealing> {
        self.local.sealing()
    }

    /// This node's `hello`: its network and best chain.
    pub fn hello(&self) -> Message {
        self.local.hello()
    }

    /// Signatures checked so far: by the verifiers, and by the node itself.
    pub fn signatures_checked(&self) -> (u64, u64) {
        (self.hold.vouched(), self.local.store.sigs.stats().1)
    }
    /// Whether the person wants this tab to mine.
    pub fn is_mining(&self) -> bool {
        self.local.mining.is_wanted()
    }

    /// The block being mined, if any.
    pub fn job(&self) -> Option<&Job> {
        self.local.mining.job.as_ref()
    }

    /// How many miners the node counts on.
    pub fn workers(&self) -> usize {
        self.local.mining.workers
    }

    /// Nonces per second of each miner on the current job.
    pub fn worker_rates(&self) -> &[f64] {
        &self.local.mining.rates
    }

    /// Nonces per second of all miners together.
    pub fn hash_rate(&self) -> f64 {
        self.local.mining.rates.iter().sum()
    }

    /// Nonces all miners tried for the current job.
    pub fn tried(&self) -> u64 {
        self.local.mining.tried.iter().sum()
    }

    /// Blocks this tab mined that joined the best chain (since the account
    /// was switched to).
    pub fn mined_here(&self) -> u64 {
        self.local.mining.mined_here
    }

    /// Total hash rate, one sample a second while mining, newest last.
    pub fn rate_history(&self) -> &VecDeque<(Timestamp, f64)> {
        &self.local.mining.history
    }

    /// The sends this tab made, newest last.
    pub fn sends(&self) -> &Sends {
        &self.local.sends
    }
}
