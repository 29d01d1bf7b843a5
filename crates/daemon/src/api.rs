//! The HTTP API (JSON, on loopback): the classic endpoints of the designs
//! tabcoin descends from, over the node. Errors are
//! `{"error": "<rule>", "message": "<one sentence>"}` with a fitting status.

use std::str::FromStr;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tabcoin_chain::{Address, Amount, Block, BlockHash, Height, Salt, Transaction, TxId};
use tabcoin_node::Event;

use crate::daemon::Shared;
pub use crate::error::{ApiError, ErrorBody};
use crate::miner;

pub use crate::MAX_BODY_BYTES;
/// Most blocks in one page of `GET /api/blocks`.
pub const MAX_PAGE: u64 = 100;

type Answer = Result<Json<Value>, ApiError>;

/// Whether `host` (a `Host` header or an origin's host, port included or
/// not) names this machine's loopback: `localhost`, `127.0.0.1` (any
/// 127.x.y.z) or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The names the API answers to: loopback names, and the one configured
/// (`--api-host`), if any.
#[derive(Debug, Clone, Default)]
pub struct Hosts(pub Option<String>);

impl Hosts {
    /// Whether `host` (a `Host` header or an origin's host, port included
    /// or not) is one of them.
    pub fn allow(&self, host: &str) -> bool {
        is_loopback_host(host)
            || self.0.as_deref().is_some_and(|name| {
                let given = host.rsplit_once(':').map_or(host, |(name, port)| {
                    if port.chars().all(|c| c.is_ascii_digit()) {
                        name
                    } else {
                        host
                    }
                });
                given
                    .trim_end_matches('.')
                    .eq_ignore_ascii_case(name.trim_end_matches('.'))
            })
    }
}

/// Refuses what a web page could make a browser send to the API: a request
/// whose `Host` is not a loopback name or the configured one (DNS
/// rebinding: a page whose own name resolves to 127.0.0.1 would read and
/// spend through the API), and a request that changes state coming from
/// another site (`Origin` not one of those, or `Sec-Fetch-Site`
/// cross-site: a form posted from any page would mine or pay). Scripts,
/// the CLI wallet and the tests send neither header, or loopback ones.
pub(crate) async fn guard(
    axum::extract::State(hosts): axum::extract::State<std::sync::Arc<Hosts>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{Method, header};
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST.as_str())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    if !host.as_deref().is_some_and(|h| hosts.allow(h)) {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "forbidden_host",
            format!(
                "this API answers requests addressed to localhost, 127.0.0.1 or its --api-host only, not {:?}",
                host.unwrap_or_default()
            ),
        )
        .into_response();
    }
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state && is_cross_site(headers, &hosts) {
        return cross_site_refused();
    }
    next.run(request).await
}

/// Whether a browser says the request comes from another site: an
/// `Origin` that is not a loopback origin, or `Sec-Fetch-Site:
/// cross-site`.
fn is_cross_site(headers: &axum::http::HeaderMap, hosts: &Hosts) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let foreign_origin = text(axum::http::header::ORIGIN.as_str()).is_some_and(|origin| {
        let host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        origin == "null" || !hosts.allow(host)
    });
    foreign_origin || text("sec-fetch-site").is_some_and(|s| s == "cross-site")
}

fn cross_site_refused() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross_site",
        "a request from another web site cannot change this node's state",
    )
    .into_response()
}

/// Refuses a cross-site request to a `GET` route that changes state (the
/// classic clients mine with `GET`), as [`guard`] refuses other methods.
pub(crate) async fn same_site_only(
    axum::extract::State(hosts): axum::extract::State<std::sync::Arc<Hosts>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if is_cross_site(request.headers(), &hosts) {
        return cross_site_refused();
    }
    next.run(request).await
}

