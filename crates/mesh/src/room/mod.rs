//! [`Room`]: one network's neighbourhood of a tab, composed and pure. It
//! holds which tabs the relay says are in the room, the direct links and
//! their handshakes ([`Endpoint`]), the link policy ([`Mesh`]), gossip over
//! the links ([`Gossip`]), paths to neighbours' neighbours ([`Paths`],
//! signals along them signed with the tab's key), the bodies neighbours
//! may fetch, bans, and the tabs heard on the same-browser channel.
//!
//! It is told what happened ([`In`]: relay frames, same-browser frames,
//! what a link did, what the node wants sent, a tick) with the time, and
//! says what to do ([`Out`]: open, answer or drop a WebRTC link, write
//! pieces on one, send to the relay or the same-browser channel, tell the
//! node, note something for the person). The browser's shell carries the
//! actions out and reports back; the simulation (`crate::sim::Tabs`) runs
//! the same code with simulated links and relay.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame};

use crate::endpoint::{Endpoint, Role};
use crate::gossip::Send as Gossiped;
use crate::paths::Step;
use crate::wire::{self, BodyId, Heard, Keepalive, LINK_VERSION, LinkHello, Routed, Signal};
use crate::{Action, Config, Gossip, Input, Mesh, Paths};

/// Most bytes of messages kept for neighbours' fetches.
pub const BODIES_BYTES: usize = 16 << 20;

/// Tabs asked of the relay when the mesh is short of neighbours.
pub const SAMPLE_SIZE: u32 = 16;

mod vocab;
pub use vocab::{In, Neighbour, Note, Out, Told};

/// Messages this tab passed on lately, by id, oldest first, within
/// [`BODIES_BYTES`].
#[derive(Debug, Default)]
struct Bodies {
    kept: VecDeque<(BodyId, Payload)>,
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

/// One network's neighbourhood of a tab.
#[derive(Debug)]
pub struct Room {
    /// The network id: the relay room, and what links greet with.
    network: String,
    /// Whether direct links are opened (else no dials, offers unanswered).
    direct_links: bool,
    /// Seeds the mesh's randomness.
    seed: u64,
    /// Whether the room welcomed this tab on the current connection.
    online: bool,
    /// This tab's id in the room, once welcomed.
    me: Option<PeerId>,
    /// This tab's peer key, to sign the signals it routes along direct
    /// links (given with [`In::Identity`]).
    identity: Option<Identity>,
    /// Which tabs to link with directly (from the first welcome on).
    mesh: Option<Mesh>,
    /// Direct links, by the other tab's relay id.
    links: BTreeMap<PeerId, Endpoint>,
    /// The other tabs in the relay room.
    room_peers: BTreeSet<PeerId>,
    /// Tabs heard on the same-browser channel.
    local: BTreeSet<PeerId>,
    /// Peers the node banned, until when: what they send is dropped unread.
    banned: HashMap<PeerId, u64>,
    /// Who of the direct neighbours has which message.
    gossip: Gossip<BodyId>,
    /// Neighbours' neighbours: signals for them go along direct links
    /// when the relay cannot carry them.
    paths: Paths,
    /// The direct neighbours changed since they were last listed to them.
    relist: bool,
    /// Messages passed on lately, for neighbours that ask for them.
    bodies: Bodies,
    /// The last link's serial number.
    last_serial: u64,
    /// Whether the relay was told this tab is linked (its neighbours carry
    /// the chain, so the relay forwards it only to tabs that are not).
    linked: bool,
    /// Now, for the input being handled.
    now: u64,
    /// What the input being handled wants done.
    out: Vec<Out>,
}

impl Room {
    /// The room of network `network` (its id); `direct_links` says whether
    /// links are opened; `seed` seeds the link policy's choices.
    pub fn new(network: String, direct_links: bool, seed: u64) -> Room {
        Room {
            network,
            direct_links,
            seed,
            online: false,
            me: None,
            identity: None,
            mesh: None,
            links: BTreeMap::new(),
            room_peers: BTreeSet::new(),
            local: BTreeSet::new(),
            banned: HashMap::new(),
            gossip: Gossip::new(),
            paths: Paths::new(),
            relist: false,
            bodies: Bodies::default(),
            last_serial: 0,
            linked: false,
            now: 0,
            out: Vec::new(),
        }
    }

