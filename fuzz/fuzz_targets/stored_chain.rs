//! A stored chain as storage may hold it after damage, tampering or an older
//! version: one record per line (of any branches), or the whole input as one
//! JSON array. Never a panic; every block of the best chain kept (genesis
//! aside) was stored, and what counts as written is at most what was
//! stored.

#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use tabcoin_chain::{Block, BlockHash};
use tabcoin_fuzz::{NOW, PARAMS};
use tabcoin_node::StoredChain;
use tabcoin_node::persist::parse_chain;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let records: Vec<String> = text.lines().map(str::to_owned).collect();
    let count = records.len();
    let held: HashSet<BlockHash> = records
        .iter()
        .filter_map(|r| serde_json::from_str::<Block>(r).ok())
        .map(|b| b.hash)
        .collect();
    let parsed = parse_chain(PARAMS, StoredChain::Records(records), NOW);
    assert!(parsed.stored.len() <= count);
    if let Some(store) = &parsed.store {
        assert!(store.height().0 as usize <= count.max(1));
        for block in store.main_chain().skip(1) {
            assert!(held.contains(&block.hash), "a kept block was not stored");
        }
    }
    let _ = parse_chain(PARAMS, StoredChain::Whole(text.to_owned()), NOW);
});
