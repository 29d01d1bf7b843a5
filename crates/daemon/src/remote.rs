//! `tabcoind mine --remote URL`: mining for a node elsewhere through its
//! API (`GET /api/work`, `POST /api/work`), on this machine's cores. The
//! node gives a header paying the chosen address; the nonce search runs
//! here; a header that meets the target goes back and the node takes the
//! block as its own. A job is given up for a fresh one every few seconds,
//! so the search follows the node's best chain and pool.

use std::time::{Duration, Instant};

use serde_json::json;
use tabcoin_chain::Header;
use tabcoin_chain::pow::search;

use crate::wallet::{Failure, Node, get, post};

/// Nonces searched between two looks at the clock.
const CHUNK: u64 = 1 << 18;

/// How long one job is searched before a fresh one is asked for.
const JOB_FOR: Duration = Duration::from_secs(5);

/// Mines `blocks` blocks (for ever if None) for the node at `node`, paying
/// `address` (default: the node's own); returns what to print at the end.
pub async fn mine(
    node: &Node,
    address: Option<String>,
    blocks: Option<u64>,
) -> Result<String, Failure> {
    let path = match &address {
        Some(a) => format!("/api/work?address={a}"),
        None => "/api/work".to_owned(),
    };
    let mut found = Vec::new();
    while blocks.is_none_or(|n| (found.len() as u64) < n) {
        let work = get(node, &path).await?;
        let job = work["job"].as_u64().ok_or("the node gave no job")?;
        let header: Header = serde_json::from_value(work["header"].clone())
            .map_err(|e| format!("the node gave no header: {e}"))?;
        let started = Instant::now();
        let mut from = 0u64;
        let nonce = loop {
            let range = from..from.saturating_add(CHUNK);
            let hit = tokio::task::spawn_blocking(move || search(&header, range))
                .await
                .map_err(|e| e.to_string())?;
            if hit.is_some() || started.elapsed() > JOB_FOR || from == u64::MAX {
                break hit;
            }
            from = from.saturating_add(CHUNK);
        };
        let Some(nonce) = nonce else { continue };
        match post(node, "/api/work", &json!({"job": job, "nonce": nonce})).await {
            Ok(taken) => {
                let block = &taken["block"];
                eprintln!("mined block {} {}", block["height"], block["hash"]);
                found.push(block["hash"].as_str().unwrap_or_default().to_owned());
            }
            // The chain moved on meanwhile: the next job is on the new tip.
            Err(e) if e.contains("(stale)") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(found.join("\n"))
}
