//! The classic clients, unchanged: the routes, request bodies and answer
//! shapes of the designs tabcoin descends from, over the node, on a
//! listener of their own that a user opens on purpose (`--compat ADDR`).
//! Those clients send no token, so this listener has none; it keeps the
//! same `Host` and `Origin` checks as the API, and what it spends, it
//! spends from the node's own wallet (the node says so when it starts).
//!
//! - The cryptochain course's Express API and React client: `/api/blocks`,
//!   `/api/blocks/length`, `/api/blocks/:page`, `/api/transact`,
//!   `/api/transaction-pool-map`, `/api/mine-transactions`, `/api/mine`,
//!   `/api/wallet-info`, `/api/known-addresses`; its block is `{timestamp,
//!   lastHash, hash, data, nonce, difficulty}` and its transaction `{id,
//!   input: {timestamp, amount, address, signature}, outputMap}`, a reward's
//!   input address being `*authorized-reward*`. `--compat-ui DIR` serves
//!   that course's built client beside them.
//! - The Flask tutorial's API: `/transactions/new`, `/mine`, `/chain`,
//!   `/nodes/register`, `/nodes/resolve`; its block is `{index, timestamp,
//!   transactions, proof, previous_hash}` and a transaction `{sender,
//!   recipient, amount}`.
//! - The Lambda course's client-side miner: `GET /last_block`,
//!   `GET /last_proof` and `POST /mine {proof, id}`, the proof judged by
//!   that course's own rule (SHA-256 of Python's `json.dumps(last_block,
//!   sort_keys=True)` followed by the proof, or of the last proof followed
//!   by it, starting with as many hex zeros as the node sets). It is a
//!   faucet for proofs: each valid one pays `id` (a tabcoin address)
//!   [`FAUCET`] coin from the node's wallet, and the node mines the block
//!   that holds the payment. Real client-side mining is `GET /api/work`
//!   and `POST /api/work` on the API (see `tabcoind mine --remote`).

use std::path::PathBuf;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tabcoin_chain::{Block, Height, Input, Target, Transaction};

use crate::daemon::Shared;

/// Most blocks a whole-chain answer holds (`/api/blocks`, `/chain`): the
/// latest ones, so a long chain cannot make one answer huge.
pub const MAX_CHAIN: usize = 2_000;

/// Blocks in a page of `/api/blocks/:page`, as in the course.
const PAGE: usize = 5;

/// The address a reward's input names in the course's shape.
pub const REWARD_ADDRESS: &str = "*authorized-reward*";

/// Coins a valid proof of the Lambda course's miner is paid.
pub const FAUCET: u64 = 1;

/// Hex zeros a Lambda course proof needs by default (the course's own).
pub const PROOF_ZEROS: u32 = 6;

/// What the compatibility routes share.
#[derive(Clone)]
struct Compat {
    node: Shared,
    /// Hex zeros a Lambda course proof needs.
    zeros: u32,
}

impl axum::extract::FromRef<Compat> for Shared {
    fn from_ref(c: &Compat) -> Shared {
        c.node.clone()
    }
}

/// The compatibility routes over `state`; with `ui`, that directory's
/// files (the course's built client) for every other path; a Lambda
/// course proof needs `zeros` hex zeros.
pub fn router(state: Shared, ui: Option<PathBuf>, zeros: u32, hosts: crate::api::Hosts) -> Router {
    let hosts = std::sync::Arc::new(hosts);
    let same_site =
        || axum::middleware::from_fn_with_state(hosts.clone(), crate::api::same_site_only);
    let routes = Router::new()
        .route("/api/blocks", get(blocks))
        .route("/api/blocks/length", get(length))
        .route("/api/blocks/{page}", get(page))
        .route("/api/transact", post(transact))
        .route("/api/transaction-pool-map", get(pool_map))
        .route(
            "/api/mine-transactions",
            get(mine_transactions).route_layer(same_site()),
        )
        .route("/api/mine", post(mine_data))
        .route("/api/wallet-info", get(wallet_info))
        .route("/api/known-addresses", get(known_addresses))
        .route("/transactions/new", post(flask_transaction))
        .route("/mine", get(flask_mine).route_layer(same_site()))
        .route("/chain", get(flask_chain))
        .route("/nodes/register", post(flask_register))
        .route("/nodes/resolve", get(flask_resolve))
        .route("/last_block", get(lambda_last_block))
        .route("/last_proof", get(lambda_last_proof))
        .route("/mine", post(lambda_mine));
    let routes = match ui {
        Some(dir) => routes.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => routes.fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"type": "error", "message": "no such endpoint"})),
            )
        }),
    };
    routes
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::api::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            hosts.clone(),
            crate::api::guard,
        ))
        .with_state(Compat { node: state, zeros })
}

