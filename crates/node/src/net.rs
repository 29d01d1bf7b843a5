//! The node's side facing peers: who they are and how they behave
//! ([`Peers`]), and catching up with them ([`Catchup`]), with the messages
//! that serve them and judge them. It reaches the node's own chain, pool and
//! miners only through [`Local`], which never calls back.

use tabcoin_chain::{
    AcceptError, Accepted, Block, BlockHash, Header, Height, Timestamp, Transaction,
};
use tabcoin_protocol::{BATCH_BYTES, PeerId, take_within};

use crate::bodies::{Bodies, MAX_BODY_PEERS, Received};
use crate::event::{Effect, Event};
use crate::headers::{HeaderChain, HeadersError, MAX_HEADERS_PER_BATCH};
use crate::local::Local;
use crate::message::{
    MAX_BLOCKS_PER_BATCH, MAX_LOCATOR_HASHES, MAX_POOL_SNAPSHOT, Message, PROTOCOL_VERSION,
};
use crate::notice::{Misbehaviour, Notice};
use crate::peers::{Download, Fault, Peers};
use crate::sync::{Answer, Catchup, Fetch, SYNC_STALL_MS, SyncState};

/// Peers and the download from them.
#[derive(Debug, Default)]
pub struct Net {
    /// Peers that can be reached, what they announced, how they behave.
    pub(crate) peers: Peers,
    /// Catching up with peers: the download's state machine.
    pub(crate) catchup: Catchup,
}

impl Net {
    /// Whether `peer` is the one the node downloads from.
    fn syncing_from(&self, peer: PeerId) -> bool {
        self.catchup.is_from(peer)
    }

    /// Asks `to` for its pending transactions.
    fn get_pool(&mut self, to: PeerId) -> Effect {
        self.peers.ask_pool(to);
        Effect::Send {
            to,
            msg: Message::GetPool,
        }
    }

    /// The best chain's locator, within the wire's bound.
    fn locator(&self, local: &Local) -> Vec<BlockHash> {
        let mut locator = local.store.locator();
        if locator.len() > MAX_LOCATOR_HASHES {
            let genesis = local.store.genesis().hash;
            locator.truncate(MAX_LOCATOR_HASHES - 1);
            locator.push(genesis);
        }
        locator
    }

    fn get_blocks(&self, local: &Local, to: PeerId) -> Effect {
        Effect::Send {
            to,
            msg: Message::GetBlocks {
                locator: self.locator(local),
            },
        }
    }

    /// None if `from` may have what follows `locator` (a download of
    /// `kind`) served now; else what refusing it does (the request is held
    /// against it).
    fn refuse_download(
        &mut self,
        local: &mut Local,
        from: PeerId,
        kind: Download,
        locator: &[BlockHash],
        now: Timestamp,
    ) -> Option<Vec<Effect>> {
        let start = self.start_of(local, locator);
        if self.peers.may_serve_download(from, kind, start, now) {
            return None;
        }
        Some(self.penalise(local, from, Fault::Unsolicited, now))
    }

    /// The height of `locator`'s first block if it is on the best chain
    /// (where a request for what follows it starts);
    /// None if it is not, or is the tip (nothing follows).
    fn start_of(&self, local: &Local, locator: &[BlockHash]) -> Option<Height> {
        let first = locator.first().filter(|h| local.store.is_main(h))?;
        let height = local.store.get(first)?.header.height;
        (height < local.store.height()).then_some(height)
    }

    /// Starts (or moves) the download to `peer`: its headers first on a
    /// proof-of-work network, its blocks on a proof-of-authority one.
    /// Mining goes on, on the best tip the node has.
    pub(crate) fn sync_from(
        &mut self,
        local: &mut Local,
        peer: PeerId,
        target: Height,
        now: Timestamp,
    ) -> Vec<Effect> {
        local.store.unpin();
        let headers_first = !local.store.params().is_proof_of_authority();
        let probed = self.catchup.start(peer, target, headers_first, now);
        if !headers_first {
            return vec![self.get_blocks(local, peer)];
        }
        if probed {
            // Asked already, as a probe: its answer is on its way.
            return Vec::new();
        }
        vec![Effect::Send {
            to: peer,
            msg: Message::GetHeaders {
                locator: self.locator(local),
            },
        }]
    }

