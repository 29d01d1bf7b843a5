//! Blocks, their header's canonical byte layout, and the genesis block.
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
use crate::params::Params;
use crate::target::Target;
use crate::timestamp::Timestamp;
use crate::tx::Transaction;

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
    /// Commitment to the block's transactions ([`tx_root`]).
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

/// A block: header, the hash it claims, and its transactions.
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
    /// The transactions: the miner's reward first, then transfers.
    #[serde(deserialize_with = "crate::bounded::transactions")]
    pub data: Vec<Transaction>,
    /// On a proof-of-authority network, the authority's seal (outside the
    /// hash: it signs it). None on a proof-of-work network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<crate::seal::Seal>,
}

impl Block {
    /// A block whose `hash` is computed from `header`.
    pub fn new(header: Header, data: Vec<Transaction>) -> Block {
        Block {
            hash: header.hash(),
            header,
            data,
            seal: None,
        }
    }
}

/// Commitment to a mined block's transactions: SHA-256 over the count
/// (u32 BE) followed by each transaction's hash, in block order.
pub fn tx_root(txs: &[Transaction]) -> TxRoot {
    TxRoot(sha256(&root_bytes(txs)))
}

/// Commitment to a sealed block's transactions and its sealer: the bytes
/// of [`tx_root`], then `"sealer"` and the authority's index (u32 BE). The
/// block's hash commits to who sealed it, so another authority re-sealing
/// the same transactions makes a different block.
pub fn sealed_tx_root(txs: &[Transaction], by: u32) -> TxRoot {
    let mut bytes = root_bytes(txs);
    bytes.extend_from_slice(b"sealer");
    bytes.extend_from_slice(&by.to_be_bytes());
    TxRoot(sha256(&bytes))
}

fn root_bytes(txs: &[Transaction]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(4 + 32 * txs.len() + 10);
    bytes.extend_from_slice(&u32::try_from(txs.len()).unwrap_or(u32::MAX).to_be_bytes());
    for tx in txs {
        bytes.extend_from_slice(&tx.hash());
    }
    bytes
}

impl Block {
    /// The commitment this block's header must carry: [`tx_root`], or
    /// [`sealed_tx_root`] by the seal's authority.
    pub fn expected_tx_root(&self) -> TxRoot {
        match self.seal {
            Some(seal) => sealed_tx_root(&self.data, seal.by),
            None => tx_root(&self.data),
        }
    }
}

pub use crate::params::GENESIS_TIMESTAMP;

/// The constant genesis block of a network. It does not depend on the clock:
/// every node computes the same block, and its hash is the network id. Its
/// timestamp is the network's creation time (the spec's `created`). It has
/// no transactions; its `tx_root` commits to the network's spec instead
/// (every rule), so each network has its own genesis.
pub fn genesis(params: &Params) -> Block {
    // The network's spec and the rules' version are committed: chains of
    // other rules are other networks (rules 4: the spec's canonical text
    // with its creation time, timestamps after the parent's, signatures
    // bound to the network, transaction ids bound to their sender, the
    // ASERT retarget with a 16× floor, the future bound scaled to the block
    // time, seals committed in the block hash).
    let message = format!("tabcoin genesis, rules 4: {}", params.spec().canonical());
    // A proof-of-authority genesis declares no work.
    let bits = if params.is_proof_of_authority() {
        0
    } else {
        params.initial_target().to_compact()
    };
    let header = Header {
        height: Height::GENESIS,
        timestamp: params.genesis_time,
        prev_hash: BlockHash::ZERO,
        tx_root: TxRoot(sha256(message.as_bytes())),
        bits,
        nonce: 0,
    };
    Block::new(header, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden vector: changing it means a new network. Never update it by
    /// accident. (Cross-checked by `docs/vectors.py`, Python's hashlib over
    /// the documented layout.)
    pub const DEMO_GENESIS_HASH: &str =
        "291656bf11232cd7151372c29c7bee0577b9798410cd6a52f0d88081cde96bb9";

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
            height: Height(0x0102),
            timestamp: Timestamp(0x0304),
            prev_hash: BlockHash([0xaa; 32]),
            tx_root: TxRoot([0xbb; 32]),
            bits: 0x05,
            nonce: 0x0607,
        };
        let b = h.encode();
        assert_eq!(&b[0..32], &[0xaa; 32]);
        assert_eq!(&b[32..64], &[0xbb; 32]);
        assert_eq!(&b[64..72], &0x0102u64.to_be_bytes());
        assert_eq!(&b[72..80], &0x0304u64.to_be_bytes());
        assert_eq!(&b[80..84], &5u32.to_be_bytes());
        assert_eq!(&b[84..92], &0x0607u64.to_be_bytes());
        assert_eq!(Header::decode(&b), h);
    }

    #[test]
    fn block_json_round_trips() {
        let g = genesis(&Params::DEMO);
        let json = serde_json::to_string(&g).unwrap_or_default();
        let back: Option<Block> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(g));
    }
}
