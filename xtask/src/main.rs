//! `cargo xtask`: everything a fresh machine needs to run and test tabcoin.
//!
//! - `cargo xtask run [--addr 127.0.0.1:8080]`: installs what is missing,
//!   builds the app in release mode and starts the relay serving it.
//! - `cargo xtask test`: installs what is missing (Chromium included), then
//!   runs every layer of tests and prints one summary line.
//! - `cargo xtask build`: installs what is missing and builds the app and
//!   the relay in release mode.
//! - `cargo xtask bench`: runs the benchmarks side by side and writes
//!   `docs/BENCHMARKS.md`.
//! - `cargo xtask fuzz [--seconds N] [TARGET…]`: fuzzes every input parser
//!   and validator (10 minutes per target unless told otherwise).
//!
//! Every install step checks first and skips what is already there.

mod bench;
mod compress;
mod fuzz;
mod layering;
mod sizes;
mod steps;
mod tools;

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <command>\n\n\
         commands:\n  \
         run [--addr HOST:PORT] [--node]\n                           build the app and serve it with the relay (default 127.0.0.1:8080);\n                           --node also starts a tabcoind (API on 127.0.0.1:3001)\n  \
         test                     install what is missing and run every test layer\n  \
         build                    build the app (dist/) and the relay in release mode\n  \
         layering                 check that no module imports in a circle or from a layer above,\n                           and that no file or function of the app is too long\n  \
         bench [section …]        run the benchmarks side by side; writes docs/BENCHMARKS.md
                                  (sections: miner verify sync ui size relay attack mesh daemon)
  fuzz [--seconds N] [target …]
                           fuzz the parsers and validators (default 600 s per target;
                                  targets: wire address stored_chain validate node)"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => steps::run(&args[1..]),
        Some("test") => steps::test(),
        Some("build") => steps::build(),
        Some("bench") => bench::bench(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("layering") => Ok(if layering::check() & sizes::check() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
        _ => return usage(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