/// The course's error answer.
fn course_error(status: StatusCode, message: impl ToString) -> Response {
    (
        status,
        Json(json!({"type": "error", "message": message.to_string()})),
    )
        .into_response()
}

/// A transaction in the course's shape.
fn course_tx(tx: &Transaction) -> Value {
    let output_map: serde_json::Map<String, Value> = tx
        .outputs
        .iter()
        .map(|(a, v)| (a.to_string(), json!(v.0)))
        .collect();
    let input = match &tx.input {
        Input::Signed {
            timestamp,
            address,
            amount,
            signature,
            ..
        } => json!({
            "timestamp": timestamp.0,
            "amount": amount.0,
            "address": address.to_string(),
            "signature": signature,
        }),
        Input::Reward { .. } => json!({ "address": REWARD_ADDRESS }),
    };
    json!({ "id": tx.id.to_string(), "input": input, "outputMap": output_map })
}

/// A block in the course's shape; `difficulty` is the leading zero bits
/// its target asks for.
fn course_block(block: &Block) -> Value {
    let difficulty = Target::from_compact(block.header.bits).map_or(0, |t| t.leading_zero_bits());
    json!({
        "timestamp": block.header.timestamp.0,
        "lastHash": block.header.prev_hash.to_string(),
        "hash": block.hash.to_string(),
        "data": block.data.iter().map(course_tx).collect::<Vec<_>>(),
        "nonce": block.header.nonce,
        "difficulty": difficulty,
    })
}

/// The latest best-chain blocks, at most [`MAX_CHAIN`], oldest first.
fn latest_blocks(s: &Shared, shape: fn(&Block) -> Value) -> (Vec<Value>, u64) {
    let d = s.lock();
    let store = d.node.store();
    let length = store.height().0 + 1;
    let first = length.saturating_sub(MAX_CHAIN as u64);
    let blocks = (first..length)
        .filter_map(|h| store.block_at(Height(h)))
        .map(shape)
        .collect();
    (blocks, length)
}

async fn blocks(State(s): State<Shared>) -> Json<Vec<Value>> {
    Json(latest_blocks(&s, course_block).0)
}

async fn length(State(s): State<Shared>) -> Json<u64> {
    Json(s.lock().node.store().height().0 + 1)
}

/// Page `n` (from 1) of the chain, newest first, five blocks a page.
async fn page(State(s): State<Shared>, n: Result<Path<u64>, PathRejection>) -> Response {
    let Ok(Path(n)) = n else {
        return course_error(StatusCode::BAD_REQUEST, "a page is a number from 1");
    };
    let d = s.lock();
    let store = d.node.store();
    let length = store.height().0 + 1;
    let skip = n.saturating_sub(1).saturating_mul(PAGE as u64);
    let blocks: Vec<Value> = (0..PAGE as u64)
        .map(|i| skip.saturating_add(i))
        .take_while(|back| *back < length)
        .filter_map(|back| store.block_at(Height(length - 1 - back)))
        .map(course_block)
        .collect();
    Json(blocks).into_response()
}

/// The course's payment: `{recipient, amount}`.
#[derive(Deserialize)]
struct CoursePayment {
    recipient: String,
    amount: u64,
}

/// Signs and pools a payment from the node's wallet (as the API does); the
/// node's pending transaction, or why not.
fn pay(s: &Shared, to: &str, amount: u64) -> Result<Transaction, String> {
    crate::api::pay(s, to, amount)
        .map_err(|e| e.message)?
        .ok_or_else(|| "the payment was not pooled".into())
}

async fn transact(
    State(s): State<Shared>,
    body: Result<Json<CoursePayment>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(e) => return course_error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    match pay(&s, &body.recipient, body.amount) {
        Ok(tx) => Json(json!({"type": "success", "transaction": course_tx(&tx)})).into_response(),
        Err(why) => course_error(StatusCode::BAD_REQUEST, why),
    }
}

async fn pool_map(State(s): State<Shared>) -> Json<Value> {
    let d = s.lock();
    let map: serde_json::Map<String, Value> = d
        .node
        .pool()
        .transactions()
        .map(|tx| (tx.id.to_string(), course_tx(tx)))
        .collect();
    Json(Value::Object(map))
}

/// Mines one block with the node's threads (or seals one), one request
/// at a time, as the API does.
async fn mine_block(s: Shared) -> Result<Block, String> {
    crate::api::mine_one(s).await.map_err(|e| e.message)
}

