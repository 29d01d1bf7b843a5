//! What a web page or another user could send, on a real socket: a request
//! addressed to another host name (DNS rebinding) is refused, and so is a
//! request from another site that would change the node's state, and one
//! without the API token to a route that spends or reveals the wallet; the
//! store holding the node's key, and the token's cookie, are private to
//! their owner.

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
    let token = format!("Authorization: Bearer {}", common::TOKEN);
    let head = format!(
        "POST /api/mine HTTP/1.1\r\nHost: {local}\r\n{token}\r\nOrigin: http://127.0.0.1:8080\r\nSec-Fetch-Site: same-site"
    );
    let (status, body) = answer(head).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "{body}");
    let (status, _) = answer(format!(
        "POST /api/mine HTTP/1.1\r\nHost: {local}\r\n{token}"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200);
    node.stop().await;
}

/// Another user of the machine, or a script without the token, can read
/// the chain but can neither spend, mine, add relays nor see the wallet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_that_spend_or_reveal_the_wallet_want_the_token() {
    let node = common::test_node(Vec::new(), None).await;
    let addr = node.api;
    let answer = move |head: String| tokio::task::spawn_blocking(move || raw(addr, &head));
    let local = format!("Host: 127.0.0.1:{}", addr.port());
    let guarded = [
        "POST /api/mine",
        "POST /api/transact",
        "POST /api/transactions",
        "POST /api/peers",
        "GET /api/wallet",
    ];
    for route in guarded {
        for auth in [
            String::new(),
            "\r\nAuthorization: Bearer wrong".into(),
            format!("\r\nAuthorization: Basic {}", common::TOKEN),
            format!("\r\nAuthorization: Bearer {}x", common::TOKEN),
        ] {
            let head = format!("{route} HTTP/1.1\r\n{local}{auth}");
            let (status, body) = answer(head).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(status, 401, "{route} with {auth:?}: {body}");
            assert_eq!(body["error"], "unauthorized", "{body}");
        }
    }
    for open in ["/api/chain", "/api/blocks", "/api/pool", "/api/peers"] {
        let (status, body) = answer(format!("GET {open} HTTP/1.1\r\n{local}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, 200, "{open}: {body}");
    }
    let (_, chain) = answer(format!("GET /api/chain HTTP/1.1\r\n{local}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(chain["height"], 0, "nothing was mined");
    node.stop().await;
}

/// Without `--api-token`, the node makes a token each start and writes it
/// to DATA/cookie, readable by its owner only; the wallet reads it there,
/// and the file is gone when the node stops.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_a_private_cookie_beside_the_store() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("tabcoind-cookie-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = tabcoin_daemon::Options {
        auth: None,
        ..common::options(Vec::new(), Some(dir.clone()))
    };
    let node = tabcoin_daemon::start(options)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = dir.join("cookie");
    assert_eq!(node.cookie.as_deref(), Some(cookie.as_path()));
    let mode = std::fs::metadata(&cookie)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    assert_eq!(mode, 0o600);
    let token = std::fs::read_to_string(&cookie).unwrap_or_default();
    assert_eq!(Some(token.as_str()), node.token.as_deref());
    assert_eq!(token.len(), 64, "32 random bytes");
    let wallet = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tabcoind"))
            .args(["wallet", "--node", &format!("http://{}", node.api)])
            .args(args)
            .env_remove(tabcoin_daemon::auth::TOKEN_ENV)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let dir_arg = dir.to_str().unwrap_or_default();
    let with = wallet(&["--data", dir_arg, "address"]);
    assert!(
        String::from_utf8_lossy(&with.stdout).starts_with("tab1"),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let without = wallet(&["address"]);
    assert!(!without.status.success());
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("unauthorized"),
        "{}",
        String::from_utf8_lossy(&without.stderr)
    );
    node.stop().await;
    assert!(!cookie.exists(), "the token died with the node");
    let _ = std::fs::remove_dir_all(&dir);
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

/// A token anyone could guess, or one that matches an empty bearer
/// header, is refused at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_api_token_is_refused_at_start() {
    for weak in ["", "short", "sixteen chars  x"] {
        let options = tabcoin_daemon::Options {
            auth: Some(tabcoin_daemon::auth::Auth::Token(weak.into())),
            ..common::options(Vec::new(), None)
        };
        let refused = tabcoin_daemon::start(options)
            .await
            .err()
            .unwrap_or_default();
        assert!(refused.contains("--api-token"), "{weak:?}: {refused}");
    }
}

/// A name configured with `--api-host` is answered too, and its pages may
/// post; other names still are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_host_is_answered_and_no_other() {
    let options = tabcoin_daemon::Options {
        api_host: Some("node.example".into()),
        ..common::options(Vec::new(), None)
    };
    let node = tabcoin_daemon::start(options)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = node.api;
    let answer = move |head: String| tokio::task::spawn_blocking(move || raw(addr, &head));
    let token = format!("Authorization: Bearer {}", common::TOKEN);
    for (host, status) in [
        ("node.example:3001", 200),
        ("NODE.example", 200),
        ("other.example", 421),
    ] {
        let (got, body) = answer(format!("GET /api/chain HTTP/1.1\r\nHost: {host}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, status, "{host}: {body}");
    }
    let (got, body) = answer(format!(
        "POST /api/mine HTTP/1.1\r\nHost: node.example\r\n{token}\r\nOrigin: https://node.example"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, 200, "{body}");
    node.stop().await;
}
