//! A relay connection, kept up: joins the network's room, turns the
//! relay's frames into node events, sends what the node says, and after a
//! drop dials again with a growing pause (1 s doubling to 30 s).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tabcoin_node::Event;
use tabcoin_protocol::{PeerId, RelayFrame, decode_relay_frame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::daemon::Shared;

/// Keeps relay number `index` connected, for ever.
pub async fn keep(s: Shared, index: usize) {
    let (url, room) = {
        let d = s.lock();
        let room = d.node.store().genesis().hash.to_string();
        (d.relays[index].url.clone(), room)
    };
    let mut pause = Duration::from_secs(1);
    loop {
        match tokio_tungstenite::connect_async(format!("{url}?room={room}")).await {
            Ok((ws, _)) => {
                tracing::info!(%url, "connected to the relay");
                pause = Duration::from_secs(1);
                serve(&s, index, ws).await;
                gone(&s, index);
                tracing::info!(%url, "the relay connection closed");
            }
            Err(e) => tracing::warn!(%url, "cannot reach the relay: {e}"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

async fn serve(
    s: &Shared,
    index: usize,
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    s.lock().relays[index].out = Some(tx);
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
                    Ok(frame) => heard(s, index, frame),
                    Err(e) => tracing::warn!("a bad frame from the relay: {e}"),
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// What a relay frame means for the node.
fn heard(s: &Shared, index: usize, frame: RelayFrame) {
    let mut d = s.lock();
    match frame {
        RelayFrame::Welcome { you, peers } => {
            d.relays[index].me = Some(you);
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
        RelayFrame::Error { reason } => tracing::warn!("the relay refused a frame: {reason}"),
        // The node is in its network's room only; it joins no other.
        RelayFrame::Room { .. } => {}
    }
}

/// The relay connection is gone: its peers with it.
fn gone(s: &Shared, index: usize) {
    let mut d = s.lock();
    d.relays[index].out = None;
    d.relays[index].me = None;
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
    if d.relays.iter().all(|r| r.out.is_none()) {
        d.handle(Event::Disconnected);
    }
}
