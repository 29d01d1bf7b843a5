//! [`Tabs`]: tabs running the shipped composition ([`Room`]) on a simulated
//! relay and simulated WebRTC links. What a room asks for is carried out
//! as the browser's shell and the relay would: a dial describes itself,
//! signals go through the relay (5 % of them lost) or along links, an
//! answered dial opens both ends, pieces keep their order on a link, a
//! dropped link closes at the other end, a linked tab's broadcasts skip
//! linked tabs. Each node is modelled by what matters to the mesh: a block
//! it has not seen is taken at once and passed on.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame};

use super::{Queue, Rng, Unordered, connects, latency, mutual};
use crate::room::{In, Out, Told};
use crate::wire::Signal;
use crate::{Config, Room};

/// The simulated network's id.
const NETWORK: &str = "sim";

/// The time a WebRTC side takes to describe itself (ICE on loopback).
const DESCRIBE_MS: u64 = 5;

/// One simulated tab.
#[derive(Debug)]
pub struct Tab {
    /// Its neighbourhood, as it ships.
    pub room: Room,
    /// The blocks its node has.
    pub blocks: BTreeSet<u32>,
}

/// One end of a simulated link.
#[derive(Debug, Clone, Copy)]
struct End {
    /// The other end, once the link is set up: (tab, serial).
    remote: Option<(PeerId, u64)>,
    /// When the last piece sent from this end arrives (pieces keep their
    /// order).
    last_due: u64,
}

/// Tabs running [`Room`] with a simulated relay and links.
pub struct Tabs {
    /// The network's randomness.
    pub rng: Rng,
    /// Now (ms).
    pub now: u64,
    /// Every tab.
    pub tabs: BTreeMap<PeerId, Tab>,
    /// Signals (offers, answers, refusals) the relay loses, in percent.
    pub signal_loss_percent: u64,
    /// Bytes each block's message is padded to.
    pub block_bytes: usize,
    /// When each block was mined, and when each tab first had it.
    pub reached: BTreeMap<u32, (u64, Vec<u64>)>,
    /// Bodies received, by (tab, block), over links and the relay.
    pub bodies: BTreeMap<(PeerId, u32), u32>,
    /// Bytes of the chain (anything but signals) the relay received and
    /// sent.
    pub relay_chain_bytes: u64,
    /// Offers from strangers ([`Tabs::stranger_offers`]) the tabs answered:
    /// each an `RTCPeerConnection` in a browser, and a pending slot held.
    pub strangers_answered: u64,
    /// Tabs in the relay room, and whether each said it is linked.
    relay: BTreeMap<PeerId, bool>,
    /// Link ends, by (tab, serial).
    ends: HashMap<(PeerId, u64), End>,
    queue: Queue<(PeerId, In)>,
    seq: u64,
}

/// The message of block `n`, padded to `bytes`.
pub fn block_message(n: u32, bytes: usize) -> Payload {
    // The rest of the object takes about 40 bytes.
    let pad = "x".repeat(bytes.saturating_sub(40));
    Payload::encode(&serde_json::json!({"type": "sim_block", "n": n, "pad": pad}))
}

/// The block a message carries, if it is one.
fn block_of(msg: &Payload) -> Option<u32> {
    let value: serde_json::Value = msg.decode().ok()?;
    (value.get("type")? == "sim_block")
        .then(|| value.get("n")?.as_u64()?.try_into().ok())
        .flatten()
}

/// A simulated session description: who described it, on which link.
fn describe(tab: PeerId, serial: u64) -> String {
    format!("{tab} {serial}")
}

fn described(sdp: &str) -> Option<(PeerId, u64)> {
    let (tab, serial) = sdp.split_once(' ')?;
    Some((tab.parse().ok()?, serial.parse().ok()?))
}

