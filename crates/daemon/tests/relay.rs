//! Two `tabcoind` on one relay (on 127.0.0.1, port 0) stay in step: blocks
//! mined by one reach the other, a payment sent through one is confirmed
//! by a block the other mines.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tabcoin_relay::{Config, serve};

mod common;

async fn relay() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(serve(listener, Config::default(), std::future::pending()));
    format!("ws://{addr}/ws")
}

async fn node(relay: &str) -> String {
    let running = common::test_node(vec![relay.to_owned()], None).await;
    format!("http://{}", running.api)
}

async fn get(url: &str) -> Value {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn post(url: &str, body: Value) -> Value {
    reqwest::Client::new()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_relay_stay_in_step() {
    let url = relay().await;
    let a = node(&url).await;
    let b = node(&url).await;
    until(&format!("{a}/api/peers"), |v| {
        v["peers"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    for _ in 0..3 {
        post(&format!("{a}/api/mine"), json!(null)).await;
    }
    let tip = get(&format!("{a}/api/chain")).await["tip"].clone();
    until(&format!("{b}/api/chain"), |v| v["tip"] == tip).await;

    // A payment sent through B reaches A's pool; A's next block confirms it.
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
