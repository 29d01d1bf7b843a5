//! The pool verifies on arrival, merges a sender's sends, and follows the
//! best chain.

use super::*;
use crate::amount::Amount;
use crate::height::Height;
use crate::store::Store;
use crate::testutil::{NOW, P, block_on, fresh_id, fresh_salt, mine, net, wallet};
use crate::tx::Sig;

fn send(store: &Store, from: u8, to: u8, amount: u64) -> Transaction {
    let w = wallet(from);
    Transaction::new(
        &w,
        store.ledger().balance(&w.address()),
        wallet(to).address(),
        Amount(amount),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn add(pool: &mut Pool, store: &mut Store, tx: Transaction) -> Result<Added, PoolError> {
    let ledger = store.ledger().clone();
    pool.add(tx, &ledger, &P, &mut store.sigs)
}

#[test]
fn a_valid_transaction_is_added_once() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let tx = send(&s, 1, 2, 10);
    assert_eq!(add(&mut pool, &mut s, tx.clone()), Ok(Added::New));
    assert_eq!(add(&mut pool, &mut s, tx.clone()), Ok(Added::Unchanged));
    assert_eq!(pool.len(), 1);
    assert_eq!(pool.get(&wallet(1).address()), Some(&tx));
}

#[test]
fn every_arrival_is_verified() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let mut forged = send(&s, 1, 2, 10);
    if let Input::Signed { signature, .. } = &mut forged.input {
        *signature = Sig([5; 64]);
    }
    assert_eq!(
        add(&mut pool, &mut s, forged.clone()),
        Err(PoolError::Invalid(TxError::BadSignature { id: forged.id }))
    );
    let w = wallet(3);
    let inflated = Transaction::new(
        &w,
        Amount(2000),
        wallet(2).address(),
        Amount(10),
        fresh_salt(),
        NOW,
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        add(&mut pool, &mut s, inflated.clone()),
        Err(PoolError::Invalid(TxError::InputNotBalance {
            id: inflated.id,
            expected: Amount(1000),
            actual: Amount(2000)
        }))
    );
    let reward = Transaction::reward(w.address(), Height(1), &P, fresh_id());
    assert_eq!(add(&mut pool, &mut s, reward), Err(PoolError::Reward));
    assert!(pool.is_empty(), "nothing invalid got in");
}

#[test]
fn a_senders_update_replaces_the_pending_transaction() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let a = wallet(1);
    let tx = send(&s, 1, 2, 10);
    add(&mut pool, &mut s, tx.clone()).ok();
    let mut updated = tx.clone();
    updated
        .update(&a, wallet(3).address(), Amount(5), NOW.plus_ms(1), &net())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(add(&mut pool, &mut s, updated.clone()), Ok(Added::Updated));
    assert_eq!(pool.len(), 1);
    assert_eq!(pool.get(&a.address()), Some(&updated));
    // The old version arriving late does not roll the update back.
    assert_eq!(add(&mut pool, &mut s, tx), Err(PoolError::Stale));
    // A different transaction from the same sender would double-spend.
    let other = send(&s, 1, 4, 1);
    assert_eq!(
        add(&mut pool, &mut s, other),
        Err(PoolError::ConflictingSender {
            pending: updated.id
        })
    );
}

#[test]
fn the_pool_is_bounded() {
    let p = Params {
        max_pool_txs: 2,
        ..P
    };
    let mut s = Store::new(p.clone());
    let mut pool = Pool::new();
    for from in 1..=3u8 {
        let tx = send(&s, from, 9, 1);
        let ledger = s.ledger().clone();
        let r = pool.add(tx, &ledger, &p, &mut s.sigs);
        if from == 3 {
            assert_eq!(r, Err(PoolError::Full { max: 2 }));
        } else {
            assert_eq!(r, Ok(Added::New));
        }
    }
}

#[test]
fn included_transactions_leave_and_others_are_rechecked() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let (t1, t2) = (send(&s, 1, 2, 10), send(&s, 3, 2, 10));
    add(&mut pool, &mut s, t1.clone()).ok();
    add(&mut pool, &mut s, t2.clone()).ok();
    // A block includes t1, and pays wallet 3 (changing its balance, so its
    // pending t2 no longer spends exactly its balance).
    mine(&mut s, &wallet(3), vec![t1]);
    let ledger = s.ledger().clone();
    pool.update_after(&[], &ledger, &P, &mut s.sigs);
    assert!(pool.is_empty(), "t1 is included, t2 is outdated: {pool:?}");
}

