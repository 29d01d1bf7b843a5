//! [`Mesh`]: which tabs a tab links to directly. A pure policy, in the
//! house's shape: it is told what happened ([`Input`]) and says what it
//! wants ([`Action`]); the shell opens and closes the links (WebRTC data
//! channels) and reports back. Time is an argument, in ms.
//!
//! - **Bounded degree.** A tab keeps between [`Config::d_lo`] and
//!   [`Config::d_hi`] direct neighbours: it dials until it has
//!   [`Config::target`] (at most [`Config::max_dialing`] dials at a time),
//!   accepts offers up to `d_hi`, and never holds more than `d_hi` links,
//!   dialling and answering ones included. With more than `d_hi + 1` tabs
//!   in a room no tab is linked to all others.
//! - **Only tabs known to be present** are dialled (from the relay's
//!   sample, joins, or neighbours' gossip), so no connection is created for
//!   a tab that is gone (a browser limits how many a tab may ever create).
//! - **Simultaneous offers**: two tabs dialling each other keep the dial of
//!   the one with the lower id; the other answers it.
//! - **Failures and bans**: a dial not answered within
//!   [`Config::dial_timeout_ms`] is given up; a tab whose link failed or
//!   closed is neither dialled nor accepted again for [`Config::retry_ms`]
//!   (so a tab cannot make another open connection after connection); a
//!   banned tab's
//!   link is closed at once and it is never dialled or accepted while
//!   banned.
//! - **Mixing**: every [`Config::rotate_ms`], a tab at its target closes its
//!   least useful neighbour (the one that delivered the fewest new blocks
//!   and transactions first) so that a random one replaces it; the graph
//!   does not freeze into clusters.
//! - **Repair**: below `d_lo` with no tab left to dial, it asks the relay
//!   for a fresh sample (at most every [`Config::sample_ms`]).
//!
//! [`Gossip`] spreads blocks and transactions over the links this keeps.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

pub use tabcoin_protocol::PeerId;

pub mod endpoint;
pub mod gossip;
pub mod paths;
pub mod room;
pub mod sim;
pub mod wire;
pub use gossip::Gossip;
pub use paths::Paths;
pub use room::Room;

/// Tabs remembered as useful neighbours.
pub const TRUSTED_KEPT: usize = 64;

/// The policy's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Fewest direct neighbours a tab tries to keep.
    pub d_lo: usize,
    /// Most links a tab holds (dialling and answering ones included).
    pub d_hi: usize,
    /// Neighbours a tab dials up to.
    pub target: usize,
    /// Dials under way at once.
    pub max_dialing: usize,
    /// Offers being answered at once from tabs that were never useful
    /// neighbours (each is a WebRTC connection a browser counts against the
    /// tab for life).
    pub max_answering: usize,
    /// Links kept for the tab's own dials: links others opened (answering
    /// ones included) are at most `d_hi - outbound_reserved`, so no one
    /// who offers can take every slot.
    pub outbound_reserved: usize,
    /// A dial or an answer not open after this long is given up.
    pub dial_timeout_ms: u64,
    /// A tab whose link failed or closed is not dialled for this long.
    pub retry_ms: u64,
    /// How often the least useful neighbour is replaced.
    pub rotate_ms: u64,
    /// How often, at most, the relay is asked for a fresh sample.
    pub sample_ms: u64,
}

impl Config {
    /// 4 to 8 neighbours, 6 sought, 2 dials at a time.
    pub const DEFAULT: Config = Config {
        d_lo: 4,
        d_hi: 8,
        target: 6,
        max_dialing: 2,
        max_answering: 2,
        outbound_reserved: 2,
        dial_timeout_ms: 10_000,
        retry_ms: 30_000,
        rotate_ms: 60_000,
        sample_ms: 5_000,
    };
}

