//! The retarget rule, proven by a deterministic simulation: miners of a given
//! hash rate find blocks after exponentially distributed times drawn from a
//! seeded generator.

use super::*;
use crate::block::genesis;
use crate::testutil::SplitMix as Rng;

struct Sim {
    params: Params,
    headers: Vec<Header>,
    rng: Rng,
}

impl Sim {
    fn new(params: Params, seed: u64) -> Sim {
        Sim {
            headers: vec![genesis(&params).header],
            params,
            rng: Rng(seed),
        }
    }

    fn expected_ms(target: &Target, hashes_per_ms: f64) -> f64 {
        target.work().0 as f64 / hashes_per_ms
    }

    /// Mines one block at `hashes_per_ms`; returns its solve time in ms.
    fn step(&mut self, hashes_per_ms: f64) -> f64 {
        let parent = self.headers[self.headers.len() - 1];
        let target = self.next();
        let solve = -self.rng.next_f64().ln() * Self::expected_ms(&target, hashes_per_ms);
        let mut h = parent;
        h.height = h.height.next();
        h.timestamp = parent.timestamp.plus_ms((solve.round() as u64).max(1));
        h.bits = target.to_compact();
        self.headers.push(h);
        solve
    }

    /// The target of the next block.
    fn next(&self) -> Target {
        let n = self.headers.len();
        let gp = n.checked_sub(2).map(|i| self.headers[i].timestamp);
        next_target(&self.headers[n - 1], gp, &self.params)
    }

    fn next_expected_ms(&self, hashes_per_ms: f64) -> f64 {
        Self::expected_ms(&self.next(), hashes_per_ms)
    }
}

const P: Params = Params::DEMO.with_work(20, 8);

/// Hash rate at which the initial target takes `factor` × the block time.
fn rate_for(factor: f64) -> f64 {
    P.initial_target().work().0 as f64 / (P.mine_rate_ms as f64 * factor)
}

#[test]
fn mean_block_time_is_within_ten_percent_of_the_mine_rate() {
    for seed in 1..=5 {
        // Miners start twice as fast as the initial target expects.
        let mut sim = Sim::new(P, seed);
        let rate = rate_for(0.5);
        let total: f64 = (0..500).map(|_| sim.step(rate)).sum();
        let mean = total / 500.0;
        let aim = P.mine_rate_ms as f64;
        assert!(
            (mean - aim).abs() <= 0.10 * aim,
            "seed {seed}: mean {mean:.0} ms, aim {aim} ms"
        );
    }
}

/// After the hash rate quadruples, the expected block time is back within
/// ±25% of the mine rate within 80 blocks, and the next 300 blocks average
/// within ±10%.
#[test]
fn reconverges_after_a_fourfold_jump_in_hash_rate() {
    for seed in 1..=5 {
        let mut sim = Sim::new(P, seed);
        let rate = rate_for(1.0);
        for _ in 0..300 {
            sim.step(rate);
        }
        let fast = rate * 4.0;
        let aim = P.mine_rate_ms as f64;
        let blocks = (1..=200)
            .find(|_| {
                sim.step(fast);
                (sim.next_expected_ms(fast) - aim).abs() <= 0.25 * aim
            })
            .unwrap_or(usize::MAX);
        assert!(blocks <= 80, "seed {seed}: took {blocks} blocks");
        let mean = (0..300).map(|_| sim.step(fast)).sum::<f64>() / 300.0;
        assert!(
            (mean - aim).abs() <= 0.10 * aim,
            "seed {seed}: mean after jump {mean:.0} ms"
        );
    }
}

/// Nonces a second of one SIMD worker (the README's miner benchmark).
const SIMD_WORKER_PER_S: f64 = 15e6;

/// A good first minute on the demo network: whether one or eight SIMD
/// workers mine it, the first target is off by less than 4×, and from the
/// eleventh block on the expected block time is within 2× of the aim (the
/// ten blocks' geometric mean for every seed, and 95% of the single blocks
/// up to the 30th).
#[test]
fn the_demo_network_settles_within_ten_blocks_for_one_to_eight_workers() {
    let p = Params::DEMO;
    let aim = p.mine_rate_ms as f64;
    for workers in [1.0, 2.0, 4.0, 8.0] {
        let rate = workers * SIMD_WORKER_PER_S / 1e3;
        let (mut inside, mut blocks) = (0, 0);
        for seed in 1..=50 {
            let mut sim = Sim::new(p.clone(), seed);
            let mut expected = Vec::new();
            for _ in 0..30 {
                expected.push(sim.next_expected_ms(rate) / aim);
                sim.step(rate);
            }
            let first = expected[0];
            assert!(
                (0.25..4.0).contains(&first),
                "{workers} workers: the first block takes {first:.2}× the aim"
            );
            let mean = (expected[10..20].iter().map(|e| e.ln()).sum::<f64>() / 10.0).exp();
            assert!(
                (0.5..=2.0).contains(&mean),
                "{workers} workers, seed {seed}: blocks 11-20 take {mean:.2}× the aim"
            );
            inside += expected[10..]
                .iter()
                .filter(|e| (0.5..=2.0).contains(*e))
                .count();
            blocks += expected.len() - 10;
        }
        assert!(
            inside * 100 >= blocks * 95,
            "{workers} workers: {inside} of {blocks} blocks within 2× of the aim"
        );
    }
}

