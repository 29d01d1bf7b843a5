//! One task per tab: reads frames, decodes them with a size limit, enforces
//! the frame rate, and routes them through the [`Hub`]; writes what the hub
//! queued for the tab; pings to keep the connection alive. A tab in several
//! networks keeps one connection: besides the room of its address it joins
//! and leaves others (`ClientFrame::Join`, `Leave`), and its frames for
//! those come wrapped (`ClientFrame::Room`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tabcoin_protocol::identity::Challenge;
use tabcoin_protocol::refusal::Refusal;
use tabcoin_protocol::{ClientFrame, PeerId, RelayFrame, decode_client_frame, encode};
use tokio::sync::{mpsc, watch};

use crate::Config;
use crate::hub::{Dropped, Hub, Outbox};
use crate::rate::Bucket;
use crate::slots::{ADDRESS_SHARE, Slot, Spend};

/// Why a tab's connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// Writing to it failed.
    WriteFailed,
    /// Its outgoing queue closed.
    QueueClosed,
    /// The hub dropped it: too slow a reader, flooding others, or giving
    /// way to a newcomer.
    Dropped,
    /// It sent more frames a second than allowed.
    Flooding,
    /// It sent a frame that does not decode.
    BadFrame,
    /// It sent a binary frame.
    BinaryFrame,
    /// It closed the connection.
    Closed,
    /// Reading from it failed.
    ReadFailed,
    /// A keepalive ping failed.
    PingFailed,
    /// The relay is shutting down.
    Shutdown,
}

impl Ended {
    /// The words the log uses.
    fn as_str(self) -> &'static str {
        match self {
            Ended::WriteFailed => "write failed",
            Ended::QueueClosed => "write queue closed",
            Ended::Dropped => "dropped by the hub: too slow, flooding others, or giving way",
            Ended::Flooding => "flooding",
            Ended::BadFrame => "sent a bad frame",
            Ended::BinaryFrame => "sent a binary frame",
            Ended::Closed => "closed",
            Ended::ReadFailed => "read failed",
            Ended::PingFailed => "ping failed",
            Ended::Shutdown => "relay shutting down",
        }
    }
}

