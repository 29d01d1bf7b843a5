//! The tab's node logic as a pure state machine: events in, effects out.
//!
//! [`Node::handle`] is the reducer behind the UI. It takes one [`Event`]
//! (a relay frame, a worker answer, a click) and the current time, updates
//! the chain, the pool and the view state, and returns the [`Effect`]s the
//! shell must carry out (send a frame, start the worker, save the chain). It
//! never touches the browser, so it is tested natively.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use tabcoin_chain::{
    AcceptError, Accepted, Address, Amount, Block, Height, Pool, PoolError, Store, Template,
    Timestamp, Transaction, TxError, TxId, Wallet, Work,
};
use tabcoin_protocol::{BATCH_BYTES, DecodeError, PeerId, take_within};

use crate::message::{
    MAX_BLOCKS_PER_BATCH, MAX_LOCATOR_HASHES, MAX_POOL_SNAPSHOT, Message, PROTOCOL_VERSION,
};
use crate::worker_api::FromWorker;

/// How many activity lines the node keeps.
const LOG_LINES: usize = 30;

/// A sync peer that has not answered for this long is replaced by another.
pub const SYNC_STALL_MS: u64 = 5_000;

/// What the node is doing about catching up with its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Up to date with every peer heard from.
    Ready,
    /// Downloading blocks from `peer`, who announced `target` height.
    Syncing {
        /// The peer asked.
        peer: PeerId,
        /// Its announced height.
        target: Height,
    },
}

/// The block being mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job number, echoed by the worker.
    pub id: u64,
    /// The block template (nonce to be found).
    pub template: Template,
}

/// Something the node wants the shell to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send a message to one peer.
    Send {
        /// The peer.
        to: PeerId,
        /// What to say.
        msg: Message,
    },
    /// Send a message to every peer.
    Broadcast(Message),
    /// Start (or replace) the worker's job.
    Mine(Job),
    /// Stop the worker.
    StopMining,
    /// Persist the chain.
    SaveChain,
}

/// Something that happened to the node.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The node is connected (to the relay): these peers can be reached.
    Connected {
        /// The other nodes reachable now.
        peers: Vec<PeerId>,
    },
    /// The connection is lost: no peer can be reached through it.
    Disconnected,
    /// A peer can now be reached.
    PeerJoined(PeerId),
    /// A peer can no longer be reached.
    PeerLeft(PeerId),
    /// A peer said something.
    Message {
        /// The peer.
        from: PeerId,
        /// What it said.
        msg: Message,
    },
    /// A peer sent a payload that is not a valid message.
    Undecodable {
        /// The peer.
        from: PeerId,
        /// Why it is not one.
        error: DecodeError,
    },
    /// The user started or stopped mining.
    MiningToggled,
    /// Worker `index` said something.
    Worker {
        /// Which worker.
        index: usize,
        /// What it said.
        event: FromWorker,
    },
    /// The shell now runs this many workers.
    WorkersSet(usize),
    /// Time passes (the shell sends one about every second).
    Tick,
}

/// One line of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When, in ms since the epoch.
    pub at: Timestamp,
    /// What happened.
    pub text: String,
    /// Whether it is a problem.
    pub warn: bool,
}

/// A notice shown for a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// When it was raised.
    pub at: Timestamp,
    /// What to say.
    pub text: String,
    /// For a mining-reward toast: coins and first block it covers (a
    /// miner's rewards are gathered into one toast, and give way first).
    pub reward: Option<(u64, Height)>,
}

/// How long a toast stays, in ms.
pub const TOAST_MS: u64 = 6_000;
/// Most toasts shown at once.
const MAX_TOASTS: usize = 4;
/// Hash-rate samples kept for the chart (one per second while mining).
const RATE_SAMPLES: usize = 120;

