//! Node tests: several nodes wired through an in-memory relay.

use std::collections::VecDeque;

use tabcoin_chain::{Params, pow};

use super::*;

const P: Params = Params::TEST;
const NOW: u64 = tabcoin_chain::block::GENESIS_TIMESTAMP + 1_000_000;

/// Nodes with relay ids 1..=n and an in-memory relay between them.
struct Net {
    nodes: Vec<Node>,
    queue: VecDeque<(PeerId, RelayFrame)>,
    now: u64,
}

impl Net {
    fn new(n: usize) -> Net {
        let mut net = Net {
            nodes: Vec::new(),
            queue: VecDeque::new(),
            now: NOW,
        };
        for _ in 0..n {
            net.join();
        }
        net
    }

    /// Adds a node the way the relay does: Welcome to it, PeerJoined to others.
    fn join(&mut self) -> PeerId {
        let id = self.nodes.len() as PeerId + 1;
        self.nodes
            .push(Node::new(Chain::new(P), format!("tab{id}")));
        let peers: Vec<PeerId> = (1..id).collect();
        for p in &peers {
            self.queue
                .push_back((*p, RelayFrame::PeerJoined { peer: id }));
        }
        self.queue
            .push_back((id, RelayFrame::Welcome { you: id, peers }));
        self.pump();
        id
    }

    fn node(&mut self, id: PeerId) -> &mut Node {
        &mut self.nodes[id as usize - 1]
    }

    fn apply(&mut self, id: PeerId, effects: Vec<Effect>) {
        for e in effects {
            if let Effect::Send(frame) = e {
                match frame {
                    ClientFrame::Broadcast { msg } => {
                        for to in 1..=self.nodes.len() as PeerId {
                            if to != id {
                                self.queue.push_back((
                                    to,
                                    RelayFrame::Deliver {
                                        from: id,
                                        msg: msg.clone(),
                                    },
                                ));
                            }
                        }
                    }
                    ClientFrame::Direct { to, msg } => {
                        self.queue
                            .push_back((to, RelayFrame::Deliver { from: id, msg }));
                    }
                }
            }
        }
    }

    fn pump(&mut self) {
        while let Some((to, frame)) = self.queue.pop_front() {
            let now = self.now;
            let effects = self.node(to).handle(Event::Frame(frame), now);
            self.apply(to, effects);
        }
    }

    /// Node `id` mines one block: click, the worker's search, Found.
    fn mine(&mut self, id: PeerId) {
        self.now += 1000;
        let now = self.now;
        let effects = self.node(id).handle(Event::MineClicked, now);
        let Some(Effect::Mine(job)) = effects.first().cloned() else {
            panic!("MineClicked must start the worker, got {effects:?}");
        };
        let nonce = pow::search(&job.header, 0..u64::MAX).unwrap_or_default();
        let found = FromWorker::Found {
            job: job.id,
            nonce,
            tried: nonce + 1,
        };
        let effects = self.node(id).handle(Event::Worker(found), now);
        self.apply(id, effects);
        self.pump();
    }
}

#[test]
fn welcome_puts_the_node_online_and_says_hello() {
    let mut n = Node::new(Chain::new(P), "t".into());
    let effects = n.handle(
        Event::Frame(RelayFrame::Welcome {
            you: 5,
            peers: vec![1, 2],
        }),
        NOW,
    );
    assert_eq!(n.conn, Conn::Online);
    assert_eq!(n.me, Some(5));
    assert_eq!(n.peers.len(), 2);
    assert!(matches!(
        &effects[..],
        [Effect::Send(ClientFrame::Broadcast {
            msg: Message::Hello { height: 0, .. }
        })]
    ));
}

#[test]
fn a_mined_block_reaches_every_other_tab() {
    let mut net = Net::new(3);
    net.mine(1);
    for id in 1..=3 {
        assert_eq!(net.node(id).chain.height(), 1, "node {id}");
    }
    assert_eq!(net.node(1).mined_here, 1);
    assert_eq!(net.node(1).job, None);
    net.mine(2);
    assert!(net.nodes.iter().all(|n| n.chain.height() == 2));
}

