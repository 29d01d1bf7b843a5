//! The chain crate in wasm32, run by wasm-bindgen-test in headless Chromium:
//! the same golden vectors, and the same mining and validation, as natively.
#![cfg(target_arch = "wasm32")]

use tabcoin_chain::hash::to_hex;
use tabcoin_chain::pow::{Midstate, search};
use tabcoin_chain::{
    Amount, Height, Input, Params, Pool, Salt, Store, Template, Timestamp, Transaction, Wallet,
    genesis,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The same golden vectors as the native tests in `block.rs` and `tx/tests.rs`.
const DEMO_GENESIS_HASH: &str = "291656bf11232cd7151372c29c7bee0577b9798410cd6a52f0d88081cde96bb9";
const GOLDEN_SIG: &str = "30ce621d226fd40eef3b476a29e7232239026586bd1f46b3b47ae86c950226ca4770b3f0d860ecabe1d3f0d65f7e9a1b791e5bd5c3a57575e204dc949fdddd9d";

fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("valid seed"))
}

#[wasm_bindgen_test]
fn genesis_hash_matches_the_native_vector() {
    assert_eq!(genesis(&Params::DEMO).hash.to_string(), DEMO_GENESIS_HASH);
}

#[wasm_bindgen_test]
fn signed_transaction_matches_the_native_vector() {
    let tx = Transaction::new(
        &wallet(1),
        Amount(1000),
        wallet(2).address(),
        Amount(25),
        Salt([7; 16]),
        Timestamp(1_795_219_200_000),
        &Params::TEST.network_id(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let Input::Signed { signature, .. } = tx.input else {
        panic!("signed")
    };
    assert_eq!(to_hex(&signature.0), GOLDEN_SIG);
    assert_eq!(tx.signature_is_valid(&Params::TEST.network_id()), Ok(()));
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
fn mine_and_validate_a_short_chain_with_a_transfer() {
    let p = Params::TEST;
    let mut store = Store::new(p.clone());
    let mut pool = Pool::new();
    let (a, b) = (wallet(1), wallet(2));
    let mut now = tabcoin_chain::GENESIS_TIMESTAMP;
    for i in 0..5u8 {
        now = now.plus_ms(p.mine_rate_ms);
        if i == 2 {
            let tx = Transaction::new(
                &a,
                store.ledger().balance(&a.address()),
                b.address(),
                Amount(40),
                Salt([i; 16]),
                now,
                &Params::TEST.network_id(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            store
                .add_to_pool(&mut pool, tx)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let template = Template::new(&store, &pool, a.address(), now);
        let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
        let accepted = store
            .accept(template.into_block(nonce), now)
            .unwrap_or_else(|e| panic!("{e}"));
        store.update_pool(&mut pool, &accepted.removed);
    }
    assert_eq!(store.height(), Height(5));
    assert_eq!(store.ledger().balance(&b.address()), Amount(1040));
    assert_eq!(
        store.ledger().balance(&a.address()),
        Amount(1000 - 40 + 5 * 50)
    );
    assert!(pool.is_empty());
    let mut tampered = store.tip().clone();
    tampered.header.nonce ^= 1;
    tampered.hash = tampered.header.hash();
    let mut fresh = Store::from_blocks(p, store.main_chain().take(5).cloned().collect(), now)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(fresh.accept(tampered, now).is_err());
}

/// The 4-lane SIMD kernel finds exactly the nonces the scalar kernel finds,
/// over many seeded headers, targets and ranges (lengths of every remainder
/// modulo 4, and ranges across the 2^32 nonce boundary).
#[wasm_bindgen_test]
fn simd_kernel_finds_exactly_what_the_scalar_kernel_finds() {
    use tabcoin_chain::pow4::Prepared4;
    use tabcoin_chain::{BlockHash, Height, Target, Timestamp};
    let mut state = 99u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for case in 0..200u64 {
        let mut h = genesis(&Params::TEST).header;
        h.prev_hash = BlockHash(core::array::from_fn(|_| next() as u8));
        h.height = Height(next() % 1_000_000);
        h.timestamp = Timestamp(next());
        h.bits = Target::from_leading_zeros(4 + (case % 9) as u32).to_compact();
        let mid = Midstate::new(&h);
        let p = Prepared4::new(&mid);
        let start = if case % 10 == 0 {
            (1u64 << 32) - 2 - case % 4
        } else {
            next() % 1_000_000
        };
        let range = start..start + 3000 + case % 4;
        let scalar = mid.search(range.clone());
        assert_eq!(p.search_simd(&mid, range.clone()), scalar, "case {case}");
        assert_eq!(p.search_portable(&mid, range), scalar, "case {case}");
    }
}