/// Why a send was refused, in one sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The transaction itself is not possible.
    #[error("{0}")]
    Tx(#[from] TxError),
    /// The pool refused it.
    #[error("{0}")]
    Pool(#[from] PoolError),
}

/// A tab's full node.
#[derive(Debug)]
pub struct Node {
    /// Known blocks, the best chain and its ledger.
    pub store: Store,
    /// Pending transactions.
    pub pool: Pool,
    /// This tab's wallet: it receives mining rewards and sends coins.
    pub wallet: Wallet,
    /// Other tabs that can be reached.
    pub peers: BTreeSet<PeerId>,
    /// Sync state.
    pub sync: SyncState,
    /// Whether the user wants this tab to mine.
    pub mining: bool,
    /// The block being mined, if any.
    pub job: Option<Job>,
    /// How many workers mine for this tab.
    pub workers: usize,
    /// Nonces per second of each worker on the current job.
    pub worker_rates: Vec<f64>,
    /// Nonces each worker tried for the current job.
    pub worker_tried: Vec<u64>,
    /// Blocks this tab mined that joined the best chain.
    pub mined_here: u64,
    /// Recent activity, newest last.
    pub log: VecDeque<LogLine>,
    /// Short-lived notices for the user (coins arrived), newest last.
    pub toasts: VecDeque<Toast>,
    /// Total hash rate sampled every tick while mining, newest last.
    pub rate_history: VecDeque<(Timestamp, f64)>,
    /// Height and work each peer last announced in its `hello`.
    pub announced: HashMap<PeerId, (Height, Work)>,
    /// Peers that sent provably invalid data; their messages are ignored.
    pub banned: HashSet<PeerId>,
    sync_asked: Timestamp,
    next_job: u64,
}

impl Node {
    /// A node on `store` with `wallet`.
    pub fn new(store: Store, wallet: Wallet) -> Node {
        Node {
            store,
            pool: Pool::new(),
            wallet,
            peers: BTreeSet::new(),
            sync: SyncState::Ready,
            mining: false,
            job: None,
            workers: 1,
            worker_rates: vec![0.0],
            worker_tried: vec![0],
            mined_here: 0,
            log: VecDeque::new(),
            toasts: VecDeque::new(),
            rate_history: VecDeque::new(),
            announced: HashMap::new(),
            banned: HashSet::new(),
            sync_asked: Timestamp(0),
            next_job: 0,
        }
    }

    /// Adds a line to the activity log.
    pub fn note(&mut self, now: Timestamp, text: impl Into<String>, warn: bool) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            at: now,
            text: text.into(),
            warn,
        });
    }

    /// This tab's confirmed balance.
    pub fn balance(&self) -> Amount {
        self.store.ledger().balance(&self.wallet.address())
    }

    /// This tab's balance once its pending transaction is confirmed (the
    /// change it keeps), or the confirmed balance if nothing is pending.
    pub fn pending_balance(&self) -> Amount {
        let me = self.wallet.address();
        match self.pool.get(&me) {
            Some(tx) => tx.outputs.get(&me).copied().unwrap_or(Amount::ZERO),
            None => self.balance(),
        }
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

    fn get_blocks(&self, to: PeerId) -> Effect {
        let mut locator = self.store.locator();
        if locator.len() > MAX_LOCATOR_HASHES {
            let genesis = self.store.genesis().hash;
            locator.truncate(MAX_LOCATOR_HASHES - 1);
            locator.push(genesis);
        }
        Effect::Send {
            to,
            msg: Message::GetBlocks { locator },
        }
    }

    /// Starts (or moves) the block download to `peer`. Mining pauses until
    /// the node is in step again (a template on a stale tip is wasted work).
    fn sync_from(&mut self, peer: PeerId, target: Height, now: Timestamp) -> Vec<Effect> {
        self.sync = SyncState::Syncing { peer, target };
        self.sync_asked = now;
        let mut effects = Vec::new();
        if self.job.take().is_some() {
            effects.push(Effect::StopMining);
        }
        effects.push(self.get_blocks(peer));
        effects
    }

    /// The download is over: if another peer announced more work meanwhile,
    /// sync from it; else back to ready, and mining resumes if wanted.
    fn sync_done(&mut self, now: Timestamp) -> Vec<Effect> {
        if let Some((peer, target)) = self.best_announced(None) {
            return self.sync_from(peer, target, now);
        }
        self.sync = SyncState::Ready;
        self.new_job(now).into_iter().collect()
    }

    /// The peer (other than `except`) that announced the most work, if that
    /// is more than ours, with the height it announced.
    fn best_announced(&self, except: Option<PeerId>) -> Option<(PeerId, Height)> {
        let ours = self.store.total_work();
        self.announced
            .iter()
            .filter(|(p, (_, work))| Some(**p) != except && *work > ours)
            .max_by_key(|(_, (_, work))| *work)
            .map(|(p, (h, _))| (*p, *h))
    }

    /// Nonces per second of all workers together.
    pub fn hash_rate(&self) -> f64 {
        self.worker_rates.iter().sum()
    }

    /// Nonces all workers tried for the current job.
    pub fn tried(&self) -> u64 {
        self.worker_tried.iter().sum()
    }

    /// The download peer stalled or left: ask another peer that announced
    /// more work, or stop syncing if there is none.
    fn switch_sync_peer(&mut self, gone: PeerId, now: Timestamp) -> Vec<Effect> {
        match self.best_announced(Some(gone)) {
            Some((peer, target)) => {
                self.note(
                    now,
                    format!("peer {gone} stopped answering; syncing from peer {peer}"),
                    true,
                );
                self.sync_from(peer, target, now)
            }
            None => self.sync_done(now),
        }
    }

    /// A fresh job on the current tip, if the user wants to mine.
    fn new_job(&mut self, now: Timestamp) -> Option<Effect> {
        if !self.mining || self.sync != SyncState::Ready {
            return None;
        }
        self.next_job += 1;
        let template = Template::new(&self.store, &self.pool, self.wallet.address(), now);
        let job = Job {
            id: self.next_job,
            template,
        };
        self.worker_tried = vec![0; self.workers];
        self.job = Some(job.clone());
        Some(Effect::Mine(job))
    }

    /// Takes a chain read from storage if it has more work than the one
    /// built since the page opened (peers may have been faster).
    pub fn adopt_store(&mut self, store: Store, now: Timestamp) -> Vec<Effect> {
        if store.total_work() <= self.store.total_work() {
            return Vec::new();
        }
        self.note(
            now,
            format!("restored the stored chain at height {}", store.height()),
            false,
        );
        self.store = store;
        self.store.update_pool(&mut self.pool, &[]);
        let mut effects = vec![Effect::SaveChain];
        effects.extend(self.new_job(now));
        effects
    }

    /// Switches this tab to another wallet: balances and sends are now its,
    /// and a running miner pays it from the next template on.
    pub fn switch_wallet(&mut self, wallet: Wallet, now: Timestamp) -> Vec<Effect> {
        if wallet.address() == self.wallet.address() {
            return Vec::new();
        }
        self.note(
            now,
            format!("using account {}", wallet.address().short()),
            false,
        );
        self.wallet = wallet;
        self.mined_here = 0;
        if self.job.is_some() {
            self.new_job(now).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// Sends `amount` to `to`: merged into this tab's pending transaction if
    /// there is one (as in the classic design), else a new transaction with
    /// id `id`. The transaction is pooled and broadcast.
    pub fn send(
        &mut self,
        to: Address,
        amount: Amount,
        id: TxId,
        now: Timestamp,
    ) -> Result<Vec<Effect>, SendError> {
        let tx = match self.pool.get(&self.wallet.address()) {
            Some(pending) => {
                let mut tx = pending.clone();
                tx.update(&self.wallet, to, amount, now)?;
                tx
            }
            None => Transaction::new(&self.wallet, self.balance(), to, amount, id, now)?,
        };
        self.store.add_to_pool(&mut self.pool, tx.clone())?;
        self.note(now, format!("sent {amount} to {}", to.short()), false);
        let mut effects = vec![Effect::Broadcast(Message::Transaction { tx })];
        effects.extend(self.new_job(now));
        Ok(effects)
    }

    /// Handles one event at time `now` (ms since the epoch).
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        match event {
            Event::Connected { peers } => {
                self.peers = peers.into_iter().collect();
                vec![Effect::Broadcast(self.hello())]
            }
            Event::Disconnected => {
                self.peers.clear();
                self.announced.clear();
                if self.sync == SyncState::Ready {
                    Vec::new()
                } else {
                    self.sync_done(now)
                }
            }
            Event::PeerJoined(peer) => {
                self.peers.insert(peer);
                Vec::new()
            }
            Event::PeerLeft(peer) => {
                self.peers.remove(&peer);
                self.announced.remove(&peer);
                if matches!(self.sync, SyncState::Syncing { peer: p, .. } if p == peer) {
                    self.switch_sync_peer(peer, now)
                } else {
                    Vec::new()
                }
            }
            Event::Message { from, msg } => self.on_message(from, msg, now),
            Event::Undecodable { from, error } => {
                if !self.banned.contains(&from) {
                    self.note(
                        now,
                        format!("ignored a message from peer {from}: {error}"),
                        true,
                    );
                }
                Vec::new()
            }
            Event::MiningToggled => {
                self.mining = !self.mining;
                if self.mining {
                    self.worker_rates = vec![0.0; self.workers];
                    self.note(now, "started mining", false);
                    self.new_job(now).into_iter().collect()
                } else {
                    self.job = None;
                    self.worker_rates = vec![0.0; self.workers];
                    self.note(now, "stopped mining", false);
                    vec![Effect::StopMining]
                }
            }
            Event::Worker { index, event } => self.on_worker(index, event, now),
            Event::WorkersSet(n) => {
                self.workers = n.max(1);
                self.worker_rates = vec![0.0; self.workers];
                self.worker_tried = vec![0; self.workers];
                // Give the new set of workers the current job afresh.
                if self.job.is_some() {
                    self.new_job(now).into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Event::Tick => {
                self.toasts.retain(|t| now.ms_since(t.at) < TOAST_MS);
                if self.mining {
                    self.rate_history.push_back((now, self.hash_rate()));
                    if self.rate_history.len() > RATE_SAMPLES {
                        self.rate_history.pop_front();
                    }
                }
                self.on_tick(now)
            }
        }
    }

    /// A stalled download moves to another peer.
    fn on_tick(&mut self, now: Timestamp) -> Vec<Effect> {
        match self.sync {
            SyncState::Syncing { peer, .. } if now.ms_since(self.sync_asked) > SYNC_STALL_MS => {
                self.announced.remove(&peer);
                self.switch_sync_peer(peer, now)
            }
            _ => Vec::new(),
        }
    }

    fn on_worker(&mut self, index: usize, event: FromWorker, now: Timestamp) -> Vec<Effect> {
        match event {
            FromWorker::Ready { .. } => Vec::new(),
            FromWorker::Progress {
                job,
                tried,
                elapsed_ms,
            } => {
                if self.job.as_ref().is_some_and(|j| j.id == job)
                    && elapsed_ms > 0.0
                    && let (Some(rate), Some(count)) = (
                        self.worker_rates.get_mut(index),
                        self.worker_tried.get_mut(index),
                    )
                {
                    *count = tried;
                    *rate = tried as f64 * 1000.0 / elapsed_ms;
                }
                Vec::new()
            }
            FromWorker::Found { job, nonce, tried } => {
                let Some(current) = self.job.take_if(|j| j.id == job) else {
                    return Vec::new();
                };
                if let Some(count) = self.worker_tried.get_mut(index) {
                    *count = tried;
                }
                let block = current.template.into_block(nonce);
                let (height, short) = (block.header.height, block.hash.short());
                match self.store.accept(block.clone(), now) {
                    Ok(accepted) if accepted.tip_changed() => {
                        self.mined_here += 1;
                        self.note(now, format!("mined block {height} ({short})"), false);
                        let mut effects = vec![Effect::Broadcast(Message::Block { block })];
                        effects.extend(self.after_tip_change(&accepted, now));
                        effects
                    }
                    other => {
                        self.note(
                            now,
                            format!("mined block {height} was not accepted: {other:?}"),
                            true,
                        );
                        self.new_job(now).into_iter().collect()
                    }
                }
            }
        }
    }

    /// After the best chain moved: pool follows, chain is saved, mining
    /// restarts on the new tip.
    fn after_tip_change(&mut self, accepted: &Accepted, now: Timestamp) -> Vec<Effect> {
        self.store.update_pool(&mut self.pool, &accepted.removed);
        let me = self.wallet.address();
        for block in &accepted.added {
            let height = block.header.height;
            let mut reward = 0u64;
            let mut coins = 0u64;
            for tx in &block.data {
                match (tx.is_reward(), tx.outputs.get(&me)) {
                    (true, Some(a)) => reward += a.0,
                    (false, Some(a)) if tx.sender() != Some(me) => coins += a.0,
                    _ => {}
                }
            }
            if coins > 0 {
                let text = format!("Received {coins} coins in block {height}");
                self.toasts.push_back(Toast {
                    at: now,
                    text,
                    reward: None,
                });
            }
            if reward > 0 {
                match self.toasts.back_mut() {
                    Some(last) if last.reward.is_some() => {
                        let (total, from) = last.reward.unwrap_or((0, height));
                        let total = total + reward;
                        last.text =
                            format!("Received {total} mining reward in blocks {from}–{height}");
                        last.reward = Some((total, from));
                        last.at = now;
                    }
                    _ => self.toasts.push_back(Toast {
                        at: now,
                        text: format!("Received {reward} mining reward in block {height}"),
                        reward: Some((reward, height)),
                    }),
                }
            }
            while self.toasts.len() > MAX_TOASTS {
                // Payments from others matter more than a miner's stream of
                // rewards: drop the oldest reward first.
                match self.toasts.iter().position(|t| t.reward.is_some()) {
                    Some(i) => self.toasts.remove(i),
                    None => self.toasts.pop_front(),
                };
            }
        }
        let mut effects = vec![Effect::SaveChain];
        effects.extend(self.new_job(now));
        effects
    }

    /// Stops listening to a peer that sent provably invalid data.
    fn ban(&mut self, peer: PeerId, why: String, now: Timestamp) -> Vec<Effect> {
        self.note(now, format!("ignoring peer {peer}: it {why}"), true);
        self.banned.insert(peer);
        self.announced.remove(&peer);
        if matches!(self.sync, SyncState::Syncing { peer: p, .. } if p == peer) {
            self.switch_sync_peer(peer, now)
        } else {
            Vec::new()
        }
    }

    fn on_message(&mut self, from: PeerId, msg: Message, now: Timestamp) -> Vec<Effect> {
        if self.banned.contains(&from) {
            return Vec::new();
        }
        match msg {
            Message::Hello {
                version,
                network,
                height,
                work,
                ..
            } => {
                if version != PROTOCOL_VERSION || network != self.store.genesis().hash {
                    return Vec::new();
                }
                self.announced.insert(from, (height, work));
                let ours = self.store.total_work();
                if work > ours {
                    // One download at a time: a second, better peer is
                    // remembered and used if the current one stalls.
                    if self.sync == SyncState::Ready {
                        self.sync_from(from, height, now)
                    } else {
                        Vec::new()
                    }
                } else if work < ours {
                    vec![Effect::Send {
                        to: from,
                        msg: self.hello(),
                    }]
                } else {
                    vec![Effect::Send {
                        to: from,
                        msg: Message::GetPool,
                    }]
                }
            }
            Message::GetBlocks { locator } => {
                let blocks = self.batch_after(&locator);
                let more = blocks
                    .last()
                    .is_some_and(|b| b.header.height < self.store.height());
                vec![Effect::Send {
                    to: from,
                    msg: Message::Blocks { blocks, more },
                }]
            }
            Message::Block { block } => self.offer(from, vec![block], now),
            Message::Blocks { blocks, more } => {
                let (mut effects, refused) = self.offer_blocks(from, blocks, now);
                let syncing_from_sender =
                    matches!(self.sync, SyncState::Syncing { peer, .. } if peer == from);
                if refused && syncing_from_sender {
                    // Asking again would bring the same batch: try another
                    // peer (or stop syncing) instead.
                    self.announced.remove(&from);
                    effects.extend(self.switch_sync_peer(from, now));
                    return effects;
                }
                if syncing_from_sender {
                    self.sync_asked = now;
                }
                if more && syncing_from_sender {
                    if !effects.iter().any(|e| {
                        matches!(
                            e,
                            Effect::Send {
                                msg: Message::GetBlocks { .. },
                                ..
                            }
                        )
                    }) {
                        effects.push(self.get_blocks(from));
                    }
                } else if syncing_from_sender {
                    effects.push(Effect::Send {
                        to: from,
                        msg: Message::GetPool,
                    });
                    // That peer's announcement is served; others may remain.
                    self.announced.remove(&from);
                    effects.extend(self.sync_done(now));
                }
                effects
            }
            Message::Transaction { tx } => self.offer_tx(from, tx, now),
            Message::GetPool => {
                let txs = take_within(
                    self.pool.transactions().take(MAX_POOL_SNAPSHOT).cloned(),
                    BATCH_BYTES,
                );
                vec![Effect::Send {
                    to: from,
                    msg: Message::Pool { txs },
                }]
            }
            Message::Pool { txs } => {
                // One fresh template for the whole snapshot, not one per
                // transaction.
                let mining = std::mem::replace(&mut self.mining, false);
                let mut effects: Vec<Effect> = txs
                    .into_iter()
                    .flat_map(|tx| self.offer_tx(from, tx, now))
                    .collect();
                self.mining = mining;
                effects.extend(self.new_job(now));
                effects
            }
        }
    }

    /// Best-chain blocks after `locator`, at most a batch by count and bytes.
    fn batch_after(&self, locator: &[tabcoin_chain::BlockHash]) -> Vec<Block> {
        take_within(
            self.store.blocks_after(locator, MAX_BLOCKS_PER_BATCH),
            BATCH_BYTES,
        )
    }

    fn offer_tx(&mut self, from: PeerId, tx: Transaction, now: Timestamp) -> Vec<Effect> {
        match self.store.add_to_pool(&mut self.pool, tx) {
            Ok(tabcoin_chain::Added::New | tabcoin_chain::Added::Updated) => {
                self.new_job(now).into_iter().collect()
            }
            Ok(tabcoin_chain::Added::Unchanged) => Vec::new(),
            Err(PoolError::Invalid(
                e @ (TxError::BadSignature { .. }
                | TxError::OutputsNotEqualInput { .. }
                | TxError::ZeroOutput { .. }
                | TxError::OutputCount { .. }),
            )) => self.ban(from, format!("sent an invalid transaction: {e}"), now),
            Err(PoolError::Reward) => self.ban(from, "sent a reward as a transaction".into(), now),
            // Outdated, conflicting or already confirmed: normal in gossip.
            Err(_) => Vec::new(),
        }
    }

    /// Offers blocks from `from` to the store; returns the effects.
    fn offer(&mut self, from: PeerId, blocks: Vec<Block>, now: Timestamp) -> Vec<Effect> {
        self.offer_blocks(from, blocks, now).0
    }

    /// Offers blocks; also says whether a block was refused (then the rest
    /// of the batch is not offered).
    fn offer_blocks(
        &mut self,
        from: PeerId,
        blocks: Vec<Block>,
        now: Timestamp,
    ) -> (Vec<Effect>, bool) {
        let mut merged = Accepted::default();
        let mut effects = Vec::new();
        let mut refused = false;
        for block in blocks {
            match self.store.accept(block, now) {
                Ok(a) => {
                    if a.missing_parent.is_some() {
                        // Ask the sender for the gap, unless another peer is
                        // already feeding us: an orphan must not take over.
                        let free = match self.sync {
                            SyncState::Ready => true,
                            SyncState::Syncing { peer, .. } => peer == from,
                        };
                        if free {
                            let target = self.store.height().next();
                            effects.extend(self.sync_from(from, target, now));
                        }
                        break;
                    }
                    merged.removed.extend(a.removed);
                    merged.added.extend(a.added);
                }
                Err(e) => {
                    let proven_bad = match &e {
                        AcceptError::Invalid { error, .. } => !error.depends_on_clock(),
                        AcceptError::KnownInvalid { .. } => true,
                        _ => false,
                    };
                    refused = true;
                    if proven_bad {
                        effects.extend(self.ban(from, format!("sent an invalid block: {e}"), now));
                    } else {
                        self.note(
                            now,
                            format!("did not take a block from peer {from}: {e}"),
                            true,
                        );
                    }
                    break;
                }
            }
        }
        if merged.tip_changed() {
            let text = if merged.removed.is_empty() {
                format!(
                    "received {} block(s) from peer {from}; height {}",
                    merged.added.len(),
                    self.store.height()
                )
            } else {
                format!(
                    "switched to peer {from}'s branch: -{} +{} blocks",
                    merged.removed.len(),
                    merged.added.len()
                )
            };
            self.note(now, text, false);
            effects.extend(self.after_tip_change(&merged, now));
        }
        (effects, refused)
    }
}

#[cfg(test)]
mod tests;
