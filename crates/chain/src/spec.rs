//! [`Spec`]: a network as data, the small JSON document that says what its
//! rules are: its name, how blocks are made (proof of work or proof of
//! authority), the mining reward, every address's starting balance and the
//! coins allocated to some addresses at genesis.
//!
//! A spec is read with [`Spec::from_json`], which checks every field and
//! says what is wrong with the first bad one in one sentence
//! ([`SpecError`]). Its [`Spec::canonical`] text (compact JSON, fields in a
//! fixed order, allocations sorted by address) is what a genesis block
//! commits to, so [`Spec::id`] names the rules: two tabs agreeing on the id
//! agree on every rule.
//!
//! The built-in networks are specs too ([`crate::Params::spec`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::address::Address;
use crate::amount::Amount;
use crate::timestamp::Timestamp;

/// Longest network name, in characters.
pub const MAX_NAME_LEN: usize = 32;
/// Shortest block time a spec may aim for, in ms.
pub const MIN_BLOCK_TIME_MS: u64 = 1_000;
/// Longest block time a spec may aim for, in ms.
pub const MAX_BLOCK_TIME_MS: u64 = 600_000;
/// Easiest initial proof of work, in leading zero bits.
pub const MIN_ZERO_BITS: u32 = 8;
/// Hardest initial proof of work, in leading zero bits.
pub const MAX_ZERO_BITS: u32 = 40;
/// Retarget half-lives allowed, in blocks.
pub const HALF_LIVES: std::ops::RangeInclusive<u64> = 4..=10_000;
/// Creation times allowed, in ms since the epoch: from 2026-01-01 to
/// 2100-01-01 (a time in seconds, or a garbled one, is caught).
pub const CREATED: std::ops::RangeInclusive<u64> = 1_767_225_600_000..=4_102_444_800_000;
/// Most authorities of a proof-of-authority network.
pub const MAX_AUTHORITIES: usize = 32;
/// Most allocations at genesis.
pub const MAX_ALLOCATIONS: usize = 256;
/// Largest mining reward, starting balance or allocation.
pub const MAX_AMOUNT: Amount = Amount(1_000_000_000_000);
/// Longest spec text read, in bytes.
pub const MAX_SPEC_BYTES: usize = 64 * 1024;

/// How a network's blocks are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Consensus {
    /// Anyone mines: a block is valid when its hash meets the target.
    ProofOfWork {
        /// Target of the first blocks, in leading zero bits.
        initial_zero_bits: u32,
        /// Block time the retarget aims for, in ms.
        block_time_ms: u64,
        /// The retarget's half-life, in blocks (see `crate::retarget`).
        half_life_blocks: u64,
    },
    /// Only the listed authorities seal blocks, in turn.
    ProofOfAuthority {
        /// The addresses that may seal.
        authorities: Vec<Address>,
        /// Time between blocks, in ms.
        block_time_ms: u64,
    },
}

/// A network's rules, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Its name: 1 to [`MAX_NAME_LEN`] characters, lowercase letters,
    /// digits and dashes.
    pub name: String,
    /// When the network was created (ms since the epoch): its genesis
    /// block's timestamp, so no block can claim to be older than the
    /// network.
    pub created: Timestamp,
    /// How blocks are made.
    pub consensus: Consensus,
    /// Coins the maker of a block receives (may be zero).
    pub mining_reward: Amount,
    /// Balance of every address before anything happened to it.
    pub starting_balance: Amount,
    /// Coins some addresses hold from genesis on, on top of the starting
    /// balance.
    #[serde(default)]
    pub allocations: BTreeMap<Address, Amount>,
}

/// What is wrong with a spec: one variant per rule, one sentence each.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum SpecError {
    /// Longer than [`MAX_SPEC_BYTES`].
    #[error("the spec is {0} bytes long; at most {MAX_SPEC_BYTES} are read")]
    TooLong(usize),
    /// Not JSON of the spec's shape.
    #[error("the spec is not valid: {0}")]
    Malformed(String),
    /// No name.
    #[error("the network needs a name")]
    NameEmpty,
    /// A name too long.
    #[error("the name has {0} characters; at most {MAX_NAME_LEN} are allowed")]
    NameTooLong(usize),
    /// A character not allowed in a name.
    #[error("the name may hold lowercase letters, digits and dashes, not {0:?}")]
    NameCharacter(char),
    /// A block time out of range.
    #[error(
        "the block time must be between {MIN_BLOCK_TIME_MS} and {MAX_BLOCK_TIME_MS} ms, not {0} ms"
    )]
    BlockTime(u64),
    /// An initial difficulty out of range.
    #[error(
        "the initial difficulty must be between {MIN_ZERO_BITS} and {MAX_ZERO_BITS} zero bits, not {0}"
    )]
    Difficulty(u32),
    /// A retarget half-life out of range.
    #[error("the retarget half-life must be between 4 and 10000 blocks, not {0}")]
    HalfLife(u64),
    /// A creation time out of range.
    #[error("the creation time must be in milliseconds between 2026-01-01 and 2100-01-01, not {0}")]
    Created(Timestamp),
    /// Proof of authority without authorities.
    #[error("a proof-of-authority network needs at least one authority")]
    NoAuthorities,
    /// Too many authorities.
    #[error("{0} authorities; at most {MAX_AUTHORITIES} are allowed")]
    TooManyAuthorities(usize),
    /// An authority listed twice.
    #[error("authority {0} is listed twice")]
    DuplicateAuthority(Address),
    /// An address that is not a public key.
    #[error("{0} is not the address of a key")]
    NotAKey(Address),
    /// Too many allocations.
    #[error("{0} allocations; at most {MAX_ALLOCATIONS} are allowed")]
    TooManyAllocations(usize),
    /// An allocation of nothing.
    #[error("the allocation to {0} is zero")]
    ZeroAllocation(Address),
    /// An amount above [`MAX_AMOUNT`].
    #[error("the {what} of {amount} is above the limit of {MAX_AMOUNT}")]
    AmountTooLarge {
        /// Which amount.
        what: &'static str,
        /// Its value.
        amount: Amount,
    },
    /// The spec describes another network than the one asked for.
    #[error("the spec describes network {described}, not {expected}")]
    OtherNetwork {
        /// The network the spec describes.
        described: crate::hash::BlockHash,
        /// The network asked for.
        expected: crate::hash::BlockHash,
    },
}

