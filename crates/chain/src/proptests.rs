//! Property tests: encodings round-trip, tampering always invalidates,
//! applying then undoing a block restores the ledger, and the best tip always
//! has the most work among known blocks. Seeds are fixed, so runs repeat.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use crate::amount::Amount;
use crate::block::Block;
use crate::hash::{BlockHash, TxRoot};
use crate::header::{HEADER_LEN, Header};
use crate::height::Height;
use crate::params::Params;
use crate::sigcache::SigCache;
use crate::store::Store;
use crate::target::Target;
use crate::testutil::{NOW, P, block_on, fresh_salt, net, wallet};
use crate::timestamp::Timestamp;
use crate::tx::Transaction;
use crate::validate::{check_block, check_ledger};
use crate::work::Work;

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x7ab_c017),
        failure_persistence: None,
        ..Config::default()
    }
}

fn arb_header() -> impl Strategy<Value = Header> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        any::<u32>(),
        any::<u64>(),
    )
        .prop_map(|(height, timestamp, prev, root, bits, nonce)| Header {
            height: Height(height),
            timestamp: Timestamp(timestamp),
            prev_hash: BlockHash(prev),
            tx_root: TxRoot(root),
            bits,
            nonce,
        })
}

/// A store with a few blocks (on a network hard enough that a random header
/// change meets the target only with probability 2^-20) and a good block on
/// its tip carrying one transfer.
fn hard_fixture() -> (Store, Block) {
    let p = Params {
        initial_zero_bits: 20,
        ..P
    };
    let mut s = Store::new(p.clone());
    let a = wallet(1);
    let tip = s.tip().hash;
    let first = block_on(&s, &tip, &a, vec![], p.mine_rate_ms);
    s.accept(first, NOW).unwrap_or_else(|e| panic!("{e}"));
    let pay = Transaction::new(
        &a,
        s.ledger().balance(&a.address()),
        wallet(2).address(),
        Amount(7),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tip = s.tip().hash;
    let good = block_on(&s, &tip, &a, vec![pay], p.mine_rate_ms);
    (s, good)
}

fn is_valid(s: &Store, block: &Block) -> bool {
    let Some(ctx) = s.context(&block.header.prev_hash) else {
        return false;
    };
    match check_block(block, &ctx, NOW, s.params(), &mut SigCache::disabled(net())) {
        Ok(checked) => check_ledger(&checked, s.ledger()).is_ok(),
        Err(_) => false,
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn header_bytes_round_trip(h in arb_header()) {
        prop_assert_eq!(Header::decode(&h.encode()), h);
    }

    #[test]
    fn compact_targets_round_trip(bits in any::<u32>()) {
        if let Some(t) = Target::from_compact(bits) {
            prop_assert_eq!(Target::from_compact(t.to_compact()), Some(t));
        }
    }

    #[test]
    fn transactions_round_trip_through_json(to in 2u8..20, amount in 1u64..=1000, extra in 1u64..=10) {
        let a = wallet(1);
        let mut tx = Transaction::new(&a, Amount(1000 + extra), wallet(to).address(), Amount(amount), fresh_salt(), NOW, &net())
            .unwrap_or_else(|e| panic!("{e}"));
        tx.update(&a, wallet(to + 20).address(), Amount(extra), NOW.plus_ms(1), &net()).unwrap_or_else(|e| panic!("{e}"));
        let json = serde_json::to_string(&tx).unwrap_or_default();
        let back: Transaction = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(back, tx);
    }

    #[test]
    fn addresses_round_trip_through_text(seed in 1u8..=254) {
        let addr = wallet(seed).address();
        prop_assert_eq!(addr.to_string().parse().ok(), Some(addr));
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// Any single-byte change to a valid block's header makes it invalid,
    /// whether the sender keeps the old claimed hash or claims the new one.
    #[test]
    fn any_header_byte_change_invalidates_the_block(index in 0..HEADER_LEN, flip in 1u8..=255, reclaim in any::<bool>()) {
        thread_local!(static FIXTURE: (Store, Block) = hard_fixture());
        FIXTURE.with(|(s, good)| {
            assert!(is_valid(s, good));
            let mut bytes = good.header.encode();
            bytes[index] ^= flip;
            let mut bad = good.clone();
            bad.header = Header::decode(&bytes);
            if reclaim {
                bad.hash = bad.header.hash();
            }
            assert!(!is_valid(s, &bad), "byte {index} ^ {flip:02x} went unnoticed");
        });
    }

    /// Changing any output amount or recipient of any transaction invalidates
    /// the block.
    #[test]
    fn any_transaction_change_invalidates_the_block(which in 0usize..2, delta in 1u64..1000, new_recipient in any::<bool>()) {
        thread_local!(static FIXTURE: (Store, Block) = hard_fixture());
        FIXTURE.with(|(s, good)| {
            let mut bad = good.clone();
            let tx = &mut bad.data[which];
            let (addr, amount) = tx.outputs.iter().next().map(|(a, v)| (*a, *v)).unwrap_or_else(|| panic!("outputs"));
            if new_recipient {
                tx.outputs.remove(&addr);
                tx.outputs.insert(wallet(99).address(), amount);
            } else {
                tx.outputs.insert(addr, Amount(amount.0 + delta));
            }
            assert!(!is_valid(s, &bad));
        });
    }
}

/// One step of a random chain history: who pays whom how much, on which
/// stored block, how long after its parent.
#[derive(Debug, Clone)]
struct Step {
    parent_pick: usize,
    spacing: u64,
    payments: Vec<(u8, u8, u64)>,
}

fn arb_steps() -> impl Strategy<Value = Vec<Step>> {
    let payment = (1u8..=4, 1u8..=4, 1u64..300);
    let step = (
        any::<usize>(),
        1u64..3000,
        proptest::collection::vec(payment, 0..3),
    )
        .prop_map(|(parent_pick, spacing, payments)| Step {
            parent_pick,
            spacing,
            payments,
        });
    proptest::collection::vec(step, 1..12)
}

/// The block for `step` on `parent`: valid payments only (distinct senders,
/// amounts within balance, as of the parent's ledger when it is the tip).
fn build(s: &Store, parent: &BlockHash, step: &Step) -> Block {
    let mut txs = Vec::new();
    let mut senders = Vec::new();
    if *parent == s.tip().hash {
        for &(from, to, amount) in &step.payments {
            let w = wallet(from);
            let balance = s.ledger().balance(&w.address());
            if from == to || senders.contains(&from) || amount > balance.0 {
                continue;
            }
            senders.push(from);
            if let Ok(tx) = Transaction::new(
                &w,
                balance,
                wallet(to).address(),
                Amount(amount),
                fresh_salt(),
                NOW,
                &net(),
            ) {
                txs.push(tx);
            }
        }
    }
    block_on(s, parent, &wallet(9), txs, step.spacing)
}

fn cumulative_work(s: &Store, hash: &BlockHash) -> Work {
    let mut work = Work::ZERO;
    let mut cursor = s.get(hash);
    while let Some(b) = cursor.filter(|b| b.header.height > Height::GENESIS) {
        work = work
            .saturating_add(Target::from_compact(b.header.bits).map_or(Work::ZERO, |t| t.work()));
        cursor = s.get(&b.header.prev_hash);
    }
    work
}

proptest! {
    #![proptest_config(config(48))]

    /// Applying a block and undoing it leaves the ledger exactly as before.
    #[test]
    fn apply_then_undo_restores_the_ledger(steps in arb_steps()) {
        let mut s = Store::new(P);
        for step in &steps {
            let tip = s.tip().hash;
            let block = build(&s, &tip, step);
            let ctx = s.context(&tip).unwrap_or_else(|| panic!("context"));
            let checked = check_block(&block, &ctx, NOW, &P, &mut SigCache::disabled(net())).unwrap_or_else(|e| panic!("{e}"));
            let valid = check_ledger(&checked, s.ledger()).unwrap_or_else(|e| panic!("{e}"));
            let mut ledger = s.ledger().clone();
            let undo = ledger.apply(&valid);
            ledger.undo(undo);
            prop_assert_eq!(&ledger, s.ledger());
            s.accept(block, NOW).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// Whatever tree of blocks arrives, the best tip has the most cumulative
    /// work of every stored block, and its ledger matches a replay of the
    /// best chain from genesis.
    #[test]
    fn the_best_tip_has_the_most_work(steps in arb_steps()) {
        let mut s = Store::new(P);
        let mut known = vec![s.genesis().hash];
        for step in &steps {
            let parent = known[step.parent_pick % known.len()];
            let block = build(&s, &parent, step);
            known.push(block.hash);
            s.accept(block, NOW).unwrap_or_else(|e| panic!("{e}"));
        }
        let best = s.total_work();
        prop_assert_eq!(cumulative_work(&s, &s.tip().hash), best);
        for h in &known {
            prop_assert!(cumulative_work(&s, h) <= best);
        }
        let replay = Store::from_blocks(P, s.main_chain().cloned().collect(), NOW).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(replay.ledger(), s.ledger());
    }
}
