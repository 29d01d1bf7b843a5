//! Proof of authority (Clique-style): on a network whose spec lists
//! authorities, blocks are sealed, not mined. A block's [`Seal`] names the
//! authority (its index in the spec's list) and carries its signature over
//! the header's hash (`SHA-256("tabcoin/seal/v1" · header hash)`; the
//! header commits to its parent, so a seal is valid on one chain of one
//! network). The header's transaction root commits to the sealer's index
//! too (`block::sealed_tx_root`), so the block hash names who sealed it:
//! another authority re-sealing the same header makes a different block,
//! and nodes holding either agree on what each one is. Authorities take turns by height: the authority whose index is
//! `height mod n` is in turn and its block weighs [`IN_TURN`]; any other
//! authority may seal out of turn, at [`OUT_OF_TURN`] (the node waits a
//! while before doing so). The weight is the block's `bits`; the best chain
//! is the one of most cumulative weight. An authority may not seal twice
//! within `⌊n/2⌋ + 1` consecutive blocks, and a block comes at least the
//! block time after its parent. The rules are in `validate`.

use crate::header::Header;
pub use crate::seal::{IN_TURN, OUT_OF_TURN, Seal, recent_window, seal_digest, weight};
use crate::timestamp::Timestamp;
use crate::tx::Sig;
use crate::validate::Context;
use crate::wallet::Wallet;

/// `wallet`'s seal, as authority number `by`, on `header`.
pub fn seal(header: &Header, by: u32, wallet: &Wallet) -> Seal {
    Seal {
        by,
        signature: Sig(wallet.sign_digest(&seal_digest(&header.hash()))),
    }
}

/// How long an authority out of turn waits past the block time for each
/// place it stands after the one in turn (half a block time, at least half
/// a second): the in-turn authority seals first, and when it is away the
/// next one does before the one after, so they seldom race.
pub fn out_of_turn_step_ms(block_time_ms: u64) -> u64 {
    (block_time_ms / 2).max(500)
}

/// Where one authority stands for the next block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// It sealed one of the last `⌊n/2⌋` blocks: it may not seal this one.
    SealedRecently,
    /// It may seal from `at` on: at the block time after the parent if it
    /// is in turn, some steps later if not.
    At {
        /// The earliest time it seals.
        at: Timestamp,
        /// Whether it is in turn (its block weighs [`IN_TURN`]).
        in_turn: bool,
    },
}

/// Where authority `by` of `n` stands for the block after `ctx.parent`, on
/// a network of `block_time_ms`, for a node that saw the parent at `seen`:
/// the rules (no seal twice within `⌊n/2⌋ + 1` blocks, the block time after
/// the parent) and the wait out of turn. Out of turn, an authority waits one
/// step more for each authority ahead of it that may seal (from the one in
/// turn on; those that sealed recently are skipped, so nobody waits for one
/// that cannot seal), and counts from when it saw the parent: after a
/// pause, the authority in turn still seals first.
pub fn turn(by: u32, n: usize, ctx: &Context, block_time_ms: u64, seen: Timestamp) -> Turn {
    if ctx.recent_sealers.contains(&by) {
        return Turn::SealedRecently;
    }
    let height = ctx.parent.height.next();
    let n = n.max(1) as u64;
    let in_turn = height.0 % n;
    let earliest = ctx.parent.timestamp.plus_ms(block_time_ms);
    if u64::from(by) == in_turn {
        return Turn::At {
            at: earliest,
            in_turn: true,
        };
    }
    let ahead = (0..n)
        .map(|k| ((in_turn + k) % n) as u32)
        .take_while(|a| *a != by)
        .filter(|a| !ctx.recent_sealers.contains(a))
        .count() as u64;
    let waited = ctx.parent.timestamp.max(seen).plus_ms(block_time_ms);
    Turn::At {
        at: waited.plus_ms(ahead * out_of_turn_step_ms(block_time_ms)),
        in_turn: false,
    }
}

#[cfg(test)]
mod tests;
