//! What the fuzz targets share: a small valid chain of the test network
//! (8-bit proof of work, so about one mutated header in 256 still meets its
//! target and the fuzzer reaches the checks behind the proof), with a
//! transfer in it and one pending, and its blocks and messages as seeds.

use std::sync::OnceLock;

use tabcoin_chain::pow::search;
use tabcoin_chain::{
    Amount, Block, GENESIS_TIMESTAMP, Params, Pool, Salt, Store, Template, Timestamp, Transaction,
    Wallet,
};

/// The network every target runs on.
pub const PARAMS: Params = Params::TEST;

/// The clock: a minute after the fixture's last block.
pub const NOW: Timestamp = Timestamp(GENESIS_TIMESTAMP.0 + 60_000);

/// A valid chain and what goes with it.
pub struct Fixture {
    /// Genesis first, then four mined blocks; the third carries a transfer.
    pub blocks: Vec<Block>,
    /// A valid pending transfer on the tip.
    pub pending: Transaction,
    /// A valid child of the tip (not in `blocks`).
    pub next: Block,
}

/// The wallet of secret `[seed; 32]`.
pub fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("seed {seed} is a valid secret"))
}

fn mine(store: &Store, pool: &Pool, miner: &Wallet) -> Block {
    let t = Timestamp(store.tip().header.timestamp.0 + 1_000);
    let template = Template::new(store, pool, miner.address(), t);
    let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
    template.into_block(nonce)
}

fn transfer(from: u8, to: u8, amount: u64, salt: u8) -> Transaction {
    Transaction::new(
        &wallet(from),
        PARAMS.starting_balance,
        wallet(to).address(),
        Amount(amount),
        Salt([salt; 16]),
        NOW,
        &PARAMS.network_id(),
    )
    .unwrap_or_else(|e| panic!("the fixture's transfer is valid: {e}"))
}

fn build() -> Fixture {
    let miner = wallet(9);
    let mut store = Store::new(PARAMS);
    let mut pool = Pool::new();
    for i in 0..4 {
        if i == 2 {
            store
                .add_to_pool(&mut pool, transfer(1, 2, 25, 1))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let block = mine(&store, &pool, &miner);
        let accepted = store.accept(block, NOW).unwrap_or_else(|e| panic!("{e}"));
        store.update_pool(&mut pool, &accepted.removed);
    }
    let pending = transfer(3, 4, 7, 2);
    store
        .add_to_pool(&mut pool, pending.clone())
        .unwrap_or_else(|e| panic!("{e}"));
    let next = mine(&store, &pool, &miner);
    Fixture {
        blocks: store.main_chain().cloned().collect(),
        pending,
        next,
    }
}

/// The fixture, built once per process.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

/// A fresh store holding the fixture's chain.
pub fn store() -> Store {
    Store::from_blocks(PARAMS, fixture().blocks.clone(), NOW)
        .unwrap_or_else(|e| panic!("the fixture chain is valid: {e}"))
}