/// The window starts at its shortest and grows by one block per block.
#[test]
fn the_window_grows_from_eight_blocks_to_the_full_window() {
    let p = P;
    let g = genesis(&p).header;
    // A parent found in no time: the target shrinks by (N − 1)/N.
    let shrink = |height: u64| {
        let mut parent = g;
        parent.height = Height(height);
        parent.bits = p.initial_target().to_compact();
        let gp = parent.timestamp;
        let next = next_target(&parent, Some(gp), &p);
        p.initial_target().work().0 as f64 / next.work().0 as f64
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-3;
    assert!(close(shrink(2), 7.0 / 8.0), "{}", shrink(2));
    assert!(close(shrink(8), 7.0 / 8.0), "{}", shrink(8));
    assert!(close(shrink(12), 11.0 / 12.0), "{}", shrink(12));
    assert!(close(shrink(20), 19.0 / 20.0), "{}", shrink(20));
    assert!(close(shrink(500), 19.0 / 20.0), "{}", shrink(500));
}

#[test]
fn the_target_is_a_pure_function_of_the_ancestors() {
    let g = genesis(&P).header;
    let mut parent = g;
    parent.height = Height(5);
    parent.timestamp = g.timestamp.plus_ms(10_000);
    let a = next_target(&parent, Some(g.timestamp.plus_ms(5_000)), &P);
    let b = next_target(&parent, Some(g.timestamp.plus_ms(5_000)), &P);
    assert_eq!(a, b);
    // On time: unchanged (up to rounding). Fast: harder. Slow: easier.
    assert_eq!(a, parent.target().unwrap_or(P.pow_limit()).rounded());
    assert!(next_target(&parent, Some(g.timestamp.plus_ms(9_000)), &P) < a);
    assert!(next_target(&parent, Some(g.timestamp.plus_ms(1_000)), &P) > a);
    // Never easier than the limit.
    let mut easy = parent;
    easy.bits = P.pow_limit().to_compact();
    assert_eq!(next_target(&easy, Some(Timestamp(0)), &P), P.pow_limit());
}

#[test]
fn the_first_blocks_use_the_initial_target() {
    let g = genesis(&P).header;
    assert_eq!(next_target(&g, None, &P), P.initial_target());
    let mut one = g;
    one.height = Height(1);
    one.timestamp = one.timestamp.plus_ms(1_000_000);
    assert_eq!(next_target(&one, Some(g.timestamp), &P), P.initial_target());
}

/// A miner who controls every timestamp, at a validators' clock that
/// stands still: timestamps must increase and may lead the clock by at most
/// `max_future_ms`. Returns the expected solve times (at `rate`) of 300
/// blocks mined with `step(i)` ms between timestamps, clipped to what the
/// rules allow, after an honest chain in equilibrium.
fn frozen_clock_attack(seed: u64, step: &dyn Fn(u64) -> u64) -> (f64, Vec<f64>) {
    let mut sim = Sim::new(P, seed);
    let rate = rate_for(1.0);
    for _ in 0..300 {
        sim.step(rate);
    }
    let start = sim.next_expected_ms(rate);
    let clock = sim.headers[sim.headers.len() - 1].timestamp;
    let latest = clock.plus_ms(P.max_future_ms);
    let mut expected = Vec::new();
    for i in 0..300 {
        let parent = sim.headers[sim.headers.len() - 1];
        let gp = sim.headers[sim.headers.len() - 2].timestamp;
        let mut h = parent;
        h.height = h.height.next();
        h.bits = next_target(&parent, Some(gp), &P).to_compact();
        let wanted = parent.timestamp.plus_ms(step(i).max(1));
        // The rules: after the parent, at most `latest`.
        h.timestamp = wanted.min(latest).max(parent.timestamp.plus_ms(1));
        sim.headers.push(h);
        expected.push(sim.next_expected_ms(rate));
    }
    (start, expected)
}

/// No timewarp: at a frozen clock, a miner eases the target by no more than
/// the future-time bound buys (at most 6 T a block credited, 2 min in all),
/// then every block is harder than the last; blocks come faster than the
/// aim for a few dozen blocks, not for ever.
#[test]
fn a_miner_at_a_frozen_clock_cannot_ease_the_target_for_long() {
    let t = P.mine_rate_ms;
    // The most time the bound lets a miner credit: whole 6 T steps, then one
    // more partial one.
    let steps = (P.max_future_ms / (6 * t) + 1) as i32;
    let most_eased = 1.25f64.powi(steps);
    // Milliseconds between timestamps, by block.
    let greedy = move |_| 6 * t;
    let slow = move |_| t;
    let bursts = move |i| if i % 11 < 5 { 6 * t } else { 1 };
    let strategies: [(&str, &dyn Fn(u64) -> u64); 3] =
        [("greedy", &greedy), ("slow", &slow), ("bursts", &bursts)];
    for (name, step) in strategies {
        for seed in 1..=3 {
            let (start, expected) = frozen_clock_attack(seed, step);
            let fastest = expected.iter().copied().fold(f64::MAX, f64::min);
            assert!(
                fastest >= start / most_eased * 0.99,
                "{name}, seed {seed}: eased to {fastest:.0} ms a block from {start:.0} ms"
            );
            let fast = expected.iter().filter(|e| **e < t as f64).count();
            assert!(
                fast <= 40,
                "{name}, seed {seed}: {fast} blocks faster than the aim"
            );
            let last = expected[expected.len() - 1];
            assert!(
                last > 100.0 * start,
                "{name}, seed {seed}: ends at {last:.0} ms"
            );
        }
    }
}
