//! [`Pool`]: transactions waiting for a block, at most one per sender.
//!
//! Every transaction is verified when it arrives (signature through the
//! shared [`SigCache`], outputs, and its input against the ledger at the best
//! tip). A sender's later send arrives as an update of the same transaction
//! (same id, later timestamp) and replaces it, as in the classic design.
//! After a block, included transactions leave and the rest are checked again
//! against the new ledger; after a reorganisation, the abandoned branch's
//! transactions come back if they are still valid.
//!
//! Transactions are listed, and taken for a block template, in the order
//! they first arrived (a sender's update keeps its place): when more are
//! pending than a block holds, the earliest go first, and no sender has a
//! standing advantage (by address, say).

use std::collections::{BTreeMap, HashMap};

use crate::address::Address;
use crate::block::Block;
use crate::ledger::Ledger;
use crate::params::Params;
use crate::sigcache::SigCache;
use crate::timestamp::Timestamp;
use crate::tx::{Input, Transaction, TxError, TxId};

/// Why the pool refused a transaction.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum PoolError {
    /// The transaction breaks a transaction rule.
    #[error("{0}")]
    Invalid(#[from] TxError),
    /// Rewards are made by miners inside blocks, never pooled.
    #[error("a reward cannot be sent as a transaction")]
    Reward,
    /// The sender already has a different pending transaction; their sends
    /// must be merged into it.
    #[error("the sender already has pending transaction {pending}")]
    ConflictingSender {
        /// The pending transaction.
        pending: TxId,
    },
    /// An older version of the pending transaction.
    #[error("an older version of a pending transaction")]
    Stale,
    /// The pool is full.
    #[error("the pool is full ({max} transactions)")]
    Full {
        /// The limit.
        max: usize,
    },
}

impl PoolError {
    /// The refusal's code, in snake case: the transaction rule's own for an
    /// invalid transaction (`bad_signature`), else the pool's
    /// (`conflicting_sender`).
    pub fn code(&self) -> &'static str {
        match self {
            PoolError::Invalid(e) => e.code(),
            other => other.into(),
        }
    }
}

/// What adding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new pending transaction.
    New,
    /// A newer version of a pending transaction replaced it.
    Updated,
    /// Exactly this transaction was already pending.
    Unchanged,
}

/// Pending transactions by sender.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    by_sender: BTreeMap<Address, Transaction>,
    /// When each sender's pending transaction first arrived (a counter).
    arrived: HashMap<Address, u64>,
    next_arrival: u64,
    revision: u64,
}

fn timestamp(tx: &Transaction) -> Timestamp {
    match tx.input {
        Input::Signed { timestamp, .. } => timestamp,
        Input::Reward { .. } => Timestamp(0),
    }
}

impl Pool {
    /// An empty pool.
    pub fn new() -> Pool {
        Pool::default()
    }

    /// A number that changes whenever the pending transactions may have
    /// (to save them only when needed).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_sender.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.by_sender.is_empty()
    }

    /// The pending transaction of `sender`.
    pub fn get(&self, sender: &Address) -> Option<&Transaction> {
        self.by_sender.get(sender)
    }

    /// Every pending transaction, earliest arrival first.
    pub fn transactions(&self) -> impl Iterator<Item = &Transaction> {
        let mut txs: Vec<(u64, &Transaction)> = self
            .by_sender
            .iter()
            .map(|(sender, tx)| (self.arrived.get(sender).copied().unwrap_or(u64::MAX), tx))
            .collect();
        txs.sort_by_key(|(arrival, _)| *arrival);
        txs.into_iter().map(|(_, tx)| tx)
    }

    /// Verifies `tx` against the ledger at the best tip and adds it.
    pub fn add(
        &mut self,
        tx: Transaction,
        ledger: &Ledger,
        params: &Params,
        sigs: &mut SigCache,
    ) -> Result<Added, PoolError> {
        let Some(sender) = tx.sender() else {
            return Err(PoolError::Reward);
        };
        // Cheap checks first. A valid id is its sender's own
        // (`TxId::for_sender`), so no other sender's transaction can share it.
        tx.structure_is_valid(params)?;
        if let Some(pending) = self.by_sender.get(&sender) {
            if *pending == tx {
                return Ok(Added::Unchanged);
            }
            if pending.id != tx.id {
                return Err(PoolError::ConflictingSender {
                    pending: pending.id,
                });
            }
            if timestamp(&tx) <= timestamp(pending) {
                return Err(PoolError::Stale);
            }
        } else if self.by_sender.len() >= params.max_pool_txs {
            return Err(PoolError::Full {
                max: params.max_pool_txs,
            });
        }
        ledger.tx_is_valid(&tx)?;
        sigs.verify(&tx)?;
        let replaced = self.by_sender.insert(sender, tx).is_some();
        self.arrived.entry(sender).or_insert_with(|| {
            self.next_arrival += 1;
            self.next_arrival
        });
        self.revision += 1;
        Ok(if replaced { Added::Updated } else { Added::New })
    }

    /// Up to `max` transactions for a block template, one per sender.
    pub fn for_block(&self, max: usize) -> Vec<Transaction> {
        self.transactions().take(max).cloned().collect()
    }

    /// After the best chain changed: abandoned blocks' transactions return
    /// if still valid, then every pending transaction is checked against the
    /// new ledger (those now in the chain or no longer matching the sender's
    /// balance leave).
    pub fn update_after(
        &mut self,
        removed: &[Block],
        ledger: &Ledger,
        params: &Params,
        sigs: &mut SigCache,
    ) {
        // Pending transactions keep their places; returning ones queue after.
        let pending: Vec<Transaction> = self.transactions().cloned().collect();
        self.by_sender.clear();
        self.revision += 1;
        let returning = removed
            .iter()
            .flat_map(|b| b.data.iter())
            .filter(|tx| !tx.is_reward())
            .cloned();
        for tx in returning.chain(pending) {
            // Refusals are expected here: included, replayed or outdated.
            let _ = self.add(tx, ledger, params, sigs);
        }
        let by_sender = &self.by_sender;
        self.arrived
            .retain(|sender, _| by_sender.contains_key(sender));
    }
}

#[cfg(test)]
mod tests;
