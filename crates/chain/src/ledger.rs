//! [`Ledger`]: balances and history of every address, and the ids of every
//! transaction in the chain, kept incrementally block by block with undo data
//! for reorganisations.
//!
//! An address nobody has paid or spent from holds `Params::starting_balance`.
//! A transfer spends its sender's whole balance (the input) and returns the
//! change, so applying it subtracts the input and adds each output.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::amount::Amount;
use crate::block::Block;
use crate::height::Height;
use crate::tx::{Input, Transaction, TxError, TxId};

/// One transaction as it concerns one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Height of the block holding it.
    pub height: Height,
    /// The transaction.
    pub tx: TxId,
    /// Coins that came in (outputs to the address, change excluded).
    pub received: Amount,
    /// Coins that went out (input minus change), for the sender.
    pub sent: Amount,
}

/// What applying a block changed, to take it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    balances: Vec<(Address, Option<Amount>)>,
    txs: Vec<TxId>,
    history: Vec<Address>,
}

/// A block that passed every rule against the ledger as of its parent:
/// the only thing [`Ledger::apply`] takes. Only validation makes one
/// (`crate::validate::check_ledger`), so an unchecked block cannot
/// reach the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBlock<'a>(&'a Block);

impl<'a> ValidBlock<'a> {
    /// A block validation passed (validation's own constructor).
    pub(crate) fn vouched(block: &'a Block) -> ValidBlock<'a> {
        ValidBlock(block)
    }

    /// The block.
    pub fn block(&self) -> &'a Block {
        self.0
    }
}

/// Balances, history and spent ids as of one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    starting: Amount,
    balances: HashMap<Address, Amount>,
    /// Every transaction in the chain, with the height of its block.
    txs: HashMap<TxId, Height>,
    history: HashMap<Address, Vec<HistoryEntry>>,
}

impl Ledger {
    /// The ledger of a chain holding only its genesis block: every
    /// address has `starting_balance`, and those in `allocations` that much
    /// more.
    pub fn new(starting_balance: Amount, allocations: &BTreeMap<Address, Amount>) -> Ledger {
        Ledger {
            starting: starting_balance,
            balances: allocations
                .iter()
                .map(|(a, more)| (*a, Amount(starting_balance.0.saturating_add(more.0))))
                .collect(),
            txs: HashMap::new(),
            history: HashMap::new(),
        }
    }

    /// The balance of `address`.
    pub fn balance(&self, address: &Address) -> Amount {
        self.balances.get(address).copied().unwrap_or(self.starting)
    }

    /// The transactions that concern `address`, oldest first.
    pub fn history(&self, address: &Address) -> &[HistoryEntry] {
        self.history.get(address).map_or(&[], Vec::as_slice)
    }

    /// Every address that has sent or received coins.
    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.history.keys()
    }

    /// Whether a transaction with this id is in the chain.
    pub fn contains_tx(&self, id: &TxId) -> bool {
        self.txs.contains_key(id)
    }

    /// Height of the block holding transaction `id`, if it is in the chain.
    pub fn tx_height(&self, id: &TxId) -> Option<Height> {
        self.txs.get(id).copied()
    }

    /// Number of transactions in the chain.
    pub fn tx_count(&self) -> usize {
        self.txs.len()
    }

    /// Rules against the state: the id is new (no replay), and a transfer's
    /// input is exactly its sender's balance.
    pub fn tx_is_valid(&self, tx: &Transaction) -> Result<(), TxError> {
        if self.txs.contains_key(&tx.id) {
            return Err(TxError::Replayed { id: tx.id });
        }
        if let Input::Signed {
            address, amount, ..
        } = tx.input
        {
            let expected = self.balance(&address);
            if amount != expected {
                return Err(TxError::InputNotBalance {
                    id: tx.id,
                    expected,
                    actual: amount,
                });
            }
        }
        Ok(())
    }

    fn set(&mut self, undo: &mut Undo, address: Address, f: impl FnOnce(Amount) -> Amount) {
        let old = self.balances.get(&address).copied();
        undo.balances.push((address, old));
        let new = f(old.unwrap_or(self.starting));
        self.balances.insert(address, new);
    }

    fn record(&mut self, undo: &mut Undo, address: Address, entry: HistoryEntry) {
        undo.history.push(address);
        self.history.entry(address).or_default().push(entry);
    }

    /// Applies a validated block; returns what is needed to undo it.
    pub fn apply(&mut self, block: &ValidBlock<'_>) -> Undo {
        let block = block.block();
        let height = block.header.height;
        let mut undo = Undo {
            balances: Vec::new(),
            txs: Vec::new(),
            history: Vec::new(),
        };
        for tx in &block.data {
            self.txs.insert(tx.id, height);
            undo.txs.push(tx.id);
            let sender = tx.sender();
            if let Input::Signed {
                address, amount, ..
            } = tx.input
            {
                // Validation guarantees the input equals the balance as of the
                // parent; earlier transactions of this block may only have
                // added to it, so this never saturates.
                self.set(&mut undo, address, |b| {
                    b.checked_sub(amount).unwrap_or(Amount::ZERO)
                });
                let change = tx.outputs.get(&address).copied().unwrap_or(Amount::ZERO);
                let sent = amount.checked_sub(change).unwrap_or(Amount::ZERO);
                self.record(
                    &mut undo,
                    address,
                    HistoryEntry {
                        height,
                        tx: tx.id,
                        received: Amount::ZERO,
                        sent,
                    },
                );
            }
            for (address, amount) in &tx.outputs {
                self.set(&mut undo, *address, |b| {
                    b.checked_add(*amount).unwrap_or(Amount(u64::MAX))
                });
                if Some(*address) != sender {
                    let entry = HistoryEntry {
                        height,
                        tx: tx.id,
                        received: *amount,
                        sent: Amount::ZERO,
                    };
                    self.record(&mut undo, *address, entry);
                }
            }
        }
        undo
    }

    /// Takes back the block whose [`Ledger::apply`] returned `undo`.
    pub fn undo(&mut self, undo: Undo) {
        for (address, old) in undo.balances.into_iter().rev() {
            match old {
                Some(amount) => self.balances.insert(address, amount),
                None => self.balances.remove(&address),
            };
        }
        for id in undo.txs {
            self.txs.remove(&id);
        }
        for address in undo.history.into_iter().rev() {
            if let Some(entries) = self.history.get_mut(&address) {
                entries.pop();
                if entries.is_empty() {
                    self.history.remove(&address);
                }
            }
        }
    }
}
