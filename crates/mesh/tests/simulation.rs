//! The mesh policy on a simulated network: 200 tabs join over a minute,
//! links take 20–200 ms to set up and 5 % of offers are lost, 40 tabs leave
//! and 40 others join, one tab is banned by everyone; and the whole
//! composition ([`tabcoin_mesh::Room`]) carrying blocks. Seeded, so every
//! run is the same.

use std::collections::BTreeSet;

use tabcoin_mesh::sim::Net;
use tabcoin_mesh::sim::tabs::Tabs;
use tabcoin_mesh::{Config, Input, Mesh, PeerId};

const C: Config = Config::DEFAULT;

/// No tab holds more than `d_hi` links.
fn check_degrees(net: &Net) {
    for (id, mesh) in &net.tabs {
        assert!(
            mesh.links().len() <= C.d_hi,
            "tab {id} holds {} links at {}",
            mesh.links().len(),
            net.now
        );
    }
}

/// Tabs 1..=200 join, one every 300 ms (a minute in all), then a minute
/// passes.
fn two_hundred_settle(net: &mut Net, check: bool) {
    net.settle(200, 300, |net| {
        if check {
            check_degrees(net);
        }
    });
    if check {
        check_degrees(net);
    }
}

#[test]
fn two_hundred_tabs_keep_a_bounded_connected_mesh_through_churn_and_a_ban() {
    let mut net = Net::new(42);
    two_hundred_settle(&mut net, true);
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
        check_degrees(&net);
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

/// 200 tabs running the shipped composition settle, then random tabs mine
/// 20 blocks, one every 500 ms, with 20–200 ms per message: every block
/// reaches every tab, and each tab receives each body about once.
#[test]
fn blocks_reach_every_tab_about_once() {
    let mut net = Tabs::new(7);
    net.settle(200, 300);
    assert!(net.connected());
    let tabs: Vec<PeerId> = net.tabs.keys().copied().collect();
    for block in 0..20u32 {
        let miner = tabs[net.rng.below(tabs.len() as u64) as usize];
        net.mine(miner, block);
        net.run(net.now + 500);
    }
    net.run(net.now + 20_000);
    for (id, tab) in &net.tabs {
        for block in 0..20u32 {
            assert!(tab.blocks.contains(&block), "tab {id} lacks block {block}");
        }
    }
    for (ms, tabs_reached) in net.reach() {
        assert_eq!(tabs_reached, tabs.len(), "first arrivals are counted once");
        assert!(ms > 0 && ms < 10_000, "{ms} ms to reach every tab");
    }
    let received: u32 = net.bodies.values().sum();
    let needed = (tabs.len() as u32 - 1) * 20;
    assert!(received >= needed);
    assert!(
        received * 100 <= needed * 105,
        "{received} bodies for {needed} needed: about once each"
    );
    assert!(
        net.bodies.values().all(|n| *n <= 2),
        "no tab got a body three times"
    );
    // Every tab is linked, so the relay carried each block only up from
    // its miner.
    let per_block = net.relay_chain_bytes / 20;
    assert!(
        per_block <= 2 * net.block_bytes as u64,
        "{per_block} B of chain through the relay per block"
    );
}

/// 200 tabs settle; then for 30 s ten strangers (ids that never complete
/// a link, fresh every 9.5 s) offer links to 20 random tabs each every
/// 500 ms, while random tabs mine: every block still reaches every tab,
/// the mesh stays connected with its tabs' own links, and a tab answers
/// strangers only a couple at a time (each answer is an
/// `RTCPeerConnection`, of which a browser allows a tab a few hundred in
/// its life).
#[test]
fn strangers_offering_links_hold_no_tab_s_slots_for_long() {
    let mut net = Tabs::new(9);
    net.settle(200, 300);
    let tabs: Vec<PeerId> = net.tabs.keys().copied().collect();
    let mut attacker = tabcoin_mesh::sim::Rng(5);
    let start = net.now;
    for step in 0..60u64 {
        let generation = step * 500 / 9_500;
        for s in 0..10u64 {
            let from = 1_000_000 + generation * 10 + s;
            for _ in 0..20 {
                let to = tabs[attacker.below(tabs.len() as u64) as usize];
                net.stranger_offers(from, to);
            }
        }
        if step % 4 == 0 {
            let miner = tabs[net.rng.below(tabs.len() as u64) as usize];
            net.mine(miner, (step / 4) as u32);
        }
        net.run(start + (step + 1) * 500);
    }
    net.run(net.now + 20_000);
    for (id, tab) in &net.tabs {
        for block in 0..15u32 {
            assert!(tab.blocks.contains(&block), "tab {id} lacks block {block}");
        }
    }
    assert!(net.connected(), "the tabs' own links carry the mesh");
    let low = net
        .tabs
        .values()
        .filter(|t| t.room.up_links().count() < C.d_lo)
        .count();
    assert!(low <= 2, "{low} tabs below {} neighbours", C.d_lo);
    // At most `max_answering` pending at once, each given up after the
    // dial timeout: over 30 s, a few rounds of two a tab.
    let rounds = 30_000 / C.dial_timeout_ms + 2;
    let most = tabs.len() as u64 * C.max_answering as u64 * rounds;
    assert!(
        net.strangers_answered <= most,
        "{} strangers' offers answered (at most {most})",
        net.strangers_answered
    );
    assert!(net.strangers_answered > 0, "the attack reached the tabs");
}
