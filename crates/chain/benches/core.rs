//! Benchmarks of the consensus core (`cargo bench -p tabcoin-chain`):
//! nonces per second re-hashing the whole header vs the midstate search,
//! signature verifications per second, and validating a 1,000-block chain
//! with transactions, with and without the signature cache.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tabcoin_chain::pow::{Midstate, search};
use tabcoin_chain::{
    Amount, Block, Height, Params, Pool, Salt, Store, Target, Template, Timestamp, Transaction,
    Wallet, genesis,
};

const NONCES: u64 = 20_000;

fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("valid seed"))
}

/// A header nothing meets (so every nonce is tried), built at run time so
/// the optimiser cannot fold the midstate.
fn hopeless_header() -> tabcoin_chain::Header {
    let mut h = genesis(&Params::DEMO).header;
    h.height = black_box(Height(1));
    h.bits = Target::from_leading_zeros(200).to_compact();
    h
}

fn mining(c: &mut Criterion) {
    let mut g = c.benchmark_group("nonces");
    g.throughput(Throughput::Elements(NONCES));
    g.bench_function("full header hash per nonce", |b| {
        let h = hopeless_header();
        b.iter(|| {
            let mut h = h;
            let mut best = [0xffu8; 32];
            for nonce in 0..NONCES {
                h.nonce = nonce;
                best = best.min(h.hash().0);
            }
            black_box(best)
        })
    });
    g.bench_function("midstate search", |b| {
        let mid = Midstate::new(&hopeless_header());
        b.iter(|| black_box(mid.search(black_box(0..NONCES))))
    });
    g.finish();
}

fn signatures(c: &mut Criterion) {
    let tx = Transaction::new(
        &wallet(1),
        Amount(1000),
        wallet(2).address(),
        Amount(5),
        Salt([1; 16]),
        Timestamp(0),
        &Params::TEST.network_id(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("signatures");
    g.throughput(Throughput::Elements(1));
    let net = Params::TEST.network_id();
    g.bench_function("verify", |b| {
        b.iter(|| black_box(&tx).signature_is_valid(&net))
    });
    g.bench_function("sign", |b| {
        let (w, to) = (wallet(3), wallet(2).address());
        let net = Params::TEST.network_id();
        let mut n = 0u8;
        b.iter(|| {
            n = n.wrapping_add(1);
            Transaction::new(
                &w,
                Amount(1000),
                to,
                Amount(5),
                Salt([n; 16]),
                Timestamp(0),
                &net,
            )
        })
    });
    g.finish();
}

/// A chain of `blocks` blocks, each with `per_block` transfers.
fn build_chain(blocks: u64, per_block: u8) -> Vec<Block> {
    let p = Params::TEST;
    let mut store = Store::new(p.clone());
    let mut pool = Pool::new();
    let mut now = tabcoin_chain::GENESIS_TIMESTAMP;
    let senders: Vec<Wallet> = (1..=per_block).map(wallet).collect();
    let to = wallet(200).address();
    let mut id = 0u128;
    let net = p.network_id();
    for _ in 0..blocks {
        now = now.plus_ms(p.mine_rate_ms);
        for w in &senders {
            id += 1;
            let balance = store.ledger().balance(&w.address());
            let tx = Transaction::new(w, balance, to, Amount(1), Salt(id.to_be_bytes()), now, &net)
                .unwrap_or_else(|e| panic!("{e}"));
            store
                .add_to_pool(&mut pool, tx)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let template = Template::new(&store, &pool, wallet(201).address(), now);
        let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
        let accepted = store
            .accept(template.into_block(nonce), now)
            .unwrap_or_else(|e| panic!("{e}"));
        store.update_pool(&mut pool, &accepted.removed);
    }
    store.main_chain().cloned().collect()
}

fn validation(c: &mut Criterion) {
    let chain = build_chain(1000, 5);
    let now = chain
        .last()
        .map_or(Timestamp(0), |b| b.header.timestamp)
        .plus_ms(1);
    let txs: u64 = chain.iter().map(|b| b.data.len() as u64).sum();
    let mut g = c.benchmark_group("validate 1000 blocks");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(txs));
    g.bench_function("from scratch (every signature verified)", |b| {
        b.iter_batched(
            || chain.clone(),
            |blocks| {
                Store::from_blocks(Params::TEST, blocks, now)
                    .map(|s| s.height())
                    .is_ok()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, mining, signatures, validation);
criterion_main!(benches);