async fn mine_transactions(State(s): State<Shared>) -> Response {
    match mine_block(s).await {
        Ok(_) => Redirect::to("/api/blocks").into_response(),
        Err(why) => course_error(StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

/// The course's `POST /api/mine {data}`: a block of this chain holds
/// transactions, not free data, so the block mined holds the pending
/// transactions and `data` is not stored.
async fn mine_data(State(s): State<Shared>) -> Response {
    mine_transactions(State(s)).await
}

async fn wallet_info(State(s): State<Shared>) -> Json<Value> {
    let d = s.lock();
    let me = d.node.keys().address();
    Json(json!({"address": me.to_string(), "balance": d.node.balance_after_pending(&me).0}))
}

async fn known_addresses(State(s): State<Shared>) -> Json<Vec<String>> {
    let d = s.lock();
    Json(
        d.node
            .store()
            .ledger()
            .addresses()
            .map(ToString::to_string)
            .collect(),
    )
}

/// A transaction in the Flask tutorial's shape: one entry per recipient
/// (a reward's sender is "0", as the tutorial's is).
fn flask_txs(tx: &Transaction) -> Vec<Value> {
    let sender = match &tx.input {
        Input::Signed { address, .. } => Some(*address),
        Input::Reward { .. } => None,
    };
    tx.outputs
        .iter()
        .filter(|(to, _)| Some(**to) != sender)
        .map(|(to, amount)| {
            json!({
                "sender": sender.map_or_else(|| "0".to_owned(), |a| a.to_string()),
                "recipient": to.to_string(),
                "amount": amount.0,
            })
        })
        .collect()
}

/// A block in the Flask tutorial's shape (its index counts from 1, its
/// timestamp is in seconds).
fn flask_block(block: &Block) -> Value {
    json!({
        "index": block.header.height.0 + 1,
        "timestamp": block.header.timestamp.0 as f64 / 1000.0,
        "transactions": block.data.iter().flat_map(flask_txs).collect::<Vec<_>>(),
        "proof": block.header.nonce,
        "previous_hash": block.header.prev_hash.to_string(),
    })
}

/// The tutorial's error: a message, as text would be; in JSON here.
fn flask_error(status: StatusCode, message: impl ToString) -> Response {
    (status, Json(json!({"message": message.to_string()}))).into_response()
}

async fn flask_transaction(
    State(s): State<Shared>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return flask_error(StatusCode::BAD_REQUEST, "Missing values");
    };
    let (Some(_sender), Some(recipient), Some(amount)) = (
        body.get("sender"),
        body.get("recipient").and_then(Value::as_str),
        body.get("amount").and_then(Value::as_u64),
    ) else {
        return flask_error(StatusCode::BAD_REQUEST, "Missing values");
    };
    match pay(&s, recipient, amount) {
        Ok(_) => {
            let next = s.lock().node.store().height().0 + 2;
            (
                StatusCode::CREATED,
                Json(json!({"message": format!("Transaction will be added to Block {next}")})),
            )
                .into_response()
        }
        Err(why) => flask_error(StatusCode::BAD_REQUEST, why),
    }
}

async fn flask_mine(State(s): State<Shared>) -> Response {
    match mine_block(s).await {
        Ok(block) => {
            let mut answer = flask_block(&block);
            answer["message"] = json!("New Block Forged");
            Json(answer).into_response()
        }
        Err(why) => flask_error(StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

async fn flask_chain(State(s): State<Shared>) -> Json<Value> {
    let (chain, length) = latest_blocks(&s, flask_block);
    Json(json!({"chain": chain, "length": length}))
}

/// The tutorial's node list: `http://host:port` (or `host:port`) of other
/// nodes, each taken as a relay at `ws://host:port/ws`.
async fn flask_register(
    State(s): State<Shared>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let nodes: Vec<String> = match body {
        Ok(Json(body)) => body
            .get("nodes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    if nodes.is_empty() {
        return flask_error(
            StatusCode::BAD_REQUEST,
            "Error: Please supply a valid list of nodes",
        );
    }
    for node in nodes {
        let rest = node
            .strip_prefix("http://")
            .or_else(|| node.strip_prefix("https://"))
            .unwrap_or(&node);
        let host = rest.split('/').next().unwrap_or_default();
        let scheme = if node.starts_with("https://") {
            "wss"
        } else {
            "ws"
        };
        let url = format!("{scheme}://{host}/ws");
        // A node registered twice is still registered.
        if let Err(why) = crate::api::join_relay(&s, &url)
            && why.error != "known_relay"
        {
            return flask_error(why.status, format!("{node}: {}", why.message));
        }
    }
    let total: Vec<String> = s.lock().relays.values().map(|r| r.url.clone()).collect();
    (
        StatusCode::CREATED,
        Json(json!({"message": "New nodes have been added", "total_nodes": total})),
    )
        .into_response()
}

/// The node always follows the chain with the most work it hears of, so
/// there is nothing to resolve: its chain is the answer.
async fn flask_resolve(State(s): State<Shared>) -> Json<Value> {
    let (chain, _) = latest_blocks(&s, flask_block);
    Json(json!({"message": "Our chain is authoritative", "chain": chain}))
}

/// Python's `json.dumps(value, sort_keys=True)`: `", "` and `": "` between
/// items, keys sorted, non-ASCII escaped (what the Lambda course's miner
/// hashes).
pub fn python_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}: {}",
                        python_json(&Value::String(k.clone())),
                        python_json(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(text) => {
            let mut out = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                    c => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}

/// The last block in the Lambda course's shape (the Flask tutorial's).
fn lambda_block(s: &Shared) -> Value {
    flask_block(s.lock().node.store().tip())
}

async fn lambda_last_block(State(s): State<Shared>) -> Json<Value> {
    Json(json!({ "last_block": lambda_block(&s) }))
}

async fn lambda_last_proof(State(s): State<Shared>) -> Json<Value> {
    Json(json!({ "proof": s.lock().node.store().tip().header.nonce }))
}

/// Whether `proof` passes the course's rule against `last_block`: the
/// SHA-256 of the block's Python JSON followed by the proof (its newer
/// miner), or of the last proof followed by it (its older one), in hex,
/// starts with `zeros` zeros.
pub fn lambda_proof_is_valid(last_block: &Value, proof: &Value, zeros: u32) -> bool {
    let proof = match proof {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let starts_with_zeros = |text: String| {
        let hash = tabcoin_chain::hash::sha256(text.as_bytes());
        let hex = tabcoin_chain::hash::to_hex(&hash);
        hex.bytes().take(zeros as usize).all(|b| b == b'0')
    };
    starts_with_zeros(format!("{}{proof}", python_json(last_block)))
        || starts_with_zeros(format!("{}{proof}", last_block["proof"]))
}

/// The course's `POST /mine {proof, id}`: a valid proof pays `id` and the
/// node mines the block that holds the payment; the course's message
/// either way (it answers 200 to a proof it does not take).
async fn lambda_mine(
    State(c): State<Compat>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return flask_error(StatusCode::BAD_REQUEST, "missing values");
    };
    let (Some(proof), Some(id)) = (body.get("proof"), body.get("id").and_then(Value::as_str))
    else {
        return flask_error(StatusCode::BAD_REQUEST, "missing values");
    };
    if !lambda_proof_is_valid(&lambda_block(&c.node), proof, c.zeros) {
        return Json(json!({"message": "Proof was invalid or already submitted"})).into_response();
    }
    if let Err(why) = pay(&c.node, id, FAUCET) {
        return flask_error(
            StatusCode::BAD_REQUEST,
            format!("id must be a tabcoin address to be paid: {why}"),
        );
    }
    match mine_block(c.node).await {
        Ok(block) => {
            let mut answer = flask_block(&block);
            answer["message"] = json!("New Block Forged");
            Json(answer).into_response()
        }
        Err(why) => flask_error(StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{lambda_proof_is_valid, python_json};

    /// Vectors from Python 3 itself: `json.dumps(b, sort_keys=True)` and
    /// the first proof whose hash starts with three zeros.
    #[test]
    fn the_lambda_rule_is_pythons() {
        let block = json!({
            "index": 2,
            "timestamp": 1796661852.694,
            "transactions": [{"sender": "0", "recipient": "tab1x\u{e9}", "amount": 50}],
            "proof": 19,
            "previous_hash": "00ab\"\\\n\u{8}",
        });
        assert_eq!(
            python_json(&block),
            r#"{"index": 2, "previous_hash": "00ab\"\\\n\b", "proof": 19, "timestamp": 1796661852.694, "transactions": [{"amount": 50, "recipient": "tab1x\u00e9", "sender": "0"}]}"#
        );
        assert!(lambda_proof_is_valid(&block, &json!(124), 3));
        assert!(lambda_proof_is_valid(&block, &json!("124"), 3));
        assert!(!lambda_proof_is_valid(&block, &json!(123), 3));
        assert!(!lambda_proof_is_valid(&block, &json!(124), 4));
    }
}
