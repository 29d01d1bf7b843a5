//! A stored chain as storage may hold it after damage, tampering or an older
//! version: one record per line, or the whole input as one JSON array. Never
//! a panic, and what is kept is a valid prefix of what was stored.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tabcoin_fuzz::{NOW, PARAMS};
use tabcoin_node::StoredChain;
use tabcoin_node::persist::parse_chain;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let records: Vec<String> = text.lines().map(str::to_owned).collect();
    let count = records.len();
    let parsed = parse_chain(PARAMS, StoredChain::Records(records), NOW);
    assert!(parsed.stored.len() <= count);
    if let Some(store) = &parsed.store {
        assert!(store.height().0 as usize <= count.max(1));
    }
    let _ = parse_chain(PARAMS, StoredChain::Whole(text.to_owned()), NOW);
});
