//! Block validation: one function per consensus rule, one [`BlockError`]
//! variant per rule.
//!
//! [`validate_block`] runs every rule against the block's parent and the
//! validator's clock (an argument: this crate never reads a clock). Success
//! yields a [`ValidBlock`], which only this module can construct; the chain
//! accepts nothing else.

use crate::block::{Block, data_root};
use crate::hash::{BlockHash, DataRoot};
use crate::params::Params;
use crate::pow::meets_difficulty;

/// A consensus rule a block broke. Each variant is one rule and carries the
/// values that disagreed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The block's height must be its parent's height plus one.
    #[error("height {actual} does not follow the parent's (expected {expected})")]
    WrongHeight {
        /// Parent height + 1.
        expected: u64,
        /// What the block says.
        actual: u64,
    },
    /// The block must name its parent's hash.
    #[error("previous hash {actual} is not the parent's {expected}")]
    BadPrevHash {
        /// The parent's hash.
        expected: BlockHash,
        /// What the block names.
        actual: BlockHash,
    },
    /// The header must commit to exactly the block's data.
    #[error("data root {actual} does not match the data ({expected})")]
    BadDataRoot {
        /// Root computed from the data.
        expected: DataRoot,
        /// Root in the header.
        actual: DataRoot,
    },
    /// The claimed hash must be the hash of the header.
    #[error("claimed hash {claimed} is not the header's hash {computed}")]
    HashMismatch {
        /// Hash computed from the header.
        computed: BlockHash,
        /// Hash the block claims.
        claimed: BlockHash,
    },
    /// The header's difficulty must be the one the network requires; a block
    /// cannot choose its own.
    #[error("difficulty {actual} is not the required {expected}")]
    WrongDifficulty {
        /// Required by the network.
        expected: u32,
        /// Declared in the header.
        actual: u32,
    },
    /// The hash must meet the required difficulty.
    #[error("hash {hash} has {zeros} leading zero bits, {required} are required")]
    InsufficientWork {
        /// The block's hash.
        hash: BlockHash,
        /// Its leading zero bits.
        zeros: u32,
        /// Required leading zero bits.
        required: u32,
    },
    /// The timestamp must be later than the parent's.
    #[error("timestamp {actual} is not after the parent's {parent}")]
    TimestampNotAfterParent {
        /// Parent timestamp.
        parent: u64,
        /// Block timestamp.
        actual: u64,
    },
    /// The timestamp may be at most `Params::max_future_ms` ahead of the
    /// validator's clock.
    #[error("timestamp {actual} is more than {max_ahead_ms} ms ahead of now ({now})")]
    TimestampTooFarAhead {
        /// The validator's clock.
        now: u64,
        /// Block timestamp.
        actual: u64,
        /// Allowed lead.
        max_ahead_ms: u64,
    },
    /// The block may carry at most `Params::max_data_entries` entries.
    #[error("{actual} data entries, at most {max} are allowed")]
    TooManyEntries {
        /// Allowed entries.
        max: usize,
        /// Entries in the block.
        actual: usize,
    },
    /// Each entry may have at most `Params::max_entry_bytes` bytes.
    #[error("data entry {index} has {actual} bytes, at most {max} are allowed")]
    EntryTooLarge {
        /// Position of the entry.
        index: usize,
        /// Allowed bytes.
        max: usize,
        /// Bytes in the entry.
        actual: usize,
    },
}

/// A block that passed every rule against a known parent. Only
/// [`validate_block`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBlock(Block);

impl ValidBlock {
    /// The validated block.
    pub fn block(&self) -> &Block {
        &self.0
    }

    /// Unwraps the validated block.
    pub fn into_block(self) -> Block {
        self.0
    }
}

/// Rule: height follows the parent.
pub fn height_is_valid(block: &Block, parent: &Block) -> Result<(), BlockError> {
    let expected = parent.header.height.saturating_add(1);
    match block.header.height {
        actual if actual == expected => Ok(()),
        actual => Err(BlockError::WrongHeight { expected, actual }),
    }
}

/// Rule: the block names its parent.
pub fn prev_hash_is_valid(block: &Block, parent: &Block) -> Result<(), BlockError> {
    if block.header.prev_hash == parent.hash {
        Ok(())
    } else {
        Err(BlockError::BadPrevHash {
            expected: parent.hash,
            actual: block.header.prev_hash,
        })
    }
}

