//! [`Hub`]: the relay's routing core. Local tabs by room, federation links
//! to other relays, the seen-cache that stops loops, and the counters behind
//! `/stats`.
//!
//! (Longer than most files here on purpose: all routing happens under one
//! lock, so every path that takes it is in this file.)
//!
//! Every tab has a bounded outbound queue, so memory never grows. A frame
//! for a tab whose queue is full is dropped for that tab (it catches up
//! later by asking its peers); a tab whose queue stays full longer than
//! [`Limits::slow_reader`] is dropped. A sender pays for its own fan-out:
//! a tab whose broadcasts keep overflowing most other tabs' queues is
//! dropped, not the tabs it floods. All routing is done under one short
//! lock, without awaiting.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use tabcoin_protocol::refusal::Refusal;
use tabcoin_protocol::{ClientFrame, MAX_SAMPLE, PeerId, RecentSet, RelayFrame, encode};
use tokio::sync::Notify;
use tokio::sync::mpsc::{Sender, error::TrySendError};

pub use crate::link::LinkFrame;
use crate::places::{Holder, give_way};

/// Identifies a federation link inside one relay.
pub type LinkId = u64;

/// The counters behind `/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Tabs connected to this relay.
    pub peers: usize,
    /// Rooms with at least one local tab.
    pub rooms: usize,
    /// Federation links up.
    pub links: usize,
    /// Frames received from tabs.
    pub messages_in: u64,
    /// Frames queued to tabs.
    pub messages_out: u64,
    /// Tabs dropped: refused frames, floods and slow readers.
    pub drops: u64,
    /// Frames not queued for a tab whose queue was full.
    #[serde(default)]
    pub frames_dropped: u64,
    /// Federation frames dropped as already seen.
    pub duplicates: u64,
    /// Tabs that gave way to a newcomer in a full room or relay.
    #[serde(default)]
    pub displaced: u64,
    /// Bytes of signalling messages received from tabs (opening direct
    /// links between them).
    #[serde(default)]
    pub signal_bytes: u64,
    /// Bytes of every other message received from tabs (the chain: blocks,
    /// transactions, sync).
    #[serde(default)]
    pub chain_bytes: u64,
    /// Bytes of the frames queued to tabs.
    #[serde(default)]
    pub bytes_out: u64,
}

struct Link {
    tx: Sender<Utf8Bytes>,
    /// Remote tabs learned through this link.
    peers: HashSet<(String, PeerId)>,
}

/// How the hub treats tabs that cannot keep up, or make others fall behind.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A tab whose queue stays full this long is dropped.
    pub slow_reader: Duration,
    /// A tab whose broadcasts overflow most other tabs' queues this many
    /// times within [`BLAME_WINDOW`] is dropped.
    pub overflow_budget: u32,
    /// Most tabs connected at once (a tab in two rooms counts twice).
    pub max_peers: usize,
    /// Most tabs in one room.
    pub max_peers_per_room: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            slow_reader: Duration::from_secs(10),
            overflow_budget: 32,
            max_peers: 1000,
            max_peers_per_room: 500,
        }
    }
}

/// The window over which a sender's overflows are counted.
pub const BLAME_WINDOW: Duration = Duration::from_secs(10);

/// A local tab: its outbound queue, and how it keeps up.
struct Member {
    tx: Sender<Utf8Bytes>,
    /// Told when the hub drops it (too slow, flooding, or giving way): its
    /// connection then closes, leaving its other rooms too.
    dropped: Arc<Dropped>,
    /// Its connection's address, and when it joined: who gives way when
    /// the room or the relay is full (`crate::places`).
    holder: Holder,
    /// For a room its connection joined with `ClientFrame::Join`: the room
    /// name as JSON, to wrap what it is sent in a `RelayFrame::Room`.
    tag: Option<String>,
    /// Since when its queue has been full.
    full_since: Option<Instant>,
    /// Its broadcasts that overflowed most others' queues, since `blamed_at`.
    blame: u32,
    blamed_at: Instant,
    /// Its direct neighbours carry the chain (`ClientFrame::Linked`):
    /// broadcasts between linked tabs are not forwarded here.
    linked: bool,
    /// The others were told it joined ([`Hub::announce`]); until then it
    /// is in no welcome, sample or link announcement, and leaving costs
    /// them nothing.
    announced: bool,
}