    /// The download is over: if another peer announced more work meanwhile,
    /// sync from it; else back to ready.
    fn sync_done(&mut self, local: &mut Local, now: Timestamp) -> Vec<Effect> {
        if let Some((peer, target)) = self.best_announced(local, None) {
            return self.sync_from(local, peer, target, now);
        }
        self.catchup.finish();
        local.store.unpin();
        Vec::new()
    }

    /// The peer (other than `except`) that announced the most work, if that
    /// is more than ours, with the height it announced.
    pub(crate) fn best_announced(
        &self,
        local: &Local,
        except: Option<PeerId>,
    ) -> Option<(PeerId, Height)> {
        self.peers.best_announced(except, local.store.total_work())
    }

    /// The download peer stalled or left: ask another peer that announced
    /// more work, or stop syncing if there is none.
    fn switch_sync_peer(&mut self, local: &mut Local, gone: PeerId, now: Timestamp) -> Vec<Effect> {
        match self.best_announced(local, Some(gone)) {
            Some((peer, target)) => {
                let mut effects = vec![Effect::Notify(Notice::SyncPeerSwitched { gone, to: peer })];
                effects.extend(self.sync_from(local, peer, target, now));
                effects
            }
            None => self.sync_done(local, now),
        }
    }

    /// About once a second: peers asked for headers that stayed silent,
    /// and a download that made no progress, are held to it.
    pub(crate) fn sync_tick(&mut self, local: &mut Local, now: Timestamp) -> Vec<Effect> {
        self.peers.expire_bans(now);
        // Peers asked for headers that never answered are held to it.
        let mut effects = Vec::new();
        for peer in self.catchup.silent_probes(now) {
            self.peers.forget_announcement(peer);
            effects.extend(self.penalise(local, peer, Fault::NoProgress, now));
        }
        effects.extend(self.stalled_download(local, now));
        effects.extend(self.probe_claimants(local, now));
        effects
    }

