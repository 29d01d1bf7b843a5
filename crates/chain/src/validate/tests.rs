//! Every block rule: a good block passes, and a minimally broken one fails
//! with exactly that rule's error.
//!
//! (Long on purpose: every block rule has a test that accepts and one that
//! rejects.)

use super::*;
use crate::amount::Amount;
use crate::store::Store;
use crate::testutil::{NOW, P, block_on, fresh_id, fresh_salt, mine, net, seal, wallet};
use crate::tx::{Sig, Transaction, TxId};

struct Fixture {
    store: Store,
    good: Block,
    ctx: Context,
}

/// A store with a few blocks, and a good next block carrying a transfer.
fn fixture() -> Fixture {
    let mut store = Store::new(P);
    let (a, b) = (wallet(1), wallet(2));
    for _ in 0..3 {
        mine(&mut store, &a, vec![]);
    }
    let balance = store.ledger().balance(&a.address());
    let tx = Transaction::new(
        &a,
        balance,
        b.address(),
        Amount(10),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tip = store.tip().hash;
    let good = block_on(&store, &tip, &a, vec![tx], P.mine_rate_ms);
    let ctx = store
        .context(&tip)
        .unwrap_or_else(|| panic!("tip has a context"));
    Fixture { store, good, ctx }
}

fn check(f: &Fixture, block: &Block) -> Result<(), BlockError> {
    check_block(block, &f.ctx, NOW, &P, &mut SigCache::disabled(net()))?;
    Ok(())
}

fn check_with(f: &Fixture, block: &Block, params: &Params) -> Result<(), BlockError> {
    check_block(block, &f.ctx, NOW, params, &mut SigCache::disabled(net())).map(|_| ())
}

/// Applies `edit` to the header, then mines again (root recomputed), so only
/// the edited rule can fail.
fn remine(block: &Block, edit: impl FnOnce(&mut Header)) -> Block {
    let mut header = block.header;
    edit(&mut header);
    seal(header, block.data.clone())
}

/// Replaces the transactions, then mines again.
fn with_txs(block: &Block, edit: impl FnOnce(&mut Vec<Transaction>)) -> Block {
    let mut txs = block.data.clone();
    edit(&mut txs);
    seal(block.header, txs)
}

#[test]
fn a_good_block_passes_both_stages() {
    let f = fixture();
    let checked = check_block(&f.good, &f.ctx, NOW, &P, &mut SigCache::disabled(net()));
    let checked = checked.unwrap_or_else(|e| panic!("{e}"));
    assert!(check_ledger(&checked, f.store.ledger()).is_ok());
}

#[test]
fn stage_0_returns_the_hash_it_proved_and_later_rules_judge_that_hash() {
    let f = fixture();
    assert_eq!(check_standalone(&f.good, &P), Ok(f.good.header.hash()));
    assert_eq!(hash_is_valid(&f.good), Ok(f.good.hash));
    assert_eq!(work_is_valid(&f.good, &f.good.hash, &f.ctx), Ok(()));
    // The proof-of-work rule reads the hash it is handed, not a fresh one.
    let unmet = BlockHash([0xff; 32]);
    assert_eq!(
        work_is_valid(&f.good, &unmet, &f.ctx),
        Err(BlockError::InsufficientWork {
            hash: unmet,
            bits: f.good.header.bits
        })
    );
    assert_eq!(
        declared_work_is_valid(&f.good, &unmet, &P),
        Err(BlockError::InsufficientWork {
            hash: unmet,
            bits: f.good.header.bits
        })
    );
}

#[test]
fn wrong_height_is_rejected() {
    let f = fixture();
    let bad = remine(&f.good, |h| h.height = h.height.next());
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::WrongHeight {
            expected: f.good.header.height,
            actual: f.good.header.height.next()
        })
    );
}

#[test]
fn wrong_parent_is_rejected() {
    let f = fixture();
    let bad = remine(&f.good, |h| h.prev_hash = BlockHash([7; 32]));
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::BadPrevHash {
            expected: f.ctx.parent_hash,
            actual: BlockHash([7; 32])
        })
    );
}