/// Serves one tab until it leaves; returns whether it was dropped for
/// flooding (a bad frame may be an outdated tab's, and is not held
/// against its address).
pub(crate) async fn connection(
    socket: WebSocket,
    slot: &Slot,
    hub: Arc<Hub>,
    config: Config,
    room: String,
    mut shutdown: watch::Receiver<bool>,
) -> bool {
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(config.queue_len.max(1));
    let dropped = Arc::new(Dropped::default());
    let outbox = Outbox {
        tx,
        dropped: dropped.clone(),
        ip: slot.ip(),
    };
    let (mut sink, mut stream) = socket.split();
    // The tab proves its key first: its id, in every room, is the key's.
    let id = match prove(&mut sink, &mut stream, &config).await {
        Ok(id) => id,
        Err(Some(refusal)) => {
            refuse(&mut sink, &hub, refusal).await;
            return false;
        }
        Err(None) => return false,
    };
    // The rooms this connection is in (by the id it has in all), and when
    // the others are to hear it joined.
    let mut rooms: HashMap<String, Membership> = HashMap::new();
    let now_announced = config.announce_after.is_zero();
    if let Err(refusal) = hub.join(&room, id, outbox.clone(), false, now_announced) {
        refuse(&mut sink, &hub, refusal).await;
        return false;
    }
    rooms.insert(room.clone(), Membership::new(id, &config));
    tracing::info!(peer = id, room = %room, "joined");
    let mut ping = tokio::time::interval(config.ping_interval);
    ping.tick().await;
    let mut bucket = Bucket::new(config.rate, config.burst, Instant::now());
    let mut churn = Bucket::per_minute(
        config.joins_per_minute,
        config.joins_per_minute / 2,
        Instant::now(),
    );
    let mut samples = Bucket::per_minute(
        config.samples_per_minute,
        config.samples_per_minute / 4,
        Instant::now(),
    );
    let mut signals = Bucket::per_minute(
        config.signals_per_minute,
        config.signals_per_minute / 4,
        Instant::now(),
    );
    let reason = loop {
        let next_due = rooms.values().filter_map(|m| m.due).min();
        tokio::select! {
            out = rx.recv() => match out {
                Some(text) => {
                    if sink.send(WsMessage::Text(text)).await.is_err() {
                        break Ended::WriteFailed;
                    }
                }
                None => break Ended::QueueClosed,
            },
            why = dropped.notified() => {
                if let Some(why) = why {
                    let _ = sink.send(WsMessage::Text(encode(&why.frame()).into())).await;
                    let _ = sink.send(WsMessage::Close(None)).await;
                }
                break Ended::Dropped;
            }
            input = stream.next() => match input {
                Some(Ok(WsMessage::Text(text))) => {
                    if !bucket.take(Instant::now()) {
                        refuse(&mut sink, &hub, Refusal::Flooding { rate: config.rate }).await;
                        break Ended::Flooding;
                    }
                    let frame = decode_client_frame(text.as_str(), config.max_frame_bytes);
                    // Joining and leaving cost every tab of the room a
                    // frame: a connection does it within its own budget.
                    if matches!(frame, Ok(ClientFrame::Join { .. } | ClientFrame::Leave { .. }))
                        && !churn.take(Instant::now())
                    {
                        let per_minute = config.joins_per_minute;
                        refuse(&mut sink, &hub, Refusal::Churning { per_minute }).await;
                        break Ended::Flooding;
                    }
                    // A sample costs the relay a draw and a frame, a signal
                    // its receiver an answer: past the connection's or its
                    // address's budget, they go nowhere.
                    let now = Instant::now();
                    if is_sample(&frame)
                        && !(samples.take(now) && slot.spend(Spend::Sample, now))
                    {
                        continue;
                    }
                    if is_signal(&frame)
                        && !(signals.take(now) && slot.spend(Spend::Signal, now))
                    {
                        continue;
                    }
                    match frame {
                        Ok(ClientFrame::Join { room: other }) => {
                            let joined = can_join(&config, &rooms, &other)
                                .and_then(|()| {
                                    // The address's connections share
                                    // their joins: a refused join leaves
                                    // the connection up.
                                    let per_minute = config.joins_per_minute * ADDRESS_SHARE;
                                    slot.spend(Spend::Join, now)
                                        .then_some(())
                                        .ok_or(Refusal::Churning { per_minute })
                                })
                                .and_then(|()| {
                                    hub.join(&other, id, outbox.clone(), true, now_announced)
                                });
                            let answer = match joined {
                                Ok(()) => {
                                    tracing::info!(peer = id, room = %other, "joined");
                                    rooms.insert(other, Membership::new(id, &config));
                                    None
                                }
                                Err(refusal) => Some(RelayFrame::Room {
                                    room: other,
                                    frame: Box::new(refusal.frame()),
                                }),
                            };
                            if let Some(frame) = answer
                                && sink.send(WsMessage::Text(encode(&frame).into())).await.is_err()
                            {
                                break Ended::WriteFailed;
                            }
                        }
                        Ok(ClientFrame::Leave { room: other }) => {
                            if let Some(Membership { id, due }) = rooms.remove(&other) {
                                hub.leave(&other, id, due.is_none());
                                tracing::info!(peer = id, room = %other, "left a room");
                            }
                        }
                        // A room left a moment ago: its last frames go nowhere.
                        Ok(ClientFrame::Room { room: other, frame }) => {
                            if let Some(m) = rooms.get(&other) {
                                hub.route(&other, m.id, *frame);
                            }
                        }
                        Ok(frame) => {
                            if let Some(m) = rooms.get(&room) {
                                hub.route(&room, m.id, frame);
                            }
                        }
                        Err(e) => {
                            refuse(&mut sink, &hub, Refusal::BadFrame(e.to_string())).await;
                            break Ended::BadFrame;
                        }
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    refuse(&mut sink, &hub, Refusal::BinaryFrame).await;
                    break Ended::BinaryFrame;
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_))) | None => break Ended::Closed,
                Some(Err(_)) => break Ended::ReadFailed,
            },
            () = sleep_until(next_due), if next_due.is_some() => {
                let now = Instant::now();
                for (name, m) in &mut rooms {
                    if m.due.is_some_and(|due| due <= now) {
                        m.due = None;
                        hub.announce(name, m.id);
                    }
                }
            }
            _ = ping.tick() => {
                if sink.send(WsMessage::Ping(Default::default())).await.is_err() {
                    break Ended::PingFailed;
                }
            }
            _ = shutdown.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                break Ended::Shutdown;
            }
        }
    };
    // A slow tab was already counted when the hub dropped its queue.
    for (room, Membership { id, due }) in rooms {
        hub.leave(&room, id, due.is_none());
        tracing::info!(peer = id, room = %room, reason = reason.as_str(), "left");
    }
    reason == Ended::Flooding
}

