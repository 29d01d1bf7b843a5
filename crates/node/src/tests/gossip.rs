//! Peers coming and going, new blocks and transactions spreading, and
//! peers that send invalid data.

use tabcoin_chain::{Amount, Block, Height, Store, Timestamp, TxError};
use tabcoin_protocol::DecodeError;

use super::*;
use crate::{Message, Misbehaviour};

#[test]
fn connecting_learns_the_peers_and_says_hello() {
    let mut n = Node::new(Store::new(P), wallet(1));
    let effects = n.handle(Event::Connected { peers: vec![1, 2] }, Timestamp(0));
    assert_eq!(n.peers().len(), 2);
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
        assert_eq!(net.node(id).store().height(), Height(1), "node {id}");
        let addr = wallet(1).address();
        assert_eq!(
            net.node(id).store().ledger().balance(&addr),
            Amount(1050),
            "node {id}"
        );
    }
    assert_eq!(net.node(1).mined_here(), 1);
    assert!(net.told(1).contains(&Notice::Mined {
        height: Height(1),
        hash: b.hash
    }));
    assert!(net.told(2).contains(&Notice::BlocksReceived {
        peer: 1,
        count: 1,
        height: Height(1)
    }));
    net.mine(2);
    assert!(net.nodes.iter().all(|n| n.store().height() == Height(2)));
}

#[test]
fn over_a_line_of_links_blocks_and_transactions_are_passed_on_once_each_way() {
    let mut net = Net::line(5);
    let b = net.mine(1);
    for id in 1..=5 {
        assert_eq!(net.node(id).store().tip().hash, b.hash, "node {id}");
    }
    // Four links, the block crosses each once: nothing echoes back.
    assert_eq!(net.delivered.get("block"), Some(&4));
    net.send(5, 1, 10, 1).unwrap_or_else(|e| panic!("{e}"));
    for id in 1..=5 {
        assert_eq!(net.node(id).pool().len(), 1, "node {id}");
    }
    assert_eq!(net.delivered.get("transaction"), Some(&4));
    let confirm = net.mine(3);
    assert_eq!(confirm.data.len(), 2);
    for id in 1..=5 {
        assert_eq!(net.node(id).store().tip().hash, confirm.hash, "node {id}");
        assert!(net.node(id).pool().is_empty(), "node {id}");
    }
}

#[test]
fn after_a_partition_heals_every_node_converges_on_the_most_work_tip() {
    let mut net = Net::line(6);
    net.mine(1);
    // 1 – 2 – 3 | 4 – 5 – 6: each half mines on its own.
    net.cut(3, 4);
    net.send(1, 2, 40, 1).unwrap_or_else(|e| panic!("{e}"));
    let left = net.mine(2);
    for id in [4, 5, 6] {
        net.mine(id);
    }
    let right = net.node(6).store().tip().clone();
    for id in 1..=3 {
        assert_eq!(net.node(id).store().tip().hash, left.hash, "node {id}");
    }
    for id in 4..=6 {
        assert_eq!(net.node(id).store().tip().hash, right.hash, "node {id}");
    }
    let work = |net: &mut Net, id| net.node(id).store().total_work();
    assert!(
        work(&mut net, 6) > work(&mut net, 1),
        "the right half did more work"
    );

    // A new link across the cut: the two ends tell each other their tips,
    // the left half downloads the right half's chain and passes it on.
    net.link(2, 5);
    for id in 1..=6 {
        assert_eq!(net.node(id).store().tip().hash, right.hash, "node {id}");
    }
    // The payment confirmed only on the abandoned branch is pending again
    // where it was known, and the next block confirms it everywhere.
    assert_eq!(net.node(2).pool().len(), 1);
    let next = net.mine(2);
    assert_eq!(next.data.len(), 2, "reward + the payment");
    for id in 1..=6 {
        assert_eq!(net.node(id).store().tip().hash, next.hash, "node {id}");
        assert_eq!(
            net.node(id).store().ledger().balance(&wallet(2).address()),
            Amount(1090),
            "node {id}"
        );
    }
}

#[test]
fn a_new_link_tells_the_peer_where_this_node_stands() {
    let mut n = Node::new(Store::new(P), wallet(1));
    let effects = n.handle(Event::Linked(4), Timestamp(0));
    assert!(n.peers().contains(4));
    assert!(matches!(
        &effects[..],
        [Effect::Send {
            to: 4,
            msg: Message::Hello { .. }
        }]
    ));
}