impl Tabs {
    /// No tabs yet; blocks of 1 KB.
    pub fn new(seed: u64) -> Tabs {
        Tabs {
            rng: Rng(seed),
            now: 0,
            tabs: BTreeMap::new(),
            signal_loss_percent: 5,
            block_bytes: 1_000,
            reached: BTreeMap::new(),
            bodies: BTreeMap::new(),
            relay_chain_bytes: 0,
            strangers_answered: 0,
            relay: BTreeMap::new(),
            ends: HashMap::new(),
            queue: BinaryHeap::new(),
            seq: 0,
        }
    }

    fn at(&mut self, delay: u64, to: PeerId, input: In) {
        self.seq += 1;
        self.queue.push(Reverse((
            self.now + delay,
            self.seq,
            Unordered((to, input)),
        )));
    }

    /// Tab `tab` handles `input` now; what it wants done is simulated.
    pub fn input(&mut self, tab: PeerId, input: In) {
        let Some(t) = self.tabs.get_mut(&tab) else {
            return;
        };
        let outs = t.room.handle(input, self.now);
        for out in outs {
            self.carry_out(tab, out);
        }
    }

    fn carry_out(&mut self, tab: PeerId, out: Out) {
        match out {
            Out::Dial { serial } => {
                let end = End {
                    remote: None,
                    last_due: 0,
                };
                self.ends.insert((tab, serial), end);
                let sdp = describe(tab, serial);
                self.at(DESCRIBE_MS, tab, In::Described { serial, sdp });
            }
            Out::Answer { serial, offer } => {
                if described(&offer).is_none() {
                    self.strangers_answered += 1;
                }
                let end = End {
                    remote: described(&offer),
                    last_due: 0,
                };
                self.ends.insert((tab, serial), end);
                let sdp = describe(tab, serial);
                self.at(DESCRIBE_MS, tab, In::Described { serial, sdp });
            }
            Out::Answered { serial, answer } => self.answered(tab, serial, &answer),
            Out::Drop { serial } => {
                if let Some(end) = self.ends.remove(&(tab, serial))
                    && let Some((b, sb)) = end.remote
                    && self.ends.contains_key(&(b, sb))
                {
                    let d = latency(&mut self.rng);
                    let why = "channel closed".to_owned();
                    self.at(d, b, In::Closed { serial: sb, why });
                }
            }
            Out::Write { serial, pieces } => self.write(tab, serial, pieces),
            Out::Relay(frame) => self.relay(tab, frame),
            Out::Node(Told::Message { from, msg }) => self.node(tab, from, msg),
            // No same-browser channel here; the node's other news and the
            // notes change nothing in the mesh.
            Out::Local { .. } | Out::Node(_) | Out::Note(_) => {}
        }
    }

    /// The dialler of `serial` got the answer of `answer`'s link: both ends
    /// open, or the dialler hears it failed.
    fn answered(&mut self, tab: PeerId, serial: u64, answer: &str) {
        let d = latency(&mut self.rng);
        let other = described(answer).filter(|b| {
            self.ends
                .get(b)
                .is_some_and(|e| e.remote == Some((tab, serial)))
        });
        match (other, self.ends.get_mut(&(tab, serial))) {
            (Some((b, sb)), Some(end)) => {
                end.remote = Some((b, sb));
                self.at(d, tab, In::Open { serial });
                self.at(d, b, In::Open { serial: sb });
            }
            (_, Some(_)) => {
                let why = "connection failed".to_owned();
                self.at(d, tab, In::Closed { serial, why });
            }
            (_, None) => {}
        }
    }

    /// Pieces written on a link reach its other end in order.
    fn write(&mut self, tab: PeerId, serial: u64, pieces: Vec<Vec<u8>>) {
        let d = latency(&mut self.rng);
        let now = self.now;
        let Some(end) = self.ends.get_mut(&(tab, serial)) else {
            return;
        };
        let Some((b, sb)) = end.remote else {
            return;
        };
        let due = (now + d).max(end.last_due);
        end.last_due = due;
        for piece in pieces {
            self.at(due - now, b, In::Piece { serial: sb, piece });
        }
    }

