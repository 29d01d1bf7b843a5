//! The chain crate in wasm32, run by wasm-bindgen-test in headless Chromium:
//! the same golden vectors and the same mining and validation as natively.
#![cfg(target_arch = "wasm32")]

use tabcoin_chain::pow::{Midstate, search};
use tabcoin_chain::{Block, Chain, Header, Params, data_root, genesis, validate_block};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The same golden vector as the native test in `block.rs`.
const DEMO_GENESIS_HASH: &str = "66729e3f9527f83e3f447874b5fc6b8208090148b933ab4debf89dd815b59eca";

#[wasm_bindgen_test]
fn genesis_hash_matches_the_native_vector() {
    assert_eq!(genesis(&Params::DEMO).hash.to_string(), DEMO_GENESIS_HASH);
}

#[wasm_bindgen_test]
fn midstate_hash_equals_full_hash() {
    let mut h = genesis(&Params::TEST).header;
    let mid = Midstate::new(&h);
    for nonce in [0, 1, 1 << 40, u64::MAX] {
        h.nonce = nonce;
        assert_eq!(mid.hash_with_nonce(nonce), h.hash());
    }
}

#[wasm_bindgen_test]
fn mine_and_validate_a_short_chain() {
    let p = Params::TEST;
    let mut chain = Chain::new(p);
    let now = tabcoin_chain::block::GENESIS_TIMESTAMP + 60_000;
    for i in 0..5u64 {
        let tip = chain.tip().clone();
        let data = vec![format!("block {i}")];
        let mut header = Header {
            height: tip.header.height + 1,
            timestamp: tip.header.timestamp + 1000,
            prev_hash: tip.hash,
            data_root: data_root(&data),
            difficulty: p.difficulty_bits,
            nonce: 0,
        };
        header.nonce = search(&header, 0..u64::MAX).unwrap_or_default();
        let block = Block::new(header, data);
        assert!(validate_block(&block, &tip, now, &p).is_ok());
        assert!(chain.accept(vec![block], now).is_ok());
    }
    assert_eq!(chain.height(), 5);
    let mut tampered = chain.tip().clone();
    tampered.data[0] = "block 99".into();
    let parent = chain.blocks()[4].clone();
    assert!(validate_block(&tampered, &parent, now, &p).is_err());
}