impl Default for Config {
    fn default() -> Config {
        Config::DEFAULT
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// These tabs are in the room (a sample from the relay, or tabs a
    /// neighbour knows).
    Present(Vec<PeerId>),
    /// A tab joined the room.
    Joined(PeerId),
    /// A tab left the relay's room (an open link with it stays until its
    /// channel closes).
    Left(PeerId),
    /// A tab offers to link with this one.
    Offer(PeerId),
    /// The link with a tab is open (whichever side dialled).
    Opened(PeerId),
    /// The link with a tab closed or could not be opened.
    Closed(PeerId),
    /// A neighbour delivered something new before anyone else.
    Useful(PeerId),
    /// The node banned a tab until `until` (ms).
    Banned {
        /// The tab.
        peer: PeerId,
        /// Until when.
        until: u64,
    },
    /// Time passes (about once a second).
    Tick,
}

/// What the mesh wants done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start a link to this tab (send it an offer).
    Dial(PeerId),
    /// Answer this tab's offer.
    Accept(PeerId),
    /// Turn this tab's offer down.
    Refuse(PeerId),
    /// Close the link with this tab (or give up opening it).
    Close(PeerId),
    /// Ask the relay for a sample of the tabs in the room.
    AskSample,
}

/// The state of one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// This tab dialled, since (ms).
    Dialing(u64),
    /// This tab accepted an offer, since (ms).
    Answering(u64),
    /// Open, since (ms), with how often the neighbour was useful.
    Open {
        /// Opened at (ms).
        since: u64,
        /// New blocks and transactions it delivered first.
        useful: u64,
    },
}

/// A tab's links and what it knows of the room.
#[derive(Debug, Clone)]
pub struct Mesh {
    me: PeerId,
    config: Config,
    links: BTreeMap<PeerId, Link>,
    /// Tabs known to be present and not linked.
    candidates: BTreeSet<PeerId>,
    /// Tabs not to dial before (ms).
    retry_after: HashMap<PeerId, u64>,
    banned: HashMap<PeerId, u64>,
    /// Links this tab accepted (the others' dials), while they last.
    inbound: BTreeSet<PeerId>,
    /// Tabs that were useful neighbours (delivered something first),
    /// newest last: their offers do not wait behind strangers'.
    trusted: VecDeque<PeerId>,
    last_rotate: u64,
    last_sample: Option<u64>,
    rng: SplitMix64,
}

impl Mesh {
    /// No links yet; `seed` drives the random choices (reproducible).
    pub fn new(me: PeerId, config: Config, seed: u64) -> Mesh {
        Mesh {
            me,
            config,
            links: BTreeMap::new(),
            candidates: BTreeSet::new(),
            retry_after: HashMap::new(),
            banned: HashMap::new(),
            inbound: BTreeSet::new(),
            trusted: VecDeque::new(),
            last_rotate: 0,
            last_sample: None,
            rng: SplitMix64(seed),
        }
    }

    /// This tab has a new id (its relay connection was made again); its
    /// links stay.
    pub fn set_me(&mut self, me: PeerId) {
        self.me = me;
        self.candidates.remove(&me);
    }

    /// This tab's id.
    pub fn me(&self) -> PeerId {
        self.me
    }

    /// Every link and its state.
    pub fn links(&self) -> &BTreeMap<PeerId, Link> {
        &self.links
    }

    /// Open links' tabs.
    pub fn neighbours(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.links
            .iter()
            .filter(|(_, l)| matches!(l, Link::Open { .. }))
            .map(|(p, _)| *p)
    }

    /// Open links.
    pub fn degree(&self) -> usize {
        self.neighbours().count()
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: PeerId, now: u64) -> bool {
        self.banned.get(&peer).is_some_and(|until| now < *until)
    }

