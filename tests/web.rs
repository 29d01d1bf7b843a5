//! The app in headless Chromium (wasm-bindgen-test): it mounts, shows the
//! genesis state and this tab's wallet, and the form validation speaks
//! plainly.
#![cfg(target_arch = "wasm32")]

use tabcoin::ui::App;
use tabcoin::ui::forms::validate_send;
use tabcoin_chain::Store;
use tabcoin_chain::{Amount, Params, Wallet, genesis};
use tabcoin_node::{Effect, Event, Message, MinerReport, Node};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn text(root: &web_sys::Element, testid: &str) -> Option<String> {
    root.query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
}

#[wasm_bindgen_test]
async fn app_mounts_and_shows_the_genesis_state_and_a_wallet() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("attach");
    yew::Renderer::<App>::with_root(root.clone()).render();
    sleep(50).await;
    assert_eq!(
        text(&root, "chain-height").as_deref(),
        Some("0"),
        "{}",
        root.inner_html()
    );
    assert_eq!(text(&root, "peer-count").as_deref(), Some("0"));
    // The test page has no relay: the tab says so instead of failing.
    let conn = text(&root, "conn-state").unwrap_or_default();
    assert!(
        conn == "connecting" || conn == "offline",
        "conn-state was {conn}"
    );
    assert_eq!(
        text(&root, "tip-hash"),
        Some(genesis(&Params::DEMO).hash.short())
    );
    let address = text(&root, "address").unwrap_or_default();
    assert!(
        address.parse::<tabcoin_chain::Address>().is_ok(),
        "{address}"
    );
    assert_eq!(
        text(&root, "balance").as_deref(),
        Some("0"),
        "the demo network starts everyone at zero"
    );
    assert_eq!(text(&root, "mine-button").as_deref(), Some("Start mining"));
}

#[wasm_bindgen_test]
fn send_form_messages_are_one_clear_sentence_each() {
    let me = Wallet::from_secret([1; 32])
        .map(|w| w.address())
        .expect("valid");
    let to = Wallet::from_secret([2; 32])
        .map(|w| w.address())
        .expect("valid")
        .to_string();
    let check = |to: &str, amount: &str| {
        validate_send(to, amount, &me, Amount(10))
            .err()
            .unwrap_or_default()
    };
    assert_eq!(
        check(&to[..to.len() - 1], "5"),
        "Recipient: this address has a typo: its checksum does not match."
    );
    assert_eq!(
        check(&to, "0"),
        "Amount: the amount must be more than zero."
    );
    assert_eq!(
        check(&to, "11"),
        "Amount: you have 10 coins available, so you cannot send 11."
    );
    assert!(validate_send(&to, "10", &me, Amount(10)).is_ok());
}

#[wasm_bindgen_test]
fn hash_rates_are_shown_in_sensible_units() {
    assert_eq!(tabcoin::ui::format::format_rate(950.0), "950 H/s");
    assert_eq!(tabcoin::ui::format::format_rate(18_600.0), "18.6 kH/s");
    assert_eq!(tabcoin::ui::format::format_rate(3_700_000.0), "3.70 MH/s");
}

/// The node reducer in the browser: the same events give the same effects
/// as natively.
#[wasm_bindgen_test]
fn the_node_reducer_runs_in_the_browser() {
    let wallet = Wallet::from_secret([3; 32]).expect("valid");
    let mut node = Node::new(Store::new(Params::TEST), wallet);
    let now = tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(10_000);
    let effects = node.handle(Event::Connected { peers: vec![1] }, now);
    assert_eq!(node.peers().len(), 1);
    assert!(matches!(
        &effects[..],
        [Effect::Broadcast(Message::Hello { .. })]
    ));
    let effects = node.handle(Event::MiningToggled, now);
    let Some(Effect::Mine(job)) = effects.last().cloned() else {
        panic!("mining starts a job")
    };
    let nonce = tabcoin_chain::pow::search(&job.template.header, 0..u64::MAX).unwrap_or_default();
    let report = MinerReport::Found {
        job: job.id,
        nonce,
        tried: 1,
    };
    let effects = node.handle(Event::Miner { worker: 0, report }, now);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Broadcast(Message::Block { .. })))
    );
    assert_eq!(node.store().height().0, 1);
    assert_eq!(node.balance(), Amount(1050));
}

/// The chain kept in IndexedDB, one record per block keyed by height and
/// hash: written, read back in height order and revalidated into the same
/// chain; two tabs on different branches both keep their blocks, and the
/// branch with more work is read back as the best chain.
#[wasm_bindgen_test]
async fn the_chain_survives_in_indexeddb_block_by_block() {
    use tabcoin::shell::idb::{delete_blocks, load_blocks, put_blocks};
    use tabcoin_chain::pow::search;
    use tabcoin_chain::{Pool, Template, Timestamp};
    use tabcoin_node::BlockRecord;
    use tabcoin_node::persist::{StoredChain, parse_chain};

    let p = Params::TEST;
    let now = Timestamp(js_sys::Date::now() as u64);
    let mine = |seed: u8, n: u64| {
        let mut store = Store::new(p.clone());
        let miner = Wallet::from_secret([seed; 32]).expect("valid").address();
        for i in 1..=n {
            let t = Timestamp(now.0 - (n + 1 - i) * p.mine_rate_ms);
            let template = Template::new(&store, &Pool::new(), miner, t);
            let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
            store
                .accept(template.into_block(nonce), now)
                .expect("valid");
        }
        store
    };
    let (a, b) = (mine(1, 5), mine(2, 6));
    let records = |s: &Store| -> Vec<BlockRecord> { s.main_chain().map(BlockRecord::of).collect() };
    put_blocks("wasm-test", &records(&a)).await.expect("saved");
    let stored = load_blocks("wasm-test").await.expect("read");
    assert_eq!(stored.len(), 6);
    let parsed = parse_chain(p.clone(), StoredChain::Records(stored), now);
    assert_eq!(parsed.problem, None);
    assert_eq!(parsed.store.expect("a chain").tip().hash, a.tip().hash);

    // Another tab writes another branch: nothing of the first is replaced.
    put_blocks("wasm-test", &records(&b)).await.expect("saved");
    let stored = load_blocks("wasm-test").await.expect("read");
    assert_eq!(stored.len(), 1 + 5 + 6, "one genesis, both branches");
    let parsed = parse_chain(p.clone(), StoredChain::Records(stored), now);
    assert_eq!(parsed.problem, None);
    let store = parsed.store.expect("a chain");
    assert_eq!(store.tip().hash, b.tip().hash, "the most work");
    assert!(
        store.get(&a.tip().hash).is_some(),
        "the other branch is intact"
    );

    // Records can be removed one by one.
    let gone: Vec<_> = records(&a)[1..]
        .iter()
        .map(|r| (r.height, r.hash))
        .collect();
    delete_blocks("wasm-test", &gone).await.expect("removed");
    assert_eq!(load_blocks("wasm-test").await.expect("read").len(), 7);
    // Another network's records are not read.
    assert!(
        load_blocks("wasm-test-other")
            .await
            .expect("read")
            .is_empty()
    );
}