/// The API's routes over `state`: what changes state or reveals the
/// wallet wants `token` (see [`crate::auth`]; None: no check); requests
/// must name one of `hosts`.
pub fn router(state: Shared, token: Option<std::sync::Arc<str>>, hosts: Hosts) -> Router {
    let mut guarded = Router::new()
        .route("/api/peers", post(add_relay))
        .route("/api/peers/{id}", axum::routing::delete(remove_relay))
        .route("/api/transactions", post(submit))
        .route("/api/wallet", get(wallet))
        .route("/api/transact", post(transact))
        .route("/api/mine", post(mine))
        .route("/api/work", get(get_work).post(submit_work));
    if let Some(token) = token {
        guarded = guarded.route_layer(axum::middleware::from_fn_with_state(
            token,
            crate::auth::require,
        ));
    }
    Router::new()
        .route("/api/chain", get(chain))
        .route("/api/blocks", get(blocks))
        .route("/api/blocks/{id}", get(block))
        .route("/api/addresses/{address}", get(address))
        .route("/api/txs/{id}", get(tx))
        .route("/api/pool", get(pool))
        .route("/api/peers", get(peers))
        .route("/api/openapi.json", get(openapi))
        .merge(guarded)
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not answer that method (see /api/openapi.json)",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(hosts),
            guard,
        ))
        .with_state(state)
}

fn block_json(block: &Block) -> Value {
    serde_json::to_value(block).unwrap_or(Value::Null)
}

#[utoipa::path(get, path = "/api/chain", responses((status = 200, description = "network id, height, tip, work, mode, peers", body = Object)))]
async fn chain(State(s): State<Shared>) -> Answer {
    let d = s.lock();
    let store = d.node.store();
    Ok(Json(json!({
        "network": store.genesis().hash.to_string(),
        "name": store.params().name,
        "height": store.height().0,
        "tip": store.tip().hash.to_string(),
        "work": store.total_work(),
        "mode": d.node.mode().label(),
        "signatures": {
            "verifiers": d.node.signatures_checked().0,
            "node": d.node.signatures_checked().1,
        },
        "peers": d.peers.len(),
    })))
}

#[derive(Deserialize)]
struct Page {
    from: Option<u64>,
    limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/blocks", params(("from" = Option<u64>, Query, description = "first height (default 0)"), ("limit" = Option<u64>, Query, description = "1 to 100 (default 20)")), responses((status = 200, description = "best-chain blocks and the next page's `from`", body = Object), (status = 400, body = ErrorBody)))]
async fn blocks(State(s): State<Shared>, page: Result<Query<Page>, QueryRejection>) -> Answer {
    let Query(page) = page?;
    let limit = page.limit.unwrap_or(20);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad(
            "limit",
            format!("limit must be between 1 and {MAX_PAGE}, not {limit}"),
        ));
    }
    let from = page.from.unwrap_or(0);
    let d = s.lock();
    let store = d.node.store();
    let blocks: Vec<Value> = (from..from.saturating_add(limit))
        .map_while(|h| store.block_at(Height(h)))
        .map(block_json)
        .collect();
    let next = from.saturating_add(limit);
    let next = (next <= store.height().0).then_some(next);
    Ok(Json(json!({ "blocks": blocks, "next": next })))
}

#[utoipa::path(get, path = "/api/blocks/{id}", params(("id" = String, Path, description = "a height or a 64-digit hash")), responses((status = 200, description = "the block, and whether it is on the best chain", body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn block(State(s): State<Shared>, id: Result<Path<String>, PathRejection>) -> Answer {
    let Path(id) = id?;
    let d = s.lock();
    let store = d.node.store();
    let found = if let Ok(height) = id.parse::<u64>() {
        store.block_at(Height(height))
    } else {
        let hash = BlockHash::from_str(&id).map_err(|_| {
            ApiError::bad(
                "block_id",
                "a block is named by its height or its 64-digit hash",
            )
        })?;
        store.get(&hash)
    };
    match found {
        Some(b) => Ok(Json(json!({
            "block": block_json(b),
            "best_chain": store.is_main(&b.hash),
        }))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_block",
            format!("no block {id}"),
        )),
    }
}