#[test]
fn too_many_transactions_are_rejected() {
    let f = fixture();
    let tight = Params {
        max_block_txs: 1,
        ..P
    };
    assert_eq!(
        check_with(&f, &f.good, &tight),
        Err(BlockError::TooManyTransactions { max: 1, actual: 2 })
    );
    let roomy = Params {
        max_block_txs: 2,
        ..P
    };
    assert_eq!(check_with(&f, &f.good, &roomy), Ok(()));
}

#[test]
fn timestamp_at_or_before_the_parent_is_rejected() {
    let f = fixture();
    let parent = f.ctx.parent.timestamp;
    for at in [
        parent,
        Timestamp(parent.0 - 1),
        Timestamp(parent.0 - 30 * P.mine_rate_ms),
    ] {
        let bad = remine(&f.good, |h| h.timestamp = at);
        assert_eq!(
            check(&f, &bad),
            Err(BlockError::TimestampNotAfterParent { parent, actual: at })
        );
    }
    // One millisecond after the parent is enough.
    let ok = remine(&f.good, |h| h.timestamp = parent.plus_ms(1));
    assert_eq!(check(&f, &ok), Ok(()));
}

#[test]
fn timestamp_too_far_ahead_is_rejected_and_the_bound_is_accepted() {
    let f = fixture();
    let now = f.good.header.timestamp;
    let at_bound = remine(&f.good, |h| h.timestamp = now.plus_ms(P.max_future_ms));
    assert!(check_block(&at_bound, &f.ctx, now, &P, &mut SigCache::disabled(net())).is_ok());
    let bad = remine(&f.good, |h| h.timestamp = now.plus_ms(P.max_future_ms + 1));
    assert_eq!(
        check_block(&bad, &f.ctx, now, &P, &mut SigCache::disabled(net())).map(|_| ()),
        Err(BlockError::TimestampTooFarAhead {
            now,
            actual: now.plus_ms(P.max_future_ms + 1),
            max_ahead_ms: P.max_future_ms
        })
    );
}

#[test]
fn a_changed_transaction_breaks_the_root() {
    let f = fixture();
    let mut bad = f.good.clone();
    bad.data.swap(0, 1);
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::BadTxRoot {
            expected: crate::block::tx_root(&bad.data),
            actual: f.good.header.tx_root
        })
    );
}

#[test]
fn wrong_claimed_hash_is_rejected() {
    let f = fixture();
    let mut bad = f.good.clone();
    bad.hash = BlockHash([1; 32]);
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::HashMismatch {
            computed: f.good.hash,
            claimed: BlockHash([1; 32])
        })
    );
}

#[test]
fn a_self_chosen_target_is_rejected() {
    let f = fixture();
    // Within the network's limit, but not what the retarget rule requires.
    let other = Target::from_leading_zeros(9).to_compact();
    let bad = remine(&f.good, |h| h.bits = other);
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::WrongTarget {
            expected: f.good.header.bits,
            actual: other
        })
    );
}

#[test]
fn a_target_easier_than_the_limit_is_rejected_before_anything_else() {
    let f = fixture();
    let easier = Target::from_leading_zeros(1).to_compact();
    let bad = remine(&f.good, |h| h.bits = easier);
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::TargetAboveLimit {
            bits: easier,
            limit: P.pow_limit().to_compact()
        })
    );
    // Bits that are no target at all (nothing could be mined for them).
    let mut garbage = f.good.clone();
    garbage.header.bits = 0xff00_0001;
    garbage.hash = garbage.header.hash();
    assert!(matches!(
        check(&f, &garbage),
        Err(BlockError::TargetAboveLimit { .. })
    ));
}

#[test]
fn a_reward_with_a_chosen_id_is_rejected() {
    let f = fixture();
    let chosen = f.good.data[1].id;
    let bad = with_txs(&f.good, |txs| txs[0].id = chosen);
    let expected = TxId::for_reward(
        &f.good.header.prev_hash,
        f.good.header.height,
        &wallet(1).address(),
    );
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::WrongRewardId {
            expected,
            actual: chosen
        })
    );
}

