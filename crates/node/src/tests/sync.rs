//! Catching up: hellos, block locators, batches, stalled and refused
//! downloads, orphans.

use tabcoin_chain::{Height, Params, Store, Timestamp};

use super::*;
use crate::message::MAX_BLOCKS_PER_BATCH;
use crate::{Message, Mode, SYNC_STALL_MS, SyncState};

/// The headers `peer` answers `n`'s first request with.
pub(super) fn headers_for(peer: &Node, n: &Node) -> Message {
    let headers = peer.store().headers_after(&n.store().locator(), 1_000);
    Message::Headers {
        more: headers.last().map(|h| h.height) < Some(peer.store().height()),
        headers,
    }
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
    assert_eq!(late.store().height(), Height(n as u64));
    assert_eq!(late.store().tip().hash, first.store().tip().hash);
    assert_eq!(late.sync(), SyncState::Ready);
    assert_eq!(late.pool().len(), 1, "the pool snapshot arrived");
}

#[test]
fn a_node_moves_from_genesis_through_boot_to_ready() {
    let mut net = Net::new(1);
    // Alone on a network with nothing but genesis.
    assert_eq!(net.nodes[0].mode(), Mode::Genesis);
    for _ in 0..3 {
        net.mine(1);
    }
    assert_eq!(net.nodes[0].mode(), Mode::Ready);
    // A new node hears of a longer chain: it boots from it.
    let mut fresh = Node::new(Store::new(P), wallet(9));
    assert_eq!(fresh.mode(), Mode::Genesis);
    fresh.handle(from(1, net.nodes[0].hello()), net.now);
    assert_eq!(fresh.mode(), Mode::Boot);
    // A late tab that caught up is ready.
    let late = net.join();
    assert_eq!(net.nodes[late as usize - 1].mode(), Mode::Ready);
    assert_eq!(
        [Mode::Genesis, Mode::Boot, Mode::Ready].map(Mode::label),
        ["genesis", "boot", "ready"]
    );
}

#[test]
fn hello_from_a_peer_with_less_work_is_answered_directly() {
    let mut net = Net::new(1);
    net.mine(1);
    let hello = Node::new(Store::new(P), wallet(9)).hello();
    let effects = net.node(1).handle(from(9, hello), Timestamp(0));
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
    assert!(n.handle(from(2, other), Timestamp(0)).is_empty());
}

#[test]
fn an_orphan_from_another_peer_does_not_take_over_the_sync() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let tip = net.nodes[0].store().tip().clone();
    let mut fresh = Node::new(Store::new(P), wallet(9));
    fresh.handle(from(1, net.nodes[0].hello()), net.now);
    assert!(matches!(fresh.sync(), SyncState::Syncing { peer: 1, .. }));
    let orphan = from(7, Message::Block { block: tip });
    assert!(fresh.handle(orphan, net.now).is_empty());
    assert!(matches!(fresh.sync(), SyncState::Syncing { peer: 1, .. }));
}

#[test]
fn a_block_with_unknown_parent_asks_the_sender_for_the_gap() {
    let mut net = Net::new(1);
    net.mine(1);
    let tip = net.mine(1);
    let mut behind = Node::new(Store::new(P), wallet(2));
    let effects = behind.handle(from(1, Message::Block { block: tip }), net.now);
    assert!(matches!(
        &effects[..],
        [Effect::Send {
            to: 1,
            msg: Message::GetHeaders { .. }
        }]
    ));
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
    let first = fresh.handle(from(1, net.nodes[0].hello()), now);
    assert!(matches!(
        &first[..],
        [Effect::Send {
            to: 1,
            msg: Message::GetHeaders { .. }
        }]
    ));
    // Peer 1 answers a first batch of headers, then falls silent.
    let first_headers = net.nodes[0]
        .store()
        .headers_after(&fresh.store().locator(), 2);
    fresh.handle(
        from(
            1,
            Message::Headers {
                headers: first_headers,
                more: true,
            },
        ),
        now,
    );
    let second = fresh.handle(from(2, net.nodes[1].hello()), now);
    assert!(second.is_empty(), "one download at a time");
    // Peer 1 never answers: after the stall delay the node asks peer 2.
    assert!(
        fresh
            .handle(Event::Tick, now.plus_ms(SYNC_STALL_MS))
            .is_empty()
    );
    let switched = fresh.handle(Event::Tick, now.plus_ms(SYNC_STALL_MS + 1));
    assert_eq!(
        notices(&switched),
        vec![Notice::SyncPeerSwitched { gone: 1, to: 2 }]
    );
    assert!(matches!(
        &acts(switched)[..],
        [Effect::Send {
            to: 2,
            msg: Message::GetHeaders { .. }
        }]
    ));
    assert!(matches!(fresh.sync(), SyncState::Syncing { peer: 2, .. }));
    // Peer 2 leaves too: nobody else has more work, the node stops waiting.
    assert!(fresh.handle(Event::PeerLeft(2), now).is_empty());
    assert_eq!(fresh.sync(), SyncState::Ready);
}

