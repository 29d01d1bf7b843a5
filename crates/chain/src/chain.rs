//! The best chain of a node: fork choice by cumulative work, reorganisation
//! from the common ancestor, and block locators for incremental sync.
//!
//! Work is summed from the difficulty the network *requires* at each height
//! (`2^difficulty` expected hashes per block), never from what a block
//! declares, and never by counting blocks.

use std::collections::HashMap;

use crate::block::{Block, genesis};
use crate::hash::BlockHash;
use crate::params::Params;
use crate::validate::{BlockError, validate_block};
use crate::work::Work;

/// What happened when blocks were offered to the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// The blocks extend the best chain.
    Extended {
        /// Blocks appended.
        added: usize,
    },
    /// The blocks form a branch with more work: the chain rolled back to the
    /// common ancestor and applied the branch.
    Reorganized {
        /// Blocks of the old chain abandoned.
        removed: usize,
        /// Blocks of the branch applied.
        added: usize,
    },
    /// Every block was already in the chain.
    AlreadyKnown,
    /// The branch is valid but does not have more work than the best chain.
    NotBetter,
}

/// Why offered blocks were not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// The first new block's parent is not in the chain; ask the sender for
    /// the blocks in between (with a locator).
    #[error("parent {parent} of block {hash} is unknown")]
    UnknownParent {
        /// The missing parent.
        parent: BlockHash,
        /// The block that names it.
        hash: BlockHash,
    },
    /// A block broke a consensus rule; the whole batch is refused.
    #[error("block {hash} at height {height} is invalid: {error}")]
    Invalid {
        /// Height the block claims.
        height: u64,
        /// Hash the block claims.
        hash: BlockHash,
        /// The rule it broke.
        error: BlockError,
    },
    /// A stored or received chain does not start with this network's genesis.
    #[error("the chain starts with {actual}, not this network's genesis {expected}")]
    WrongGenesis {
        /// This network's genesis hash.
        expected: BlockHash,
        /// The first block offered.
        actual: BlockHash,
    },
}

/// The best chain, from genesis to tip, with cumulative work per height.
#[derive(Debug, Clone)]
pub struct Chain {
    params: Params,
    blocks: Vec<Block>,
    /// `work[i]` is the total work of blocks `1..=i` (genesis has none).
    work: Vec<Work>,
    by_hash: HashMap<BlockHash, usize>,
}

impl Chain {
    /// A chain holding only the network's genesis block.
    pub fn new(params: Params) -> Chain {
        let g = genesis(&params);
        Chain {
            by_hash: HashMap::from([(g.hash, 0)]),
            blocks: vec![g],
            work: vec![Work::ZERO],
            params,
        }
    }

    /// Rebuilds a chain from stored blocks (genesis first), validating every
    /// block. Used when loading from storage.
    pub fn from_blocks(
        params: Params,
        blocks: Vec<Block>,
        now_ms: u64,
    ) -> Result<Chain, AcceptError> {
        let mut chain = Chain::new(params);
        let mut iter = blocks.into_iter();
        match iter.next() {
            Some(first) if first == chain.blocks[0] => {}
            Some(first) => {
                return Err(AcceptError::WrongGenesis {
                    expected: chain.blocks[0].hash,
                    actual: first.hash,
                });
            }
            None => return Ok(chain),
        }
        chain.accept(iter.collect(), now_ms)?;
        Ok(chain)
    }

    /// The network's constants.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The genesis block; its hash is the network id.
    pub fn genesis(&self) -> &Block {
        &self.blocks[0]
    }

    /// The best block.
    pub fn tip(&self) -> &Block {
        // The chain always holds genesis, so `last` always exists.
        &self.blocks[self.blocks.len() - 1]
    }

    /// Height of the best block.
    pub fn height(&self) -> u64 {
        self.tip().header.height
    }

    /// Total work of the best chain, in expected hashes.
    pub fn total_work(&self) -> Work {
        self.work[self.work.len() - 1]
    }