#[test]
fn the_context_carries_the_parent_and_the_retarget_anchor() {
    let f = fixture();
    let tip = f.store.tip();
    let ctx = f
        .store
        .context(&tip.hash)
        .unwrap_or_else(|| panic!("context"));
    assert_eq!(ctx.parent.timestamp, tip.header.timestamp);
    // The anchor is the first block after genesis on the tip's branch.
    let first_block = f.store.block_at(Height(1)).map(|b| b.header.timestamp);
    assert!(tip.header.height > Height(1));
    assert_eq!(ctx.anchor, first_block);
    let genesis = f.store.genesis().hash;
    let first = f
        .store
        .context(&genesis)
        .unwrap_or_else(|| panic!("context"));
    assert_eq!(first.anchor, None);
}

#[test]
fn a_hash_above_the_target_is_rejected() {
    let f = fixture();
    let target = f.ctx.required_target;
    let mut bad = f.good.clone();
    bad.header.nonce = (0..)
        .find(|&n| {
            let mut h = bad.header;
            h.nonce = n;
            !target.is_met_by(&h.hash())
        })
        .unwrap_or_default();
    bad.hash = bad.header.hash();
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::InsufficientWork {
            hash: bad.hash,
            bits: target.to_compact()
        })
    );
}

#[test]
fn a_block_without_a_reward_first_is_rejected() {
    let f = fixture();
    let no_reward = with_txs(&f.good, |txs| {
        txs.remove(0);
    });
    assert_eq!(check(&f, &no_reward), Err(BlockError::MissingReward));
    let empty = with_txs(&f.good, Vec::clear);
    assert_eq!(check(&f, &empty), Err(BlockError::MissingReward));
    let reward_second = with_txs(&f.good, |txs| txs.swap(0, 1));
    assert_eq!(check(&f, &reward_second), Err(BlockError::MissingReward));
}

#[test]
fn a_second_reward_is_rejected() {
    let f = fixture();
    let h = f.good.header.height;
    let bad = with_txs(&f.good, |txs| {
        txs.push(Transaction::reward(wallet(3).address(), h, &P, fresh_id()))
    });
    assert_eq!(check(&f, &bad), Err(BlockError::ExtraReward { index: 2 }));
}

#[test]
fn a_reward_for_another_height_is_rejected() {
    let f = fixture();
    let h = f.good.header.height;
    let other = Height(h.0 - 1);
    let bad = with_txs(&f.good, |txs| {
        txs[0] = Transaction::reward(wallet(1).address(), other, &P, fresh_id())
    });
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::RewardHeight {
            expected: h,
            actual: other
        })
    );
}

#[test]
fn a_reward_with_extra_outputs_is_rejected() {
    let f = fixture();
    let bad = with_txs(&f.good, |txs| {
        txs[0].outputs.insert(wallet(9).address(), Amount(1));
    });
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::RewardOutputs { actual: 2 })
    );
}

#[test]
fn a_wrong_reward_amount_is_rejected() {
    let f = fixture();
    let bad = with_txs(&f.good, |txs| {
        txs[0].outputs.insert(wallet(1).address(), Amount(51));
    });
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::WrongRewardAmount {
            expected: P.mining_reward,
            actual: Amount(51)
        })
    );
}

#[test]
fn two_transactions_from_one_sender_are_rejected() {
    let f = fixture();
    let a = wallet(1);
    let balance = f.store.ledger().balance(&a.address());
    let second = Transaction::new(
        &a,
        balance,
        wallet(3).address(),
        Amount(5),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bad = with_txs(&f.good, |txs| txs.push(second));
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::DuplicateSender {
            address: a.address()
        })
    );
}

#[test]
fn a_repeated_id_within_a_block_is_rejected() {
    let f = fixture();
    // Ids are bound to their senders, so only the sender's own transaction
    // can repeat one: here, the same transaction twice.
    let copy = f.good.data[1].clone();
    let id = copy.id;
    let bad = with_txs(&f.good, |txs| txs.push(copy));
    assert_eq!(check(&f, &bad), Err(BlockError::DuplicateTxId { id }));
}

