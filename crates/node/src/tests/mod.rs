//! Node tests: several nodes wired to each other in memory, as through the
//! relay, with the clock as a number.

mod bodies;
mod gossip;
mod hostile;
mod mining;
mod sealing;
mod sends;
mod storage;
mod sync;
mod verify;

use std::collections::VecDeque;

use tabcoin_chain::{
    Amount, Block, GENESIS_TIMESTAMP, Params, Salt, Store, Timestamp, TxId, Wallet, pow,
};
use tabcoin_protocol::PeerId;

use crate::testkit::P;
use crate::{Effect, Event, MinerReport, Node, Notice, SendError};

fn wallet(seed: u8) -> Wallet {
    crate::testkit::wallet(seed)
}

fn salt(n: u8) -> Salt {
    Salt([n; 16])
}

/// The id of node `sender`'s transaction made with `salt(n)`.
fn id(sender: u8, n: u8) -> TxId {
    TxId::for_sender(&wallet(sender).address(), &salt(n))
}

/// The effects without the notices (what the node asks the shell to do).
fn acts(effects: Vec<Effect>) -> Vec<Effect> {
    effects
        .into_iter()
        .filter(|e| !matches!(e, Effect::Notify(_)))
        .collect()
}

/// The notices among the effects.
fn notices(effects: &[Effect]) -> Vec<Notice> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// `msg` from `from`, as the shell reports it.
fn from(from: PeerId, msg: crate::Message) -> Event {
    Event::Message { from, msg }
}

/// Nodes with ids 1..=n, every one reaching every other (as through the
/// relay), the messages between them in flight, and what each was told.
struct Net {
    /// The network every node is on.
    params: Params,
    nodes: Vec<Node>,
    told: Vec<Vec<Notice>>,
    queue: VecDeque<(PeerId, Event)>,
    now: Timestamp,
    /// Direct links, if not everyone reaches everyone: broadcasts and
    /// relays then travel only along them.
    links: Option<Vec<(PeerId, PeerId)>>,
    /// Messages delivered, by kind (`"block"`, `"transaction"`, ...).
    delivered: std::collections::BTreeMap<&'static str, usize>,
    /// Requests for blocks delivered, by the node asked.
    asked_for_blocks: std::collections::BTreeMap<PeerId, usize>,
}

impl Net {
    fn new(n: usize) -> Net {
        Net::on(P, n)
    }

    /// `n` nodes on the network of `params`.
    fn on(params: Params, n: usize) -> Net {
        let mut net = Net {
            params,
            nodes: Vec::new(),
            told: Vec::new(),
            queue: VecDeque::new(),
            now: GENESIS_TIMESTAMP.plus_ms(1_000_000),
            links: None,
            delivered: Default::default(),
            asked_for_blocks: Default::default(),
        };
        for _ in 0..n {
            net.join();
        }
        net
    }

    /// Adds a node the way the relay does: it is connected to everyone,
    /// the others learn it joined.
    fn join(&mut self) -> PeerId {
        self.join_with(Store::new(self.params.clone()))
    }

    /// Adds a node on `store` the way the relay does.
    fn join_with(&mut self, store: Store) -> PeerId {
        let id = self.nodes.len() as PeerId + 1;
        self.nodes.push(Node::new(store, wallet(id as u8)));
        self.told.push(Vec::new());
        let peers: Vec<PeerId> = (1..id).collect();
        for p in &peers {
            self.queue.push_back((*p, Event::PeerJoined(id)));
        }
        self.queue.push_back((id, Event::Connected { peers }));
        self.pump();
        id
    }

    /// Nodes 1..=n linked in a line, 1 – 2 – … – n: only neighbours hear
    /// each other's broadcasts.
    fn line(n: usize) -> Net {
        let mut net = Net::new(0);
        net.links = Some((1..n as PeerId).map(|i| (i, i + 1)).collect());
        for _ in 0..n {
            net.join();
        }
        net
    }

    /// The link `a` – `b` is cut: each stops hearing the other.
    fn cut(&mut self, a: PeerId, b: PeerId) {
        if let Some(links) = &mut self.links {
            links.retain(|l| *l != (a, b) && *l != (b, a));
        }
        self.queue.push_back((a, Event::PeerLeft(b)));
        self.queue.push_back((b, Event::PeerLeft(a)));
        self.pump();
    }

