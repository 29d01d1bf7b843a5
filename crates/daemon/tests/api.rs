//! The API on a real socket (port 0), over a node of the `test` network
//! with no relay: every endpoint, its errors, and a store that survives a
//! restart.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tabcoin_chain::{Params, Wallet};
use tabcoin_daemon::start;

mod common;

async fn node(data: Option<std::path::PathBuf>) -> String {
    format!("http://{}", running(data).await.api)
}

async fn running(data: Option<std::path::PathBuf>) -> tabcoin_daemon::Running {
    common::test_node(Vec::new(), data).await
}

async fn get(url: &str) -> (StatusCode, Value) {
    let r = common::client()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    common::status_json(r).await
}

async fn post(url: &str, body: Option<Value>) -> (StatusCode, Value) {
    let client = common::client();
    let mut req = client.post(url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    common::status_json(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_grows_by_mining_and_pays_through_the_api() {
    let api = node(None).await;
    let (status, chain) = get(&format!("{api}/api/chain")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chain["height"], 0);
    // Alone with nothing but genesis.
    assert_eq!(chain["mode"], "genesis");
    assert_eq!(chain["network"], Params::TEST.network_id().to_string());

    let (status, wallet) = get(&format!("{api}/api/wallet")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        wallet["balance"], 1000,
        "the test network's starting balance"
    );
    let me = wallet["address"].as_str().unwrap_or_default().to_owned();

    let (status, mined) = post(&format!("{api}/api/mine"), None).await;
    assert_eq!(status, StatusCode::OK, "{mined}");
    assert_eq!(mined["block"]["height"], 1, "{mined}");
    let (_, chain) = get(&format!("{api}/api/chain")).await;
    assert_eq!(chain["height"], 1);

    // A payment: pending, then confirmed by the next block.
    let to = common::other_address();
    let (status, sent) = post(
        &format!("{api}/api/transact"),
        Some(json!({"to": to, "amount": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let (_, pool) = get(&format!("{api}/api/pool")).await;
    assert_eq!(pool["transactions"].as_array().map(Vec::len), Some(1));
    let (_, payee) = get(&format!("{api}/api/addresses/{to}")).await;
    assert_eq!(payee["balance"], 1000);
    assert_eq!(payee["balance_after_pending"], 1030);
    post(&format!("{api}/api/mine"), None).await;
    let (_, payee) = get(&format!("{api}/api/addresses/{to}")).await;
    assert_eq!(payee["balance"], 1030);
    assert_eq!(payee["history"].as_array().map(Vec::len), Some(1));
    let (_, mine) = get(&format!("{api}/api/addresses/{me}")).await;
    assert_eq!(mine["balance"], 1000 + 50 + 50 - 30);
    // The history is the latest entries, as many as asked, with the total.
    let total = mine["history_total"].as_u64().unwrap_or_default();
    assert!(total >= 2, "{mine}");
    assert_eq!(
        mine["history"].as_array().map(Vec::len),
        Some(total as usize)
    );
    let (_, latest) = get(&format!("{api}/api/addresses/{me}?history=1")).await;
    assert_eq!(latest["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(latest["history"][0], mine["history"][total as usize - 1]);
    assert_eq!(latest["history_total"], total);
    let (status, too_many) = get(&format!("{api}/api/addresses/{me}?history=1001")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(too_many["error"], "history");

    // Blocks by page, height and hash.
    let (status, page) = get(&format!("{api}/api/blocks?from=1&limit=5")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["blocks"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["next"], Value::Null);
    let (_, first) = get(&format!("{api}/api/blocks?limit=1")).await;
    assert_eq!(first["next"], 1);
    let (status, by_height) = get(&format!("{api}/api/blocks/2")).await;
    assert_eq!(status, StatusCode::OK);
    let hash = by_height["block"]["hash"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, by_hash) = get(&format!("{api}/api/blocks/{hash}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_hash["block"], by_height["block"]);
    assert_eq!(by_hash["best_chain"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_rule_and_a_sentence_and_change_nothing() {
    let api = node(None).await;
    let error = |v: &Value| v["error"].as_str().unwrap_or_default().to_owned();
    let cases = [
        (
            format!("{api}/api/blocks?limit=101"),
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            format!("{api}/api/blocks?limit=0"),
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            format!("{api}/api/blocks?from=x"),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            format!("{api}/api/blocks/99"),
            StatusCode::NOT_FOUND,
            "no_block",
        ),
        (
            format!("{api}/api/blocks/zz"),
            StatusCode::BAD_REQUEST,
            "block_id",
        ),
        (
            format!("{api}/api/addresses/tab1nope"),
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            format!("{api}/api/nowhere"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (url, status, rule) in cases {
        let (got, body) = get(&url).await;
        assert_eq!(got, status, "{url}: {body}");
        assert_eq!(error(&body), rule, "{url}: {body}");
        assert!(!body["message"].as_str().unwrap_or_default().is_empty());
    }
    let to = common::other_address();
    let transact = format!("{api}/api/transact");
    let refused = [
        (
            json!({"to": to, "amount": 5000}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "insufficient_funds",
        ),
        (
            json!({"to": to, "amount": 0}),
            StatusCode::BAD_REQUEST,
            "amount",
        ),
        (
            json!({"to": "tab1x", "amount": 5}),
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (json!({"to": to}), StatusCode::BAD_REQUEST, "bad_json"),
        (
            json!({"to": to, "amount": 5, "fee": 1}),
            StatusCode::BAD_REQUEST,
            "bad_json",
        ),
        (
            json!({"to": to, "amount": "five"}),
            StatusCode::BAD_REQUEST,
            "bad_json",
        ),
    ];
    for (body, status, rule) in refused {
        let (got, answer) = post(&transact, Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(error(&answer), rule, "{body}: {answer}");
    }
    let client = common::client();
    let malformed = client
        .post(&transact)
        .header("content-type", "application/json")
        .body("{\"to\":")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    // Each other way a request can fail has its own rule, in JSON.
    let send = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = r.status();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let body = format!("{{\"to\":\"{to}\",\"amount\":1}}");
    let answers = [
        (
            send(
                client
                    .post(&transact)
                    .header("content-type", "text/plain")
                    .body(body.clone()),
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            send(
                client
                    .post(&transact)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("to=x&amount=1"),
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            send(client.get(&transact)).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            send(client.delete(format!("{api}/api/chain"))).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            send(client.get(format!("{api}/api/addresses/%FF%FE"))).await,
            StatusCode::BAD_REQUEST,
            "bad_path",
        ),
    ];
    for ((got, answer), status, rule) in answers {
        assert_eq!(got, status, "{answer}");
        assert_eq!(error(&answer), rule, "{answer}");
    }
    let huge = client
        .post(&transact)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"to\":\"{}\",\"amount\":1}}",
            "a".repeat(100_000)
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let huge: Value = huge.json().await.unwrap_or(Value::Null);
    assert_eq!(error(&huge), "body_too_large", "{huge}");
    let (_, pool) = get(&format!("{api}/api/pool")).await;
    assert_eq!(pool["transactions"], json!([]), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_and_the_key_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("tabcoind-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = running(Some(dir.clone())).await;
    let api = format!("http://{}", first.api);
    let (_, wallet) = get(&format!("{api}/api/wallet")).await;
    for _ in 0..3 {
        let (status, _) = post(&format!("{api}/api/mine"), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, before) = get(&format!("{api}/api/chain")).await;
    assert_eq!(before["height"], 3);
    let peer_id = first.state.lock().identity.id();
    assert!(first.state.lock().identity.work() >= tabcoin_protocol::identity::DEFAULT_KEY_WORK);
    first.stop().await;
    // The store is closed once the node is gone: a new node opens it.
    let mut again = None;
    for _ in 0..50 {
        if let Ok(r) = start(common::options(Vec::new(), Some(dir.clone()))).await {
            again = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let again = again.unwrap_or_else(|| panic!("the store stayed locked"));
    let api = format!("http://{}", again.api);
    let (_, after) = get(&format!("{api}/api/chain")).await;
    assert_eq!(after["height"], 3);
    assert_eq!(after["tip"], before["tip"]);
    let (_, same) = get(&format!("{api}/api/wallet")).await;
    assert_eq!(same["address"], wallet["address"], "the key is kept");
    assert_eq!(
        again.state.lock().identity.id(),
        peer_id,
        "so is the peer key"
    );
    again.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_signed_elsewhere_is_pooled_found_and_confirmed() {
    let api = node(None).await;
    let (_, wallet) = get(&format!("{api}/api/wallet")).await;
    let payee: tabcoin_chain::Address = wallet["address"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|e| panic!("{e:?}"));
    let payer = Wallet::from_secret([42; 32]).unwrap_or_else(|_| panic!("seed"));
    let now = tabcoin_chain::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    );
    let tx = tabcoin_chain::Transaction::new(
        &payer,
        tabcoin_chain::Amount(1000),
        payee,
        tabcoin_chain::Amount(60),
        tabcoin_chain::Salt([5; 16]),
        now,
        &Params::TEST.network_id(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let body = serde_json::to_value(&tx).unwrap_or(Value::Null);

    // Tampered on the way: refused with the rule it breaks.
    let mut forged = body.clone();
    forged["outputs"][payee.to_string()] = json!(999);
    let (status, answer) = post(&format!("{api}/api/transactions"), Some(forged)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"], "outputs_not_equal_input", "{answer}");
    let (status, answer) = post(&format!("{api}/api/transactions"), Some(json!({"x": 1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"], "bad_transaction");

    let (status, answer) = post(&format!("{api}/api/transactions"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let id = tx.id.to_string();
    let (status, found) = get(&format!("{api}/api/txs/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["pending"], true);
    post(&format!("{api}/api/mine"), None).await;
    let (_, found) = get(&format!("{api}/api/txs/{id}")).await;
    assert_eq!(found["pending"], false, "{found}");
    assert_eq!(found["height"], 1);
    let (_, wallet) = get(&format!("{api}/api/wallet")).await;
    assert_eq!(wallet["balance"], 1000 + 50 + 60);

    let (status, answer) = get(&format!("{api}/api/txs/nope")).await;
    assert_eq!(
        (status, answer["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("tx_id"))
    );
    let unknown = "2718d66d-974e-459d-9549-7299c9ac8590";
    let (status, answer) = get(&format!("{api}/api/txs/{unknown}")).await;
    assert_eq!(
        (status, answer["error"].clone()),
        (StatusCode::NOT_FOUND, json!("no_transaction"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_are_checked_listed_with_their_errors_and_removed() {
    let api = node(None).await;
    let peers = format!("{api}/api/peers");
    for junk in [
        "http://127.0.0.1:9/ws",
        "ws://127.0.0.1:9/ws x",
        "ws://127.0.0.1:9/w\ns",
        "ws://127.0.0.1:9/\u{0}ws",
        " ws://127.0.0.1:9/ws",
        "ws://user:pass@127.0.0.1:9/ws",
        "ws://127.0.0.1:9/ws#here",
        "ws://127.0.0.1:9/ws?room=another",
        "ws://",
        "",
    ] {
        let (status, answer) = post(&peers, Some(json!({ "relay": junk }))).await;
        assert_eq!(
            (status, answer["error"].clone()),
            (StatusCode::BAD_REQUEST, json!("relay")),
            "{junk:?}: {answer}"
        );
    }
    let relay = json!({"relay": "ws://127.0.0.1:9/ws?token=abc"});
    let (status, added) = post(&peers, Some(relay.clone())).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let (status, answer) = post(&peers, Some(relay)).await;
    assert_eq!(
        (status, answer["error"].clone()),
        (StatusCode::CONFLICT, json!("known_relay"))
    );
    // Nothing listens there: listed with why, and when it is tried again.
    let listed = loop {
        let (_, listed) = get(&peers).await;
        if !listed["relays"][0]["last_error"].is_null() {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let first = &listed["relays"][0];
    assert_eq!(first["url"], "ws://127.0.0.1:9/ws?token=abc");
    assert_eq!(first["connected"], false, "nothing listens there");
    assert!(first["retry_in_s"].as_f64().is_some(), "{first}");
    // Every slot taken, then one freed.
    for port in 0..tabcoin_daemon::MAX_RELAYS - 1 {
        let (status, _) = post(
            &peers,
            Some(json!({"relay": format!("ws://127.0.0.1:{}/ws", 10 + port)})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let spare = json!({"relay": "ws://127.0.0.1:99/ws"});
    let (status, answer) = post(&peers, Some(spare.clone())).await;
    assert_eq!(answer["error"], "too_many_relays", "{status}: {answer}");
    let id = added["id"].as_u64().unwrap_or(u64::MAX);
    let client = common::client();
    let removed = client
        .delete(format!("{peers}/{id}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(removed.status(), StatusCode::OK);
    let again = client
        .delete(format!("{peers}/{id}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let (status, answer) = post(&peers, Some(spare)).await;
    assert_eq!(status, StatusCode::OK, "the slot was freed: {answer}");
    let (_, listed) = get(&peers).await;
    assert_eq!(
        listed["relays"].as_array().map(Vec::len),
        Some(tabcoin_daemon::MAX_RELAYS)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_endpoint() {
    let api = node(None).await;
    let (status, doc) = get(&format!("{api}/api/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["info"]["title"], "tabcoind");
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, method) in [
        ("/api/chain", "get"),
        ("/api/blocks", "get"),
        ("/api/blocks/{id}", "get"),
        ("/api/txs/{id}", "get"),
        ("/api/addresses/{address}", "get"),
        ("/api/pool", "get"),
        ("/api/peers", "get"),
        ("/api/peers", "post"),
        ("/api/peers/{id}", "delete"),
        ("/api/work", "get"),
        ("/api/work", "post"),
        ("/api/transactions", "post"),
        ("/api/wallet", "get"),
        ("/api/transact", "post"),
        ("/api/mine", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path}"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

/// Fifty `POST /api/mine` at once: one mines at a time, the others are told
/// `busy`; every success answers with a block of its own, and the chain
/// grew by exactly as many blocks as were answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_mining_requests_take_turns() {
    let api = node(None).await;
    let calls = (0..50).map(|_| {
        let url = format!("{api}/api/mine");
        tokio::spawn(async move { post(&url, None).await })
    });
    let mut blocks = std::collections::BTreeSet::new();
    let mut busy = 0;
    for call in calls.collect::<Vec<_>>() {
        let (status, answer) = call.await.unwrap_or_else(|e| panic!("{e}"));
        match status {
            StatusCode::OK => {
                let hash = answer["block"]["hash"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(blocks.insert(hash), "a block answered twice: {answer}");
            }
            StatusCode::CONFLICT => {
                assert_eq!(answer["error"], "busy", "{answer}");
                busy += 1;
            }
            other => panic!("{other}: {answer}"),
        }
    }
    // (Without turns, overlapping calls answered with the same block.)
    assert!(busy + blocks.len() == 50);
    let (_, chain) = get(&format!("{api}/api/chain")).await;
    assert_eq!(chain["height"].as_u64(), Some(blocks.len() as u64));
}
