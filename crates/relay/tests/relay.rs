//! Relay integration tests: real WebSocket clients on 127.0.0.1 (port 0).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tabcoin_chain::{Params, Work, genesis};
use tabcoin_protocol::{
    ClientFrame, Message, PROTOCOL_VERSION, PeerId, RelayFrame, decode_relay_frame, encode,
};
use tabcoin_relay::{Config, serve};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn start(config: Config) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve(listener, config, std::future::pending()));
    format!("ws://{addr}/ws")
}

struct Client {
    ws: Ws,
    id: PeerId,
}

async fn connect(url: &str, room: &str) -> Client {
    let (mut ws, _) = connect_async(format!("{url}?room={room}"))
        .await
        .expect("connect");
    match next_frame(&mut ws).await {
        Some(RelayFrame::Welcome { you, .. }) => Client { ws, id: you },
        other => panic!("expected Welcome, got {other:?}"),
    }
}

/// The next relay frame, skipping peer join/leave notices; None on timeout or close.
async fn next_frame(ws: &mut Ws) -> Option<RelayFrame> {
    loop {
        let msg = tokio::time::timeout(Duration::from_millis(1500), ws.next())
            .await
            .ok()??
            .ok()?;
        if let WsMessage::Text(t) = msg {
            return decode_relay_frame(t.as_str()).ok();
        }
        if let WsMessage::Close(_) = msg {
            return None;
        }
    }
}

async fn next_delivery(ws: &mut Ws) -> Option<(PeerId, Message)> {
    loop {
        match next_frame(ws).await? {
            RelayFrame::Deliver { from, msg } => return Some((from, msg)),
            RelayFrame::PeerJoined { .. } | RelayFrame::PeerLeft { .. } => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

fn hello(height: u64) -> Message {
    let g = genesis(&Params::TEST);
    Message::Hello {
        version: PROTOCOL_VERSION,
        network: g.hash,
        tip: g.hash,
        height,
        work: Work::ZERO,
    }
}

async fn send(c: &mut Client, frame: &ClientFrame) {
    c.ws.send(WsMessage::Text(encode(frame).into()))
        .await
        .expect("send");
}

#[tokio::test]
async fn broadcast_reaches_the_others_and_not_the_sender() {
    let url = start(Config::default()).await;
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    let mut c = connect(&url, "r").await;
    send(&mut a, &ClientFrame::Broadcast { msg: hello(1) }).await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a.id, hello(1))));
    assert_eq!(next_delivery(&mut c.ws).await, Some((a.id, hello(1))));
    assert_eq!(
        next_delivery(&mut a.ws).await,
        None,
        "the sender must not get its own message"
    );
}

#[tokio::test]
async fn welcome_lists_peers_and_joins_are_announced() {
    let url = start(Config::default()).await;
    let mut a = connect(&url, "r").await;
    let (mut ws, _) = connect_async(format!("{url}?room=r"))
        .await
        .expect("connect");
    assert_eq!(
        next_frame(&mut ws).await,
        Some(RelayFrame::Welcome {
            you: a.id + 1,
            peers: vec![a.id]
        })
    );
    assert_eq!(
        next_frame(&mut a.ws).await,
        Some(RelayFrame::PeerJoined { peer: a.id + 1 })
    );
    drop(ws);
    assert_eq!(
        next_frame(&mut a.ws).await,
        Some(RelayFrame::PeerLeft { peer: a.id + 1 })
    );
}

#[tokio::test]
async fn rooms_isolate_networks() {
    let url = start(Config::default()).await;
    let mut a = connect(&url, "one").await;
    let mut b = connect(&url, "one").await;
    let mut other = connect(&url, "two").await;
    send(&mut a, &ClientFrame::Broadcast { msg: hello(2) }).await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a.id, hello(2))));
    assert_eq!(next_delivery(&mut other.ws).await, None);
}

#[tokio::test]
async fn direct_messages_reach_only_their_target() {
    let url = start(Config::default()).await;
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    let mut c = connect(&url, "r").await;
    send(
        &mut a,
        &ClientFrame::Direct {
            to: c.id,
            msg: hello(3),
        },
    )
    .await;
    assert_eq!(next_delivery(&mut c.ws).await, Some((a.id, hello(3))));
    assert_eq!(next_delivery(&mut b.ws).await, None);
}

#[tokio::test]
async fn malformed_and_oversize_frames_drop_only_the_offender() {
    let url = start(Config {
        max_frame_bytes: 4096,
        ..Config::default()
    })
    .await;
    let mut good = connect(&url, "r").await;
    let mut other = connect(&url, "r").await;
    for bad in [
        "{not json".to_owned(),
        format!(
            "{{\"type\":\"broadcast\",\"pad\":\"{}\"}}",
            "x".repeat(5000)
        ),
    ] {
        let mut offender = connect(&url, "r").await;
        offender
            .ws
            .send(WsMessage::Text(bad.into()))
            .await
            .expect("send");
        match next_frame(&mut offender.ws).await {
            Some(RelayFrame::Error { reason }) => assert!(!reason.is_empty()),
            other => panic!("expected an Error frame, got {other:?}"),
        }
        assert_eq!(
            next_frame(&mut offender.ws).await,
            None,
            "offender is disconnected"
        );
    }
    send(&mut good, &ClientFrame::Broadcast { msg: hello(4) }).await;
    assert_eq!(
        next_delivery(&mut other.ws).await,
        Some((good.id, hello(4)))
    );
}
