//! Two `tabcoind` stay in step, on one relay or on two linked relays (on
//! 127.0.0.1, port 0): blocks mined by one reach the other, a payment sent
//! through one is confirmed by a block the other mines.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tabcoin_relay::{Config, serve};

mod common;

use common::get_json as get;

/// A relay with `config`; returns its WebSocket URL.
async fn relay_with(config: Config) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(serve(listener, config, std::future::pending()));
    format!("ws://{addr}/ws")
}

async fn relay() -> String {
    relay_with(Config::default()).await
}

async fn node(relay: &str) -> String {
    let running = common::test_node(vec![relay.to_owned()], None).await;
    format!("http://{}", running.api)
}

async fn post(url: &str, body: Value) -> Value {
    common::client()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null)
}

/// Polls `url` until `ok` holds of its answer (10 s at most).
async fn until(url: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let v = get(url).await;
        if ok(&v) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{url}: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `a` mines, `b` follows; a payment through `b` is confirmed by `a`.
async fn in_step(a: &str, b: &str) {
    until(&format!("{a}/api/peers"), |v| {
        v["peers"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    for _ in 0..3 {
        post(&format!("{a}/api/mine"), json!(null)).await;
    }
    let tip = get(&format!("{a}/api/chain")).await["tip"].clone();
    until(&format!("{b}/api/chain"), |v| v["tip"] == tip).await;

    let payee = get(&format!("{a}/api/wallet")).await["address"].clone();
    let sent = post(
        &format!("{b}/api/transact"),
        json!({"to": payee, "amount": 25}),
    )
    .await;
    assert!(sent["pending"].is_object(), "{sent}");
    until(&format!("{a}/api/pool"), |v| {
        v["transactions"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    let mined = post(&format!("{a}/api/mine"), json!(null)).await;
    assert_eq!(
        mined["block"]["data"].as_array().map(Vec::len),
        Some(2),
        "{mined}"
    );
    let tip = mined["block"]["hash"].clone();
    until(&format!("{b}/api/chain"), |v| v["tip"] == tip).await;
    let payer = get(&format!("{b}/api/wallet")).await;
    assert_eq!(payer["balance"], 1000 - 25);
}

/// A node that downloads a block of many signed transactions checks their
/// signatures on its verifier threads, as a tab does in its workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_node_checks_the_signatures_it_downloads_on_its_verifier_threads() {
    use tabcoin_chain::{Amount, Params, Salt, Transaction, Wallet};
    let url = relay().await;
    let a = node(&url).await;
    let payee = Wallet::from_secret([100; 32])
        .unwrap_or_else(|_| panic!("seed"))
        .address();
    for seed in 1..=20u8 {
        let payer = Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("seed"));
        let tx = Transaction::new(
            &payer,
            Amount(1000),
            payee,
            Amount(1),
            Salt([seed; 16]),
            tabcoin_daemon::daemon::now(),
            &Params::TEST.network_id(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let body = serde_json::to_value(&tx).unwrap_or(Value::Null);
        let taken = post(&format!("{a}/api/transactions"), body).await;
        assert!(taken.get("error").is_none(), "{taken}");
    }
    let mined = post(&format!("{a}/api/mine"), json!(null)).await;
    assert_eq!(mined["block"]["data"].as_array().map(Vec::len), Some(21));
    let late = node(&url).await;
    let tip = mined["block"]["hash"].clone();
    let chain = until(&format!("{late}/api/chain"), |v| v["tip"] == tip).await;
    assert_eq!(chain["signatures"]["verifiers"], 20, "{chain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_relay_stay_in_step() {
    let url = relay().await;
    let a = node(&url).await;
    let b = node(&url).await;
    in_step(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_two_linked_relays_stay_in_step() {
    let linkable = || Config {
        link_secret: Some("s3cret".into()),
        ..Config::default()
    };
    let first = relay_with(linkable()).await;
    let second = relay_with(Config {
        peers: vec![first.clone()],
        ..linkable()
    })
    .await;
    let stats = second.replace("ws://", "http://").replace("/ws", "/stats");
    until(&stats, |v| v["links"] == 1).await;
    let a = node(&first).await;
    let b = node(&second).await;
    in_step(&a, &b).await;
}
