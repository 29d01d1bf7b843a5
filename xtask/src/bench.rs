//! `cargo xtask bench`: runs the benchmarks side by side and prints one
//! markdown table (also written to `docs/BENCHMARKS.md`). Candidates run
//! interleaved over several rounds and medians are reported: ratios are the
//! claim, absolutes are context.
//!
//! Rows so far: the miner in headless Chromium through the app's own
//! workers (SIMD vs scalar kernel, scaling with workers), and relay fan-out
//! (tabcoin's relay vs the classic design's `ws` broadcast relay in Node) at
//! 100 and 1,000 peers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};

use crate::tools::{self, Result, root};

const ROUNDS: usize = 3;

/// One measurement of one relay under one load.
#[derive(Clone, Copy, Default)]
struct Sample {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    rss_kb: f64,
    complete: bool,
}

fn field(json: &str, key: &str) -> f64 {
    let needle = format!("\"{key}\":");
    json.find(&needle)
        .map(|i| &json[i + needle.len()..])
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Starts a relay process and returns it with the URL it printed.
fn start(cmd: &mut Command) -> Result<(Child, String)> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(at) = line.find("http://") {
                    break line[at..].trim().replace("http://", "ws://");
                }
            }
            _ => return Err(format!("{cmd:?} did not print its address")),
        }
    };
    Ok((child, url))
}