    /// What the relay does with a tab's frame.
    fn relay(&mut self, tab: PeerId, frame: ClientFrame) {
        match frame {
            ClientFrame::Direct { to, msg } => {
                let lost = msg.is_signalling() && self.rng.below(100) < self.signal_loss_percent;
                if !msg.is_signalling() {
                    self.relay_chain_bytes += 2 * msg.len() as u64;
                }
                if !lost && self.relay.contains_key(&to) {
                    let d = latency(&mut self.rng) + latency(&mut self.rng);
                    let from = tab;
                    self.at(d, to, In::Frame(RelayFrame::Deliver { from, msg }));
                }
            }
            ClientFrame::Broadcast { msg } => {
                let skip_linked = self.relay.get(&tab).copied().unwrap_or(false);
                let to: Vec<PeerId> = self
                    .relay
                    .iter()
                    .filter(|(id, linked)| **id != tab && !(skip_linked && **linked))
                    .map(|(id, _)| *id)
                    .collect();
                self.relay_chain_bytes += (1 + to.len() as u64) * msg.len() as u64;
                let up = latency(&mut self.rng);
                for peer in to {
                    let d = up + latency(&mut self.rng);
                    let msg = msg.clone();
                    self.at(d, peer, In::Frame(RelayFrame::Deliver { from: tab, msg }));
                }
            }
            ClientFrame::Sample { max } => {
                let peers = self.sample(max as usize, tab);
                let d = 2 * latency(&mut self.rng);
                self.at(d, tab, In::Frame(RelayFrame::Sample { peers }));
            }
            ClientFrame::Linked { linked } => {
                if let Some(l) = self.relay.get_mut(&tab) {
                    *l = linked;
                }
            }
            _ => {}
        }
    }

    /// Up to `n` tabs of the room other than `except`, at random.
    fn sample(&mut self, n: usize, except: PeerId) -> Vec<PeerId> {
        let all: Vec<PeerId> = self
            .relay
            .keys()
            .copied()
            .filter(|p| *p != except)
            .collect();
        let mut picked = BTreeSet::new();
        for _ in 0..n.min(all.len()) {
            picked.insert(all[self.rng.below(all.len() as u64) as usize]);
        }
        picked.into_iter().collect()
    }

    /// Tab `tab`'s node got `msg` from `from`: a new block is kept and
    /// passed on.
    fn node(&mut self, tab: PeerId, from: PeerId, msg: Payload) {
        let Some(n) = block_of(&msg) else {
            return;
        };
        *self.bodies.entry((tab, n)).or_default() += 1;
        let now = self.now;
        let Some(t) = self.tabs.get_mut(&tab) else {
            return;
        };
        if t.blocks.insert(n) {
            if let Some((_, times)) = self.reached.get_mut(&n) {
                times.push(now);
            }
            self.input(tab, In::PassOn { from, msg });
        }
    }

    /// Tab `id` joins: the relay welcomes it with the room's tabs and
    /// tells them.
    pub fn join(&mut self, id: PeerId) {
        let room = Room::new(NETWORK.into(), true, id.wrapping_mul(31));
        let tab = Tab {
            room,
            blocks: BTreeSet::new(),
        };
        self.tabs.insert(id, tab);
        let peers: Vec<PeerId> = self.relay.keys().copied().collect();
        self.relay.insert(id, false);
        let d = latency(&mut self.rng);
        self.at(
            d,
            id,
            In::Frame(RelayFrame::Welcome {
                you: id,
                peers: peers.clone(),
            }),
        );
        for other in peers {
            let d = latency(&mut self.rng);
            self.at(d, other, In::Frame(RelayFrame::PeerJoined { peer: id }));
        }
    }

