//! Peers that lie, stall, flood or send what was not asked for: the node
//! keeps mining, turns from them, and bans them.

use tabcoin_chain::{BlockHash, Height, Params, Work};

use super::*;
use crate::Message;
use crate::message::PROTOCOL_VERSION;
use crate::peers::{
    BAN_MS, NEWCOMER_ORPHAN_BYTES_PER_MINUTE, SERVE_BURST, SIDE_TXS_PER_MINUTE, SYNCS_PER_MINUTE,
    TXS_PER_MINUTE,
};
use crate::{SYNC_STALL_MS, SyncState};

/// A `hello` claiming far more work than there is.
fn lie() -> Message {
    Message::Hello {
        version: PROTOCOL_VERSION,
        network: Params::TEST.network_id(),
        tip: BlockHash([9; 32]),
        height: Height(1_000_000),
        work: Work(u128::MAX / 2),
    }
}

fn banned(effects: &[Effect], peer: PeerId) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::Ban { peer: p, .. } if *p == peer))
}

/// A mining node, and the time.
fn miner() -> (Node, Timestamp) {
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = GENESIS_TIMESTAMP.plus_ms(1_000_000);
    n.handle(Event::Connected { peers: vec![7] }, now);
    n.handle(Event::MiningToggled, now);
    (n, now)
}

#[test]
fn a_peer_claiming_more_work_never_stops_mining_and_is_banned_for_lying() {
    let (mut n, mut now) = miner();
    let mut all = Vec::new();
    // It says hello once a second, and never delivers.
    for _ in 0..120 {
        all.extend(n.handle(from(7, lie()), now));
        assert!(n.job().is_some(), "the miners never stop");
        now = now.plus_ms(1_000);
        all.extend(n.handle(Event::Tick, now));
    }
    assert!(!all.contains(&Effect::StopMining));
    assert!(banned(&all, 7), "three downloads without progress ban it");
    assert!(n.is_banned(7, now));
    assert!(
        n.handle(from(7, lie()), now).is_empty(),
        "ignored while banned"
    );
    // The ban ends.
    let later = now.plus_ms(BAN_MS);
    n.handle(Event::Tick, later);
    assert!(!n.is_banned(7, later));
}

#[test]
fn an_empty_batch_that_claims_more_ends_the_download_at_once() {
    let (mut n, now) = miner();
    n.handle(from(7, lie()), now);
    assert!(matches!(n.sync(), SyncState::Syncing { peer: 7, .. }));
    let empty = Message::Headers {
        headers: vec![],
        more: true,
    };
    let effects = n.handle(from(7, empty), now.plus_ms(3_000));
    assert_eq!(n.sync(), SyncState::Ready, "no waiting for more nothing");
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Send {
                msg: Message::GetBlocks { .. } | Message::GetHeaders { .. },
                ..
            }
        )),
        "{effects:?}"
    );
}

#[test]
fn a_silent_download_is_given_up_after_the_deadline_even_if_answered_emptily() {
    let (mut n, now) = miner();
    n.handle(from(7, lie()), now);
    // Known blocks (no progress) keep coming, marked as the last batch is
    // not: progress is only work added.
    let genesis = n.store().genesis().clone();
    let stale = Message::Blocks {
        blocks: vec![genesis],
        more: true,
    };
    n.handle(from(7, stale.clone()), now.plus_ms(2_000));
    n.handle(from(7, stale), now.plus_ms(4_000));
    let effects = n.handle(Event::Tick, now.plus_ms(SYNC_STALL_MS + 1));
    assert_eq!(n.sync(), SyncState::Ready);
    assert!(!banned(&effects, 7), "one stall is not a ban");
}

#[test]
fn orphans_from_one_peer_start_downloads_only_a_few_times_a_minute() {
    let mut net = Net::new(1);
    for _ in 0..40 {
        net.mine(1);
    }
    // Distinct blocks whose parents this node lacks: orphans.
    let orphans: Vec<Block> = net.nodes[0].store().main_chain().skip(2).cloned().collect();
    let mut n = Node::new(Store::new(P), wallet(2));
    let mut now = net.now;
    let mut downloads = 0;
    let mut all = Vec::new();
    for block in orphans {
        let effects = n.handle(from(7, Message::Block { block }), now);
        downloads += effects
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::Send {
                        msg: Message::GetBlocks { .. },
                        ..
                    }
                )
            })
            .count();
        all.extend(effects);
        // The peer never sends the gap; the download stalls.
        now = now.plus_ms(1_000);
        all.extend(n.handle(Event::Tick, now));
        if n.is_banned(7, now) {
            break;
        }
    }
    assert!(downloads <= SYNCS_PER_MINUTE + 1, "{downloads} downloads");
    assert!(banned(&all, 7), "a peer that only sends orphans is banned");
}

