//! Client-side mining through the API: `GET /api/work` gives a header
//! paying the chosen address, `POST /api/work` takes a nonce that meets its
//! target, and `tabcoind mine --remote` mines for a node that way.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tabcoin_chain::pow::search;
use tabcoin_chain::{Header, Wallet};

mod common;

async fn call(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    common::status_json(r).await
}

fn miner_address() -> String {
    Wallet::from_secret([43; 32])
        .unwrap_or_else(|_| panic!("seed"))
        .address()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_miner_is_given_work_and_its_block_is_taken() {
    let node = common::test_node(Vec::new(), None).await;
    let api = format!("http://{}", node.api);
    let client = common::client();
    let pays = miner_address();
    let work_url = format!("{api}/api/work?address={pays}");
    let (status, _) = call(reqwest::Client::new().get(&work_url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the token is needed");
    let (status, work) = call(client.get(&work_url)).await;
    assert_eq!(status, StatusCode::OK, "{work}");
    assert_eq!(work["pays"], pays.as_str());
    assert_eq!(work["height"], 1);
    let header: Header =
        serde_json::from_value(work["header"].clone()).unwrap_or_else(|e| panic!("{e}"));
    let nonce = search(&header, 0..u64::MAX).unwrap_or_default();
    let miss = (0..)
        .find(|n| search(&header, *n..n + 1).is_none())
        .unwrap_or_default();
    let job = work["job"].clone();
    let submit = |nonce: u64| {
        client
            .post(format!("{api}/api/work"))
            .json(&json!({"job": job, "nonce": nonce}))
    };
    let (status, answer) = call(submit(miss)).await;
    assert_eq!(
        (status, answer["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("insufficient_work"))
    );
    let (status, unknown) = call(
        client
            .post(format!("{api}/api/work"))
            .json(&json!({"job": 999, "nonce": 1})),
    )
    .await;
    assert_eq!(
        (status, unknown["error"].clone()),
        (StatusCode::NOT_FOUND, json!("no_job"))
    );
    let (status, taken) = call(submit(nonce)).await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["block"]["height"], 1);
    let reward = &taken["block"]["data"][0]["outputs"];
    assert!(reward.get(&pays).is_some(), "{reward}");
    // A job on a tip that moved on is stale.
    let (_, old) = call(client.get(&work_url)).await;
    let header: Header =
        serde_json::from_value(old["header"].clone()).unwrap_or_else(|e| panic!("{e}"));
    let nonce = search(&header, 0..u64::MAX).unwrap_or_default();
    call(client.post(format!("{api}/api/mine"))).await;
    let (status, stale) = call(
        client
            .post(format!("{api}/api/work"))
            .json(&json!({"job": old["job"], "nonce": nonce})),
    )
    .await;
    assert_eq!(
        (status, stale["error"].clone()),
        (StatusCode::CONFLICT, json!("stale"))
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabcoind_mine_remote_mines_for_a_node_elsewhere() {
    let node = common::test_node(Vec::new(), None).await;
    let api = format!("http://{}", node.api);
    let pays = miner_address();
    let out = tokio::task::spawn_blocking({
        let (api, pays) = (api.clone(), pays.clone());
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_tabcoind"))
                .args([
                    "mine",
                    "--remote",
                    &api,
                    "--address",
                    &pays,
                    "--blocks",
                    "2",
                ])
                .args(["--token", common::TOKEN])
                .output()
                .unwrap_or_else(|e| panic!("{e}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let chain = common::get_json(&format!("{api}/api/chain")).await;
    assert_eq!(chain["height"], 2);
    let account = common::get_json(&format!("{api}/api/addresses/{pays}")).await;
    assert_eq!(account["history_total"], 2, "{account}");
    node.stop().await;
}
