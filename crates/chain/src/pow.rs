//! Proof of work: the miner's nonce search.
//!
//! A block meets its target when its hash, read as a 256-bit big-endian
//! number, is at most the target ([`Target::is_met_by`]).
//!
//! [`search`] is the mining kernel. The first 64 bytes of the header (parent
//! hash and transaction root) do not change while nonces are tried, so their
//! SHA-256 compression (the midstate) is computed once; each nonce then costs
//! one compression of the second, padded 64-byte block and a comparison of
//! the state words against the target words.

use std::ops::Range;

use sha2::block_api::compress256;

use crate::hash::BlockHash;
use crate::header::{HEADER_LEN, Header};
use crate::target::Target;
use crate::u256::U256;

/// SHA-256 initial state.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A header prepared for nonce search: the midstate of its first 64 bytes,
/// its padded second block, and its target as big-endian words.
#[derive(Debug, Clone)]
pub struct Midstate {
    state: [u32; 8],
    tail: [u8; 64],
    target: [u32; 8],
}

impl Midstate {
    /// Precomputes the constant part of `header`'s hash. A header whose bits
    /// do not decode gets a zero target (nothing meets it).
    pub fn new(header: &Header) -> Midstate {
        Midstate::with_target(header, header.target().unwrap_or(Target(U256::ZERO)))
    }

    /// Precomputes `header`'s hash for a search against `target` itself,
    /// not the one its bits declare (the compact form rounds: a test of a
    /// kernel may want the exact target of a given hash).
    pub fn with_target(header: &Header, target: Target) -> Midstate {
        let bytes = header.encode();
        let mut state = IV;
        let mut first = [0u8; 64];
        first.copy_from_slice(&bytes[..64]);
        compress256(&mut state, &[first]);
        let mut tail = [0u8; 64];
        tail[..HEADER_LEN - 64].copy_from_slice(&bytes[64..]);
        tail[HEADER_LEN - 64] = 0x80;
        tail[56..].copy_from_slice(&((HEADER_LEN as u64) * 8).to_be_bytes());
        let target_bytes = target.0.to_be_bytes();
        let mut target = [0u32; 8];
        for (word, chunk) in target.iter_mut().zip(target_bytes.chunks_exact(4)) {
            *word = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Midstate {
            state,
            tail,
            target,
        }
    }

    /// The precomputed parts: midstate, padded second block, target words.
    pub(crate) fn parts(&self) -> ([u32; 8], [u8; 64], [u32; 8]) {
        (self.state, self.tail, self.target)
    }

    /// What a GPU kernel needs, as words: the midstate, the second block's
    /// first five words (height, timestamp, bits; the nonce is words 5 and
    /// 6, the padding and length fixed) and the target.
    pub fn words(&self) -> ([u32; 8], [u32; 5], [u32; 8]) {
        let mut tail = [0u32; 5];
        for (word, chunk) in tail.iter_mut().zip(self.tail.chunks_exact(4)) {
            *word = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        (self.state, tail, self.target)
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

    /// Whether the hash with `nonce` is at most the target, comparing the
    /// state words directly.
    pub(crate) fn nonce_meets(&self, nonce: u64) -> bool {
        let state = self.compress_with_nonce(nonce);
        for (h, t) in state.iter().zip(self.target.iter()) {
            if h != t {
                return h < t;
            }
        }
        true
    }

    /// The first nonce in `nonces` whose hash meets the target.
    pub fn search(&self, nonces: Range<u64>) -> Option<u64> {
        nonces.into_iter().find(|&n| self.nonce_meets(n))
    }
}

/// The first nonce in `nonces` for which `header` (with that nonce) meets the
/// target its `bits` declare. Validation checks those bits against the
/// network's rule.
pub fn search(header: &Header, nonces: Range<u64>) -> Option<u64> {
    Midstate::new(header).search(nonces)
}

/// Expected number of hashes to meet `target`.
pub fn expected_hashes(target: &Target) -> f64 {
    target.work().0 as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::genesis;
    use crate::height::Height;
    use crate::params::Params;

    fn template(zero_bits: u32) -> Header {
        let mut h = genesis(&Params::TEST).header;
        h.height = Height(1);
        h.bits = Target::from_leading_zeros(zero_bits).to_compact();
        h.timestamp = h.timestamp.plus_ms(1000);
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
        let target = h.target().unwrap_or_else(|| panic!("valid bits"));
        let found =
            search(&h, 0..100_000).unwrap_or_else(|| panic!("8 bits are found within 100k nonces"));
        let mut with = h;
        with.nonce = found;
        assert!(target.is_met_by(&with.hash()));
        for earlier in 0..found {
            with.nonce = earlier;
            assert!(
                !target.is_met_by(&with.hash()),
                "nonce {earlier} was skipped"
            );
        }
    }

    #[test]
    fn search_agrees_with_the_target_for_non_power_of_two_targets() {
        let mut h = template(0);
        h.bits = 0x2012_3456; // a target whose words are not all 0 or ffffffff
        let target = h.target().unwrap_or_else(|| panic!("valid bits"));
        let mid = Midstate::new(&h);
        for nonce in 0..2000 {
            h.nonce = nonce;
            assert_eq!(
                mid.nonce_meets(nonce),
                target.is_met_by(&h.hash()),
                "nonce {nonce}"
            );
        }
    }

    #[test]
    fn an_exact_target_is_met_by_its_own_hash_and_nothing_above_it() {
        let h = template(0);
        let probe = Midstate::new(&h);
        let (best, hash) = (0..512u64)
            .map(|n| (n, probe.hash_with_nonce(n)))
            .min_by_key(|(_, hash)| *hash)
            .unwrap_or_else(|| panic!("a range"));
        let exact = Midstate::with_target(&h, Target(U256::from_be_bytes(&hash.0)));
        assert_eq!(exact.search(0..512), Some(best));
        assert_eq!(exact.search(0..best), None);
        // The words a GPU kernel gets are the same state, tail and target.
        let (state, tail, target) = exact.words();
        let (parts_state, parts_tail, parts_target) = exact.parts();
        assert_eq!((state, target), (parts_state, parts_target));
        assert_eq!(
            tail[2],
            u32::from_be_bytes([parts_tail[8], parts_tail[9], parts_tail[10], parts_tail[11]])
        );
        assert_eq!(
            target[0],
            u32::from_be_bytes([hash.0[0], hash.0[1], hash.0[2], hash.0[3]])
        );
    }

    #[test]
    fn search_reports_none_when_range_has_no_solution() {
        assert_eq!(search(&template(64), 0..1000), None);
        assert_eq!(search(&template(8), 5..5), None);
    }
}