    /// While the download peer has sent no header, peers that claimed more
    /// work and were not asked yet are asked for headers, up to
    /// [`MAX_HEADER_PROBES`] at once.
    fn probe_claimants(&mut self, local: &mut Local, now: Timestamp) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (peer, height) in self.peers.announcers(local.store.total_work()) {
            if self.catchup.probes_full() {
                break;
            }
            if !self.catchup.probe(peer, height, now) {
                continue;
            }
            effects.push(Effect::Send {
                to: peer,
                msg: Message::GetHeaders {
                    locator: self.locator(local),
                },
            });
        }
        effects
    }

    /// A download that added no work in time moves to another peer, and
    /// is held against the peer; while blocks are fetched from several
    /// peers, each is held to its own request, and more are asked.
    fn stalled_download(&mut self, local: &mut Local, now: Timestamp) -> Vec<Effect> {
        if let Fetch::Bodies(bodies) = &self.catchup.fetch {
            let mut effects = Vec::new();
            for peer in bodies.silent_for(SYNC_STALL_MS, now) {
                self.peers.forget_announcement(peer);
                effects.extend(self.penalise(local, peer, Fault::NoProgress, now));
                // (A ban turned from it already.)
                if matches!(&self.catchup.fetch, Fetch::Bodies(b) if b.is_asked(peer)) {
                    effects.extend(self.lose_body_peer(local, peer, now));
                }
            }
            effects.extend(self.ask_bodies(now));
            return effects;
        }
        match self.catchup.stalled(now) {
            Some(peer) => self.turn_from(local, peer, Fault::NoProgress, now),
            None => Vec::new(),
        }
    }

    /// `peer` failed the download with `fault`: its claim is forgotten, the
    /// fault held against it, and if it still leads (a ban turns from it
    /// already), the download moves to another peer.
    fn turn_from(
        &mut self,
        local: &mut Local,
        peer: PeerId,
        fault: Fault,
        now: Timestamp,
    ) -> Vec<Effect> {
        self.peers.forget_announcement(peer);
        let mut effects = self.penalise(local, peer, fault, now);
        if self.syncing_from(peer) {
            effects.extend(self.switch_sync_peer(local, peer, now));
        }
        effects
    }

    /// Holds `fault` against `peer`; if that bans it, the node stops
    /// listening (and asks the shell to drop what it sends) and turns from
    /// it if it was downloading from it.
    pub(crate) fn penalise(
        &mut self,
        local: &mut Local,
        peer: PeerId,
        fault: Fault,
        now: Timestamp,
    ) -> Vec<Effect> {
        match self.peers.penalise(peer, fault, now) {
            Some(until) => self.banned(local, peer, until, Misbehaviour::Repeated(fault), now),
            None => Vec::new(),
        }
    }

    /// `peer` is banned until `until`.
    fn banned(
        &mut self,
        local: &mut Local,
        peer: PeerId,
        until: Timestamp,
        why: Misbehaviour,
        now: Timestamp,
    ) -> Vec<Effect> {
        let minutes = until.ms_since(now).div_ceil(60_000);
        let mut effects = vec![
            Effect::Notify(Notice::PeerBanned { peer, minutes, why }),
            Effect::Ban { peer, until },
        ];
        if self.serves_bodies(peer) {
            effects.extend(self.lose_body_peer(local, peer, now));
        } else if self.syncing_from(peer) {
            effects.extend(self.switch_sync_peer(local, peer, now));
        }
        effects
    }

    /// Whether `peer` serves the blocks being fetched: asked for some, or
    /// leading the download.
    fn serves_bodies(&self, peer: PeerId) -> bool {
        match &self.catchup.fetch {
            Fetch::Bodies(b) => b.is_asked(peer) || self.syncing_from(peer),
            _ => false,
        }
    }

    /// A peer event, in its turn (`Node::ingress` holds it behind batches being checked).
    pub(crate) fn on_peer_event(
        &mut self,
        local: &mut Local,
        event: Event,
        now: Timestamp,
    ) -> Vec<Effect> {
        match event {
            Event::Connected { peers } => {
                self.peers.reset(peers);
                vec![Effect::Broadcast(local.hello())]
            }
            Event::Disconnected => {
                self.peers.reset([]);
                // Whoever can still hear (tabs of this browser) learns where
                // this node stands.
                let mut effects = vec![Effect::Broadcast(local.hello())];
                if self.catchup.state() != SyncState::Ready {
                    effects.extend(self.sync_done(local, now));
                }
                effects
            }
            Event::PeerJoined(peer) => {
                self.peers.join(peer);
                Vec::new()
            }
            Event::Linked(peer) => {
                self.peers.join(peer);
                vec![Effect::Send {
                    to: peer,
                    msg: local.hello(),
                }]
            }
            Event::PeerLeft(peer) => {
                self.peers.leave(peer);
                self.catchup.forget(peer);
                if self.serves_bodies(peer) {
                    self.lose_body_peer(local, peer, now)
                } else if self.syncing_from(peer) {
                    self.switch_sync_peer(local, peer, now)
                } else {
                    Vec::new()
                }
            }
            Event::Message { from, msg } => self.on_message(local, from, msg, now),
            Event::Undecodable { from, error } if !self.peers.is_banned(from, now) => {
                let mut effects =
                    vec![Effect::Notify(Notice::MessageIgnored { peer: from, error })];
                effects.extend(self.penalise(local, from, Fault::Undecodable, now));
                effects
            }
            _ => Vec::new(),
        }
    }

    /// Bans a peer that sent provably invalid data.
    fn ban(
        &mut self,
        local: &mut Local,
        peer: PeerId,
        why: Misbehaviour,
        now: Timestamp,
    ) -> Vec<Effect> {
        match self.peers.penalise(peer, Fault::Invalid, now) {
            Some(until) => self.banned(local, peer, until, why, now),
            None => Vec::new(),
        }
    }

    fn on_message(
        &mut self,
        local: &mut Local,
        from: PeerId,
        msg: Message,
        now: Timestamp,
    ) -> Vec<Effect> {
        if self.peers.is_banned(from, now) {
            return Vec::new();
        }
        match msg {
            Message::Hello {
                version,
                network,
                tip,
                height,
                work,
            } => {
                if version != PROTOCOL_VERSION || network != local.store.genesis().hash {
                    return Vec::new();
                }
                self.peers.announce(from, tip, height, work);
                let ours = local.store.total_work();
                if work > ours {
                    // One download at a time: a second, better peer is
                    // remembered and used if the current one stalls; while
                    // the download peer has sent no header, it is asked
                    // for its headers too, and the first to answer leads.
                    if self.catchup.state() == SyncState::Ready && self.peers.may_sync(from, now) {
                        self.sync_from(local, from, height, now)
                    } else if self.catchup.may_probe(from)
                        && self.peers.may_sync(from, now)
                        && self.catchup.probe(from, height, now)
                    {
                        vec![Effect::Send {
                            to: from,
                            msg: Message::GetHeaders {
                                locator: self.locator(local),
                            },
                        }]
                    } else {
                        Vec::new()
                    }
                } else if work < ours {
                    if !self.peers.may_serve(from, now) {
                        return self.penalise(local, from, Fault::Unsolicited, now);
                    }
                    vec![Effect::Send {
                        to: from,
                        msg: local.hello(),
                    }]
                } else {
                    vec![self.get_pool(from)]
                }
            }
            Message::GetHeaders { locator } => {
                if let Some(refused) =
                    self.refuse_download(local, from, Download::Headers, &locator, now)
                {
                    return refused;
                }
                let headers = local.store.headers_after(&locator, MAX_HEADERS_PER_BATCH);
                let more = headers
                    .last()
                    .is_some_and(|h| h.height < local.store.height());
                if let Some(last) = headers.last() {
                    self.peers
                        .served_download(from, Download::Headers, last.height);
                }
                vec![Effect::Send {
                    to: from,
                    msg: Message::Headers { headers, more },
                }]
            }
            Message::Headers { headers, more } => self.on_headers(local, from, headers, more, now),
            Message::GetBlocks { locator } => {
                if let Some(refused) =
                    self.refuse_download(local, from, Download::Blocks, &locator, now)
                {
                    return refused;
                }
                let blocks = self.batch_after(local, &locator);
                let more = blocks
                    .last()
                    .is_some_and(|b| b.header.height < local.store.height());
                if let Some(last) = blocks.last() {
                    self.peers
                        .served_download(from, Download::Blocks, last.header.height);
                }
                vec![Effect::Send {
                    to: from,
                    msg: Message::Blocks { blocks, more },
                }]
            }
            Message::Block { block } => {
                let (hash, before) = (block.hash, local.store.tip().hash);
                let mut effects = self.offer_blocks(local, from, vec![block], false, now).0;
                // Copied only when passed on: it is the new tip.
                if before != hash && local.store.tip().hash == hash {
                    effects.push(Effect::Relay {
                        from,
                        msg: Message::Block {
                            block: local.store.tip().clone(),
                        },
                    });
                }
                effects
            }
            Message::Blocks { blocks, more } => self.on_batch(local, from, blocks, more, now),
            Message::Transaction { tx } => {
                if self.peers.may_send_tx(from, now) {
                    let (revision, sender) = (local.pool.revision(), tx.sender());
                    let mut effects = self.offer_tx(local, from, tx, true, now);
                    // Copied only when passed on: it is now its sender's
                    // pending transaction.
                    let taken = sender.and_then(|s| local.pool.get(&s));
                    if local.pool.revision() != revision
                        && let Some(tx) = taken
                    {
                        effects.push(Effect::Relay {
                            from,
                            msg: Message::Transaction { tx: tx.clone() },
                        });
                    }
                    effects
                } else {
                    self.penalise(local, from, Fault::Unsolicited, now)
                }
            }
            Message::GetPool => {
                if !self.peers.may_serve(from, now) {
                    return self.penalise(local, from, Fault::Unsolicited, now);
                }
                let txs = take_within(
                    local.pool.transactions().take(MAX_POOL_SNAPSHOT).cloned(),
                    BATCH_BYTES,
                );
                vec![Effect::Send {
                    to: from,
                    msg: Message::Pool { txs },
                }]
            }
            Message::GetSpec => {
                if !self.peers.may_serve(from, now) {
                    return self.penalise(local, from, Fault::Unsolicited, now);
                }
                vec![Effect::Send {
                    to: from,
                    msg: Message::Spec {
                        spec: local.store.params().spec().canonical(),
                    },
                }]
            }
            // A node never asks for a spec: it has its network's.
            Message::Spec { .. } => self.penalise(local, from, Fault::Unsolicited, now),
            Message::Pool { txs } => {
                if !self.peers.answers_pool(from) {
                    return self.penalise(local, from, Fault::Unsolicited, now);
                }
                // One fresh template for the whole snapshot, not one per
                // transaction; the rest is not read once its sender is
                // found bad.
                let wanted = local.mining.pause();
                let mut effects = Vec::new();
                for tx in txs {
                    // A pool snapshot is state, not news: nothing is told.
                    effects.extend(self.offer_tx(local, from, tx, false, now));
                    if self.peers.is_banned(from, now) {
                        break;
                    }
                }
                local.mining.resume(wanted);
                effects.extend(local.new_job(now));
                effects
            }
        }
    }

    /// A batch of headers from the peer the node downloads from: the
    /// peer's header chain grows, is asked for more, or, complete and
    /// heavier than the best chain, is pinned and its blocks fetched.
    fn on_headers(
        &mut self,
        local: &mut Local,
        from: PeerId,
        headers: Vec<Header>,
        more: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        // The first probe to answer leads the download, and the peer asked
        // before it may still answer, as a probe; one answering after
        // another took the lead is not needed.
        if self.catchup.answered(from, now) == Answer::Late {
            return Vec::new();
        }
        let asked = self.syncing_from(from);
        let chain = match &mut self.catchup.fetch {
            Fetch::Headers(chain) if asked => chain.take(),
            _ => return self.penalise(local, from, Fault::Unsolicited, now),
        };
        if headers.is_empty() {
            if more {
                // "More follows" with nothing in hand: no progress, a lie.
                return self.turn_from(local, from, Fault::EmptyBatch, now);
            }
            return match chain {
                Some(chain) => self.headers_done(local, from, chain, now),
                // Nothing after what we share: it has nothing we lack.
                None => self.download_done(local, from, false, now),
            };
        }
        let chain = match HeaderChain::extend(chain, &local.store, &headers, now) {
            Ok(chain) => chain,
            Err(HeadersError::Invalid {
                hash,
                height,
                error,
            }) if !error.depends_on_clock() => {
                let error = AcceptError::Invalid {
                    hash,
                    height,
                    error,
                };
                return self.ban(local, from, Misbehaviour::InvalidBlock(error), now);
            }
            Err(_) => {
                self.peers.forget_announcement(from);
                let mut effects = self.penalise(local, from, Fault::NoProgress, now);
                if self.syncing_from(from) {
                    effects.extend(self.switch_sync_peer(local, from, now));
                }
                return effects;
            }
        };
        self.catchup.progressed(now);
        // A chain longer than one download holds is fetched in parts: this
        // part's bodies first, then the headers after it.
        if more && chain.headers.len() < crate::headers::MAX_HEADER_CHAIN {
            let locator = chain.locator(&local.store);
            self.catchup.fetch = Fetch::Headers(Some(chain));
            return vec![Effect::Send {
                to: from,
                msg: Message::GetHeaders { locator },
            }];
        }
        self.headers_done(local, from, chain, now)
    }

    /// The peer's header chain is complete: if it carries more work than
    /// the best chain, its blocks are pinned and fetched; else the peer has
    /// nothing this node needs.
    fn headers_done(
        &mut self,
        local: &mut Local,
        from: PeerId,
        chain: HeaderChain,
        now: Timestamp,
    ) -> Vec<Effect> {
        if chain.headers.is_empty() || chain.work <= local.store.total_work() {
            // It claimed more work than its headers carry: nothing is
            // fetched for a claim, and the claim is held against it.
            self.peers.forget_announcement(from);
            let mut effects = self.penalise(local, from, Fault::NoProgress, now);
            if self.syncing_from(from) {
                effects.extend(self.sync_done(local, now));
            }
            return effects;
        }
        // The fork block too: a side block it may be, and the bodies build
        // on it.
        local
            .store
            .pin(std::iter::once(chain.fork).chain(chain.headers.iter().map(|(hash, _)| *hash)));
        let hashes = chain.headers.iter().map(|(hash, _)| *hash).collect();
        self.catchup.fetch =
            Fetch::Bodies(Bodies::new(chain.fork, hashes, chain.work, &local.store));
        self.ask_bodies(now)
    }

    /// Asks for the next stretches of the header chain being fetched: the
    /// download peer, then peers whose `hello` named a block of that chain
    /// or a higher one, up to [`MAX_BODY_PEERS`] at once.
    fn ask_bodies(&mut self, now: Timestamp) -> Vec<Effect> {
        let Fetch::Bodies(bodies) = &self.catchup.fetch else {
            return Vec::new();
        };
        let leader = self.catchup.leader();
        let holders = self
            .peers
            .claiming(bodies.work())
            .into_iter()
            .filter(|(_, tip, height)| bodies.may_hold(*tip, *height))
            .map(|(peer, _, _)| peer);
        let candidates: Vec<PeerId> = leader
            .into_iter()
            .chain(holders)
            .filter(|p| !self.peers.is_banned(*p, now))
            .collect();
        let Fetch::Bodies(bodies) = &mut self.catchup.fetch else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        for peer in candidates {
            if bodies.serving() >= MAX_BODY_PEERS {
                break;
            }
            if let Some(after) = bodies.ask(peer, now) {
                effects.push(Effect::Send {
                    to: peer,
                    msg: Message::GetBlocks {
                        locator: vec![after],
                    },
                });
            }
        }
        effects
    }

    /// `peer` no longer serves the blocks being fetched (it left, was
    /// banned, stayed silent or has nothing more): its stretch goes to
    /// others; if it led the download, another peer serving it leads, or
    /// the node turns to another peer that announced more work.
    fn lose_body_peer(&mut self, local: &mut Local, peer: PeerId, now: Timestamp) -> Vec<Effect> {
        let Fetch::Bodies(bodies) = &mut self.catchup.fetch else {
            return Vec::new();
        };
        bodies.drop_peer(peer);
        let mut effects = self.ask_bodies(now);
        let (Fetch::Bodies(bodies), Some(leader)) = (&self.catchup.fetch, self.catchup.leader())
        else {
            return effects;
        };
        match bodies.serving_peer() {
            Some(next) if leader == peer => self.catchup.hand_over(next),
            Some(_) => {}
            None => effects.extend(self.switch_sync_peer(local, leader, now)),
        }
        effects
    }

    /// The download from `from` is over (`moved`: it moved the tip): the
    /// neighbours hear of the new tip, the peer's pool is asked for, and
    /// the node syncs from another peer that announced more, if any.
    fn download_done(
        &mut self,
        local: &mut Local,
        from: PeerId,
        moved: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if moved {
            // The download moved the tip: neighbours that did not hear of
            // this chain (a partition healing) learn of it the way they
            // learn of a mined block, and download it in turn.
            effects.push(Effect::Relay {
                from,
                msg: Message::Block {
                    block: local.store.tip().clone(),
                },
            });
        }
        effects.push(self.get_pool(from));
        // That peer's announcement is served, unless it announced more than
        // this download brought (a chain fetched in parts); others may
        // remain.
        let served = self
            .peers
            .announced(from)
            .is_none_or(|(_, work)| work <= local.store.total_work());
        if served || !moved {
            self.peers.forget_announcement(from);
        }
        effects.extend(self.sync_done(local, now));
        effects
    }

    /// A batch of blocks: offered in order; the download goes on, moves to
    /// another peer, or ends.
    fn on_batch(
        &mut self,
        local: &mut Local,
        from: PeerId,
        blocks: Vec<Block>,
        more: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        if matches!(&self.catchup.fetch, Fetch::Bodies(b) if b.is_asked(from)) {
            return self.on_bodies(local, from, blocks, more, now);
        }
        let (empty, before) = (blocks.is_empty(), local.store.total_work());
        let known = local.store.known_blocks();
        // Blocks answer a download only on a network without headers-first
        // (a header chain's blocks are fetched above).
        let asked = self.syncing_from(from) && self.catchup.fetch == Fetch::Blocks;
        let (mut effects, refused) = self.offer_blocks(local, from, blocks, asked, now);
        if !asked || !self.syncing_from(from) {
            return effects;
        }
        if refused {
            // Asking again would bring the same batch: try another peer (or
            // stop syncing) instead.
            self.peers.forget_announcement(from);
            effects.extend(self.switch_sync_peer(local, from, now));
            return effects;
        }
        if more && empty {
            // "More follows" with nothing in hand: no progress, and a lie.
            effects.extend(self.turn_from(local, from, Fault::EmptyBatch, now));
            return effects;
        }
        // Blocks that add work count as progress, and so do blocks of a
        // proven header chain stored on the way to overtaking.
        let moved = local.store.total_work() > before;
        if moved || local.store.known_blocks() > known {
            self.catchup.progressed(now);
        }
        if !more {
            effects.extend(self.download_done(local, from, moved, now));
        } else {
            // Nothing in this batch asked the peer already: an orphan during
            // a download asks no one, and a ban or a switch returned above.
            effects.push(self.get_blocks(local, from));
        }
        effects
    }

    /// A batch answering a request for blocks of the header chain: the
    /// blocks that are the chain's wait their turn, and those whose turn
    /// came are offered to the store in order, each as its sender's; the
    /// download then ends, or the peer is asked for more.
    fn on_bodies(
        &mut self,
        local: &mut Local,
        from: PeerId,
        blocks: Vec<Block>,
        more: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        let Fetch::Bodies(bodies) = &mut self.catchup.fetch else {
            return Vec::new();
        };
        let empty = blocks.is_empty();
        let Received::Fit { fit, off, to_tip } = bodies.receive(from, blocks) else {
            return Vec::new();
        };
        let before = local.store.total_work();
        let mut effects = Vec::new();
        if empty && more {
            // "More follows" with nothing in hand: no progress, and a lie.
            self.peers.forget_announcement(from);
            effects.extend(self.penalise(local, from, Fault::EmptyBatch, now));
        }
        let mut progress = fit > 0;
        // The blocks whose turn came, run by run.
        while let Fetch::Bodies(bodies) = &mut self.catchup.fetch
            && let Some((sender, run)) = bodies.next_run()
        {
            let (offered, refused) = self.offer_blocks(local, sender, run, true, now);
            effects.extend(offered);
            let Fetch::Bodies(bodies) = &mut self.catchup.fetch else {
                // A ban turned the download to another peer.
                return effects;
            };
            bodies.settle(&local.store);
            if refused {
                // Asking it again would bring the same blocks: its stretch
                // is asked of others (it was judged by what it sent).
                progress = false;
                self.peers.forget_announcement(sender);
                effects.extend(self.lose_body_peer(local, sender, now));
            }
        }
        if !matches!(self.catchup.fetch, Fetch::Bodies(_)) {
            return effects;
        }
        let moved = local.store.total_work() > before;
        if progress || moved {
            self.catchup.progressed(now);
        }
        let Fetch::Bodies(bodies) = &self.catchup.fetch else {
            return effects;
        };
        // The proven chain is the best chain now: the rest, if any, is
        // what the peers mined since, and comes as news.
        if bodies.complete() || local.store.is_main(&bodies.tip()) {
            let leader = self.catchup.leader().unwrap_or(from);
            effects.extend(self.download_done(local, leader, true, now));
            return effects;
        }
        if fit == 0 || off || !(more || to_tip) || self.peers.is_banned(from, now) {
            // It has nothing more of this chain: others are asked.
            if fit == 0 || off {
                self.peers.forget_announcement(from);
            }
            effects.extend(self.lose_body_peer(local, from, now));
        } else {
            effects.extend(self.ask_bodies(now));
        }
        effects
    }

    /// Best-chain blocks after `locator`, at most a batch by count and bytes.
    fn batch_after(&self, local: &Local, locator: &[BlockHash]) -> Vec<Block> {
        take_within(
            local.store.blocks_after(locator, MAX_BLOCKS_PER_BATCH),
            BATCH_BYTES,
        )
    }

    /// Offers `from`'s transaction to the pool (a new payment to this
    /// account is told if it is `news`); a provably bad one bans `from`.
    fn offer_tx(
        &mut self,
        local: &mut Local,
        from: PeerId,
        tx: Transaction,
        news: bool,
        now: Timestamp,
    ) -> Vec<Effect> {
        match local.offer_tx(tx, news, now) {
            Ok(effects) => effects,
            Err(why) => self.ban(local, from, *why, now),
        }
    }

    /// Offers blocks to the store; also says whether a block was refused
    /// (then the rest of the batch is not offered). Side-branch blocks the
    /// node did not ask for (`asked`: they come in the download from this
    /// peer) are checked only within the peer's allowance.
    /// `from` sent a block on an unknown parent: ask it for the gap, unless
    /// another peer is already feeding us (an orphan must not take over),
    /// and only a few times a minute.
    fn orphan_from(&mut self, local: &mut Local, from: PeerId, now: Timestamp) -> Vec<Effect> {
        match self.catchup.state() {
            // The download under way will bring the gap.
            SyncState::Syncing { .. } => Vec::new(),
            SyncState::Ready if self.peers.may_sync(from, now) => {
                let target = local.store.height().next();
                self.sync_from(local, from, target, now)
            }
            SyncState::Ready => self.penalise(local, from, Fault::Orphans, now),
        }
    }

    fn offer_blocks(
        &mut self,
        local: &mut Local,
        from: PeerId,
        blocks: Vec<Block>,
        asked: bool,
        now: Timestamp,
    ) -> (Vec<Effect>, bool) {
        let mut merged = Accepted::default();
        let mut effects = Vec::new();
        let mut refused = false;
        for block in blocks {
            if !asked
                && local.store.would_be_side(&block)
                && !self.peers.may_send_side_block(from, block.data.len(), now)
            {
                refused = true;
                effects.extend(self.penalise(local, from, Fault::Wasteful, now));
                break;
            }
            // A newcomer's orphans are kept only within what all newcomers
            // share; past it the block is dropped, its parent still asked.
            if !asked
                && local.store.get(&block.header.prev_hash).is_none()
                && !self.peers.may_keep_orphan(from, block.footprint(), now)
            {
                effects.extend(self.orphan_from(local, from, now));
                break;
            }
            match local.store.accept(block, now) {
                Ok(a) => {
                    if a.missing_parent.is_some() {
                        effects.extend(self.orphan_from(local, from, now));
                        break;
                    }
                    if a.tip_changed() {
                        self.peers.proven(from);
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
                        effects.extend(self.ban(
                            local,
                            from,
                            Misbehaviour::InvalidBlock(error),
                            now,
                        ));
                    } else if matches!(error, AcceptError::SideBranchFull { .. }) {
                        // Side blocks beyond what could matter: wasteful.
                        effects.extend(self.penalise(local, from, Fault::Wasteful, now));
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
                    height: local.store.height(),
                }
            } else {
                Notice::Reorganised {
                    peer: from,
                    removed: merged.removed.len(),
                    added: merged.added.len(),
                }
            }));
            // Blocks taken while catching up are history, not news.
            let news = self.catchup.state() == SyncState::Ready;
            effects.extend(local.after_tip_change(&merged, news, now));
        }
        (effects, refused)
    }
}
