//! The classic clients against `--compat`, with their own request bodies,
//! and their answers' shapes checked field by field: the cryptochain
//! course's React client, the Flask tutorial's client and the Lambda
//! course's miner.

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;

/// A node with the compatibility listener; its URL.
async fn compat_node() -> (tabcoin_daemon::Running, String) {
    let options = tabcoin_daemon::Options {
        compat: Some("127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"))),
        ..common::options(Vec::new(), None)
    };
    let node = tabcoin_daemon::start(options)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}", node.compat.unwrap_or_else(|| panic!("compat")));
    (node, url)
}

/// A client that sends no token and does not follow redirects (the
/// courses' clients send none).
fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn get(url: &str) -> (StatusCode, Value) {
    let r = plain()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    common::status_json(r).await
}

async fn post(url: &str, body: Value) -> (StatusCode, Value) {
    let r = plain()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    common::status_json(r).await
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cryptochain_course_client_runs_against_it() {
    let (node, api) = compat_node().await;
    let to = common::other_address();
    // App.js
    let (status, info) = get(&format!("{api}/api/wallet-info")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&info), ["address", "balance"]);
    assert_eq!(info["balance"], 1000);
    let me = info["address"].as_str().unwrap_or_default().to_owned();
    // ConductTransaction.js: {recipient, amount: Number(amount)}.
    let (status, sent) = post(
        &format!("{api}/api/transact"),
        json!({"recipient": to, "amount": 30}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["type"], "success");
    let tx = &sent["transaction"];
    assert_eq!(keys(tx), ["id", "input", "outputMap"]);
    assert_eq!(
        keys(&tx["input"]),
        ["address", "amount", "signature", "timestamp"]
    );
    assert_eq!(tx["input"]["address"], me.as_str());
    assert_eq!(tx["input"]["amount"], 1000);
    assert_eq!(tx["outputMap"][&to], 30);
    assert_eq!(tx["outputMap"][&me], 970);
    let (status, refused) = post(
        &format!("{api}/api/transact"),
        json!({"recipient": to, "amount": 5000}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["type"], "error");
    assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));
    // TransactionPool.js
    let (_, map) = get(&format!("{api}/api/transaction-pool-map")).await;
    let id = tx["id"].as_str().unwrap_or_default();
    assert_eq!(map[id], *tx, "{map}");
    let mined = plain()
        .get(format!("{api}/api/mine-transactions"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(mined.status().is_redirection(), "{}", mined.status());
    assert_eq!(
        mined
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/api/blocks")
    );
    // Blocks.js
    let (_, length) = get(&format!("{api}/api/blocks/length")).await;
    assert_eq!(length, 2);
    let (_, chain) = get(&format!("{api}/api/blocks")).await;
    let chain = chain.as_array().cloned().unwrap_or_default();
    assert_eq!(chain.len(), 2);
    for block in &chain {
        assert_eq!(
            keys(block),
            [
                "data",
                "difficulty",
                "hash",
                "lastHash",
                "nonce",
                "timestamp"
            ]
        );
    }
    assert_eq!(chain[1]["lastHash"], chain[0]["hash"]);
    let data = chain[1]["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data[0]["input"]["address"], "*authorized-reward*");
    assert_eq!(data[0]["outputMap"][&me], 50);
    assert_eq!(data[1]["id"], tx["id"]);
    let (_, page) = get(&format!("{api}/api/blocks/1")).await;
    assert_eq!(page.as_array().map(Vec::len), Some(2));
    assert_eq!(page[0]["hash"], chain[1]["hash"], "newest first");
    let (_, empty) = get(&format!("{api}/api/blocks/2")).await;
    assert_eq!(empty, json!([]));
    // The course's POST /api/mine {data}: a block of pending transactions.
    let r = plain()
        .post(format!("{api}/api/mine"))
        .json(&json!({"data": ["foo"]}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.status().is_redirection());
    let (_, length) = get(&format!("{api}/api/blocks/length")).await;
    assert_eq!(length, 3);
    let (_, known) = get(&format!("{api}/api/known-addresses")).await;
    let known: Vec<&str> = known
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        known.contains(&to.as_str()) && known.contains(&me.as_str()),
        "{known:?}"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flask_tutorial_client_runs_against_it() {
    let (node, api) = compat_node().await;
    let to = common::other_address();
    // Its README's request, the node paying from its own wallet.
    let (status, answer) = post(
        &format!("{api}/transactions/new"),
        json!({"sender": "d4ee26eee15148ee92c6cd394edd974e", "recipient": to, "amount": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["message"], "Transaction will be added to Block 2");
    let (status, missing) = post(
        &format!("{api}/transactions/new"),
        json!({"sender": "x", "amount": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(missing["message"], "Missing values");
    let (status, forged) = get(&format!("{api}/mine")).await;
    assert_eq!(status, StatusCode::OK, "{forged}");
    assert_eq!(
        keys(&forged),
        [
            "index",
            "message",
            "previous_hash",
            "proof",
            "timestamp",
            "transactions"
        ]
    );
    assert_eq!(forged["message"], "New Block Forged");
    assert_eq!(forged["index"], 2);
    let txs = forged["transactions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(txs[0]["sender"], "0", "the reward");
    assert!(
        txs.iter()
            .any(|t| t["recipient"] == to.as_str() && t["amount"] == 5),
        "{txs:?}"
    );
    for tx in &txs {
        assert_eq!(keys(tx), ["amount", "recipient", "sender"]);
    }
    let (_, chain) = get(&format!("{api}/chain")).await;
    assert_eq!(keys(&chain), ["chain", "length"]);
    assert_eq!(chain["length"], 2);
    assert_eq!(chain["chain"][0]["index"], 1);
    assert_eq!(chain["chain"][1]["previous_hash"], forged["previous_hash"]);
    assert!(chain["chain"][1]["timestamp"].is_f64(), "seconds");
    let (status, registered) = post(
        &format!("{api}/nodes/register"),
        json!({"nodes": ["http://127.0.0.1:5001"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["message"], "New nodes have been added");
    assert_eq!(registered["total_nodes"], json!(["ws://127.0.0.1:5001/ws"]));
    let (status, _) = post(&format!("{api}/nodes/register"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, resolved) = get(&format!("{api}/nodes/resolve")).await;
    assert_eq!(resolved["message"], "Our chain is authoritative");
    assert_eq!(resolved["chain"], chain["chain"]);
    node.stop().await;
}

/// The listener has no token, but a web page can neither rebind to it
/// nor make it mine with a cross-site `GET` (an image's address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_page_cannot_drive_the_classic_routes() {
    let (node, api) = compat_node().await;
    let cross = plain()
        .get(format!("{api}/mine"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let form = plain()
        .post(format!("{api}/api/transact"))
        .header("origin", "https://attacker.example")
        .json(&json!({"recipient": common::other_address(), "amount": 1}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    let rebound = plain()
        .get(format!("{api}/api/wallet-info"))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
    let (_, length) = get(&format!("{api}/api/blocks/length")).await;
    assert_eq!(length, 1, "nothing was mined");
    node.stop().await;
}

/// The Lambda course's miner: it reads the last block, finds a proof by
/// its own rule, and posts it with its id; each valid proof pays the id a
/// coin, in a block the node mines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_course_miner_is_paid_for_its_proofs() {
    let (node, api) = compat_node().await;
    let to = common::other_address();
    let (_, last) = get(&format!("{api}/last_block")).await;
    let block = last["last_block"].clone();
    assert_eq!(
        keys(&block),
        [
            "index",
            "previous_hash",
            "proof",
            "timestamp",
            "transactions"
        ]
    );
    let (_, last_proof) = get(&format!("{api}/last_proof")).await;
    assert_eq!(last_proof["proof"], block["proof"]);
    // The node of these tests asks for two hex zeros.
    let valid = |p: &u64| tabcoin_daemon::compat::lambda_proof_is_valid(&block, &json!(p), 2);
    let proof = (0..).find(valid).unwrap_or_default();
    let bad = (0..).find(|p| !valid(p)).unwrap_or_default();
    let (status, refused) = post(&format!("{api}/mine"), json!({"proof": bad, "id": to})).await;
    assert_eq!(status, StatusCode::OK, "the course answers 200");
    assert_eq!(refused["message"], "Proof was invalid or already submitted");
    let (status, _) = post(&format!("{api}/mine"), json!({"proof": proof})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no id");
    let (status, forged) = post(&format!("{api}/mine"), json!({"proof": proof, "id": to})).await;
    assert_eq!(status, StatusCode::OK, "{forged}");
    assert_eq!(forged["message"], "New Block Forged");
    assert_eq!(forged["index"], 2);
    assert!(
        forged["transactions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["recipient"] == to.as_str() && t["amount"] == 1),
        "{forged}"
    );
    let balance = common::get_json(&format!("http://{}/api/addresses/{to}", node.api)).await;
    assert_eq!(balance["balance"], 1001);
    node.stop().await;
}