// The GPU search (WebGPU; here Chromium's SwiftShader adapter, a CPU
// emulation: these tests check answers, never speed).

use tabcoin::workers::gpu::GpuSearch;
use tabcoin_chain::pow::Midstate;
use tabcoin_chain::{BlockHash, Header, Height, Target, Timestamp, TxRoot};

/// A seeded header: every field from `seed`, the target `zero_bits` hard.
fn seeded_header(seed: u64, bits: u32) -> Header {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut bytes = || {
        let mut b = [0u8; 32];
        for chunk in b.chunks_exact_mut(8) {
            chunk.copy_from_slice(&next().to_be_bytes());
        }
        b
    };
    Header {
        prev_hash: BlockHash(bytes()),
        tx_root: TxRoot(bytes()),
        height: Height(next() % 1_000_000),
        timestamp: Timestamp(next() % (1 << 42)),
        bits,
        nonce: 0,
    }
}

async fn gpu() -> GpuSearch {
    GpuSearch::open()
        .await
        .unwrap_or_else(|e| panic!("headless Chromium offers a WebGPU adapter here: {e}"))
}

#[wasm_bindgen_test]
async fn the_gpu_finds_the_nonce_the_scalar_search_finds() {
    let gpu = gpu().await;
    assert!(!gpu.adapter().is_empty());
    let (mut found, mut carried) = (0, 0);
    for seed in 0..24u64 {
        let zero_bits = 6 + (seed % 5) as u32;
        let header = seeded_header(seed, Target::from_leading_zeros(zero_bits).to_compact());
        let mid = Midstate::new(&header);
        // Batches of several sizes, some across a 2^32 boundary of the
        // nonce (a carry into its high word).
        let first = match seed % 3 {
            0 => 0,
            1 => (1u64 << 32) - 4,
            _ => seed.wrapping_mul(0x0123_4567_89ab),
        };
        let count = 1_000 + (seed as u32 % 4) * 1_500;
        let scalar = mid.search(first..first + u64::from(count));
        let on_gpu = gpu.search(&mid, first, count).await.expect("searched");
        assert_eq!(on_gpu, scalar, "seed {seed}, {zero_bits} bits from {first}");
        found += usize::from(scalar.is_some());
        carried += usize::from(first < 1 << 32 && scalar.is_some_and(|n| n >= 1 << 32));
    }
    assert!(found >= 12, "most batches hold a solution: {found}");
    assert!(
        carried >= 3,
        "solutions past a carry into the high word: {carried}"
    );
}

#[wasm_bindgen_test]
async fn the_gpu_finds_targets_met_first_last_and_never() {
    let gpu = gpu().await;
    for seed in 100..104u64 {
        // Every hash meets the easiest target: the batch's first nonce.
        let easy = seeded_header(seed, Target::from_leading_zeros(0).to_compact());
        let first = seed * 1_000_003;
        assert_eq!(
            gpu.search(&Midstate::new(&easy), first, 4_096).await,
            Ok(Some(first))
        );
        // The target of the batch's smallest hash, exactly, the batch
        // ending there: met at its last nonce only.
        let header = seeded_header(seed, 0);
        let probe = Midstate::new(&header);
        let (last, best) = (0..2_048u64)
            .map(|n| (n, probe.hash_with_nonce(n)))
            .min_by_key(|(_, h)| *h)
            .expect("a batch");
        let target = Target(tabcoin_chain::u256::U256::from_be_bytes(&best.0));
        let mid = Midstate::with_target(&header, target);
        let from = last.saturating_sub(1_500);
        assert_eq!(mid.search(from..last), None, "nothing before it meets");
        assert_eq!(mid.search(from..last + 1), Some(last));
        let count = (last - from + 1) as u32;
        assert_eq!(gpu.search(&mid, from, count).await, Ok(Some(last)));
        // A target no hash meets.
        let never = seeded_header(seed, Target::from_leading_zeros(200).to_compact());
        assert_eq!(gpu.search(&Midstate::new(&never), 0, 4_096).await, Ok(None));
    }
}

#[wasm_bindgen_test]
async fn a_lost_gpu_says_so_instead_of_answering() {
    let gpu = gpu().await;
    let header = seeded_header(7, Target::from_leading_zeros(8).to_compact());
    gpu.lose();
    assert!(gpu.search(&Midstate::new(&header), 0, 1_024).await.is_err());
}
