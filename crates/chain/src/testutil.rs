//! Helpers shared by the crate's tests: wallets from seeds, unique ids, and
//! mining real blocks on a store.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::block::{Block, GENESIS_TIMESTAMP, tx_root};
use crate::hash::BlockHash;
use crate::header::Header;
use crate::params::Params;
use crate::pow::search;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::tx::{Salt, Transaction, TxId};
use crate::wallet::Wallet;

/// The network the tests run on.
pub const P: Params = Params::TEST;

/// A validator clock far after every test block.
pub const NOW: Timestamp = GENESIS_TIMESTAMP.plus_ms(1_000_000_000);

/// The wallet of a seed byte.
pub fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("seed {seed} is a valid secret"))
}

/// A salt never used before in this test run (so a fresh transaction id).
pub fn fresh_salt() -> Salt {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 16];
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    Salt(bytes)
}

/// A transaction id never used before in this test run (for rewards and
/// hand-made transactions).
pub fn fresh_id() -> TxId {
    TxId::from_random(fresh_salt().0)
}

/// The test network's id, which signatures commit to.
pub fn net() -> BlockHash {
    P.network_id()
}

/// Finds a nonce for `header` and returns the block.
pub fn seal(mut header: Header, txs: Vec<Transaction>) -> Block {
    header.tx_root = tx_root(&txs);
    header.nonce = search(&header, 0..u64::MAX).unwrap_or_default();
    Block::new(header, txs)
}

/// A valid block on `parent` paying `miner`, carrying `txs`, `spacing_ms`
/// after its parent.
pub fn block_on(
    store: &Store,
    parent: &BlockHash,
    miner: &Wallet,
    txs: Vec<Transaction>,
    spacing_ms: u64,
) -> Block {
    let ctx = store
        .context(parent)
        .unwrap_or_else(|| panic!("parent {parent} is stored"));
    let height = ctx.parent.height.next();
    let reward_id = TxId::for_reward(parent, height, &miner.address());
    let mut all = vec![Transaction::reward(
        miner.address(),
        height,
        store.params(),
        reward_id,
    )];
    all.extend(txs);
    let header = Header {
        height,
        timestamp: ctx.parent.timestamp.plus_ms(spacing_ms),
        prev_hash: *parent,
        tx_root: tx_root(&all),
        bits: ctx.required_target.to_compact(),
        nonce: 0,
    };
    seal(header, all)
}

/// Mines a block on the best tip and accepts it.
pub fn mine(store: &mut Store, miner: &Wallet, txs: Vec<Transaction>) -> Block {
    let tip = store.tip().hash;
    let spacing = store.params().mine_rate_ms;
    let block = block_on(store, &tip, miner, txs, spacing);
    match store.accept(block.clone(), NOW) {
        Ok(a) if a.tip_changed() => block,
        other => panic!("mined block not accepted: {other:?}"),
    }
}

/// SplitMix64: a small, seeded, reproducible generator for tests.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in (0, 1).
    pub fn next_f64(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}