    /// All blocks, genesis first.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The block with this hash on the best chain.
    pub fn get(&self, hash: &BlockHash) -> Option<&Block> {
        self.by_hash.get(hash).map(|&i| &self.blocks[i])
    }

    /// Work the network requires of one block: `2^difficulty` hashes.
    pub fn block_work(&self) -> Work {
        Work::of_difficulty(self.params.difficulty_bits)
    }

    /// A block locator: hashes of the tip, then of blocks ever further back
    /// (1, 2, 4, 8, … below the tip), always ending with genesis. A peer finds
    /// the first hash it knows and sends what follows.
    pub fn locator(&self) -> Vec<BlockHash> {
        let mut out = Vec::new();
        let mut height = self.blocks.len() - 1;
        let mut step = 1;
        loop {
            out.push(self.blocks[height].hash);
            if height == 0 {
                break;
            }
            if out.len() > 1 {
                step *= 2;
            }
            height = height.saturating_sub(step);
        }
        out
    }

    /// The blocks following the first locator hash found on this chain, at
    /// most `max`. Empty if no locator hash is known (another network) or the
    /// peer is up to date.
    pub fn blocks_after(&self, locator: &[BlockHash], max: usize) -> &[Block] {
        match locator.iter().find_map(|h| self.by_hash.get(h)) {
            Some(&i) => {
                let start = i + 1;
                let end = start.saturating_add(max).min(self.blocks.len());
                &self.blocks[start..end]
            }
            None => &[],
        }
    }

