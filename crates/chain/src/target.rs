//! [`Target`]: the proof-of-work threshold. A block's hash, read as a
//! 256-bit big-endian number, must be at most its target.
//!
//! In the header a target is written in 4 bytes ("compact bits"): the top
//! byte is the length `e` of the number in bytes, the low three bytes its
//! leading three bytes `m`, so the value is `m · 256^(e−3)`. Encoding rounds
//! down to what 24 bits of mantissa can hold; the retarget rule always
//! rounds through this encoding so every node computes identical targets.

use std::fmt;

use crate::hash::BlockHash;
use crate::u256::U256;
use crate::work::Work;

/// A proof-of-work threshold.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target(pub U256);

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Target({:08x}, {} zero bits)",
            self.to_compact(),
            self.leading_zero_bits()
        )
    }
}

impl Target {
    /// The target met by hashes with at least `n` leading zero bits.
    pub fn from_leading_zeros(n: u32) -> Target {
        Target(U256::MAX.shr(n))
    }

    /// Decodes compact bits; None if the value does not fit in 256 bits.
    pub fn from_compact(bits: u32) -> Option<Target> {
        let size = bits >> 24;
        let mantissa = U256::from_u64(u64::from(bits & 0x00ff_ffff));
        if size <= 3 {
            return Some(Target(mantissa.shr(8 * (3 - size))));
        }
        let shift = 8 * (size - 3);
        if mantissa.bits() + shift > 256 {
            return None;
        }
        Some(Target(mantissa.shl(shift)))
    }

    /// Encodes as compact bits, rounding down to 24 bits of mantissa.
    pub fn to_compact(&self) -> u32 {
        let size = self.0.bits().div_ceil(8);
        let mantissa = if size <= 3 {
            self.0.shl(8 * (3 - size)).0[0]
        } else {
            self.0.shr(8 * (size - 3)).0[0]
        };
        (size << 24) | (mantissa as u32 & 0x00ff_ffff)
    }

    /// The value the compact encoding keeps (rounded down).
    pub fn rounded(&self) -> Target {
        Target::from_compact(self.to_compact()).unwrap_or(*self)
    }

    /// Whether `hash` meets this target.
    pub fn is_met_by(&self, hash: &BlockHash) -> bool {
        U256::from_be_bytes(hash.as_bytes()) <= self.0
    }

    /// Leading zero bits every hash meeting this target has: the difficulty
    /// as people read it.
    pub fn leading_zero_bits(&self) -> u32 {
        256 - self.0.bits()
    }

    /// Expected hashes to meet this target: `2^256 / (target + 1)`.
    pub fn work(&self) -> Work {
        // 2^256 / (t+1) = (2^256 - 1 - t) / (t+1) + 1, computed without 2^256.
        match self.0.checked_add(&U256::ONE) {
            None => Work(1),
            Some(t1) => {
                let q = self.0.not().checked_div(&t1).unwrap_or(U256::ZERO);
                Work(q.saturating_u128().saturating_add(1))
            }
        }
    }

    /// The target scaled by `num / den` (den > 0), saturating at `limit`.
    /// Multiplies first when the product fits, else divides first (targets
    /// are far above 2^64, so nothing measurable is lost either way).
    pub fn scaled(&self, num: u64, den: u64, limit: Target) -> Target {
        let den = den.max(1);
        let scaled = match self.0.checked_mul_u64(num) {
            Some(product) => product.checked_div_u64(den),
            None => self
                .0
                .checked_div_u64(den)
                .and_then(|q| q.checked_mul_u64(num)),
        };
        match scaled {
            Some(v) if v <= limit.0 => Target(v),
            _ => limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_round_trips_values_it_can_hold() {
        for bits in [
            0x1d00ffffu32,
            0x2000ffff,
            0x1f7fffff,
            0x03123456,
            0x01120000,
            0x2100ffff,
        ] {
            let t = Target::from_compact(bits).unwrap_or_else(|| panic!("{bits:08x} decodes"));
            assert_eq!(Target::from_compact(t.to_compact()), Some(t), "{bits:08x}");
        }
        assert_eq!(
            Target::from_compact(0x2101_0000),
            None,
            "does not fit in 256 bits"
        );
        assert_eq!(Target::from_compact(0x2200_ffff), None);
    }

    #[test]
    fn leading_zero_targets() {
        let t = Target::from_leading_zeros(20);
        assert_eq!(t.leading_zero_bits(), 20);
        assert_eq!(t.rounded().leading_zero_bits(), 20);
        let mut h = [0xffu8; 32];
        h[0] = 0;
        h[1] = 0;
        h[2] = 0x0f; // exactly 20 zero bits
        assert!(t.is_met_by(&BlockHash(h)));
        h[2] = 0x10; // 19 zero bits
        assert!(!t.is_met_by(&BlockHash(h)));
    }

    #[test]
    fn work_is_expected_hashes() {
        assert_eq!(Target::from_leading_zeros(0).work(), Work(1));
        assert_eq!(Target::from_leading_zeros(1).work(), Work(2));
        assert_eq!(Target::from_leading_zeros(20).work(), Work(1 << 20));
        assert!(Target::from_leading_zeros(21).work() > Target::from_leading_zeros(20).work());
    }

    #[test]
    fn scaling_saturates_at_the_limit() {
        let limit = Target::from_leading_zeros(8);
        let t = Target::from_leading_zeros(10);
        assert_eq!(
            t.scaled(2, 1, limit).0,
            t.0.checked_mul_u64(2).unwrap_or(U256::ZERO)
        );
        assert_eq!(t.scaled(100, 1, limit), limit);
        assert!(t.scaled(1, 2, limit) < t);
    }
}
