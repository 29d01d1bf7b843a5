//! Blocks: a header, the hash it claims, the transactions (and on a
//! proof-of-authority network the seal); the transaction root a header
//! commits to; the genesis block. The header's layout is in
//! [`crate::header`].

use serde::{Deserialize, Serialize};

use crate::hash::{BlockHash, TxRoot, sha256};
pub use crate::header::{HEADER_LEN, Header};
use crate::params::Params;
use crate::tx::Transaction;

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
    /// About how many bytes of memory the block takes: its fields, its
    /// transactions and their outputs (a B-tree entry each, with its share
    /// of node overhead). What bounds blocks kept on a peer's word (orphans)
    /// is measured in it.
    pub fn footprint(&self) -> usize {
        use std::mem::size_of;
        // A B-tree map's entry costs its key and value and about as much
        // again in node slack and pointers.
        let entry = 2 * (size_of::<crate::address::Address>() + size_of::<crate::amount::Amount>());
        let txs: usize = self
            .data
            .iter()
            .map(|tx| size_of::<Transaction>() + tx.outputs.len() * entry)
            .sum();
        size_of::<Block>() + txs
    }

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
    Block::new(crate::params::genesis_header(params), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::height::Height;
    use crate::timestamp::Timestamp;

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
