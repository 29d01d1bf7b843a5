//! Blocks, their header's canonical byte layout, and the genesis block.
//!
//! # Header layout (92 bytes, hashed with SHA-256)
//!
//! | bytes  | field        | encoding             |
//! |--------|--------------|----------------------|
//! | 0..32  | `prev_hash`  | raw hash bytes       |
//! | 32..64 | `data_root`  | raw hash bytes       |
//! | 64..72 | `height`     | u64 big-endian       |
//! | 72..80 | `timestamp`  | u64 big-endian, ms   |
//! | 80..84 | `difficulty` | u32 big-endian, bits |
//! | 84..92 | `nonce`      | u64 big-endian       |
//!
//! The first 64-byte SHA-256 block holds only fields that do not change while
//! a miner searches nonces, so a miner compresses it once (the midstate) and
//! then runs one compression per nonce (see [`crate::pow`]). Every byte of the
//! block's data is committed through `data_root`, so the proof of work covers
//! the data. JSON is only the wire and debug view; it is never hashed.

use serde::{Deserialize, Serialize};

use crate::hash::{BlockHash, DataRoot, sha256};
use crate::params::Params;

/// Length of the canonical header encoding.
pub const HEADER_LEN: usize = 92;

/// The fields covered by a block's proof of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Distance from genesis (genesis is 0).
    pub height: u64,
    /// Milliseconds since the Unix epoch, as the miner saw it.
    pub timestamp: u64,
    /// Hash of the parent block.
    pub prev_hash: BlockHash,
    /// Commitment to the block's data ([`data_root`]).
    pub data_root: DataRoot,
    /// Leading zero bits the hash has to have.
    pub difficulty: u32,
    /// The value a miner varies to find a hash meeting the difficulty.
    pub nonce: u64,
}

impl Header {
    /// The canonical bytes (see the module docs for the layout).
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..32].copy_from_slice(self.prev_hash.as_bytes());
        out[32..64].copy_from_slice(self.data_root.as_bytes());
        out[64..72].copy_from_slice(&self.height.to_be_bytes());
        out[72..80].copy_from_slice(&self.timestamp.to_be_bytes());
        out[80..84].copy_from_slice(&self.difficulty.to_be_bytes());
        out[84..92].copy_from_slice(&self.nonce.to_be_bytes());
        out
    }

    /// SHA-256 of the canonical bytes.
    pub fn hash(&self) -> BlockHash {
        BlockHash(sha256(&self.encode()))
    }
}

/// A block: header, the hash it claims, and its data.
///
/// `hash` is carried for display and lookup; validation recomputes it from the
/// header and rejects a block whose claim is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The proof-of-work fields.
    #[serde(flatten)]
    pub header: Header,
    /// The hash of `header`, as claimed by the sender.
    pub hash: BlockHash,
    /// The block's entries, committed by `header.data_root`.
    pub data: Vec<String>,
}

impl Block {
    /// A block whose `hash` is computed from `header`.
    pub fn new(header: Header, data: Vec<String>) -> Block {
        Block {
            hash: header.hash(),
            header,
            data,
        }
    }
}

/// Commitment to a block's data: SHA-256 over the entry count (u32 BE)
/// followed by each entry as its byte length (u32 BE) and UTF-8 bytes.
///
/// The length prefixes make the encoding unambiguous: entries cannot be
/// split, joined or reordered without changing the root.
pub fn data_root(data: &[String]) -> DataRoot {
    let mut bytes = Vec::with_capacity(4 + data.iter().map(|d| 4 + d.len()).sum::<usize>());
    bytes.extend_from_slice(&len_u32(data.len()).to_be_bytes());
    for entry in data {
        bytes.extend_from_slice(&len_u32(entry.len()).to_be_bytes());
        bytes.extend_from_slice(entry.as_bytes());
    }
    DataRoot(sha256(&bytes))
}

fn len_u32(n: usize) -> u32 {
    // Entry counts and sizes are bounded by `Params` far below u32::MAX;
    // saturating keeps an absurd input from wrapping to a small number.
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Timestamp of every network's genesis block: 2026-11-21T00:00:00Z.
pub const GENESIS_TIMESTAMP: u64 = 1_795_219_200_000;

/// The constant genesis block of a network. It does not depend on the clock:
/// every node computes the same block, and its hash is the network id.
pub fn genesis(params: &Params) -> Block {
    let data = vec![format!("tabcoin genesis: {} network", params.name)];
    let header = Header {
        height: 0,
        timestamp: GENESIS_TIMESTAMP,
        prev_hash: BlockHash::ZERO,
        data_root: data_root(&data),
        difficulty: 0,
        nonce: 0,
    };
    Block::new(header, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden vector: changing it means a new network. Never update it by
    /// accident. (Cross-checked with Python's hashlib over the documented
    /// layout.)
    pub const DEMO_GENESIS_HASH: &str =
        "66729e3f9527f83e3f447874b5fc6b8208090148b933ab4debf89dd815b59eca";

    #[test]
    fn genesis_hash_is_the_golden_vector() {
        assert_eq!(genesis(&Params::DEMO).hash.to_string(), DEMO_GENESIS_HASH);
    }

    #[test]
    fn networks_have_different_genesis_blocks() {
        assert_ne!(genesis(&Params::DEMO).hash, genesis(&Params::TEST).hash);
    }

    #[test]
    fn header_layout_puts_fields_at_documented_offsets() {
        let h = Header {
            height: 0x0102,
            timestamp: 0x0304,
            prev_hash: BlockHash([0xaa; 32]),
            data_root: DataRoot([0xbb; 32]),
            difficulty: 0x05,
            nonce: 0x0607,
        };
        let b = h.encode();
        assert_eq!(&b[0..32], &[0xaa; 32]);
        assert_eq!(&b[32..64], &[0xbb; 32]);
        assert_eq!(&b[64..72], &0x0102u64.to_be_bytes());
        assert_eq!(&b[72..80], &0x0304u64.to_be_bytes());
        assert_eq!(&b[80..84], &5u32.to_be_bytes());
        assert_eq!(&b[84..92], &0x0607u64.to_be_bytes());
    }

    #[test]
    fn data_root_is_unambiguous() {
        let a = data_root(&["ab".into(), "c".into()]);
        let b = data_root(&["a".into(), "bc".into()]);
        let c = data_root(&["abc".into()]);
        let d = data_root(&["c".into(), "ab".into()]);
        assert!(a != b && a != c && b != c && a != d);
    }

    #[test]
    fn block_json_round_trips() {
        let g = genesis(&Params::DEMO);
        let json = serde_json::to_string(&g).unwrap_or_default();
        let back: Block = serde_json::from_str(&json).unwrap_or_else(|_| genesis(&Params::TEST));
        assert_eq!(back, g);
    }
}
