//! Real nodes on the mesh a simulated network settles into: 200 tabs link
//! under the mesh policy (`tabcoin_mesh::sim`), then every message between
//! nodes takes 20–200 ms along those links. The network splits in two, each
//! half mines its own chain, a few links join the halves again, and every
//! node ends on the chain with the most work. Seeded: every run is the same.
#![cfg(not(target_arch = "wasm32"))]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use tabcoin_chain::pow::search;
use tabcoin_chain::{BlockHash, GENESIS_TIMESTAMP, Params, Store, Timestamp, Wallet};
use tabcoin_mesh::PeerId;
use tabcoin_mesh::sim::{self, Rng};
use tabcoin_node::{Effect, Event, MinerReport, Node};

const P: Params = Params::TEST;
const TABS: u64 = 200;

fn wallet(id: PeerId) -> Wallet {
    let mut secret = [7u8; 32];
    secret[..8].copy_from_slice(&id.to_be_bytes());
    Wallet::from_secret(secret).unwrap_or_else(|_| panic!("valid seed"))
}

/// Nodes exchanging messages along links, each message 20–200 ms late.
struct Nodes {
    rng: Rng,
    now: u64,
    seq: u64,
    nodes: BTreeMap<PeerId, Node>,
    links: BTreeSet<(PeerId, PeerId)>,
    queue: BinaryHeap<Reverse<(u64, u64, PeerId, usize)>>,
    /// Events in flight, by slot (the queue orders by time only).
    events: Vec<Option<Event>>,
}

impl Nodes {
    fn linked(&self, a: PeerId, b: PeerId) -> bool {
        self.links.contains(&(a.min(b), a.max(b)))
    }

    fn neighbours(&self, id: PeerId) -> Vec<PeerId> {
        self.links
            .iter()
            .filter_map(|&(a, b)| match id {
                _ if a == id => Some(b),
                _ if b == id => Some(a),
                _ => None,
            })
            .collect()
    }

    fn post(&mut self, to: PeerId, event: Event) {
        self.seq += 1;
        let at = self.now + sim::latency(&mut self.rng);
        self.events.push(Some(event));
        self.queue
            .push(Reverse((at, self.seq, to, self.events.len() - 1)));
    }

    fn handle(&mut self, id: PeerId, event: Event) {
        let now = Timestamp(GENESIS_TIMESTAMP.0 + self.now);
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        for effect in node.handle(event, now) {
            match effect {
                Effect::Broadcast(msg) => {
                    for to in self.neighbours(id) {
                        self.post(
                            to,
                            Event::Message {
                                from: id,
                                msg: msg.clone(),
                            },
                        );
                    }
                }
                Effect::Relay { from, msg } => {
                    for to in self.neighbours(id) {
                        if to != from {
                            self.post(
                                to,
                                Event::Message {
                                    from: id,
                                    msg: msg.clone(),
                                },
                            );
                        }
                    }
                }
                Effect::Send { to, msg } if self.linked(id, to) => {
                    self.post(to, Event::Message { from: id, msg });
                }
                _ => {}
            }
        }
    }

    /// Delivers everything in flight (and what it causes).
    fn settle(&mut self) {
        while let Some(Reverse((at, _, to, slot))) = self.queue.pop() {
            self.now = self.now.max(at);
            if let Some(event) = self.events[slot].take() {
                self.handle(to, event);
            }
        }
        self.events.clear();
    }

    /// Opens the link `a` – `b`: each node hears of it.
    fn link(&mut self, a: PeerId, b: PeerId) {
        self.links.insert((a.min(b), a.max(b)));
        self.handle(a, Event::Linked(b));
        self.handle(b, Event::Linked(a));
    }

    /// Cuts the link `a` – `b`.
    fn cut(&mut self, a: PeerId, b: PeerId) {
        self.links.remove(&(a.min(b), a.max(b)));
        self.handle(a, Event::PeerLeft(b));
        self.handle(b, Event::PeerLeft(a));
    }

    /// Node `id` mines one block, a block interval after the last.
    fn mine(&mut self, id: PeerId) -> BlockHash {
        self.now += P.mine_rate_ms;
        let now = Timestamp(GENESIS_TIMESTAMP.0 + self.now);
        let node = self
            .nodes
            .get_mut(&id)
            .unwrap_or_else(|| panic!("node {id}"));
        let effects = node.handle(Event::MiningToggled, now);
        let job = effects.iter().find_map(|e| match e {
            Effect::Mine(job) => Some(job.clone()),
            _ => None,
        });
        let Some(job) = job else {
            panic!("node {id} did not start mining: {effects:?}");
        };
        let nonce = search(&job.template.header, 0..u64::MAX).unwrap_or_default();
        let report = MinerReport::Found {
            job: job.id,
            nonce,
            tried: nonce + 1,
        };
        self.handle(id, Event::Miner { worker: 0, report });
        self.handle(id, Event::MiningToggled);
        self.settle();
        self.nodes[&id].store().tip().hash
    }

    fn tips(&self, ids: impl Iterator<Item = PeerId>) -> BTreeSet<BlockHash> {
        ids.map(|id| self.nodes[&id].store().tip().hash).collect()
    }
}

#[test]
fn after_a_partition_heals_every_node_ends_on_the_most_work_chain() {
    let mut mesh = sim::Net::new(11);
    mesh.settle(TABS, 100, |_| {});
    assert!(mesh.connected());
    let mut net = Nodes {
        rng: Rng(3),
        now: 1_000_000,
        seq: 0,
        nodes: (1..=TABS)
            .map(|id| (id, Node::new(Store::new(P), wallet(id))))
            .collect(),
        links: BTreeSet::new(),
        queue: BinaryHeap::new(),
        events: Vec::new(),
    };
    for id in 1..=TABS {
        net.handle(id, Event::Connected { peers: Vec::new() });
    }
    for (a, ns) in mesh.edges() {
        for b in ns.into_iter().filter(|b| a < *b) {
            net.link(a, b);
        }
    }
    net.settle();
    let first = net.mine(1);
    assert_eq!(net.tips(1..=TABS), BTreeSet::from([first]), "one network");

    // Split: tabs 1–100 and 101–200 lose every link between them.
    let half = |id: PeerId| id <= TABS / 2;
    let crossing: Vec<(PeerId, PeerId)> = net
        .links
        .iter()
        .copied()
        .filter(|&(a, b)| half(a) != half(b))
        .collect();
    assert!(crossing.len() > 10, "the halves were well linked");
    for &(a, b) in &crossing {
        net.cut(a, b);
    }
    net.settle();
    // The left half mines 2 blocks, the right half 4 (more work).
    for miner in [3, 50] {
        net.mine(miner);
    }
    for miner in [120, 150, 180, 199] {
        net.mine(miner);
    }
    let work = |net: &Nodes, id: PeerId| net.nodes[&id].store().total_work();
    let best = net.nodes[&199].store().tip().hash;
    assert!(work(&net, 199) > work(&net, 50));
    assert_ne!(net.tips([50, 199].into_iter()).len(), 1, "two chains");

    // Three links join the halves again: every node ends on the right
    // half's chain.
    for &(a, b) in crossing.iter().take(3) {
        net.link(a, b);
    }
    net.settle();
    let tips = net.tips(1..=TABS);
    assert_eq!(
        tips,
        BTreeSet::from([best]),
        "every node on the most-work tip"
    );
    // And it goes on as one network.
    let next = net.mine(7);
    assert_eq!(net.tips(1..=TABS), BTreeSet::from([next]));
}
