//! Relay load generator (run by `cargo xtask bench`): N WebSocket clients in
//! one room, S of them broadcasting M messages each at a fixed pace; every
//! other client records when each message arrives. Prints one JSON line:
//! deliveries, deliveries per second, p50/p99 latency.
//!
//! `--raw` talks to a plain broadcast relay (the classic design's `ws`
//! server), which forwards the client's frame as is.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{ClientFrame, Payload, RelayFrame, decode_relay_frame, encode};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message as WsMessage;

struct Args {
    url: String,
    peers: usize,
    senders: usize,
    messages: usize,
    interval_ms: u64,
    raw: bool,
}

fn args() -> Args {
    let mut a = Args {
        url: String::new(),
        peers: 100,
        senders: 10,
        messages: 20,
        interval_ms: 1,
        raw: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--url" => a.url = value(),
            "--peers" => a.peers = value().parse().unwrap_or(a.peers),
            "--senders" => a.senders = value().parse().unwrap_or(a.senders),
            "--messages" => a.messages = value().parse().unwrap_or(a.messages),
            "--interval-ms" => a.interval_ms = value().parse().unwrap_or(a.interval_ms),
            "--raw" => a.raw = true,
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    a
}

/// The send time (µs since `start`) hidden in a message shaped like a
/// block locator request.
fn stamp(us: u64, sender: usize) -> Payload {
    let hash = format!("{us:016x}{:016x}{}", sender as u64, "0".repeat(32));
    Payload::encode(&serde_json::json!({ "type": "get_blocks", "locator": [hash] }))
}

/// Reads the send time back from a frame's text without a full parse.
fn read_stamp(text: &str) -> Option<u64> {
    let at = text.find("\"locator\":[\"")? + 12;
    let hex = text.get(at..at + 16)?;
    u64::from_str_radix(hex, 16).ok()
}

/// Answers the relay's challenge with client `i`'s own key.
async fn prove<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>, i: u64)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut secret = [0x10u8; 32];
    secret[24..].copy_from_slice(&i.to_be_bytes());
    let Ok(mut me) = Identity::from_parts(secret, 0) else {
        return;
    };
    while let Some(Ok(msg)) = ws.next().await {
        if let WsMessage::Text(t) = msg
            && let Ok(RelayFrame::Challenge { challenge, work }) = decode_relay_frame(t.as_str())
            && let Ok(answer) = me.answer(&challenge, work)
        {
            let _ = ws.send(WsMessage::Text(encode(&answer).into())).await;
            return;
        }
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let start = Instant::now();
    let url = if a.raw {
        a.url.clone()
    } else {
        format!("{}?room=bench", a.url)
    };
    let mut sockets = Vec::with_capacity(a.peers);
    for i in 0..a.peers {
        match connect_async(url.as_str()).await {
            Ok((mut ws, _)) => {
                if !a.raw {
                    prove(&mut ws, i as u64).await;
                }
                sockets.push(ws);
            }
            Err(e) => {
                eprintln!("connect failed after {} clients: {e}", sockets.len());
                std::process::exit(1);
            }
        }
    }
    let delivered = Arc::new(AtomicU64::new(0));
    let last_delivery = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut sinks = Vec::new();
    let mut per_reader = Vec::new();
    for ws in sockets {
        let (sink, mut stream) = ws.split();
        sinks.push(sink);
        let latencies = Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
        per_reader.push(latencies.clone());
        let (delivered, last, measuring) =
            (delivered.clone(), last_delivery.clone(), measuring.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let WsMessage::Text(t) = msg
                    && let Some(sent) = read_stamp(t.as_str())
                    && measuring.load(Ordering::Relaxed)
                {
                    let now = start.elapsed().as_micros() as u64;
                    if let Ok(mut l) = latencies.lock() {
                        l.push(now.saturating_sub(sent));
                    }
                    delivered.fetch_add(1, Ordering::Relaxed);
                    last.fetch_max(now, Ordering::Relaxed);
                }
            }
        });
    }
    // Let join notices settle before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    measuring.store(true, Ordering::Relaxed);
    let first_send = start.elapsed().as_micros() as u64;
    let senders: Vec<_> = sinks
        .into_iter()
        .take(a.senders)
        .enumerate()
        .map(|(i, mut sink)| {
            let (messages, interval) = (a.messages, a.interval_ms);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(interval));
                for _ in 0..messages {
                    tick.tick().await;
                    let msg = stamp(start.elapsed().as_micros() as u64, i);
                    // A plain relay forwards this frame as is; ours wraps the
                    // message in a `deliver` frame. The stamp reads from both.
                    let text = encode(&ClientFrame::Broadcast { msg });
                    if sink.send(WsMessage::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                sink
            })
        })
        .collect();
    let mut kept = Vec::new();
    for s in senders {
        if let Ok(sink) = s.await {
            kept.push(sink);
        }
    }
    let expected = (a.senders * a.messages * (a.peers - 1)) as u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = delivered.load(Ordering::Relaxed);
    let span_us = last_delivery
        .load(Ordering::Relaxed)
        .saturating_sub(first_send)
        .max(1);
    let mut lat: Vec<u64> = per_reader
        .iter()
        .filter_map(|l| l.lock().ok().map(|v| v.clone()))
        .flatten()
        .collect();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "{{\"peers\":{},\"delivered\":{got},\"expected\":{expected},\"per_second\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2}}}",
        a.peers,
        got as f64 / (span_us as f64 / 1e6),
        pct(0.50),
        pct(0.99)
    );
    drop(kept);
}
