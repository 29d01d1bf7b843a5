//! Native signature verifications per second on one core (k256, the same
//! check the verifier workers run), for `cargo xtask bench` to put beside
//! the browser's. Prints one number.

use std::hint::black_box;
use std::time::Instant;

use tabcoin_chain::{Amount, Params, Salt, SigCheck, Timestamp, Transaction, Wallet};

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let checks: Vec<SigCheck> = (0..n)
        .filter_map(|i| {
            let mut secret = [9u8; 32];
            secret[..4].copy_from_slice(&(i + 1).to_le_bytes());
            let from = Wallet::from_secret(secret).ok()?;
            let to = Wallet::from_secret([3; 32]).ok()?.address();
            let tx = Transaction::new(
                &from,
                Amount(100),
                to,
                Amount(1),
                Salt([i as u8; 16]),
                Timestamp(u64::from(i)),
                &Params::TEST.network_id(),
            )
            .ok()?;
            SigCheck::of(&tx, &Params::TEST.network_id())
        })
        .collect();
    let start = Instant::now();
    let ok = checks.iter().filter(|c| black_box(*c).verify()).count();
    let rate = checks.len() as f64 / start.elapsed().as_secs_f64();
    assert_eq!(ok, checks.len(), "every signature verifies");
    println!("{rate:.0}");
}