fn parse_address(text: &str) -> Result<Address, ApiError> {
    Address::from_str(text).map_err(|e| ApiError::bad("address", e))
}

/// How much of an address's history one answer holds.
#[derive(Deserialize)]
struct HistoryPage {
    history: Option<u64>,
}

/// History entries in one answer by default, and at most.
const HISTORY: (u64, u64) = (100, 1000);

#[utoipa::path(get, path = "/api/addresses/{address}", params(("address" = String, Path), ("history" = Option<u64>, Query, description = "how many of the latest history entries (0 to 1000, default 100)")), responses((status = 200, description = "balance, balance after pending, the latest history entries (oldest first) and how many there are in all", body = Object), (status = 400, body = ErrorBody)))]
async fn address(
    State(s): State<Shared>,
    text: Result<Path<String>, PathRejection>,
    page: Result<Query<HistoryPage>, QueryRejection>,
) -> Answer {
    let Path(text) = text?;
    let addr = parse_address(&text)?;
    let Query(page) = page?;
    let limit = page.history.unwrap_or(HISTORY.0);
    if limit > HISTORY.1 {
        return Err(ApiError::bad(
            "history",
            format!("history must be at most {}", HISTORY.1),
        ));
    }
    let d = s.lock();
    let ledger = d.node.store().ledger();
    let balance = ledger.balance(&addr);
    let all = ledger.history(&addr);
    let latest = &all[all.len().saturating_sub(limit as usize)..];
    let history: Vec<Value> = latest
        .iter()
        .map(|h| {
            json!({
                "height": h.height.0,
                "tx": h.tx.to_string(),
                "received": h.received,
                "sent": h.sent,
            })
        })
        .collect();
    Ok(Json(json!({
        "address": addr.to_string(),
        "balance": balance,
        "balance_after_pending": d.node.balance_after_pending(&addr),
        "history": history,
        "history_total": all.len(),
    })))
}

#[utoipa::path(get, path = "/api/pool", responses((status = 200, description = "pending transactions", body = Object)))]
async fn pool(State(s): State<Shared>) -> Answer {
    let d = s.lock();
    let txs: Vec<Value> = d
        .node
        .pool()
        .transactions()
        .map(|tx| serde_json::to_value(tx).unwrap_or(Value::Null))
        .collect();
    Ok(Json(json!({ "transactions": txs })))
}

#[utoipa::path(get, path = "/api/peers", responses((status = 200, description = "relays (id, url, connected, this node's id there, and while not connected the last error and the seconds before the next attempt) and the peers heard through them", body = Object)))]
async fn peers(State(s): State<Shared>) -> Answer {
    let d = s.lock();
    let relays: Vec<Value> = d
        .relays
        .iter()
        .map(|(id, r)| {
            json!({
                "id": id,
                "url": r.url,
                "connected": r.out.is_some(),
                "me": r.me,
                "last_error": r.last_error,
                "retry_in_s": r.retry_in.map(|d| d.as_secs_f64()),
            })
        })
        .collect();
    let peers: Vec<Value> = d
        .peers
        .iter()
        .map(|(id, relay)| {
            let url = d.relays.get(relay).map(|r| r.url.as_str());
            json!({"id": id, "relay": url, "relay_id": relay})
        })
        .collect();
    Ok(Json(json!({ "relays": relays, "peers": peers })))
}

#[utoipa::path(get, path = "/api/wallet", responses((status = 200, description = "the node's address and balance", body = Object)))]
async fn wallet(State(s): State<Shared>) -> Answer {
    let d = s.lock();
    Ok(Json(json!({
        "address": d.node.keys().address().to_string(),
        "balance": d.node.balance(),
        "balance_after_pending": d.node.balance_after_pending(&d.node.keys().address()),
    })))
}