#[test]
fn a_pool_snapshot_nobody_asked_for_is_not_read() {
    let mut net = Net::new(2);
    net.send(2, 1, 10, 1).unwrap_or_else(|e| panic!("{e}"));
    let txs: Vec<_> = net.nodes[1].pool().transactions().cloned().collect();
    let mut n = Node::new(Store::new(P), wallet(3));
    let now = net.now;
    let effects = n.handle(from(2, Message::Pool { txs: txs.clone() }), now);
    assert!(n.pool().is_empty(), "unsolicited: ignored");
    assert!(!banned(&effects, 2));
    // Asked (peers in step swap pools), it is read.
    n.handle(from(2, net.nodes[1].hello()), now);
    n.handle(from(2, Message::Pool { txs }), now);
    assert_eq!(n.pool().len(), 1);
}

#[test]
fn a_peer_sending_too_many_transactions_is_cut_short() {
    let mut n = Node::new(Store::new(P), wallet(1));
    let now = GENESIS_TIMESTAMP.plus_ms(1_000_000);
    let mut all = Vec::new();
    let net = P.network_id();
    for i in 0..(TXS_PER_MINUTE as u32 + 200) {
        // Distinct senders, each transaction valid.
        let mut secret = [7u8; 32];
        secret[..4].copy_from_slice(&(i + 1).to_be_bytes());
        let w = Wallet::from_secret(secret).unwrap_or_else(|e| panic!("{e}"));
        let tx = tabcoin_chain::Transaction::new(
            &w,
            P.starting_balance,
            wallet(2).address(),
            Amount(1),
            salt(1),
            now,
            &net,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        all.extend(n.handle(from(7, Message::Transaction { tx }), now));
    }
    assert_eq!(n.pool().len(), TXS_PER_MINUTE, "the rest were not verified");
    assert!(banned(&all, 7));
}

/// Valid-work siblings of the tip, sent by the hundred: only a few are
/// kept, and their sender is banned.
#[test]
fn a_peer_sending_sibling_after_sibling_is_banned_and_few_are_kept() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let mut n = Node::new(Store::new(P), wallet(2));
    let now = net.now;
    for block in net.nodes[0]
        .store()
        .main_chain()
        .skip(1)
        .cloned()
        .collect::<Vec<_>>()
    {
        n.handle(from(1, Message::Block { block }), now);
    }
    let before = n.store().known_blocks();
    let parent = n
        .store()
        .block_at(Height(2))
        .map(|b| b.hash)
        .unwrap_or_default();
    let mut all = Vec::new();
    for seed in 10..110u8 {
        let other = Store::from_blocks(P, n.store().main_chain().take(3).cloned().collect(), now)
            .unwrap_or_else(|e| panic!("{e}"));
        let t = now.plus_ms(u64::from(seed));
        let template = tabcoin_chain::Template::new(
            &other,
            &tabcoin_chain::Pool::new(),
            wallet(seed).address(),
            t,
        );
        let nonce = pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
        let sibling = template.into_block(nonce);
        assert_eq!(sibling.header.prev_hash, parent);
        all.extend(n.handle(from(7, Message::Block { block: sibling }), now));
        if n.is_banned(7, now) {
            break;
        }
    }
    let kept = n.store().known_blocks() - before;
    assert!(kept <= P.max_siblings, "{kept} siblings kept");
    assert!(
        banned(&all, 7),
        "a peer sending side blocks by the hundred is banned"
    );
}

