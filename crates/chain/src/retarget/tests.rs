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
            params,
            headers: vec![genesis(&params).header],
            rng: Rng(seed),
        }
    }

    fn expected_ms(target: &Target, hashes_per_ms: f64) -> f64 {
        target.work().0 as f64 / hashes_per_ms
    }

    /// Mines one block at `hashes_per_ms`; returns its solve time in ms.
    fn step(&mut self, hashes_per_ms: f64) -> f64 {
        let parent = self.headers[self.headers.len() - 1];
        let gp = self
            .headers
            .len()
            .checked_sub(2)
            .map(|i| self.headers[i].timestamp);
        let target = next_target(&parent, gp, &self.params);
        let solve = -self.rng.next_f64().ln() * Self::expected_ms(&target, hashes_per_ms);
        let mut h = parent;
        h.height = h.height.next();
        h.timestamp = parent.timestamp.plus_ms((solve.round() as u64).max(1));
        h.bits = target.to_compact();
        self.headers.push(h);
        solve
    }

    fn next_expected_ms(&self, hashes_per_ms: f64) -> f64 {
        let n = self.headers.len();
        let target = next_target(
            &self.headers[n - 1],
            Some(self.headers[n - 2].timestamp),
            &self.params,
        );
        Self::expected_ms(&target, hashes_per_ms)
    }
}

const P: Params = Params {
    initial_zero_bits: 20,
    pow_limit_zero_bits: 8,
    ..Params::DEMO
};

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

/// A miner alternating timestamps far ahead and far back (both allowed by
/// the median rule) ends with the same difficulty as one reporting the same
/// elapsed time honestly: the symmetric clamp leaves nothing to gain.
#[test]
fn alternating_timestamps_do_not_ease_the_difficulty() {
    let t = P.mine_rate_ms;
    let mut gamed = vec![genesis(&P).header];
    let mut honest = vec![genesis(&P).header];
    for i in 1..=400u64 {
        let step = |chain: &mut Vec<Header>, ts: Timestamp| {
            let parent = chain[chain.len() - 1];
            let gp = chain.len().checked_sub(2).map(|j| chain[j].timestamp);
            let mut h = parent;
            h.height = h.height.next();
            h.bits = next_target(&parent, gp, &P).to_compact();
            h.timestamp = ts;
            chain.push(h);
        };
        // Gamed: +6T, then 5T back: T/2 a block on average. Honest: T/2 each.
        let prev = gamed[gamed.len() - 1].timestamp;
        let ts = if i % 2 == 1 {
            prev.plus_ms(6 * t)
        } else {
            Timestamp(prev.0 - 6 * t + t)
        };
        step(&mut gamed, ts);
        let honest_ts = honest[honest.len() - 1].timestamp.plus_ms(t / 2);
        step(&mut honest, honest_ts);
    }
    let last = |c: &Vec<Header>| c[c.len() - 1];
    let elapsed_gamed = last(&gamed).timestamp.ms_since(gamed[0].timestamp);
    let elapsed_honest = last(&honest).timestamp.ms_since(honest[0].timestamp);
    assert_eq!(
        elapsed_gamed, elapsed_honest,
        "both report the same elapsed time"
    );
    let (g, h) = (
        last(&gamed).target().map(|x| x.work().0),
        last(&honest).target().map(|x| x.work().0),
    );
    let (g, h) = (g.unwrap_or(0) as f64, h.unwrap_or(0) as f64);
    assert!(
        g >= h * 0.9,
        "gaming eased the difficulty: work per block {g} vs honest {h}"
    );
}