/// A payment the node signs.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Transact {
    to: String,
    amount: u64,
}

#[utoipa::path(post, path = "/api/transact", request_body = Transact, responses((status = 200, description = "the node's pending transaction", body = Object), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transact(State(s): State<Shared>, body: Result<Json<Transact>, JsonRejection>) -> Answer {
    let Json(body) = body?;
    let pending = pay(&s, &body.to, body.amount)?;
    Ok(Json(json!({ "pending": pending })))
}

/// Signs and pools a payment of `amount` to `to` from the node's wallet
/// (the API's and the classic clients' sends): the node's pending
/// transaction, or why not.
pub(crate) fn pay(s: &Shared, to: &str, amount: u64) -> Result<Option<Transaction>, ApiError> {
    let to = parse_address(to)?;
    if amount == 0 {
        return Err(ApiError::bad("amount", "the amount must be more than zero"));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e))?;
    let mut d = s.lock();
    let event = Event::Send {
        to,
        amount: Amount(amount),
        salt: Salt(salt),
    };
    if let Some(e) = d.handle(event) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e));
    }
    let me = d.node.keys().address();
    Ok(d.node.pool().get(&me).cloned())
}

/// The one `POST /api/mine` under way; its end (or its panic) lets the
/// next one in.
pub(crate) struct MiningTurn(Shared);

impl MiningTurn {
    /// The turn, unless another request holds it.
    pub(crate) fn take(s: &Shared) -> Option<MiningTurn> {
        let mut d = s.lock();
        if d.mining_request {
            return None;
        }
        d.mining_request = true;
        Some(MiningTurn(s.clone()))
    }
}

impl Drop for MiningTurn {
    fn drop(&mut self) {
        self.0.lock().mining_request = false;
    }
}

#[utoipa::path(post, path = "/api/mine", responses((status = 200, description = "the block mined (sealed, on a proof-of-authority network whose authority this node is)", body = Object), (status = 409, description = "proof of authority: this node is not an authority (`not_an_authority`); or another request is mining (`busy`)", body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn mine(State(s): State<Shared>) -> Answer {
    let block = mine_one(s).await?;
    Ok(Json(json!({ "block": block_json(&block) })))
}

/// Mines (or seals) one block for a request, one request at a time (the
/// API's and the classic clients' mining): the block, or why not.
pub(crate) async fn mine_one(s: Shared) -> Result<Block, ApiError> {
    let Some(turn) = MiningTurn::take(&s) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "busy",
            "another request is mining a block: ask again when it is answered",
        ));
    };
    let threads = s.lock().threads;
    if let Some(tabcoin_node::Sealing::NotAnAuthority { authorities }) = s.lock().node.sealing() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_an_authority",
            format!(
                "this node's key is not one of the network's {authorities} authorities: it cannot seal"
            ),
        ));
    }
    // The turn ends with the search, even if the caller hangs up first.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        miner::make_one(&s, threads)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "mining", e))?
    .map_err(|why| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", why))
}

#[utoipa::path(get, path = "/api/txs/{id}", params(("id" = String, Path, description = "a transaction id (UUID)")), responses((status = 200, description = "the transaction and its block, or pending", body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn tx(State(s): State<Shared>, text: Result<Path<String>, PathRejection>) -> Answer {
    let Path(text) = text?;
    let id: TxId = serde_json::from_value(Value::String(text.clone())).map_err(|_| {
        ApiError::bad(
            "tx_id",
            "a transaction id is a UUID like 2718d66d-974e-459d-9549-7299c9ac8590",
        )
    })?;
    let d = s.lock();
    if let Some(tx) = d.node.pool().transactions().find(|t| t.id == id) {
        return Ok(Json(
            json!({ "transaction": tx, "block": null, "pending": true }),
        ));
    }
    let store = d.node.store();
    let found = store.ledger().tx_height(&id).and_then(|h| store.block_at(h)).and_then(|b| {
        b.data
            .iter()
            .find(|t| t.id == id)
            .map(|t| json!({ "transaction": t, "block": b.hash.to_string(), "height": b.header.height.0, "pending": false }))
    });
    found.map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_transaction",
            format!("no transaction {text}"),
        )
    })
}

