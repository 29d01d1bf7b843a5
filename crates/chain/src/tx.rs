//! Transactions, as in the classic design: an id, an input (timestamp,
//! sender address, amount = the sender's whole balance, signature) and an
//! output map (recipient → amount, sender → change). A miner's reward has a
//! distinct input that names the block height and carries no signature; no
//! wallet can make one that passes as a signed input, or the other way round.
//!
//! A signed transaction's id is bound to its sender: it is derived from the
//! sender's address and a random salt the sender draws
//! ([`TxId::for_sender`]), so no one else can confirm a transaction under
//! it. Its signature covers the network id (the genesis hash), so it is
//! valid on one network only.
//!
//! (Longer than most files here on purpose: the signed bytes, the rules
//! and the merge of a later send are one format and are read together.)
//!
//! # Canonical bytes
//!
//! The content (all integers big-endian): `id (16) · salt (16) · timestamp
//! (8) · sender (33) · amount (8) · output count (4) · (address (33) ·
//! amount (8))*` with outputs in address order. The signature is over
//! `SHA-256("tabcoin/tx/v2" · network (32) · content)`. A transaction's hash
//! (committed by the block's transaction root) is `SHA-256(0x01 ·
//! "tabcoin/tx/v2" · content · signature)` (or, for a reward, `SHA-256(0x00 ·
//! "tabcoin/reward/v1" · id · height · outputs)`). JSON is only the wire
//! view.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::address::Address;
use crate::amount::Amount;
use crate::hash::{BlockHash, from_hex, sha256, to_hex};
use crate::height::Height;
use crate::params::Params;
use crate::sigcheck::SigCheck;
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

    /// The id of a signed transaction: derived from its sender and the salt
    /// the sender drew, so only the sender can make a valid transaction
    /// with it.
    pub fn for_sender(sender: &Address, salt: &Salt) -> TxId {
        let mut bytes = Vec::with_capacity(TXID_DOMAIN.len() + 33 + 16);
        bytes.extend_from_slice(TXID_DOMAIN);
        bytes.extend_from_slice(sender.as_bytes());
        bytes.extend_from_slice(&salt.0);
        TxId::digest_of(&bytes)
    }

    /// An id made from the first 16 bytes of `bytes`' SHA-256.
    fn digest_of(bytes: &[u8]) -> TxId {
        let mut id = [0u8; 16];
        id.copy_from_slice(&sha256(bytes)[..16]);
        TxId::from_random(id)
    }

    /// The first eight hex digits, as lists and logs show an id.
    pub fn short(&self) -> String {
        self.0.to_string()[..8].to_owned()
    }

    /// The id of a reward: derived from the block's parent, height and miner,
    /// so it is unique without randomness (no two blocks of one chain share
    /// parent and height) and a miner needs no entropy to build a template.
    pub fn for_reward(prev_hash: &crate::hash::BlockHash, height: Height, miner: &Address) -> TxId {
        let mut bytes = Vec::with_capacity(32 + 8 + 33);
        bytes.extend_from_slice(prev_hash.as_bytes());
        bytes.extend_from_slice(&height.0.to_be_bytes());
        bytes.extend_from_slice(miner.as_bytes());
        TxId::digest_of(&bytes)
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({})", self.short())
    }
}

impl FromStr for TxId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<TxId, uuid::Error> {
        Uuid::parse_str(s.trim()).map(TxId)
    }
}

/// 16 random bytes a sender draws for a new transaction; its id is derived
/// from them and the sender ([`TxId::for_sender`]). Hex on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Salt(pub [u8; 16]);

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Salt({})", to_hex(&self.0[..4]))
    }
}

impl Serialize for Salt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Salt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes =
            from_hex::<16>(&s).map_err(|_| serde::de::Error::custom("a salt is 32 hex digits"))?;
        Ok(Salt(bytes))
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

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
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
        let bytes = from_hex::<64>(&s)
            .map_err(|_| serde::de::Error::custom("a signature is 128 hex digits"))?;
        Ok(Sig(bytes))
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
        /// The random bytes the transaction's id is derived from.
        salt: Salt,
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
    #[serde(deserialize_with = "crate::bounded::outputs")]
    pub outputs: BTreeMap<Address, Amount>,
}

