//! Transactions, as in the classic design: an id, an input (timestamp,
//! sender address, amount = the sender's whole balance, signature) and an
//! output map (recipient → amount, sender → change). A miner's reward has a
//! distinct input that names the block height and carries no signature; no
//! wallet can make one that passes as a signed input, or the other way round.
//!
//! (Longer than most files here on purpose: the signed bytes, the rules
//! and the merge of a later send are one format and are read together.)
//!
//! # Canonical bytes
//!
//! What is signed (all integers big-endian):
//! `"tabcoin/tx/v1" · id (16) · timestamp (8) · sender (33) · amount (8) ·
//! output count (4) · (address (33) · amount (8))*` with outputs in address
//! order. A transaction's hash (committed by the block's transaction root)
//! covers the kind byte, those bytes and the signature (or, for a reward,
//! `"tabcoin/reward/v1" · id · height · outputs`). JSON is only the wire view.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::address::Address;
use crate::amount::Amount;
use crate::hash::{sha256, to_hex};
use crate::height::Height;
use crate::params::Params;
use crate::sigcache::SigCheck;
use crate::timestamp::Timestamp;
use crate::wallet::Wallet;

/// A transaction id: a random (version 4) UUID, as in the classic design.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TxId(pub Uuid);

impl TxId {
    /// A v4 id from 16 random bytes the caller draws.
    pub fn from_random(bytes: [u8; 16]) -> TxId {
        TxId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// The id of a reward: derived from the block's parent, height and miner,
    /// so it is unique without randomness (no two blocks of one chain share
    /// parent and height) and a miner needs no entropy to build a template.
    pub fn for_reward(prev_hash: &crate::hash::BlockHash, height: Height, miner: &Address) -> TxId {
        let mut bytes = Vec::with_capacity(32 + 8 + 33);
        bytes.extend_from_slice(prev_hash.as_bytes());
        bytes.extend_from_slice(&height.0.to_be_bytes());
        bytes.extend_from_slice(miner.as_bytes());
        let digest = sha256(&bytes);
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        TxId::from_random(id)
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({})", &self.0.to_string()[..8])
    }
}

impl FromStr for TxId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<TxId, uuid::Error> {
        Uuid::parse_str(s.trim()).map(TxId)
    }
}

/// A 64-byte compact ECDSA signature (r ‖ s), hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sig(pub [u8; 64]);

impl fmt::Debug for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sig({}…)", to_hex(&self.0[..4]))
    }
}

impl Serialize for Sig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Sig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bad = || serde::de::Error::custom("a signature is 128 hex digits");
        if s.len() != 128 {
            return Err(bad());
        }
        let mut out = [0u8; 64];
        for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
            let hex = std::str::from_utf8(pair).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
        }
        Ok(Sig(out))
    }
}

/// Where a transaction's coins come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A wallet spends its whole balance into the outputs.
    Signed {
        /// When the sender signed, ms since the epoch.
        timestamp: Timestamp,
        /// The sender.
        address: Address,
        /// The sender's balance, all of which the outputs distribute.
        amount: Amount,
        /// The sender's signature over the canonical bytes.
        signature: Sig,
    },
    /// New coins for the miner of the block at `height`.
    Reward {
        /// Height of the block that pays this reward.
        height: Height,
    },
}

/// A transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// Unique id.
    pub id: TxId,
    /// Where the coins come from.
    pub input: Input,
    /// Where they go (recipients and the sender's change).
    pub outputs: BTreeMap<Address, Amount>,
}

