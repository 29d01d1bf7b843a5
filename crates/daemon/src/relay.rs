//! A relay connection, kept up: joins the network's room, turns the
//! relay's frames into node events, sends what the node says, and after a
//! drop dials again with a growing pause (1 s doubling to 30 s), until the
//! relay is removed. [`relay_url`] says which URLs are relays.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tabcoin_node::Event;
use tabcoin_protocol::identity::Challenge;
use tabcoin_protocol::{ClientFrame, PeerId, RelayFrame, decode_relay_frame, encode};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::daemon::Shared;

/// Longest URL taken as a relay's.
pub const MAX_URL: usize = 2048;

/// `text` as a relay's WebSocket URL (`ws://` or `wss://`, a host, no
/// credentials, fragment or room of its own, no space or control
/// character anywhere), or why it is not one.
pub fn relay_url(text: &str) -> Result<reqwest::Url, String> {
    const EXAMPLE: &str = "a relay is a WebSocket URL like ws://127.0.0.1:8080/ws";
    if text.len() > MAX_URL {
        return Err(format!("{EXAMPLE}, of at most {MAX_URL} characters"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{EXAMPLE}, without spaces or control characters"));
    }
    let url = reqwest::Url::parse(text).map_err(|e| format!("{EXAMPLE}: {e}"))?;
    if !matches!(url.scheme(), "ws" | "wss") || url.host_str().is_none_or(str::is_empty) {
        return Err(EXAMPLE.to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(format!("{EXAMPLE}, without credentials or a fragment"));
    }
    if url.query_pairs().any(|(k, _)| k == "room") {
        return Err(format!(
            "{EXAMPLE}, without a room: the node joins its network's"
        ));
    }
    Ok(url)
}

/// Keeps relay `id` connected until it is removed.
pub async fn keep(s: Shared, id: u64) {
    let (url, room) = {
        let d = s.lock();
        let room = d.node.store().genesis().hash.to_string();
        let Some(relay) = d.relays.get(&id) else {
            return;
        };
        (relay.url.clone(), room)
    };
    // The room joins the URL's own query, if it has one.
    let dial = match relay_url(&url) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair("room", &room);
            u.to_string()
        }
        Err(e) => {
            note(&s, id, Some(e), None);
            return;
        }
    };
    let mut pause = Duration::from_secs(1);
    loop {
        match tokio_tungstenite::connect_async(dial.as_str()).await {
            Ok((ws, _)) => {
                tracing::info!(%url, "connected to the relay");
                pause = Duration::from_secs(1);
                note(&s, id, None, None);
                serve(&s, id, ws).await;
                gone(&s, id);
                tracing::info!(%url, "the relay connection closed");
                // Why the relay refused the node, if it said so.
                let why = s.lock().relays.get(&id).and_then(|r| r.last_error.clone());
                let why = why.unwrap_or_else(|| "the connection closed".into());
                note(&s, id, Some(why), Some(pause));
            }
            Err(e) => {
                tracing::warn!(%url, "cannot reach the relay: {e}");
                note(&s, id, Some(e.to_string()), Some(pause));
            }
        }
        tokio::time::sleep(pause).await;
        if !s.lock().relays.contains_key(&id) {
            return;
        }
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

/// Records how relay `id` stands: the last error and the pause before
/// the next attempt (None, None: connected).
fn note(s: &Shared, id: u64, error: Option<String>, retry_in: Option<Duration>) {
    if let Some(relay) = s.lock().relays.get_mut(&id) {
        relay.last_error = error;
        relay.retry_in = retry_in;
    }
}

async fn serve(
    s: &Shared,
    id: u64,
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    match s.lock().relays.get_mut(&id) {
        Some(relay) => relay.out = Some(tx),
        // Removed meanwhile.
        None => return,
    }
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(text) => {
                    if sink.send(WsMessage::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                None => return,
            },
            frame = stream.next() => match frame {
                Some(Ok(WsMessage::Text(t))) => match decode_relay_frame(t.as_str()) {
                    Ok(RelayFrame::Challenge { challenge, work }) => {
                        let Some(proof) = prove(s, &challenge, work) else {
                            return;
                        };
                        if sink.send(WsMessage::Text(encode(&proof).into())).await.is_err() {
                            return;
                        }
                    }
                    Ok(frame) => heard(s, id, frame),
                    Err(e) => tracing::warn!("a bad frame from the relay: {e}"),
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// The answer to a relay's challenge, by the node's identity; more work
/// found for its key first if the relay asks more (and kept). None if the
/// relay asks more work than a client does.
fn prove(s: &Shared, challenge: &Challenge, work: u32) -> Option<ClientFrame> {
    let mut identity = s.lock().identity.clone();
    let before = identity.nonce();
    // The search, if any, runs without the lock.
    let answer = match identity.answer(challenge, work) {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!("the relay's challenge cannot be answered: {e}");
            return None;
        }
    };
    let mut d = s.lock();
    if identity.nonce() != before {
        if let Err(e) = crate::daemon::keep_identity(d.db.as_ref(), &identity) {
            tracing::warn!("the peer key's new work was not stored: {e}");
        }
        d.identity = identity;
    }
    Some(answer)
}

/// What a relay frame means for the node.
fn heard(s: &Shared, index: u64, frame: RelayFrame) {
    let mut d = s.lock();
    match frame {
        RelayFrame::Welcome { you, peers } => {
            if let Some(relay) = d.relays.get_mut(&index) {
                relay.me = Some(you);
            }
            for p in peers {
                d.peers.entry(p).or_insert(index);
            }
            let peers: Vec<PeerId> = d.peers.keys().copied().collect();
            d.handle(Event::Connected { peers });
        }
        RelayFrame::PeerJoined { peer } => {
            d.peers.entry(peer).or_insert(index);
            d.handle(Event::PeerJoined(peer));
        }
        RelayFrame::PeerLeft { peer } => {
            if d.peers.get(&peer) == Some(&index) {
                d.peers.remove(&peer);
                d.handle(Event::PeerLeft(peer));
            }
        }
        RelayFrame::Deliver { from, msg } => {
            d.peers.entry(from).or_insert(index);
            d.handle(Event::delivered(from, &msg));
        }
        // Links between tabs are for browsers; samples are for them too.
        RelayFrame::Sample { .. } => {}
        RelayFrame::Error { code, reason } => {
            tracing::warn!(code, "the relay refused: {reason}");
            if let Some(relay) = d.relays.get_mut(&index) {
                relay.last_error = Some(reason);
            }
        }
        // The node is in its network's room only; it joins no other; the
        // challenge is answered before this.
        RelayFrame::Room { .. } | RelayFrame::Challenge { .. } => {}
    }
}

/// The relay connection is gone (or the relay removed): its peers with it.
pub fn gone(s: &Shared, index: u64) {
    let mut d = s.lock();
    if let Some(relay) = d.relays.get_mut(&index) {
        relay.out = None;
        relay.me = None;
    }
    let lost: Vec<PeerId> = d
        .peers
        .iter()
        .filter(|(_, r)| **r == index)
        .map(|(p, _)| *p)
        .collect();
    for p in lost {
        d.peers.remove(&p);
        d.handle(Event::PeerLeft(p));
    }
    if d.relays.values().all(|r| r.out.is_none()) {
        d.handle(Event::Disconnected);
    }
}
