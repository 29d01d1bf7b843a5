//! Proof of authority: authorities seal in turn on the clock's ticks, one
//! away is covered out of turn, a follower cannot seal and says why.

use std::collections::BTreeMap;

use tabcoin_chain::authority::{IN_TURN, OUT_OF_TURN};
use tabcoin_chain::spec::{Consensus, Spec};
use tabcoin_chain::{Height, Store};

use super::*;
use crate::{Keys, Sealing};

/// A network sealed by wallets 1..=n, a block every 2 s, 5 coins to the
/// sealer, 1000 allocated to wallet 1.
fn office(n: u8) -> Params {
    let spec = Spec {
        name: "office".into(),
        created: tabcoin_chain::GENESIS_TIMESTAMP,
        consensus: Consensus::ProofOfAuthority {
            authorities: (1..=n).map(|i| wallet(i).address()).collect(),
            block_time_ms: 2_000,
        },
        mining_reward: Amount(5),
        starting_balance: Amount(0),
        allocations: BTreeMap::from([(wallet(1).address(), Amount(1_000))]),
    };
    Params::from_spec(&spec).unwrap_or_else(|e| panic!("{e}"))
}

/// Who sealed each block of node `id`'s best chain, and at what weight.
fn sealers(net: &mut Net, id: PeerId) -> Vec<(u32, u32)> {
    let store = net.node(id).store();
    store
        .main_chain()
        .skip(1)
        .map(|b| (b.seal.map_or(u32::MAX, |s| s.by), b.header.bits))
        .collect()
}

#[test]
fn two_authorities_take_turns_and_a_follower_cannot_seal_but_is_paid() {
    let mut net = Net::on(office(2), 3);
    assert_eq!(
        net.node(3).sealing(),
        Some(Sealing::NotAnAuthority { authorities: 2 })
    );
    assert!(acts(net.handle(3, Event::MiningToggled)).is_empty());
    assert_eq!(
        net.told(3).last(),
        Some(&Notice::CannotSeal { authorities: 2 })
    );
    assert!(!net.node(3).is_mining());
    for id in [1, 2] {
        // Sealing starts no miner.
        let effects = net.handle(id, Event::MiningToggled);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Mine(_))));
        net.pump();
    }
    net.tick(4_000);
    assert_eq!(net.send(1, 3, 300, 1), Ok(()));
    net.tick(16_000);
    // A block every 2 s, each node's in turn after the first.
    let chain = sealers(&mut net, 3);
    assert!(chain.len() >= 9, "{chain:?}");
    for (i, (by, bits)) in chain.iter().enumerate().skip(1) {
        let height = i as u32 + 1;
        assert_eq!((*by, *bits), (height % 2, IN_TURN), "{chain:?}");
    }
    let tips: Vec<_> = (1..=3).map(|id| net.node(id).store().tip().hash).collect();
    assert!(tips.iter().all(|t| *t == tips[0]), "{tips:?}");
    assert_eq!(net.node(3).balance(), Amount(300));
    assert!(
        net.told(1)
            .iter()
            .any(|n| matches!(n, Notice::Sealed { .. }))
    );
    assert!(
        !net.told(3)
            .iter()
            .any(|n| matches!(n, Notice::Sealed { .. }))
    );
}

#[test]
fn an_authority_away_is_covered_out_of_turn() {
    // Three authorities; the third never seals.
    let mut net = Net::on(office(3), 3);
    for id in [1, 2] {
        net.handle(id, Event::MiningToggled);
        net.pump();
    }
    net.tick(30_000);
    let chain = sealers(&mut net, 3);
    assert!(chain.len() >= 8, "{chain:?}");
    // The two take turns (neither may seal twice in a row), each block of
    // the weight its height gives its sealer.
    for (i, (by, bits)) in chain.iter().enumerate() {
        let height = i as u64 + 1;
        assert!(*by < 2, "{chain:?}");
        assert_ne!(Some(by), chain.get(i + 1).map(|(b, _)| b), "{chain:?}");
        let expected = if height % 3 == u64::from(*by) {
            IN_TURN
        } else {
            OUT_OF_TURN
        };
        assert_eq!(*bits, expected, "height {height}: {chain:?}");
    }
    assert!(
        chain.iter().any(|(_, bits)| *bits == OUT_OF_TURN),
        "{chain:?}"
    );
    assert_eq!(net.nodes[2].store().tip(), net.nodes[0].store().tip());
}

#[test]
fn a_locked_authority_seals_once_unlocked() {
    let mut node = Node::new(Store::new(office(1)), Keys::Locked(wallet(1).address()));
    let mut now = GENESIS_TIMESTAMP.plus_ms(60_000);
    assert_eq!(node.sealing(), Some(Sealing::Locked));
    node.handle(Event::MiningToggled, now);
    now = now.plus_ms(5_000);
    node.handle(Event::Tick, now);
    assert_eq!(node.store().height(), Height(0));
    node.handle(Event::KeysChanged(Keys::Unlocked(wallet(1))), now);
    assert!(matches!(
        node.sealing(),
        Some(Sealing::Due {
            in_turn: true,
            by: 0,
            ..
        })
    ));
    let effects = node.handle(Event::Tick, now);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Broadcast(crate::Message::Block { .. })))
    );
    assert_eq!(node.store().height(), Height(1));
    // Too soon for the next: the block time after the parent.
    node.handle(Event::Tick, now.plus_ms(1_000));
    assert_eq!(node.store().height(), Height(1));
    node.handle(Event::Tick, now.plus_ms(2_000));
    assert_eq!(node.store().height(), Height(2));
}

#[test]
fn a_mined_network_has_no_sealing() {
    let node = Node::new(Store::new(P), wallet(1));
    assert_eq!(node.sealing(), None);
}

/// Proof of authority needs no headers-first to heal: an authority may not
/// seal twice within `⌊n/2⌋ + 1` blocks, so a side holding fewer than that
/// many authorities stalls within as many blocks, and at most one side of
/// a partition grows. Five authorities split three and two for longer than
/// the fork window: the two seal at most two blocks, the three seal on,
/// and when the link is back every node is on the three's chain.
#[test]
fn a_partitioned_authority_network_heals_on_the_side_that_could_seal() {
    // The line 1 – 2 – 3 – 4 – 5, cut between 3 and 4.
    let mut net = Net::on(office(5), 0);
    net.links = Some((1..5).map(|i| (i, i + 1)).collect());
    for _ in 0..5 {
        net.join();
    }
    net.cut(3, 4);
    for id in 1..=5 {
        net.handle(id, Event::MiningToggled);
        net.pump();
    }
    // The three seal past the fork window (slower than one block time: the
    // two are out of turn twice in five).
    let window = office(5).max_fork_depth;
    for _ in 0..100 {
        if net.node(1).store().height().0 > window + 10 {
            break;
        }
        net.tick(10_000);
    }
    let (majority, minority) = (net.node(1).store().height(), net.node(5).store().height());
    assert!(
        majority.0 > window + 10,
        "the three sealed on: {majority:?}"
    );
    assert!(minority.0 <= 2, "the two stalled: {minority:?}");
    net.link(3, 4);
    net.tick(10_000);
    let tip = net.node(1).store().tip().hash;
    for id in 1..=5 {
        assert_eq!(net.node(id).store().tip().hash, tip, "node {id}");
    }
}