impl Member {
    fn new(outbox: Outbox, tag: Option<String>, since: u64) -> Member {
        Member {
            tx: outbox.tx,
            dropped: outbox.dropped,
            holder: Holder {
                ip: outbox.ip,
                since,
            },
            tag,
            full_since: None,
            blame: 0,
            linked: false,
            announced: false,
            blamed_at: Instant::now(),
        }
    }
}

/// Where a tab's frames go: its connection's queue, how the hub tells the
/// connection it dropped the tab, and the connection's address.
#[derive(Clone)]
pub struct Outbox {
    /// The connection's bounded queue.
    pub tx: Sender<Utf8Bytes>,
    /// Told when the hub drops the tab from a room.
    pub dropped: Arc<Dropped>,
    /// The client address of the connection.
    pub ip: IpAddr,
}

/// How the hub tells a connection it dropped it, and why when the tab is
/// owed a word (it gave way to a newcomer, through no fault of its own).
#[derive(Debug, Default)]
pub struct Dropped {
    notify: Notify,
    why: Mutex<Option<Refusal>>,
}

impl Dropped {
    /// Drops the connection.
    pub fn notify_one(&self) {
        self.notify.notify_one();
    }

    /// Drops the connection, telling its tab `why`.
    fn notify_because(&self, why: Refusal) {
        *self.why.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        self.notify.notify_one();
    }