    /// Handles `input` at `now` (ms): what to do, in order.
    pub fn handle(&mut self, input: In, now: u64) -> Vec<Out> {
        self.now = now;
        match input {
            In::Frame(frame) => self.on_frame(frame),
            In::RelayLost => self.relay_lost(),
            In::Local { from, msg } => {
                self.local.insert(from);
                self.delivered(from, &msg);
            }
            In::Described { serial, sdp } => self.described(serial, sdp),
            In::Open { serial } => {
                let me = self.identity.clone().filter(|i| Some(i.id()) == self.me);
                if let Some((peer, link)) = self.by_serial(serial)
                    && let Some(hello) = link.opened(me.as_ref())
                {
                    self.write(peer, vec![hello]);
                }
            }
            In::Piece { serial, piece } => self.on_piece(serial, &piece),
            In::Closed { serial, why } => {
                if let Some((peer, _)) = self.by_serial(serial) {
                    self.link_failed(peer, why);
                }
            }
            In::Send { to, msg } => self.send(to, msg),
            In::PassOn { from, msg } => self.pass_on(from, msg),
            In::Ban { peer, until } => {
                self.banned.insert(peer, until);
                self.steer(Input::Banned { peer, until });
            }
            In::Tick => self.tick(),
            In::Identity(identity) => self.identity = Some(identity),
        }
        std::mem::take(&mut self.out)
    }

    /// The network id (the relay room).
    pub fn network(&self) -> &str {
        &self.network
    }

    /// This tab's id at the relay, once welcomed.
    pub fn me(&self) -> Option<PeerId> {
        self.me
    }

    /// Whether the room welcomed this tab on the current connection.
    pub fn is_online(&self) -> bool {
        self.online
    }

    /// Tabs of this browser heard on the same-browser channel.
    pub fn same_browser(&self) -> usize {
        self.local.len()
    }

    /// Tabs with a direct link up.
    pub fn up_links(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.links
            .iter()
            .filter(|(_, l)| l.is_up())
            .map(|(p, _)| *p)
    }

    /// Every tab this one hears from, and how.
    pub fn neighbours(&self) -> Vec<Neighbour> {
        let neighbour = |id, kind| Neighbour {
            id,
            kind,
            rtt_ms: None,
            bytes: (0, 0),
            messages: 0,
        };
        let direct = self.links.iter().filter(|(_, l)| l.is_up());
        let mut list: Vec<Neighbour> = direct
            .map(|(id, l)| Neighbour {
                rtt_ms: l.rtt_ms(),
                bytes: (l.bytes_in, l.bytes_out),
                messages: l.messages_in,
                ..neighbour(*id, "direct")
            })
            .collect();
        if self.online {
            let relayed = self
                .room_peers
                .iter()
                .filter(|p| !self.links.get(p).is_some_and(Endpoint::is_up));
            list.extend(relayed.map(|id| neighbour(*id, "relay")));
        }
        list.extend(self.local.iter().map(|id| neighbour(*id, "same-browser")));
        list
    }

    fn by_serial(&mut self, serial: u64) -> Option<(PeerId, &mut Endpoint)> {
        self.links
            .iter_mut()
            .find(|(_, l)| l.serial == serial)
            .map(|(p, l)| (*p, l))
    }

    fn told(&mut self, told: Told) {
        self.out.push(Out::Node(told));
    }

    fn note(&mut self, note: Note) {
        self.out.push(Out::Note(note));
    }

    fn on_frame(&mut self, frame: RelayFrame) {
        match frame {
            RelayFrame::Welcome { you, peers } => self.welcome(you, peers),
            RelayFrame::PeerJoined { peer } => {
                self.room_peers.insert(peer);
                self.steer(Input::Joined(peer));
                self.told(Told::PeerJoined(peer));
            }
            RelayFrame::PeerLeft { peer } => {
                self.room_peers.remove(&peer);
                self.steer(Input::Left(peer));
                // Gone from the relay, maybe not from its direct link (the
                // relay may be the one going away).
                if !self.links.get(&peer).is_some_and(Endpoint::is_up) {
                    self.told(Told::PeerLeft(peer));
                }
            }
            RelayFrame::Sample { peers } => self.steer(Input::Present(peers)),
            RelayFrame::Deliver { from, msg } => self.delivered(from, &msg),
            RelayFrame::Error { reason, .. } => self.note(Note::RelayRefused(reason)),
            // The tab is in its network's room only; it joins no other yet;
            // the connection answers the relay's challenge itself.
            RelayFrame::Room { .. } | RelayFrame::Challenge { .. } => {}
        }
    }