#[test]
fn a_reorganisation_returns_abandoned_transactions() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let base = mine(&mut s, &wallet(9), vec![]);
    let pay = send(&s, 1, 2, 10);
    let ours = mine(&mut s, &wallet(9), vec![pay.clone()]);
    let x = block_on(&s, &base.hash, &wallet(8), vec![], P.mine_rate_ms);
    s.accept(x.clone(), NOW).ok();
    let y = block_on(&s, &x.hash, &wallet(8), vec![], P.mine_rate_ms);
    let outcome = s.accept(y, NOW).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outcome.removed, vec![ours]);
    let ledger = s.ledger().clone();
    pool.update_after(&outcome.removed, &ledger, &P, &mut s.sigs);
    assert_eq!(
        pool.get(&wallet(1).address()),
        Some(&pay),
        "the payment waits again"
    );
}

#[test]
fn verified_signatures_are_not_verified_again_in_a_block() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let tx = send(&s, 1, 2, 10);
    add(&mut pool, &mut s, tx.clone()).ok();
    let (_, verified_before) = s.sigs.stats();
    mine(&mut s, &wallet(9), pool.for_block(10));
    let (hits, verified_after) = s.sigs.stats();
    assert_eq!(verified_after, verified_before, "no new verification");
    assert_eq!(hits, 1);
}

#[test]
fn a_transfer_claiming_another_senders_id_is_refused() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let first = send(&s, 1, 2, 10);
    add(&mut pool, &mut s, first.clone()).ok();
    // Wallet 3 signs a transfer, then puts wallet 1's pending id on it.
    let mut copycat = send(&s, 3, 2, 1);
    let expected = copycat.id;
    copycat.id = first.id;
    assert_eq!(
        add(&mut pool, &mut s, copycat),
        Err(PoolError::Invalid(TxError::IdNotBound {
            id: first.id,
            expected
        }))
    );
    assert_eq!(pool.len(), 1);
    assert_eq!(pool.get(&wallet(1).address()), Some(&first));
}

#[test]
fn a_transfer_claiming_the_next_rewards_id_is_refused() {
    let mut s = Store::new(P);
    let mut pool = Pool::new();
    let miner = wallet(9).address();
    let tip = s.tip().hash;
    let reward_id = TxId::for_reward(&tip, s.height().next(), &miner);
    let mut squatter = send(&s, 1, 2, 1);
    squatter.id = reward_id;
    assert!(matches!(
        add(&mut pool, &mut s, squatter),
        Err(PoolError::Invalid(TxError::IdNotBound { .. }))
    ));
    let honest = send(&s, 3, 2, 1);
    add(&mut pool, &mut s, honest.clone()).ok();
    let template = crate::template::Template::new(&s, &pool, miner, NOW);
    assert_eq!(template.txs.len(), 2, "reward + the honest transfer");
    assert_eq!(template.txs[1], honest);
    let nonce = crate::pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
    assert!(
        s.accept(template.into_block(nonce), NOW)
            .is_ok_and(|a| a.tip_changed())
    );
}

/// With more pending than a block holds, the earliest arrivals go first,
/// whatever the senders' addresses; an update keeps its sender's place.
#[test]
fn a_template_takes_the_earliest_arrivals_first() {
    let p = Params {
        max_block_txs: 3,
        ..P
    };
    let mut s = Store::new(p.clone());
    let mut pool = Pool::new();
    // Senders in an order unlike their addresses' order.
    let mut senders: Vec<u8> = (1..=6).collect();
    senders.sort_by_key(|i| std::cmp::Reverse(wallet(*i).address()));
    for &i in &senders {
        let tx = send(&s, i, 50, 1);
        s.add_to_pool(&mut pool, tx)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // The first sender sends again: merged, still first.
    let first = wallet(senders[0]);
    let mut merged = pool
        .get(&first.address())
        .cloned()
        .unwrap_or_else(|| panic!("pending"));
    merged
        .update(
            &first,
            wallet(60).address(),
            Amount(1),
            NOW.plus_ms(5),
            &net(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    s.add_to_pool(&mut pool, merged)
        .unwrap_or_else(|e| panic!("{e}"));
    let order: Vec<Option<Address>> = pool.transactions().map(Transaction::sender).collect();
    let expected: Vec<Option<Address>> =
        senders.iter().map(|i| Some(wallet(*i).address())).collect();
    assert_eq!(order, expected);
    let template = crate::template::Template::new(&s, &pool, wallet(99).address(), NOW);
    let picked: Vec<Option<Address>> = template.txs[1..].iter().map(Transaction::sender).collect();
    assert_eq!(picked, expected[..2].to_vec());
}