#[test]
fn a_late_tab_catches_up_in_batches() {
    let mut net = Net::new(1);
    let n = MAX_BLOCKS_PER_BATCH + 50;
    for _ in 0..n {
        net.mine(1);
    }
    let late = net.join();
    assert_eq!(net.node(late).chain.height(), n as u64);
    assert_eq!(
        net.nodes[late as usize - 1].chain.tip().hash,
        net.nodes[0].chain.tip().hash
    );
    assert_eq!(net.node(late).sync, SyncState::Ready);
}

#[test]
fn hello_from_a_peer_with_less_work_is_answered_directly() {
    let mut net = Net::new(1);
    net.mine(1);
    let mut fresh = Node::new(Chain::new(P), "f".into());
    let hello = fresh.hello();
    let effects = net.node(1).handle(
        Event::Frame(RelayFrame::Deliver {
            from: 9,
            msg: hello.clone(),
        }),
        NOW,
    );
    assert!(matches!(
        &effects[..],
        [Effect::Send(ClientFrame::Direct {
            to: 9,
            msg: Message::Hello { height: 1, .. }
        })]
    ));
    // Equal work: nothing to say.
    assert!(
        fresh
            .handle(
                Event::Frame(RelayFrame::Deliver {
                    from: 9,
                    msg: hello
                }),
                NOW
            )
            .is_empty()
    );
}

#[test]
fn hello_from_another_network_is_ignored() {
    let mut n = Node::new(Chain::new(P), "t".into());
    let other = Node::new(Chain::new(Params::DEMO), "o".into()).hello();
    assert!(
        n.handle(
            Event::Frame(RelayFrame::Deliver {
                from: 2,
                msg: other
            }),
            NOW
        )
        .is_empty()
    );
}

#[test]
fn a_forged_block_is_rejected_and_the_node_keeps_its_chain() {
    let mut net = Net::new(2);
    net.mine(1);
    let mut forged = net.node(1).chain.tip().clone();
    forged.data[0] = "mined by mallory".into();
    let mut victim = Node::new(Chain::new(P), "v".into());
    let effects = victim.handle(
        Event::Frame(RelayFrame::Deliver {
            from: 1,
            msg: Message::Block { block: forged },
        }),
        NOW + 5000,
    );
    assert!(effects.is_empty());
    assert_eq!(victim.chain.height(), 0);
    assert!(
        victim
            .log
            .back()
            .is_some_and(|l| l.warn && l.text.contains("data root"))
    );
}

#[test]
fn a_block_with_unknown_parent_asks_the_sender_for_the_gap() {
    let mut net = Net::new(1);
    net.mine(1);
    net.mine(1);
    let tip = net.node(1).chain.tip().clone();
    let mut behind = Node::new(Chain::new(P), "b".into());
    let effects = behind.handle(
        Event::Frame(RelayFrame::Deliver {
            from: 1,
            msg: Message::Block { block: tip },
        }),
        net.now,
    );
    assert!(matches!(
        &effects[..],
        [Effect::Send(ClientFrame::Direct {
            to: 1,
            msg: Message::GetBlocks { .. }
        })]
    ));
}

#[test]
fn a_stale_worker_answer_is_ignored_and_a_new_tip_restarts_mining() {
    let mut net = Net::new(2);
    let now = net.now;
    let first = net.node(2).handle(Event::MineClicked, now);
    let Some(Effect::Mine(old)) = first.first().cloned() else {
        panic!("no job")
    };
    net.mine(1); // node 2 learns a new tip while mining
    let current = net
        .node(2)
        .job
        .clone()
        .expect("still mining, on a fresh template");
    assert_ne!(current.id, old.id);
    assert_eq!(current.header.prev_hash, net.nodes[0].chain.tip().hash);
    let stale = FromWorker::Found {
        job: old.id,
        nonce: 0,
        tried: 1,
    };
    assert!(net.node(2).handle(Event::Worker(stale), now).is_empty());
    assert_eq!(net.node(2).chain.height(), 1);
}

#[test]
fn losing_the_relay_clears_peers() {
    let mut net = Net::new(2);
    let now = net.now;
    net.node(1).handle(Event::RelayClosed, now);
    assert_eq!(net.node(1).conn, Conn::Offline);
    assert!(net.node(1).peers.is_empty());
}
