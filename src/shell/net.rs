//! [`NetShell`]: one network of the tab, in the browser. Its room on the
//! shared relay connection ([`Uplink`]), its same-browser channel, its
//! direct links and their gossip, and its stored chain and pool. The
//! tab-wide [`Shell`](super::Shell) holds one per network.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use tabcoin_chain::{Params, Timestamp};
use tabcoin_mesh::gossip::Send as Gossiped;
use tabcoin_mesh::paths::Step;
use tabcoin_mesh::wire::{self, BodyId, LINK_VERSION, LinkHello, Signal};
use tabcoin_mesh::{Action, Gossip, Input, Mesh, Paths};
use tabcoin_node::{Effect, Event, Message, StoredChain};
use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame};

use super::config::storage_key;
use super::events::{LinkEvent, NetId, Report, ShellEvent, Sink, now};
use super::idb;
use super::local::LocalChannel;
use super::note::Note;
use super::rtc::{Arrived, DirectLink, Role};
use super::uplink::Uplink;
use super::web_storage;

/// Most bytes of messages kept for neighbours' fetches.
const BODIES_BYTES: usize = 16 << 20;

/// Tabs asked of the relay when the mesh is short of neighbours.
const SAMPLE_SIZE: u32 = 16;

/// Messages this tab passed on lately, by id, oldest first, within
/// [`BODIES_BYTES`].
#[derive(Default)]
struct Bodies {
    kept: std::collections::VecDeque<(BodyId, Payload)>,
    bytes: usize,
}

impl Bodies {
    fn keep(&mut self, id: BodyId, body: Payload) {
        self.bytes += body.len();
        self.kept.push_back((id, body));
        while self.bytes > BODIES_BYTES
            && let Some((_, old)) = self.kept.pop_front()
        {
            self.bytes -= old.len();
        }
    }

    fn get(&self, id: &BodyId) -> Option<&Payload> {
        self.kept
            .iter()
            .rev()
            .find(|(k, _)| k == id)
            .map(|(_, b)| b)
    }
}

/// One neighbour, for the network panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    /// Its id.
    pub id: PeerId,
    /// How this tab reaches it: `direct`, `relay` or `same-browser`.
    pub kind: &'static str,
    /// Round trip of the last ping, in ms (direct links).
    pub rtt_ms: Option<u64>,
    /// Bytes received and sent (direct links).
    pub bytes: (u64, u64),
    /// Node messages received (direct links).
    pub messages: u64,
}

/// One network of the tab.
pub struct NetShell {
    /// Which of the tab's networks.
    slot: NetId,
    /// Its constants.
    params: Params,
    /// The relay room: the network id.
    room: String,
    /// Where its chain and pool are stored.
    storage_key: String,
    /// Events for this network (tagged with its slot).
    sink: Sink,
    /// The tab's relay connection.
    up: Rc<RefCell<Uplink>>,
    /// Whether direct links are opened (`?links=0`: not).
    direct_links: bool,
    /// Whether the room welcomed it since the relay was last lost.
    was_online: bool,
    local: Option<LocalChannel>,
    /// Peers the node banned, until when: what they send is dropped unread.
    banned: HashMap<PeerId, Timestamp>,
    /// This tab's id in the room, once welcomed.
    me: Option<PeerId>,
    /// Which tabs to link with directly (from the first welcome on).
    mesh: Option<Mesh>,
    /// Direct links, by the other tab's relay id.
    links: BTreeMap<PeerId, DirectLink>,
    /// The other tabs in the relay room.
    room_peers: BTreeSet<PeerId>,
    /// Who of the direct neighbours has which message.
    gossip: Gossip<BodyId>,
    /// Neighbours' neighbours: signals for them go along direct links
    /// when the relay cannot carry them.
    paths: Paths,
    /// The direct neighbours changed since they were last listed to them.
    relist: bool,
    /// Messages passed on lately, for neighbours that ask for them.
    bodies: Bodies,
    /// The next direct link's serial number.
    next_link: u64,
    /// Whether the relay was told this tab is linked (its neighbours carry
    /// the chain, so the relay forwards it only to tabs that are not).
    linked: bool,
}