/// A room the connection is in: its id there, and when the others are to
/// hear it joined (None: they have).
struct Membership {
    id: PeerId,
    due: Option<Instant>,
}

impl Membership {
    fn new(id: PeerId, config: &Config) -> Membership {
        let after = config.announce_after;
        Membership {
            id,
            due: (!after.is_zero()).then(|| Instant::now() + after),
        }
    }
}

/// Waits until `due` (forever if None: the branch is disabled then).
async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due.into()).await,
        None => std::future::pending().await,
    }
}

/// Whether `frame` asks for a sample (of any room of the connection).
fn is_sample(frame: &Result<ClientFrame, tabcoin_protocol::DecodeError>) -> bool {
    matches!(carried(frame), Some(ClientFrame::Sample { .. }))
}

/// Whether `frame` carries a signal to another tab (of any room).
fn is_signal(frame: &Result<ClientFrame, tabcoin_protocol::DecodeError>) -> bool {
    matches!(
        carried(frame),
        Some(ClientFrame::Direct { msg, .. } | ClientFrame::Broadcast { msg }) if msg.is_signalling()
    )
}

/// The frame a decoded frame carries for its room: the one inside a
/// `ClientFrame::Room`, else itself.
fn carried(frame: &Result<ClientFrame, tabcoin_protocol::DecodeError>) -> Option<&ClientFrame> {
    match frame {
        Ok(ClientFrame::Room { frame, .. }) => Some(frame),
        Ok(frame) => Some(frame),
        Err(_) => None,
    }
}

/// Whether a connection in `rooms` may join `room` too, else why not.
fn can_join(
    config: &Config,
    rooms: &HashMap<String, Membership>,
    room: &str,
) -> Result<(), Refusal> {
    if rooms.contains_key(room) {
        return Err(Refusal::InRoom);
    }
    if room.is_empty() || room.len() > config.max_room_len {
        return Err(Refusal::RoomName {
            max: config.max_room_len,
        });
    }
    if rooms.len() >= config.max_rooms_per_connection {
        return Err(Refusal::TooManyRooms {
            max: config.max_rooms_per_connection,
        });
    }
    Ok(())
}

/// Asks the tab to prove its key, and waits (within
/// [`Config::prove_timeout`]) for the proof: the tab's id, or why it was
/// refused (None: the connection closed).
async fn prove(
    sink: &mut SplitSink<WebSocket, WsMessage>,
    stream: &mut SplitStream<WebSocket>,
    config: &Config,
) -> Result<PeerId, Option<Refusal>> {
    let mut bytes = [0u8; 32];
    // Without the system's randomness the relay cannot ask a question that
    // a recorded answer does not fit: it closes rather than ask a
    // predictable one.
    if let Err(e) = getrandom::fill(&mut bytes) {
        tracing::error!("no randomness for a challenge: {e}");
        return Err(None);
    }
    let challenge = Challenge(bytes);
    let ask = RelayFrame::Challenge {
        challenge,
        work: config.key_work,
    };
    sink.send(WsMessage::Text(encode(&ask).into()))
        .await
        .map_err(|_| None)?;
    let deadline = tokio::time::Instant::now() + config.prove_timeout;
    loop {
        let next = tokio::time::timeout_at(deadline, stream.next()).await;
        let text = match next {
            Err(_) => return Err(Some(Refusal::ProofTimeout)),
            Ok(Some(Ok(WsMessage::Text(text)))) => text,
            Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
            Ok(Some(Ok(WsMessage::Binary(_)))) => return Err(Some(Refusal::BinaryFrame)),
            Ok(Some(Ok(WsMessage::Close(_)) | Err(_)) | None) => return Err(None),
        };
        return match decode_client_frame(text.as_str(), config.max_frame_bytes) {
            Ok(ClientFrame::Prove { proof }) => proof
                .verify(&challenge, config.key_work)
                .map_err(|e| Some(Refusal::Identity(e))),
            Ok(_) => Err(Some(Refusal::NoProof)),
            Err(e) => Err(Some(Refusal::BadFrame(e.to_string()))),
        };
    }
}

/// Tells the tab why its frame was refused, then closes.
async fn refuse(sink: &mut SplitSink<WebSocket, WsMessage>, hub: &Hub, refusal: Refusal) {
    tracing::warn!(code = refusal.code(), reason = %refusal, "refusing a tab");
    hub.count_drop();
    let _ = sink
        .send(WsMessage::Text(encode(&refusal.frame()).into()))
        .await;
    let _ = sink.send(WsMessage::Close(None)).await;
}