#[test]
fn mining_goes_on_while_syncing_and_moves_to_the_new_tip() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let mut n = Node::new(Store::new(P), wallet(9));
    let now = net.now;
    assert!(matches!(
        acts(n.handle(Event::MiningToggled, now))[..],
        [Effect::Mine(_)]
    ));
    // A peer with more work: the download starts, mining goes on.
    let effects = n.handle(from(1, net.nodes[0].hello()), now);
    assert!(matches!(
        &effects[..],
        [Effect::Send {
            msg: Message::GetHeaders { .. },
            ..
        }]
    ));
    assert!(
        n.job().is_some() && n.is_mining(),
        "a claim never stops the miners"
    );
    // Its headers prove more work: the blocks are asked for.
    let effects = n.handle(from(1, headers_for(&net.nodes[0], &n)), now);
    assert!(matches!(
        &effects[..],
        [Effect::Send {
            msg: Message::GetBlocks { .. },
            ..
        }]
    ));
    assert!(n.job().is_some() && n.is_mining());
    // The blocks arrive: mining moves to the new tip.
    let blocks = net.nodes[0].store().blocks_after(&n.store().locator(), 100);
    let msg = Message::Blocks {
        blocks,
        more: false,
    };
    let effects = n.handle(from(1, msg), now);
    let job = effects.iter().find_map(|e| match e {
        Effect::Mine(job) => Some(job.clone()),
        _ => None,
    });
    assert_eq!(
        job.map(|j| j.template.header.prev_hash),
        Some(net.nodes[0].store().tip().hash)
    );
    assert_eq!(n.sync(), SyncState::Ready);
}

#[test]
fn a_batch_with_a_refused_block_ends_that_download_instead_of_looping() {
    let mut net = Net::new(1);
    net.mine(1);
    let mut n = Node::new(Store::new(P), wallet(8));
    n.handle(from(1, net.nodes[0].hello()), net.now);
    assert!(matches!(n.sync(), SyncState::Syncing { peer: 1, .. }));
    n.handle(from(1, headers_for(&net.nodes[0], &n)), net.now);
    // The peer's block is ahead of this node's (slow) clock: refused, but
    // proves nothing bad about the peer.
    let blocks = net.nodes[0].store().blocks_after(&n.store().locator(), 10);
    let slow_clock = Timestamp(blocks[0].header.timestamp.0 - P.max_future_ms - 1);
    let msg = Message::Blocks { blocks, more: true };
    let effects = n.handle(from(1, msg), slow_clock);
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
    assert!(matches!(
        &notices(&effects)[..],
        [Notice::BlockNotTaken { peer: 1, .. }]
    ));
    assert_eq!(n.sync(), SyncState::Ready);
    assert!(!n.is_banned(1, slow_clock));
}

/// Whether the long simulations run (`TABCOIN_LONG_SIMS` set, as
/// `cargo xtask bench heal` does); the tests run short versions otherwise.
fn long_sims() -> bool {
    std::env::var_os("TABCOIN_LONG_SIMS").is_some()
}

/// A store holding `n` blocks mined by wallet 9 on the tests' network,
/// one block time apart (on the retarget's schedule).
pub(super) fn long_chain(n: usize) -> Store {
    chain_of(Store::new(P), n, 9, P.mine_rate_ms)
}

