//! The relay serves the built app, and a precompressed copy of a file to a
//! browser that accepts its encoding.

mod common;

use std::path::PathBuf;

use common::*;
use tabcoin_relay::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Response {
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A plain HTTP/1.1 GET, with `Accept-Encoding` when given.
async fn get(addr: std::net::SocketAddr, path: &str, accept: Option<&str>) -> Response {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let accept = accept.map_or(String::new(), |a| format!("Accept-Encoding: {a}\r\n"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: relay\r\n{accept}Connection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("request");
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.expect("response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).expect("ascii headers");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// A dist directory with a wasm file, its two copies, and one file without
/// copies. The copies' bytes differ from the file's so the test sees which
/// one was sent (the relay never decodes them).
fn dist(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tabcoin-relay-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dist");
    for (name, bytes) in [
        (
            "index.html",
            &b"<!doctype html><title>tabcoin</title><script type=\"module\">start()</script>"[..],
        ),
        ("app_bg.wasm", b"\0asm raw"),
        ("app_bg.wasm.br", b"brotli copy"),
        ("app_bg.wasm.gz", b"gzip copy"),
        ("style.css", b"body {}"),
    ] {
        std::fs::write(dir.join(name), bytes).expect("write dist file");
    }
    dir
}

/// A relay serving a fresh `dist(test)`.
async fn serving(test: &str) -> (Relay, PathBuf) {
    let dir = dist(test);
    let relay = start(Config {
        dist: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    (relay, dir)
}

#[tokio::test]
async fn a_browser_that_accepts_brotli_or_gzip_gets_the_precompressed_copy() {
    let (relay, dir) = serving("encodings").await;

    let br = get(relay.addr, "/app_bg.wasm", Some("gzip, deflate, br, zstd")).await;
    assert!(br.status.contains("200"), "{}", br.status);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("content-type"), Some("application/wasm"));
    assert_eq!(br.body, b"brotli copy");
    // Caches between keep one answer per encoding.
    assert_eq!(br.header("vary"), Some("accept-encoding"));

    let gz = get(relay.addr, "/app_bg.wasm", Some("gzip")).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.body, b"gzip copy");

    let plain = get(relay.addr, "/app_bg.wasm", None).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("content-type"), Some("application/wasm"));
    assert_eq!(plain.body, b"\0asm raw");

    relay.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_file_without_copies_and_unknown_paths_are_served_as_they_are() {
    let (relay, dir) = serving("plain").await;

    let css = get(relay.addr, "/style.css", Some("br, gzip")).await;
    assert!(css.status.contains("200"), "{}", css.status);
    assert_eq!(css.header("content-encoding"), None);
    assert_eq!(css.body, b"body {}");

    // A path the app routes itself gets index.html.
    let page = get(relay.addr, "/block/7", Some("br")).await;
    assert!(page.status.contains("200"), "{}", page.status);
    assert!(page.body.starts_with(b"<!doctype html>"));

    relay.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_app_comes_with_its_security_headers_and_the_api_without() {
    let (relay, dir) = serving("headers").await;
    let page = get(relay.addr, "/", None).await;
    let csp = page
        .header("content-security-policy")
        .unwrap_or_default()
        .to_owned();
    // The page's one inline script is allowed by its hash, nothing else is.
    let hash =
        tabcoin_relay::headers::content_security_policy("<script type=\"module\">start()</script>");
    assert_eq!(csp, hash, "the policy is the one for this index.html");
    assert!(csp.contains("'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let wasm = get(relay.addr, "/app_bg.wasm", None).await;
    assert!(wasm.header("content-security-policy").is_some());
    let health = get(relay.addr, "/healthz", None).await;
    assert_eq!(health.header("content-security-policy"), None);
    relay.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
