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

use serde::{Deserialize, Serialize};

use crate::block::{Block, Header};
use crate::hash::{BlockHash, sha256};
use crate::height::Height;
use crate::template::Template;
use crate::timestamp::Timestamp;
use crate::tx::Sig;
use crate::validate::Context;
use crate::wallet::Wallet;

/// What an authority signs a header's hash under.
const SEAL_DOMAIN: &[u8] = b"tabcoin/seal/v1";

/// The weight of a block sealed in turn.
pub const IN_TURN: u32 = 2;
/// The weight of a block sealed out of turn.
pub const OUT_OF_TURN: u32 = 1;

/// An authority's seal on a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// The authority's index in the spec's list.
    pub by: u32,
    /// Its signature over [`seal_digest`] of the header's hash.
    pub signature: Sig,
}

/// The digest a seal signs: the header's hash under the seal's domain.
pub fn seal_digest(header_hash: &BlockHash) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(SEAL_DOMAIN.len() + 32);
    bytes.extend_from_slice(SEAL_DOMAIN);
    bytes.extend_from_slice(header_hash.as_bytes());
    sha256(&bytes)
}

/// `wallet`'s seal, as authority number `by`, on `header`.
pub fn seal(header: &Header, by: u32, wallet: &Wallet) -> Seal {
    Seal {
        by,
        signature: Sig(wallet.sign_digest(&seal_digest(&header.hash()))),
    }
}

/// The weight a block at `height` sealed by authority `by` of `n` must
/// declare: in turn or not.
pub fn weight(height: Height, by: u32, n: usize) -> u32 {
    if n > 0 && height.0 % n as u64 == u64::from(by) {
        IN_TURN
    } else {
        OUT_OF_TURN
    }
}

/// How many blocks before a block may not have been sealed by its sealer:
/// `⌊n/2⌋`.
pub fn recent_window(n: usize) -> usize {
    n / 2
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

impl Template {
    /// The block, sealed by `wallet` as authority `by` of `n`: the header
    /// declares the weight, the nonce stays 0.
    pub fn into_sealed_block(self, by: u32, n: usize, wallet: &Wallet) -> Block {
        let mut header = self.header;
        header.nonce = 0;
        header.bits = weight(header.height, by, n);
        header.tx_root = crate::block::sealed_tx_root(&self.txs, by);
        let mut block = Block::new(header, self.txs);
        block.seal = Some(seal(&header, by, wallet));
        block
    }
}

#[cfg(test)]
mod tests;
