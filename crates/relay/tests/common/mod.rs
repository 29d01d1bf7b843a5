//! Helpers for the relay's integration tests: relays on 127.0.0.1 (port 0)
//! and real WebSocket clients.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame, decode_relay_frame, encode};
use tabcoin_relay::{Config, Stats, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running relay; dropping `stop` (or sending on it) shuts it down.
pub struct Relay {
    pub addr: std::net::SocketAddr,
    pub stop: Option<oneshot::Sender<()>>,
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Relay {
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Shuts the relay down and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.done).await;
    }

    /// The relay's `/stats`, read over plain HTTP.
    pub async fn stats(&self) -> Stats {
        let mut tcp = TcpStream::connect(self.addr)
            .await
            .expect("connect for /stats");
        tcp.write_all(b"GET /stats HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n")
            .await
            .expect("request");
        let mut response = String::new();
        tcp.read_to_string(&mut response).await.expect("response");
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("/stats body {body:?}: {e}"))
    }

    /// Waits until this relay has `n` federation links.
    pub async fn wait_links(&self, n: usize) {
        for _ in 0..200 {
            if self.stats().await.links == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("relay {} never had {n} links", self.addr);
    }
}

/// Starts a relay on `addr` ("127.0.0.1:0" for any port).
pub async fn start_at(addr: &str, config: Config) -> Relay {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve(listener, config, async {
        let _ = stopped.await;
    }));
    Relay {
        addr,
        stop: Some(stop),
        done,
    }
}

pub async fn start(config: Config) -> Relay {
    start_at("127.0.0.1:0", config).await
}

pub struct Client {
    pub ws: Ws,
    pub id: PeerId,
    pub peers: Vec<PeerId>,
}

/// A fresh identity (a new secret each call), with no work yet: the
/// relay's challenge says how much to find.
pub fn identity() -> Identity {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let mut secret = [1u8; 32];
    secret[24..].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    Identity::from_parts(secret, 0).expect("a valid secret")
}

/// Connects to `room` as a new tab: the challenge answered, the welcome read.
pub async fn connect(url: &str, room: &str) -> Client {
    connect_as(url, room, &mut identity())
        .await
        .unwrap_or_else(|refused| panic!("refused: {refused:?}"))
}

/// Connects to `room` as `me`: the welcome, or the frame that refused it.
pub async fn connect_as(
    url: &str,
    room: &str,
    me: &mut Identity,
) -> Result<Client, Option<RelayFrame>> {
    connect_from(url, room, [127, 0, 0, 1].into(), me).await
}

/// Connects to `room` as `me` from the loopback address `from` (any of
/// 127.0.0.0/8): the welcome, or the frame that refused it.
pub async fn connect_from(
    url: &str,
    room: &str,
    from: std::net::IpAddr,
    me: &mut Identity,
) -> Result<Client, Option<RelayFrame>> {
    let relay: std::net::SocketAddr = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .and_then(|host| host.parse().ok())
        .expect("a ws://ip:port/ws url");
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind((from, 0).into())
        .expect("bind a loopback address");
    let stream = socket.connect(relay).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(
        format!("{url}?room={room}"),
        MaybeTlsStream::Plain(stream),
    )
    .await
    .expect("upgrade");
    match next_frame(&mut ws).await {
        Some(RelayFrame::Challenge { challenge, work }) => {
            let answer = me.answer(&challenge, work).expect("work within bounds");
            ws.send(WsMessage::Text(encode(&answer).into()))
                .await
                .expect("send the proof");
        }
        other => panic!("expected a challenge, got {other:?}"),
    }
    match next_frame(&mut ws).await {
        Some(RelayFrame::Welcome { you, peers }) => Ok(Client { ws, id: you, peers }),
        other => Err(other),
    }
}

/// The next relay frame; None on timeout (1.5 s) or close.
pub async fn next_frame(ws: &mut Ws) -> Option<RelayFrame> {
    loop {
        let msg = tokio::time::timeout(Duration::from_millis(1500), ws.next())
            .await
            .ok()??
            .ok()?;
        match msg {
            WsMessage::Text(t) => return decode_relay_frame(t.as_str()).ok(),
            WsMessage::Close(_) => return None,
            _ => continue,
        }
    }
}

/// The next delivered message, skipping join/leave notices.
pub async fn next_delivery(ws: &mut Ws) -> Option<(PeerId, Payload)> {
    loop {
        match next_frame(ws).await? {
            RelayFrame::Deliver { from, msg } => return Some((from, msg)),
            RelayFrame::PeerJoined { .. } | RelayFrame::PeerLeft { .. } => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Every delivery until the connection is quiet for 1.5 s.
pub async fn drain(ws: &mut Ws) -> Vec<(PeerId, Payload)> {
    let mut out = Vec::new();
    while let Some(d) = next_delivery(ws).await {
        out.push(d);
    }
    out
}

pub async fn send(c: &mut Client, frame: &ClientFrame) {
    c.ws.send(WsMessage::Text(encode(frame).into()))
        .await
        .expect("send");
}

pub async fn broadcast(c: &mut Client, msg: Payload) {
    send(c, &ClientFrame::Broadcast { msg }).await;
}

/// A small message to route (the relay does not interpret it).
pub fn ping_msg() -> Payload {
    Payload::encode(&serde_json::json!({ "type": "get_pool" }))
}

/// A message carrying `n` hashes, about 67 bytes each, to make frames of a
/// chosen size.
pub fn sized_msg(n: usize) -> Payload {
    Payload::encode(&serde_json::json!({
        "type": "get_blocks",
        "locator": vec!["07".repeat(32); n],
    }))
}
