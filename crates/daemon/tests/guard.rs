//! What a web page could make a browser send, on a real socket: a request
//! addressed to another host name (DNS rebinding) is refused, and so is a
//! request from another site that would change the node's state; the store
//! holding the node's key is private to its owner.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::Value;

mod common;

/// Sends `head` (request line and headers, no body) and returns the status
/// and the JSON body.
fn raw(addr: SocketAddr, head: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let request = format!("{head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = String::new();
    s.read_to_string(&mut answer)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_page_can_neither_rebind_nor_post_across_sites() {
    let node = common::test_node(Vec::new(), None).await;
    let addr = node.api;
    let port = addr.port();
    let answer = move |head: String| tokio::task::spawn_blocking(move || raw(addr, &head));
    let get = |path: &str, host: &str| format!("GET {path} HTTP/1.1\r\nHost: {host}");
    // Rebinding: a page on attacker.example whose name resolves to
    // 127.0.0.1 reads and spends through it as its own origin.
    for host in [
        format!("attacker.example:{port}"),
        "127.0.0.2.nip.io".into(),
    ] {
        for path in ["/api/wallet", "/api/chain", "/nowhere"] {
            let (status, body) = answer(get(path, &host))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(status, 421, "{path} for {host}: {body}");
            assert_eq!(body["error"], "forbidden_host", "{body}");
        }
    }
    let (status, _) = answer(format!(
        "POST /api/mine HTTP/1.1\r\nHost: attacker.example:{port}"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 421, "a rebound post mines nothing");
    // Loopback names are answered.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "localhost".into(),
    ] {
        let (status, body) = answer(get("/api/chain", &host))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, 200, "{host}: {body}");
    }
    // A form posted from another site (the browser names its origin, or
    // says cross-site) changes nothing.
    let local = format!("127.0.0.1:{port}");
    for extra in [
        "Origin: https://attacker.example".to_owned(),
        "Origin: null".to_owned(),
        "Sec-Fetch-Site: cross-site".to_owned(),
    ] {
        let head = format!("POST /api/mine HTTP/1.1\r\nHost: {local}\r\n{extra}");
        let (status, body) = answer(head).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, 403, "{extra}: {body}");
        assert_eq!(body["error"], "cross_site", "{body}");
    }
    let (_, chain) = answer(get("/api/chain", &local))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(chain["height"], 0, "nothing was mined");
    // A page of this machine's own origin, and a script (no Origin), may.
    let head = format!(
        "POST /api/mine HTTP/1.1\r\nHost: {local}\r\nOrigin: http://127.0.0.1:8080\r\nSec-Fetch-Site: same-site"
    );
    let (status, body) = answer(head).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "{body}");
    let (status, _) = answer(format!("POST /api/mine HTTP/1.1\r\nHost: {local}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200);
    node.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_and_its_directory_are_private_and_an_open_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let base = std::env::temp_dir().join(format!("tabcoind-private-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let fresh = base.join("fresh");
    let node = common::test_node(Vec::new(), Some(fresh.clone())).await;
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&fresh.join("tabcoind.redb")), 0o600);
    node.stop().await;
    // A directory others can read is refused with the fix in the sentence.
    let open = base.join("open");
    std::fs::create_dir_all(&open).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = tabcoin_daemon::start(common::options(Vec::new(), Some(open.clone())))
        .await
        .err()
        .unwrap_or_default();
    assert!(refused.contains("chmod 700"), "{refused}");
    assert!(!open.join("tabcoind.redb").exists(), "nothing was written");
    let _ = std::fs::remove_dir_all(&base);
}