/// `store` with `n` more blocks mined by wallet `miner`, `spacing_ms`
/// apart.
pub(super) fn chain_of(mut store: Store, n: usize, miner: u8, spacing_ms: u64) -> Store {
    let pool = tabcoin_chain::Pool::new();
    for _ in 0..n {
        let at = store.tip().header.timestamp.plus_ms(spacing_ms);
        let template = tabcoin_chain::Template::new(&store, &pool, wallet(miner).address(), at);
        let nonce = tabcoin_chain::pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
        store
            .accept(template.into_block(nonce), at)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    store
}

/// A new node downloads a chain far longer than the serving burst allows
/// from a single peer, with no time passing: each request continues the
/// download the peer is serving it, so it is paced by the downloader, not
/// refused as a flood (a 30,000-block chain used to stop at 10,600 and
/// report ready). A request that does not continue it still pays the rate.
#[test]
fn a_new_node_downloads_a_chain_of_any_length_from_one_peer() {
    use crate::peers::SERVE_BURST;
    // With TABCOIN_LONG_SIMS set (`cargo xtask bench heal`), 100,000 blocks.
    let n = if long_sims() {
        100_000
    } else {
        (SERVE_BURST as usize + 3) * MAX_BLOCKS_PER_BATCH
    };
    let long = long_chain(n);
    let tip = long.tip().hash;
    let mut net = net_of(vec![long]);
    let started = std::time::Instant::now();
    let late = net.join();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sim: a new node syncing {n} blocks from one peer (in memory, no latency) | {:.0} blocks/s ({secs:.1} s)",
        n as f64 / secs
    );
    assert_eq!(net.node(late).store().tip().hash, tip);
    assert_eq!(net.node(late).sync(), SyncState::Ready);
    assert!(
        !net.told(1)
            .iter()
            .any(|n| matches!(n, Notice::PeerBanned { .. })),
        "the server banned an honest download"
    );
    // Requests that do not continue a download are still rated: a burst
    // from the genesis locator is cut off, and so is walking the chain
    // again by continuing from each batch (every height was served free
    // once already).
    let genesis = net.node(1).store().genesis().hash;
    let (mut answered, now) = (0, net.now);
    for _ in 0..SERVE_BURST + 5 {
        let effects = net.node(1).handle(
            from(
                late,
                Message::GetBlocks {
                    locator: vec![genesis],
                },
            ),
            now,
        );
        answered += acts(effects)
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::Send {
                        msg: Message::Blocks { .. },
                        ..
                    }
                )
            })
            .count();
    }
    assert!(answered <= SERVE_BURST as usize + 1, "{answered} answered");
    // After 3 s the serving rate has refilled.
    let (mut walked, now) = (0, now.plus_ms(3_000));
    let mut locator = vec![genesis];
    for _ in 0..SERVE_BURST + 5 {
        let effects = net.node(1).handle(
            from(
                late,
                Message::GetBlocks {
                    locator: locator.clone(),
                },
            ),
            now,
        );
        for e in acts(effects) {
            if let Effect::Send {
                msg: Message::Blocks { blocks, .. },
                ..
            } = e
            {
                walked += 1;
                locator = blocks.last().map(|b| vec![b.hash]).unwrap_or_default();
            }
        }
    }
    assert!(
        walked <= SERVE_BURST as usize,
        "a second walk of the chain was served outside the rate ({walked} batches)"
    );
}

/// A network of nodes that start with these stores, all reaching each
/// other (as through the relay), the clock at the latest tip.
pub(super) fn net_of(stores: Vec<Store>) -> Net {
    let mut net = Net::new(0);
    net.now = stores
        .iter()
        .map(|s| s.tip().header.timestamp)
        .max()
        .unwrap_or(net.now);
    for store in stores {
        net.join_with(store);
    }
    net
}

/// Two halves that mined apart, each far past the fork window (100
/// blocks), join again: every node ends on the branch with more work, on a
/// chain at a steady target and on one whose halves mined at different
/// paces (so their targets differ). Headers first: the lighter half learns
/// the heavier header chain, pins it and fetches it, however deep the fork.
#[test]
fn halves_that_mined_apart_far_past_the_fork_window_join_on_the_most_work() {
    let mut cases = vec![
        (150, 180, P.mine_rate_ms, P.mine_rate_ms),
        (1_000, 1_030, P.mine_rate_ms, P.mine_rate_ms),
        // Retargeting: the slow half eases, the fast half tightens.
        (400, 300, 2 * P.mine_rate_ms, P.mine_rate_ms / 2),
    ];
    if long_sims() {
        cases.extend([
            (5_000, 5_030, P.mine_rate_ms, P.mine_rate_ms),
            // The slow half has more blocks, eased to the floor, and less
            // work than the half that kept the pace.
            (5_000, 4_000, 3 * P.mine_rate_ms / 2, P.mine_rate_ms),
        ]);
    }
    for (light, heavy, light_ms, heavy_ms) in cases {
        let common = chain_of(Store::new(P), 20, 7, P.mine_rate_ms);
        let blocks: Vec<_> = common.main_chain().cloned().collect();
        let copy = Store::from_blocks(P, blocks, common.tip().header.timestamp)
            .unwrap_or_else(|e| panic!("{e}"));
        let a = chain_of(common, light, 8, light_ms);
        let b = chain_of(copy, heavy, 9, heavy_ms);
        let best = if a.total_work() > b.total_work() {
            a.tip().hash
        } else {
            b.tip().hash
        };
        let started = std::time::Instant::now();
        let mut net = net_of(vec![a, b]);
        net.tick(3_000);
        println!(
            "sim: halves of {light} and {heavy} blocks ({light_ms} and {heavy_ms} ms apart) rejoining on the most work | {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for id in [1, 2] {
            assert_eq!(
                net.node(id).store().tip().hash,
                best,
                "{light} / {heavy} blocks: node {id} did not join the most work"
            );
            assert_eq!(net.node(id).sync(), SyncState::Ready);
        }
    }
}