impl NetShell {
    /// Network `params` as slot `slot`: its same-browser channel opens,
    /// its room is joined on the tab's connection, its stored chain and
    /// pool are read (events come through `sink`, tagged with the slot).
    pub fn start(
        slot: NetId,
        params: Params,
        up: Rc<RefCell<Uplink>>,
        direct_links: bool,
        tab_sink: &Sink,
    ) -> NetShell {
        let room = params.network_id().to_string();
        let sink: Sink = {
            let tab_sink = tab_sink.clone();
            Rc::new(move |e| tab_sink(ShellEvent::Net(slot, Box::new(e))))
        };
        let local_id = u64::from_be_bytes(web_storage::random_bytes());
        let to_sink = sink.clone();
        let local = LocalChannel::open(&format!("tabcoin/{room}"), local_id, move |f| {
            to_sink(ShellEvent::Local(f))
        })
        .ok();
        up.borrow_mut().join(&room);
        let net = NetShell {
            slot,
            storage_key: storage_key(&params),
            params,
            room,
            sink,
            up,
            direct_links,
            was_online: false,
            local,
            banned: HashMap::new(),
            me: None,
            mesh: None,
            links: BTreeMap::new(),
            room_peers: BTreeSet::new(),
            gossip: Gossip::new(),
            paths: Paths::new(),
            relist: false,
            bodies: Bodies::default(),
            next_link: 0,
            linked: false,
        };
        net.read_storage();
        net
    }

