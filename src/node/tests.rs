//! Node tests: several nodes wired through an in-memory relay.

use std::collections::VecDeque;

use tabcoin_chain::{GENESIS_TIMESTAMP, Params, pow};

use super::*;

const P: Params = Params::TEST;

fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("seed {seed} is valid"))
}

fn id(n: u8) -> TxId {
    TxId::from_random([n; 16])
}

/// Nodes with ids 1..=n, every one reaching every other (as through the
/// relay), and the messages between them in flight.
struct Net {
    nodes: Vec<Node>,
    queue: VecDeque<(PeerId, Event)>,
    now: Timestamp,
}

impl Net {
    fn new(n: usize) -> Net {
        let mut net = Net {
            nodes: Vec::new(),
            queue: VecDeque::new(),
            now: GENESIS_TIMESTAMP.plus_ms(1_000_000),
        };
        for _ in 0..n {
            net.join();
        }
        net
    }

    /// Adds a node the way the relay does: it is connected to everyone,
    /// the others learn it joined.
    fn join(&mut self) -> PeerId {
        let id = self.nodes.len() as PeerId + 1;
        self.nodes.push(Node::new(Store::new(P), wallet(id as u8)));
        let peers: Vec<PeerId> = (1..id).collect();
        for p in &peers {
            self.queue.push_back((*p, Event::PeerJoined(id)));
        }
        self.queue.push_back((id, Event::Connected { peers }));
        self.pump();
        id
    }

    fn node(&mut self, id: PeerId) -> &mut Node {
        &mut self.nodes[id as usize - 1]
    }

    fn apply(&mut self, id: PeerId, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Broadcast(msg) => {
                    for to in 1..=self.nodes.len() as PeerId {
                        if to != id {
                            let msg = msg.clone();
                            self.queue.push_back((to, Event::Message { from: id, msg }));
                        }
                    }
                }
                Effect::Send { to, msg } => {
                    self.queue.push_back((to, Event::Message { from: id, msg }));
                }
                _ => {}
            }
        }
    }

    fn pump(&mut self) {
        while let Some((to, event)) = self.queue.pop_front() {
            let now = self.now;
            let effects = self.node(to).handle(event, now);
            self.apply(to, effects);
        }
    }

    /// Node `id` mines one block: start, the worker's search, Found, stop.
    fn mine(&mut self, id: PeerId) -> Block {
        self.now = self.now.plus_ms(P.mine_rate_ms);
        let now = self.now;
        let effects = self.node(id).handle(Event::MiningToggled, now);
        let Some(Effect::Mine(job)) = effects.first().cloned() else {
            panic!("starting to mine must start the worker, got {effects:?}");
        };
        let nonce = pow::search(&job.template.header, 0..u64::MAX).unwrap_or_default();
        let found = FromWorker::Found {
            job: job.id,
            nonce,
            tried: nonce + 1,
        };
        let effects = self.node(id).handle(
            Event::Worker {
                index: 0,
                event: found,
            },
            now,
        );
        self.apply(id, effects);
        self.node(id).handle(Event::MiningToggled, now);
        self.pump();
        self.node(id).store.tip().clone()
    }

    fn send(&mut self, from: PeerId, to: PeerId, amount: u64, tx_id: u8) -> Result<(), SendError> {
        let to = wallet(to as u8).address();
        let now = self.now;
        let effects = self.node(from).send(to, Amount(amount), id(tx_id), now)?;
        self.apply(from, effects);
        self.pump();
        Ok(())
    }
}

#[test]
fn connecting_learns_the_peers_and_says_hello() {
    let mut n = Node::new(Store::new(P), wallet(1));
    let effects = n.handle(Event::Connected { peers: vec![1, 2] }, Timestamp(0));
    assert_eq!(n.peers.len(), 2);
    assert!(matches!(
        &effects[..],
        [Effect::Broadcast(Message::Hello {
            height: Height(0),
            ..
        })]
    ));
}

#[test]
fn a_mined_block_reaches_every_other_tab_and_pays_its_miner() {
    let mut net = Net::new(3);
    let b = net.mine(1);
    assert_eq!(b.data.len(), 1, "a reward");
    for id in 1..=3 {
        assert_eq!(net.node(id).store.height(), Height(1), "node {id}");
        let addr = wallet(1).address();
        assert_eq!(
            net.node(id).store.ledger().balance(&addr),
            Amount(1050),
            "node {id}"
        );
    }
    assert_eq!(net.node(1).mined_here, 1);
    net.mine(2);
    assert!(net.nodes.iter().all(|n| n.store.height() == Height(2)));
}

