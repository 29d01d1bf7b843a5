//! The tabcoin relay: serves the built app and carries protocol frames
//! between the tabs of a room, and between relays. It holds no consensus
//! logic.
//!
//! - [`hub`]: the routing core: rooms, bounded per-tab queues, federation
//!   links, the seen-cache, the counters behind `/stats`.
//! - `conn`: one task per tab: decode with a size limit
//!   ([`tabcoin_protocol::decode_client_frame`]: size and shape; the
//!   message inside is never decoded), rate-limit, route; a tab
//!   that sends a frame the protocol does not allow is told why and dropped.
//! - `federation`: links to other relays (`--peer`), dialled and re-dialled
//!   with backoff, so tabs on different relays share a network; [`link`]:
//!   the frames they exchange.
//! - [`slots`] and [`places`]: what one client address may hold; who
//!   gives way to a newcomer when a room or the relay is full.
//!
//! Rooms are named by the `room` query parameter of `/ws` (the app uses its
//! network id, the genesis hash), so several networks share one relay.

mod conn;
mod federation;
pub mod headers;
pub mod hub;
pub mod link;
pub mod places;
pub mod rate;
pub mod slots;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub use hub::{Hub, Limits, LinkFrame, Stats};

/// Limits, paths and federation peers of a relay.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest frame a tab may send, in bytes.
    pub max_frame_bytes: usize,
    /// Frames queued for one tab; more for it are dropped while it is full
    /// (at least `burst`).
    pub queue_len: usize,
    /// A tab whose queue stays full this long is dropped.
    pub slow_reader: Duration,
    /// A tab whose broadcasts overflow most other tabs' queues more often
    /// than this within 10 s is dropped.
    pub overflow_budget: u32,
    /// Frames queued for one federation link before it is cut.
    pub link_queue_len: usize,
    /// Frames per second a tab may send on average…
    pub rate: u32,
    /// Rooms a connection may join or leave a minute (half of it at
    /// once); past it, it is dropped: each costs every tab of the room a
    /// frame.
    pub joins_per_minute: u32,
    /// Samples a connection has answered a minute (a quarter of it at
    /// once); past it, they are not answered.
    pub samples_per_minute: u32,
    /// Signals (link offers, answers, refusals) a connection may pass on a
    /// minute (a quarter of it at once); past it, they are not passed on.
    pub signals_per_minute: u32,
    /// …and in a burst.
    pub burst: u32,
    /// Most tabs connected at once.
    pub max_peers: usize,
    /// Most tabs connected at once from one client address.
    pub max_peers_per_address: usize,
    /// New connections one client address may open a minute, on average…
    pub connects_per_minute: u32,
    /// …and in a burst.
    pub connect_burst: u32,
    /// How long an address whose tab was dropped for flooding gets no new
    /// connection.
    pub misbehaviour_cooldown: Duration,
    /// Most tabs in one room.
    pub max_peers_per_room: usize,
    /// Longest room name.
    pub max_room_len: usize,
    /// Most rooms one connection is in (its address's and those it joins).
    pub max_rooms_per_connection: usize,
    /// Interval between keepalive pings.
    pub ping_interval: Duration,
    /// Bits of work a tab's key must carry
    /// (`tabcoin_protocol::identity`): what a fresh identity costs.
    pub key_work: u32,
    /// How long a new connection has to prove its key.
    pub prove_timeout: Duration,
    /// How long a tab is in a room before the others hear it joined
    /// (zero: at once). A tab that leaves sooner costs them no frame, so
    /// joining and leaving in a loop is free for everyone else.
    pub announce_after: Duration,
    /// Directory of the built app to serve at `/`, if any.
    pub dist: Option<PathBuf>,
    /// WebSocket URLs (`ws://host:port/ws`) of relays to link with.
    pub peers: Vec<String>,
    /// Secret linked relays share; without one, no link is accepted.
    pub link_secret: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_bytes: tabcoin_protocol::MAX_FRAME_BYTES,
            queue_len: 1024,
            slow_reader: Duration::from_secs(10),
            overflow_budget: 32,
            link_queue_len: 4096,
            rate: 200,
            burst: 400,
            joins_per_minute: 30,
            // A tab short of neighbours asks every 5 s per network; eight
            // networks fit.
            samples_per_minute: 120,
            // A tab dials a few neighbours at a time, each an offer and an
            // answer; a whole mesh forming behind one address fits
            // (`slots::ADDRESS_SHARE`).
            signals_per_minute: 240,
            max_peers: 1000,
            max_peers_per_address: 64,
            connects_per_minute: 120,
            connect_burst: 64,
            misbehaviour_cooldown: Duration::from_secs(10),
            max_peers_per_room: 500,
            max_room_len: 128,
            max_rooms_per_connection: 8,
            ping_interval: Duration::from_secs(20),
            key_work: tabcoin_protocol::identity::DEFAULT_KEY_WORK,
            prove_timeout: Duration::from_secs(10),
            announce_after: Duration::from_secs(1),
            dist: None,
            peers: Vec::new(),
            link_secret: None,
        }
    }
}

