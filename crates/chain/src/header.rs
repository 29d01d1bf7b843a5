//! A block's header and its canonical byte layout.
//!
//! # Header layout (92 bytes, hashed with SHA-256)
//!
//! | bytes  | field       | encoding                               |
//! |--------|-------------|----------------------------------------|
//! | 0..32  | `prev_hash` | raw hash bytes                         |
//! | 32..64 | `tx_root`   | raw hash bytes                         |
//! | 64..72 | `height`    | u64 big-endian                         |
//! | 72..80 | `timestamp` | u64 big-endian, ms since the epoch     |
//! | 80..84 | `bits`      | u32 big-endian, compact target         |
//! | 84..92 | `nonce`     | u64 big-endian                         |
//!
//! The first 64-byte SHA-256 block holds only fields that do not change while
//! a miner searches nonces, so a miner compresses it once (the midstate) and
//! then runs one compression per nonce (see [`crate::pow`]). Every
//! transaction is committed through `tx_root`, so the proof of work covers
//! the data. JSON is only the wire and debug view; it is never hashed.

use serde::{Deserialize, Serialize};

use crate::hash::{BlockHash, TxRoot, sha256};
use crate::height::Height;
use crate::target::Target;
use crate::timestamp::Timestamp;

/// Length of the canonical header encoding.
pub const HEADER_LEN: usize = 92;

/// The fields covered by a block's proof of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Distance from genesis (genesis is 0).
    pub height: Height,
    /// Milliseconds since the Unix epoch, as the miner saw it.
    pub timestamp: Timestamp,
    /// Hash of the parent block.
    pub prev_hash: BlockHash,
    /// Commitment to the block's transactions ([`crate::block::tx_root`]).
    pub tx_root: TxRoot,
    /// The target the hash meets, compact-encoded (see [`Target`]).
    pub bits: u32,
    /// The value a miner varies to find a hash meeting the target.
    pub nonce: u64,
}

impl Header {
    /// The canonical bytes (see the module docs for the layout).
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..32].copy_from_slice(self.prev_hash.as_bytes());
        out[32..64].copy_from_slice(self.tx_root.as_bytes());
        out[64..72].copy_from_slice(&self.height.0.to_be_bytes());
        out[72..80].copy_from_slice(&self.timestamp.0.to_be_bytes());
        out[80..84].copy_from_slice(&self.bits.to_be_bytes());
        out[84..92].copy_from_slice(&self.nonce.to_be_bytes());
        out
    }

    /// The inverse of [`Header::encode`].
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Header {
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i..i + 8]);
            u64::from_be_bytes(b)
        };
        let hash_at = |i: usize| {
            let mut b = [0u8; 32];
            b.copy_from_slice(&bytes[i..i + 32]);
            b
        };
        let mut bits = [0u8; 4];
        bits.copy_from_slice(&bytes[80..84]);
        Header {
            prev_hash: BlockHash(hash_at(0)),
            tx_root: TxRoot(hash_at(32)),
            height: Height(u64_at(64)),
            timestamp: Timestamp(u64_at(72)),
            bits: u32::from_be_bytes(bits),
            nonce: u64_at(84),
        }
    }

    /// SHA-256 of the canonical bytes.
    pub fn hash(&self) -> BlockHash {
        BlockHash(sha256(&self.encode()))
    }

    /// The target the header declares (None if `bits` is not a valid
    /// encoding).
    pub fn target(&self) -> Option<Target> {
        Target::from_compact(self.bits)
    }
}
