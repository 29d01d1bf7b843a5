//! Fork choice, reorganisation, orphans and locators.
//!
//! (Long on purpose: one test per behaviour of the store.)

use super::*;
use crate::amount::Amount;
use crate::block::GENESIS_TIMESTAMP;
use crate::testutil::{NOW, P, block_on, fresh_salt, mine, net, seal, wallet};
use crate::tx::Transaction;

/// `from` pays `to` 1 coin out of a balance of 5000 it does not have: a
/// transfer the ledger refuses.
fn overspend(from: &crate::wallet::Wallet, to: &crate::wallet::Wallet) -> Transaction {
    Transaction::new(
        from,
        Amount(5000),
        to.address(),
        Amount(1),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Mines and accepts `n` blocks on `from`, `spacing_ms` apart.
fn branch(store: &mut Store, from: BlockHash, n: usize, spacing_ms: u64) -> Vec<Block> {
    let miner = wallet(1);
    let mut parent = from;
    let mut out = Vec::new();
    for _ in 0..n {
        let b = block_on(store, &parent, &miner, vec![], spacing_ms);
        parent = b.hash;
        store
            .accept(b.clone(), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        out.push(b);
    }
    out
}

#[test]
fn extends_and_ignores_known_blocks() {
    let mut s = Store::new(P);
    let b = mine(&mut s, &wallet(1), vec![]);
    assert_eq!(s.height(), Height(1));
    assert_eq!(s.accept(b, NOW), Ok(Accepted::default()));
    assert_eq!(s.total_work(), P.initial_target().work());
}

#[test]
fn fork_choice_is_by_work_not_length() {
    // Targets may ease from 12 to 8 zero bits, so slow blocks carry less work.
    let p = Params {
        initial_zero_bits: 12,
        pow_limit_zero_bits: 8,
        ..P
    };
    let mut s = Store::new(p.clone());
    let g = s.genesis().hash;
    // Six slow blocks: targets ease each block after the second.
    let slow = branch(&mut s, g, 6, 6 * p.mine_rate_ms);
    assert_eq!(s.tip().hash, slow[5].hash);
    // Five fast blocks on another branch: targets harden, more total work.
    let mut fresh = Store::new(p.clone());
    let fast = branch(&mut fresh, g, 5, 1);
    assert!(
        fresh.total_work() > s.total_work(),
        "{:?} vs {:?}",
        fresh.total_work(),
        s.total_work()
    );
    let mut outcome = Accepted::default();
    for b in fast.clone() {
        let a = s.accept(b, NOW).unwrap_or_else(|e| panic!("{e}"));
        outcome.removed.extend(a.removed);
        outcome.added.extend(a.added);
    }
    assert_eq!(
        s.tip().hash,
        fast[4].hash,
        "the shorter branch with more work wins"
    );
    assert_eq!(s.height(), Height(5));
    assert_eq!(outcome.removed.len(), 6);
    assert_eq!(outcome.added.len(), 5);
}

#[test]
fn equal_work_keeps_the_first_seen_tip() {
    let mut s = Store::new(P);
    let g = s.genesis().hash;
    let a = branch(&mut s, g, 2, P.mine_rate_ms);
    let b = block_on(&s, &a[0].hash, &wallet(2), vec![], P.mine_rate_ms);
    let outcome = s.accept(b.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    assert!(!outcome.tip_changed());
    assert_eq!(s.tip().hash, a[1].hash);
    assert!(s.get(&b.hash).is_some() && !s.is_main(&b.hash));
}

#[test]
fn reorganisation_rolls_the_ledger_back_to_the_common_ancestor() {
    let mut s = Store::new(P);
    let (a, b, c) = (wallet(1), wallet(2), wallet(3));
    let base = mine(&mut s, &a, vec![]);
    let pay = Transaction::new(
        &a,
        s.ledger().balance(&a.address()),
        b.address(),
        Amount(100),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ours = mine(&mut s, &a, vec![pay.clone()]);
    assert_eq!(s.ledger().balance(&b.address()), Amount(1100));
    // A competing branch from `base` without the payment, one block longer.
    let x = block_on(&s, &base.hash, &c, vec![], P.mine_rate_ms);
    s.accept(x.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    let y = block_on(&s, &x.hash, &c, vec![], P.mine_rate_ms);
    let outcome = s.accept(y.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outcome.removed, vec![ours]);
    assert_eq!(outcome.added, vec![x, y]);
    assert_eq!(
        s.ledger().balance(&b.address()),
        Amount(1000),
        "the payment is undone"
    );
    assert_eq!(
        s.ledger().balance(&c.address()),
        Amount(1100),
        "two rewards on the new branch"
    );
    assert!(!s.ledger().contains_tx(&pay.id));
}

#[test]
fn a_branch_that_fails_against_the_ledger_is_dropped_and_the_chain_restored() {
    let mut s = Store::new(P);
    let (a, b) = (wallet(1), wallet(2));
    let base = mine(&mut s, &a, vec![]);
    let tip = mine(&mut s, &a, vec![]);
    let before = s.ledger().clone();
    // Side branch: B spends more than B's balance as of its parent.
    let x = block_on(&s, &base.hash, &b, vec![], P.mine_rate_ms);
    s.accept(x.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    let inflated = overspend(&b, &a);
    let y = block_on(&s, &x.hash, &b, vec![inflated], P.mine_rate_ms);
    let err = s.accept(y.clone(), NOW);
    assert!(matches!(
        err,
        Err(AcceptError::Invalid {
            error: BlockError::Tx {
                error: crate::tx::TxError::InputNotBalance { .. },
                ..
            },
            ..
        })
    ));
    assert_eq!(s.tip().hash, tip.hash);
    assert_eq!(*s.ledger(), before);
    assert!(s.get(&y.hash).is_none());
    // Its descendants are refused without further checks.
    let z = block_on(&s, &x.hash, &b, vec![], P.mine_rate_ms);
    let mut header = z.header;
    header.prev_hash = y.hash;
    let child = crate::testutil::seal(header, z.data.clone());
    assert_eq!(
        s.accept(child.clone(), NOW),
        Err(AcceptError::KnownInvalid { hash: child.hash })
    );
}

/// Side blocks are checked on their own branch, so a reorganisation can
/// only fail at the block that would tip the balance: that block is
/// forgotten, and the valid side branch under it stays.
#[test]
fn a_failed_reorganisation_forgets_the_bad_block_and_keeps_its_valid_branch() {
    let mut s = Store::new(P);
    let (a, b) = (wallet(1), wallet(2));
    for _ in 0..3 {
        mine(&mut s, &a, vec![]);
    }
    let tip = s.tip().hash;
    let before = s.ledger().clone();
    let g = s.genesis().hash;
    // A valid side branch of as much work as the best chain, C2 a second
    // child of X1.
    let x1 = block_on(&s, &g, &b, vec![], P.mine_rate_ms);
    s.accept(x1.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    let c1 = block_on(&s, &x1.hash, &b, vec![], P.mine_rate_ms);
    s.accept(c1.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    let c2 = block_on(&s, &x1.hash, &b, vec![], P.mine_rate_ms + 1);
    s.accept(c2.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    let d1 = block_on(&s, &c1.hash, &b, vec![], P.mine_rate_ms);
    s.accept(d1.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    // E1 would outweigh the best chain, but spends more than B has.
    let e1 = block_on(&s, &d1.hash, &b, vec![overspend(&b, &a)], P.mine_rate_ms);
    assert!(matches!(
        s.accept(e1.clone(), NOW),
        Err(AcceptError::Invalid { .. })
    ));
    assert_eq!(s.tip().hash, tip);
    assert_eq!(*s.ledger(), before);
    assert!(s.get(&e1.hash).is_none(), "the bad block is forgotten");
    for kept in [&x1, &c1, &c2, &d1] {
        assert!(
            s.get(&kept.hash).is_some(),
            "valid side block at {} forgotten",
            kept.header.height
        );
    }
    // A block built on the forgotten one is refused at once.
    let f = crate::testutil::seal(
        crate::header::Header {
            prev_hash: e1.hash,
            height: e1.header.height.next(),
            ..e1.header
        },
        e1.data.clone(),
    );
    assert_eq!(
        s.accept(f.clone(), NOW),
        Err(AcceptError::KnownInvalid { hash: f.hash })
    );
}

#[test]
fn a_branch_forking_too_deep_is_not_stored() {
    let p = Params {
        max_fork_depth: 3,
        ..P
    };
    let mut s = Store::new(p.clone());
    for _ in 0..6 {
        mine(&mut s, &wallet(1), vec![]);
    }
    let at = |s: &Store, h: u64| {
        s.block_at(Height(h))
            .map(|b| b.hash)
            .unwrap_or_else(|| panic!("height {h}"))
    };
    let deep = block_on(&s, &at(&s, 1), &wallet(2), vec![], p.mine_rate_ms + 7);
    assert_eq!(
        s.accept(deep.clone(), NOW),
        Err(AcceptError::TooDeep {
            hash: deep.hash,
            height: Height(2),
            tip: Height(6)
        })
    );
    assert!(s.get(&deep.hash).is_none());
    let shallow = block_on(&s, &at(&s, 3), &wallet(2), vec![], p.mine_rate_ms + 7);
    assert!(s.accept(shallow.clone(), NOW).is_ok());
    assert!(
        s.get(&shallow.hash).is_some(),
        "a fork within the depth is kept"
    );
}

#[test]
fn a_tampered_copy_of_a_real_block_does_not_poison_the_real_one() {
    let mut s = Store::new(P);
    let tip = s.tip().hash;
    let real = block_on(&s, &tip, &wallet(1), vec![], P.mine_rate_ms);
    let mut tampered = real.clone();
    tampered.data[0]
        .outputs
        .insert(wallet(1).address(), Amount(1_000_000));
    for _ in 0..2 {
        assert!(matches!(
            s.accept(tampered.clone(), NOW),
            Err(AcceptError::Invalid {
                error: BlockError::BadTxRoot { .. },
                ..
            })
        ));
    }
    // A copy claiming the real hash over another header proves nothing either.
    let mut forged = real.clone();
    forged.header.nonce ^= 1;
    assert!(matches!(
        s.accept(forged, NOW),
        Err(AcceptError::Invalid {
            error: BlockError::HashMismatch { .. },
            ..
        })
    ));
    assert!(s.accept(real.clone(), NOW).is_ok_and(|a| a.tip_changed()));
    assert_eq!(s.tip().hash, real.hash);
}

#[test]
fn a_block_bound_to_its_hash_is_remembered_as_invalid() {
    let mut s = Store::new(P);
    let tip = s.tip().hash;
    let real = block_on(&s, &tip, &wallet(1), vec![], P.mine_rate_ms);
    // Proper work over a header committing to a reward of the wrong amount.
    let mut txs = real.data.clone();
    txs[0].outputs.insert(wallet(1).address(), Amount(51));
    let bad = crate::testutil::seal(real.header, txs);
    assert!(matches!(
        s.accept(bad.clone(), NOW),
        Err(AcceptError::Invalid {
            error: BlockError::WrongRewardAmount { .. },
            ..
        })
    ));
    assert_eq!(
        s.accept(bad.clone(), NOW),
        Err(AcceptError::KnownInvalid { hash: bad.hash })
    );
    assert_eq!(s.height(), Height(0));
}

#[test]
fn a_block_ahead_of_a_slow_clock_is_accepted_once_the_clock_catches_up() {
    let mut s = Store::new(P);
    let tip = s.tip().hash;
    let block = block_on(&s, &tip, &wallet(1), vec![], P.mine_rate_ms);
    let slow = Timestamp(block.header.timestamp.0 - P.max_future_ms - 1);
    assert!(matches!(
        s.accept(block.clone(), slow),
        Err(AcceptError::Invalid {
            error: BlockError::TimestampTooFarAhead { .. },
            ..
        })
    ));
    assert!(s.accept(block.clone(), NOW).is_ok_and(|a| a.tip_changed()));
}

#[test]
fn a_fake_orphan_cannot_claim_a_real_blocks_hash() {
    let mut source = Store::new(P);
    let g = source.genesis().hash;
    let blocks = branch(&mut source, g, 2, P.mine_rate_ms);
    let mut s = Store::new(P);
    // A junk block claiming block 2's hash, with an unknown parent.
    let mut fake = blocks[1].clone();
    fake.header.prev_hash = BlockHash([3; 32]);
    assert!(matches!(
        s.accept(fake, NOW),
        Err(AcceptError::Invalid {
            error: BlockError::HashMismatch { .. },
            ..
        })
    ));
    assert_eq!(s.orphan_count(), 0);
    for b in blocks {
        s.accept(b, NOW).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(s.height(), Height(2));
}

#[test]
fn orphans_wait_for_their_parent_and_then_connect() {
    let mut source = Store::new(P);
    let g = source.genesis().hash;
    let blocks = branch(&mut source, g, 4, P.mine_rate_ms);
    let mut s = Store::new(P);
    // Blocks 3 and 4 arrive first: they wait, and the missing root is named.
    let a = s
        .accept(blocks[3].clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.missing_parent, Some(blocks[2].hash));
    let a = s
        .accept(blocks[2].clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.missing_parent, Some(blocks[1].hash));
    assert_eq!(s.orphan_count(), 2);
    s.accept(blocks[0].clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    let a = s
        .accept(blocks[1].clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.added.len(), 3, "block 2 connects its waiting children");
    assert_eq!(s.height(), Height(4));
    assert_eq!(s.orphan_count(), 0);
}

#[test]
fn the_orphan_set_is_bounded() {
    let p = Params {
        max_orphans: 3,
        ..P
    };
    let mut source = Store::new(p.clone());
    let g = source.genesis().hash;
    let blocks = branch(&mut source, g, 6, p.mine_rate_ms);
    let mut s = Store::new(p.clone());
    for b in &blocks[1..] {
        s.accept(b.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(s.orphan_count(), 3);
}

/// `n` blocks of `txs` transactions of 16 outputs each, whose parent no
/// one has: fat orphans, as a flood would send them (what an orphan must
/// prove before it is kept is its hash and its work, not its transactions).
fn fat_orphans(n: u64, txs: usize) -> Vec<Block> {
    let mut tx = overspend(&wallet(1), &wallet(2));
    for seed in 3..18 {
        tx.outputs.insert(wallet(seed).address(), Amount(1));
    }
    let template = Store::new(P).genesis().header;
    (0..n)
        .map(|i| {
            let mut header = template;
            header.prev_hash = BlockHash([7; 32]);
            header.height = Height(10 + i);
            seal(header, vec![tx.clone(); txs])
        })
        .collect()
}

#[test]
fn orphans_are_bounded_by_bytes_too_the_oldest_giving_way() {
    let orphans = fat_orphans(6, 40);
    let each = orphans[0].footprint();
    assert!(
        each > 40 * 16 * 32,
        "a fat block weighs its outputs: {each}"
    );
    let p = Params {
        max_orphan_bytes: 3 * each + each / 2,
        ..P
    };
    let mut s = Store::new(p.clone());
    for b in &orphans {
        let a = s.accept(b.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.missing_parent, Some(BlockHash([7; 32])));
    }
    assert!(
        s.orphan_bytes() <= p.max_orphan_bytes,
        "{} bytes",
        s.orphan_bytes()
    );
    assert_eq!(s.orphan_count(), 3, "three fit; the older gave way");
    // The newest are the ones kept.
    for b in &orphans[..3] {
        let again = s.accept(b.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            again.missing_parent.is_some(),
            "an evicted orphan is new again"
        );
    }
    assert_eq!(s.orphan_count(), 3);
    assert!(s.orphan_bytes() <= p.max_orphan_bytes);
}

#[test]
fn the_default_orphan_bounds_keep_a_flood_of_fat_orphans_small() {
    // The block count's limit (200 transactions), each 16 outputs: the
    // largest orphan a peer can send, 120 of them.
    let mut s = Store::new(P);
    for b in fat_orphans(120, P.max_block_txs) {
        s.accept(b, NOW).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        s.orphan_bytes() <= P.max_orphan_bytes,
        "{} bytes",
        s.orphan_bytes()
    );
    assert!(s.orphan_count() < 120 / 4, "{} kept", s.orphan_count());
}

#[test]
fn locator_thins_out_and_ends_at_genesis() {
    let mut s = Store::new(P);
    let g = s.genesis().hash;
    branch(&mut s, g, 20, P.mine_rate_ms);
    let heights: Vec<u64> = s
        .locator()
        .iter()
        .filter_map(|h| s.get(h))
        .map(|b| b.header.height.0)
        .collect();
    assert_eq!(heights, vec![20, 19, 17, 13, 5, 0]);
    assert_eq!(Store::new(P).locator(), vec![g]);
}

#[test]
fn blocks_after_a_locator_are_only_what_is_missing() {
    let mut ahead = Store::new(P);
    let g = ahead.genesis().hash;
    let bs = branch(&mut ahead, g, 10, P.mine_rate_ms);
    let mut behind = Store::new(P);
    for b in &bs[..4] {
        behind
            .accept(b.clone(), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(ahead.blocks_after(&behind.locator(), 100), bs[4..].to_vec());
    assert_eq!(ahead.blocks_after(&behind.locator(), 2), bs[4..6].to_vec());
    assert!(ahead.blocks_after(&[BlockHash([9; 32])], 100).is_empty());
    assert!(ahead.blocks_after(&ahead.locator(), 100).is_empty());
}

#[test]
fn from_blocks_revalidates_and_checks_genesis() {
    let mut s = Store::new(P);
    let g = s.genesis().hash;
    branch(&mut s, g, 3, P.mine_rate_ms);
    let blocks: Vec<Block> = s.main_chain().cloned().collect();
    let copy = Store::from_blocks(P, blocks.clone(), NOW).map(|c| c.tip().hash);
    assert_eq!(copy, Ok(s.tip().hash));
    let other: Vec<Block> = Store::new(Params::DEMO).main_chain().cloned().collect();
    assert!(matches!(
        Store::from_blocks(P, other, NOW),
        Err(AcceptError::WrongGenesis { .. })
    ));
    let mut tampered = blocks;
    tampered[2].header.nonce ^= 1;
    assert!(Store::from_blocks(P, tampered, NOW).is_err());
}

/// Golden vector: the first block a fixed wallet mines on the test network at
/// a fixed time. Any change to the header layout, the transaction encoding,
/// the reward id or the retarget rule shows up here (cross-checked by
/// `docs/vectors.py`).
#[test]
fn mined_block_golden_vector() {
    let s = Store::new(P);
    let now = crate::block::GENESIS_TIMESTAMP.plus_ms(60_000);
    let template =
        crate::template::Template::new(&s, &crate::pool::Pool::new(), wallet(1).address(), now);
    let nonce = crate::pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
    let block = template.into_block(nonce);
    assert_eq!(
        (block.header.nonce, block.hash.to_string().as_str()),
        (GOLDEN_NONCE, GOLDEN_BLOCK_HASH)
    );
}

const GOLDEN_NONCE: u64 = 162;
const GOLDEN_BLOCK_HASH: &str = "006de72f9e67b6eac32254e31090fbe7a759fb812dadd079523268deb59a13fe";

/// The demo network's retarget and timestamp rules, with a cheap first
/// target so the blocks can be mined in a test.
const DEMO_CHEAP: Params = Params::DEMO.with_work(10, 6);

/// A block on the tip of `store` at timestamp `at`, with real work.
fn block_at(store: &Store, at: Timestamp) -> Block {
    let tip = store.tip().hash;
    let mut block = block_on(store, &tip, &wallet(9), vec![], 0);
    let mut header = block.header;
    header.timestamp = at;
    block = seal(header, block.data);
    block
}

/// The timewarp, tried at the store with real proof of work: with the
/// validator's clock standing still, the miner's old cycle (blocks 6 T
/// apart, then one 30 T back, which an old median rule allowed) is refused,
/// and the best it can do within the rules eases the target by at most
/// what the future bound buys (`2^(bound / τ)`), then only makes it harder,
/// until the bound stops it.
#[test]
fn a_lone_miner_at_a_frozen_clock_cannot_ease_the_difficulty() {
    let p = DEMO_CHEAP;
    let t = p.mine_rate_ms;
    let mut store = Store::new(p.clone());
    // An honest start, one block per T, ending at the clock.
    let clock = GENESIS_TIMESTAMP.plus_ms(40 * t);
    for i in 1..=40 {
        let block = block_at(&store, GENESIS_TIMESTAMP.plus_ms(i * t));
        store.accept(block, clock).unwrap_or_else(|e| panic!("{e}"));
    }
    let start = store.next_target();
    // Two blocks 5 T apart (50 s of the 60 s the future bound allows)…
    for _ in 0..2 {
        let at = store.tip().header.timestamp.plus_ms(5 * t);
        let block = block_at(&store, at);
        store.accept(block, clock).unwrap_or_else(|e| panic!("{e}"));
    }
    // …then one stepping back 30 T, as the old median rule allowed.
    let tip = store.tip().header.timestamp;
    let back = Timestamp(tip.0 - 30 * t);
    let refused = store.accept(block_at(&store, back), clock);
    assert!(
        matches!(
            refused,
            Err(AcceptError::Invalid {
                error: BlockError::TimestampNotAfterParent { .. },
                ..
            })
        ),
        "{refused:?}"
    );
    // The best left: one millisecond a block. Each is harder than the last.
    let eased = store.next_target();
    // 2^(60 s / 80 s) = 1.68.
    assert!(
        eased <= start.scaled(169, 100, p.pow_limit()),
        "eased more than the future bound buys"
    );
    let mut previous = eased;
    for _ in 0..30 {
        let at = store.tip().header.timestamp.plus_ms(1);
        let block = block_at(&store, at);
        store.accept(block, clock).unwrap_or_else(|e| panic!("{e}"));
        let next = store.next_target();
        assert!(next < previous, "the target eased at a frozen clock");
        previous = next;
    }
    assert!(previous < start, "harder than before the attack");
    // And once the timestamps reach the bound, no block at all.
    let beyond = block_at(&store, clock.plus_ms(p.max_future_ms + 1));
    assert!(matches!(
        store.accept(beyond, clock),
        Err(AcceptError::Invalid {
            error: BlockError::TimestampTooFarAhead { .. },
            ..
        })
    ));
}

/// One `accept` that connects orphans reports the net change of the best
/// chain: a block that joined the chain and left it again within the call
/// is reported neither as added nor as removed. (Orphans connect in an
/// order this test does not control, so it runs the scenario many times.)
#[test]
fn one_accept_reports_the_net_change_of_the_best_chain() {
    for round in 0..24u8 {
        let mut s = Store::new(P);
        mine(&mut s, &wallet(1), vec![]);
        let tip = s.tip().hash;
        // Built elsewhere: x1 on the tip; a2 on x1; b2, b3 on x1.
        let mut other = Store::from_blocks(P, s.main_chain().cloned().collect(), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        let x1 = block_on(&other, &tip, &wallet(2), vec![], P.mine_rate_ms);
        other
            .accept(x1.clone(), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        let a2 = block_on(&other, &x1.hash, &wallet(3), vec![], P.mine_rate_ms);
        let b2 = block_on(&other, &x1.hash, &wallet(4), vec![], P.mine_rate_ms + 1);
        other
            .accept(b2.clone(), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        let b3 = block_on(&other, &b2.hash, &wallet(4), vec![], P.mine_rate_ms);
        // The orphans arrive first, then the block they all wait for.
        let orphans = if round % 2 == 0 {
            [a2.clone(), b2.clone(), b3.clone()]
        } else {
            [b3.clone(), b2.clone(), a2.clone()]
        };
        for orphan in orphans {
            s.accept(orphan, NOW).unwrap_or_else(|e| panic!("{e}"));
        }
        let accepted = s.accept(x1.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.tip().hash, b3.hash);
        let added: Vec<BlockHash> = accepted.added.iter().map(|b| b.hash).collect();
        assert_eq!(added, vec![x1.hash, b2.hash, b3.hash], "round {round}");
        assert!(
            accepted.removed.is_empty(),
            "round {round}: {:?}",
            accepted.removed
        );
    }
}

#[test]
fn merged_changes_cancel_out_blocks_that_came_and_went() {
    let mut s = Store::new(P);
    let (a, b) = (
        mine(&mut s, &wallet(1), vec![]),
        mine(&mut s, &wallet(1), vec![]),
    );
    let mut total = Accepted::default();
    total.follow(vec![], vec![a.clone(), b.clone()]);
    total.follow(vec![b.clone()], vec![]);
    assert_eq!(total.added, vec![a.clone()]);
    assert!(total.removed.is_empty());
    let mut back = Accepted::default();
    back.follow(vec![a.clone()], vec![]);
    back.merge(Accepted {
        added: vec![a],
        ..Accepted::default()
    });
    assert_eq!(back, Accepted::default(), "left and came back: no change");
}

/// Side branches are bounded in width as well as depth: a few siblings per
/// height, and a total beyond which the weakest side leaf gives way to a
/// stronger block, or a weaker block is not kept.
#[test]
fn side_branches_are_bounded_per_height_and_in_all() {
    let p = Params {
        max_siblings: 2,
        max_side_blocks: 3,
        ..P
    };
    let mut s = Store::new(p.clone());
    for _ in 0..6 {
        mine(&mut s, &wallet(1), vec![]);
    }
    let at = |s: &Store, h: u64| s.block_at(Height(h)).map(|b| b.hash).unwrap_or_default();
    // A sibling of the block at `height`, by miner `seed`.
    let sibling = |s: &Store, height: u64, seed: u8| {
        block_on(
            s,
            &at(s, height - 1),
            &wallet(seed),
            vec![],
            P.mine_rate_ms + u64::from(seed),
        )
    };
    let full =
        |r: Result<Accepted, AcceptError>| matches!(r, Err(AcceptError::SideBranchFull { .. }));
    // Two siblings at height 5 are kept, a third is not.
    for seed in [2, 3] {
        let b = sibling(&s, 5, seed);
        s.accept(b, NOW).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        full(s.accept(sibling(&s, 5, 4), NOW)),
        "two siblings at most"
    );
    // A third side block, at height 3: the side set is now full.
    let low = sibling(&s, 3, 5);
    s.accept(low.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    // A side block with more work than the weakest side leaf takes its place…
    let stronger = sibling(&s, 6, 6);
    s.accept(stronger.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.get(&stronger.hash).is_some());
    assert!(s.get(&low.hash).is_none(), "the weakest side leaf gave way");
    // …and one with less work than every side leaf is not kept.
    assert!(full(s.accept(sibling(&s, 2, 7), NOW)));
    assert_eq!(s.height(), Height(6), "the best chain never moved");
}

/// Side blocks that fall below the fork window are forgotten.
#[test]
fn side_blocks_below_the_fork_window_are_forgotten() {
    let p = Params {
        max_fork_depth: 3,
        ..P
    };
    let mut s = Store::new(p.clone());
    for _ in 0..3 {
        mine(&mut s, &wallet(1), vec![]);
    }
    let parent = s.block_at(Height(2)).map(|b| b.hash).unwrap_or_default();
    let side = block_on(&s, &parent, &wallet(2), vec![], P.mine_rate_ms + 7);
    s.accept(side.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.get(&side.hash).is_some());
    for _ in 0..4 {
        mine(&mut s, &wallet(1), vec![]);
    }
    assert!(s.get(&side.hash).is_none(), "too deep to matter");
    assert_eq!(s.height(), Height(7));
}

/// A side-branch block is checked against the ledger of its own branch
/// before it is kept: a transfer its branch cannot pay for is refused while
/// the block is still a side block (and remembered as invalid), and one only
/// its branch can pay for is kept; the best chain's ledger is unchanged.
#[test]
fn a_side_block_is_checked_against_its_own_branchs_ledger() {
    let mut s = Store::new(P);
    let (a, b) = (wallet(1), wallet(2));
    let base = mine(&mut s, &a, vec![]);
    for _ in 0..3 {
        mine(&mut s, &a, vec![]);
    }
    let tip = s.tip().hash;
    let before = s.ledger().clone();
    // B mines a side block on `base`: on that branch B holds the reward too.
    let x = block_on(&s, &base.hash, &b, vec![], P.mine_rate_ms + 3);
    s.accept(x.clone(), NOW).unwrap_or_else(|e| panic!("{e}"));
    // Refused: B spends more than it holds on its branch.
    let bad = block_on(&s, &x.hash, &b, vec![overspend(&b, &a)], P.mine_rate_ms);
    let refused = s.accept(bad.clone(), NOW);
    assert!(
        matches!(
            refused,
            Err(AcceptError::Invalid {
                error: BlockError::Tx {
                    error: crate::tx::TxError::InputNotBalance { .. },
                    ..
                },
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(s.get(&bad.hash).is_none(), "not kept");
    assert_eq!(
        s.accept(bad.clone(), NOW),
        Err(AcceptError::KnownInvalid { hash: bad.hash })
    );
    // Kept: B spends its starting balance and the side reward, which only
    // its branch gives it.
    let branch_balance = P.starting_balance.checked_add(P.mining_reward);
    let branch_balance = branch_balance.unwrap_or_else(|| panic!("no overflow"));
    assert_eq!(s.ledger().balance(&b.address()), P.starting_balance);
    let spend = Transaction::new(
        &b,
        branch_balance,
        a.address(),
        Amount(1),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let good = block_on(&s, &x.hash, &b, vec![spend], P.mine_rate_ms + 1);
    s.accept(good.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.get(&good.hash).is_some(), "kept as a side block");
    assert_eq!(s.tip().hash, tip, "the best chain did not move");
    assert_eq!(*s.ledger(), before, "and its ledger is as it was");
}

/// `would_be_side` tells, before any check, whether a block would be kept
/// beside the best chain.
#[test]
fn a_block_can_be_told_to_be_a_side_block_before_any_check() {
    let mut s = Store::new(P);
    let base = mine(&mut s, &wallet(1), vec![]);
    mine(&mut s, &wallet(1), vec![]);
    let on_tip = block_on(&s, &s.tip().hash, &wallet(2), vec![], P.mine_rate_ms);
    assert!(!s.would_be_side(&on_tip), "extends the best chain");
    let sibling = block_on(&s, &base.hash, &wallet(2), vec![], P.mine_rate_ms + 1);
    assert!(s.would_be_side(&sibling), "as much work as the tip");
    s.accept(sibling.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!s.would_be_side(&sibling), "known already");
    let on_sibling = block_on(&s, &sibling.hash, &wallet(2), vec![], P.mine_rate_ms);
    assert!(!s.would_be_side(&on_sibling), "outweighs the best chain");
    let mut header = on_sibling.header;
    header.prev_hash = BlockHash([7; 32]);
    let orphan = seal(header, on_sibling.data.clone());
    assert!(!s.would_be_side(&orphan), "parent unknown");
}

/// A spec's allocations are balances from genesis on: spendable by their
/// owner in the first block, and nobody else's.
#[test]
fn allocations_are_balances_from_genesis() {
    let (a, b) = (wallet(1), wallet(2));
    let mut p = P;
    p.starting_balance = Amount(0);
    p.allocations = std::collections::BTreeMap::from([(a.address(), Amount(500))]);
    let mut s = Store::new(p.clone());
    assert_eq!(s.ledger().balance(&a.address()), Amount(500));
    assert_eq!(s.ledger().balance(&b.address()), Amount(0));
    assert_ne!(s.genesis().hash, Store::new(P).genesis().hash);
    let g = s.genesis().hash;
    let t = GENESIS_TIMESTAMP.plus_ms(p.mine_rate_ms);
    // B claims a balance it does not have.
    let claim = Transaction::new(&b, Amount(500), a.address(), Amount(1), fresh_salt(), t, &g)
        .unwrap_or_else(|e| panic!("{e}"));
    let bad = block_on(&s, &g, &a, vec![claim], p.mine_rate_ms);
    assert!(matches!(
        s.accept(bad, NOW),
        Err(AcceptError::Invalid {
            error: BlockError::Tx {
                error: crate::tx::TxError::InputNotBalance { .. },
                ..
            },
            ..
        })
    ));
    // A spends its allocation.
    let pay = Transaction::new(
        &a,
        Amount(500),
        b.address(),
        Amount(200),
        fresh_salt(),
        t,
        &g,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let good = block_on(&s, &g, &b, vec![pay], p.mine_rate_ms);
    s.accept(good, NOW).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.ledger().balance(&a.address()), Amount(300));
    assert_eq!(s.ledger().balance(&b.address()), Amount(200 + 50));
}

/// A spec may set no mining reward: blocks still carry their (empty)
/// reward and are valid, and nobody's balance moves by mining.
#[test]
fn a_network_without_a_mining_reward_still_makes_blocks() {
    let mut p = P;
    p.mining_reward = Amount(0);
    let mut s = Store::new(p);
    let a = wallet(1);
    let block = mine(&mut s, &a, vec![]);
    assert_eq!(s.tip().hash, block.hash);
    assert_eq!(s.ledger().balance(&a.address()), P.starting_balance);
}

/// A side branch growing one block at a time while the side set is full
/// never evicts its own parent (the leaf it builds on): it keeps growing
/// and, once it has more work, becomes the best chain. Before rules 4's
/// store, making room evicted the new block's parent and the heavier
/// branch failed with a missing ancestor.
#[test]
fn a_growing_side_branch_never_evicts_its_own_parent_and_wins() {
    let p = Params {
        max_side_blocks: 3,
        ..P
    };
    let mut s = Store::new(p);
    let fork = s.genesis().hash;
    // The best chain: 4 blocks. Side leaves elsewhere fill the set.
    let main = branch(&mut s, fork, 4, P.mine_rate_ms);
    for seed in [3, 4] {
        let b = block_on(&s, &main[0].hash, &wallet(seed), vec![], P.mine_rate_ms + 1);
        s.accept(b, NOW).unwrap_or_else(|e| panic!("{e}"));
    }
    // A rival branch from genesis, one block at a time, by another miner.
    let mut parent = fork;
    let mut rival = Vec::new();
    for i in 0..6 {
        let b = block_on(&s, &parent, &wallet(2), vec![], P.mine_rate_ms + 2);
        s.accept(b.clone(), NOW)
            .unwrap_or_else(|e| panic!("rival block {i}: {e}"));
        assert!(s.get(&parent).is_some(), "block {i}'s parent was evicted");
        parent = b.hash;
        rival.push(b);
    }
    assert_eq!(s.tip().hash, rival[5].hash, "the heavier branch won");
    assert!(rival.iter().all(|b| s.is_main(&b.hash)));
}

/// A block that fails its checks evicts nothing: the side leaf that would
/// have given way for it is still there.
#[test]
fn a_refused_block_evicts_no_side_block() {
    let p = Params {
        max_side_blocks: 1,
        ..P
    };
    let mut s = Store::new(p);
    let g = s.genesis().hash;
    let main = branch(&mut s, g, 4, P.mine_rate_ms);
    let weak = block_on(&s, &main[0].hash, &wallet(3), vec![], P.mine_rate_ms + 1);
    s.accept(weak.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    // A stronger side block whose transfer overspends: it would replace
    // `weak`, but it is refused, so `weak` stays.
    let bad = block_on(
        &s,
        &main[2].hash,
        &wallet(4),
        vec![overspend(&wallet(1), &wallet(2))],
        P.mine_rate_ms + 1,
    );
    assert!(matches!(
        s.accept(bad, NOW),
        Err(AcceptError::Invalid { .. })
    ));
    assert!(
        s.get(&weak.hash).is_some(),
        "a refused block evicted a side leaf"
    );
    // A good stronger one does take its place.
    let good = block_on(&s, &main[2].hash, &wallet(4), vec![], P.mine_rate_ms + 1);
    s.accept(good.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.get(&good.hash).is_some() && s.get(&weak.hash).is_none());
}

/// Pinned blocks (a header chain proven heavier) are stored however deep
/// they fork, kept below the fork window, and win once they carry more
/// work; the old best chain's blocks that fall below the window are then
/// forgotten. Unpinned, the same deep blocks are refused as too deep.
#[test]
fn pinned_blocks_of_a_heavier_chain_are_kept_however_deep_and_win() {
    let p = Params {
        max_fork_depth: 5,
        ..P
    };
    let mut ours = Store::new(p.clone());
    let g = ours.genesis().hash;
    let old = branch(&mut ours, g, 12, P.mine_rate_ms);
    // A heavier chain from genesis, mined elsewhere.
    let mut theirs = Store::new(p.clone());
    let mut parent = g;
    let mut rival = Vec::new();
    for _ in 0..15 {
        let b = block_on(&theirs, &parent, &wallet(2), vec![], P.mine_rate_ms + 3);
        theirs
            .accept(b.clone(), NOW)
            .unwrap_or_else(|e| panic!("{e}"));
        parent = b.hash;
        rival.push(b);
    }
    assert!(theirs.total_work() > ours.total_work());
    // Unpinned: too deep.
    assert!(matches!(
        ours.accept(rival[0].clone(), NOW),
        Err(AcceptError::TooDeep { .. })
    ));
    ours.pin(rival.iter().map(|b| b.hash));
    for (i, b) in rival.iter().enumerate() {
        ours.accept(b.clone(), NOW)
            .unwrap_or_else(|e| panic!("rival block {i}: {e}"));
        assert!(
            ours.get(&rival[0].hash).is_some(),
            "a pinned block was forgotten"
        );
    }
    assert_eq!(ours.tip().hash, rival[14].hash);
    ours.unpin();
    // The old chain forked below the new fork window: all of it is gone
    // (a part of it left without its ancestors could never be checked).
    assert!(old.iter().all(|b| ours.get(&b.hash).is_none()));
    assert_eq!(ours.known_blocks(), 16);
}

/// Unpinning forgets pinned side blocks that fell below the fork window.
#[test]
fn unpinned_side_blocks_below_the_window_are_forgotten() {
    let p = Params {
        max_fork_depth: 3,
        ..P
    };
    let mut s = Store::new(p);
    let g = s.genesis().hash;
    let side = block_on(&s, &g, &wallet(2), vec![], P.mine_rate_ms + 3);
    s.pin([side.hash]);
    branch(&mut s, g, 2, P.mine_rate_ms);
    s.accept(side.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    let tip = s.tip().hash;
    branch(&mut s, tip, 6, P.mine_rate_ms);
    assert!(s.get(&side.hash).is_some(), "pinned, it stays");
    s.unpin();
    assert!(s.get(&side.hash).is_none(), "unpinned, it goes");
}
