//! The retarget rule: the target a block must meet is a pure function of its
//! ancestors, never a value the block chooses.
//!
//! tabcoin uses an absolutely scheduled exponential rule (ASERT, the rule
//! Bitcoin Cash adopted in 2020, adapted here). The first block after
//! genesis is the *anchor*: block `h` is due `T · (h − 1)` after it, where
//! `T` is the block time. The child of a parent at height `p ≥ 1` must meet
//!
//! ```text
//! lateness = parent.timestamp − anchor.timestamp − T · (p − 1)
//! target   = initial_target · 2^(lateness / τ)     (at most the pow limit)
//! τ        = half_life_blocks · T
//! ```
//!
//! A chain running behind its schedule eases by a factor of two per
//! half-life of lateness; one running ahead tightens likewise. The first
//! two blocks after genesis use the initial target. A chain never counts
//! as more than four half-lives late (where the floor is reached): the
//! anchor moves up as far as needed ([`anchor_after`]), so after a stall
//! the cheap blocks owed are about `4 · half_life_blocks`, not one per
//! block time of the stall.
//!
//! Why this rule (see docs/CONSENSUS.md):
//! - **No timestamp can push it around for long.** The target depends on
//!   one timestamp (the parent's) against a fixed schedule, not on solve
//!   times between neighbours: a block stamped at the future bound eases
//!   the next blocks by `2^(bound / τ)` and the schedule takes that back as
//!   soon as the honest clock catches up, about `bound / T` extra blocks in
//!   all. A rule that reacts to each solve time (the moving average of
//!   rules 3) hardened 8× after such a block and stalled the network.
//! - **No timewarp.** Timestamps must increase along a chain
//!   (`validate::time_is_valid_at`), and the credit a chain gets is exactly
//!   how far its parent's timestamp really advanced.
//! - **A bounded floor.** The target never eases more than
//!   [`crate::params::MAX_EASING_BITS`] bits (16×) below the initial one,
//!   so a chain back-filled after a long stall, or on a network created
//!   long after its genesis, costs at least 1/16 of the initial work a
//!   block.
//!
//! The power of two is computed in 16.16 fixed point with the cubic
//! approximation of `2^x` on `[0, 1)` that Bitcoin Cash's ASERT uses
//! (error under 0.013 %), so every node, native or wasm, gets the same
//! bits; the result is rounded through the compact encoding.

use crate::header::Header;
use crate::height::Height;
use crate::params::{MAX_EASING_BITS, Params};
use crate::target::Target;
use crate::timestamp::Timestamp;
use crate::u256::U256;

/// Fixed-point `2^frac` for `frac` in `[0, 65536)` (16 fractional bits),
/// in 16.16: Bitcoin Cash's cubic approximation.
fn exp2_fraction(frac: u64) -> u64 {
    let f = u128::from(frac);
    let poly = 195_766_423_245_049 * f + 971_821_376 * f * f + 5_127 * f * f * f + (1u128 << 47);
    65_536 + (poly >> 48) as u64
}

/// The half-life τ, in ms.
fn half_life_ms(params: &Params) -> i128 {
    i128::from(params.mine_rate_ms.max(1)) * i128::from(params.half_life_blocks.max(1))
}

/// How far `header` is behind the schedule anchored at `anchor`, in ms
/// (negative: ahead of it).
fn lateness_ms(header: &Header, anchor: Timestamp, params: &Params) -> i128 {
    let t = i128::from(params.mine_rate_ms.max(1));
    let due = i128::from(anchor.0) + t * i128::from(header.height.0.saturating_sub(1));
    i128::from(header.timestamp.0) - due
}

/// The exponent `lateness / τ` in 16.16 fixed point (floored).
fn exponent(parent: &Header, anchor: Timestamp, params: &Params) -> i128 {
    (lateness_ms(parent, anchor, params) * 65_536).div_euclid(half_life_ms(params))
}

/// The anchor the children of `block` are judged against, given its
/// parent's (`parent_anchor`): none for genesis; block 1's own timestamp;
/// after that the parent's, moved later just as far as keeps `block` at
/// most [`MAX_EASING_BITS`] half-lives behind its schedule. Past that the
/// target is at its floor anyway, so a chain that stalled (or whose first
/// block was stamped long after its genesis, or long before the blocks
/// after it) owes at most `MAX_EASING_BITS · half_life_blocks` cheap
/// blocks, not one for every block time it stood still.
pub fn anchor_after(
    block: &Header,
    parent_anchor: Option<Timestamp>,
    params: &Params,
) -> Option<Timestamp> {
    match (block.height.0, parent_anchor) {
        (0, _) => None,
        (1, _) | (_, None) => Some(block.timestamp),
        (_, Some(anchor)) => {
            let most_late = half_life_ms(params) * i128::from(MAX_EASING_BITS);
            let excess = (lateness_ms(block, anchor, params) - most_late).max(0);
            // At most the block's own timestamp: it fits.
            let moved = u64::try_from(i128::from(anchor.0) + excess).unwrap_or(u64::MAX);
            Some(Timestamp(moved))
        }
    }
}

/// The target the child of `parent` must meet; `anchor` is
/// [`anchor_after`] `parent` (None when `parent` is genesis).
pub fn next_target(parent: &Header, anchor: Option<Timestamp>, params: &Params) -> Target {
    let initial = params.initial_target();
    let Some(anchor) = anchor.filter(|_| parent.height >= Height(1)) else {
        return initial;
    };
    let limit = params.pow_limit();
    let e = exponent(parent, anchor, params);
    let (shifts, frac) = (e >> 16, (e & 0xffff) as u64);
    // initial · 2^frac (the low 16 bits of the target dropped first, so the
    // product fits: a target is below 2^256, the factor below 2^17).
    let Some(scaled) = initial.0.shr(16).checked_mul_u64(exp2_fraction(frac)) else {
        return limit;
    };
    let value = if shifts >= 0 {
        let shifts = u32::try_from(shifts).unwrap_or(u32::MAX);
        if scaled.bits().saturating_add(shifts) > 256 {
            return limit;
        }
        scaled.shl(shifts)
    } else {
        scaled.shr(u32::try_from(-shifts).unwrap_or(u32::MAX))
    };
    if value > limit.0 {
        limit
    } else if value.is_zero() {
        Target(U256::ONE)
    } else {
        Target(value).rounded()
    }
}

#[cfg(test)]
mod tests;