/// Rules: entry count and entry sizes are bounded.
pub fn data_size_is_valid(block: &Block, params: &Params) -> Result<(), BlockError> {
    if block.data.len() > params.max_data_entries {
        return Err(BlockError::TooManyEntries {
            max: params.max_data_entries,
            actual: block.data.len(),
        });
    }
    match block
        .data
        .iter()
        .enumerate()
        .find(|(_, e)| e.len() > params.max_entry_bytes)
    {
        Some((index, e)) => Err(BlockError::EntryTooLarge {
            index,
            max: params.max_entry_bytes,
            actual: e.len(),
        }),
        None => Ok(()),
    }
}

/// Rule: the header commits to the data.
pub fn data_root_is_valid(block: &Block) -> Result<(), BlockError> {
    let expected = data_root(&block.data);
    if block.header.data_root == expected {
        Ok(())
    } else {
        Err(BlockError::BadDataRoot {
            expected,
            actual: block.header.data_root,
        })
    }
}

/// Rule: the claimed hash is the header's hash.
pub fn hash_is_valid(block: &Block) -> Result<(), BlockError> {
    let computed = block.header.hash();
    if computed == block.hash {
        Ok(())
    } else {
        Err(BlockError::HashMismatch {
            computed,
            claimed: block.hash,
        })
    }
}

/// Rules: the declared difficulty is the required one, and the hash meets it.
pub fn work_is_valid(block: &Block, params: &Params) -> Result<(), BlockError> {
    let required = params.difficulty_bits;
    if block.header.difficulty != required {
        return Err(BlockError::WrongDifficulty {
            expected: required,
            actual: block.header.difficulty,
        });
    }
    let hash = block.header.hash();
    if meets_difficulty(&hash, required) {
        Ok(())
    } else {
        Err(BlockError::InsufficientWork {
            hash,
            zeros: hash.leading_zero_bits(),
            required,
        })
    }
}

/// Rules: the timestamp is after the parent's and not too far ahead of `now`.
pub fn time_is_valid_at(
    block: &Block,
    parent: &Block,
    now_ms: u64,
    params: &Params,
) -> Result<(), BlockError> {
    let actual = block.header.timestamp;
    if actual <= parent.header.timestamp {
        return Err(BlockError::TimestampNotAfterParent {
            parent: parent.header.timestamp,
            actual,
        });
    }
    if actual > now_ms.saturating_add(params.max_future_ms) {
        return Err(BlockError::TimestampTooFarAhead {
            now: now_ms,
            actual,
            max_ahead_ms: params.max_future_ms,
        });
    }
    Ok(())
}