    /// Offers consecutive blocks (each the parent of the next). Blocks already
    /// on the chain are skipped; the rest must attach to a block of the chain
    /// and are validated in order. If the resulting branch has more work than
    /// the best chain, the chain reorganises onto it.
    pub fn accept(&mut self, blocks: Vec<Block>, now_ms: u64) -> Result<Accepted, AcceptError> {
        let known = blocks
            .iter()
            .take_while(|b| self.by_hash.contains_key(&b.hash))
            .count();
        let new: Vec<Block> = blocks.into_iter().skip(known).collect();
        let Some(first) = new.first() else {
            return Ok(Accepted::AlreadyKnown);
        };
        let Some(&fork) = self.by_hash.get(&first.header.prev_hash) else {
            return Err(AcceptError::UnknownParent {
                parent: first.header.prev_hash,
                hash: first.hash,
            });
        };
        let mut parent = &self.blocks[fork];
        for block in &new {
            validate_block(block, parent, now_ms, &self.params).map_err(|error| {
                AcceptError::Invalid {
                    height: block.header.height,
                    hash: block.hash,
                    error,
                }
            })?;
            parent = block;
        }
        let added = new.len();
        let per_block = self.block_work();
        let branch_work = per_block
            .saturating_mul(added as u64)
            .saturating_add(self.work[fork]);
        if branch_work <= self.total_work() {
            return Ok(Accepted::NotBetter);
        }
        let removed = self.blocks.len() - 1 - fork;
        for old in self.blocks.drain(fork + 1..) {
            self.by_hash.remove(&old.hash);
        }
        self.work.truncate(fork + 1);
        for block in new {
            let w = self.total_work().saturating_add(per_block);
            self.by_hash.insert(block.hash, self.blocks.len());
            self.blocks.push(block);
            self.work.push(w);
        }
        Ok(if removed == 0 {
            Accepted::Extended { added }
        } else {
            Accepted::Reorganized { removed, added }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::tests::{P, mine_child};

    const NOW: u64 = crate::block::GENESIS_TIMESTAMP + 1_000_000_000;

    fn branch(from: &Block, n: usize, tag: &str) -> Vec<Block> {
        let mut out: Vec<Block> = Vec::new();
        for i in 0..n {
            let parent = out.last().unwrap_or(from).clone();
            out.push(mine_child(&parent, vec![format!("{tag}{i}")]));
        }
        out
    }

    #[test]
    fn extends_and_knows_its_blocks() {
        let mut c = Chain::new(P);
        let bs = branch(c.tip(), 3, "a");
        assert_eq!(
            c.accept(bs.clone(), NOW),
            Ok(Accepted::Extended { added: 3 })
        );
        assert_eq!(c.height(), 3);
        assert_eq!(c.total_work(), c.block_work().saturating_mul(3));
        assert_eq!(c.accept(bs, NOW), Ok(Accepted::AlreadyKnown));
    }

    #[test]
    fn more_work_branch_reorganises_from_the_common_ancestor() {
        let mut c = Chain::new(P);
        let base = branch(c.tip(), 2, "base");
        c.accept(base.clone(), NOW).ok();
        let ours = branch(&base[1], 1, "ours");
        c.accept(ours, NOW).ok();
        let theirs = branch(&base[1], 2, "theirs");
        // Equal work is not enough.
        assert_eq!(c.accept(theirs[..1].to_vec(), NOW), Ok(Accepted::NotBetter));
        assert_eq!(
            c.accept(theirs.clone(), NOW),
            Ok(Accepted::Reorganized {
                removed: 1,
                added: 2
            })
        );
        assert_eq!(c.tip().hash, theirs[1].hash);
        assert_eq!(c.height(), 4);
    }

    #[test]
    fn unknown_parent_is_reported() {
        let mut c = Chain::new(P);
        let bs = branch(c.tip(), 2, "a");
        assert_eq!(
            c.accept(bs[1..].to_vec(), NOW),
            Err(AcceptError::UnknownParent {
                parent: bs[0].hash,
                hash: bs[1].hash
            })
        );
        assert_eq!(c.height(), 0);
    }

    #[test]
    fn an_invalid_block_refuses_the_batch_and_keeps_the_chain() {
        let mut c = Chain::new(P);
        let mut bs = branch(c.tip(), 3, "a");
        bs[1].data[0] = "forged".into();
        assert!(matches!(
            c.accept(bs, NOW),
            Err(AcceptError::Invalid {
                height: 2,
                error: BlockError::BadDataRoot { .. },
                ..
            })
        ));
        assert_eq!(c.height(), 0);
    }

    #[test]
    fn locator_thins_out_and_ends_at_genesis() {
        let mut c = Chain::new(P);
        c.accept(branch(c.tip(), 20, "a"), NOW).ok();
        let heights: Vec<u64> = c
            .locator()
            .iter()
            .filter_map(|h| c.get(h))
            .map(|b| b.header.height)
            .collect();
        assert_eq!(heights, vec![20, 19, 17, 13, 5, 0]);
        assert_eq!(Chain::new(P).locator(), vec![c.genesis().hash]);
    }

    #[test]
    fn blocks_after_locator_sends_only_what_is_missing() {
        let mut ahead = Chain::new(P);
        let bs = branch(ahead.tip(), 10, "a");
        ahead.accept(bs.clone(), NOW).ok();
        let mut behind = Chain::new(P);
        behind.accept(bs[..4].to_vec(), NOW).ok();
        let missing = ahead.blocks_after(&behind.locator(), 100);
        assert_eq!(missing, &bs[4..]);
        assert_eq!(ahead.blocks_after(&behind.locator(), 2), &bs[4..6]);
        assert!(ahead.blocks_after(&[BlockHash([9; 32])], 100).is_empty());
        assert!(ahead.blocks_after(&ahead.locator(), 100).is_empty());
    }

    #[test]
    fn from_blocks_revalidates_and_checks_genesis() {
        let mut c = Chain::new(P);
        c.accept(branch(c.tip(), 3, "a"), NOW).ok();
        let copy = Chain::from_blocks(P, c.blocks().to_vec(), NOW).map(|c| c.tip().hash);
        assert_eq!(copy, Ok(c.tip().hash));
        let other = Chain::new(Params::DEMO);
        assert!(matches!(
            Chain::from_blocks(P, other.blocks().to_vec(), NOW),
            Err(AcceptError::WrongGenesis { .. })
        ));
    }
}