#[test]
fn a_send_reaches_every_pool_and_the_next_block_confirms_it() {
    let mut net = Net::new(3);
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    for id in 1..=3 {
        assert_eq!(net.node(id).pool.len(), 1, "node {id}");
    }
    assert_eq!(net.node(1).pending_balance(), Amount(970));
    // A second send merges into the pending transaction.
    net.send(1, 3, 20, 2).unwrap_or_else(|e| panic!("{e}"));
    for id in 1..=3 {
        let pending = net
            .node(id)
            .pool
            .get(&wallet(1).address())
            .cloned()
            .unwrap_or_else(|| panic!("pending"));
        assert_eq!(pending.id, id_of(1), "node {id}: same transaction");
        assert_eq!(pending.outputs.len(), 3);
    }
    let block = net.mine(3);
    assert_eq!(block.data.len(), 2, "reward + the merged transaction");
    for id in 1..=3 {
        let ledger = net.node(id).store.ledger().clone();
        assert_eq!(
            ledger.balance(&wallet(1).address()),
            Amount(950),
            "node {id}"
        );
        assert_eq!(
            ledger.balance(&wallet(2).address()),
            Amount(1030),
            "node {id}"
        );
        assert_eq!(
            ledger.balance(&wallet(3).address()),
            Amount(1070),
            "node {id}"
        );
        assert!(net.node(id).pool.is_empty(), "node {id}");
    }
}

fn id_of(n: u8) -> TxId {
    id(n)
}

#[test]
fn sending_more_than_the_balance_changes_nothing() {
    let mut net = Net::new(2);
    let err = net.send(1, 2, 5000, 1);
    assert_eq!(
        err,
        Err(SendError::Tx(TxError::InsufficientFunds {
            balance: Amount(1000),
            requested: Amount(5000)
        }))
    );
    assert!(net.nodes.iter().all(|n| n.pool.is_empty()));
}

#[test]
fn a_late_tab_catches_up_in_batches_and_gets_the_pool() {
    let mut net = Net::new(1);
    let n = MAX_BLOCKS_PER_BATCH + 30;
    for _ in 0..n {
        net.mine(1);
    }
    net.send(1, 5, 10, 1).unwrap_or_else(|e| panic!("{e}"));
    let late = net.join();
    let (late, first) = (&net.nodes[late as usize - 1], &net.nodes[0]);
    assert_eq!(late.store.height(), Height(n as u64));
    assert_eq!(late.store.tip().hash, first.store.tip().hash);
    assert_eq!(late.sync, SyncState::Ready);
    assert_eq!(late.pool.len(), 1, "the pool snapshot arrived");
}

#[test]
fn hello_from_a_peer_with_less_work_is_answered_directly() {
    let mut net = Net::new(1);
    net.mine(1);
    let fresh = Node::new(Store::new(P), wallet(9));
    let hello = fresh.hello();
    let effects = net.node(1).handle(
        Event::Message {
            from: 9,
            msg: hello,
        },
        Timestamp(0),
    );
    assert!(matches!(
        &effects[..],
        [Effect::Send {
            to: 9,
            msg: Message::Hello {
                height: Height(1),
                ..
            }
        }]
    ));
}

#[test]
fn hello_from_another_network_is_ignored() {
    let mut n = Node::new(Store::new(P), wallet(1));
    let other = Node::new(Store::new(Params::DEMO), wallet(2)).hello();
    assert!(
        n.handle(
            Event::Message {
                from: 2,
                msg: other
            },
            Timestamp(0)
        )
        .is_empty()
    );
}