/// Side-branch blocks full of valid transfers, sent unasked: their
/// transactions are checked only up to the sender's allowance a minute; the
/// next one is dropped unchecked and the sender penalised, and so is
/// another newcomer's (newcomers share one allowance), while a proven
/// peer's side block is still taken; the allowance returns a minute on.
#[test]
fn side_blocks_sent_unasked_are_checked_only_within_an_allowance() {
    let mut net = Net::new(1);
    for _ in 0..4 {
        net.mine(1);
    }
    let now = net.now;
    let main: Vec<_> = net.nodes[0].store().main_chain().cloned().collect();
    let mut n = Node::new(Store::new(P), wallet(2));
    for block in main.iter().skip(1).cloned() {
        n.handle(from(1, Message::Block { block }), now);
    }
    assert_eq!(n.store().height(), Height(4));
    // 199 valid transfers from distinct senders.
    let transfers: Vec<_> = (0..199u32)
        .map(|i| {
            let mut secret = [9u8; 32];
            secret[..4].copy_from_slice(&(i + 1).to_be_bytes());
            let w = Wallet::from_secret(secret).unwrap_or_else(|e| panic!("{e}"));
            tabcoin_chain::Transaction::new(
                &w,
                P.starting_balance,
                wallet(3).address(),
                Amount(1),
                salt(2),
                now,
                &P.network_id(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    // A full sibling of the block at `height`, paying `seed`.
    let sibling = |height: usize, seed: u8| {
        let other =
            Store::from_blocks(P, main[..height].to_vec(), now).unwrap_or_else(|e| panic!("{e}"));
        let mut pool = tabcoin_chain::Pool::new();
        let mut other = other;
        for tx in &transfers {
            other
                .add_to_pool(&mut pool, tx.clone())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let t = main[height - 1]
            .header
            .timestamp
            .plus_ms(1_000 + u64::from(seed));
        let template = tabcoin_chain::Template::new(&other, &pool, wallet(seed).address(), t);
        let nonce = pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
        template.into_block(nonce)
    };
    let per_block = 1 + transfers.len() as u32;
    let allowed = (SIDE_TXS_PER_MINUTE / per_block) as usize;
    let mut kept = Vec::new();
    for i in 0..allowed {
        let block = sibling(1 + i % 4, 10 + i as u8);
        assert_eq!(block.data.len() as u32, per_block);
        assert!(n.store().would_be_side(&block));
        n.handle(
            from(
                7,
                Message::Block {
                    block: block.clone(),
                },
            ),
            now,
        );
        kept.push(block.hash);
    }
    assert!(
        kept.iter().all(|h| n.store().get(h).is_some()),
        "within the allowance"
    );
    let over = sibling(4, 60);
    let effects = n.handle(
        from(
            7,
            Message::Block {
                block: over.clone(),
            },
        ),
        now,
    );
    assert!(n.store().get(&over.hash).is_none(), "dropped unchecked");
    assert!(
        !notices(&effects)
            .iter()
            .any(|x| matches!(x, Notice::BlockNotTaken { .. })),
        "not even looked at"
    );
    // Newcomers (no block of theirs moved the best chain) share one
    // allowance: another fresh key's is dropped too; a proven peer's (1
    // sent the chain) is taken.
    let newcomer = sibling(4, 61);
    n.handle(
        from(
            8,
            Message::Block {
                block: newcomer.clone(),
            },
        ),
        now,
    );
    assert!(
        n.store().get(&newcomer.hash).is_none(),
        "another newcomer's is dropped"
    );
    let proven = sibling(4, 62);
    n.handle(
        from(
            1,
            Message::Block {
                block: proven.clone(),
            },
        ),
        now,
    );
    assert!(
        n.store().get(&proven.hash).is_some(),
        "a proven peer's is taken"
    );
    let later = now.plus_ms(60_000);
    n.handle(
        from(
            7,
            Message::Block {
                block: over.clone(),
            },
        ),
        later,
    );
    assert!(
        n.store().get(&over.hash).is_some(),
        "a minute on, the allowance is back"
    );
    assert_eq!(n.store().height(), Height(4), "the best chain never moved");
}

/// A flood of requests: the node answers a burst, then stops answering and
/// bans the sender, so one peer cannot make it send more than the relay
/// lets a tab send (and get it cut off).
#[test]
fn a_peer_flooding_requests_gets_a_burst_of_answers_then_a_ban() {
    let (mut n, now) = miner();
    let mut answers = 0;
    let mut all = Vec::new();
    for i in 0..200u64 {
        let msg = if i % 2 == 0 {
            Message::GetBlocks {
                locator: vec![P.network_id()],
            }
        } else {
            Message::GetPool
        };
        let effects = n.handle(from(7, msg), now);
        answers += effects
            .iter()
            .filter(|e| matches!(e, Effect::Send { to: 7, .. }))
            .count();
        all.extend(effects);
    }
    assert_eq!(answers as u64, SERVE_BURST, "a burst is answered");
    assert!(banned(&all, 7), "then the flooder is banned");
    assert!(n.is_mining(), "mining never stopped");
    // Another peer is answered as before.
    let effects = n.handle(from(8, Message::GetPool), now);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Send { to: 8, .. }))
    );
}

#[test]
fn a_spec_is_given_to_whoever_asks_within_the_serving_rate_and_never_taken() {
    let (mut n, now) = miner();
    let spec = Message::Spec {
        spec: Params::TEST.spec().canonical(),
    };
    let answer = n.handle(from(7, Message::GetSpec), now);
    assert_eq!(
        answer,
        vec![Effect::Send {
            to: 7,
            msg: spec.clone()
        }]
    );
    // The spec it sent names the network it runs, as the asker checks.
    assert_eq!(
        tabcoin_chain::Params::from_spec_json_for(
            &Params::TEST.spec().canonical(),
            &P.network_id()
        ),
        Ok(P)
    );
    assert!(
        tabcoin_chain::Params::from_spec_json_for(
            &Params::DEMO.spec().canonical(),
            &P.network_id()
        )
        .is_err_and(|e| e.code() == "other_network")
    );
    // Asking faster than peers are served is a fault; so is an answer
    // nobody asked for: both end in a ban.
    let mut all = Vec::new();
    for _ in 0..SERVE_BURST * 4 {
        all.extend(n.handle(from(7, Message::GetSpec), now));
    }
    assert!(banned(&all, 7), "asking without end bans it");
    let mut all = Vec::new();
    for _ in 0..20 {
        all.extend(n.handle(from(8, spec.clone()), now));
    }
    assert!(banned(&all, 8), "unasked-for specs ban it");
}

/// `n` blocks of 40 copies of a 16-output transfer each, on a parent no one
/// has: fat orphans (what an orphan proves before it is kept is its hash
/// and its work).
fn fat_orphans(n: u64) -> Vec<Block> {
    let sender = wallet(1);
    let network = P.network_id();
    let at = GENESIS_TIMESTAMP;
    let mut tx = tabcoin_chain::Transaction::new(
        &sender,
        P.starting_balance,
        wallet(2).address(),
        Amount(1),
        salt(1),
        at,
        &network,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for seed in 3..18 {
        tx.update(&sender, wallet(seed).address(), Amount(1), at, &network)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let template = Store::new(P).genesis().header;
    (0..n)
        .map(|i| {
            let txs = vec![tx.clone(); 40];
            let mut header = template;
            header.prev_hash = BlockHash([7; 32]);
            header.height = Height(10 + i);
            header.tx_root = tabcoin_chain::tx_root(&txs);
            header.nonce = pow::search(&header, 0..u64::MAX).unwrap_or_default();
            Block::new(header, txs)
        })
        .collect()
}

#[test]
fn fresh_keys_share_one_orphan_allowance_and_a_proven_peer_is_not_held_to_it() {
    let (mut n, now) = miner();
    let orphans = fat_orphans(80);
    let each = orphans[0].footprint();
    let budget = NEWCOMER_ORPHAN_BYTES_PER_MINUTE as usize;
    assert!(80 * each > 2 * budget, "the flood is twice the allowance");
    // Each from a key of its own, as many keys as it takes.
    for (i, block) in orphans.iter().enumerate() {
        let peer = 1_000 + i as PeerId;
        n.handle(Event::PeerJoined(peer), now);
        n.handle(
            from(
                peer,
                Message::Block {
                    block: block.clone(),
                },
            ),
            now,
        );
    }
    let kept = n.store().orphan_bytes();
    assert!(
        kept <= budget && kept + each > budget,
        "{kept} bytes of orphans kept: the newcomers' allowance, {budget}"
    );
    // A peer whose block moved the best chain is no newcomer: its orphan is
    // kept (within the store's own bound) while newcomers' are not.
    let mut source = Store::new(P);
    crate::testkit::extend(&mut source, 1, 9);
    let useful = source.tip().clone();
    n.handle(from(7, Message::Block { block: useful }), now);
    assert!(n.store().height().0 >= 1, "peer 7's block was taken");
    let more = fat_orphans(81).pop().expect("one more");
    n.handle(
        from(
            2_000,
            Message::Block {
                block: more.clone(),
            },
        ),
        now,
    );
    assert_eq!(n.store().orphan_bytes(), kept, "a newcomer's: not kept");
    n.handle(from(7, Message::Block { block: more }), now);
    assert!(n.store().orphan_bytes() > kept, "the proven peer's: kept");
    // A minute on, newcomers have an allowance again.
    let later = now.plus_ms(60_000);
    let again = fat_orphans(82).pop().expect("another");
    n.handle(from(2_001, Message::Block { block: again }), later);
    assert!(n.store().orphan_bytes() > kept + each);
}
