//! Native nonces per second of the midstate search on one core, for
//! `cargo xtask bench` to put beside the browser's workers. Prints one
//! number. The header is built at run time from the arguments, so nothing
//! about it can be folded into the loop at compile time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tabcoin_chain::pow::Midstate;
use tabcoin_chain::{Height, Params, Target, genesis};

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let mut header = genesis(&Params::BENCH).header;
    header.height = Height(black_box(std::process::id()).into());
    header.bits = Target::from_leading_zeros(black_box(200)).to_compact();
    let mid = Midstate::new(&header);
    let chunk = 1u64 << 20;
    let (start, mut tried) = (Instant::now(), 0u64);
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        black_box(mid.search(tried..tried + chunk));
        tried += chunk;
    }
    println!("{:.0}", tried as f64 / start.elapsed().as_secs_f64());
}
