//! SHA-256 over several parts, and the leading zero bits of a digest: the
//! one place both are written (the chain's hashes and work, peer keys'
//! work and signed pieces use them).

use sha2::{Digest, Sha256};

/// SHA-256 of the parts, one after another.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Leading zero bits of `bytes` read as a big-endian number.
pub fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut bits = 0;
    for b in bytes {
        if *b == 0 {
            bits += 8;
        } else {
            return bits + b.leading_zeros();
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_hash_as_one_and_zero_bits_count_across_bytes() {
        assert_eq!(sha256(&[b"ab", b"c"]), sha256(&[b"abc"]));
        assert_eq!(leading_zero_bits(&[0, 0x1f, 0xff]), 11);
        assert_eq!(leading_zero_bits(&[0xff]), 0);
        assert_eq!(leading_zero_bits(&[0; 4]), 32);
    }
}