/// A newcomer first served a long minority fork from genesis (130 blocks,
/// past the fork window) still ends on the honest chain with more work
/// that another peer announced: the fork-depth limit protects a synced
/// node's tip, never a node choosing between chains it was told of.
#[test]
fn a_newcomer_served_a_minority_fork_first_ends_on_the_most_work() {
    let minority = chain_of(Store::new(P), 130, 8, P.mine_rate_ms);
    let honest = chain_of(Store::new(P), 200, 9, P.mine_rate_ms);
    let honest_tip = honest.tip().hash;
    // The minority peer is first: the newcomer syncs from it first.
    let mut net = net_of(vec![minority, honest]);
    let newcomer = net.join();
    net.tick(3_000);
    assert_eq!(net.node(newcomer).store().tip().hash, honest_tip);
    assert_eq!(
        net.node(1).store().tip().hash,
        honest_tip,
        "the minority peer too"
    );
}

/// A peer that claims more work and sends headers that do not carry it is
/// left, and the node keeps its chain: nothing is fetched for a claim, and
/// the claim is held against the peer (the third one bans it).
#[test]
fn headers_that_do_not_carry_the_claimed_work_fetch_no_blocks() {
    let ours = chain_of(Store::new(P), 40, 8, P.mine_rate_ms);
    let theirs = chain_of(Store::new(P), 20, 9, P.mine_rate_ms);
    let tip = ours.tip().hash;
    let mut n = Node::new(ours, wallet(1));
    let now = n.store().tip().header.timestamp;
    let lie = Message::Hello {
        version: crate::message::PROTOCOL_VERSION,
        network: n.store().genesis().hash,
        tip: theirs.tip().hash,
        height: Height(1_000),
        work: tabcoin_chain::Work(u128::MAX / 2),
    };
    n.handle(from(5, lie.clone()), now);
    let headers = theirs.headers_after(&[theirs.genesis().hash], 1_000);
    let effects = n.handle(
        from(
            5,
            Message::Headers {
                headers,
                more: false,
            },
        ),
        now,
    );
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Send {
                msg: Message::GetBlocks { .. },
                ..
            }
        )),
        "{effects:?}"
    );
    assert_eq!(n.sync(), SyncState::Ready);
    assert_eq!(n.store().tip().hash, tip);
    let headers = theirs.headers_after(&[theirs.genesis().hash], 1_000);
    let mut told = notices(&effects);
    for _ in 0..2 {
        n.handle(from(5, lie.clone()), now);
        let effects = n.handle(
            from(
                5,
                Message::Headers {
                    headers: headers.clone(),
                    more: false,
                },
            ),
            now,
        );
        told.extend(notices(&effects));
    }
    assert!(
        told.iter()
            .any(|t| matches!(t, Notice::PeerBanned { peer: 5, .. })),
        "{told:?}"
    );
}

/// A `hello` on `n`'s network claiming far more work than anyone has.
fn claim_of_work(n: &Node) -> Message {
    Message::Hello {
        version: crate::message::PROTOCOL_VERSION,
        network: n.store().genesis().hash,
        tip: tabcoin_chain::BlockHash([7; 32]),
        height: Height(1_000_000),
        work: tabcoin_chain::Work(u128::MAX / 2),
    }
}