#[utoipa::path(post, path = "/api/transactions", request_body(content = Object, description = "a signed transaction, wire JSON"), responses((status = 200, description = "pooled and passed on", body = Object), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit(State(s): State<Shared>, body: Result<Json<Value>, JsonRejection>) -> Answer {
    let Json(body) = body?;
    let tx: Transaction = serde_json::from_value(body)
        .map_err(|e| ApiError::bad("bad_transaction", format!("not a transaction: {e}")))?;
    let id = tx.id;
    if let Some(e) = s.lock().handle(Event::Submit(tx)) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e));
    }
    Ok(Json(json!({ "id": id.to_string(), "pending": true })))
}

/// A relay to join the network through.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AddRelay {
    relay: String,
}

/// The classic `/nodes/register`: one more relay to join the network
/// through (peers are tabs and nodes of that relay's room).
#[utoipa::path(post, path = "/api/peers", request_body = AddRelay, responses((status = 200, description = "joining", body = Object), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_relay(State(s): State<Shared>, body: Result<Json<AddRelay>, JsonRejection>) -> Answer {
    let Json(AddRelay { relay: url }) = body?;
    let id = join_relay(&s, &url)?;
    Ok(Json(json!({ "id": id, "relay": url, "joining": true })))
}

/// Joins the network through one more relay at `url`: its id, or why not.
pub(crate) fn join_relay(s: &Shared, url: &str) -> Result<u64, ApiError> {
    crate::relay::relay_url(url).map_err(|why| ApiError::bad("relay", why))?;
    let id = {
        let mut d = s.lock();
        if d.relays.values().any(|r| r.url == url) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "known_relay",
                format!("{url} is joined already"),
            ));
        }
        if d.relays.len() >= crate::MAX_RELAYS {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "too_many_relays",
                format!("at most {} relays", crate::MAX_RELAYS),
            ));
        }
        let id = d.next_relay;
        d.next_relay += 1;
        d.relays.insert(id, crate::daemon::RelayLink::new(url));
        id
    };
    tokio::spawn(crate::relay::keep(s.clone(), id));
    Ok(id)
}

/// Leaves a relay: its slot is free again, its peers are gone.
#[utoipa::path(delete, path = "/api/peers/{id}", params(("id" = u64, Path, description = "the relay's id, as `GET /api/peers` lists it")), responses((status = 200, description = "left", body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_relay(State(s): State<Shared>, id: Result<Path<u64>, PathRejection>) -> Answer {
    let Path(id) = id?;
    let Some(relay) = s.lock().relays.remove(&id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_relay",
            format!("no relay {id}"),
        ));
    };
    // Its connection ends with its sender; its peers go now.
    drop(relay.out);
    crate::relay::gone(&s, id);
    Ok(Json(
        json!({ "id": id, "relay": relay.url, "removed": true }),
    ))
}

/// Who a remote miner's block pays.
#[derive(Deserialize)]
struct WorkFor {
    address: Option<String>,
}

