//! What to write when the chain changed, and how to read it back: every
//! block of the best chain is stored as one record keyed by its height and
//! hash (in the browser, IndexedDB, `[network, height, hash]`), so a new
//! block costs one small write, a reorganisation writes only the blocks
//! above the common ancestor, and tabs of one browser on different branches
//! never overwrite each other's blocks: each writes its own, and reading
//! them back takes the branch with the most work.
//!
//! The stored chain is network data, not trusted because it was ours: it is
//! revalidated block by block when read ([`parse_chain`]); damaged records
//! are skipped and what they held comes again from peers.

use tabcoin_chain::{Block, BlockHash, Height, Params, Store, Timestamp};

use crate::notice::StoredChainProblem;

/// One block as storage keeps it: its key (height and hash) and its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecord {
    /// Its height (the first part of the key, so records read back in
    /// height order).
    pub height: u64,
    /// Its hash (the second part: blocks of different branches at one
    /// height are different records).
    pub hash: BlockHash,
    /// The block as JSON, as on the wire.
    pub json: String,
}

impl BlockRecord {
    /// The record of `block`.
    pub fn of(block: &Block) -> BlockRecord {
        BlockRecord {
            height: block.header.height.0,
            hash: block.hash,
            json: record(block),
        }
    }
}

/// The chain as storage holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredChain {
    /// One JSON record per block (of any branch), lowest height first.
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
    /// The hashes of the loaded best chain by height from 0, all read from
    /// records: what is written already.
    pub stored: Vec<BlockHash>,
    /// Records read that the loaded store did not keep (branches fallen
    /// below the fork window or beyond the side-branch bounds, invalid or
    /// unconnected blocks), by height and hash: storage can drop them.
    pub stale: Vec<(u64, BlockHash)>,
}

/// Reads and revalidates a stored chain. Records may hold several branches
/// (tabs of one browser on different forks each write their own): every
/// block is offered to a new store in height order, which keeps the branch
/// with the most work as the best chain and others within its side-branch
/// bounds. A damaged or invalid record is skipped and the first such
/// problem is told. A chain whose genesis is not this network's is of other
/// rules (an earlier version): nothing of it is kept.
pub fn parse_chain(params: Params, stored: StoredChain, now: Timestamp) -> Parsed {
    match stored {
        StoredChain::Records(records) => parse_records(params, &records, now),
        StoredChain::Whole(json) => parse_whole(params, &json, now),
    }
}

fn parse_records(params: Params, records: &[String], now: Timestamp) -> Parsed {
    let mut problem = None;
    let mut blocks = Vec::with_capacity(records.len());
    for (index, json) in records.iter().enumerate() {
        match serde_json::from_str::<Block>(json) {
            Ok(block) => blocks.push(block),
            Err(e) => {
                problem.get_or_insert(StoredChainProblem::UnreadableRecord {
                    index: index + 1,
                    reason: e.to_string(),
                });
            }
        }
    }
    if blocks.is_empty() {
        return Parsed {
            store: None,
            problem,
            stored: Vec::new(),
            stale: Vec::new(),
        };
    }
    let mut store = Store::new(params);
    if blocks
        .iter()
        .any(|b| b.header.height == Height::GENESIS && b.hash != store.genesis().hash)
    {
        return Parsed {
            store: None,
            problem: Some(StoredChainProblem::OtherRules),
            stored: Vec::new(),
            stale: Vec::new(),
        };
    }
    let read: Vec<(u64, BlockHash)> = blocks.iter().map(|b| (b.header.height.0, b.hash)).collect();
    // Parents before children, whatever order storage gave.
    blocks.sort_by_key(|b| b.header.height);
    for block in blocks {
        let height = block.header.height;
        if height == Height::GENESIS {
            continue;
        }
        if let Err(error) = store.accept(block, now) {
            let kept = Height(height.0.saturating_sub(1));
            problem.get_or_insert(StoredChainProblem::InvalidAfter { kept, error });
        }
    }
    // What storage holds from height 0 up (genesis too may be missing).
    let held: std::collections::HashSet<BlockHash> = read.iter().map(|(_, h)| *h).collect();
    let stored = store
        .main_chain()
        .map(|b| b.hash)
        .take_while(|h| held.contains(h))
        .collect();
    let stale = read
        .into_iter()
        .filter(|(_, hash)| store.get(hash).is_none())
        .collect();
    Parsed {
        store: Some(store),
        problem,
        stored,
        stale,
    }
}

