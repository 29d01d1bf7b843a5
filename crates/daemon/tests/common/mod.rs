//! What the daemon's tests share: a node of the `test` network in this
//! process, its API on a free loopback port; a `tabcoind` process; reading
//! an answer.

// Each test file uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tabcoin_chain::Params;
use tabcoin_daemon::auth::{Auth, TOKEN_ENV};
use tabcoin_daemon::{Options, Running, start};

/// The API token of the nodes the tests start (the cookie has a test of
/// its own).
pub const TOKEN: &str = "0123456789abcdef-test-token";

/// A client that shows [`TOKEN`].
pub fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(value) = reqwest::header::HeaderValue::from_str(&format!("Bearer {TOKEN}")) {
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts a node on the `test` network with these relays and store.
pub async fn test_node(relays: Vec<String>, data: Option<std::path::PathBuf>) -> Running {
    start(options(relays, data))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The options [`test_node`] starts with.
pub fn options(relays: Vec<String>, data: Option<std::path::PathBuf>) -> Options {
    Options {
        params: Params::TEST,
        relays,
        api: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        data,
        mine: false,
        key: None,
        threads: 1,
        verifiers: 1,
        auth: Some(Auth::Token(TOKEN.into())),
        limits: Default::default(),
        compat: None,
        compat_ui: None,
        compat_zeros: 2,
        api_host: None,
    }
}

/// Starts `tabcoind` as `cmd` says, its logs silenced; returns the process
/// and its API's URL, which it prints first.
pub fn spawn(cmd: &mut Command) -> (Child, String) {
    let mut child = cmd
        .env("RUST_LOG", "error")
        .env(TOKEN_ENV, TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("stdout"));
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{e}"));
    let api = line
        .trim()
        .strip_prefix("api ")
        .unwrap_or_else(|| panic!("no API address: {line:?}"))
        .to_owned();
    (child, api)
}

/// The JSON `GET url` answers, with the token (null if it does not answer
/// JSON).
pub async fn get_json(url: &str) -> Value {
    match client().get(url).send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// The status and JSON body of an answer (null if it is not JSON).
pub async fn status_json(r: reqwest::Response) -> (reqwest::StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// An address no test node holds the key of.
pub fn other_address() -> String {
    tabcoin_chain::Wallet::from_secret([42; 32])
        .unwrap_or_else(|_| panic!("seed"))
        .address()
        .to_string()
}