impl SpecError {
    /// The rule's code, in snake case (`too_many_authorities`).
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

impl Spec {
    /// Reads and checks a spec.
    pub fn from_json(text: &str) -> Result<Spec, SpecError> {
        if text.len() > MAX_SPEC_BYTES {
            return Err(SpecError::TooLong(text.len()));
        }
        let spec: Spec =
            serde_json::from_str(text).map_err(|e| SpecError::Malformed(e.to_string()))?;
        spec.check()?;
        Ok(spec)
    }

    /// Checks every field; the first mistake is the error.
    pub fn check(&self) -> Result<(), SpecError> {
        let chars = self.name.chars().count();
        if chars == 0 {
            return Err(SpecError::NameEmpty);
        }
        if chars > MAX_NAME_LEN {
            return Err(SpecError::NameTooLong(chars));
        }
        if let Some(c) = self
            .name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(SpecError::NameCharacter(c));
        }
        if !CREATED.contains(&self.created.0) {
            return Err(SpecError::Created(self.created));
        }
        let block_time_ms = match &self.consensus {
            Consensus::ProofOfWork {
                initial_zero_bits,
                block_time_ms,
                half_life_blocks,
            } => {
                if !(MIN_ZERO_BITS..=MAX_ZERO_BITS).contains(initial_zero_bits) {
                    return Err(SpecError::Difficulty(*initial_zero_bits));
                }
                if !HALF_LIVES.contains(half_life_blocks) {
                    return Err(SpecError::HalfLife(*half_life_blocks));
                }
                *block_time_ms
            }
            Consensus::ProofOfAuthority {
                authorities,
                block_time_ms,
            } => {
                if authorities.is_empty() {
                    return Err(SpecError::NoAuthorities);
                }
                if authorities.len() > MAX_AUTHORITIES {
                    return Err(SpecError::TooManyAuthorities(authorities.len()));
                }
                for (i, a) in authorities.iter().enumerate() {
                    if authorities[..i].contains(a) {
                        return Err(SpecError::DuplicateAuthority(*a));
                    }
                    if !a.is_key() {
                        return Err(SpecError::NotAKey(*a));
                    }
                }
                *block_time_ms
            }
        };
        if !(MIN_BLOCK_TIME_MS..=MAX_BLOCK_TIME_MS).contains(&block_time_ms) {
            return Err(SpecError::BlockTime(block_time_ms));
        }
        for (what, amount) in [
            ("mining reward", self.mining_reward),
            ("starting balance", self.starting_balance),
        ] {
            if amount > MAX_AMOUNT {
                return Err(SpecError::AmountTooLarge { what, amount });
            }
        }
        if self.allocations.len() > MAX_ALLOCATIONS {
            return Err(SpecError::TooManyAllocations(self.allocations.len()));
        }
        for (address, amount) in &self.allocations {
            if *amount == Amount::ZERO {
                return Err(SpecError::ZeroAllocation(*address));
            }
            if *amount > MAX_AMOUNT {
                return Err(SpecError::AmountTooLarge {
                    what: "allocation",
                    amount: *amount,
                });
            }
            if !address.is_key() {
                return Err(SpecError::NotAKey(*address));
            }
        }
        Ok(())
    }

    /// The text a genesis block commits to: compact JSON, fields in their
    /// declared order, allocations sorted by address.
    pub fn canonical(&self) -> String {
        // Plain data with string keys: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The SHA-256 of [`Spec::canonical`]: names the rules.
    pub fn id(&self) -> [u8; 32] {
        Sha256::digest(self.canonical().as_bytes()).into()
    }
}

#[cfg(test)]
mod tests;