/// Sixteen peers that claim more work and never answer cost a newcomer
/// nothing but their requests: every claimant is asked for headers while
/// nobody has answered, the honest peer's answer leads the download, and
/// the newcomer reaches the honest tip with no stall to wait out (it would
/// have waited 5 s for each withholder, one after the other). The silent
/// ones are then held to their claim.
#[test]
fn peers_that_claim_work_and_never_serve_do_not_slow_a_newcomer() {
    let honest = long_chain(300);
    let tip = honest.tip().hash;
    let honest = Node::new(honest, wallet(2));
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = honest.store().tip().header.timestamp;
    let claim = claim_of_work(&n);
    let mut asked = Vec::new();
    for withholder in 10..26 {
        for e in acts(n.handle(from(withholder, claim.clone()), now)) {
            if let Effect::Send {
                to,
                msg: Message::GetHeaders { .. },
            } = e
            {
                asked.push(to);
            }
        }
    }
    for e in acts(n.handle(from(2, honest.hello()), now)) {
        if let Effect::Send {
            to,
            msg: Message::GetHeaders { .. },
        } = e
        {
            asked.push(to);
        }
    }
    assert!(asked.contains(&2), "the honest peer was asked: {asked:?}");
    // The honest peer serves; no time passes.
    let mut inbox = vec![headers_for(&honest, &n)];
    let mut rounds = 0;
    while let Some(msg) = inbox.pop() {
        rounds += 1;
        assert!(rounds < 100, "the download does not end");
        for e in acts(n.handle(from(2, msg), now)) {
            if let Effect::Send { to: 2, msg } = e {
                let answer = match msg {
                    Message::GetHeaders { locator } => {
                        let headers = honest.store().headers_after(&locator, 1_000);
                        let more = headers.last().map(|h| h.height) < Some(honest.store().height());
                        Some(Message::Headers { headers, more })
                    }
                    Message::GetBlocks { locator } => {
                        let blocks = honest.store().blocks_after(&locator, MAX_BLOCKS_PER_BATCH);
                        let more =
                            blocks.last().map(|b| b.header.height) < Some(honest.store().height());
                        Some(Message::Blocks { blocks, more })
                    }
                    _ => None,
                };
                inbox.extend(answer);
            }
        }
    }
    assert_eq!(n.store().tip().hash, tip, "reached with no time passing");
    // The withholders are held to their claim once the wait is over: one
    // tick later none is left to wait for.
    let later = n.handle(Event::Tick, now.plus_ms(SYNC_STALL_MS + 1));
    assert!(n.net.best_announced(&n.local, None).is_none(), "{later:?}");
    assert_eq!(n.sync(), SyncState::Ready);
    assert_eq!(n.store().tip().hash, tip);
}

/// More claimants than probe slots: the honest peer, heard last, is asked
/// as soon as the silent ones are given up on, one stall delay later, not
/// one delay per withholder.
#[test]
fn more_withholders_than_probe_slots_delay_a_newcomer_by_one_stall_at_most() {
    let honest = long_chain(50);
    let tip = honest.tip().hash;
    let honest = Node::new(honest, wallet(2));
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = honest.store().tip().header.timestamp;
    let claim = claim_of_work(&n);
    for withholder in 10..(11 + crate::sync::MAX_HEADER_PROBES as PeerId) {
        n.handle(from(withholder, claim.clone()), now);
    }
    let first = acts(n.handle(from(2, honest.hello()), now));
    assert!(first.is_empty(), "every slot is taken: {first:?}");
    // One stall delay later the silent ones are given up on and the honest
    // peer is asked.
    let later = now.plus_ms(SYNC_STALL_MS + 1);
    let asked = acts(n.handle(Event::Tick, later));
    assert!(
        asked.iter().any(|e| matches!(
            e,
            Effect::Send {
                to: 2,
                msg: Message::GetHeaders { .. }
            }
        )),
        "{asked:?}"
    );
    let headers = n.handle(from(2, headers_for(&honest, &n)), later);
    let Some(Effect::Send {
        msg: Message::GetBlocks { locator },
        ..
    }) = acts(headers).into_iter().next()
    else {
        panic!("the blocks are asked for");
    };
    let blocks = honest.store().blocks_after(&locator, MAX_BLOCKS_PER_BATCH);
    n.handle(
        from(
            2,
            Message::Blocks {
                blocks,
                more: false,
            },
        ),
        later,
    );
    assert_eq!(n.store().tip().hash, tip);
}
