//! Blocks and transactions validated against a small valid chain: the first
//! byte picks what the rest is (a block to accept, a transaction for the
//! pool), as JSON the way peers send them. Never a panic; a refused block
//! leaves the chain as it was.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tabcoin_chain::{Block, Pool, Transaction};
use tabcoin_fuzz::{NOW, store};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut store = store();
    if kind % 2 == 0 {
        let Ok(block) = serde_json::from_str::<Block>(text) else {
            return;
        };
        let (tip, work) = (store.tip().hash, store.total_work());
        match store.accept(block, NOW) {
            Ok(accepted) => assert!(store.total_work() >= work || accepted.added.is_empty()),
            Err(_) => {
                assert_eq!(store.tip().hash, tip);
                assert_eq!(store.total_work(), work);
            }
        }
    } else {
        let Ok(tx) = serde_json::from_str::<Transaction>(text) else {
            return;
        };
        let mut pool = Pool::new();
        if store.add_to_pool(&mut pool, tx).is_err() {
            assert!(pool.is_empty());
        }
    }
});
