//! The mesh policy on a simulated network: 200 tabs join over a minute,
//! links take 20–200 ms to set up and 5 % of offers are lost, 40 tabs leave
//! and 40 others join, one tab is banned by everyone. Seeded, so every run
//! is the same.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

use tabcoin_mesh::gossip::Send;
use tabcoin_mesh::{Action, Config, Gossip, Input, Mesh, PeerId};

const C: Config = Config::DEFAULT;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Net {
    rng: Rng,
    now: u64,
    tabs: BTreeMap<PeerId, Mesh>,
    /// (time, sequence) → (to, input).
    queue: Queue<(PeerId, Input)>,
    seq: u64,
    /// Every dial made: (from, to, at).
    dials: Vec<(PeerId, PeerId, u64)>,
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

impl Net {
    fn new(seed: u64) -> Net {
        Net {
            rng: Rng(seed),
            now: 0,
            tabs: BTreeMap::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            dials: Vec::new(),
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

    fn latency(&mut self) -> u64 {
        20 + self.rng.below(180)
    }

    fn sample(&mut self, n: usize, except: PeerId) -> Vec<PeerId> {
        let all: Vec<PeerId> = self.tabs.keys().copied().filter(|p| *p != except).collect();
        (0..n.min(all.len()))
            .map(|_| all[self.rng.below(all.len() as u64) as usize])
            .collect()
    }

    /// Tabs 1..=200 join, one every 300 ms (a minute in all), then a minute
    /// passes; with `check`, the degree bounds are checked after each join
    /// and at the end.
    fn two_hundred_settle(&mut self, check: bool) {
        for id in 1..=200u64 {
            self.join(id);
            self.run(self.now + 300);
            if check {
                self.check_degrees();
            }
        }
        self.run(self.now + 60_000);
        if check {
            self.check_degrees();
        }
    }

    fn join(&mut self, id: PeerId) {
        let sample = self.sample(10, id);
        self.tabs.insert(id, Mesh::new(id, C, id.wrapping_mul(31)));
        let d = self.latency();
        self.at(d, id, Input::Present(sample));
        let others: Vec<PeerId> = self.tabs.keys().copied().filter(|p| *p != id).collect();
        for other in others {
            let d = self.latency();
            self.at(d, other, Input::Joined(id));
        }
    }

    fn leave(&mut self, id: PeerId) {
        self.tabs.remove(&id);
        let others: Vec<PeerId> = self.tabs.keys().copied().collect();
        for other in others {
            let d = self.latency();
            self.at(d, other, Input::Left(id));
            // Its links' channels close too.
            if self.tabs[&other].links().contains_key(&id) {
                self.at(d, other, Input::Closed(id));
            }
        }
    }

    fn deliver(&mut self, to: PeerId, input: Input) {
        let Some(mesh) = self.tabs.get_mut(&to) else {
            return;
        };
        let actions = mesh.handle(input, self.now);
        for action in actions {
            let d = self.latency();
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
    fn run(&mut self, until: u64) {
        while self.now < until {
            let next_tick = (self.now / 1_000 + 1) * 1_000;
            while let Some(Reverse((t, ..))) = self.queue.peek() {
                if *t > next_tick {
                    break;
                }
                let Some(Reverse((t, _, Unordered((to, input))))) = self.queue.pop() else {
                    break;
                };
                self.now = t;
                self.deliver(to, input);
            }
            self.now = next_tick;
            let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
            for id in ids {
                self.deliver(id, Input::Tick);
            }
        }
    }

    /// Open links both ends agree on.
    fn edges(&self) -> BTreeMap<PeerId, BTreeSet<PeerId>> {
        let mut edges: BTreeMap<PeerId, BTreeSet<PeerId>> = BTreeMap::new();
        for (id, mesh) in &self.tabs {
            for n in mesh.neighbours() {
                let mutual = self
                    .tabs
                    .get(&n)
                    .is_some_and(|m| m.neighbours().any(|x| x == *id));
                if mutual {
                    edges.entry(*id).or_default().insert(n);
                }
            }
        }
        edges
    }

    fn connected(&self) -> bool {
        let edges = self.edges();
        let Some(start) = self.tabs.keys().next().copied() else {
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
        seen.len() == self.tabs.len()
    }

    fn check_degrees(&self) {
        for (id, mesh) in &self.tabs {
            assert!(
                mesh.links().len() <= C.d_hi,
                "tab {id} holds {} links at {}",
                mesh.links().len(),
                self.now
            );
        }
    }
}

#[test]
fn two_hundred_tabs_keep_a_bounded_connected_mesh_through_churn_and_a_ban() {
    let mut net = Net::new(42);
    net.two_hundred_settle(true);
    assert!(net.connected(), "connected after the joins");
    let low = net.tabs.values().filter(|m| m.degree() < C.d_lo).count();
    assert!(low <= 2, "{low} tabs below {} neighbours", C.d_lo);
    let mutual: usize = net.edges().values().map(BTreeSet::len).sum();
    let claimed: usize = net.tabs.values().map(Mesh::degree).sum();
    assert!(
        mutual * 100 >= claimed * 98,
        "links agreed at both ends: {mutual} of {claimed}"
    );
    let n = net.tabs.len();
    assert!(
        net.tabs.values().all(|m| m.degree() < n - 1),
        "nobody is linked to all"
    );

    // 40 leave, 40 others join.
    for id in 1..=40u64 {
        net.leave(id * 5);
        net.join(1_000 + id);
        net.run(net.now + 500);
        net.check_degrees();
    }
    net.run(net.now + 90_000);
    assert!(net.connected(), "connected after the churn");
    let low = net.tabs.values().filter(|m| m.degree() < C.d_lo).count();
    assert!(
        low <= 2,
        "{low} tabs below {} neighbours after the churn",
        C.d_lo
    );

    // Everyone bans tab 7: its links close and nobody dials it again.
    let before = net.edges().get(&7).map_or(0, BTreeSet::len);
    assert!(before > 0, "tab 7 had neighbours");
    let banned_at = net.now;
    let until = banned_at + 10 * 60_000;
    let ids: Vec<PeerId> = net.tabs.keys().copied().filter(|p| *p != 7).collect();
    for id in ids {
        net.deliver(id, Input::Banned { peer: 7, until });
    }
    net.run(net.now + 120_000);
    assert!(
        !net.dials
            .iter()
            .any(|(_, to, at)| *to == 7 && *at >= banned_at),
        "a banned tab was dialled"
    );
    assert!(
        net.tabs
            .iter()
            .filter(|(id, _)| **id != 7)
            .all(|(_, m)| !m.neighbours().any(|p| p == 7)),
        "a banned tab is still a neighbour"
    );
    // The rest stay connected without it.
    net.tabs.remove(&7);
    assert!(net.connected(), "connected without the banned tab");
}

/// A message between gossiping tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Msg {
    Announce(Vec<u32>),
    Fetch(u32),
    Body(u32),
}

/// Tabs gossiping block ids over fixed links.
struct GossipNet {
    rng: Rng,
    now: u64,
    seq: u64,
    tabs: BTreeMap<PeerId, Gossip<u32>>,
    /// (from, to, message).
    queue: Queue<(PeerId, PeerId, Msg)>,
    /// Bodies received, by (tab, block).
    bodies: BTreeMap<(PeerId, u32), u32>,
}

impl GossipNet {
    fn send(&mut self, from: PeerId, to: PeerId, msg: Msg) {
        self.seq += 1;
        let at = self.now + 20 + self.rng.below(180);
        self.queue
            .push(Reverse((at, self.seq, Unordered((from, to, msg)))));
    }

    fn out(&mut self, from: PeerId, sends: Vec<Send<u32>>) {
        for s in sends {
            match s {
                Send::Announce { to, ids } => self.send(from, to, Msg::Announce(ids)),
                // 5 % of fetches are lost.
                Send::Fetch { to, id } if self.rng.below(100) >= 5 => {
                    self.send(from, to, Msg::Fetch(id));
                }
                Send::Fetch { .. } | Send::Failed { .. } => {}
            }
        }
    }

    /// Delivers what is due by `until`, then every tab ticks.
    fn run(&mut self, until: u64) {
        while let Some(Reverse((t, ..))) = self.queue.peek() {
            if *t > until {
                break;
            }
            let Some(Reverse((t, _, Unordered((from, to, msg))))) = self.queue.pop() else {
                break;
            };
            self.now = t;
            let now = self.now;
            let Some(g) = self.tabs.get_mut(&to) else {
                continue;
            };
            let sends = match msg {
                Msg::Announce(ids) => g.announced(from, &ids, now),
                Msg::Fetch(id) => {
                    if g.has(&id) {
                        self.send(to, from, Msg::Body(id));
                    }
                    Vec::new()
                }
                Msg::Body(id) => {
                    *self.bodies.entry((to, id)).or_default() += 1;
                    g.got(id, Some(from))
                }
            };
            self.out(to, sends);
        }
        self.now = until;
        let ids: Vec<PeerId> = self.tabs.keys().copied().collect();
        for id in ids {
            let sends = self
                .tabs
                .get_mut(&id)
                .map(|g| g.tick(until))
                .unwrap_or_default();
            self.out(id, sends);
        }
    }
}

/// Over the mesh 200 tabs settle into, 20 blocks mined by random tabs
/// spread by gossip with 20–200 ms links and 5 % of fetches lost: every
/// block reaches every tab, and each tab receives each body about once.
#[test]
fn gossip_brings_every_block_to_every_tab_about_once() {
    let mut net = Net::new(7);
    net.two_hundred_settle(false);
    let mut g = GossipNet {
        rng: Rng(99),
        now: 0,
        seq: 0,
        tabs: BTreeMap::new(),
        queue: BinaryHeap::new(),
        bodies: BTreeMap::new(),
    };
    for (id, neighbours) in net.edges() {
        let tab = g.tabs.entry(id).or_default();
        for n in neighbours {
            tab.neighbour(n);
        }
    }
    let tabs: Vec<PeerId> = g.tabs.keys().copied().collect();
    for block in 0..20u32 {
        let miner = tabs[g.rng.below(tabs.len() as u64) as usize];
        let sends = g
            .tabs
            .get_mut(&miner)
            .map(|t| t.got(block, None))
            .unwrap_or_default();
        g.out(miner, sends);
        // A block every 500 ms.
        let until = g.now + 500;
        g.run(until);
    }
    for _ in 0..40 {
        let until = g.now + 500;
        g.run(until);
    }
    for (id, tab) in &g.tabs {
        for block in 0..20u32 {
            assert!(tab.has(&block), "tab {id} lacks block {block}");
        }
    }
    let received: u32 = g.bodies.values().sum();
    let needed = (tabs.len() as u32 - 1) * 20;
    assert!(received >= needed);
    assert!(
        received * 100 <= needed * 105,
        "{received} bodies for {needed} needed: about once each"
    );
    assert!(
        g.bodies.values().all(|n| *n <= 2),
        "no tab got a body three times"
    );
}