    /// A direct link `a` – `b` opens.
    fn link(&mut self, a: PeerId, b: PeerId) {
        if let Some(links) = &mut self.links {
            links.push((a, b));
        }
        self.queue.push_back((a, Event::Linked(b)));
        self.queue.push_back((b, Event::Linked(a)));
        self.pump();
    }

    /// Who `id` reaches with a broadcast.
    fn neighbours(&self, id: PeerId) -> Vec<PeerId> {
        match &self.links {
            None => (1..=self.nodes.len() as PeerId)
                .filter(|p| *p != id)
                .collect(),
            Some(links) => links
                .iter()
                .filter_map(|&(a, b)| match id {
                    _ if a == id => Some(b),
                    _ if b == id => Some(a),
                    _ => None,
                })
                .filter(|p| *p as usize <= self.nodes.len())
                .collect(),
        }
    }

    fn node(&mut self, id: PeerId) -> &mut Node {
        &mut self.nodes[id as usize - 1]
    }

    /// What node `id` was told so far.
    fn told(&self, id: PeerId) -> &[Notice] {
        &self.told[id as usize - 1]
    }

    /// Node `id` handles `event` now; its messages are queued, its notices
    /// kept; returns the other effects.
    fn handle(&mut self, id: PeerId, event: Event) -> Vec<Effect> {
        let now = self.now;
        let effects = self.node(id).handle(event, now);
        self.told[id as usize - 1].extend(notices(&effects));
        let mut rest = Vec::new();
        for e in effects {
            match e {
                Effect::Broadcast(msg) => {
                    for to in self.neighbours(id) {
                        self.queue.push_back((to, from(id, msg.clone())));
                    }
                }
                Effect::Relay { from: sender, msg } if self.links.is_some() => {
                    for to in self.neighbours(id) {
                        if to != sender {
                            self.queue.push_back((to, from(id, msg.clone())));
                        }
                    }
                }
                Effect::Send { to, msg } => self.queue.push_back((to, from(id, msg))),
                Effect::Notify(_) => {}
                other => rest.push(other),
            }
        }
        rest
    }

    fn pump(&mut self) {
        while let Some((to, event)) = self.queue.pop_front() {
            if let Event::Message { msg, .. } = &event {
                let kind = match msg {
                    crate::Message::Block { .. } => "block",
                    crate::Message::Transaction { .. } => "transaction",
                    crate::Message::GetBlocks { .. } => {
                        *self.asked_for_blocks.entry(to).or_default() += 1;
                        "other"
                    }
                    _ => "other",
                };
                *self.delivered.entry(kind).or_default() += 1;
            }
            self.handle(to, event);
        }
    }

    /// `ms` pass in steps of a second, every node told each tick.
    fn tick(&mut self, ms: u64) {
        for _ in 0..ms.div_ceil(1_000) {
            self.now = self.now.plus_ms(1_000);
            for id in 1..=self.nodes.len() as PeerId {
                self.handle(id, Event::Tick);
            }
            self.pump();
        }
    }

    /// Node `id` mines one block: start, the miner's search, Found, stop.
    fn mine(&mut self, id: PeerId) -> Block {
        self.now = self.now.plus_ms(P.mine_rate_ms);
        let effects = self.handle(id, Event::MiningToggled);
        let Some(Effect::Mine(job)) = effects.first().cloned() else {
            panic!("starting to mine must start the miners, got {effects:?}");
        };
        let nonce = pow::search(&job.template.header, 0..u64::MAX).unwrap_or_default();
        let report = MinerReport::Found {
            job: job.id,
            nonce,
            tried: nonce + 1,
        };
        self.handle(id, Event::Miner { worker: 0, report });
        self.handle(id, Event::MiningToggled);
        self.pump();
        self.node(id).store().tip().clone()
    }

    /// Node `sender` sends `amount` to node `to`'s wallet.
    fn send(
        &mut self,
        sender: PeerId,
        to: PeerId,
        amount: u64,
        tx_id: u8,
    ) -> Result<(), SendError> {
        let event = Event::Send {
            to: wallet(to as u8).address(),
            amount: Amount(amount),
            salt: salt(tx_id),
        };
        let refused = self
            .handle(sender, event)
            .into_iter()
            .find_map(|e| match e {
                Effect::SendRefused(e) => Some(e),
                _ => None,
            });
        self.pump();
        refused.map_or(Ok(()), Err)
    }
}