    /// Takes in what happened; returns what to do.
    pub fn handle(&mut self, input: Input, now: u64) -> Vec<Action> {
        let mut actions = Vec::new();
        match input {
            Input::Present(peers) => {
                for peer in peers {
                    self.learn(peer, now);
                }
            }
            Input::Joined(peer) => self.learn(peer, now),
            // An open link stays: the tab may only have lost the relay (or
            // the relay itself is going away); its own channel says when it
            // is gone. A link still opening needs the relay and is dropped.
            Input::Left(peer) => {
                self.candidates.remove(&peer);
                if let Some(Link::Dialing(_) | Link::Answering(_)) = self.links.get(&peer) {
                    self.links.remove(&peer);
                    actions.push(Action::Close(peer));
                }
            }
            Input::Offer(peer) => actions.extend(self.offer(peer, now)),
            Input::Opened(peer) => match self.links.get(&peer) {
                Some(Link::Dialing(_) | Link::Answering(_)) => {
                    self.links.insert(
                        peer,
                        Link::Open {
                            since: now,
                            useful: 0,
                        },
                    );
                }
                Some(Link::Open { .. }) => {}
                // Given up meanwhile (or never asked for): not kept.
                None => actions.push(Action::Close(peer)),
            },
            Input::Closed(peer) => {
                if self.links.remove(&peer).is_some() {
                    self.retry_after.insert(peer, now + self.config.retry_ms);
                    if !self.is_banned(peer, now) {
                        self.candidates.insert(peer);
                    }
                }
            }
            Input::Useful(peer) => {
                if let Some(Link::Open { useful, .. }) = self.links.get_mut(&peer) {
                    *useful += 1;
                    if !self.trusted.contains(&peer) {
                        self.trusted.push_back(peer);
                        if self.trusted.len() > TRUSTED_KEPT {
                            self.trusted.pop_front();
                        }
                    }
                }
            }
            Input::Banned { peer, until } => {
                self.banned.insert(peer, until);
                self.candidates.remove(&peer);
                if self.links.remove(&peer).is_some() {
                    actions.push(Action::Close(peer));
                }
            }
            Input::Tick => actions.extend(self.tick(now)),
        }
        actions.extend(self.fill(now));
        actions
    }

    fn learn(&mut self, peer: PeerId, now: u64) {
        if peer != self.me && !self.links.contains_key(&peer) && !self.is_banned(peer, now) {
            self.candidates.insert(peer);
        }
    }

    fn offer(&mut self, peer: PeerId, now: u64) -> Vec<Action> {
        // A tab whose link just closed waits like one this tab would not
        // redial: each accepted offer costs a connection, and a browser
        // limits how many a tab may ever create.
        let resting = self.retry_after.get(&peer).is_some_and(|at| now < *at);
        if peer == self.me || self.is_banned(peer, now) || resting {
            return vec![Action::Refuse(peer)];
        }
        let mut actions = Vec::new();
        match self.links.get(&peer) {
            // Both dialled: the lower id's dial goes on.
            Some(Link::Dialing(_)) if self.me < peer => return vec![Action::Refuse(peer)],
            Some(Link::Dialing(_)) => {
                self.links.insert(peer, Link::Answering(now));
                return vec![Action::Accept(peer)];
            }
            Some(_) => return vec![Action::Refuse(peer)],
            None => {}
        }
        if self.links.len() >= self.config.d_hi || !self.room_for_offer(peer) {
            // A useful neighbour of before does not wait behind a stranger
            // whose offer is still being answered: the stranger gives way.
            let stranger = self
                .links
                .iter()
                .find(|(p, l)| matches!(l, Link::Answering(_)) && !self.trusted.contains(p))
                .map(|(p, _)| *p);
            match stranger.filter(|_| self.trusted.contains(&peer)) {
                Some(stranger) => {
                    self.links.remove(&stranger);
                    self.retry_after
                        .insert(stranger, now + self.config.retry_ms);
                    actions.push(Action::Close(stranger));
                }
                None => return vec![Action::Refuse(peer)],
            }
        }
        self.candidates.remove(&peer);
        self.links.insert(peer, Link::Answering(now));
        self.inbound.insert(peer);
        actions.push(Action::Accept(peer));
        actions
    }

