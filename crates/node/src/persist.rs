//! What to write when the chain changed, and how to read it back: the best
//! chain is stored as one record per height (in the browser, IndexedDB), so
//! a new block costs one small write rather than rewriting the whole chain,
//! and a reorganisation rewrites only the blocks above the common ancestor.
//!
//! The stored chain is network data, not trusted because it was ours: it is
//! revalidated block by block when read ([`parse_chain`]); a damaged copy
//! keeps its valid prefix and the rest comes again from peers.

use tabcoin_chain::{Block, BlockHash, Height, Params, Store, Timestamp};

use crate::notice::StoredChainProblem;

/// The chain as storage holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredChain {
    /// One JSON record per block, lowest height first.
    Records(Vec<String>),
    /// A whole chain as one JSON array, from an earlier version.
    Whole(String),
}

/// A stored chain, read.
#[derive(Debug)]
pub struct Parsed {
    /// Its valid prefix as a store (None: nothing could be read).
    pub store: Option<Store>,
    /// What was wrong with it, if anything.
    pub problem: Option<StoredChainProblem>,
    /// The hashes storage holds by height, as far as the records link up
    /// (whatever their validity): what is written already.
    pub stored: Vec<BlockHash>,
}

/// Reads and revalidates a stored chain: the blocks that link up from
/// height 0, then validated one by one. Keeps the longest valid prefix of a
/// damaged copy, and says what was wrong. A chain whose first block is not
/// this network's genesis is of other rules (an earlier version): nothing of
/// it is kept.
pub fn parse_chain(params: Params, stored: StoredChain, now: Timestamp) -> Parsed {
    let mut problem = None;
    let (blocks, from_records): (Vec<Block>, bool) = match stored {
        StoredChain::Records(records) => {
            let mut blocks = Vec::with_capacity(records.len());
            for (index, json) in records.iter().enumerate() {
                match serde_json::from_str(json) {
                    Ok(block) => blocks.push(block),
                    Err(e) => {
                        problem = Some(StoredChainProblem::UnreadableRecord {
                            index: index + 1,
                            reason: e.to_string(),
                        });
                        break;
                    }
                }
            }
            (blocks, true)
        }
        StoredChain::Whole(json) => match serde_json::from_str(&json) {
            Ok(blocks) => (blocks, false),
            Err(e) => {
                let reason = e.to_string();
                return Parsed {
                    store: None,
                    problem: Some(StoredChainProblem::UnreadableChain { reason }),
                    stored: Vec::new(),
                };
            }
        },
    };
    let blocks = linked_prefix(blocks);
    // Records are what storage holds; a whole chain is rewritten as records.
    let stored = if from_records {
        blocks.iter().map(|b| b.hash).collect()
    } else {
        Vec::new()
    };
    if blocks
        .first()
        .is_some_and(|b| b.hash != params.network_id())
    {
        return Parsed {
            store: None,
            problem: Some(StoredChainProblem::OtherRules),
            stored,
        };
    }
    let (store, problem) = match Store::from_blocks_prefix(params, blocks, now) {
        (store, None) => (store, problem),
        (store, Some(error)) => {
            let kept = store.height();
            (
                store,
                Some(StoredChainProblem::InvalidAfter { kept, error }),
            )
        }
    };
    Parsed {
        store: Some(store),
        problem,
        stored,
    }
}

/// A block as storage keeps it (JSON, as on the wire).
pub fn record(block: &Block) -> String {
    // Plain data: serializing cannot fail.
    serde_json::to_string(block).unwrap_or_default()
}

/// The main chain as this tab last wrote it: block hashes by height.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved(Vec<BlockHash>);

impl Saved {
    /// Nothing written yet.
    pub fn new() -> Saved {
        Saved::default()
    }

