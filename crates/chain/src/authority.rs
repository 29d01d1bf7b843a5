//! Proof of authority (Clique-style): on a network whose spec lists
//! authorities, blocks are sealed, not mined. A block's [`Seal`] names the
//! authority (its index in the spec's list) and carries its signature over
//! the header's hash (`SHA-256("tabcoin/seal/v1" · header hash)`; the
//! header commits to its parent, so a seal is valid on one chain of one
//! network). Authorities take turns by height: the authority whose index is
//! `height mod n` is in turn and its block weighs [`IN_TURN`]; any other
//! authority may seal out of turn, at [`OUT_OF_TURN`] (the node waits a
//! while before doing so). The weight is the block's `bits`; the best chain
//! is the one of most cumulative weight. An authority may not seal twice
//! within `⌊n/2⌋ + 1` consecutive blocks, and a block comes at least the
//! block time after its parent. The rules are in `validate`.

use serde::{Deserialize, Serialize};

use crate::block::Header;
use crate::hash::{BlockHash, sha256};
use crate::height::Height;
use crate::tx::Sig;
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

#[cfg(test)]
mod tests;