    /// Waits until the connection is dropped; what its tab is to be told.
    pub async fn notified(&self) -> Option<Refusal> {
        self.notify.notified().await;
        self.why.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// What became of a frame offered to a tab.
enum Offer {
    Queued,
    /// Its queue is full: the frame is dropped for it.
    Skipped,
    /// It is gone, or full for too long: it leaves.
    Gone,
}

struct Inner {
    rooms: HashMap<String, BTreeMap<PeerId, Member>>,
    remote: HashMap<String, BTreeSet<PeerId>>,
    links: BTreeMap<LinkId, Link>,
    /// Federation frame ids seen.
    seen: RecentSet<u64>,
}

impl Inner {
    fn new() -> Inner {
        Inner {
            rooms: HashMap::new(),
            remote: HashMap::new(),
            links: BTreeMap::new(),
            seen: RecentSet::new(SEEN_CAPACITY),
        }
    }

    /// A tab behind a link has left `room` (a room with none left goes).
    fn forget_remote(&mut self, room: &str, peer: PeerId) {
        if let Some(set) = self.remote.get_mut(room) {
            set.remove(&peer);
            if set.is_empty() {
                self.remote.remove(room);
            }
        }
    }
}

/// How many federation frame ids a relay remembers.
const SEEN_CAPACITY: usize = 16_384;

/// The routing core of one relay.
pub struct Hub {
    inner: Mutex<Inner>,
    /// High bits of every id this relay makes, so ids from different relays
    /// do not collide.
    prefix: u64,
    next: AtomicU64,
    messages_in: AtomicU64,
    messages_out: AtomicU64,
    signal_bytes: AtomicU64,
    chain_bytes: AtomicU64,
    bytes_out: AtomicU64,
    drops: AtomicU64,
    frames_dropped: AtomicU64,
    duplicates: AtomicU64,
    displaced: AtomicU64,
    limits: Limits,
}

impl Hub {
    /// A hub whose ids start with `prefix` in their high 32 bits.
    pub fn new(prefix: u32, limits: Limits) -> Hub {
        Hub {
            inner: Mutex::new(Inner::new()),
            prefix: u64::from(prefix) << 32,
            next: AtomicU64::new(0),
            messages_in: AtomicU64::new(0),
            messages_out: AtomicU64::new(0),
            signal_bytes: AtomicU64::new(0),
            chain_bytes: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            frames_dropped: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            displaced: AtomicU64::new(0),
            limits,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Routing never panics while holding the lock; recover it anyway
        // rather than take the relay down.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh id (tab ids, link ids, federation frame ids).
    pub fn fresh_id(&self) -> u64 {
        self.prefix | (self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Counts a tab dropped for misbehaving or reading too slowly.
    pub fn count_drop(&self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }

    /// How many tabs a link has announced (bounded by the federation code).
    pub fn link_peer_count(&self, link: LinkId) -> usize {
        self.lock().links.get(&link).map_or(0, |l| l.peers.len())
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        Stats {
            peers: inner.rooms.values().map(BTreeMap::len).sum(),
            rooms: inner.rooms.len(),
            links: inner.links.len(),
            messages_in: self.messages_in.load(Ordering::Relaxed),
            messages_out: self.messages_out.load(Ordering::Relaxed),
            drops: self.drops.load(Ordering::Relaxed),
            frames_dropped: self.frames_dropped.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            displaced: self.displaced.load(Ordering::Relaxed),
            signal_bytes: self.signal_bytes.load(Ordering::Relaxed),
            chain_bytes: self.chain_bytes.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
        }
    }

    /// Adds a tab to `room`: it gets `Welcome` (listing every announced tab
    /// of the room in the federation); with `announce`, the local tabs get
    /// `PeerJoined` and the links `Joined` now, else when the connection
    /// calls [`Hub::announce`] (a tab that leaves before then cost the
    /// others nothing).
    /// `joined`: the tab's connection joined this room with
    /// `ClientFrame::Join` (not in its address), so what it is sent about
    /// the room is wrapped in `RelayFrame::Room`. A tab's id is its key's
    /// (`tabcoin_protocol::identity`), the same in every room; a second
    /// connection with a key already in the room, here or at a linked
    /// relay, is refused. When the room or the relay is full, the newest
    /// tab of the most represented addresses gives way
    /// ([`crate::places`]); if the newcomer's are those, it is refused.
    pub fn join(
        &self,
        room: &str,
        id: PeerId,
        outbox: Outbox,
        joined: bool,
        announce: bool,
    ) -> Result<(), Refusal> {
        let mut inner = self.lock();
        let here = inner.rooms.get(room).is_some_and(|m| m.contains_key(&id));
        if here || inner.remote.get(room).is_some_and(|r| r.contains(&id)) {
            return Err(Refusal::KeyInUse);
        }
        self.make_place(&mut inner, room, outbox.ip)?;
        let mut peers: Vec<PeerId> = inner
            .rooms
            .get(room)
            .into_iter()
            .flatten()
            .filter(|(_, m)| m.announced)
            .map(|(id, _)| *id)
            .collect();
        peers.extend(inner.remote.get(room).into_iter().flatten().copied());
        let tag = joined.then(|| encode(&room));
        // A fresh queue always has room for its first frame (a room joined
        // later may find it full: the tab asks its peers anyway).
        let welcome = encode(&RelayFrame::Welcome { you: id, peers });
        let _ = outbox.tx.try_send(wrap(tag.as_deref(), welcome.into()));
        let since = self.fresh_id();
        inner
            .rooms
            .entry(room.to_owned())
            .or_default()
            .insert(id, Member::new(outbox, tag, since));
        if announce {
            self.announce_in(&mut inner, room, id);
        }
        Ok(())
    }

    /// Tells the room and the links that tab `id` joined `room`; false if
    /// it is not there (gone meanwhile) or was announced already.
    pub fn announce(&self, room: &str, id: PeerId) -> bool {
        let mut inner = self.lock();
        self.announce_in(&mut inner, room, id)
    }

    fn announce_in(&self, inner: &mut Inner, room: &str, id: PeerId) -> bool {
        let Some(member) = inner.rooms.get_mut(room).and_then(|r| r.get_mut(&id)) else {
            return false;
        };
        if std::mem::replace(&mut member.announced, true) {
            return false;
        }
        let arrived: Utf8Bytes = encode(&RelayFrame::PeerJoined { peer: id }).into();
        self.deliver_room(inner, room, Some(id), false, &arrived);
        let frame_id = self.fresh_id();
        remember(inner, frame_id);
        self.forward(
            inner,
            None,
            &LinkFrame::Joined {
                id: frame_id,
                room: room.to_owned(),
                peer: id,
            },
        );
        true
    }

    /// Frees a place in `room` and in the relay for a newcomer from `ip` if
    /// either is full, by dropping the tab that gives way (its connection
    /// closes, leaving its other rooms; the others hear it left).
    fn make_place(&self, inner: &mut Inner, room: &str, ip: IpAddr) -> Result<(), Refusal> {
        let in_room = inner.rooms.get(room).map_or(0, BTreeMap::len);
        if in_room >= self.limits.max_peers_per_room {
            let held = inner
                .rooms
                .get(room)
                .into_iter()
                .flatten()
                .map(|(id, m)| (*id, m.holder));
            let id = give_way(held, ip).ok_or(Refusal::RoomFull)?;
            self.displace(inner, room, id);
        }
        let in_relay: usize = inner.rooms.values().map(BTreeMap::len).sum();
        if in_relay >= self.limits.max_peers {
            let held = inner.rooms.iter().flat_map(|(name, members)| {
                members
                    .iter()
                    .map(move |(id, m)| ((name.as_str(), *id), m.holder))
            });
            let (name, id) = give_way(held, ip)
                .map(|(name, id)| (name.to_owned(), id))
                .ok_or(Refusal::RelayFull)?;
            self.displace(inner, &name, id);
        }
        Ok(())
    }

    /// Drops tab `id` of `room` to make a place: it is told why.
    fn displace(&self, inner: &mut Inner, room: &str, id: PeerId) {
        let Some(members) = inner.rooms.get_mut(room) else {
            return;
        };
        if let Some(member) = members.remove(&id) {
            tracing::info!(peer = id, room = %room, ip = %member.holder.ip, "gave way to a newcomer");
            member.dropped.notify_because(Refusal::GaveWay);
        }
        if members.is_empty() {
            inner.rooms.remove(room);
        }
        self.displaced.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes a tab; if it was `announced`, the others get `PeerLeft`, the
    /// links `Left`.
    pub fn leave(&self, room: &str, id: PeerId, announced: bool) {
        let frame_id = self.fresh_id();
        let mut inner = self.lock();
        // The tab may already be gone (dropped as a slow reader); the others
        // still learn that it left.
        if let Some(members) = inner.rooms.get_mut(room) {
            members.remove(&id);
            if members.is_empty() {
                inner.rooms.remove(room);
            }
        }
        if !announced {
            return;
        }
        let left: Utf8Bytes = encode(&RelayFrame::PeerLeft { peer: id }).into();
        self.deliver_room(&mut inner, room, None, false, &left);
        remember(&mut inner, frame_id);
        self.forward(
            &mut inner,
            None,
            &LinkFrame::Left {
                id: frame_id,
                room: room.to_owned(),
                peer: id,
            },
        );
    }

    /// Routes a frame from local tab `from` (nothing, if it is no longer
    /// in `room`: dropped there as a slow reader or a flooder).
    pub fn route(&self, room: &str, from: PeerId, frame: ClientFrame) {
        self.messages_in.fetch_add(1, Ordering::Relaxed);
        let frame_id = self.fresh_id();
        let mut inner = self.lock();
        if !inner.rooms.get(room).is_some_and(|r| r.contains_key(&from)) {
            return;
        }
        let (to, msg) = match frame {
            ClientFrame::Broadcast { msg } => (None, msg),
            ClientFrame::Direct { to, msg } => (Some(to), msg),
            ClientFrame::Linked { linked } => {
                if let Some(member) = inner.rooms.get_mut(room).and_then(|r| r.get_mut(&from)) {
                    member.linked = linked;
                }
                return;
            }
            ClientFrame::Sample { max } => {
                let peers = self.sample(&inner, room, from, max as usize);
                let text: Utf8Bytes = encode(&RelayFrame::Sample { peers }).into();
                self.deliver_one(&mut inner, room, from, text);
                return;
            }
            // The connection handles these (a second proof is ignored);
            // the hub sees its rooms' frames.
            ClientFrame::Join { .. }
            | ClientFrame::Leave { .. }
            | ClientFrame::Room { .. }
            | ClientFrame::Prove { .. } => {
                return;
            }
        };
        let counter = if msg.is_signalling() {
            &self.signal_bytes
        } else {
            &self.chain_bytes
        };
        counter.fetch_add(msg.len() as u64, Ordering::Relaxed);
        let text: Utf8Bytes = encode(&RelayFrame::Deliver {
            from,
            msg: msg.clone(),
        })
        .into();
        let delivered_locally = match to {
            None => {
                // Linked tabs hear each other over their own links.
                let linked = inner
                    .rooms
                    .get(room)
                    .and_then(|r| r.get(&from))
                    .is_some_and(|m| m.linked);
                let skipped = self.deliver_room(&mut inner, room, Some(from), linked, &text);
                self.blame_flooder(&mut inner, room, from, skipped);
                false
            }
            Some(to) => self.deliver_one(&mut inner, room, to, text),
        };
        if !delivered_locally {
            remember(&mut inner, frame_id);
            let link_frame = LinkFrame::Msg {
                id: frame_id,
                room: room.to_owned(),
                from,
                to,
                msg,
            };
            self.forward(&mut inner, None, &link_frame);
        }
    }

    /// Registers a federation link; returns its id. Every tab known here
    /// (local or learned from other links) is announced on it.
    pub fn add_link(&self, tx: Sender<Utf8Bytes>) -> LinkId {
        let link = self.fresh_id();
        let mut inner = self.lock();
        let mut known: Vec<(String, PeerId)> = Vec::new();
        for (room, members) in &inner.rooms {
            let announced = members.iter().filter(|(_, m)| m.announced);
            known.extend(announced.map(|(p, _)| (room.clone(), *p)));
        }
        for (room, peers) in &inner.remote {
            known.extend(peers.iter().map(|p| (room.clone(), *p)));
        }
        for (room, peer) in known {
            let frame = LinkFrame::Joined {
                id: self.fresh_id(),
                room,
                peer,
            };
            let _ = tx.try_send(encode(&frame).into());
        }
        inner.links.insert(
            link,
            Link {
                tx,
                peers: HashSet::new(),
            },
        );
        link
    }

    /// Forgets a link; the tabs learned through it leave their rooms.
    pub fn remove_link(&self, link: LinkId) {
        let mut inner = self.lock();
        let Some(gone) = inner.links.remove(&link) else {
            return;
        };
        for (room, peer) in gone.peers {
            // A tab still reachable through another link (links in a cycle)
            // or connected here has not left.
            let still_here = inner
                .links
                .values()
                .any(|l| l.peers.contains(&(room.clone(), peer)))
                || inner
                    .rooms
                    .get(&room)
                    .is_some_and(|m| m.contains_key(&peer));
            if still_here {
                continue;
            }
            inner.forget_remote(&room, peer);
            let left: Utf8Bytes = encode(&RelayFrame::PeerLeft { peer }).into();
            self.deliver_room(&mut inner, &room, None, false, &left);
            let frame = LinkFrame::Left {
                id: self.fresh_id(),
                room,
                peer,
            };
            remember(&mut inner, frame.id());
            self.forward(&mut inner, None, &frame);
        }
    }

    /// Handles a frame from federation link `link`: delivered to local tabs,
    /// forwarded to the other links, unless it was seen before.
    pub fn from_link(&self, link: LinkId, frame: LinkFrame) {
        let mut inner = self.lock();
        // Which tabs each link leads to is tracked even for frames already
        // seen through another link, so a link that drops does not make tabs
        // still reachable through others look gone.
        if let Some(l) = inner.links.get_mut(&link) {
            match &frame {
                LinkFrame::Joined { room, peer, .. } => {
                    l.peers.insert((room.clone(), *peer));
                }
                LinkFrame::Left { room, peer, .. } => {
                    l.peers.remove(&(room.clone(), *peer));
                }
                LinkFrame::Msg { .. } => {}
            }
        }
        if !remember(&mut inner, frame.id()) {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match &frame {
            LinkFrame::Msg {
                room,
                from,
                to,
                msg,
                ..
            } => {
                let text: Utf8Bytes = encode(&RelayFrame::Deliver {
                    from: *from,
                    msg: msg.clone(),
                })
                .into();
                match to {
                    None => {
                        self.deliver_room(&mut inner, room, None, false, &text);
                    }
                    Some(to) => {
                        if self.deliver_one(&mut inner, room, *to, text) {
                            return;
                        }
                    }
                }
            }
            LinkFrame::Joined { room, peer, .. } => {
                inner.remote.entry(room.clone()).or_default().insert(*peer);
                let joined: Utf8Bytes = encode(&RelayFrame::PeerJoined { peer: *peer }).into();
                self.deliver_room(&mut inner, room, None, false, &joined);
            }
            LinkFrame::Left { room, peer, .. } => {
                inner.forget_remote(room, *peer);
                for l in inner.links.values_mut() {
                    l.peers.remove(&(room.clone(), *peer));
                }
                let left: Utf8Bytes = encode(&RelayFrame::PeerLeft { peer: *peer }).into();
                self.deliver_room(&mut inner, room, None, false, &left);
            }
        }
        self.forward(&mut inner, Some(link), &frame);
    }

    /// Queues `text` for every local tab of `room` but `except`; returns
    /// how many of them had a full queue (the frame is dropped for those;
    /// tabs full for too long, or gone, leave).
    fn deliver_room(
        &self,
        inner: &mut Inner,
        room: &str,
        except: Option<PeerId>,
        skip_linked: bool,
        text: &Utf8Bytes,
    ) -> usize {
        let Some(members) = inner.rooms.get_mut(room) else {
            return 0;
        };
        let now = Instant::now();
        let mut skipped = 0;
        let mut gone = Vec::new();
        let members_for = members
            .iter_mut()
            .filter(|(id, m)| Some(**id) != except && !(skip_linked && m.linked));
        for (id, member) in members_for {
            match self.offer(member, text.clone(), now) {
                Offer::Queued => {}
                Offer::Skipped => skipped += 1,
                Offer::Gone => gone.push(*id),
            }
        }
        for id in &gone {
            if let Some(member) = members.remove(id) {
                member.dropped.notify_one();
            }
        }
        if !gone.is_empty() {
            self.drops.fetch_add(gone.len() as u64, Ordering::Relaxed);
        }
        skipped
    }

    /// A broadcast from `from` found `skipped` full queues: if that is most
    /// of the room, the sender is flooding, and past its budget it leaves
    /// (not the tabs it floods).
    fn blame_flooder(&self, inner: &mut Inner, room: &str, from: PeerId, skipped: usize) {
        let Some(members) = inner.rooms.get_mut(room) else {
            return;
        };
        let others = members.len().saturating_sub(1);
        if skipped < 2 || skipped * 2 < others {
            return;
        }
        let Some(sender) = members.get_mut(&from) else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(sender.blamed_at) > BLAME_WINDOW {
            sender.blame = 0;
            sender.blamed_at = now;
        }
        sender.blame += 1;
        if sender.blame > self.limits.overflow_budget {
            tracing::warn!(
                peer = from,
                "dropping a tab whose broadcasts overflow the others"
            );
            if let Some(member) = members.remove(&from) {
                member.dropped.notify_one();
            }
            self.count_drop();
        }
    }

    /// Queues `text` for local tab `to` of `room`; false if it is not here.
    /// Up to `max` (at most [`MAX_SAMPLE`]) tabs of `room` other than
    /// `asker`, local or federated, chosen at random.
    fn sample(&self, inner: &Inner, room: &str, asker: PeerId, max: usize) -> Vec<PeerId> {
        let mut all: Vec<PeerId> = inner
            .rooms
            .get(room)
            .into_iter()
            .flatten()
            .filter(|(_, m)| m.announced)
            .map(|(id, _)| id)
            .chain(inner.remote.get(room).into_iter().flatten())
            .copied()
            .filter(|p| *p != asker)
            .collect();
        let n = max.min(MAX_SAMPLE).min(all.len());
        // A partial Fisher–Yates shuffle: the first `n` are the sample.
        let random = RandomState::new();
        for i in 0..n {
            let j = i + (random.hash_one((asker, i)) % (all.len() - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(n);
        all
    }

    fn deliver_one(&self, inner: &mut Inner, room: &str, to: PeerId, text: Utf8Bytes) -> bool {
        let Some(members) = inner.rooms.get_mut(room) else {
            return false;
        };
        let Some(member) = members.get_mut(&to) else {
            return false;
        };
        if let Offer::Gone = self.offer(member, text, Instant::now()) {
            if let Some(member) = members.remove(&to) {
                member.dropped.notify_one();
            }
            self.count_drop();
        }
        true
    }

    /// Sends a federation frame on every link but `except`; a link that
    /// cannot keep up is cut (it re-dials and re-announces).
    fn forward(&self, inner: &mut Inner, except: Option<LinkId>, frame: &LinkFrame) {
        if inner.links.is_empty() {
            return;
        }
        let text: Utf8Bytes = encode(frame).into();
        inner
            .links
            .retain(|id, link| Some(*id) == except || link.tx.try_send(text.clone()).is_ok());
    }

    fn offer(&self, member: &mut Member, text: Utf8Bytes, now: Instant) -> Offer {
        let text = wrap(member.tag.as_deref(), text);
        let len = text.len() as u64;
        match member.tx.try_send(text) {
            Ok(()) => {
                member.full_since = None;
                self.messages_out.fetch_add(1, Ordering::Relaxed);
                self.bytes_out.fetch_add(len, Ordering::Relaxed);
                Offer::Queued
            }
            Err(TrySendError::Full(_)) => {
                let since = *member.full_since.get_or_insert(now);
                if now.duration_since(since) > self.limits.slow_reader {
                    Offer::Gone
                } else {
                    self.frames_dropped.fetch_add(1, Ordering::Relaxed);
                    Offer::Skipped
                }
            }
            Err(TrySendError::Closed(_)) => Offer::Gone,
        }
    }
}

/// `text` (a relay frame) as it goes to a member: unchanged for the room of
/// its connection's address, else inside a `RelayFrame::Room` naming the
/// room (`tag`, the name as JSON).
fn wrap(tag: Option<&str>, text: Utf8Bytes) -> Utf8Bytes {
    match tag {
        None => text,
        Some(room) => format!(
            r#"{{"type":"room","room":{room},"frame":{}}}"#,
            text.as_str()
        )
        .into(),
    }
}

/// Records a federation frame id; false if it was already seen.
fn remember(inner: &mut Inner, id: u64) -> bool {
    inner.seen.insert(id)
}