#[test]
fn a_forged_block_is_rejected_and_its_sender_ignored() {
    let mut net = Net::new(1);
    let real = net.mine(1);
    // Valid work over a header whose reward pays too much.
    let mut txs = real.data.clone();
    txs[0].outputs.insert(wallet(1).address(), Amount(5000));
    let mut header = real.header;
    header.tx_root = tabcoin_chain::tx_root(&txs);
    header.nonce = pow::search(&header, 0..u64::MAX).unwrap_or_default();
    let forged = Block::new(header, txs);
    let mut victim = Node::new(Store::new(P), wallet(2));
    let deliver = |msg| Event::Message { from: 1, msg };
    let effects = victim.handle(deliver(Message::Block { block: forged }), net.now);
    assert!(effects.is_empty());
    assert_eq!(victim.store.height(), Height(0));
    assert!(victim.banned.contains(&1));
    assert!(
        victim
            .log
            .back()
            .is_some_and(|l| l.warn && l.text.contains("reward")),
        "{:?}",
        victim.log
    );
    // Even the real block is now ignored when that peer sends it…
    assert!(
        victim
            .handle(
                deliver(Message::Block {
                    block: real.clone()
                }),
                net.now
            )
            .is_empty()
    );
    assert_eq!(victim.store.height(), Height(0));
    // …and accepted from an honest one.
    let honest = Event::Message {
        from: 2,
        msg: Message::Block { block: real },
    };
    victim.handle(honest, net.now);
    assert_eq!(victim.store.height(), Height(1));
}

#[test]
fn a_tampered_copy_gets_its_sender_ignored_but_does_not_lose_the_real_block() {
    let mut net = Net::new(1);
    let real = net.mine(1);
    let mut tampered = real.clone();
    tampered.data[0]
        .outputs
        .insert(wallet(66).address(), Amount(1));
    let mut victim = Node::new(Store::new(P), wallet(2));
    let from = |peer, block| Event::Message {
        from: peer,
        msg: Message::Block { block },
    };
    victim.handle(from(3, tampered), net.now);
    assert!(victim.banned.contains(&3), "honest tabs never alter blocks");
    victim.handle(from(1, real), net.now);
    assert_eq!(victim.store.height(), Height(1));
}

#[test]
fn an_orphan_from_another_peer_does_not_take_over_the_sync() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let tip = net.nodes[0].store.tip().clone();
    let mut fresh = Node::new(Store::new(P), wallet(9));
    let hello = net.nodes[0].hello();
    fresh.handle(
        Event::Message {
            from: 1,
            msg: hello,
        },
        net.now,
    );
    assert!(matches!(fresh.sync, SyncState::Syncing { peer: 1, .. }));
    let orphan = Event::Message {
        from: 7,
        msg: Message::Block { block: tip },
    };
    assert!(fresh.handle(orphan, net.now).is_empty());
    assert!(matches!(fresh.sync, SyncState::Syncing { peer: 1, .. }));
}

#[test]
fn a_block_with_unknown_parent_asks_the_sender_for_the_gap() {
    let mut net = Net::new(1);
    net.mine(1);
    let tip = net.mine(1);
    let mut behind = Node::new(Store::new(P), wallet(2));
    let effects = behind.handle(
        Event::Message {
            from: 1,
            msg: Message::Block { block: tip },
        },
        net.now,
    );
    assert!(matches!(
        &effects[..],
        [Effect::Send {
            to: 1,
            msg: Message::GetBlocks { .. }
        }]
    ));
}

#[test]
fn a_stale_worker_answer_is_ignored_and_a_new_tip_restarts_mining() {
    let mut net = Net::new(2);
    let now = net.now;
    let first = net.node(2).handle(Event::MiningToggled, now);
    let Some(Effect::Mine(old)) = first.first().cloned() else {
        panic!("no job")
    };
    net.mine(1); // node 2 learns a new tip while mining
    let current = net
        .node(2)
        .job
        .clone()
        .unwrap_or_else(|| panic!("still mining, on a fresh template"));
    assert_ne!(current.id, old.id);
    assert_eq!(
        current.template.header.prev_hash,
        net.nodes[0].store.tip().hash
    );
    let stale = FromWorker::Found {
        job: old.id,
        nonce: 0,
        tried: 1,
    };
    assert!(
        net.node(2)
            .handle(
                Event::Worker {
                    index: 0,
                    event: stale
                },
                now
            )
            .is_empty()
    );
    assert_eq!(net.node(2).store.height(), Height(1));
}

#[test]
fn stopping_mining_stops_the_worker() {
    let mut n = Node::new(Store::new(P), wallet(1));
    n.handle(Event::MiningToggled, Timestamp(0));
    assert!(n.job.is_some());
    assert_eq!(
        n.handle(Event::MiningToggled, Timestamp(0)),
        vec![Effect::StopMining]
    );
    assert!(n.job.is_none());
}

