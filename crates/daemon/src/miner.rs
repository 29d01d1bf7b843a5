//! Mining on native threads: the node's job (`Effect::Mine`) searched in
//! chunks of nonces, each thread its own part of the nonce space, until a
//! thread finds a nonce or the node gives a new job. On a
//! proof-of-authority network the node seals on its clock's ticks instead:
//! [`make_one`] waits for its block.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tabcoin_chain::{Block, pow};
use tabcoin_node::{Event, Job, MinerReport, Sealing};

use crate::daemon::Shared;

/// Nonces a thread tries before it looks for a newer job.
const CHUNK: u64 = 1 << 18;

/// The node's current job, starting the node's mining if it was off;
/// says whether it was off.
fn job(s: &Shared) -> Result<(Job, bool), String> {
    let mut d = s.lock();
    let was_off = d.job.is_none();
    if was_off {
        d.handle(Event::MiningToggled);
    }
    match d.job.clone() {
        Some(job) => Ok((job, was_off)),
        None => Err("the node has no block to mine yet".into()),
    }
}

/// Searches `job` on `threads` threads until one finds a nonce (returned)
/// or the node's job changes (`current`, its id + 1, is another; None).
fn search(current: &AtomicU64, job: &Job, threads: usize) -> Option<(u64, u64)> {
    let found = AtomicBool::new(false);
    let threads = threads.max(1) as u64;
    let part = u64::MAX / threads;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let found = &found;
                scope.spawn(move || {
                    let mut start = k * part;
                    let mut tried = 0u64;
                    while !found.load(Ordering::Relaxed) {
                        if current.load(Ordering::Relaxed) != job.id + 1 {
                            return None;
                        }
                        let end = start.saturating_add(CHUNK);
                        if let Some(nonce) = pow::search(&job.template.header, start..end) {
                            found.store(true, Ordering::Relaxed);
                            return Some((nonce, tried + (nonce - start) + 1));
                        }
                        tried += end - start;
                        start = end;
                    }
                    None
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok().flatten())
            .next()
    })
}

/// Mines until the node's tip is a block this node mined on top of the tip
/// it had when called, and returns it; mining is left as it was.
pub fn mine_one(s: &Shared, threads: usize) -> Result<Block, String> {
    let (mut job, was_off) = job(s)?;
    let current = s.lock().job_id.clone();
    loop {
        if let Some((nonce, tried)) = search(&current, &job, threads) {
            let mut d = s.lock();
            let report = MinerReport::Found {
                job: job.id,
                nonce,
                tried,
            };
            d.handle(Event::Miner { worker: 0, report });
            let tip = d.node.store().tip().clone();
            if tip.header.prev_hash == job.template.header.prev_hash {
                if was_off {
                    d.handle(Event::MiningToggled);
                }
                return Ok(tip);
            }
        }
        let next = s.lock().job.clone();
        job = match next {
            Some(next) => next,
            None => self::job(s)?.0,
        };
    }
}

/// The next block this node makes: mined on `threads` threads, or sealed
/// on a proof-of-authority network ([`seal_one`]).
pub fn make_one(s: &Shared, threads: usize) -> Result<Block, String> {
    if s.lock().node.store().params().is_proof_of_authority() {
        seal_one(s)
    } else {
        mine_one(s, threads)
    }
}

/// Waits until the node's tip is a block this node sealed on top of the
/// tip it had when called (sealing on meanwhile; left as it was), and
/// returns it. An account that is not an authority is refused at once; a
/// turn that does not come within a round of every authority's waits is
/// reported.
pub fn seal_one(s: &Shared) -> Result<Block, String> {
    let (start, was_off, round) = {
        let mut d = s.lock();
        if let Some(Sealing::NotAnAuthority { authorities }) = d.node.sealing() {
            return Err(format!(
                "this node's key is not one of the network's {authorities} authorities: it cannot seal"
            ));
        }
        let params = d.node.store().params();
        let n = params.authorities.len() as u64;
        let step = tabcoin_chain::authority::out_of_turn_step_ms(params.mine_rate_ms);
        let round = Duration::from_millis((n + 1) * (params.mine_rate_ms + n * step) + 2_000);
        let (start, was_off) = (d.node.store().height(), !d.node.is_mining());
        if was_off {
            // Sealing on may seal at once.
            d.handle(Event::MiningToggled);
        }
        (start, was_off, round)
    };
    let me = s.lock().node.keys().address();
    let deadline = Instant::now() + round;
    let sealed = loop {
        std::thread::sleep(Duration::from_millis(50));
        let d = s.lock();
        let store = d.node.store();
        let tip = store.tip();
        let by_me = tip
            .seal
            .is_some_and(|seal| store.params().authorities.get(seal.by as usize) == Some(&me));
        if by_me && tip.header.height > start {
            break Ok(tip.clone());
        }
        if Instant::now() > deadline {
            break Err(format!("no turn to seal came within {} s", round.as_secs()));
        }
    };
    if was_off {
        s.lock().handle(Event::MiningToggled);
    }
    sealed
}

/// Mines for as long as the process runs (`--mine`).
pub fn mine_forever(s: &Shared, threads: usize) {
    loop {
        match mine_one(s, threads) {
            Ok(block) => {
                tracing::info!(height = block.header.height.0, hash = %block.hash, "mined");
            }
            Err(why) => {
                tracing::info!("{why}");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}