/// Runs every rule; the cheap structural ones first, proof of work last.
pub fn validate_block(
    block: &Block,
    parent: &Block,
    now_ms: u64,
    params: &Params,
) -> Result<ValidBlock, BlockError> {
    height_is_valid(block, parent)?;
    prev_hash_is_valid(block, parent)?;
    data_size_is_valid(block, params)?;
    time_is_valid_at(block, parent, now_ms, params)?;
    data_root_is_valid(block)?;
    hash_is_valid(block)?;
    work_is_valid(block, params)?;
    Ok(ValidBlock(block.clone()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::block::{Header, genesis};
    use crate::pow::search;

    pub const P: Params = Params::TEST;

    /// Mines a valid child of `parent` carrying `data`, at `parent + 1 s`.
    pub fn mine_child(parent: &Block, data: Vec<String>) -> Block {
        let mut header = Header {
            height: parent.header.height + 1,
            timestamp: parent.header.timestamp + 1000,
            prev_hash: parent.hash,
            data_root: data_root(&data),
            difficulty: P.difficulty_bits,
            nonce: 0,
        };
        header.nonce = search(&header, 0..u64::MAX).unwrap_or_default();
        Block::new(header, data)
    }

    fn now() -> u64 {
        genesis(&P).header.timestamp + 10_000
    }

    fn good() -> (Block, Block) {
        let g = genesis(&P);
        let b = mine_child(&g, vec!["hello".into()]);
        (g, b)
    }

    /// Re-mines `b` after `edit` so that only the edited rule can fail.
    fn remine(mut b: Block, edit: impl FnOnce(&mut Block)) -> Block {
        edit(&mut b);
        b.header.nonce = search(&b.header, 0..u64::MAX).unwrap_or_default();
        b.hash = b.header.hash();
        b
    }

    #[test]
    fn a_mined_block_is_valid() {
        let (g, b) = good();
        let v = validate_block(&b, &g, now(), &P).map(ValidBlock::into_block);
        assert_eq!(v, Ok(b));
    }

    #[test]
    fn wrong_height_is_rejected() {
        let (g, b) = good();
        let bad = remine(b, |b| b.header.height = 2);
        assert_eq!(
            validate_block(&bad, &g, now(), &P),
            Err(BlockError::WrongHeight {
                expected: 1,
                actual: 2
            })
        );
    }

    #[test]
    fn wrong_parent_is_rejected() {
        let (g, b) = good();
        let bad = remine(b, |b| b.header.prev_hash = BlockHash([7; 32]));
        assert_eq!(
            validate_block(&bad, &g, now(), &P),
            Err(BlockError::BadPrevHash {
                expected: g.hash,
                actual: BlockHash([7; 32])
            })
        );
    }

    #[test]
    fn tampered_data_is_rejected() {
        let (g, mut b) = good();
        b.data[0] = "hellO".into();
        assert_eq!(
            validate_block(&b, &g, now(), &P),
            Err(BlockError::BadDataRoot {
                expected: data_root(&b.data),
                actual: b.header.data_root
            })
        );
    }

    #[test]
    fn wrong_claimed_hash_is_rejected() {
        let (g, mut b) = good();
        let computed = b.hash;
        b.hash = BlockHash([1; 32]);
        assert_eq!(
            validate_block(&b, &g, now(), &P),
            Err(BlockError::HashMismatch {
                computed,
                claimed: BlockHash([1; 32])
            })
        );
    }

    #[test]
    fn self_declared_difficulty_is_rejected() {
        let (g, b) = good();
        let bad = remine(b, |b| b.header.difficulty = 1);
        assert_eq!(
            validate_block(&bad, &g, now(), &P),
            Err(BlockError::WrongDifficulty {
                expected: P.difficulty_bits,
                actual: 1
            })
        );
    }

    #[test]
    fn unmined_block_is_rejected() {
        let (g, b) = good();
        // Find a nonce whose hash does NOT meet the difficulty.
        let mut bad = b;
        bad.header.nonce = (0..)
            .find(|&n| {
                let mut h = bad.header;
                h.nonce = n;
                h.hash().leading_zero_bits() < P.difficulty_bits
            })
            .unwrap_or_default();
        bad.hash = bad.header.hash();
        assert_eq!(
            validate_block(&bad, &g, now(), &P),
            Err(BlockError::InsufficientWork {
                hash: bad.hash,
                zeros: bad.hash.leading_zero_bits(),
                required: P.difficulty_bits
            })
        );
    }

    #[test]
    fn timestamp_not_after_parent_is_rejected() {
        let (g, b) = good();
        let t = g.header.timestamp;
        let bad = remine(b, |b| b.header.timestamp = t);
        assert_eq!(
            validate_block(&bad, &g, now(), &P),
            Err(BlockError::TimestampNotAfterParent {
                parent: t,
                actual: t
            })
        );
    }

    #[test]
    fn timestamp_too_far_ahead_is_rejected_and_the_bound_is_accepted() {
        let (g, b) = good();
        let now = now();
        let at_bound = remine(b.clone(), |b| b.header.timestamp = now + P.max_future_ms);
        assert!(validate_block(&at_bound, &g, now, &P).is_ok());
        let bad = remine(b, |b| b.header.timestamp = now + P.max_future_ms + 1);
        assert_eq!(
            validate_block(&bad, &g, now, &P),
            Err(BlockError::TimestampTooFarAhead {
                now,
                actual: now + P.max_future_ms + 1,
                max_ahead_ms: P.max_future_ms
            })
        );
    }

    #[test]
    fn oversized_data_is_rejected() {
        let g = genesis(&P);
        let many = mine_child(&g, vec![String::new(); P.max_data_entries + 1]);
        assert_eq!(
            validate_block(&many, &g, now(), &P),
            Err(BlockError::TooManyEntries {
                max: P.max_data_entries,
                actual: P.max_data_entries + 1
            })
        );
        let big = mine_child(&g, vec!["ok".into(), "x".repeat(P.max_entry_bytes + 1)]);
        assert_eq!(
            validate_block(&big, &g, now(), &P),
            Err(BlockError::EntryTooLarge {
                index: 1,
                max: P.max_entry_bytes,
                actual: P.max_entry_bytes + 1
            })
        );
        let full = mine_child(&g, vec!["x".repeat(P.max_entry_bytes); P.max_data_entries]);
        assert!(validate_block(&full, &g, now(), &P).is_ok());
    }
}