#[test]
fn losing_the_connection_clears_peers() {
    let mut net = Net::new(2);
    let now = net.now;
    net.node(1).handle(Event::Disconnected, now);
    assert!(net.node(1).peers.is_empty());
}

#[test]
fn a_payload_that_is_not_a_message_is_noted_and_changes_nothing() {
    let mut net = Net::new(2);
    let now = net.now;
    let error = tabcoin_protocol::DecodeError::Malformed("not a message".into());
    let effects = net
        .node(1)
        .handle(Event::Undecodable { from: 2, error }, now);
    assert!(effects.is_empty());
    assert!(net.node(1).log.back().is_some_and(|l| l.warn));
    assert_eq!(net.node(1).peers.len(), 1);
}

#[test]
fn a_stalled_sync_peer_is_replaced_by_another_with_more_work() {
    let mut net = Net::new(2);
    for _ in 0..3 {
        net.mine(1);
    }
    // Peer 2 has the same chain as peer 1; a fresh node hears both hellos.
    let mut fresh = Node::new(Store::new(P), wallet(9));
    let now = net.now;
    let hello1 = net.nodes[0].hello();
    let hello2 = net.nodes[1].hello();
    let first = fresh.handle(
        Event::Message {
            from: 1,
            msg: hello1,
        },
        now,
    );
    assert!(matches!(
        &first[..],
        [Effect::Send {
            to: 1,
            msg: Message::GetBlocks { .. }
        }]
    ));
    let second = fresh.handle(
        Event::Message {
            from: 2,
            msg: hello2,
        },
        now,
    );
    assert!(second.is_empty(), "one download at a time");
    // Peer 1 never answers: after the stall delay the node asks peer 2.
    assert!(
        fresh
            .handle(Event::Tick, now.plus_ms(SYNC_STALL_MS))
            .is_empty()
    );
    let switched = fresh.handle(Event::Tick, now.plus_ms(SYNC_STALL_MS + 1));
    assert!(matches!(
        &switched[..],
        [Effect::Send {
            to: 2,
            msg: Message::GetBlocks { .. }
        }]
    ));
    assert!(matches!(fresh.sync, SyncState::Syncing { peer: 2, .. }));
    // Peer 2 leaves too: nobody else has more work, the node stops waiting.
    assert!(fresh.handle(Event::PeerLeft(2), now).is_empty());
    assert_eq!(fresh.sync, SyncState::Ready);
}

#[test]
fn mining_pauses_while_syncing_and_resumes_when_in_step() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let mut n = Node::new(Store::new(P), wallet(9));
    let now = net.now;
    assert!(matches!(
        n.handle(Event::MiningToggled, now)[..],
        [Effect::Mine(_)]
    ));
    // A peer with more work: the download starts and mining stops.
    let hello = net.nodes[0].hello();
    let effects = n.handle(
        Event::Message {
            from: 1,
            msg: hello,
        },
        now,
    );
    assert_eq!(effects.first(), Some(&Effect::StopMining));
    assert!(n.job.is_none() && n.mining, "paused, not switched off");
    // The blocks arrive: in step again, mining resumes on the new tip.
    let blocks = net.nodes[0].store.blocks_after(&n.store.locator(), 100);
    let msg = Message::Blocks {
        blocks,
        more: false,
    };
    let effects = n.handle(Event::Message { from: 1, msg }, now);
    let job = effects.iter().find_map(|e| match e {
        Effect::Mine(job) => Some(job.clone()),
        _ => None,
    });
    assert_eq!(
        job.map(|j| j.template.header.prev_hash),
        Some(net.nodes[0].store.tip().hash)
    );
    assert_eq!(n.sync, SyncState::Ready);
}

#[test]
fn each_worker_reports_its_own_rate_and_the_total_adds_up() {
    let t = tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(1_000_000);
    let mut n = Node::new(Store::new(P), wallet(1));
    n.handle(Event::WorkersSet(3), t);
    let effects = n.handle(Event::MiningToggled, t);
    let Some(Effect::Mine(job)) = effects.first().cloned() else {
        panic!("a job")
    };
    for (index, tried) in [(0, 1000), (1, 2000), (2, 3000)] {
        let event = FromWorker::Progress {
            job: job.id,
            tried,
            elapsed_ms: 1000.0,
        };
        n.handle(Event::Worker { index, event }, t);
    }
    assert_eq!(n.worker_rates, vec![1000.0, 2000.0, 3000.0]);
    assert_eq!(n.hash_rate(), 6000.0);
    assert_eq!(n.tried(), 6000);
    // Changing the number of workers restarts the job for the new set.
    let effects = n.handle(Event::WorkersSet(2), t);
    assert!(matches!(effects[..], [Effect::Mine(_)]));
    assert_eq!(n.worker_rates.len(), 2);
}