/// A transaction rule that was broken. Each variant is one rule.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
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
    /// Every output pays a key some wallet can sign with (a point on the
    /// curve), so no coins are sent where no one can ever spend them.
    #[error("transaction {id} pays {address}, which is not a wallet's key")]
    OutputNotAKey {
        /// The transaction.
        id: TxId,
        /// The output's address.
        address: Address,
    },
    /// A signed transaction's id is derived from its sender and salt.
    #[error("transaction {id} does not carry the id its sender and salt give ({expected})")]
    IdNotBound {
        /// The transaction's id.
        id: TxId,
        /// The id its sender and salt give.
        expected: TxId,
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

impl TxError {
    /// The rule's code, in snake case (`insufficient_funds`): what the API
    /// and the logs name it by.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

const TX_DOMAIN: &[u8] = b"tabcoin/tx/v2";
const TXID_DOMAIN: &[u8] = b"tabcoin/txid/v2";
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

/// A signed transaction's content (see the module's documentation).
fn content(
    id: &TxId,
    salt: &Salt,
    timestamp: Timestamp,
    sender: &Address,
    amount: Amount,
    outputs: &BTreeMap<Address, Amount>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 16 + 8 + 33 + 8 + 4 + outputs.len() * 41);
    out.extend_from_slice(id.0.as_bytes());
    out.extend_from_slice(&salt.0);
    out.extend_from_slice(&timestamp.0.to_be_bytes());
    out.extend_from_slice(sender.as_bytes());
    out.extend_from_slice(&amount.0.to_be_bytes());
    push_outputs(&mut out, outputs);
    out
}

/// The digest a signature covers: the content, for one network.
fn signed_digest(network: &BlockHash, content: &[u8]) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(TX_DOMAIN.len() + 32 + content.len());
    bytes.extend_from_slice(TX_DOMAIN);
    bytes.extend_from_slice(network.as_bytes());
    bytes.extend_from_slice(content);
    sha256(&bytes)
}

