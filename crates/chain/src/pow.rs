//! Proof of work: checking a hash against a difficulty, and the miner's
//! nonce search.
//!
//! A block meets difficulty `d` when its hash, read as a 256-bit big-endian
//! number, is below `2^(256 - d)`, i.e. it has at least `d` leading zero bits.
//!
//! [`search`] is the mining kernel. The first 64 bytes of the header (parent
//! hash and data root) do not change while nonces are tried, so their SHA-256
//! compression (the midstate) is computed once; each nonce then costs one
//! compression of the second, padded 64-byte block.

use std::ops::Range;

use sha2::block_api::compress256;

use crate::block::{HEADER_LEN, Header};
use crate::hash::BlockHash;

/// SHA-256 initial state.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Whether `hash` meets `difficulty` (leading zero bits, as a 256-bit number).
pub fn meets_difficulty(hash: &BlockHash, difficulty: u32) -> bool {
    hash.leading_zero_bits() >= difficulty
}

/// Expected number of hashes to find a block at `difficulty`: `2^difficulty`.
pub fn expected_hashes(difficulty: u32) -> f64 {
    2f64.powi(i32::try_from(difficulty).unwrap_or(i32::MAX))
}

/// A header prepared for nonce search: the midstate of its first 64 bytes and
/// its padded second block.
#[derive(Debug, Clone)]
pub struct Midstate {
    state: [u32; 8],
    tail: [u8; 64],
    difficulty: u32,
}

impl Midstate {
    /// Precomputes the constant part of `header`'s hash.
    pub fn new(header: &Header) -> Midstate {
        let bytes = header.encode();
        let mut state = IV;
        let mut first = [0u8; 64];
        first.copy_from_slice(&bytes[..64]);
        compress256(&mut state, &[first]);
        let mut tail = [0u8; 64];
        tail[..HEADER_LEN - 64].copy_from_slice(&bytes[64..]);
        tail[HEADER_LEN - 64] = 0x80;
        tail[56..].copy_from_slice(&((HEADER_LEN as u64) * 8).to_be_bytes());
        Midstate {
            state,
            tail,
            difficulty: header.difficulty,
        }
    }

    /// The header hash with `nonce` in place of the header's nonce.
    pub fn hash_with_nonce(&self, nonce: u64) -> BlockHash {
        let state = self.compress_with_nonce(nonce);
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        BlockHash(out)
    }

    fn compress_with_nonce(&self, nonce: u64) -> [u32; 8] {
        let mut block = self.tail;
        block[20..28].copy_from_slice(&nonce.to_be_bytes());
        let mut state = self.state;
        compress256(&mut state, &[block]);
        state
    }

    /// Whether `nonce` gives a hash meeting the header's difficulty; checks
    /// the state words directly without building the hash bytes.
    fn nonce_meets(&self, nonce: u64) -> bool {
        let state = self.compress_with_nonce(nonce);
        let mut zeros = 0;
        for word in state {
            if word == 0 {
                zeros += 32;
                if zeros >= self.difficulty {
                    return true;
                }
            } else {
                zeros += word.leading_zeros();
                break;
            }
        }
        zeros >= self.difficulty
    }

    /// The first nonce in `nonces` whose hash meets the difficulty.
    pub fn search(&self, nonces: Range<u64>) -> Option<u64> {
        nonces.into_iter().find(|&n| self.nonce_meets(n))
    }
}

/// The first nonce in `nonces` for which `header` (with that nonce) meets its
/// own difficulty field. The caller decides which difficulty the header
/// carries; validation checks it against the network's rule.
pub fn search(header: &Header, nonces: Range<u64>) -> Option<u64> {
    Midstate::new(header).search(nonces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::genesis;
    use crate::params::Params;

    fn template(difficulty: u32) -> Header {
        let mut h = genesis(&Params::TEST).header;
        h.height = 1;
        h.difficulty = difficulty;
        h.timestamp += 1000;
        h
    }

    #[test]
    fn midstate_hash_equals_full_hash() {
        let mut h = template(0);
        let mid = Midstate::new(&h);
        for nonce in [0, 1, 255, 256, u64::MAX, 0x0123_4567_89ab_cdef] {
            h.nonce = nonce;
            assert_eq!(mid.hash_with_nonce(nonce), h.hash());
        }
    }

    #[test]
    fn search_finds_the_first_meeting_nonce() {
        let h = template(8);
        let found = search(&h, 0..100_000).expect("difficulty 8 is found within 100k nonces");
        let mut with = h;
        with.nonce = found;
        assert!(meets_difficulty(&with.hash(), 8));
        for earlier in 0..found {
            with.nonce = earlier;
            assert!(
                !meets_difficulty(&with.hash(), 8),
                "nonce {earlier} was skipped"
            );
        }
    }

    #[test]
    fn search_reports_none_when_range_has_no_solution() {
        assert_eq!(search(&template(64), 0..1000), None);
        assert_eq!(search(&template(8), 5..5), None);
    }

    #[test]
    fn difficulty_is_compared_as_a_number() {
        let mut b = [0xffu8; 32];
        b[0] = 0x00;
        b[1] = 0x7f; // 9 leading zero bits
        let h = BlockHash(b);
        assert!(meets_difficulty(&h, 9));
        assert!(!meets_difficulty(&h, 10));
        assert!(meets_difficulty(&BlockHash::ZERO, 256));
    }
}