/// A header to search for a remote miner: it pays `address` (default:
/// the node's own) and holds the pending transactions.
#[utoipa::path(get, path = "/api/work", params(("address" = Option<String>, Query, description = "who the block pays (default: the node)")), responses((status = 200, description = "a job: its id, the header to search (`header`, whose `nonce` the miner sets), its target (hex) and height", body = Object), (status = 400, body = ErrorBody), (status = 409, description = "a proof-of-authority network: its blocks are sealed, not mined", body = ErrorBody)))]
async fn get_work(State(s): State<Shared>, who: Result<Query<WorkFor>, QueryRejection>) -> Answer {
    let Query(who) = who?;
    let mut d = s.lock();
    let address = match who.address {
        Some(a) => parse_address(&a)?,
        None => d.node.keys().address(),
    };
    let store = d.node.store();
    if store.params().is_proof_of_authority() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "sealed_network",
            "this network's blocks are sealed by its authorities, not mined",
        ));
    }
    let at = crate::daemon::now().max(store.tip().header.timestamp.plus_ms(1));
    let template = tabcoin_chain::Template::new(store, d.node.pool(), address, at);
    let header = template.header;
    let target = tabcoin_chain::Target::from_compact(header.bits)
        .map(|t| tabcoin_chain::hash::to_hex(&t.0.to_be_bytes()));
    let job = d.next_work;
    d.next_work += 1;
    d.work.push_back((job, template));
    while d.work.len() > crate::daemon::MAX_WORK {
        d.work.pop_front();
    }
    Ok(Json(json!({
        "job": job,
        "header": header,
        "target": target,
        "height": header.height.0,
        "pays": address.to_string(),
    })))
}

/// A remote miner's nonce for a job.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Work {
    job: u64,
    nonce: u64,
}

/// A nonce for a job of `GET /api/work`: the block is taken when its
/// header meets the target and it still extends the best chain.
#[utoipa::path(post, path = "/api/work", request_body = Work, responses((status = 200, description = "the block, taken", body = Object), (status = 400, description = "`insufficient_work`: the header does not meet the target", body = ErrorBody), (status = 404, description = "`no_job`", body = ErrorBody), (status = 409, description = "`stale`: the best chain moved on", body = ErrorBody)))]
async fn submit_work(State(s): State<Shared>, body: Result<Json<Work>, JsonRejection>) -> Answer {
    let Json(Work { job, nonce }) = body?;
    let mut d = s.lock();
    let Some(template) = d
        .work
        .iter()
        .find(|(id, _)| *id == job)
        .map(|(_, t)| t.clone())
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_job",
            format!(
                "no job {job} (jobs are kept until {} newer ones are given out)",
                crate::daemon::MAX_WORK
            ),
        ));
    };
    let block = template.into_block(nonce);
    let meets = tabcoin_chain::Target::from_compact(block.header.bits)
        .is_some_and(|t| t.is_met_by(&block.hash));
    if !meets {
        return Err(ApiError::bad(
            "insufficient_work",
            "the header with that nonce does not meet the job's target",
        ));
    }
    if block.header.prev_hash != d.node.store().tip().hash {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "stale",
            "the best chain moved on since this job: ask for another",
        ));
    }
    let hash = block.hash;
    d.handle(Event::Mined(block));
    let store = d.node.store();
    match store.get(&hash) {
        Some(b) if store.is_main(&hash) => Ok(Json(json!({ "block": block_json(b) }))),
        _ => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_taken",
            "the node did not take the block (see its log)",
        )),
    }
}

/// The API's description, generated from the handlers above.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "tabcoind", description = "A headless tabcoin node"),
    paths(
        chain,
        blocks,
        block,
        tx,
        address,
        pool,
        peers,
        add_relay,
        remove_relay,
        submit,
        wallet,
        transact,
        mine,
        get_work,
        submit_work
    ),
    components(schemas(ErrorBody, Transact, AddRelay, Work))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(<ApiDoc as utoipa::OpenApi>::openapi())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_hosts_are_told_from_others() {
        for host in [
            "localhost",
            "localhost:3001",
            "LOCALHOST.",
            "app.localhost:80",
            "127.0.0.1",
            "127.0.0.1:3001",
            "127.4.5.6:9",
            "[::1]",
            "[::1]:3001",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "attacker.example",
            "127.0.0.1.nip.io",
            "localhost.attacker.example",
            "10.0.0.1:3001",
            "[::2]:3001",
            "0.0.0.0:3001",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
