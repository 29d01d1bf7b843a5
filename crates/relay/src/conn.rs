//! One task per tab: reads frames, decodes them with a size limit, enforces
//! the frame rate, and routes them through the [`Hub`]; writes what the hub
//! queued for the tab; pings to keep the connection alive.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tabcoin_protocol::{RelayFrame, decode_client_frame, encode};
use tokio::sync::{mpsc, watch};

use crate::Config;
use crate::hub::Hub;
use crate::rate::Bucket;

/// Serves one tab until it leaves; returns whether it was dropped for
/// flooding (a bad frame may be an outdated tab's, and is not held
/// against its address).
pub(crate) async fn connection(
    socket: WebSocket,
    hub: Arc<Hub>,
    config: Config,
    room: String,
    mut shutdown: watch::Receiver<bool>,
) -> bool {
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(config.queue_len.max(1));
    let id = hub.join(&room, tx);
    tracing::info!(peer = id, room = %room, "joined");
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval(config.ping_interval);
    ping.tick().await;
    let mut bucket = Bucket::new(config.rate, config.burst, Instant::now());
    let reason = loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(text) => {
                    if sink.send(WsMessage::Text(text)).await.is_err() {
                        break "write failed";
                    }
                }
                None => break "dropped by the hub: too slow, or flooding others",
            },
            input = stream.next() => match input {
                Some(Ok(WsMessage::Text(text))) => {
                    if !bucket.take(Instant::now()) {
                        refuse(&mut sink, &hub, format!("more than {} frames per second", config.rate)).await;
                        break "flooding";
                    }
                    match decode_client_frame(text.as_str(), config.max_frame_bytes) {
                        Ok(frame) => hub.route(&room, id, frame),
                        Err(e) => {
                            refuse(&mut sink, &hub, e.to_string()).await;
                            break "sent a bad frame";
                        }
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    refuse(&mut sink, &hub, "binary frames are not part of the protocol".into()).await;
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
    // A slow tab was already counted when the hub dropped its queue.
    hub.leave(&room, id);
    tracing::info!(peer = id, room = %room, reason, "left");
    reason == "flooding"
}

/// Tells the tab why its frame was refused, then closes.
async fn refuse(sink: &mut SplitSink<WebSocket, WsMessage>, hub: &Hub, reason: String) {
    tracing::warn!(%reason, "refusing a tab's frame");
    hub.count_drop();
    let _ = sink
        .send(WsMessage::Text(
            encode(&RelayFrame::Error { reason }).into(),
        ))
        .await;
    let _ = sink.send(WsMessage::Close(None)).await;
}
