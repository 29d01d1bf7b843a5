//! Fetching a proven header chain's blocks from several peers at once:
//! spread over honest peers, undelayed by peers that hold their stretch
//! back, and unharmed by peers that serve another chain or bodies that do
//! not match their headers.

use std::collections::{BTreeMap, VecDeque};

use tabcoin_chain::{Block, Store, Timestamp};

use super::sync::{long_chain, net_of};
use super::*;
use crate::Message;
use crate::bodies::MAX_BODY_PEERS;
use crate::message::MAX_BLOCKS_PER_BATCH;
use crate::{SYNC_STALL_MS, SyncState};

/// A copy of `store`'s best chain, block by block.
fn copy(store: &Store) -> Store {
    let mut copy = Store::new(P);
    let now = store.tip().header.timestamp;
    for block in store.blocks_after(&[store.genesis().hash], store.height().0 as usize) {
        copy.accept(block, now).unwrap_or_else(|e| panic!("{e}"));
    }
    copy
}

#[test]
fn a_newcomer_fetches_blocks_from_four_peers_at_once() {
    let blocks = 2 * crate::bodies::BODY_WINDOW;
    let chain = long_chain(blocks);
    let tip = chain.tip().hash;
    let stores = vec![copy(&chain), copy(&chain), copy(&chain), chain];
    let mut net = net_of(stores);
    let late = net.join();
    assert_eq!(net.node(late).store().tip().hash, tip);
    assert_eq!(net.node(late).sync(), SyncState::Ready);
    // Every peer served a share (each answers one request at a time), and
    // no stretch was fetched many times over.
    let asked: Vec<usize> = (1..=4).map(|p| net.asked_for_blocks[&p]).collect();
    let total: usize = asked.iter().sum();
    let least = blocks / MAX_BLOCKS_PER_BATCH / (2 * MAX_BODY_PEERS);
    assert!(asked.iter().all(|a| *a >= least), "{asked:?}");
    assert!(
        total <= 2 * blocks / MAX_BLOCKS_PER_BATCH,
        "{total} requests for {blocks} blocks: {asked:?}"
    );
    // None of them took the download for a flood.
    for p in 1..=4 {
        assert!(
            !net.told(p)
                .iter()
                .any(|n| matches!(n, Notice::PeerBanned { .. })),
            "peer {p} banned the newcomer"
        );
    }
}

/// How a peer answers the newcomer.
enum Server {
    /// With its node.
    Honest(Node),
    /// Not at all.
    Silent,
    /// With its node, every block's transactions changed.
    Tampering(Node),
    /// With its node's headers, never with a block.
    HeadersOnly(Node),
}

/// The newcomer (peer 1) handles `first` and every answer of the servers,
/// with no time passing; returns how many requests for blocks each server
/// had.
fn serve(
    n: &mut Node,
    servers: &mut BTreeMap<PeerId, Server>,
    first: Vec<Effect>,
    now: Timestamp,
) -> BTreeMap<PeerId, usize> {
    let mut asked = BTreeMap::new();
    let mut queue: VecDeque<Effect> = first.into();
    while let Some(effect) = queue.pop_front() {
        let Effect::Send { to, msg } = effect else {
            continue;
        };
        if matches!(msg, Message::GetBlocks { .. }) {
            *asked.entry(to).or_insert(0) += 1;
        }
        let (node, tamper) = match servers.get_mut(&to) {
            Some(Server::Honest(node)) => (node, false),
            Some(Server::Tampering(node)) => (node, true),
            Some(Server::HeadersOnly(node)) if matches!(msg, Message::GetHeaders { .. }) => {
                (node, false)
            }
            _ => continue,
        };
        for answer in node.handle(from(1, msg), now) {
            let Effect::Send { to: 1, mut msg } = answer else {
                continue;
            };
            if let (true, Message::Blocks { blocks, .. }) = (tamper, &mut msg) {
                blocks.iter_mut().for_each(tampered);
            }
            queue.extend(n.handle(from(to, msg), now));
        }
    }
    asked
}

/// `block` with its reward paid to someone else: its header no longer
/// commits to its transactions.
fn tampered(block: &mut Block) {
    if let Some(reward) = block.data.first_mut() {
        reward.outputs = [(wallet(66).address(), tabcoin_chain::Amount(1))].into();
    }
}

/// The newcomer hears `hello` from each server, the first one first.
fn hear(n: &mut Node, ids: &[PeerId], hello: &Message, now: Timestamp) -> Vec<Effect> {
    ids.iter()
        .flat_map(|id| n.handle(from(*id, hello.clone()), now))
        .collect()
}