#[test]
fn a_block_or_transaction_already_known_is_not_passed_on() {
    let mut n = Node::new(Store::new(P), wallet(1));
    n.handle(Event::Connected { peers: vec![2, 3] }, Timestamp(0));
    let mut other = Store::new(P);
    crate::testkit::extend(&mut other, 1, 2);
    let block = other.tip().clone();
    let now = GENESIS_TIMESTAMP.plus_ms(P.mine_rate_ms);
    let relayed = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Relay { .. }))
            .count()
    };
    let first = n.handle(
        from(
            2,
            Message::Block {
                block: block.clone(),
            },
        ),
        now,
    );
    assert!(first.contains(&Effect::Relay {
        from: 2,
        msg: Message::Block {
            block: block.clone()
        }
    }));
    let again = n.handle(from(3, Message::Block { block }), now);
    assert_eq!(relayed(&again), 0);
}

#[test]
fn a_send_reaches_every_pool_and_the_next_block_confirms_it() {
    let mut net = Net::new(3);
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    for id in 1..=3 {
        assert_eq!(net.node(id).pool().len(), 1, "node {id}");
    }
    assert_eq!(net.node(1).pending_balance(), Amount(970));
    assert!(net.told(1).contains(&Notice::Sent {
        amount: Amount(30),
        to: wallet(2).address()
    }));
    // A second send merges into the pending transaction.
    net.send(1, 3, 20, 2).unwrap_or_else(|e| panic!("{e}"));
    for id in 1..=3 {
        let pending = net
            .node(id)
            .pool()
            .get(&wallet(1).address())
            .cloned()
            .unwrap_or_else(|| panic!("pending"));
        assert_eq!(pending.id, super::id(1, 1), "node {id}: same transaction");
        assert_eq!(pending.outputs.len(), 3);
    }
    let block = net.mine(3);
    assert_eq!(block.data.len(), 2, "reward + the merged transaction");
    for id in 1..=3 {
        let ledger = net.node(id).store().ledger().clone();
        let balance = |seed: u8| ledger.balance(&wallet(seed).address());
        assert_eq!(balance(1), Amount(950), "node {id}");
        assert_eq!(balance(2), Amount(1030), "node {id}");
        assert_eq!(balance(3), Amount(1070), "node {id}");
        assert!(net.node(id).pool().is_empty(), "node {id}");
    }
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
    assert!(net.nodes.iter().all(|n| n.pool().is_empty()));
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
    let effects = victim.handle(from(1, Message::Block { block: forged }), net.now);
    assert!(matches!(
        &acts(effects.clone())[..],
        [Effect::Ban { peer: 1, .. }]
    ));
    assert!(matches!(
        &notices(&effects)[..],
        [Notice::PeerBanned {
            peer: 1,
            minutes: 10,
            why: Misbehaviour::InvalidBlock(_)
        }]
    ));
    assert_eq!(victim.store().height(), Height(0));
    assert!(victim.is_banned(1, net.now));
    // Even the real block is now ignored when that peer sends it…
    let again = from(
        1,
        Message::Block {
            block: real.clone(),
        },
    );
    assert!(victim.handle(again, net.now).is_empty());
    assert_eq!(victim.store().height(), Height(0));
    // …and accepted from an honest one.
    victim.handle(from(2, Message::Block { block: real }), net.now);
    assert_eq!(victim.store().height(), Height(1));
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
    victim.handle(from(3, Message::Block { block: tampered }), net.now);
    assert!(
        victim.is_banned(3, net.now),
        "honest tabs never alter blocks"
    );
    victim.handle(from(1, Message::Block { block: real }), net.now);
    assert_eq!(victim.store().height(), Height(1));
}

#[test]
fn losing_the_connection_clears_peers_and_says_hello_to_whoever_still_hears() {
    let mut net = Net::new(2);
    let now = net.now;
    let effects = net.node(1).handle(Event::Disconnected, now);
    assert!(net.node(1).peers().is_empty());
    assert!(matches!(
        &effects[..],
        [Effect::Broadcast(Message::Hello { .. })]
    ));
}

#[test]
fn a_payload_that_is_not_a_message_is_noted_and_changes_nothing() {
    let mut net = Net::new(2);
    let now = net.now;
    let error = DecodeError::Malformed("not a message".into());
    let event = Event::Undecodable {
        from: 2,
        error: error.clone(),
    };
    let effects = net.node(1).handle(event, now);
    assert_eq!(
        effects,
        vec![Effect::Notify(Notice::MessageIgnored { peer: 2, error })]
    );
    assert_eq!(net.node(1).peers().len(), 1);
}