struct AppState {
    config: Config,
    hub: Arc<Hub>,
    slots: Arc<slots::Slots>,
    shutdown: watch::Receiver<bool>,
}

fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new()
        .route("/ws", get(ws_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/stats",
            get(|State(s): State<Arc<AppState>>| async move { Json(s.hub.stats()) }),
        );
    if let Some(dist) = &state.config.dist {
        // `name.br` / `name.gz` beside a file (written by `cargo xtask
        // build`) go to browsers that accept them; otherwise the file itself.
        let index = ServeFile::new(dist.join("index.html"))
            .precompressed_br()
            .precompressed_gzip();
        let files = ServeDir::new(dist)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(index);
        // The page's security headers (see `headers`); an unusable policy
        // (it never is) would leave the default of no header.
        let policy = HeaderValue::from_str(&headers::policy_for(dist))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        let set = SetResponseHeaderLayer::overriding;
        let files = ServiceBuilder::new()
            .layer(set(header::CONTENT_SECURITY_POLICY, policy))
            .layer(set(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(set(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ))
            .layer(set(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .service(files);
        app = app.fallback_service(files);
    }
    app.with_state(state)
}

/// A prefix for this relay's ids, different per process and start.
fn id_prefix(listener: &TcpListener) -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32));
    let port = listener.local_addr().map_or(0, |a| u32::from(a.port()));
    nanos ^ (std::process::id() << 16) ^ port
}

/// Serves on `listener` until `shutdown` resolves; then every tab and link
/// gets a close frame, dialers stop, and the function returns.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    // A queue shorter than a sender's burst would let one tab's burst fill
    // it; the hub's limits come from the config.
    let config = Config {
        queue_len: config.queue_len.max(config.burst as usize),
        ..config
    };
    let limits = Limits {
        slow_reader: config.slow_reader,
        overflow_budget: config.overflow_budget,
        max_peers: config.max_peers,
        max_peers_per_room: config.max_peers_per_room,
    };
    let hub = Arc::new(Hub::new(id_prefix(&listener), limits));
    for url in &config.peers {
        federation::spawn_dialer(url.clone(), hub.clone(), config.clone(), stop_rx.clone());
    }
    let state = Arc::new(AppState {
        config,
        hub,
        slots: Arc::default(),
        shutdown: stop_rx,
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Wake every connection task so upgraded sockets close too.
            let _ = stop_tx.send(true);
        })
        .await
}

#[derive(Deserialize)]
struct WsQuery {
    room: Option<String>,
    link: Option<u8>,
}

async fn ws_handler(
    ws: WebSocketUpgrade,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    State(state): State<Arc<AppState>>,
) -> impl IntoResponse {
    // Frames up to twice the limit are read so the sender can be told why
    // they were refused; anything larger is cut off by the WebSocket layer.
    let read_limit = state.config.max_frame_bytes.saturating_mul(2);
    // Small initial buffers (they grow for large frames): a thousand idle
    // tabs should not cost a thousand times 128 KiB.
    let ws = ws
        .max_message_size(read_limit)
        .max_frame_size(read_limit)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024);
    if q.link == Some(1) {
        let offered = headers
            .get(federation::LINK_SECRET_HEADER)
            .and_then(|v| v.to_str().ok());
        let allowed = state
            .config
            .link_secret
            .as_deref()
            .is_some_and(|s| offered == Some(s));
        if !allowed {
            return (
                StatusCode::FORBIDDEN,
                "federation links need the shared --link-secret",
            )
                .into_response();
        }
        let (hub, config, shutdown) = (
            state.hub.clone(),
            state.config.clone(),
            state.shutdown.clone(),
        );
        return ws
            .on_upgrade(move |socket| federation::accepted(socket, hub, config, shutdown))
            .into_response();
    }
    let room = q.room.unwrap_or_else(|| "default".to_owned());
    if room.len() > state.config.max_room_len {
        return (StatusCode::BAD_REQUEST, "room name too long").into_response();
    }
    let limits = slots::Limits {
        max: state.config.max_peers_per_address,
        connects_per_minute: state.config.connects_per_minute,
        connect_burst: state.config.connect_burst,
        per_connection: [
            state.config.samples_per_minute,
            state.config.joins_per_minute,
            state.config.signals_per_minute,
        ],
    };
    let slot = match state.slots.take(client.ip(), limits, Instant::now()) {
        Ok(slot) => slot,
        Err(refused) => {
            return (StatusCode::TOO_MANY_REQUESTS, refused.reason()).into_response();
        }
    };
    let (hub, config, shutdown, slots) = (
        state.hub.clone(),
        state.config.clone(),
        state.shutdown.clone(),
        state.slots.clone(),
    );
    let cooldown = config.misbehaviour_cooldown;
    ws.on_upgrade(move |socket| async move {
        if conn::connection(socket, &slot, hub, config, room, shutdown).await {
            slots.cool_down(slot.ip(), Instant::now() + cooldown);
        }
        // The address's slot is free again when its tab leaves.
        drop(slot);
    })
    .into_response()
}