    fn read_storage(&self) {
        let (sink, params, key) = (
            self.sink.clone(),
            self.params.clone(),
            self.storage_key.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let chain = match idb::load_blocks(&key).await {
                Ok(records) if !records.is_empty() => Ok(Some(StoredChain::Records(records))),
                Ok(_) => match idb::get(idb::CHAINS, &key).await {
                    Ok(Some(json)) => Ok(Some(StoredChain::Whole(json))),
                    Ok(None) => Ok(web_storage::take_legacy_chain(&params).map(StoredChain::Whole)),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let pool = idb::get(idb::POOLS, &key).await.ok().flatten();
            sink(ShellEvent::Stored(chain, pool));
        });
    }

    /// Leaves the room at once; links and the channel close as this is
    /// dropped. What is stored stays.
    pub fn leave(&self) {
        self.up.borrow_mut().leave(&self.room);
    }

    /// What the browser reported about this network.
    pub fn on(&mut self, event: ShellEvent) -> Vec<Report> {
        match event {
            ShellEvent::Link(serial, event) => self.on_link(serial, event),
            ShellEvent::Local(frame) => {
                if let Some(local) = &mut self.local {
                    local.learn(frame.from);
                }
                self.delivered(frame.from, &frame.msg)
            }
            ShellEvent::Stored(chain, pool) => vec![Report::Node(
                self.slot,
                Event::StorageLoaded {
                    chain: chain.map_err(|e| e.to_string()),
                    pool,
                },
            )],
            ShellEvent::BlocksWritten(result) => vec![Report::Node(
                self.slot,
                Event::BlocksWritten(result.map_err(|e| e.to_string())),
            )],
            ShellEvent::Failed(e) => vec![Report::Note(Some(self.slot), Note::Failed(e))],
            // Tab-wide events are the Shell's.
            _ => Vec::new(),
        }
    }

    /// Whether this network's room welcomed the tab on the current
    /// connection.
    pub fn is_online(&self) -> bool {
        self.up.borrow().is_online(&self.room)
    }

    /// The network's room (its id).
    pub fn room(&self) -> &str {
        &self.room
    }

    /// The relay is gone (closed, or left for another): its peers with it.
    pub fn relay_lost(&mut self) -> Vec<Report> {
        let mut reports = Vec::new();
        if std::mem::take(&mut self.was_online) {
            reports.push(Report::Note(Some(self.slot), Note::RelayLost));
        }
        // Only tabs a neighbour lists can still be reached to dial.
        for peer in std::mem::take(&mut self.room_peers) {
            self.unless_reachable(peer);
        }
        reports.push(Report::Node(self.slot, Event::Disconnected));
        // Direct neighbours are still there.
        reports.extend(
            self.up_links()
                .map(|p| Report::Node(self.slot, Event::PeerJoined(p))),
        );
        reports
    }

    /// A peer's payload, from the relay or the same-browser channel: a
    /// banned peer's is dropped unread, any other decoded for the node.
    fn delivered(&mut self, from: PeerId, msg: &Payload) -> Vec<Report> {
        let now = now();
        self.banned.retain(|_, until| now < *until);
        if self.banned.contains_key(&from) {
            return Vec::new();
        }
        match Signal::read(msg) {
            Some(Ok(signal)) => return self.on_signal(from, signal),
            Some(Err(error)) => {
                return vec![Report::Node(self.slot, Event::Undecodable { from, error })];
            }
            None => {}
        }
        vec![Report::Node(self.slot, Event::delivered(from, msg))]
    }

    /// A frame from the relay about this network's room.
    pub fn on_frame(&mut self, frame: RelayFrame) -> Vec<Report> {
        match frame {
            RelayFrame::Welcome { you, peers } => {
                self.was_online = true;
                let others = peers.len();
                self.room_peers = peers.iter().copied().collect();
                // Links opened before stay open: they are keyed by the ids
                // their tabs had then (a relay's ids never repeat).
                self.me = Some(you);
                // With `?links=0` there is no mesh: no dials, offers unanswered.
                let mesh = match &mut self.mesh {
                    Some(mesh) => Some(mesh),
                    None if self.direct_links => {
                        let seed = u64::from_be_bytes(web_storage::random_bytes());
                        Some(self.mesh.insert(Mesh::new(you, Default::default(), seed)))
                    }
                    None => None,
                };
                if let Some(mesh) = mesh
                    && mesh.me() != you
                {
                    mesh.set_me(you);
                    let up: Vec<PeerId> = self.up_links().collect();
                    for peer in up {
                        self.send_piece(peer, wire::renamed(you));
                    }
                }
                self.steer(Input::Present(peers.clone()));
                // A new connection starts unlinked.
                self.linked = false;
                self.tell_linked();
                vec![
                    Report::Note(Some(self.slot), Note::Joined { you, others }),
                    Report::Node(self.slot, Event::Connected { peers }),
                ]
            }
            RelayFrame::PeerJoined { peer } => {
                self.room_peers.insert(peer);
                self.steer(Input::Joined(peer));
                vec![Report::Node(self.slot, Event::PeerJoined(peer))]
            }
            RelayFrame::PeerLeft { peer } => {
                self.room_peers.remove(&peer);
                self.steer(Input::Left(peer));
                // Gone from the relay, maybe not from its direct link (the
                // relay may be the one going away).
                if self.links.get(&peer).is_some_and(DirectLink::is_up) {
                    Vec::new()
                } else {
                    vec![Report::Node(self.slot, Event::PeerLeft(peer))]
                }
            }
            RelayFrame::Sample { peers } => {
                self.steer(Input::Present(peers));
                Vec::new()
            }
            RelayFrame::Deliver { from, msg } => self.delivered(from, &msg),
            RelayFrame::Error { reason } => {
                vec![Report::Note(Some(self.slot), Note::RelayRefused(reason))]
            }
            // The tab is in its network's room only; it joins no other yet.
            RelayFrame::Room { .. } => Vec::new(),
        }
    }

    /// Carries out one of the node's effects for this network (the
    /// tab-wide ones, mining and signature checks, are the [`Shell`]'s;
    /// telling the person is the UI's part).
    ///
    /// [`Shell`]: super::Shell
    pub fn carry_out(&mut self, effect: Effect) {
        match effect {
            Effect::Send { to, msg } => self.send(Some(to), &msg),
            Effect::Broadcast(msg) => self.send(None, &msg),
            Effect::Relay { from, msg } => self.pass_on(from, &msg),
            Effect::WriteBlocks(records) => {
                let (sink, net) = (self.sink.clone(), self.storage_key.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    sink(ShellEvent::BlocksWritten(
                        idb::put_blocks(&net, &records).await,
                    ));
                });
            }
            Effect::ForgetBlocks(keys) => {
                let (sink, net) = (self.sink.clone(), self.storage_key.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(e) = idb::delete_blocks(&net, &keys).await {
                        sink(ShellEvent::Failed(e));
                    }
                });
            }
            Effect::RemoveLegacyChain => {
                let net = self.storage_key.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // Left behind, it is read only if no block records exist.
                    let _ = idb::delete(idb::CHAINS, &net).await;
                });
            }
            Effect::WritePool(json) => {
                let (sink, net) = (self.sink.clone(), self.storage_key.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(e) = idb::put(idb::POOLS, &net, &json).await {
                        sink(ShellEvent::Failed(e));
                    }
                });
            }
            Effect::Ban { peer, until } => {
                self.banned.insert(peer, until);
                self.steer(Input::Banned {
                    peer,
                    until: until.0,
                });
            }
            // The tab-wide shell carries these out.
            Effect::Mine(_)
            | Effect::StopMining
            | Effect::CheckSignatures(_)
            | Effect::VerifiersStalled(_)
            | Effect::Notify(_)
            | Effect::SendRefused(_) => {}
        }
    }

    /// To one tab: its direct link when one is up, else the same-browser
    /// channel for a tab heard there, else the relay. To all: every direct
    /// neighbour, and the relay when connected (the same-browser channel
    /// while it is not).
    fn send(&mut self, to: Option<PeerId>, msg: &Message) {
        let msg = msg.encode();
        if let Some(to) = to
            && self.links.get(&to).is_some_and(DirectLink::is_up)
        {
            self.send_direct(to, &msg);
            return;
        }
        if to.is_none() {
            // This tab's own news is pushed whole to every neighbour.
            let up: Vec<PeerId> = self.up_links().collect();
            for peer in &up {
                self.send_direct(*peer, &msg);
            }
            let id = wire::body_id(&msg);
            self.bodies.keep(id, msg.clone());
            for peer in up {
                self.gossip.arrived(id, peer);
            }
        }
        match (&self.local, to) {
            (Some(local), Some(to)) if local.knows(to) => local.post(Some(to), msg),
            (Some(local), None) if !self.is_online() => local.post(None, msg),
            (_, to) => {
                self.up.borrow().send(
                    &self.room,
                    match to {
                        Some(to) => ClientFrame::Direct { to, msg },
                        None => ClientFrame::Broadcast { msg },
                    },
                );
            }
        }
    }

    /// A serial number for a new link.
    fn serial(&mut self) -> u64 {
        self.next_link += 1;
        self.next_link
    }

    /// This tab's side of a link's handshake.
    fn link_hello(&self) -> LinkHello {
        LinkHello {
            version: LINK_VERSION,
            network: self.room.clone(),
        }
    }

    /// Tells the mesh what happened and carries out what it wants.
    fn steer(&mut self, input: Input) {
        let Some(mesh) = &mut self.mesh else {
            return;
        };
        let actions = mesh.handle(input, now().0);
        for action in actions {
            self.act(action, None);
        }
    }

    /// Carries out one of the mesh's actions (`offer`: the description of
    /// the offer being answered).
    fn act(&mut self, action: Action, offer: Option<&str>) {
        let now = now().0;
        match action {
            Action::Dial(peer) => {
                match DirectLink::dial(self.serial(), self.link_hello(), &self.sink, now) {
                    Ok(link) => {
                        self.links.insert(peer, link);
                    }
                    // Never up: nothing to tell.
                    Err(why) => drop(self.link_failed(peer, why)),
                }
            }
            Action::Accept(peer) => {
                // A dial of ours to the same tab gives way to its offer.
                self.links.remove(&peer);
                let made = match offer {
                    Some(sdp) => {
                        DirectLink::answer(self.serial(), sdp, self.link_hello(), &self.sink, now)
                    }
                    None => Err("no offer to answer".into()),
                };
                match made {
                    Ok(link) => {
                        self.links.insert(peer, link);
                    }
                    Err(why) => drop(self.link_failed(peer, why)),
                }
            }
            Action::Refuse(peer) => self.signal(peer, &Signal::LinkRefuse),
            Action::Close(peer) => {
                self.links.remove(&peer);
                self.forget_link(peer);
                let sends = self.gossip.gone(peer, now);
                self.gossip_out(sends);
            }
            // Short of neighbours with nobody left to dial: the relay
            // names a few tabs of the room at random.
            Action::AskSample => {
                self.up
                    .borrow()
                    .send(&self.room, ClientFrame::Sample { max: SAMPLE_SIZE });
            }
        }
    }

    /// A link could not be made or broke: forgotten, and the mesh told.
    fn link_failed(&mut self, peer: PeerId, why: String) -> Vec<Report> {
        let was_up = self.links.remove(&peer).is_some_and(|l| l.is_up());
        self.forget_link(peer);
        self.steer(Input::Closed(peer));
        self.unless_reachable(peer);
        let sends = self.gossip.gone(peer, now().0);
        self.gossip_out(sends);
        let mut reports = Vec::new();
        if was_up {
            reports.push(Report::Note(
                Some(self.slot),
                Note::LinkClosed { peer, why },
            ));
            if !self.room_peers.contains(&peer) {
                // It was reachable only through this link.
                reports.push(Report::Node(self.slot, Event::PeerLeft(peer)));
            }
        }
        reports
    }

    /// Sends a signal to a tab: through the relay if the tab is in its
    /// room, else along a direct link to a neighbour of it (the relay is
    /// down, or the tab left it), else through the relay all the same (it
    /// may be federated).
    fn signal(&mut self, to: PeerId, signal: &Signal) {
        let online = self.is_online() && self.room_peers.contains(&to);
        let me = self.mesh.as_ref().map(Mesh::me);
        if !online
            && let Some(me) = me
            && let Some(via) = self.paths.via(to, now().0)
            && let Some(piece) = Paths::wrap(me, to, signal.clone()).piece()
        {
            self.send_piece(via, piece);
        } else {
            self.up.borrow().send(
                &self.room,
                ClientFrame::Direct {
                    to,
                    msg: signal.encode(),
                },
            );
        }
    }

    /// A link is gone (closed, failed or given up): no signal goes
    /// through it, and the neighbours hear the new list.
    fn forget_link(&mut self, peer: PeerId) {
        self.paths.gone(peer);
        self.relist = true;
    }

    /// Tells the mesh `peer` is gone unless the relay or a neighbour can
    /// still reach it: no connection is made for a tab that is not there.
    fn unless_reachable(&mut self, peer: PeerId) {
        if !self.room_peers.contains(&peer) && self.paths.via(peer, now().0).is_none() {
            self.steer(Input::Left(peer));
        }
    }

    /// Whether the node banned `peer`.
    fn is_banned(&self, peer: PeerId) -> bool {
        self.banned.get(&peer).is_some_and(|until| now() < *until)
    }

    /// What a tab said to open (or not) a link.
    fn on_signal(&mut self, from: PeerId, signal: Signal) -> Vec<Report> {
        match signal {
            Signal::LinkOffer { sdp } => {
                let Some(mesh) = &mut self.mesh else {
                    return Vec::new();
                };
                // Both dialled and this tab's dial goes on: the other tab
                // answers it when it arrives, so no refusal is sent (one
                // arriving first would end that tab's dial).
                let ours_goes_on = mesh.me() < from
                    && self
                        .links
                        .get(&from)
                        .is_some_and(|l| l.role == Role::Dialer);
                let actions = mesh.handle(Input::Offer(from), now().0);
                for action in actions {
                    match action {
                        Action::Refuse(peer) if peer == from && ours_goes_on => {}
                        action => self.act(action, Some(&sdp)),
                    }
                }
                Vec::new()
            }
            Signal::LinkAnswer { sdp } => {
                if let Some(link) = self.links.get(&from)
                    && link.role == Role::Dialer
                {
                    link.answered(&sdp, &self.sink);
                }
                Vec::new()
            }
            Signal::LinkRefuse => {
                let dialing = self
                    .links
                    .get(&from)
                    .is_some_and(|l| l.role == Role::Dialer && !l.is_up());
                if dialing {
                    self.link_failed(from, "refused".into())
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// What a direct link reported.
    fn on_link(&mut self, serial: u64, event: LinkEvent) -> Vec<Report> {
        let now_ms = now().0;
        // A link dropped since is not heard.
        let Some((&peer, link)) = self.links.iter_mut().find(|(_, l)| l.serial == serial) else {
            return Vec::new();
        };
        match event {
            LinkEvent::Described(sdp) => {
                if let Some(sdp) = link.take_description(sdp) {
                    let signal = match link.role {
                        Role::Dialer => Signal::LinkOffer { sdp },
                        Role::Answerer => Signal::LinkAnswer { sdp },
                    };
                    self.signal(peer, &signal);
                }
                Vec::new()
            }
            LinkEvent::Open => {
                link.opened();
                Vec::new()
            }
            LinkEvent::Drained => {
                link.drain();
                Vec::new()
            }
            LinkEvent::Piece(piece) => match link.piece(&piece, now_ms) {
                Ok(Arrived::Nothing) => Vec::new(),
                Ok(Arrived::Greeted) => {
                    self.gossip.neighbour(peer);
                    self.paths.opened(peer);
                    self.relist = true;
                    self.steer(Input::Opened(peer));
                    // The two nodes tell each other where they stand: their
                    // chains may have grown apart (a partition healing).
                    vec![
                        Report::Note(Some(self.slot), Note::LinkOpened(peer)),
                        Report::Node(self.slot, Event::Linked(peer)),
                    ]
                }
                Ok(Arrived::Message(msg)) => {
                    self.gossip.arrived(wire::body_id(&msg), peer);
                    self.delivered(peer, &msg)
                }
                Ok(Arrived::Announce(ids)) => {
                    let sends = self.gossip.announced(peer, &ids, now_ms);
                    self.gossip_out(sends);
                    Vec::new()
                }
                Ok(Arrived::Fetch(id)) => {
                    if link.may_serve(id)
                        && let Some(body) = self.bodies.get(&id).cloned()
                    {
                        self.send_direct(peer, &body);
                    }
                    Vec::new()
                }
                Ok(Arrived::Renamed(new)) => self.rename(peer, new),
                Ok(Arrived::Neighbours(ids)) => {
                    let new = self.paths.listed(peer, &ids);
                    if !new.is_empty() {
                        self.steer(Input::Present(new));
                    }
                    Vec::new()
                }
                Ok(Arrived::Routed(routed)) => {
                    let me = self.mesh.as_ref().map(Mesh::me);
                    match me.map(|me| self.paths.arrived(me, peer, routed, now_ms)) {
                        Some(Step::Deliver { from, signal }) if !self.is_banned(from) => {
                            self.on_signal(from, signal)
                        }
                        Some(Step::Forward { via, routed }) => {
                            if let Some(piece) = routed.piece() {
                                self.send_piece(via, piece);
                            }
                            Vec::new()
                        }
                        _ => Vec::new(),
                    }
                }
                Err(e) => self.link_failed(peer, e.to_string()),
            },
            LinkEvent::Closed(why) => self.link_failed(peer, why),
        }
    }

    /// Passes on what `from` sent and the node took as new: announced by
    /// id to every direct neighbour not known to have it (they fetch it),
    /// and with the relay down posted to the tabs of this browser.
    fn pass_on(&mut self, from: PeerId, msg: &Message) {
        let msg = msg.encode();
        let id = wire::body_id(&msg);
        self.bodies.keep(id, msg.clone());
        if self.links.contains_key(&from) {
            self.steer(Input::Useful(from));
        }
        let sends = self.gossip.got(id, Some(from));
        self.gossip_out(sends);
        if !self.is_online()
            && let Some(local) = &self.local
            && !local.knows(from)
        {
            local.post(None, msg);
        }
    }

    /// The neighbour known as `old` has the relay id `new` now: its link
    /// is kept under `new` (a link being opened to `new` is dropped), and
    /// the node hears of it under `new`.
    fn rename(&mut self, old: PeerId, new: PeerId) -> Vec<Report> {
        if old == new || self.links.contains_key(&new) && !self.links.contains_key(&old) {
            return Vec::new();
        }
        if let Some(mesh) = &mut self.mesh {
            mesh.rename(old, new);
        }
        self.paths.rename(old, new);
        self.relist = true;
        let sends = self.gossip.gone(old, now().0);
        self.gossip_out(sends);
        self.gossip.neighbour(new);
        self.links.remove(&new);
        if let Some(link) = self.links.remove(&old) {
            self.links.insert(new, link);
        }
        let mut reports = vec![Report::Node(self.slot, Event::PeerLeft(old))];
        if !self.room_peers.contains(&new) {
            reports.push(Report::Node(self.slot, Event::PeerJoined(new)));
        }
        reports
    }

    /// Sends what gossip wants sent: announcements and fetches.
    fn gossip_out(&mut self, sends: Vec<Gossiped<BodyId>>) {
        for send in sends {
            match send {
                Gossiped::Announce { to, ids } => self.send_piece(to, wire::announce(&ids)),
                Gossiped::Fetch { to, id } => self.send_piece(to, wire::fetch(&id)),
                // The next announcer is asked; the slow one is only
                // less useful.
                Gossiped::Failed { .. } => {}
            }
        }
    }

    /// Sends a control piece on a direct link; a neighbour that does not
    /// read loses it.
    fn send_piece(&mut self, to: PeerId, piece: Vec<u8>) {
        self.send_on_link(to, |link| link.send_piece(piece));
    }

    /// Sends something on the direct link with `to`; a neighbour that does
    /// not read (or a link that is gone) loses it.
    fn send_on_link(&mut self, to: PeerId, send: impl FnOnce(&mut DirectLink) -> bool) {
        let sent = self.links.get_mut(&to).is_some_and(send);
        if !sent {
            drop(self.link_failed(to, "the neighbour does not read".into()));
        }
    }

    /// Sends on a direct link; a neighbour that does not read loses it.
    fn send_direct(&mut self, to: PeerId, msg: &Payload) {
        self.send_on_link(to, |link| link.send(msg));
    }

    /// Tells every direct neighbour this tab's neighbours, if they
    /// changed: they can signal them through it.
    fn list_neighbours(&mut self) {
        if !std::mem::take(&mut self.relist) {
            return;
        }
        let up: Vec<PeerId> = self.up_links().collect();
        for peer in &up {
            self.send_piece(*peer, wire::neighbours(&up));
        }
    }

    /// Tabs with a direct link up.
    fn up_links(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.links
            .iter()
            .filter(|(_, l)| l.is_up())
            .map(|(p, _)| *p)
    }

    /// Tells the relay when this tab becomes linked (at least
    /// [`Config::d_lo`](tabcoin_mesh::Config) direct neighbours: from then
    /// on they carry the chain between it and other linked tabs) or stops
    /// being so.
    fn tell_linked(&mut self) {
        let linked = self.up_links().count() >= tabcoin_mesh::Config::DEFAULT.d_lo;
        if linked != self.linked
            && self
                .up
                .borrow()
                .send(&self.room, ClientFrame::Linked { linked })
        {
            self.linked = linked;
        }
    }

    /// About once a second: the mesh repairs and mixes, links keep alive,
    /// the relay learns whether this tab is linked.
    pub fn tick(&mut self) -> Vec<Report> {
        self.steer(Input::Tick);
        self.tell_linked();
        self.list_neighbours();
        let sends = self.gossip.tick(now().0);
        self.gossip_out(sends);
        let now = now().0;
        let dead: Vec<PeerId> = self
            .links
            .iter_mut()
            .filter_map(|(p, l)| (!l.keepalive(now)).then_some(*p))
            .collect();
        dead.into_iter()
            .flat_map(|peer| self.link_failed(peer, "silent".into()))
            .collect()
    }

    /// Every tab this one hears from, and how.
    pub fn neighbours(&self) -> Vec<Neighbour> {
        let direct = self.links.iter().filter(|(_, l)| l.is_up());
        let mut list: Vec<Neighbour> = direct
            .map(|(id, l)| Neighbour {
                id: *id,
                kind: "direct",
                rtt_ms: l.rtt_ms(),
                bytes: (l.bytes_in, l.bytes_out),
                messages: l.messages_in,
            })
            .collect();
        if self.is_online() {
            let relayed = self
                .room_peers
                .iter()
                .filter(|p| !self.links.get(p).is_some_and(DirectLink::is_up));
            list.extend(relayed.map(|id| Neighbour {
                id: *id,
                kind: "relay",
                rtt_ms: None,
                bytes: (0, 0),
                messages: 0,
            }));
        }
        if let Some(local) = &self.local {
            list.extend(local.known().map(|id| Neighbour {
                id,
                kind: "same-browser",
                rtt_ms: None,
                bytes: (0, 0),
                messages: 0,
            }));
        }
        list
    }

    /// This tab's id at the relay, once welcomed.
    pub fn me(&self) -> Option<PeerId> {
        self.me
    }

    /// Tabs of this browser heard on the same-browser channel.
    pub fn same_browser(&self) -> usize {
        self.local.as_ref().map_or(0, LocalChannel::known_count)
    }
}