    /// The blocks of `store`'s main chain that differ from what was written,
    /// with their heights: everything above the highest height where both
    /// agree.
    pub fn changes<'a>(&self, store: &'a Store) -> Vec<(Height, &'a Block)> {
        let tip = store.height().0;
        let mut from = self.0.len().min(tip as usize + 1) as u64;
        while from > 0 {
            let h = from - 1;
            if store.block_at(Height(h)).map(|b| b.hash) == self.0.get(h as usize).copied() {
                break;
            }
            from = h;
        }
        (from..=tip)
            .filter_map(|h| store.block_at(Height(h)).map(|b| (Height(h), b)))
            .collect()
    }

    /// Records that `written` (consecutive heights, lowest first) is stored.
    pub fn record(&mut self, written: &[(Height, BlockHash)]) {
        let Some(&(first, _)) = written.first() else {
            return;
        };
        self.0.truncate(first.0 as usize);
        if self.0.len() == first.0 as usize {
            self.0.extend(written.iter().map(|(_, hash)| *hash));
        }
    }

    /// Records that `blocks` (the linked prefix just loaded) are stored.
    pub fn loaded(blocks: &[Block]) -> Saved {
        Saved(blocks.iter().map(|b| b.hash).collect())
    }

    /// Records that storage holds these hashes, by height from 0.
    pub fn of_hashes(hashes: Vec<BlockHash>) -> Saved {
        Saved(hashes)
    }
}

/// The stored records, by height, cut at the first block that does not
/// link to the one before it. Records above a tab's tip can be left over
/// from a reorganisation to a shorter chain or from another tab of the
/// same browser; they are not part of the chain.
pub fn linked_prefix(blocks: Vec<Block>) -> Vec<Block> {
    let mut chain: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks {
        if let Some(last) = chain.last()
            && block.header.prev_hash != last.hash
        {
            break;
        }
        chain.push(block);
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{NOW, P, extend};

    fn written(blocks: &[(Height, &Block)]) -> Vec<(Height, BlockHash)> {
        blocks.iter().map(|(h, b)| (*h, b.hash)).collect()
    }

    fn chain(store: &Store) -> Vec<Block> {
        store.main_chain().cloned().collect()
    }

    #[test]
    fn a_new_tab_writes_the_whole_chain_then_only_new_blocks() {
        let mut store = Store::new(P);
        extend(&mut store, 5, 1);
        let mut saved = Saved::new();
        let all = saved.changes(&store);
        assert_eq!(all.len(), 6, "genesis and 5 blocks");
        let w = written(&all);
        saved.record(&w);
        assert!(saved.changes(&store).is_empty(), "nothing left to write");
        extend(&mut store, 1, 1);
        let new = saved.changes(&store);
        assert_eq!(new.len(), 1);
        assert_eq!((new[0].0, new[0].1.hash), (Height(6), store.tip().hash));
    }

    #[test]
    fn a_reorganisation_rewrites_only_above_the_common_ancestor() {
        let mut base = Store::new(P);
        extend(&mut base, 4, 1);
        let mut store = Store::from_blocks(P, chain(&base), NOW).unwrap_or_else(|e| panic!("{e}"));
        extend(&mut store, 2, 1);
        let mut saved = Saved::loaded(&chain(&store));
        // A heavier branch from height 4 replaces heights 5 and 6.
        let mut other = Store::from_blocks(P, chain(&base), NOW).unwrap_or_else(|e| panic!("{e}"));
        extend(&mut other, 4, 2);
        for block in chain(&other).into_iter().skip(5) {
            store.accept(block, NOW).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(store.tip().hash, other.tip().hash);
        let changed = saved.changes(&store);
        let heights: Vec<u64> = changed.iter().map(|(h, _)| h.0).collect();
        assert_eq!(heights, vec![5, 6, 7, 8]);
        let w = written(&changed);
        saved.record(&w);
        assert_eq!(saved, Saved::loaded(&chain(&store)));
    }

    #[test]
    fn a_shorter_chain_after_a_reorganisation_writes_from_the_fork() {
        let mut store = Store::new(P);
        extend(&mut store, 3, 1);
        let mut saved = Saved::loaded(&chain(&store));
        saved.0.push(BlockHash([9; 32])); // a higher block of a lost branch
        let changed = saved.changes(&store);
        assert!(
            changed.is_empty(),
            "heights 0..=3 agree; nothing above the tip is written"
        );
    }

    #[test]
    fn loading_stops_at_the_first_block_that_does_not_link() {
        let mut a = Store::new(P);
        extend(&mut a, 4, 1);
        let mut b = Store::new(P);
        extend(&mut b, 4, 2);
        let mut records = chain(&a);
        // Height 3 written by another tab on another branch.
        records[3] = chain(&b)[3].clone();
        let loaded = linked_prefix(records);
        assert_eq!(loaded.len(), 3);
        assert_eq!(loaded, chain(&a)[..3].to_vec());
        assert_eq!(
            linked_prefix(chain(&a)).len(),
            5,
            "a whole chain loads whole"
        );
        assert!(linked_prefix(Vec::new()).is_empty());
    }
}