    fn welcome(&mut self, you: PeerId, peers: Vec<PeerId>) {
        self.online = true;
        let others = peers.len();
        self.room_peers = peers.iter().copied().collect();
        // Links opened before stay open: a tab's id is its key's, the same
        // after a relay restart. A tab that had to take a new key (another
        // connection had its old one) is someone else now: its links,
        // opened under the old name, close.
        if self.me.is_some_and(|me| me != you) {
            let links: Vec<PeerId> = self.links.keys().copied().collect();
            for peer in links {
                self.link_failed(peer, "this tab has a new key".into());
            }
        }
        self.me = Some(you);
        if self.mesh.is_none() && self.direct_links {
            self.mesh = Some(Mesh::new(you, Config::DEFAULT, self.seed));
        }
        if let Some(mesh) = &mut self.mesh
            && mesh.me() != you
        {
            mesh.set_me(you);
        }
        self.steer(Input::Present(peers.clone()));
        // A new connection starts unlinked.
        self.linked = false;
        self.tell_linked();
        self.note(Note::Joined { you, others });
        self.told(Told::Connected { peers });
    }

    /// The relay is gone: its peers with it.
    fn relay_lost(&mut self) {
        if std::mem::take(&mut self.online) {
            self.note(Note::RelayLost);
        }
        // Only tabs a neighbour lists can still be reached to dial.
        for peer in std::mem::take(&mut self.room_peers) {
            self.unless_reachable(peer);
        }
        self.told(Told::Disconnected);
        // Direct neighbours are still there.
        let up: Vec<PeerId> = self.up_links().collect();
        for peer in up {
            self.told(Told::PeerJoined(peer));
        }
    }

    /// A peer's payload, from the relay or the same-browser channel: a
    /// banned peer's is dropped unread, a signal taken here, any other
    /// passed to the node.
    fn delivered(&mut self, from: PeerId, msg: &Payload) {
        if self.is_banned(from) {
            return;
        }
        match Signal::read(msg) {
            Some(Ok(signal)) => self.on_signal(from, signal),
            Some(Err(error)) => self.told(Told::Undecodable { from, error }),
            None => self.told(Told::Message {
                from,
                msg: msg.clone(),
            }),
        }
    }

    /// Whether the node banned `peer` (expired bans are forgotten).
    fn is_banned(&mut self, peer: PeerId) -> bool {
        let now = self.now;
        self.banned.retain(|_, until| now < *until);
        self.banned.contains_key(&peer)
    }

    /// To one tab: its direct link when one is up, else the same-browser
    /// channel for a tab heard there, else the relay. To all: every direct
    /// neighbour, and the relay when connected (the same-browser channel
    /// while it is not).
    fn send(&mut self, to: Option<PeerId>, msg: Payload) {
        if let Some(to) = to
            && self.links.get(&to).is_some_and(Endpoint::is_up)
        {
            self.write(to, wire::split(msg.as_str()));
            return;
        }
        if to.is_none() {
            // This tab's own news is pushed whole to every neighbour.
            let up: Vec<PeerId> = self.up_links().collect();
            for peer in &up {
                self.write(*peer, wire::split(msg.as_str()));
            }
            let id = wire::body_id(&msg);
            self.bodies.keep(id, msg.clone());
            for peer in up {
                self.gossip.arrived(id, peer);
            }
        }
        let out = match to {
            Some(to) if self.local.contains(&to) => Out::Local { to: Some(to), msg },
            None if !self.online => Out::Local { to: None, msg },
            Some(to) => Out::Relay(ClientFrame::Direct { to, msg }),
            None => Out::Relay(ClientFrame::Broadcast { msg }),
        };
        self.out.push(out);
    }