#[test]
fn peers_that_hold_their_stretch_back_delay_nothing() {
    let chain = long_chain(crate::bodies::BODY_WINDOW + 300);
    let tip = chain.tip().hash;
    let honest = Node::new(chain, wallet(2));
    let hello = honest.hello();
    let mut servers = BTreeMap::from([(2, Server::Honest(honest))]);
    for id in 3..=5 {
        // They name the honest tip (a copied hello) and never send a block.
        servers.insert(id, Server::Silent);
    }
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = n.store().genesis().header.timestamp.plus_ms(10_000_000);
    let first = hear(&mut n, &[2, 3, 4, 5], &hello, now);
    let asked = serve(&mut n, &mut servers, first, now);
    assert_eq!(n.store().tip().hash, tip, "reached with no time passing");
    assert!(
        (3..=5).all(|id| asked.get(&id).is_some_and(|a| *a >= 1)),
        "the silent peers were given stretches: {asked:?}"
    );
    n.handle(Event::Tick, now.plus_ms(SYNC_STALL_MS + 1));
    assert_eq!(n.sync(), SyncState::Ready);
}

#[test]
fn a_peer_whose_bodies_do_not_match_their_headers_is_banned_and_the_rest_is_fetched() {
    let chain = long_chain(3 * MAX_BLOCKS_PER_BATCH);
    let tip = chain.tip().hash;
    let liar = Node::new(copy(&chain), wallet(3));
    let honest = Node::new(chain, wallet(2));
    let hello = honest.hello();
    let mut servers = BTreeMap::from([(2, Server::Honest(honest)), (3, Server::Tampering(liar))]);
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = n.store().genesis().header.timestamp.plus_ms(10_000_000);
    let first = hear(&mut n, &[2, 3], &hello, now);
    let asked = serve(&mut n, &mut servers, first, now);
    assert!(asked.get(&3).is_some_and(|a| *a >= 1), "{asked:?}");
    assert!(n.is_banned(3, now), "the tampering peer is banned");
    assert!(!n.is_banned(2, now));
    // The honest blocks were not remembered as invalid: all were stored.
    assert_eq!(n.store().tip().hash, tip);
    assert_eq!(n.sync(), SyncState::Ready);
}

#[test]
fn a_peer_on_another_chain_is_not_asked_again_nor_banned() {
    let chain = long_chain(3 * MAX_BLOCKS_PER_BATCH);
    let tip = chain.tip().hash;
    let other = super::sync::chain_of(Store::new(P), 3 * MAX_BLOCKS_PER_BATCH, 44, P.mine_rate_ms);
    let honest = Node::new(chain, wallet(2));
    let hello = honest.hello();
    // Peer 3 names the honest tip but holds another chain.
    let mut servers = BTreeMap::from([
        (2, Server::Honest(honest)),
        (3, Server::Honest(Node::new(other, wallet(3)))),
    ]);
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = n.store().genesis().header.timestamp.plus_ms(10_000_000);
    let first = hear(&mut n, &[2, 3], &hello, now);
    let asked = serve(&mut n, &mut servers, first, now);
    assert_eq!(asked.get(&3), Some(&1), "asked once: {asked:?}");
    assert!(!n.is_banned(3, now), "another chain proves nothing bad");
    assert_eq!(n.store().tip().hash, tip);
}

/// A peer that mined on since (its tip is past the header chain) holds the
/// chain too: it is asked for blocks, so a download peer that gives headers
/// but never a block delays nothing.
#[test]
fn a_peer_ahead_of_the_header_chain_serves_its_blocks() {
    let chain = long_chain(2 * MAX_BLOCKS_PER_BATCH);
    let tip = chain.tip().hash;
    let ahead = super::sync::chain_of(copy(&chain), 1, 9, P.mine_rate_ms);
    let ahead_tip = ahead.tip().hash;
    let ahead = Node::new(ahead, wallet(3));
    let leader = Node::new(chain, wallet(2));
    let (hello, ahead_hello) = (leader.hello(), ahead.hello());
    let mut servers =
        BTreeMap::from([(2, Server::HeadersOnly(leader)), (3, Server::Honest(ahead))]);
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = n.store().genesis().header.timestamp.plus_ms(10_000_000);
    let mut first = n.handle(from(2, hello), now);
    // The peer ahead is heard once the header chain is known.
    first.extend(n.handle(from(3, ahead_hello), now));
    let asked = serve(&mut n, &mut servers, first, now);
    assert!(asked.get(&3).is_some_and(|a| *a >= 1), "{asked:?}");
    let reached = n.store().tip().hash;
    assert!(
        reached == tip || reached == ahead_tip,
        "reached with no time passing"
    );
}