#[test]
fn arriving_coins_raise_a_toast_that_goes_away() {
    let mut net = Net::new(2);
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    net.mine(1);
    let toasts: Vec<String> = net.nodes[1].toasts.iter().map(|t| t.text.clone()).collect();
    assert_eq!(toasts, vec!["Received 30 coins in block 1".to_owned()]);
    let mine: Vec<String> = net.nodes[0].toasts.iter().map(|t| t.text.clone()).collect();
    assert_eq!(
        mine,
        vec!["Received 50 mining reward in block 1".to_owned()],
        "the change is not news"
    );
    let later = net.now.plus_ms(TOAST_MS);
    net.node(2).handle(Event::Tick, later);
    assert!(net.nodes[1].toasts.is_empty());
}

#[test]
fn switching_accounts_moves_balances_and_rewards_to_the_new_wallet() {
    let mut net = Net::new(1);
    let now = net.now;
    let first = net.node(1).handle(Event::MiningToggled, now);
    assert!(matches!(first[..], [Effect::Mine(_)]));
    let effects = net.node(1).switch_wallet(wallet(42), now);
    let Some(Effect::Mine(job)) = effects.first().cloned() else {
        panic!("a fresh job for the new wallet")
    };
    assert_eq!(
        job.template.txs[0].outputs.keys().next(),
        Some(&wallet(42).address())
    );
    assert_eq!(net.nodes[0].balance(), P.starting_balance);
    assert!(
        net.node(1).switch_wallet(wallet(42), now).is_empty(),
        "same wallet: nothing to do"
    );
}

#[test]
fn a_stored_chain_is_adopted_only_if_it_has_more_work() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let blocks: Vec<Block> = net.nodes[0].store.main_chain().cloned().collect();
    let stored = Store::from_blocks(P, blocks.clone(), net.now).unwrap_or_else(|e| panic!("{e}"));
    let mut fresh = Node::new(Store::new(P), wallet(5));
    let effects = fresh.adopt_store(stored, net.now);
    assert_eq!(fresh.store.height(), Height(3));
    assert!(effects.contains(&Effect::SaveChain));
    let shorter =
        Store::from_blocks(P, blocks[..2].to_vec(), net.now).unwrap_or_else(|e| panic!("{e}"));
    assert!(fresh.adopt_store(shorter, net.now).is_empty());
    assert_eq!(fresh.store.height(), Height(3));
}

#[test]
fn a_miners_rewards_gather_into_one_toast() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let toasts: Vec<String> = net.nodes[0].toasts.iter().map(|t| t.text.clone()).collect();
    assert_eq!(
        toasts,
        vec!["Received 150 mining reward in blocks 1–3".to_owned()]
    );
}

#[test]
fn a_batch_with_a_refused_block_ends_that_download_instead_of_looping() {
    let mut net = Net::new(1);
    net.mine(1);
    let mut n = Node::new(Store::new(P), wallet(8));
    let hello = net.nodes[0].hello();
    n.handle(
        Event::Message {
            from: 1,
            msg: hello,
        },
        net.now,
    );
    assert!(matches!(n.sync, SyncState::Syncing { peer: 1, .. }));
    // The peer's block is ahead of this node's (slow) clock: refused, but
    // proves nothing bad about the peer.
    let blocks = net.nodes[0].store.blocks_after(&n.store.locator(), 10);
    let slow_clock = Timestamp(blocks[0].header.timestamp.0 - P.max_future_ms - 1);
    let msg = Message::Blocks { blocks, more: true };
    let effects = n.handle(Event::Message { from: 1, msg }, slow_clock);
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Send {
                to: 1,
                msg: Message::GetBlocks { .. }
            }
        )),
        "no second request for the same batch: {effects:?}"
    );
    assert_eq!(n.sync, SyncState::Ready);
    assert!(!n.banned.contains(&1));
}
