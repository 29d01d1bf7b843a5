//! Crash safety: `tabcoind` mining on its own store is killed (SIGKILL)
//! again and again; each restart finds the chain it had acknowledged (the
//! height the API last showed, at least) and every payment the API had
//! accepted, pending or confirmed.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;

use common::get_json as get;

/// Starts the node on `dir`, mining; returns it and its API URL.
fn start(dir: &std::path::Path) -> (Child, String) {
    common::spawn(
        Command::new(env!("CARGO_BIN_EXE_tabcoind"))
            .args(["--net", "test", "--mine", "--api", "127.0.0.1:0"])
            // Nobody listens there: the node mines alone.
            .args(["--relay", "ws://127.0.0.1:9/ws", "--data"])
            .arg(dir),
    )
}

async fn height(api: &str) -> u64 {
    get(&format!("{api}/api/chain")).await["height"]
        .as_u64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_restarts_with_what_it_acknowledged() {
    let dir = std::env::temp_dir().join(format!("tabcoind-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let payee = tabcoin_chain::Wallet::from_secret([42; 32])
        .unwrap_or_else(|_| panic!("seed"))
        .address()
        .to_string();
    let mut acknowledged = 0u64;
    let mut payments: Vec<String> = Vec::new();
    for round in 0..5 {
        let (mut child, api) = start(&dir);
        let resumed = height(&api).await;
        assert!(
            resumed >= acknowledged,
            "round {round}: restarted at {resumed}, {acknowledged} had been shown"
        );
        for id in &payments {
            let tx = get(&format!("{api}/api/txs/{id}")).await;
            assert!(
                tx["transaction"].is_object(),
                "round {round}: payment {id} lost: {tx}"
            );
        }
        // Mine on for a while, pay once, then get killed at once.
        let until = Instant::now() + Duration::from_millis(300 + 200 * round);
        while Instant::now() < until || height(&api).await <= resumed {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let sent: Value = common::client()
            .post(format!("{api}/api/transact"))
            .json(&json!({"to": payee, "amount": 1}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or(Value::Null);
        if let Some(id) = sent["pending"]["id"].as_str() {
            payments.push(id.to_owned());
        }
        acknowledged = height(&api).await;
        child.kill().unwrap_or_else(|e| panic!("{e}"));
        let _ = child.wait();
    }
    assert!(acknowledged >= 5, "it mined: {acknowledged}");
    assert!(!payments.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
