//! Every send this tab makes ends visibly. A later send merges into the
//! pending transaction (same id, as in the classic design); if a miner
//! confirms an earlier version, or the transaction stops matching the
//! balance (coins arrived meanwhile), the pool drops it. Then what it would
//! still have paid is sent again as a new transaction against the new
//! balance, and the person is told; if the balance no longer allows it, the
//! person is told that instead. [`SendRecord`]s keep each send's state for
//! the wallet's list.
//!
//! This module holds the records and sends again what a dropped transaction
//! did not pay; a new send is made by the node's own side, `crate::local::Local`.

use std::collections::VecDeque;

use tabcoin_chain::hash::sha256;
use tabcoin_chain::{Address, Amount, Height, Pool, Salt, Store, Timestamp, Transaction, TxId};

use crate::keys::Keys;
use crate::notice::{Notice, SendError};

/// How many sends the node remembers.
const RECORDS: usize = 50;

/// Where a send stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendState {
    /// In the pool, waiting for a block.
    Pending,
    /// On the best chain, in the block at this height.
    Confirmed(Height),
    /// Its transaction left the pool unpaid; the payment went out again in
    /// this transaction (a newer record follows it).
    SentAgain(TxId),
    /// It could not be sent again; nothing was paid.
    Failed(String),
}

/// One payment this tab asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRecord {
    /// The account that sent it.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// How much.
    pub amount: Amount,
    /// The transaction carrying it.
    pub tx: TxId,
    /// When it was asked for (or sent again).
    pub at: Timestamp,
    /// Where it stands.
    pub state: SendState,
}

/// The sends this tab made, newest last.
#[derive(Debug, Clone, Default)]
pub struct Sends(VecDeque<SendRecord>);

impl Sends {
    /// Sends `payments` of transaction `old` again, as one new
    /// transaction of `keys`' account (merged into its pending one if there
    /// is one), pooled on `store`: what is told, and the transaction to pass
    /// on if one was pooled. What cannot be paid (a locked account, a
    /// balance that no longer allows it) is settled as failed and told.
    pub(crate) fn reissue(
        &mut self,
        store: &mut Store,
        pool: &mut Pool,
        keys: &Keys,
        (old, payments): (TxId, Vec<(Address, Amount)>),
        now: Timestamp,
    ) -> (Vec<Notice>, Option<Transaction>) {
        let network = store.genesis().hash;
        let me = keys.address();
        // The node draws no randomness: the new id's salt comes from the old
        // id and the tip, which no earlier transaction of this sender used.
        let mut seed = Vec::with_capacity(16 + 32);
        seed.extend_from_slice(old.0.as_bytes());
        seed.extend_from_slice(store.tip().hash.as_bytes());
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&sha256(&seed)[..16]);
        let mut tx = pool.get(&me).cloned();
        let (mut notices, mut sent, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        // A locked account cannot sign: what it owes is reported as failed
        // (the sends list shows it; the person sends again once unlocked).
        let wallet = keys.wallet();
        for (to, amount) in payments {
            let Some(wallet) = wallet else {
                failed.push((to, amount, SendError::Locked));
                continue;
            };
            let result = match &mut tx {
                Some(tx) => tx.update(wallet, to, amount, now, &network),
                None => {
                    let balance = store.ledger().balance(&me);
                    Transaction::new(wallet, balance, to, amount, Salt(salt), now, &network)
                        .map(|new| tx = Some(new))
                }
            };
            match result {
                Ok(()) => sent.push((to, amount)),
                Err(e) => failed.push((to, amount, SendError::from(e))),
            }
        }
        let mut pooled = None;
        if let Some(tx) = tx.filter(|_| !sent.is_empty()) {
            match store.add_to_pool(pool, tx.clone()) {
                Ok(_) => {
                    for (to, amount) in &sent {
                        self.settle(old, *to, &SendState::SentAgain(tx.id));
                        self.sent(me, *to, *amount, tx.id, now);
                    }
                    notices.push(Notice::Reissued {
                        old,
                        new: tx.id,
                        payments: sent,
                    });
                    pooled = Some(tx);
                }
                Err(error) => failed.extend(
                    sent.into_iter()
                        .map(|(to, amount)| (to, amount, error.clone().into())),
                ),
            }
        }
        for (to, amount, error) in failed {
            self.settle(old, to, &SendState::Failed(error.to_string()));
            notices.push(Notice::SendFailed { to, amount, error });
        }
        (notices, pooled)
    }

    /// A payment went out in `tx`.
    pub(crate) fn sent(
        &mut self,
        from: Address,
        to: Address,
        amount: Amount,
        tx: TxId,
        at: Timestamp,
    ) {
        if self.0.len() == RECORDS {
            self.0.pop_front();
        }
        let state = SendState::Pending;
        self.0.push_back(SendRecord {
            from,
            to,
            amount,
            tx,
            at,
            state,
        });
    }

    /// Pending payments of `tx` to `to` now stand as `state`.
    pub(crate) fn settle(&mut self, tx: TxId, to: Address, state: &SendState) {
        for r in self.0.iter_mut().filter(|r| r.tx == tx && r.to == to) {
            if r.state == SendState::Pending {
                r.state = state.clone();
            }
        }
    }

    /// The best chain changed: pending sends whose transaction is on it now
    /// are confirmed; confirmed ones whose transaction left it are pending
    /// again.
    pub(crate) fn follow_chain(&mut self, height_of: impl Fn(&TxId) -> Option<Height>) {
        for r in &mut self.0 {
            match (&r.state, height_of(&r.tx)) {
                (SendState::Pending, Some(h)) => r.state = SendState::Confirmed(h),
                (SendState::Confirmed(_), None) => r.state = SendState::Pending,
                _ => {}
            }
        }
    }

    /// Every remembered send, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &SendRecord> {
        self.0.iter()
    }
}

/// What `mine` would still pay that `confirmed` (an earlier version of it
/// on the chain, if any) did not: recipient and amount, change left out.
pub fn unpaid(
    mine: &Transaction,
    confirmed: Option<&Transaction>,
    me: &Address,
) -> Vec<(Address, Amount)> {
    mine.outputs
        .iter()
        .filter(|(to, _)| *to != me)
        .filter_map(|(to, amount)| {
            let paid = confirmed
                .and_then(|c| c.outputs.get(to))
                .copied()
                .unwrap_or(Amount::ZERO);
            amount
                .checked_sub(paid)
                .filter(|left| *left > Amount::ZERO)
                .map(|left| (*to, left))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use tabcoin_chain::Salt;

    use super::*;
    use crate::testkit::{NOW, P, wallet};

    #[test]
    fn unpaid_is_what_the_confirmed_version_left_out() {
        let (me, b, c) = (wallet(1), wallet(2).address(), wallet(3).address());
        let net = P.network_id();
        let earlier = Transaction::new(&me, Amount(100), b, Amount(10), Salt([1; 16]), NOW, &net)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut later = earlier.clone();
        later
            .update(&me, c, Amount(5), NOW.plus_ms(1), &net)
            .unwrap_or_else(|e| panic!("{e}"));
        later
            .update(&me, b, Amount(2), NOW.plus_ms(2), &net)
            .unwrap_or_else(|e| panic!("{e}"));
        let mine = me.address();
        assert_eq!(unpaid(&later, Some(&earlier), &mine), {
            let mut expected = vec![(b, Amount(2)), (c, Amount(5))];
            expected.sort();
            expected
        });
        assert!(unpaid(&later, Some(&later), &mine).is_empty());
        assert_eq!(unpaid(&earlier, None, &mine), vec![(b, Amount(10))]);
    }
}