    /// Passes on what `from` sent and the node took as new: announced by
    /// id to every direct neighbour not known to have it (they fetch it),
    /// and with the relay down posted to the tabs of this browser.
    fn pass_on(&mut self, from: PeerId, msg: Payload) {
        let id = wire::body_id(&msg);
        self.bodies.keep(id, msg.clone());
        if self.links.contains_key(&from) {
            self.steer(Input::Useful(from));
        }
        let sends = self.gossip.got(id, Some(from));
        self.gossip_out(sends);
        if !self.online && !self.local.contains(&from) {
            self.out.push(Out::Local { to: None, msg });
        }
    }

    /// A new link's serial number.
    fn serial(&mut self) -> u64 {
        self.last_serial += 1;
        self.last_serial
    }

    /// This tab's side of a link's handshake.
    fn link_hello(&self) -> LinkHello {
        LinkHello {
            version: LINK_VERSION,
            network: self.network.clone(),
            proof: None,
        }
    }

    /// Tells the mesh what happened and carries out what it wants.
    fn steer(&mut self, input: Input) {
        let Some(mesh) = &mut self.mesh else {
            return;
        };
        let actions = mesh.handle(input, self.now);
        for action in actions {
            self.act(action, None);
        }
    }

    /// A new link with `peer`, replacing any other with it.
    fn new_link(&mut self, peer: PeerId, role: Role) -> u64 {
        let serial = self.serial();
        let link = Endpoint::new(serial, role, self.link_hello(), self.now);
        if let Some(old) = self.links.insert(peer, link) {
            self.out.push(Out::Drop { serial: old.serial });
        }
        serial
    }

    /// Removes the link with `peer`, closing it.
    fn drop_link(&mut self, peer: PeerId) -> Option<Endpoint> {
        let link = self.links.remove(&peer)?;
        self.out.push(Out::Drop {
            serial: link.serial,
        });
        Some(link)
    }

    /// Carries out one of the mesh's actions (`offer`: the description of
    /// the offer being answered).
    fn act(&mut self, action: Action, offer: Option<&str>) {
        match action {
            Action::Dial(peer) => {
                let serial = self.new_link(peer, Role::Dialer);
                self.out.push(Out::Dial { serial });
            }
            Action::Accept(peer) => match offer {
                // A dial of ours to the same tab gives way to its offer.
                Some(offer) => {
                    let serial = self.new_link(peer, Role::Answerer);
                    if let Some(link) = self.links.get_mut(&peer) {
                        link.remote_description(offer);
                    }
                    self.out.push(Out::Answer {
                        serial,
                        offer: offer.to_owned(),
                    });
                }
                None => {
                    self.drop_link(peer);
                    self.link_failed(peer, "no offer to answer".into());
                }
            },
            Action::Refuse(peer) => self.signal(peer, &Signal::LinkRefuse),
            Action::Close(peer) => {
                self.drop_link(peer);
                self.forget_link(peer);
                let sends = self.gossip.gone(peer, self.now);
                self.gossip_out(sends);
            }
            // Short of neighbours with nobody left to dial: the relay
            // names a few tabs of the room at random.
            Action::AskSample => {
                if self.online {
                    self.out
                        .push(Out::Relay(ClientFrame::Sample { max: SAMPLE_SIZE }));
                }
            }
        }
    }

    /// A link could not be made or broke: forgotten, and the mesh told.
    fn link_failed(&mut self, peer: PeerId, why: String) {
        let was_up = self.drop_link(peer).is_some_and(|l| l.is_up());
        self.forget_link(peer);
        self.steer(Input::Closed(peer));
        self.unless_reachable(peer);
        let sends = self.gossip.gone(peer, self.now);
        self.gossip_out(sends);
        if was_up {
            self.note(Note::LinkClosed { peer, why });
            if !self.room_peers.contains(&peer) {
                // It was reachable only through this link.
                self.told(Told::PeerLeft(peer));
            }
        }
    }