impl Transaction {
    /// A new transaction on `network` (its genesis hash): `wallet` (holding
    /// `balance`) sends `amount` to `recipient` and keeps the change. Its id
    /// is derived from the sender and `salt` (16 random bytes the caller
    /// draws: this crate is pure).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        wallet: &Wallet,
        balance: Amount,
        recipient: Address,
        amount: Amount,
        salt: Salt,
        now: Timestamp,
        network: &BlockHash,
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
            id: TxId::for_sender(&sender, &salt),
            input: Input::Reward {
                height: Height::GENESIS,
            },
            outputs,
        };
        tx.sign(wallet, balance, salt, now, network);
        Ok(tx)
    }

    /// Adds a send to this pending transaction (the classic design's update):
    /// more to `recipient`, less change, signed again (same id and salt).
    pub fn update(
        &mut self,
        wallet: &Wallet,
        recipient: Address,
        amount: Amount,
        now: Timestamp,
        network: &BlockHash,
    ) -> Result<(), TxError> {
        let sender = wallet.address();
        let Input::Signed {
            address,
            amount: balance,
            timestamp,
            salt,
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
        self.sign(
            wallet,
            balance,
            salt,
            now.max(timestamp.plus_ms(1)),
            network,
        );
        Ok(())
    }

    fn sign(
        &mut self,
        wallet: &Wallet,
        balance: Amount,
        salt: Salt,
        now: Timestamp,
        network: &BlockHash,
    ) {
        let address = wallet.address();
        let bytes = content(&self.id, &salt, now, &address, balance, &self.outputs);
        let signature = Sig(wallet.sign_digest(&signed_digest(network, &bytes)));
        self.input = Input::Signed {
            timestamp: now,
            address,
            amount: balance,
            salt,
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

    /// A signed transaction's content (None for rewards).
    fn content(&self) -> Option<Vec<u8>> {
        match &self.input {
            Input::Signed {
                timestamp,
                address,
                amount,
                salt,
                ..
            } => Some(content(
                &self.id,
                salt,
                *timestamp,
                address,
                *amount,
                &self.outputs,
            )),
            Input::Reward { .. } => None,
        }
    }

    /// The digest a signed transaction's signature covers on `network`
    /// (None for rewards).
    pub fn signing_digest(&self, network: &BlockHash) -> Option<[u8; 32]> {
        self.content().map(|c| signed_digest(network, &c))
    }

    /// The transaction's hash, committed by the block's transaction root;
    /// it covers every field, the signature included.
    pub fn hash(&self) -> [u8; 32] {
        let mut bytes = Vec::new();
        match (&self.input, self.content()) {
            (Input::Signed { signature, .. }, Some(content)) => {
                bytes.push(1);
                bytes.extend_from_slice(TX_DOMAIN);
                bytes.extend_from_slice(&content);
                bytes.extend_from_slice(&signature.0);
            }
            (Input::Reward { height }, _) => {
                bytes.push(0);
                bytes.extend_from_slice(REWARD_DOMAIN);
                bytes.extend_from_slice(self.id.0.as_bytes());
                bytes.extend_from_slice(&height.0.to_be_bytes());
                push_outputs(&mut bytes, &self.outputs);
            }
            (Input::Signed { .. }, None) => {}
        }
        sha256(&bytes)
    }

    /// Rule: the signature verifies against the sender's address, for
    /// `network`. The check is [`SigCheck::verify`], the same the verifier
    /// workers run.
    pub fn signature_is_valid(&self, network: &BlockHash) -> Result<(), TxError> {
        if self.is_reward() {
            return Err(TxError::MisplacedReward { id: self.id });
        }
        match SigCheck::of(self, network) {
            Some(check) if check.verify() => Ok(()),
            _ => Err(TxError::BadSignature { id: self.id }),
        }
    }

    /// Rule: a signed transaction's id is the one its sender and salt give.
    pub fn id_is_valid(&self) -> Result<(), TxError> {
        match &self.input {
            Input::Signed { address, salt, .. } => {
                let expected = TxId::for_sender(address, salt);
                if self.id == expected {
                    Ok(())
                } else {
                    Err(TxError::IdNotBound {
                        id: self.id,
                        expected,
                    })
                }
            }
            Input::Reward { .. } => Ok(()),
        }
    }

    /// Rules needing no chain state and no signature check, cheapest first:
    /// the id is bound to the sender, the output count is bounded, no output
    /// of a transfer is zero (a reward's one output is the network's reward,
    /// which a spec may set to zero; `validate::reward_is_valid` checks it),
    /// the outputs sum to the input, every output pays a key (a
    /// curve check, remembered for keys seen before). Signatures are checked
    /// separately, so a cache can skip them; a sender that is not a key
    /// fails there.
    pub fn structure_is_valid(&self, params: &Params) -> Result<(), TxError> {
        self.id_is_valid()?;
        let id = self.id;
        if self.outputs.is_empty() || self.outputs.len() > params.max_outputs {
            return Err(TxError::OutputCount {
                id,
                actual: self.outputs.len(),
                max: params.max_outputs,
            });
        }
        if let Some((address, _)) = self.outputs.iter().find(|(_, a)| **a == Amount::ZERO)
            && !self.is_reward()
        {
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
        match self.outputs.keys().find(|a| !a.is_key()) {
            Some(address) => Err(TxError::OutputNotAKey {
                id,
                address: *address,
            }),
            None => Ok(()),
        }
    }
}

impl SigCheck {
    /// The check a signed transaction needs on `network` (None for
    /// rewards).
    pub fn of(tx: &Transaction, network: &BlockHash) -> Option<SigCheck> {
        let Input::Signed {
            address, signature, ..
        } = &tx.input
        else {
            return None;
        };
        Some(SigCheck {
            digest: tx.signing_digest(network)?,
            key: *address.as_bytes(),
            signature: signature.0,
        })
    }
}

#[cfg(test)]
mod tests;
