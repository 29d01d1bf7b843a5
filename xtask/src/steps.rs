//! The `run`, `build` and `test` commands.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::tools::{self, Result, path_env, root};

/// Builds the app into `dist/` with trunk (release), with compressed copies.
pub(crate) fn trunk_build() -> Result<()> {
    tools::run(
        Command::new("trunk")
            .args(["build", "index.html", "--release"])
            .current_dir(root())
            .env("PATH", path_env()),
    )?;
    compress_dist()
}

/// Writes the `.br` and `.gz` copies the relay serves (see `compress`).
fn compress_dist() -> Result<()> {
    let start = Instant::now();
    let files = crate::compress::dist(&root().join("dist"))?;
    eprintln!(
        "xtask: compressed {files} files in dist/ (br, gzip) in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn relay_build() -> Result<()> {
    tools::run(
        Command::new("cargo")
            .args(["build", "--release", "--package", "tabcoin-relay"])
            .current_dir(root()),
    )
}

pub(crate) fn relay_bin() -> std::path::PathBuf {
    root().join("target/release/tabcoin-relay")
}

/// `cargo xtask build`.
pub fn build() -> Result<ExitCode> {
    tools::for_build()?;
    trunk_build()?;
    relay_build()?;
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask run [--addr A]`.
pub fn run(args: &[String]) -> Result<ExitCode> {
    let mut addr = std::env::var("TABCOIN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let mut node = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => addr = it.next().ok_or("--addr needs HOST:PORT")?.clone(),
            "--node" => node = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    build()?;
    // With --node, one tabcoind (not mining) joins the relay's demo room
    // and keeps its store in target/tabcoind.
    let mut daemon = if node {
        tools::run(
            Command::new("cargo")
                .args(["build", "--release", "-p", "tabcoin-daemon"])
                .current_dir(root()),
        )?;
        let child = Command::new(root().join("target/release/tabcoind"))
            .args(["--net", "demo", "--relay", &format!("ws://{addr}/ws")])
            .args(["--api", "127.0.0.1:3001", "--data"])
            .arg(root().join("target/tabcoind"))
            .spawn()
            .map_err(|e| format!("cannot start tabcoind: {e}"))?;
        eprintln!("xtask: tabcoind answers on http://127.0.0.1:3001/api/chain");
        Some(child)
    } else {
        None
    };
    eprintln!("xtask: open the printed URL in several tabs; Ctrl-C stops the relay");
    let status = Command::new(relay_bin())
        .args(["--addr", &addr, "--dist"])
        .arg(root().join("dist"))
        .status()
        .map_err(|e| format!("cannot start the relay: {e}"));
    if let Some(child) = &mut daemon {
        // Ctrl-C reached it too; if the relay stopped on its own, stop it.
        let _ = child.kill();
        let _ = child.wait();
    }
    // Ctrl-C reaches the relay too; it shuts down cleanly and so do we.
    let status = status?;
    Ok(if status.success() || status.code().is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One layer of the test run.
struct Layer {
    name: &'static str,
    passed: u64,
    failed: u64,
    ok: bool,
    secs: f64,
}

/// The layering check (see `crate::layering`) and the size check (see
/// `crate::sizes`), counted as one test.
fn layering() -> Layer {
    eprintln!("\nxtask: ── layering ──");
    let start = Instant::now();
    let layered = crate::layering::check();
    let sized = crate::sizes::check();
    let ok = layered && sized;
    Layer {
        name: "layering (no import circle, no upward import, no long file or function)",
        passed: u64::from(ok),
        failed: u64::from(!ok),
        ok,
        secs: start.elapsed().as_secs_f64(),
    }
}

/// Runs a command, echoing its stdout while counting test results in it.
fn counted(name: &'static str, cmd: &mut Command) -> Layer {
    eprintln!("\nxtask: ── {name} ──");
    let start = Instant::now();
    let mut layer = Layer {
        name,
        passed: 0,
        failed: 0,
        ok: false,
        secs: 0.0,
    };
    let child = cmd
        .current_dir(root())
        .env("PATH", path_env())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xtask: cannot start {cmd:?}: {e}");
            return layer;
        }
    };
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            count_line(&line, &mut layer);
        }
    }
    layer.ok = child.wait().is_ok_and(|s| s.success());
    layer.secs = start.elapsed().as_secs_f64();
    layer
}

/// Reads libtest / wasm-bindgen-test (`test result: ok. N passed; M failed`)
/// and node's test runner (`# pass N`, `# fail N`) summaries.
fn count_line(line: &str, layer: &mut Layer) {
    let num = |s: &str| {
        s.trim()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse::<u64>().ok())
    };
    if let Some(rest) = line.strip_prefix("test result: ") {
        for part in rest.split([';', '.']) {
            let part = part.trim();
            if let Some(n) = part.strip_suffix(" passed").and_then(num) {
                layer.passed += n;
            } else if let Some(n) = part.strip_suffix(" failed").and_then(num) {
                layer.failed += n;
            }
        }
    } else if let Some(n) = line.strip_prefix("# pass ").and_then(num) {
        layer.passed += n;
    } else if let Some(n) = line.strip_prefix("# fail ").and_then(num) {
        layer.failed += n;
    }
}

/// Seconds each fuzz target runs in `cargo xtask test` (a smoke run: the
/// targets build, their seeds pass, and a first round of mutations finds
/// nothing; `cargo xtask fuzz` runs them for real).
const FUZZ_SMOKE_SECONDS: u64 = 15;

/// Every fuzz target, briefly: one passed test per target without a crash.
fn fuzz_smoke() -> Layer {
    eprintln!("\nxtask: ── fuzz smoke ──");
    let start = Instant::now();
    let mut layer = Layer {
        name: "fuzz smoke (libFuzzer)",
        passed: 0,
        failed: 0,
        ok: false,
        secs: 0.0,
    };
    match crate::fuzz::prepare() {
        Ok(()) => {
            let outcomes: Vec<_> = crate::fuzz::TARGETS
                .iter()
                .map(|t| crate::fuzz::run_target(t, FUZZ_SMOKE_SECONDS))
                .collect();
            crate::fuzz::report(&outcomes);
            layer.passed = outcomes.iter().filter(|o| o.ok).count() as u64;
            layer.failed = outcomes.len() as u64 - layer.passed;
            layer.ok = layer.failed == 0;
        }
        Err(e) => eprintln!("xtask: {e}"),
    }
    layer.secs = start.elapsed().as_secs_f64();
    layer
}

/// `tests/e2e/*.test.mjs`, sorted.
fn e2e_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/e2e"))
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn cargo(args: &[&str]) -> Command {
    let mut c = Command::new("cargo");
    c.args(args);
    c
}

fn wasm_test(args: &[&str]) -> Command {
    let mut c = cargo(&["test", "--target", "wasm32-unknown-unknown"]);
    c.args(args)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    c
}

/// `cargo xtask test`.
pub fn test() -> Result<ExitCode> {
    let start = Instant::now();
    tools::for_build()?;
    tools::chromium()?;
    tools::e2e_packages()?;

    let mut layers = vec![
        layering(),
        counted("format", &mut cargo(&["fmt", "--all", "--check"])),
        counted(
            "clippy (native)",
            &mut cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        counted(
            "clippy (wasm32)",
            &mut cargo(&[
                "clippy",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "tabcoin",
                "-p",
                "tabcoin-chain",
                "-p",
                "tabcoin-protocol",
                "-p",
                "tabcoin-node",
                "-p",
                "tabcoin-mesh",
                "--lib",
                "--bins",
                "--tests",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        counted("native tests", &mut cargo(&["test", "--workspace"])),
        counted(
            "wasm tests: chain (Chromium)",
            &mut wasm_test(&["-p", "tabcoin-chain", "--test", "wasm"]),
        ),
        counted(
            "wasm tests: app (Chromium)",
            &mut wasm_test(&["-p", "tabcoin", "--test", "web"]),
        ),
    ];
    let mut built = counted(
        "build app (trunk --release)",
        Command::new("trunk").args(["build", "index.html", "--release"]),
    );
    if built.ok
        && let Err(e) = compress_dist()
    {
        eprintln!("xtask: {e}");
        built.ok = false;
    }
    let relay = counted(
        "build relay (release)",
        &mut cargo(&["build", "--release", "-p", "tabcoin-relay"]),
    );
    let peer = counted(
        "build sync peer (release)",
        &mut cargo(&[
            "build",
            "--release",
            "-p",
            "tabcoin-node",
            "--example",
            "sync_peer",
        ]),
    );
    // The native tests built it already (debug is enough: the end-to-end
    // test does not mine on it).
    let daemon = counted(
        "build tabcoind",
        &mut cargo(&["build", "-p", "tabcoin-daemon", "--bin", "tabcoind"]),
    );
    let can_e2e = built.ok && relay.ok && peer.ok && daemon.ok;
    layers.push(built);
    layers.push(relay);
    layers.push(peer);
    layers.push(daemon);
    if can_e2e {
        let artifacts = root().join("target/e2e-artifacts");
        let _ = std::fs::create_dir_all(&artifacts);
        layers.push(counted(
            "end-to-end (Chromium tabs)",
            Command::new("node")
                .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
                // The files by name: how `node --test` searches a directory
                // differs between Node versions.
                .args(e2e_files())
                .env("TABCOIN_RELAY_BIN", relay_bin())
                .env("TABCOIN_DIST", root().join("dist"))
                .env(
                    "TABCOIN_SYNC_PEER",
                    root().join("target/release/examples/sync_peer"),
                )
                .env("TABCOIN_DAEMON", root().join("target/debug/tabcoind"))
                .env("TABCOIN_ARTIFACTS", &artifacts)
                .env("CHROMIUM", tools::CHROMIUM),
        ));
    } else {
        eprintln!("xtask: skipping end-to-end tests: the build failed");
    }
    layers.push(fuzz_smoke());

    eprintln!("\nxtask: layer                         result   passed  failed   seconds");
    for l in &layers {
        eprintln!(
            "xtask: {:<30} {:<6} {:>7} {:>7} {:>9.1}",
            l.name,
            if l.ok { "ok" } else { "FAILED" },
            l.passed,
            l.failed,
            l.secs
        );
    }
    let passed: u64 = layers.iter().map(|l| l.passed).sum();
    let failed_tests: u64 = layers.iter().map(|l| l.failed).sum();
    let failed_layers = layers.iter().filter(|l| !l.ok).count() as u64 + u64::from(!can_e2e);
    eprintln!("xtask: {:.0} s in all", start.elapsed().as_secs_f64());
    // A failed layer without counted failures (fmt, clippy, a build) counts as one.
    let failed = failed_tests.max(failed_layers);
    println!("summary: {passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