/// A transaction rule that was broken. Each variant is one rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The signature does not verify against the sender's address.
    #[error("transaction {id}: the signature does not match the sender")]
    BadSignature {
        /// The transaction.
        id: TxId,
    },
    /// The outputs must add up to exactly the input amount.
    #[error("transaction {id}: outputs add up to {outputs}, the input is {input}")]
    OutputsNotEqualInput {
        /// The transaction.
        id: TxId,
        /// Input amount.
        input: Amount,
        /// Sum of the outputs.
        outputs: u128,
    },
    /// Every output must be more than zero.
    #[error("transaction {id}: the output to {address} is zero")]
    ZeroOutput {
        /// The transaction.
        id: TxId,
        /// The output's address.
        address: Address,
    },
    /// A transaction has between one and `Params::max_outputs` outputs.
    #[error("transaction {id} has {actual} outputs, 1 to {max} are allowed")]
    OutputCount {
        /// The transaction.
        id: TxId,
        /// Outputs present.
        actual: usize,
        /// The limit.
        max: usize,
    },
    /// The input amount must be the sender's balance as of the parent block.
    #[error("transaction {id}: input {actual} is not the sender's balance {expected}")]
    InputNotBalance {
        /// The transaction.
        id: TxId,
        /// The sender's balance.
        expected: Amount,
        /// The input amount.
        actual: Amount,
    },
    /// A transaction id may appear only once in a chain.
    #[error("transaction {id} is already in the chain")]
    Replayed {
        /// The transaction.
        id: TxId,
    },
    /// A wallet cannot send more than it has.
    #[error("you have {balance}, which is less than {requested}")]
    InsufficientFunds {
        /// The balance.
        balance: Amount,
        /// What was asked for.
        requested: Amount,
    },
    /// The amounts do not fit in 64 bits.
    #[error("the amounts are too large")]
    AmountOverflow,
    /// A wallet cannot send zero.
    #[error("the amount must be more than zero")]
    ZeroAmount,
    /// Sending to oneself moves nothing.
    #[error("you cannot send coins to your own address")]
    SendToSelf,
    /// Only the sender can add to their pending transaction.
    #[error("only the sender can change this transaction")]
    NotSender,
    /// A reward is only valid as a block's first transaction.
    #[error("transaction {id} is a reward outside its block's first place")]
    MisplacedReward {
        /// The transaction.
        id: TxId,
    },
}

const TX_DOMAIN: &[u8] = b"tabcoin/tx/v1";
const REWARD_DOMAIN: &[u8] = b"tabcoin/reward/v1";

