//! `cargo xtask fuzz [--seconds N] [TARGET…]`: coverage-guided fuzzing of
//! everything tabcoin reads from a peer or from storage (the targets in
//! `fuzz/fuzz_targets`), with cargo-fuzz and libFuzzer, on the stable
//! toolchain (`RUSTC_BOOTSTRAP=1` lets it pass the sanitizer flags).
//!
//! Each run starts from fresh seeds (valid frames, blocks and stored chains
//! of the current rules, written by `fuzz/examples/seeds.rs`) plus the corpus
//! earlier runs kept in `fuzz/corpus/<target>`. A crash stops that target,
//! leaves its input in `fuzz/artifacts/<target>/` and fails the command.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::tools::{self, Result, path_env, root};

/// Every fuzz target, as named in `fuzz/Cargo.toml`.
pub const TARGETS: [&str; 5] = ["wire", "address", "stored_chain", "validate", "node"];

/// Seconds per target when none are given: the 10 minutes the project
/// asks of a full run.
const DEFAULT_SECONDS: u64 = 600;

/// What one target's run did.
pub struct Outcome {
    /// The target.
    pub target: &'static str,
    /// Inputs executed.
    pub execs: u64,
    /// Inputs in its corpus after the run.
    pub corpus: usize,
    /// Wall time of the run.
    pub secs: f64,
    /// Whether it ended without a crash.
    pub ok: bool,
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

fn cargo_fuzz(args: &[&str]) -> Command {
    let mut c = Command::new("cargo");
    c.arg("fuzz")
        .args(args)
        .current_dir(root())
        .env("PATH", path_env())
        .env("RUSTC_BOOTSTRAP", "1");
    c
}

/// Installs cargo-fuzz, writes the seeds and builds every target.
pub fn prepare() -> Result<()> {
    tools::cargo_fuzz()?;
    let seeds = fuzz_dir().join("seeds");
    let _ = std::fs::remove_dir_all(&seeds);
    tools::run(
        Command::new("cargo")
            .args(["run", "--quiet", "--manifest-path"])
            .arg(fuzz_dir().join("Cargo.toml"))
            .args(["--example", "seeds", "--"])
            .arg(&seeds),
    )?;
    tools::run(&mut cargo_fuzz(&["build"]))
}

/// Fuzzes `target` for `seconds`.
pub fn run_target(target: &'static str, seconds: u64) -> Outcome {
    eprintln!("xtask: fuzzing {target} for {seconds} s");
    let start = Instant::now();
    let corpus = fuzz_dir().join("corpus").join(target);
    let _ = std::fs::create_dir_all(&corpus);
    let seeds = fuzz_dir().join("seeds").join(target);
    let mut outcome = Outcome {
        target,
        execs: 0,
        corpus: 0,
        secs: 0.0,
        ok: false,
    };
    let child = cargo_fuzz(&["run", target])
        .arg(&corpus)
        .arg(&seeds)
        .args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-print_final_stats=1",
            "-rss_limit_mb=4096",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xtask: cannot start cargo fuzz: {e}");
            return outcome;
        }
    };
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err)
            .lines()
            .map_while(std::result::Result::ok)
        {
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                outcome.execs = n.trim().parse().unwrap_or(0);
            }
            // libFuzzer's progress lines are noise here; what went wrong is not.
            let wrong = [
                "==",
                "panicked",
                "SUMMARY",
                "Test unit written",
                "Error",
                "error",
            ];
            if wrong.iter().any(|w| line.contains(w)) || line.starts_with("Done ") {
                eprintln!("  {line}");
            }
        }
    }
    outcome.ok = child.wait().is_ok_and(|s| s.success());
    outcome.secs = start.elapsed().as_secs_f64();
    outcome.corpus = std::fs::read_dir(&corpus).map_or(0, Iterator::count);
    outcome
}

/// Prints one line per target.
pub fn report(outcomes: &[Outcome]) {
    eprintln!("\nxtask: fuzz target    result   executions   per second   corpus");
    for o in outcomes {
        eprintln!(
            "xtask: {:<15} {:<6} {:>12} {:>12.0} {:>8}",
            o.target,
            if o.ok { "ok" } else { "CRASH" },
            o.execs,
            o.execs as f64 / o.secs.max(0.001),
            o.corpus
        );
    }
}

/// `cargo xtask fuzz [--seconds N] [TARGET…]`.
pub fn fuzz(args: &[String]) -> Result<ExitCode> {
    let mut seconds = DEFAULT_SECONDS;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds needs a number")?;
            }
            name => targets.push(*TARGETS.iter().find(|t| **t == name).ok_or_else(|| {
                format!(
                    "unknown fuzz target {name} (targets: {})",
                    TARGETS.join(" ")
                )
            })?),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    prepare()?;
    let outcomes: Vec<Outcome> = targets.iter().map(|t| run_target(t, seconds)).collect();
    report(&outcomes);
    Ok(if outcomes.iter().all(|o| o.ok) {
        ExitCode::SUCCESS
    } else {
        eprintln!("xtask: a crashing input is in fuzz/artifacts/<target>/; make it a test");
        ExitCode::FAILURE
    })
}
