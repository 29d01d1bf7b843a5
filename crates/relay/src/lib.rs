//! The tabcoin relay: serves the built app and carries protocol frames
//! between the tabs of a room. It holds no consensus logic.
//!
//! One task per connection reads frames, decodes them with
//! [`tabcoin_protocol::decode_client_frame`] (size limit first) and routes
//! them: a broadcast goes to every other tab of the room, a direct message to
//! one tab. Each tab has a bounded outbound queue; a tab that does not read
//! fast enough is disconnected instead of growing the relay's memory. A tab
//! that sends a frame the protocol does not allow is told why and dropped;
//! nobody else notices.
//!
//! Rooms are named by the `room` query parameter of `/ws` (the app uses its
//! network id, the genesis hash), so several networks can share one relay.

mod rooms;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tabcoin_protocol::{RelayFrame, decode_client_frame, encode};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower_http::services::{ServeDir, ServeFile};

pub use rooms::Rooms;

/// Limits and paths of a relay.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest frame a tab may send, in bytes.
    pub max_frame_bytes: usize,
    /// Frames queued for one tab before it counts as too slow and is dropped.
    pub queue_len: usize,
    /// Longest room name.
    pub max_room_len: usize,
    /// Interval between keepalive pings.
    pub ping_interval: Duration,
    /// Directory of the built app to serve at `/`, if any.
    pub dist: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_bytes: tabcoin_protocol::MAX_FRAME_BYTES,
            queue_len: 256,
            max_room_len: 128,
            ping_interval: Duration::from_secs(20),
            dist: None,
        }
    }
}

struct AppState {
    config: Config,
    rooms: Rooms,
    shutdown: watch::Receiver<bool>,
}

/// The relay's HTTP routes: `/ws`, `/healthz`, and the app as static files.
fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new()
        .route("/ws", get(ws_handler))
        .route("/healthz", get(|| async { "ok" }));
    if let Some(dist) = &state.config.dist {
        let index = ServeFile::new(dist.join("index.html"));
        app = app.fallback_service(ServeDir::new(dist).fallback(index));
    }
    app.with_state(state)
}

/// Serves on `listener` until `shutdown` resolves; then every tab gets a
/// close frame and the function returns.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = Arc::new(AppState {
        config,
        rooms: Rooms::default(),
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
}

async fn ws_handler(
    ws: WebSocketUpgrade,
    Query(q): Query<WsQuery>,
    State(state): State<Arc<AppState>>,
) -> impl IntoResponse {
    let room = q.room.unwrap_or_else(|| "default".to_owned());
    if room.len() > state.config.max_room_len {
        return (axum::http::StatusCode::BAD_REQUEST, "room name too long").into_response();
    }
    // Frames up to twice the limit are read so the sender can be told why
    // they were refused; anything larger is cut off by the WebSocket layer.
    let read_limit = state.config.max_frame_bytes.saturating_mul(2);
    ws.max_message_size(read_limit)
        .max_frame_size(read_limit)
        .on_upgrade(move |socket| connection(socket, state, room))
}

async fn connection(socket: WebSocket, state: Arc<AppState>, room: String) {
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(state.config.queue_len);
    let id = state.rooms.join(&room, tx);
    tracing::info!(peer = id, room = %room, "joined");
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = state.shutdown.clone();
    let mut ping = tokio::time::interval(state.config.ping_interval);
    ping.tick().await;
    let reason = loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(text) => {
                    if sink.send(WsMessage::Text(text)).await.is_err() {
                        break "write failed";
                    }
                }
                None => break "too slow: outbound queue full",
            },
            input = stream.next() => match input {
                Some(Ok(WsMessage::Text(text))) => {
                    match decode_client_frame(text.as_str(), state.config.max_frame_bytes) {
                        Ok(frame) => state.rooms.route(&room, id, frame),
                        Err(e) => {
                            refuse(&mut sink, e.to_string()).await;
                            break "sent a bad frame";
                        }
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    refuse(&mut sink, "binary frames are not part of the protocol".into()).await;
                    break "sent a binary frame";
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_))) | None => break "closed",
                Some(Err(_)) => break "read failed",
            },
            _ = ping.tick() => {
                if sink.send(WsMessage::Ping(Default::default())).await.is_err() {
                    break "ping failed";
                }
            }
            _ = shutdown.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                break "relay shutting down";
            }
        }
    };
    state.rooms.leave(&room, id);
    tracing::info!(peer = id, room = %room, reason, "left");
}

async fn refuse(sink: &mut futures_util::stream::SplitSink<WebSocket, WsMessage>, reason: String) {
    tracing::warn!(%reason, "refusing frame");
    let _ = sink
        .send(WsMessage::Text(
            encode(&RelayFrame::Error { reason }).into(),
        ))
        .await;
    let _ = sink.send(WsMessage::Close(None)).await;
}