fn push_outputs(out: &mut Vec<u8>, outputs: &BTreeMap<Address, Amount>) {
    out.extend_from_slice(
        &u32::try_from(outputs.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    for (address, amount) in outputs {
        out.extend_from_slice(address.as_bytes());
        out.extend_from_slice(&amount.0.to_be_bytes());
    }
}

fn signing_bytes(
    id: &TxId,
    timestamp: Timestamp,
    sender: &Address,
    amount: Amount,
    outputs: &BTreeMap<Address, Amount>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(TX_DOMAIN.len() + 16 + 8 + 33 + 8 + 4 + outputs.len() * 41);
    out.extend_from_slice(TX_DOMAIN);
    out.extend_from_slice(id.0.as_bytes());
    out.extend_from_slice(&timestamp.0.to_be_bytes());
    out.extend_from_slice(sender.as_bytes());
    out.extend_from_slice(&amount.0.to_be_bytes());
    push_outputs(&mut out, outputs);
    out
}

impl Transaction {
    /// A new transaction: `wallet` (holding `balance`) sends `amount` to
    /// `recipient` and keeps the change.
    pub fn new(
        wallet: &Wallet,
        balance: Amount,
        recipient: Address,
        amount: Amount,
        id: TxId,
        now: Timestamp,
    ) -> Result<Transaction, TxError> {
        let sender = wallet.address();
        if recipient == sender {
            return Err(TxError::SendToSelf);
        }
        if amount == Amount::ZERO {
            return Err(TxError::ZeroAmount);
        }
        let change = balance
            .checked_sub(amount)
            .ok_or(TxError::InsufficientFunds {
                balance,
                requested: amount,
            })?;
        let mut outputs = BTreeMap::from([(recipient, amount)]);
        if change > Amount::ZERO {
            outputs.insert(sender, change);
        }
        let mut tx = Transaction {
            id,
            input: Input::Reward {
                height: Height::GENESIS,
            },
            outputs,
        };
        tx.sign(wallet, balance, now);
        Ok(tx)
    }

    /// Adds a send to this pending transaction (the classic design's update):
    /// more to `recipient`, less change, signed again.
    pub fn update(
        &mut self,
        wallet: &Wallet,
        recipient: Address,
        amount: Amount,
        now: Timestamp,
    ) -> Result<(), TxError> {
        let sender = wallet.address();
        let Input::Signed {
            address,
            amount: balance,
            timestamp,
            ..
        } = self.input
        else {
            return Err(TxError::NotSender);
        };
        if address != sender {
            return Err(TxError::NotSender);
        }
        if recipient == sender {
            return Err(TxError::SendToSelf);
        }
        if amount == Amount::ZERO {
            return Err(TxError::ZeroAmount);
        }
        let change = self.outputs.get(&sender).copied().unwrap_or(Amount::ZERO);
        let left = change
            .checked_sub(amount)
            .ok_or(TxError::InsufficientFunds {
                balance: change,
                requested: amount,
            })?;
        let to = self.outputs.entry(recipient).or_insert(Amount::ZERO);
        *to = to.checked_add(amount).ok_or(TxError::AmountOverflow)?;
        if left == Amount::ZERO {
            self.outputs.remove(&sender);
        } else {
            self.outputs.insert(sender, left);
        }
        // An update is always newer than what it replaces, even within one ms.
        self.sign(wallet, balance, now.max(timestamp.plus_ms(1)));
        Ok(())
    }

    fn sign(&mut self, wallet: &Wallet, balance: Amount, now: Timestamp) {
        let address = wallet.address();
        let bytes = signing_bytes(&self.id, now, &address, balance, &self.outputs);
        let signature = Sig(wallet.sign_digest(&sha256(&bytes)));
        self.input = Input::Signed {
            timestamp: now,
            address,
            amount: balance,
            signature,
        };
    }

    /// The reward of the block at `height` for `miner`.
    pub fn reward(miner: Address, height: Height, params: &Params, id: TxId) -> Transaction {
        Transaction {
            id,
            input: Input::Reward { height },
            outputs: BTreeMap::from([(miner, params.mining_reward)]),
        }
    }

    /// The sender of a signed transaction.
    pub fn sender(&self) -> Option<Address> {
        match self.input {
            Input::Signed { address, .. } => Some(address),
            Input::Reward { .. } => None,
        }
    }

    /// Whether this is a miner's reward.
    pub fn is_reward(&self) -> bool {
        matches!(self.input, Input::Reward { .. })
    }

    /// The digest a signed transaction's signature covers (None for rewards).
    pub fn signing_digest(&self) -> Option<[u8; 32]> {
        match &self.input {
            Input::Signed {
                timestamp,
                address,
                amount,
                ..
            } => Some(sha256(&signing_bytes(
                &self.id,
                *timestamp,
                address,
                *amount,
                &self.outputs,
            ))),
            Input::Reward { .. } => None,
        }
    }

    /// The transaction's hash, committed by the block's transaction root;
    /// it covers every field, the signature included.
    pub fn hash(&self) -> [u8; 32] {
        let mut bytes = Vec::new();
        match &self.input {
            Input::Signed {
                timestamp,
                address,
                amount,
                signature,
            } => {
                bytes.push(1);
                bytes.extend_from_slice(&signing_bytes(
                    &self.id,
                    *timestamp,
                    address,
                    *amount,
                    &self.outputs,
                ));
                bytes.extend_from_slice(&signature.0);
            }
            Input::Reward { height } => {
                bytes.push(0);
                bytes.extend_from_slice(REWARD_DOMAIN);
                bytes.extend_from_slice(self.id.0.as_bytes());
                bytes.extend_from_slice(&height.0.to_be_bytes());
                push_outputs(&mut bytes, &self.outputs);
            }
        }
        sha256(&bytes)
    }

    /// Rule: the signature verifies against the sender's address.
    /// The check is [`SigCheck::verify`], the same the verifier workers run.
    pub fn signature_is_valid(&self) -> Result<(), TxError> {
        if self.is_reward() {
            return Err(TxError::MisplacedReward { id: self.id });
        }
        match SigCheck::of(self) {
            Some(check) if check.verify() => Ok(()),
            _ => Err(TxError::BadSignature { id: self.id }),
        }
    }

    /// Rules needing no chain state: output count, no zero outputs, outputs
    /// summing to the input. (Signatures are checked separately, so a cache
    /// can skip them.)
    pub fn outputs_are_valid(&self, params: &Params) -> Result<(), TxError> {
        let id = self.id;
        if self.outputs.is_empty() || self.outputs.len() > params.max_outputs {
            return Err(TxError::OutputCount {
                id,
                actual: self.outputs.len(),
                max: params.max_outputs,
            });
        }
        if let Some((address, _)) = self.outputs.iter().find(|(_, a)| **a == Amount::ZERO) {
            return Err(TxError::ZeroOutput {
                id,
                address: *address,
            });
        }
        if let Input::Signed { amount, .. } = self.input {
            let outputs: u128 = self.outputs.values().map(|a| u128::from(a.0)).sum();
            if outputs != u128::from(amount.0) {
                return Err(TxError::OutputsNotEqualInput {
                    id,
                    input: amount,
                    outputs,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
