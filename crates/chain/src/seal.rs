//! A proof-of-authority block's seal and the rules about it that need no
//! chain: what a seal signs, the weight a block declares, and how many
//! blocks an authority must wait between two seals. Below blocks (a block
//! carries its seal) and the validation rules; sealing with a key, and
//! whose turn it is, are in [`crate::authority`].

use serde::{Deserialize, Serialize};

use crate::hash::{BlockHash, sha256};
use crate::height::Height;
use crate::tx::Sig;

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