    /// Sends a signal to a tab: through the relay if the tab is in its
    /// room, else along a direct link to a neighbour of it (the relay is
    /// down, or the tab left it), else through the relay all the same (it
    /// may be federated).
    fn signal(&mut self, to: PeerId, signal: &Signal) {
        let online = self.online && self.room_peers.contains(&to);
        // Along direct links a signal is signed, so only with this tab's
        // key, and only while the relay knows the tab by it.
        let identity = self.identity.as_ref().filter(|i| Some(i.id()) == self.me);
        if !online
            && let Some(identity) = identity
            && let Some(via) = self.paths.via(to, self.now)
            && let Some(piece) = Routed::signed(identity, to, signal.clone()).piece()
        {
            self.write(via, vec![piece]);
        } else if self.online {
            self.out.push(Out::Relay(ClientFrame::Direct {
                to,
                msg: signal.encode(),
            }));
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
        if !self.room_peers.contains(&peer) && self.paths.via(peer, self.now).is_none() {
            self.steer(Input::Left(peer));
        }
    }

    /// What a tab said to open (or not) a link.
    fn on_signal(&mut self, from: PeerId, signal: Signal) {
        match signal {
            Signal::LinkOffer { sdp } => {
                let Some(mesh) = &mut self.mesh else {
                    return;
                };
                // Both dialled and this tab's dial goes on: the other tab
                // answers it when it arrives, so no refusal is sent (one
                // arriving first would end that tab's dial).
                let ours_goes_on = mesh.me() < from
                    && self
                        .links
                        .get(&from)
                        .is_some_and(|l| l.role == Role::Dialer);
                let actions = mesh.handle(Input::Offer(from), self.now);
                for action in actions {
                    match action {
                        Action::Refuse(peer) if peer == from && ours_goes_on => {}
                        action => self.act(action, Some(&sdp)),
                    }
                }
            }
            Signal::LinkAnswer { sdp } => {
                if let Some(link) = self.links.get_mut(&from)
                    && link.role == Role::Dialer
                {
                    link.remote_description(&sdp);
                    self.out.push(Out::Answered {
                        serial: link.serial,
                        answer: sdp,
                    });
                }
            }
            Signal::LinkRefuse => {
                let dialing = self
                    .links
                    .get(&from)
                    .is_some_and(|l| l.role == Role::Dialer && !l.is_up());
                if dialing {
                    self.link_failed(from, "refused".into());
                }
            }
        }
    }

    /// Link `serial`'s description is complete: sent to the other tab once.
    fn described(&mut self, serial: u64, sdp: String) {
        let Some((peer, link)) = self.by_serial(serial) else {
            return;
        };
        if let Some(sdp) = link.take_description(sdp) {
            let signal = match link.role {
                Role::Dialer => Signal::LinkOffer { sdp },
                Role::Answerer => Signal::LinkAnswer { sdp },
            };
            self.signal(peer, &signal);
        }
    }

    /// A data channel message on link `serial`.
    fn on_piece(&mut self, serial: u64, piece: &[u8]) {
        let now = self.now;
        // A link dropped since is not heard.
        let Some((peer, link)) = self.by_serial(serial) else {
            return;
        };
        match link.piece(piece, now) {
            Ok(heard) => self.heard(peer, heard),
            Err(e) => self.link_failed(peer, e.to_string()),
        }
    }

    /// What a neighbour's link completed.
    fn heard(&mut self, peer: PeerId, heard: Heard) {
        match heard {
            Heard::Partial | Heard::Pong => {}
            Heard::Ping => self.write(peer, vec![vec![wire::PONG]]),
            Heard::Hello(hello) => {
                // A tab with a key (every tab of the app) wants its
                // neighbour's proof: the id it dialled or answered, at the
                // end of the link the descriptions named.
                let proven = self
                    .links
                    .get(&peer)
                    .is_some_and(|l| l.proves(peer, &hello));
                if self.identity.is_some() && !proven {
                    self.link_failed(peer, "the neighbour did not prove its key".into());
                    return;
                }
                self.gossip.neighbour(peer);
                self.paths.opened(peer);
                self.relist = true;
                self.steer(Input::Opened(peer));
                self.note(Note::LinkOpened(peer));
                // The two nodes tell each other where they stand: their
                // chains may have grown apart (a partition healing).
                self.told(Told::Linked(peer));
            }
            Heard::Message(msg) => {
                self.gossip.arrived(wire::body_id(&msg), peer);
                self.delivered(peer, &msg);
            }
            Heard::Announce(ids) => {
                let sends = self.gossip.announced(peer, &ids, self.now);
                self.gossip_out(sends);
            }
            Heard::Fetch(id) => {
                let serve = self.links.get_mut(&peer).is_some_and(|l| l.may_serve(id));
                if serve && let Some(body) = self.bodies.get(&id).cloned() {
                    self.write(peer, wire::split(body.as_str()));
                }
            }
            Heard::Neighbours(ids) => {
                let new = self.paths.listed(peer, &ids);
                if !new.is_empty() {
                    self.steer(Input::Present(new));
                }
            }
            Heard::Routed(routed) => {
                let Some(me) = self.me else { return };
                match self.paths.arrived(me, peer, routed, self.now) {
                    Step::Deliver { from, signal } if !self.is_banned(from) => {
                        self.on_signal(from, signal);
                    }
                    Step::Forward { via, routed } => {
                        if let Some(piece) = routed.piece() {
                            self.write(via, vec![piece]);
                        }
                    }
                    // Honest tabs check what they pass on: this neighbour
                    // forged it, or passes forgeries on.
                    Step::Forged => {
                        self.link_failed(peer, "it passed on a forged signal".into());
                    }
                    Step::Deliver { .. } | Step::Drop => {}
                }
            }
        }
    }

    /// Sends what gossip wants sent: announcements and fetches.
    fn gossip_out(&mut self, sends: Vec<Gossiped<BodyId>>) {
        for send in sends {
            match send {
                Gossiped::Announce { to, ids } => self.write(to, vec![wire::announce(&ids)]),
                Gossiped::Fetch { to, id } => self.write(to, vec![wire::fetch(&id)]),
                // The next announcer is asked; the slow one is only
                // less useful.
                Gossiped::Failed { .. } => {}
            }
        }
    }

    /// Writes pieces on the direct link with `to`; with no link there (it
    /// went meanwhile), the link is taken as failed.
    fn write(&mut self, to: PeerId, pieces: Vec<Vec<u8>>) {
        match self.links.get_mut(&to) {
            Some(link) => {
                link.sent(pieces.iter().map(Vec::len).sum());
                let serial = link.serial;
                self.out.push(Out::Write { serial, pieces });
            }
            None => self.link_failed(to, "the neighbour does not read".into()),
        }
    }

    /// Tells every direct neighbour this tab's neighbours, if they
    /// changed: they can signal them through it.
    fn list_neighbours(&mut self) {
        if !std::mem::take(&mut self.relist) {
            return;
        }
        let up: Vec<PeerId> = self.up_links().collect();
        for peer in &up {
            self.write(*peer, vec![wire::neighbours(&up)]);
        }
    }

    /// Tells the relay when this tab becomes linked (at least
    /// [`Config::d_lo`] direct neighbours: from then on they carry the
    /// chain between it and other linked tabs) or stops being so.
    fn tell_linked(&mut self) {
        let linked = self.up_links().count() >= Config::DEFAULT.d_lo;
        if linked != self.linked && self.online {
            self.out.push(Out::Relay(ClientFrame::Linked { linked }));
            self.linked = linked;
        }
    }

    /// About once a second: the mesh repairs and mixes, links keep alive,
    /// the relay learns whether this tab is linked.
    fn tick(&mut self) {
        self.steer(Input::Tick);
        self.tell_linked();
        self.list_neighbours();
        let sends = self.gossip.tick(self.now);
        self.gossip_out(sends);
        let now = self.now;
        let mut dead = Vec::new();
        let mut pings = Vec::new();
        for (peer, link) in &mut self.links {
            match link.keepalive(now) {
                Keepalive::Dead => dead.push(*peer),
                Keepalive::Ping => pings.push(*peer),
                Keepalive::Idle => {}
            }
        }
        for peer in pings {
            self.write(peer, vec![vec![wire::PING]]);
        }
        for peer in dead {
            self.link_failed(peer, "silent".into());
        }
    }
}

#[cfg(test)]
mod tests;
