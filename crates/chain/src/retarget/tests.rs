//! The retarget rule, proven by deterministic simulations (miners of given
//! hash rates find blocks after exponentially distributed times drawn from a
//! seeded generator), golden vectors and the rule's own properties.

use super::*;
use crate::block::genesis;
use crate::params::{GENESIS_TIMESTAMP, MAX_EASING_BITS};
use crate::testutil::SplitMix as Rng;

/// A chain of headers mined in simulated time.
struct Sim {
    params: Params,
    headers: Vec<Header>,
    /// The anchor after each header (`anchor_after`), as the store keeps it.
    anchors: Vec<Option<Timestamp>>,
    rng: Rng,
}

impl Sim {
    fn new(params: Params, seed: u64) -> Sim {
        Sim {
            headers: vec![genesis(&params).header],
            anchors: vec![None],
            params,
            rng: Rng(seed),
        }
    }

    fn expected_ms(target: &Target, hashes_per_ms: f64) -> f64 {
        target.work().0 as f64 / hashes_per_ms
    }

    fn tip(&self) -> Header {
        self.headers[self.headers.len() - 1]
    }

    /// The target of the next block.
    fn next(&self) -> Target {
        let anchor = self.anchors[self.anchors.len() - 1];
        next_target(&self.tip(), anchor, &self.params)
    }

    fn next_expected_ms(&self, hashes_per_ms: f64) -> f64 {
        Self::expected_ms(&self.next(), hashes_per_ms)
    }

    /// A solve time for the next block at `hashes_per_ms`, in ms.
    fn draw(&mut self, hashes_per_ms: f64) -> f64 {
        -self.rng.next_f64().ln() * self.next_expected_ms(hashes_per_ms)
    }

    /// Appends the next block, stamped `timestamp` (at least 1 ms after
    /// its parent, as the rules require).
    fn push(&mut self, timestamp: Timestamp) {
        let parent = self.tip();
        let mut h = parent;
        h.height = h.height.next();
        h.timestamp = timestamp.max(parent.timestamp.plus_ms(1));
        h.bits = self.next().to_compact();
        let anchor = anchor_after(&h, self.anchors[self.anchors.len() - 1], &self.params);
        self.headers.push(h);
        self.anchors.push(anchor);
    }

