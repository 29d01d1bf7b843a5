//! Federation: links between relays, so tabs on different relays share a
//! network (like the classic design's `PEERS=ws://…`).
//!
//! A relay started with `--peer ws://host:port/ws` dials that relay's `/ws`
//! with `?link=1` (the shared secret in the `x-tabcoin-link-secret` header,
//! never in the URL) and re-dials with backoff whenever the link
//! drops. Relays accept links only with the shared `--link-secret`. Both
//! ends then exchange [`LinkFrame`]s through the [`Hub`], which delivers them
//! to local tabs, forwards them to its other links, and drops frames it has
//! seen before, so any topology is loop-free.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message as TsMessage;

use crate::Config;
use crate::hub::{Hub, LinkFrame};

/// What a socket message means to a link.
enum Incoming<'a> {
    Text(&'a str),
    Close,
    Other,
}

fn axum_incoming(m: &WsMessage) -> Incoming<'_> {
    match m {
        WsMessage::Text(t) => Incoming::Text(t.as_str()),
        WsMessage::Close(_) => Incoming::Close,
        _ => Incoming::Other,
    }
}

fn tungstenite_incoming(m: &TsMessage) -> Incoming<'_> {
    match m {
        TsMessage::Text(t) => Incoming::Text(t.as_str()),
        TsMessage::Close(_) => Incoming::Close,
        _ => Incoming::Other,
    }
}

/// Runs a link over any WebSocket until it closes, the hub cuts it, or the
/// relay shuts down.
async fn pump<S, M, E>(
    mut socket: S,
    hub: &Hub,
    config: &Config,
    shutdown: &mut watch::Receiver<bool>,
    incoming: fn(&M) -> Incoming<'_>,
    outgoing: fn(Utf8Bytes) -> M,
) -> &'static str
where
    S: Stream<Item = Result<M, E>> + Sink<M> + Unpin,
{
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(config.link_queue_len.max(1));
    let link = hub.add_link(tx);
    let limit = config.max_frame_bytes.saturating_mul(2);
    let reason = loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(text) => {
                    if socket.send(outgoing(text)).await.is_err() {
                        break "write failed";
                    }
                }
                None => break "too slow",
            },
            input = socket.next() => match input {
                Some(Ok(m)) => match incoming(&m) {
                    Incoming::Text(text) if text.len() <= limit => match serde_json::from_str::<LinkFrame>(text) {
                        Ok(frame) if frame_is_valid(&frame, config) => {
                            hub.from_link(link, frame);
                            if hub.link_peer_count(link) > config.max_peers.saturating_mul(100) {
                                break "announced too many tabs";
                            }
                        }
                        Ok(_) => break "sent a frame beyond the limits",
                        Err(_) => break "sent a malformed frame",
                    },
                    Incoming::Text(_) => break "sent an oversize frame",
                    Incoming::Close => break "closed",
                    Incoming::Other => {}
                },
                Some(Err(_)) | None => break "closed",
            },
            _ = shutdown.changed() => {
                let _ = socket.close().await;
                break "relay shutting down";
            }
        }
    };
    hub.remove_link(link);
    reason
}

/// A link frame must respect what tabs' frames must: room names and the
/// payload's shape.
fn frame_is_valid(frame: &LinkFrame, config: &Config) -> bool {
    match frame {
        LinkFrame::Msg { room, msg, .. } => {
            room.len() <= config.max_room_len && msg.check_shape().is_ok()
        }
        LinkFrame::Joined { room, .. } | LinkFrame::Left { room, .. } => {
            room.len() <= config.max_room_len
        }
    }
}

/// Serves a link another relay dialled.
pub(crate) async fn accepted(
    socket: WebSocket,
    hub: Arc<Hub>,
    config: Config,
    mut shutdown: watch::Receiver<bool>,
) {
    tracing::info!("federation link accepted");
    let reason = pump(
        socket,
        &hub,
        &config,
        &mut shutdown,
        axum_incoming,
        WsMessage::Text,
    )
    .await;
    tracing::info!(reason, "federation link closed");
}

fn tungstenite_text(text: Utf8Bytes) -> TsMessage {
    TsMessage::Text(text.as_str().into())
}

/// The request that dials a link: the shared secret travels in the
/// [`LINK_SECRET_HEADER`] header, never in the URL (which proxies and logs
/// keep).
fn link_request(
    url: &str,
    secret: &str,
) -> Result<
    tokio_tungstenite::tungstenite::handshake::client::Request,
    tokio_tungstenite::tungstenite::Error,
> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    let mut request = url.into_client_request()?;
    let value = HeaderValue::from_str(secret)
        .map_err(|e| tokio_tungstenite::tungstenite::Error::HttpFormat(e.into()))?;
    request.headers_mut().insert(LINK_SECRET_HEADER, value);
    Ok(request)
}

/// The header a dialling relay puts its link secret in.
pub const LINK_SECRET_HEADER: &str = "x-tabcoin-link-secret";

/// Dials `url` and keeps re-dialling with backoff (0.5 s doubling to 30 s)
/// until the relay shuts down.
pub(crate) fn spawn_dialer(
    url: String,
    hub: Arc<Hub>,
    config: Config,
    mut shutdown: watch::Receiver<bool>,
) {
    let sep = if url.contains('?') { '&' } else { '?' };
    let link_url = format!("{url}{sep}link=1");
    let secret = config.link_secret.clone().unwrap_or_default();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        loop {
            let request = link_request(&link_url, &secret);
            let dialled = match request {
                Ok(request) => tokio_tungstenite::connect_async(request).await,
                Err(e) => Err(e),
            };
            match dialled {
                Ok((socket, _)) => {
                    tracing::info!(%url, "federation link up");
                    backoff = Duration::from_millis(500);
                    let reason = pump(
                        socket,
                        &hub,
                        &config,
                        &mut shutdown,
                        tungstenite_incoming,
                        tungstenite_text,
                    )
                    .await;
                    tracing::info!(%url, reason, "federation link down");
                }
                Err(e) => tracing::debug!(%url, error = %e, "federation dial failed"),
            }
            if *shutdown.borrow() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    });
}
