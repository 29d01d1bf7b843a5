//! What the API tests share: a node of the `test` network, its API on a
//! free loopback port.

// Each test file uses part of it.
#![allow(dead_code)]

use tabcoin_chain::Params;
use tabcoin_daemon::{Options, Running, start};

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
        threads: 1,
    }
}
