//! Peers: who is there, what they announced, catching up with the one
//! with the most work (one download at a time, by block locator), gossip
//! of new blocks and transactions, and ignoring peers that send provably
//! invalid data.

use tabcoin_chain::{
    AcceptError, Accepted, Added, Block, BlockHash, Height, PoolError, Timestamp, Transaction,
    TxError,
};
use tabcoin_protocol::{BATCH_BYTES, PeerId, take_within};

use crate::event::{Effect, Event};
use crate::message::{
    MAX_BLOCKS_PER_BATCH, MAX_LOCATOR_HASHES, MAX_POOL_SNAPSHOT, Message, PROTOCOL_VERSION,
};
use crate::node::Node;
use crate::notice::{Misbehaviour, Notice};

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

impl Node {
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

    /// Catching up, or in step.
    pub fn sync(&self) -> SyncState {
        self.sync
    }

    /// Whether `peer` is the one the node downloads from.
    fn syncing_from(&self, peer: PeerId) -> bool {
        matches!(self.sync, SyncState::Syncing { peer: p, .. } if p == peer)
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
        if self.mining.job.take().is_some() {
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

    /// The download peer stalled or left: ask another peer that announced
    /// more work, or stop syncing if there is none.
    fn switch_sync_peer(&mut self, gone: PeerId, now: Timestamp) -> Vec<Effect> {
        match self.best_announced(Some(gone)) {
            Some((peer, target)) => {
                let mut effects = vec![Effect::Notify(Notice::SyncPeerSwitched { gone, to: peer })];
                effects.extend(self.sync_from(peer, target, now));
                effects
            }
            None => self.sync_done(now),
        }
    }

    /// A stalled download moves to another peer.
    pub(crate) fn sync_tick(&mut self, now: Timestamp) -> Vec<Effect> {
        match self.sync {
            SyncState::Syncing { peer, .. } if now.ms_since(self.sync_asked) > SYNC_STALL_MS => {
                self.announced.remove(&peer);
                self.switch_sync_peer(peer, now)
            }
            _ => Vec::new(),
        }
    }

    /// A peer event, in its turn (see `Node::ingress`).
    pub(crate) fn on_peer_event(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        match event {
            Event::Connected { peers } => {
                self.peers = peers.into_iter().collect();
                vec![Effect::Broadcast(self.hello())]
            }
            Event::Disconnected => {
                self.peers.clear();
                self.announced.clear();
                // Whoever can still hear (tabs of this browser) learns where
                // this node stands.
                let mut effects = vec![Effect::Broadcast(self.hello())];
                if self.sync != SyncState::Ready {
                    effects.extend(self.sync_done(now));
                }
                effects
            }
            Event::PeerJoined(peer) => {
                self.peers.insert(peer);
                Vec::new()
            }
            Event::PeerLeft(peer) => {
                self.peers.remove(&peer);
                self.announced.remove(&peer);
                if self.syncing_from(peer) {
                    self.switch_sync_peer(peer, now)
                } else {
                    Vec::new()
                }
            }
            Event::Message { from, msg } => self.on_message(from, msg, now),
            Event::Undecodable { from, error } if !self.banned.contains(&from) => {
                vec![Effect::Notify(Notice::MessageIgnored { peer: from, error })]
            }
            _ => Vec::new(),
        }
    }

    /// Stops listening to a peer that sent provably invalid data.
    fn ban(&mut self, peer: PeerId, why: Misbehaviour, now: Timestamp) -> Vec<Effect> {
        self.banned.insert(peer);
        self.announced.remove(&peer);
        let mut effects = vec![Effect::Notify(Notice::PeerIgnored { peer, why })];
        if self.syncing_from(peer) {
            effects.extend(self.switch_sync_peer(peer, now));
        }
        effects
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
            Message::Block { block } => self.offer_blocks(from, vec![block], now).0,
            Message::Blocks { blocks, more } => self.on_batch(from, blocks, more, now),
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
                let wanted = std::mem::replace(&mut self.mining.wanted, false);
                let mut effects: Vec<Effect> = txs
                    .into_iter()
                    .flat_map(|tx| self.offer_tx(from, tx, now))
                    .collect();
                self.mining.wanted = wanted;
                effects.extend(self.new_job(now));
                effects
            }
        }
    }

    /// A batch of blocks: offered in order; the download goes on, moves to
    /// another peer, or ends.
    fn on_batch(
        &mut self,
        from: PeerId,
        blocks: Vec<Block>,
        more: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        let (mut effects, refused) = self.offer_blocks(from, blocks, now);
        if !self.syncing_from(from) {
            return effects;
        }
        if refused {
            // Asking again would bring the same batch: try another peer (or
            // stop syncing) instead.
            self.announced.remove(&from);
            effects.extend(self.switch_sync_peer(from, now));
            return effects;
        }
        self.sync_asked = now;
        if more {
            let asked = effects.iter().any(|e| {
                matches!(
                    e,
                    Effect::Send {
                        msg: Message::GetBlocks { .. },
                        ..
                    }
                )
            });
            if !asked {
                effects.push(self.get_blocks(from));
            }
        } else {
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

    /// Best-chain blocks after `locator`, at most a batch by count and bytes.
    fn batch_after(&self, locator: &[BlockHash]) -> Vec<Block> {
        take_within(
            self.store.blocks_after(locator, MAX_BLOCKS_PER_BATCH),
            BATCH_BYTES,
        )
    }

    fn offer_tx(&mut self, from: PeerId, tx: Transaction, now: Timestamp) -> Vec<Effect> {
        match self.store.add_to_pool(&mut self.pool, tx) {
            Ok(Added::New | Added::Updated) => self.new_job(now).into_iter().collect(),
            Ok(Added::Unchanged) => Vec::new(),
            Err(PoolError::Invalid(
                e @ (TxError::BadSignature { .. }
                | TxError::OutputsNotEqualInput { .. }
                | TxError::ZeroOutput { .. }
                | TxError::OutputCount { .. }),
            )) => self.ban(from, Misbehaviour::InvalidTransaction(e), now),
            Err(PoolError::Reward) => self.ban(from, Misbehaviour::RewardAsTransaction, now),
            // Outdated, conflicting or already confirmed: normal in gossip.
            Err(_) => Vec::new(),
        }
    }

    /// Offers blocks to the store; also says whether a block was refused
    /// (then the rest of the batch is not offered).
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
                    merged.merge(a);
                }
                Err(error) => {
                    let proven_bad = match &error {
                        AcceptError::Invalid { error, .. } => !error.depends_on_clock(),
                        AcceptError::KnownInvalid { .. } => true,
                        _ => false,
                    };
                    refused = true;
                    if proven_bad {
                        effects.extend(self.ban(from, Misbehaviour::InvalidBlock(error), now));
                    } else {
                        effects.push(Effect::Notify(Notice::BlockNotTaken { peer: from, error }));
                    }
                    break;
                }
            }
        }
        if merged.tip_changed() {
            effects.push(Effect::Notify(if merged.removed.is_empty() {
                Notice::BlocksReceived {
                    peer: from,
                    count: merged.added.len(),
                    height: self.store.height(),
                }
            } else {
                Notice::Reorganised {
                    peer: from,
                    removed: merged.removed.len(),
                    added: merged.added.len(),
                }
            }));
            effects.extend(self.after_tip_change(&merged, now));
        }
        (effects, refused)
    }
}
