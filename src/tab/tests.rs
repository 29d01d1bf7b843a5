//! The tab's state without a browser.

use std::collections::BTreeMap;

use tabcoin_chain::spec::{Consensus, Spec};
use tabcoin_chain::{Amount, Params, Timestamp, Wallet};
use tabcoin_node::{Event, Keys};

use super::*;

fn keys(seed: u8) -> Keys {
    Wallet::from_secret([seed; 32])
        .unwrap_or_else(|_| panic!("seed {seed} is valid"))
        .into()
}

/// A network sealed by one authority.
fn office() -> Params {
    let spec = Spec {
        name: "office".into(),
        created: tabcoin_chain::GENESIS_TIMESTAMP,
        consensus: Consensus::ProofOfAuthority {
            authorities: vec![keys(1).address()],
            block_time_ms: 2_000,
        },
        mining_reward: Amount(5),
        starting_balance: Amount(0),
        allocations: BTreeMap::new(),
    };
    Params::from_spec(&spec).unwrap_or_else(|e| panic!("{e}"))
}

const NOW: Timestamp = tabcoin_chain::GENESIS_TIMESTAMP;

/// Loads network `slot`'s (empty) storage and toggles its mining.
fn start_mining(tab: &mut Tab, slot: NetId) {
    let Some(node) = tab.node_mut(slot) else {
        panic!("slot {slot}");
    };
    let loaded = Event::StorageLoaded {
        chain: Ok(None),
        pool: None,
    };
    drop(node.handle(loaded, NOW));
    drop(node.handle(Event::WorkersSet(1), NOW));
    drop(node.handle(Event::MiningToggled, NOW));
    assert!(node.is_mining(), "slot {slot} mines");
}

#[test]
fn joining_a_network_twice_shows_the_first_node() {
    let mut tab = Tab::new(keys(1));
    assert_eq!(tab.focused().map(|(s, _)| s), None);
    assert_eq!(tab.join(Params::TEST, false), Joined::New(0));
    assert_eq!(tab.focus(), Some(0), "the only network is shown");
    assert_eq!(tab.join(Params::DEMO, false), Joined::New(1));
    assert_eq!(tab.focus(), Some(0), "not asked to show it");
    assert_eq!(tab.join(Params::TEST, true), Joined::Already(0));
    assert_eq!(tab.join(Params::DEMO, true), Joined::Already(1));
    assert_eq!(tab.focus(), Some(1));
    assert_eq!(tab.slots(), vec![0, 1]);
}

#[test]
fn leaving_remembers_the_network_and_shows_another() {
    let mut tab = Tab::new(keys(1));
    tab.join(Params::TEST, false);
    tab.join(Params::DEMO, true);
    assert_eq!(
        tab.leave(1).map(|p| p.network_id()),
        Some(Params::DEMO.network_id())
    );
    assert_eq!(tab.focus(), Some(0), "the other is shown");
    assert_eq!(tab.leave(1), None, "left already");
    assert_eq!(
        tab.not_joined(&Params::ALL).len(),
        1,
        "bench: neither in nor left"
    );
    // Rejoining takes it off the list, in a new slot (slots are not reused).
    let Some(params) = tab.take_left(0) else {
        panic!("demo was left");
    };
    assert_eq!(tab.take_left(0).map(|p| p.name), None);
    assert_eq!(tab.join(params, true), Joined::New(2));
    assert!(tab.left().is_empty());
    assert!(!tab.show(1), "a slot left is not shown");
    assert!(tab.show(0));
    tab.leave(0);
    tab.leave(2);
    assert_eq!(tab.focused().map(|(s, _)| s), None, "in no network");
}

#[test]
fn the_log_names_networks_only_when_there_are_several() {
    let mut tab = Tab::new(keys(1));
    tab.join(Params::TEST, true);
    assert_eq!(tab.log_name(Some(0)), None);
    tab.join(Params::DEMO, false);
    assert_eq!(tab.log_name(Some(0)).as_deref(), Some("test"));
    assert_eq!(tab.log_name(None), None);
    assert_eq!(tab.log_name(Some(9)), None);
}

#[test]
fn starting_to_mine_stops_the_other_proof_of_work_network_but_not_sealing() {
    let mut tab = Tab::new(keys(1));
    tab.join(Params::TEST, true);
    tab.join(office(), false);
    tab.join(Params::DEMO, false);
    start_mining(&mut tab, 0);
    start_mining(&mut tab, 1);
    assert!(tab.show(2));
    assert_eq!(
        tab.mining_toggles(),
        vec![0, 2],
        "test stops first; the office seals on"
    );
    // Stopping (the shown one mines) touches no other.
    start_mining(&mut tab, 2);
    assert_eq!(tab.mining_toggles(), vec![2]);
    // Sealing starts without stopping anyone.
    assert!(tab.show(1));
    assert_eq!(tab.mining_toggles(), vec![1]);
}

#[test]
fn the_miners_obey_the_last_network_that_gave_them_a_job() {
    let mut owner = MinerOwner::default();
    assert_eq!(owner.order(0, false), MinerOrder::Ignore);
    assert_eq!(owner.order(0, true), MinerOrder::Start);
    assert_eq!(owner.order(1, true), MinerOrder::Start);
    assert_eq!(owner.owner(), Some(1));
    assert_eq!(
        owner.order(0, false),
        MinerOrder::Ignore,
        "0 no longer owns them"
    );
    assert_eq!(owner.left(0), MinerOrder::Ignore);
    assert_eq!(owner.left(1), MinerOrder::Stop, "the owner left");
    assert_eq!(owner.owner(), None);
}

#[test]
fn verifier_tags_carry_the_network_and_the_node_tag() {
    for (slot, tag) in [
        (0, 0),
        (1, 7),
        (3, (1 << TAG_BITS) - 1),
        (u32::MAX >> 8, 12_345),
    ] {
        assert_eq!(untagged(tagged(slot, tag)), (slot, tag));
    }
    assert_ne!(tagged(1, 5), tagged(2, 5));
}

#[test]
fn a_new_account_reaches_networks_joined_after() {
    let mut tab = Tab::new(keys(1));
    tab.set_keys(keys(2));
    tab.join(Params::TEST, true);
    let Some((_, node)) = tab.focused() else {
        panic!("shown");
    };
    assert_eq!(node.keys().address(), keys(2).address());
    assert_eq!(tab.keys().address(), keys(2).address());
}