/// A whole chain as one JSON array, as an earlier version stored it: its
/// linked, valid prefix.
fn parse_whole(params: Params, json: &str, now: Timestamp) -> Parsed {
    let blocks: Vec<Block> = match serde_json::from_str(json) {
        Ok(blocks) => blocks,
        Err(e) => {
            let reason = e.to_string();
            return Parsed {
                store: None,
                problem: Some(StoredChainProblem::UnreadableChain { reason }),
                stored: Vec::new(),
                stale: Vec::new(),
            };
        }
    };
    let blocks = linked_prefix(blocks);
    if blocks
        .first()
        .is_some_and(|b| b.hash != params.network_id())
    {
        return Parsed {
            store: None,
            problem: Some(StoredChainProblem::OtherRules),
            stored: Vec::new(),
            stale: Vec::new(),
        };
    }
    let (store, problem) = match Store::from_blocks_prefix(params, blocks, now) {
        (store, None) => (store, None),
        (store, Some(error)) => {
            let kept = store.height();
            (
                store,
                Some(StoredChainProblem::InvalidAfter { kept, error }),
            )
        }
    };
    // Rewritten as records, block by block.
    Parsed {
        store: Some(store),
        problem,
        stored: Vec::new(),
        stale: Vec::new(),
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

/// A whole stored chain cut at the first block that does not link to the
/// one before it.
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
    fn records_of_two_branches_load_the_one_with_more_work() {
        let mut base = Store::new(P);
        extend(&mut base, 2, 1);
        let mut a = Store::from_blocks(P, chain(&base), NOW).unwrap_or_else(|e| panic!("{e}"));
        extend(&mut a, 2, 1);
        let mut b = Store::from_blocks(P, chain(&base), NOW).unwrap_or_else(|e| panic!("{e}"));
        extend(&mut b, 3, 2);
        // Records in key order: by height, then hash.
        let mut blocks = chain(&a);
        blocks.extend(chain(&b).into_iter().skip(3));
        blocks.sort_by_key(|b| (b.header.height, b.hash));
        let records = blocks.iter().map(record).collect();
        let parsed = parse_chain(P, StoredChain::Records(records), NOW);
        assert_eq!(parsed.problem, None);
        let store = parsed.store.unwrap_or_else(|| panic!("loaded"));
        assert_eq!(store.tip().hash, b.tip().hash);
        assert!(store.get(&a.tip().hash).is_some(), "the other branch stays");
        assert_eq!(
            parsed.stored,
            chain(&b).iter().map(|b| b.hash).collect::<Vec<_>>()
        );
        assert!(parsed.stale.is_empty());
        // Without the genesis record, nothing counts as written.
        let no_genesis = blocks.iter().skip(1).map(record).collect();
        let parsed = parse_chain(P, StoredChain::Records(no_genesis), NOW);
        assert_eq!(parsed.store.map(|s| s.tip().hash), Some(b.tip().hash));
        assert!(parsed.stored.is_empty(), "genesis is written first");
    }

    #[test]
    fn a_whole_chain_stops_at_the_first_block_that_does_not_link() {
        let mut a = Store::new(P);
        extend(&mut a, 4, 1);
        let mut b = Store::new(P);
        extend(&mut b, 4, 2);
        let mut blocks = chain(&a);
        blocks[3] = chain(&b)[3].clone();
        assert_eq!(linked_prefix(blocks.clone()), chain(&a)[..3].to_vec());
        let json = serde_json::to_string(&blocks).unwrap_or_default();
        let parsed = parse_chain(P, StoredChain::Whole(json), NOW);
        assert_eq!(parsed.store.map(|s| s.height()), Some(Height(2)));
        assert!(linked_prefix(Vec::new()).is_empty());
    }
}