    /// Mines one block at `hashes_per_ms`, stamped when found; returns
    /// its solve time in ms.
    fn step(&mut self, hashes_per_ms: f64) -> f64 {
        let solve = self.draw(hashes_per_ms);
        let at = self.tip().timestamp.plus_ms((solve.round() as u64).max(1));
        self.push(at);
        solve
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

/// Nonces a second of one SIMD worker (the miner benchmark, docs/MEASUREMENTS.md).
const SIMD_WORKER_PER_S: f64 = 15e6;

/// A good first minutes on the demo network: whether one or eight SIMD
/// workers mine it, the first target is off by less than 4×, and from the
/// 21st block on the expected block time is within 2× of the aim (the ten
/// blocks' geometric mean for every seed, and 90% of the single blocks up
/// to the 40th).
#[test]
fn the_demo_network_settles_within_twenty_blocks_for_one_to_eight_workers() {
    let p = Params::DEMO;
    let aim = p.mine_rate_ms as f64;
    for workers in [1.0, 2.0, 4.0, 8.0] {
        let rate = workers * SIMD_WORKER_PER_S / 1e3;
        let (mut inside, mut blocks) = (0, 0);
        for seed in 1..=50 {
            let mut sim = Sim::new(p.clone(), seed);
            let mut expected = Vec::new();
            for _ in 0..40 {
                expected.push(sim.next_expected_ms(rate) / aim);
                sim.step(rate);
            }
            let first = expected[0];
            assert!(
                (0.25..4.0).contains(&first),
                "{workers} workers: the first block takes {first:.2}× the aim"
            );
            let mean = (expected[20..30].iter().map(|e| e.ln()).sum::<f64>() / 10.0).exp();
            assert!(
                (0.5..=2.0).contains(&mean),
                "{workers} workers, seed {seed}: blocks 21-30 take {mean:.2}× the aim"
            );
            inside += expected[20..]
                .iter()
                .filter(|e| (0.5..=2.0).contains(*e))
                .count();
            blocks += expected.len() - 20;
        }
        assert!(
            inside * 100 >= blocks * 90,
            "{workers} workers: {inside} of {blocks} blocks within 2× of the aim"
        );
    }
}

/// A header at `height` stamped `late_ms` behind (or, negative, ahead of)
/// the schedule anchored at `anchor`.
fn on_schedule(height: u64, anchor: Timestamp, late_ms: i64, p: &Params) -> Header {
    let mut h = genesis(p).header;
    h.height = Height(height);
    let due = anchor.0 + p.mine_rate_ms * (height - 1);
    h.timestamp = Timestamp(due.saturating_add_signed(late_ms));
    h
}

#[test]
fn the_target_follows_the_schedule_doubling_per_half_life() {
    let p = P;
    let anchor = GENESIS_TIMESTAMP.plus_ms(1_000);
    let tau = (p.mine_rate_ms * p.half_life_blocks) as i64;
    let work = |late: i64| {
        let h = on_schedule(50, anchor, late, &p);
        next_target(&h, Some(anchor), &p).work().0 as f64
    };
    let initial = p.initial_target().work().0 as f64;
    let close = |a: f64, b: f64| (a / b - 1.0).abs() < 2e-4;
    // On schedule: the initial target (up to rounding).
    assert!(close(work(0), initial), "{}", work(0) / initial);
    // One half-life behind: half the work; one ahead: twice; two ahead: four times.
    assert!(close(work(tau), initial / 2.0), "{}", work(tau) / initial);
    assert!(close(work(-tau), initial * 2.0), "{}", work(-tau) / initial);
    assert!(close(work(-2 * tau), initial * 4.0));
    // In between, smoothly: a quarter half-life behind is 2^-0.25.
    assert!(close(work(tau / 4), initial * 2f64.powf(-0.25)));
    // Monotonic: later is never harder.
    let mut last = f64::MAX;
    for late in (-3 * tau..3 * tau).step_by((tau / 37) as usize) {
        let w = work(late);
        assert!(w <= last, "at {late} ms: {w} after {last}");
        last = w;
    }
    // Only the parent's timestamp and height matter: a pure function.
    let h = on_schedule(50, anchor, 1_234, &p);
    assert_eq!(
        next_target(&h, Some(anchor), &p),
        next_target(&h, Some(anchor), &p)
    );
}

#[test]
fn the_fixed_point_power_of_two_is_within_two_ten_thousandths() {
    for frac in (0..65_536u64).step_by(97) {
        let exact = 2f64.powf(frac as f64 / 65_536.0) * 65_536.0;
        let got = exp2_fraction(frac) as f64;
        assert!((got / exact - 1.0).abs() < 2e-4, "{frac}: {got} vs {exact}");
    }
    assert_eq!(exp2_fraction(0), 65_536);
}

#[test]
fn the_first_blocks_use_the_initial_target() {
    let g = genesis(&P).header;
    assert_eq!(next_target(&g, None, &P), P.initial_target());
    // Block 1 is the anchor: its child is due on time, whenever it came.
    let mut one = g;
    one.height = Height(1);
    one.timestamp = one.timestamp.plus_ms(1_000_000);
    assert_eq!(
        next_target(&one, Some(one.timestamp), &P),
        P.initial_target()
    );
}

/// The floor: however late a chain is, its target is at most 16× the
/// initial one (`MAX_EASING_BITS`), so back-filled blocks cost real work.
#[test]
fn no_lateness_eases_the_target_below_a_sixteenth_of_the_initial_work() {
    for p in [Params::DEMO, Params::TEST] {
        assert_eq!(p.pow_limit_zero_bits, p.initial_zero_bits - MAX_EASING_BITS);
        let anchor = p.genesis_time.plus_ms(1);
        for late in [0i64, 1 << 20, 1 << 30, 1 << 40, i64::MAX / 4] {
            let h = on_schedule(1_000, anchor, late, &p);
            let t = next_target(&h, Some(anchor), &p);
            assert!(t <= p.pow_limit(), "{}: {late}", p.name);
            let ratio = p.initial_target().work().0 / t.work().0;
            assert!(ratio <= 16, "{}: eased {ratio}×", p.name);
        }
        // Far enough behind, exactly the limit.
        let h = on_schedule(1_000, anchor, 1 << 40, &p);
        assert_eq!(
            next_target(&h, Some(anchor), &p),
            p.pow_limit(),
            "{}",
            p.name
        );
        // Far ahead, the hardest target is still a target.
        let h = on_schedule(u64::MAX / p.mine_rate_ms / 2, anchor, 0, &p);
        assert!(!next_target(&h, Some(anchor), &p).0.is_zero());
    }
}

/// Golden vectors: (height, ms behind schedule) → compact bits on the
/// demo network, anchored one block time after genesis. Cross-checked by
/// an independent computation (`docs/vectors.py`: Python integers over the
/// formula in the module docs).
#[test]
fn golden_vectors() {
    let p = Params::DEMO;
    let anchor = p.genesis_time.plus_ms(5_000);
    let cases: [(u64, i64, u32); 8] = [
        (1, 0, 0x1d0fffff),
        (2, 0, 0x1d0fffff),
        (100, 0, 0x1d0fffff),
        (100, 80_000, 0x1d1ffffe),
        (100, -80_000, 0x1d07ffff),
        (100, 12_345, 0x1d11cede),
        (5_000, -1_000_000, 0x1bb500f4),
        (5_000, 400_000, 0x1dffffff),
    ];
    for (height, late, bits) in cases {
        let h = on_schedule(height, anchor, late, &p);
        let got = next_target(&h, Some(anchor), &p).to_compact();
        assert_eq!(got, bits, "height {height}, {late} ms late: {got:08x}");
    }
}

/// What happens over ten minutes of a network (rate `1.0` = the initial
/// target's rate) when one miner stamps some blocks at the future bound:
/// blocks made in those ten minutes, and how many the stamping miner made.
fn ten_minutes(
    seed: u64,
    p: &Params,
    attacker_share: f64,
    stamps: &dyn Fn(u64) -> bool,
) -> (u64, u64) {
    let rate = p.initial_target().work().0 as f64 / p.mine_rate_ms as f64;
    let mut sim = Sim::new(p.clone(), seed);
    // An hour of honest mining first, in simulated real time.
    let mut now = p.genesis_time;
    let settle = now.plus_ms(3_600_000);
    let end = settle.plus_ms(600_000);
    let (mut blocks, mut theirs) = (0, 0);
    while now < end {
        let solve = sim.draw(rate);
        now = now.plus_ms((solve.round() as u64).max(1));
        let counted = now > settle && now <= end;
        let attacker = sim.rng.next_f64() < attacker_share;
        let stamp = if attacker && counted && stamps(blocks) {
            now.plus_ms(p.max_future_ms)
        } else {
            now
        };
        sim.push(stamp);
        if counted {
            blocks += 1;
            theirs += u64::from(attacker);
        }
    }
    (blocks, theirs)
}

/// One block at the future bound changes honest block production by at
/// most 20% over the next ten minutes, on the demo and test networks.
#[test]
fn one_block_at_the_future_bound_changes_ten_minutes_of_blocks_by_at_most_a_fifth() {
    for p in [Params::DEMO, Params::TEST] {
        let (mut calm, mut attacked) = (0, 0);
        for seed in 1..=40 {
            calm += ten_minutes(seed, &p, 0.0, &|_| false).0;
            // The first block of the ten minutes is stamped at the bound.
            attacked += ten_minutes(seed, &p, 1.0, &|n| n == 0).0;
        }
        let ratio = attacked as f64 / calm as f64;
        let aim = 40.0 * 600_000.0 / p.mine_rate_ms as f64;
        assert!(
            (0.8..=1.2).contains(&ratio),
            "{}: {attacked} blocks against {calm} ({ratio:.2})",
            p.name
        );
        assert!(
            (calm as f64 / aim - 1.0).abs() < 0.1,
            "{}: {calm} blocks in 40 × ten minutes, aim {aim}",
            p.name
        );
    }
}

/// A miner with a third of the hash rate who stamps every block at the
/// future bound still makes about a third of the blocks, and the network
/// makes its blocks at the aim within 20%.
#[test]
fn a_miner_stamping_every_block_at_the_bound_gains_neither_share_nor_pace() {
    let p = Params::DEMO;
    let (mut calm, mut attacked, mut theirs) = (0, 0, 0);
    for seed in 1..=40 {
        calm += ten_minutes(seed, &p, 0.0, &|_| false).0;
        let (b, t) = ten_minutes(seed, &p, 1.0 / 3.0, &|_| true);
        attacked += b;
        theirs += t;
    }
    let ratio = attacked as f64 / calm as f64;
    assert!((0.8..=1.2).contains(&ratio), "{attacked} against {calm}");
    let share = theirs as f64 / attacked as f64;
    assert!((0.28..=0.39).contains(&share), "share {share:.3}");
}

/// No timewarp: at a validators' clock that stands still, a miner who
/// controls every timestamp eases the target by no more than the future
/// bound buys (`2^(bound / τ)`), whatever steps it takes, and each block
/// it adds then tightens the target again.
#[test]
fn a_miner_at_a_frozen_clock_cannot_ease_the_target_beyond_the_future_bound() {
    let p = P;
    let rate = rate_for(1.0);
    let tau = (p.mine_rate_ms * p.half_life_blocks) as f64;
    let most_eased = 2f64.powf(p.max_future_ms as f64 / tau);
    for seed in 1..=3 {
        let mut sim = Sim::new(p.clone(), seed);
        for _ in 0..300 {
            sim.step(rate);
        }
        let start = sim.next_expected_ms(rate);
        let clock = sim.tip().timestamp;
        let latest = clock.plus_ms(p.max_future_ms);
        let mut fastest = f64::MAX;
        for i in 0..300u64 {
            let wanted =
                sim.tip()
                    .timestamp
                    .plus_ms(if i % 7 < 3 { 6 * p.mine_rate_ms } else { 1 });
            sim.push(wanted.min(latest));
            fastest = fastest.min(sim.next_expected_ms(rate));
        }
        assert!(
            fastest >= start / most_eased * 0.99,
            "seed {seed}: eased to {fastest:.0} ms a block from {start:.0} ms"
        );
        // 300 blocks at a standing clock: far ahead of schedule, so hard.
        assert!(sim.next_expected_ms(rate) > 100.0 * start);
    }
}

/// Cheap blocks a miner gets after `stall_ms` of nobody mining (or, for
/// the first block, stamping block 1 `stall_ms` before block 2): blocks
/// easier than the initial target before the chain is back on schedule.
fn cheap_blocks_after_a_stall(p: &Params, stall_ms: u64, first: bool) -> usize {
    let rate = p.initial_target().work().0 as f64 / p.mine_rate_ms as f64;
    let mut sim = Sim::new(p.clone(), 7);
    let start = if first { 1 } else { 50 };
    for _ in 0..start {
        sim.step(rate);
    }
    let resume = sim.tip().timestamp.plus_ms(stall_ms);
    sim.push(resume);
    // The miner stamps each block with its real time while it back-fills.
    let mut cheap = 0;
    for _ in 0..100_000 {
        if sim.next() <= p.initial_target() {
            break;
        }
        cheap += 1;
        sim.step(rate);
    }
    cheap
}

/// Back-filling costs work: after eight hours of nobody mining, or on a
/// chain whose first block claims to be sixteen days old (the built-in
/// networks' genesis time), a miner gets no more cheap blocks than four
/// half-lives of lateness buy (at most `2 · 4 · half_life_blocks`: the
/// lateness shrinks as blocks come faster than the aim), each at least
/// 1/16 of the initial work; not the thousands a pure schedule would owe.
#[test]
fn a_long_stall_owes_a_few_dozen_cheap_blocks_not_thousands() {
    let p = Params::DEMO;
    let owed = (4 * p.half_life_blocks) as usize;
    for (stall, first) in [(8 * 3_600_000, false), (16 * 86_400_000, true)] {
        let cheap = cheap_blocks_after_a_stall(&p, stall, first);
        println!("{stall} ms stall: {cheap} cheap blocks");
        assert!(
            cheap <= 2 * owed,
            "{stall} ms stall: {cheap} cheap blocks (about {owed} owed)"
        );
        assert!(
            cheap >= owed / 4,
            "{stall} ms: only {cheap}: the floor is not reached"
        );
    }
    // The anchor moves up only past the floor: a block 3 half-lives late
    // keeps its anchor.
    let anchor = p.genesis_time.plus_ms(5_000);
    let tau = p.mine_rate_ms * p.half_life_blocks;
    let h = on_schedule(10, anchor, 3 * tau as i64, &p);
    assert_eq!(anchor_after(&h, Some(anchor), &p), Some(anchor));
    let h = on_schedule(10, anchor, 5 * tau as i64, &p);
    assert_eq!(
        anchor_after(&h, Some(anchor), &p),
        Some(anchor.plus_ms(tau))
    );
    // Block 1 anchors itself; genesis has none.
    let g = genesis(&p).header;
    assert_eq!(anchor_after(&g, None, &p), None);
    let mut one = g;
    one.height = Height(1);
    one.timestamp = g.timestamp.plus_ms(99);
    assert_eq!(anchor_after(&one, None, &p), Some(one.timestamp));
}