#[test]
fn a_transfer_whose_id_is_not_its_senders_is_rejected() {
    let f = fixture();
    let mut stolen = f.good.data[1].clone();
    let expected = stolen.id;
    stolen.id = TxId::from_random([5; 16]);
    let id = stolen.id;
    let bad = with_txs(&f.good, |txs| txs[1] = stolen);
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::Tx {
            index: 1,
            error: TxError::IdNotBound { id, expected }
        })
    );
}

#[test]
fn a_forged_signature_is_rejected() {
    let f = fixture();
    let bad = with_txs(&f.good, |txs| {
        if let Input::Signed { signature, .. } = &mut txs[1].input {
            *signature = Sig([3; 64]);
        }
    });
    let id = f.good.data[1].id;
    assert_eq!(
        check(&f, &bad),
        Err(BlockError::Tx {
            index: 1,
            error: TxError::BadSignature { id }
        })
    );
}

#[test]
fn transaction_output_rules_apply_inside_blocks() {
    let f = fixture();
    let id = f.good.data[1].id;
    let minted = with_txs(&f.good, |txs| {
        txs[1]
            .outputs
            .insert(wallet(2).address(), Amount(1_000_000));
    });
    assert!(matches!(
        check(&f, &minted),
        Err(BlockError::Tx {
            index: 1,
            error: TxError::OutputsNotEqualInput { .. }
        })
    ));
    let zero = with_txs(&f.good, |txs| {
        txs[1].outputs.insert(wallet(5).address(), Amount(0));
    });
    assert_eq!(
        check(&f, &zero),
        Err(BlockError::Tx {
            index: 1,
            error: TxError::ZeroOutput {
                id,
                address: wallet(5).address()
            }
        })
    );
}

#[test]
fn the_input_must_equal_the_balance_as_of_the_parent() {
    let f = fixture();
    let (a, b) = (wallet(1), wallet(2));
    // B receives 10 in this block; B's own send must still spend exactly
    // B's balance as of the parent, not including the 10.
    let parent_balance = f.store.ledger().balance(&b.address());
    let ok = Transaction::new(
        &b,
        parent_balance,
        wallet(3).address(),
        Amount(1),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let good = with_txs(&f.good, |txs| txs.push(ok));
    let checked = check_block(&good, &f.ctx, NOW, &P, &mut SigCache::disabled(net()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check_ledger(&checked, f.store.ledger()).is_ok());

    let inflated = Amount(parent_balance.0 + 10);
    let bad_tx = Transaction::new(
        &b,
        inflated,
        wallet(3).address(),
        Amount(1),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bad_id = bad_tx.id;
    let bad = with_txs(&f.good, |txs| txs.push(bad_tx));
    let checked = check_block(&bad, &f.ctx, NOW, &P, &mut SigCache::disabled(net()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        check_ledger(&checked, f.store.ledger()).map(|_| ()),
        Err(BlockError::Tx {
            index: 2,
            error: TxError::InputNotBalance {
                id: bad_id,
                expected: parent_balance,
                actual: inflated
            }
        })
    );
    let _ = a;
}

#[test]
fn a_transaction_already_in_the_chain_is_rejected_even_as_a_decoded_copy() {
    let mut f = fixture();
    let a = wallet(1);
    let included = f.good.data[1].clone();
    f.store
        .accept(f.good.clone(), NOW)
        .unwrap_or_else(|e| panic!("{e}"));
    // A byte-identical copy that went through the wire (not the same object).
    let copy: Transaction =
        serde_json::from_str(&serde_json::to_string(&included).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    let tip = f.store.tip().hash;
    let replay = block_on(&f.store, &tip, &a, vec![copy], P.mine_rate_ms);
    let ctx = f.store.context(&tip).unwrap_or_else(|| panic!("context"));
    let checked = check_block(&replay, &ctx, NOW, &P, &mut SigCache::disabled(net()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        check_ledger(&checked, f.store.ledger()).map(|_| ()),
        Err(BlockError::Tx {
            index: 1,
            error: TxError::Replayed { id: included.id }
        })
    );
}
