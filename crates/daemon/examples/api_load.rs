//! Load for `tabcoind`'s API, for `cargo xtask bench daemon`.
//!
//! - `api_load wait URL HEIGHT [SECONDS]`: polls `GET URL/api/chain` until
//!   the node is `ready` at `HEIGHT` or higher (fails after `SECONDS`,
//!   default 300).
//! - `api_load load URL PATH CONNECTIONS SECONDS`: `CONNECTIONS` clients,
//!   each on a keep-alive connection of its own, send `GET URL PATH` one
//!   after another for `SECONDS`; prints `per_second`, `p50_ms`, `p99_ms`
//!   and `errors` as `key value` lines.
//!
//! With `TABCOIND_API_TOKEN` set, every request shows that token.

use std::time::{Duration, Instant};

use serde_json::Value;

type Result<T> = std::result::Result<T, String>;

fn client() -> Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(token) = std::env::var("TABCOIND_API_TOKEN")
        && let Ok(value) = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
    {
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())
}

async fn wait(url: &str, height: u64, seconds: u64) -> Result<()> {
    let client = client()?;
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        if let Ok(r) = client.get(format!("{url}/api/chain")).send().await
            && let Ok(chain) = r.json::<Value>().await
            && chain["height"].as_u64().unwrap_or(0) >= height
            && chain["mode"] == "ready"
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(format!(
        "{url} did not reach height {height} in {seconds} s"
    ))
}

/// One client's latencies in ms, and its failed requests.
async fn one_client(url: String, end: Instant) -> Result<(Vec<f64>, u64)> {
    let client = client()?;
    let (mut latencies, mut errors) = (Vec::new(), 0);
    while Instant::now() < end {
        let start = Instant::now();
        let ok = match client.get(&url).send().await {
            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        if ok {
            latencies.push(start.elapsed().as_secs_f64() * 1e3);
        } else {
            errors += 1;
        }
    }
    Ok((latencies, errors))
}

async fn load(url: &str, path: &str, connections: usize, seconds: u64) -> Result<()> {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(one_client(format!("{url}{path}"), end)))
        .collect();
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (latencies, failed) = t.await.map_err(|e| e.to_string())??;
        all.extend(latencies);
        errors += failed;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let at = |q: f64| all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)));
    println!("per_second {:.0}", all.len() as f64 / elapsed);
    println!("p50_ms {:.2}", at(0.5).copied().unwrap_or(0.0));
    println!("p99_ms {:.2}", at(0.99).copied().unwrap_or(0.0));
    println!("errors {errors}");
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let number = |i: usize, default: u64| arg(i).parse().unwrap_or(default);
    let result = match arg(0) {
        "wait" => wait(arg(1), number(2, 0), number(3, 300)).await,
        "load" => load(arg(1), arg(2), number(3, 64) as usize, number(4, 5)).await,
        _ => Err(
            "usage: api_load wait URL HEIGHT [SECONDS] | load URL PATH CONNECTIONS SECONDS".into(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("api_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
