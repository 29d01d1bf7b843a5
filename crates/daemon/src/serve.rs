//! Serving the API's connections within bounds, so idle or slow sockets
//! cannot take it down: hyper's own deadline for a request's headers (it
//! also closes a keep-alive connection that sends nothing more), an
//! absolute deadline for a request's body (tower-http's `DeadlineBody`),
//! and a cap on open connections past which a new one is answered 503
//! `busy` in JSON and closed. What a connection costs the node is then
//! bounded by the cap and the deadlines, whoever opens it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::DeadlineBody;

/// How much the API's connections may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most connections open at once.
    pub connections: usize,
    /// How long a request's headers may take to arrive, from the
    /// connection's start or the end of the previous answer.
    pub headers: Duration,
    /// How long a request's body may take to arrive.
    pub body: Duration,
}

impl Default for Limits {
    /// 256 connections (well under the usual 1,024 descriptors), 10 s for
    /// headers and for a body (at most 64 KiB from loopback).
    fn default() -> Limits {
        Limits {
            connections: 256,
            headers: Duration::from_secs(10),
            body: Duration::from_secs(10),
        }
    }
}

/// What a connection past the cap is told.
const BUSY: &str = r#"{"error":"busy","message":"this node has as many API connections open as it allows; retry"}"#;

/// The whole answer to a connection past the cap.
fn full() -> String {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BUSY}",
        BUSY.len()
    )
}

/// Serves `app` on `listener` within `limits`, until the task is dropped.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) {
    let open = Arc::new(Semaphore::new(limits.connections));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, most likely: the open connections'
                // deadlines will free some.
                tracing::warn!("the API cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        match open.clone().try_acquire_owned() {
            Ok(permit) => {
                let app = app.clone();
                tokio::spawn(async move {
                    connection(stream, app, limits).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tokio::spawn(refuse(stream));
            }
        }
    }
}

/// One connection: HTTP/1.1 with keep-alive, each request's body under its
/// deadline.
async fn connection(stream: TcpStream, app: Router, limits: Limits) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let request = request.map(|body| Body::new(DeadlineBody::new(limits.body, body)));
        app.clone().oneshot(request)
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.headers)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = served {
        tracing::debug!("an API connection ended: {e}");
    }
}

/// Tells a connection past the cap why it is closed (within a second).
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(full().as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::full;

    #[test]
    fn the_refusal_is_well_formed_json() {
        let text = full();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(json["error"], "busy");
    }
}