    /// Tab `id` closes: the room hears it leave, its links close.
    pub fn leave(&mut self, id: PeerId) {
        self.tabs.remove(&id);
        self.relay.remove(&id);
        let others: Vec<PeerId> = self.relay.keys().copied().collect();
        for other in others {
            let d = latency(&mut self.rng);
            self.at(d, other, In::Frame(RelayFrame::PeerLeft { peer: id }));
        }
        let mine: Vec<(PeerId, u64)> = self
            .ends
            .keys()
            .filter(|(t, _)| *t == id)
            .copied()
            .collect();
        for key in mine {
            if let Some(End {
                remote: Some((b, sb)),
                ..
            }) = self.ends.remove(&key)
            {
                let d = latency(&mut self.rng);
                let why = "channel closed".to_owned();
                self.at(d, b, In::Closed { serial: sb, why });
            }
        }
    }

    /// A stranger `from` (no tab: it never completes a link) offers `to` a
    /// link through the relay, as one holding tabs' link slots would.
    pub fn stranger_offers(&mut self, from: PeerId, to: PeerId) {
        let msg = Signal::LinkOffer {
            sdp: "stranger".into(),
        }
        .encode();
        let d = latency(&mut self.rng) + latency(&mut self.rng);
        self.at(d, to, In::Frame(RelayFrame::Deliver { from, msg }));
    }

    /// The relay goes away: every tab loses it (direct links stay).
    pub fn relay_dies(&mut self) {
        self.relay.clear();
        let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
        for id in ids {
            self.input(id, In::RelayLost);
        }
    }

    /// Tab `miner` has a new block `n`, now, and sends it to all.
    pub fn mine(&mut self, miner: PeerId, n: u32) {
        let Some(t) = self.tabs.get_mut(&miner) else {
            return;
        };
        t.blocks.insert(n);
        self.reached.insert(n, (self.now, vec![self.now]));
        let msg = block_message(n, self.block_bytes);
        self.input(miner, In::Send { to: None, msg });
    }

    /// Tabs `1..=n` join, one every `every_ms`, then a minute passes.
    pub fn settle(&mut self, n: u64, every_ms: u64) {
        for id in 1..=n {
            self.join(id);
            self.run(self.now + every_ms);
        }
        self.run(self.now + 60_000);
    }

    /// Runs until `until`, every tab ticking once a second.
    pub fn run(&mut self, until: u64) {
        super::run(self, until);
    }

    /// Direct links up at both ends.
    pub fn edges(&self) -> BTreeMap<PeerId, BTreeSet<PeerId>> {
        mutual(
            self.tabs
                .iter()
                .map(|(id, tab)| (*id, tab.room.up_links().collect()))
                .collect(),
        )
    }

    /// Whether every tab reaches every other over direct links.
    pub fn connected(&self) -> bool {
        let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
        connects(&ids, &self.edges())
    }

    /// Tabs with at least [`Config::d_lo`] direct links up.
    pub fn linked(&self) -> usize {
        let d_lo = Config::DEFAULT.d_lo;
        self.tabs
            .values()
            .filter(|t| t.room.up_links().count() >= d_lo)
            .count()
    }

    /// How long each block took to reach every tab that has it (ms), and
    /// how many tabs that is.
    pub fn reach(&self) -> Vec<(u64, usize)> {
        self.reached
            .values()
            .map(|(at, times)| {
                let last = times.iter().max().copied().unwrap_or(*at);
                (last - at, times.len())
            })
            .collect()
    }
}

impl super::Simulated for Tabs {
    type Input = In;
    fn clock(&mut self) -> &mut u64 {
        &mut self.now
    }
    fn queue(&mut self) -> &mut Queue<(PeerId, In)> {
        &mut self.queue
    }
    fn deliver(&mut self, to: PeerId, input: In) {
        self.input(to, input);
    }
    fn tick(&mut self) {
        let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
        for id in ids {
            self.input(id, In::Tick);
        }
    }
}