fn peak_rss_kb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn relay_round(tabcoin: bool, peers: usize) -> Result<Sample> {
    let (mut child, url) = if tabcoin {
        start(
            Command::new(root().join("target/release/tabcoin-relay")).args([
                "--addr",
                "127.0.0.1:0",
                "--dist",
                "/nonexistent",
            ]),
        )?
    } else {
        start(Command::new("node").arg(root().join("xtask/bench/ws-relay.mjs")))?
    };
    let (url, raw) = if tabcoin {
        (format!("{url}/ws"), false)
    } else {
        (url, true)
    };
    let mut load = Command::new(root().join("target/release/examples/load"));
    load.args(["--url", &url, "--peers", &peers.to_string()]);
    if raw {
        load.arg("--raw");
    }
    let out = load
        .output()
        .map_err(|e| format!("cannot run the load generator: {e}"));
    let rss = peak_rss_kb(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let out = out?;
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(Sample {
        per_second: field(&json, "per_second"),
        p50_ms: field(&json, "p50_ms"),
        p99_ms: field(&json, "p99_ms"),
        rss_kb: rss,
        complete: field(&json, "delivered") == field(&json, "expected")
            && field(&json, "expected") > 0.0,
    })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{date}, {cores} cores, {cpu}")
}

/// One round of the browser miner benchmark, in nonces/s.
struct BrowserRound {
    scalar: f64,
    simd: f64,
    /// (workers, total) with the SIMD kernel.
    scaling: Vec<(f64, f64)>,
}

fn browser_miner_round(url: &str) -> Result<BrowserRound> {
    let out = Command::new("node")
        .arg(root().join("xtask/bench/miner.mjs"))
        .arg(url)
        .arg("1")
        .env("CHROMIUM", tools::CHROMIUM)
        .output()
        .map_err(|e| format!("cannot run the miner benchmark: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let value = |key: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0.0)
    };
    let (scalar, simd) = (value("scalar "), value("simd "));
    if scalar == 0.0 || simd == 0.0 {
        return Err(format!(
            "the miner benchmark printed no rates: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let scaling = text
        .lines()
        .filter_map(|l| l.strip_prefix("scale "))
        .filter_map(|l| {
            let mut parts = l.split_whitespace().filter_map(|v| v.parse::<f64>().ok());
            Some((parts.next()?, parts.next()?))
        })
        .collect();
    Ok(BrowserRound {
        scalar,
        simd,
        scaling,
    })
}

/// Native nonces/s of the scalar midstate search on one core.
fn native_miner_round() -> Result<f64> {
    let out = Command::new(root().join("target/release/examples/hashrate"))
        .arg("3")
        .output()
        .map_err(|e| format!("cannot run the native hash rate example: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| "the native hash rate example printed no number".to_owned())
}

/// Miner rows: the app's workers in headless Chromium (xtask/bench/miner.mjs)
/// and native Rust, interleaved round by round.
fn miner_rows() -> Result<String> {
    tools::run(
        Command::new("cargo")
            .args([
                "build",
                "--release",
                "-p",
                "tabcoin-chain",
                "--example",
                "hashrate",
            ])
            .current_dir(root()),
    )?;
    let (mut relay, url) = start(
        Command::new(crate::steps::relay_bin())
            .args(["--addr", "127.0.0.1:0", "--dist"])
            .arg(root().join("dist")),
    )?;
    let url = url.replace("ws://", "http://");
    let (mut scalar, mut simd, mut native) = (Vec::new(), Vec::new(), Vec::new());
    let mut scaling: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut failure = None;
    for round in 1..=ROUNDS {
        eprintln!("xtask: bench round {round}/{ROUNDS}: miner in Chromium and natively");
        match browser_miner_round(&url).and_then(|b| native_miner_round().map(|n| (b, n))) {
            Ok((b, n)) => {
                scalar.push(b.scalar);
                simd.push(b.simd);
                native.push(n);
                for (workers, total) in b.scaling {
                    match scaling.iter_mut().find(|(w, _)| *w == workers) {
                        Some((_, v)) => v.push(total),
                        None => scaling.push((workers, vec![total])),
                    }
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let _ = relay.kill();
    let _ = relay.wait();
    if let Some(e) = failure {
        return Err(e);
    }
    let (scalar, simd, native) = (median(scalar), median(simd), median(native));
    let mut rows = format!(
        "| miner, 1 worker in Chromium: SIMD ×4 kernel vs scalar kernel (nonces/s) | {:.2} M/s | {:.2} M/s | {:.2}× |\n",
        simd / 1e6,
        scalar / 1e6,
        simd / scalar
    );
    rows += &format!(
        "| miner, 1 worker in Chromium (SIMD) vs native Rust, 1 core (scalar midstate; context) | {:.2} M/s | {:.2} M/s | {:.2}× |\n",
        simd / 1e6,
        native / 1e6,
        simd / native
    );
    let single = scaling
        .iter()
        .find(|(w, _)| *w == 1.0)
        .map_or(1.0, |(_, v)| median(v.clone()));
    for (workers, totals) in scaling {
        let total = median(totals);
        rows += &format!(
            "| miner scaling, {workers} SIMD workers: total nonces/s | {:.2} M/s | {workers} × 1 worker | {:.2} of linear |\n",
            total / 1e6,
            total / (single * workers)
        );
    }
    Ok(rows)
}

/// `cargo xtask bench`.
pub fn bench() -> Result<ExitCode> {
    tools::run(
        Command::new("cargo")
            .args([
                "build",
                "--release",
                "-p",
                "tabcoin-relay",
                "--bin",
                "tabcoin-relay",
                "--example",
                "load",
            ])
            .current_dir(root()),
    )?;
    let bench_dir = root().join("xtask/bench");
    if !bench_dir.join("node_modules/ws/package.json").exists()
        || !bench_dir
            .join("node_modules/playwright-core/package.json")
            .exists()
    {
        tools::npm_ci(&bench_dir)?;
    }
    tools::for_build()?;
    tools::chromium()?;
    crate::steps::trunk_build()?;
    let miner_rows = miner_rows()?;
    let loads = [100usize, 1000];
    let mut samples: Vec<Vec<(Sample, Sample)>> = vec![Vec::new(); loads.len()];
    for round in 1..=ROUNDS {
        for (i, &peers) in loads.iter().enumerate() {
            eprintln!("xtask: bench round {round}/{ROUNDS}: relay fan-out, {peers} peers");
            let ours = relay_round(true, peers)?;
            let theirs = relay_round(false, peers)?;
            samples[i].push((ours, theirs));
        }
    }
    let mut table =
        String::from("| benchmark | tabcoin | compared with | ratio |\n|---|---|---|---|\n");
    table += &miner_rows;
    for (i, &peers) in loads.iter().enumerate() {
        let s = &samples[i];
        let pick = |f: fn(&Sample) -> f64, ours: bool| {
            median(s.iter().map(|(o, t)| f(if ours { o } else { t })).collect())
        };
        let complete = s.iter().all(|(o, t)| o.complete && t.complete);
        let note = if complete {
            ""
        } else {
            " (some deliveries missing)"
        };
        let (o, t) = (pick(|x| x.per_second, true), pick(|x| x.per_second, false));
        table += &format!(
            "| relay fan-out, {peers} peers: deliveries/s{note} | {o:.0} | {t:.0} (Node `ws` relay) | {:.2}× |\n",
            o / t.max(1.0)
        );
        let (o50, t50) = (pick(|x| x.p50_ms, true), pick(|x| x.p50_ms, false));
        let (o99, t99) = (pick(|x| x.p99_ms, true), pick(|x| x.p99_ms, false));
        table += &format!(
            "| relay latency, {peers} peers: p50 / p99 ms | {o50:.1} / {o99:.1} | {t50:.1} / {t99:.1} | {:.2}× / {:.2}× lower |\n",
            t50 / o50.max(0.01),
            t99 / o99.max(0.01)
        );
        let (orss, trss) = (
            pick(|x| x.rss_kb, true) / 1024.0,
            pick(|x| x.rss_kb, false) / 1024.0,
        );
        table += &format!(
            "| relay peak RSS, {peers} peers | {orss:.0} MB | {trss:.0} MB | {:.2}× smaller |\n",
            trss / orss.max(0.01)
        );
    }
    let report = format!(
        "# Benchmarks\n\nProduced by `cargo xtask bench` on {}. Medians of {ROUNDS} interleaved rounds.\n\n\
         Miner rows: the app in headless Chromium on the `bench` network (a target no nonce meets), the workers' own \
         reported rates after 6 s (`xtask/bench/miner.mjs`); native: the same crate's scalar midstate search on one core \
         for 3 s (`crates/chain/examples/hashrate.rs`), in the same rounds.\n\n\
         Relay rows: N WebSocket clients in one room, 10 of them broadcasting 20 messages each as fast as they can; \
         every other client timestamps each arrival (`crates/relay/examples/load.rs`). The comparison is the classic \
         design's relay: a Node `ws` server forwarding every message to every other client (`xtask/bench/ws-relay.mjs`).\n\n{table}",
        machine()
    );
    println!("{report}");
    let _ = std::fs::create_dir_all(root().join("docs"));
    std::fs::write(root().join("docs/BENCHMARKS.md"), &report)
        .map_err(|e| format!("cannot write docs/BENCHMARKS.md: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
