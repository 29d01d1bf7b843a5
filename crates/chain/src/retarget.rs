//! The retarget rule: the target a block must meet is a pure function of its
//! ancestors, never a value the block chooses.
//!
//! Each block adjusts its parent's target by the parent's solve time `s`
//! (parent timestamp minus grandparent timestamp, at most `6 · mine_rate`),
//! as an exponential moving average over `N` blocks with aim
//! `T = mine_rate`:
//!
//! ```text
//! next = parent_target · (N·T + s − T) / (N·T)      (at most the pow limit)
//! N    = min(retarget_window, max(8, parent height))
//! ```
//!
//! The window starts short and grows by one block per block to
//! `retarget_window`: a new network's first target is a guess, and the
//! short window corrects it within about ten blocks (for one to eight SIMD
//! workers on the demo network, see the simulation in the tests), while the
//! full window keeps a settled network's block times steady.
//!
//! Blocks that come faster than `T` make the target smaller (harder), slower
//! ones make it larger. A block's timestamp must be after its parent's
//! (`validate::time_is_valid_at`), so every `s` is positive and the time
//! the rule credits over any stretch of blocks never exceeds how far their
//! timestamps really advanced; with timestamps at most
//! `Params::max_future_ms` ahead of the validators' clocks, a miner who
//! controls every timestamp can ease the target by no more than that bound
//! buys (no timewarp: stepping back to credit the same time twice is not a
//! valid block). The first two blocks after genesis use the initial target
//! (genesis has no meaningful solve time). The result is rounded through the
//! compact encoding, so every node gets the same bits.

use crate::block::Header;
use crate::height::Height;
use crate::params::Params;
use crate::target::Target;
use crate::timestamp::Timestamp;

/// The shortest window, in blocks: a network's first, and the least any
/// spec may ask for.
pub const MIN_WINDOW: u64 = 8;

/// The target the child of `parent` must meet; `grandparent_timestamp` is
/// the timestamp of `parent`'s parent (None when `parent` is genesis).
pub fn next_target(
    parent: &Header,
    grandparent_timestamp: Option<Timestamp>,
    params: &Params,
) -> Target {
    let Some(grandparent_ts) = grandparent_timestamp.filter(|_| parent.height >= Height(2)) else {
        return params.initial_target();
    };
    let limit = params.pow_limit();
    let parent_target = parent.target().unwrap_or(limit);
    let t = params.mine_rate_ms.max(1);
    let n = params
        .retarget_window
        .min(parent.height.0.max(MIN_WINDOW))
        .max(MIN_WINDOW);
    // Never negative on a valid chain (timestamps increase); clamped anyway,
    // so the rule is defined for any headers.
    let solve =
        (i128::from(parent.timestamp.0) - i128::from(grandparent_ts.0)).clamp(0, 6 * i128::from(t));
    // n·t + s − t ≥ (n − 1)·t.
    let numerator = (i128::from(n) * i128::from(t) + solve - i128::from(t)).max(1);
    let numerator = u64::try_from(numerator).unwrap_or(u64::MAX);
    parent_target.scaled(numerator, n * t, limit).rounded()
}

#[cfg(test)]
mod tests;
