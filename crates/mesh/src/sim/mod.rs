//! Seeded simulated networks: messages take 20–200 ms, 5 % of offers and
//! (unless set) of fetches are lost, time is a number; every run with the
//! same seed is the same.
//!
//! - [`tabs::Tabs`] runs the composition that ships ([`crate::Room`]: links,
//!   handshakes, gossip, paths, renames) in every tab, with a simulated
//!   relay and simulated WebRTC links; `cargo xtask bench mesh`
//!   (`examples/mesh_sim.rs`, 1,000 tabs) and the room tests use it.
//! - [`Net`] runs the link policy ([`Mesh`]) alone, for its properties
//!   under churn and bans (`tests/simulation.rs`) and the node's partition
//!   test.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

use crate::{Action, Config, Input, Mesh, PeerId};

pub use crate::SplitMix64 as Rng;

pub mod tabs;

/// A one-way delay between two tabs: 20–200 ms.
pub fn latency(rng: &mut Rng) -> u64 {
    20 + rng.below(180)
}

/// Events due: (time, sequence number, event), earliest first.
type Queue<T> = BinaryHeap<Reverse<(u64, u64, Unordered<T>)>>;

/// A value the event queues order by nothing (they order by time and
/// sequence number first, which are unique).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unordered<T>(T);

impl<T: Eq> PartialOrd for Unordered<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Eq> Ord for Unordered<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// Tabs running the mesh policy; the relay's part (samples, joins and
/// leaves) and the links' setting up are simulated.
pub struct Net {
    /// The network's randomness.
    pub rng: Rng,
    /// Now (ms).
    pub now: u64,
    /// Every tab's mesh.
    pub tabs: BTreeMap<PeerId, Mesh>,
    /// Every dial made: (from, to, at).
    pub dials: Vec<(PeerId, PeerId, u64)>,
    config: Config,
    queue: Queue<(PeerId, Input)>,
    seq: u64,
}

impl Net {
    /// No tabs yet; tabs use [`Config::DEFAULT`].
    pub fn new(seed: u64) -> Net {
        Net {
            rng: Rng(seed),
            now: 0,
            tabs: BTreeMap::new(),
            dials: Vec::new(),
            config: Config::DEFAULT,
            queue: BinaryHeap::new(),
            seq: 0,
        }
    }

    fn at(&mut self, delay: u64, to: PeerId, input: Input) {
        self.seq += 1;
        self.queue.push(Reverse((
            self.now + delay,
            self.seq,
            Unordered((to, input)),
        )));
    }

    fn sample(&mut self, n: usize, except: PeerId) -> Vec<PeerId> {
        let all: Vec<PeerId> = self.tabs.keys().copied().filter(|p| *p != except).collect();
        (0..n.min(all.len()))
            .map(|_| all[self.rng.below(all.len() as u64) as usize])
            .collect()
    }

    /// Tabs `1..=n` join, one every `every_ms`, then a minute passes;
    /// `after_each` runs after each join (to check something).
    pub fn settle(&mut self, n: u64, every_ms: u64, mut after_each: impl FnMut(&Net)) {
        for id in 1..=n {
            self.join(id);
            self.run(self.now + every_ms);
            after_each(self);
        }
        self.run(self.now + 60_000);
    }

    /// Tab `id` joins: the relay welcomes it with a sample of 10 tabs and
    /// tells the others.
    pub fn join(&mut self, id: PeerId) {
        let sample = self.sample(10, id);
        self.tabs
            .insert(id, Mesh::new(id, self.config, id.wrapping_mul(31)));
        let d = latency(&mut self.rng);
        self.at(d, id, Input::Present(sample));
        let others: Vec<PeerId> = self.tabs.keys().copied().filter(|p| *p != id).collect();
        for other in others {
            let d = latency(&mut self.rng);
            self.at(d, other, Input::Joined(id));
        }
    }

    /// Tab `id` leaves: the others hear it, its links close.
    pub fn leave(&mut self, id: PeerId) {
        self.tabs.remove(&id);
        let others: Vec<PeerId> = self.tabs.keys().copied().collect();
        for other in others {
            let d = latency(&mut self.rng);
            self.at(d, other, Input::Left(id));
            if self.tabs[&other].links().contains_key(&id) {
                self.at(d, other, Input::Closed(id));
            }
        }
    }