    /// Whether an offer from `peer` may be answered: the links others
    /// opened leave the tab's own dials their reserve, and a stranger waits
    /// while [`Config::max_answering`] offers are being answered (a tab
    /// that was a useful neighbour does not).
    fn room_for_offer(&self, peer: PeerId) -> bool {
        let inbound = self
            .inbound
            .iter()
            .filter(|p| self.links.contains_key(p))
            .count();
        if inbound + self.config.outbound_reserved >= self.config.d_hi {
            return false;
        }
        let answering = self
            .links
            .values()
            .filter(|l| matches!(l, Link::Answering(_)))
            .count();
        answering < self.config.max_answering || self.trusted.contains(&peer)
    }

    fn tick(&mut self, now: u64) -> Vec<Action> {
        let mut actions = Vec::new();
        self.banned.retain(|_, until| now < *until);
        self.retry_after.retain(|_, at| now < *at);
        let links = &self.links;
        self.inbound.retain(|p| links.contains_key(p));
        let timeout = self.config.dial_timeout_ms;
        let stale: Vec<PeerId> = self
            .links
            .iter()
            .filter(|(_, l)| match l {
                Link::Dialing(since) | Link::Answering(since) => now >= since + timeout,
                Link::Open { .. } => false,
            })
            .map(|(p, _)| *p)
            .collect();
        for peer in stale {
            self.links.remove(&peer);
            self.retry_after.insert(peer, now + self.config.retry_ms);
            self.candidates.insert(peer);
            actions.push(Action::Close(peer));
        }
        if now >= self.last_rotate + self.config.rotate_ms {
            self.last_rotate = now;
            if self.degree() >= self.config.target && self.dialable(now).next().is_some() {
                let least = self
                    .links
                    .iter()
                    .filter_map(|(p, l)| match l {
                        Link::Open { since, useful } => Some((*useful, *since, *p)),
                        _ => None,
                    })
                    .min();
                if let Some((_, _, peer)) = least {
                    self.links.remove(&peer);
                    self.retry_after.insert(peer, now + self.config.retry_ms);
                    self.candidates.insert(peer);
                    actions.push(Action::Close(peer));
                }
                for link in self.links.values_mut() {
                    if let Link::Open { useful, .. } = link {
                        *useful = 0;
                    }
                }
            }
        }
        let alone = self.degree() < self.config.d_lo && self.dialable(now).next().is_none();
        if alone
            && self
                .last_sample
                .is_none_or(|at| now >= at + self.config.sample_ms)
        {
            self.last_sample = Some(now);
            actions.push(Action::AskSample);
        }
        actions
    }

    /// Candidates that may be dialled now.
    fn dialable(&self, now: u64) -> impl Iterator<Item = PeerId> + '_ {
        self.candidates.iter().copied().filter(move |p| {
            !self.is_banned(*p, now) && self.retry_after.get(p).is_none_or(|at| now >= *at)
        })
    }

    /// Dials random present tabs until the target is reached (open and
    /// pending links), at most `max_dialing` at a time.
    fn fill(&mut self, now: u64) -> Vec<Action> {
        let mut actions = Vec::new();
        loop {
            let dialing = self
                .links
                .values()
                .filter(|l| matches!(l, Link::Dialing(_)))
                .count();
            if self.links.len() >= self.config.target || dialing >= self.config.max_dialing {
                break;
            }
            let choices: Vec<PeerId> = self.dialable(now).collect();
            if choices.is_empty() {
                break;
            }
            let peer = choices[self.rng.below(choices.len() as u64) as usize];
            self.candidates.remove(&peer);
            self.links.insert(peer, Link::Dialing(now));
            actions.push(Action::Dial(peer));
        }
        actions
    }
}

/// SplitMix64: the mesh's reproducible randomness.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 if `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[cfg(test)]
mod tests;