    /// Tab `to` handles `input` now; what it wants done is simulated.
    pub fn deliver(&mut self, to: PeerId, input: Input) {
        let Some(mesh) = self.tabs.get_mut(&to) else {
            return;
        };
        let actions = mesh.handle(input, self.now);
        for action in actions {
            let d = latency(&mut self.rng);
            match action {
                Action::Dial(p) => {
                    self.dials.push((to, p, self.now));
                    // 5 % of offers are lost: the dial times out.
                    if self.rng.below(100) >= 5 {
                        self.at(d, p, Input::Offer(to));
                    }
                }
                Action::Accept(p) => {
                    self.at(d, p, Input::Opened(to));
                    self.at(d, to, Input::Opened(p));
                }
                Action::Refuse(p) | Action::Close(p) => self.at(d, p, Input::Closed(to)),
                Action::AskSample => {
                    let sample = self.sample(10, to);
                    self.at(d, to, Input::Present(sample));
                }
            }
        }
    }

    /// Runs until `until`, every tab ticking once a second.
    pub fn run(&mut self, until: u64) {
        run(self, until);
    }

    /// Open links both ends agree on.
    pub fn edges(&self) -> BTreeMap<PeerId, BTreeSet<PeerId>> {
        mutual(
            self.tabs
                .iter()
                .map(|(id, mesh)| (*id, mesh.neighbours().collect()))
                .collect(),
        )
    }

    /// Whether every tab reaches every other over agreed links.
    pub fn connected(&self) -> bool {
        let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
        connects(&ids, &self.edges())
    }
}

/// A simulated network: a clock, a queue of inputs due, tabs to hand them
/// to and to tick.
trait Simulated {
    /// What a tab is told.
    type Input: Eq;
    /// Now (ms).
    fn clock(&mut self) -> &mut u64;
    /// What is due, when.
    fn queue(&mut self) -> &mut Queue<(PeerId, Self::Input)>;
    /// Tab `to` handles `input` now.
    fn deliver(&mut self, to: PeerId, input: Self::Input);
    /// Every tab ticks now.
    fn tick(&mut self);
}

/// Runs `net` until `until`: what is due, in order, and every tab ticking
/// once a second.
fn run<S: Simulated>(net: &mut S, until: u64) {
    while *net.clock() < until {
        let next_tick = (*net.clock() / 1_000 + 1) * 1_000;
        while let Some(Reverse((t, ..))) = net.queue().peek() {
            if *t > next_tick {
                break;
            }
            let Some(Reverse((t, _, Unordered((to, input))))) = net.queue().pop() else {
                break;
            };
            *net.clock() = t;
            net.deliver(to, input);
        }
        *net.clock() = next_tick;
        net.tick();
    }
}

impl Simulated for Net {
    type Input = Input;
    fn clock(&mut self) -> &mut u64 {
        &mut self.now
    }
    fn queue(&mut self) -> &mut Queue<(PeerId, Input)> {
        &mut self.queue
    }
    fn deliver(&mut self, to: PeerId, input: Input) {
        Net::deliver(self, to, input);
    }
    fn tick(&mut self) {
        let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
        for id in ids {
            Net::deliver(self, id, Input::Tick);
        }
    }
}

/// The links both ends list, from each tab's own list of neighbours.
pub fn mutual(lists: BTreeMap<PeerId, Vec<PeerId>>) -> BTreeMap<PeerId, BTreeSet<PeerId>> {
    let mut edges: BTreeMap<PeerId, BTreeSet<PeerId>> = BTreeMap::new();
    for (id, neighbours) in &lists {
        for n in neighbours {
            if lists.get(n).is_some_and(|back| back.contains(id)) {
                edges.entry(*id).or_default().insert(*n);
            }
        }
    }
    edges
}

/// Whether `edges` join every one of `tabs` to every other.
pub fn connects(tabs: &[PeerId], edges: &BTreeMap<PeerId, BTreeSet<PeerId>>) -> bool {
    let Some(start) = tabs.first().copied() else {
        return true;
    };
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(p) = queue.pop_front() {
        for n in edges.get(&p).into_iter().flatten() {
            if seen.insert(*n) {
                queue.push_back(*n);
            }
        }
    }
    seen.len() == tabs.len()
}
