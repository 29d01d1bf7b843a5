//! A minimal unsigned 256-bit integer for targets and work: exactly the
//! operations consensus needs, all total (no panics) and deterministic.

use std::cmp::Ordering;

/// Unsigned 256-bit integer, four 64-bit limbs, least significant first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct U256(pub [u64; 4]);

impl U256 {
    /// 0.
    pub const ZERO: U256 = U256([0; 4]);
    /// 1.
    pub const ONE: U256 = U256([1, 0, 0, 0]);
    /// 2^256 - 1.
    pub const MAX: U256 = U256([u64::MAX; 4]);

    /// From a small number.
    pub const fn from_u64(v: u64) -> U256 {
        U256([v, 0, 0, 0])
    }

    /// From 32 big-endian bytes.
    pub fn from_be_bytes(b: &[u8; 32]) -> U256 {
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let start = 24 - 8 * i;
            let mut word = [0u8; 8];
            word.copy_from_slice(&b[start..start + 8]);
            *limb = u64::from_be_bytes(word);
        }
        U256(limbs)
    }

    /// To 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            let start = 24 - 8 * i;
            out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Number of significant bits (0 for zero).
    pub fn bits(&self) -> u32 {
        for i in (0..4).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + 64 - self.0[i].leading_zeros();
            }
        }
        0
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        *self == U256::ZERO
    }

    /// Shift left by `n` bits; bits shifted out are lost; `n >= 256` gives 0.
    pub fn shl(&self, n: u32) -> U256 {
        if n >= 256 {
            return U256::ZERO;
        }
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        let mut out = [0u64; 4];
        for i in (limbs..4).rev() {
            out[i] = self.0[i - limbs] << bits;
            if bits > 0 && i > limbs {
                out[i] |= self.0[i - limbs - 1] >> (64 - bits);
            }
        }
        U256(out)
    }

    /// Shift right by `n` bits; `n >= 256` gives 0.
    pub fn shr(&self, n: u32) -> U256 {
        if n >= 256 {
            return U256::ZERO;
        }
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        let mut out = [0u64; 4];
        for (i, limb) in out.iter_mut().enumerate().take(4 - limbs) {
            *limb = self.0[i + limbs] >> bits;
            if bits > 0 && i + limbs + 1 < 4 {
                *limb |= self.0[i + limbs + 1] << (64 - bits);
            }
        }
        U256(out)
    }

    /// Sum, or None on overflow.
    pub fn checked_add(&self, other: &U256) -> Option<U256> {
        let mut out = [0u64; 4];
        let mut carry = false;
        for (i, limb) in out.iter_mut().enumerate() {
            let (s1, c1) = self.0[i].overflowing_add(other.0[i]);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *limb = s2;
            carry = c1 || c2;
        }
        (!carry).then_some(U256(out))
    }

    /// Difference, or None if `other > self`.
    pub fn checked_sub(&self, other: &U256) -> Option<U256> {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for (i, limb) in out.iter_mut().enumerate() {
            let (d1, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *limb = d2;
            borrow = b1 || b2;
        }
        (!borrow).then_some(U256(out))
    }

    /// Product with a u64, or None on overflow.
    pub fn checked_mul_u64(&self, m: u64) -> Option<U256> {
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for (i, limb) in out.iter_mut().enumerate() {
            let p = u128::from(self.0[i]) * u128::from(m) + carry;
            *limb = p as u64;
            carry = p >> 64;
        }
        (carry == 0).then_some(U256(out))
    }

    /// Quotient by a u64 (None when dividing by zero).
    pub fn checked_div_u64(&self, d: u64) -> Option<U256> {
        if d == 0 {
            return None;
        }
        let mut out = [0u64; 4];
        let mut rem = 0u128;
        for i in (0..4).rev() {
            let cur = (rem << 64) | u128::from(self.0[i]);
            out[i] = (cur / u128::from(d)) as u64;
            rem = cur % u128::from(d);
        }
        Some(U256(out))
    }

    /// Quotient by another U256 (None when dividing by zero), by shift and
    /// subtract: 256 steps at most, used only once per block.
    pub fn checked_div(&self, d: &U256) -> Option<U256> {
        if d.is_zero() {
            return None;
        }
        let mut quotient = U256::ZERO;
        let mut rem = U256::ZERO;
        for bit in (0..self.bits()).rev() {
            rem = rem.shl(1);
            if (self.0[(bit / 64) as usize] >> (bit % 64)) & 1 == 1 {
                rem.0[0] |= 1;
            }
            if rem >= *d {
                rem = rem.checked_sub(d).unwrap_or(U256::ZERO);
                quotient.0[(bit / 64) as usize] |= 1 << (bit % 64);
            }
        }
        Some(quotient)
    }

    /// Bitwise not.
    pub fn not(&self) -> U256 {
        U256(self.0.map(|l| !l))
    }

    /// The value as u128, saturating.
    pub fn saturating_u128(&self) -> u128 {
        if self.0[2] != 0 || self.0[3] != 0 {
            u128::MAX
        } else {
            (u128::from(self.0[1]) << 64) | u128::from(self.0[0])
        }
    }
}

impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&other.0[i]) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u128) -> U256 {
        U256([v as u64, (v >> 64) as u64, 0, 0])
    }

    #[test]
    fn bytes_round_trip_big_endian() {
        let mut b = [0u8; 32];
        b[31] = 1;
        b[0] = 0x80;
        let x = U256::from_be_bytes(&b);
        assert_eq!(x.0, [1, 0, 0, 0x8000_0000_0000_0000]);
        assert_eq!(x.to_be_bytes(), b);
        assert_eq!(x.bits(), 256);
    }

    #[test]
    fn arithmetic_matches_u128() {
        let samples = [
            0u128,
            1,
            7,
            u64::MAX as u128,
            (u64::MAX as u128) + 5,
            1 << 100,
            12345678901234567890123,
        ];
        for &a in &samples {
            for &b in &samples {
                assert_eq!(u(a).cmp(&u(b)), a.cmp(&b));
                if let Some(s) = a.checked_add(b) {
                    assert_eq!(u(a).checked_add(&u(b)), Some(u(s)));
                }
                assert_eq!(u(a).checked_sub(&u(b)), a.checked_sub(b).map(u));
                if b != 0 {
                    assert_eq!(u(a).checked_div(&u(b)), Some(u(a / b)));
                }
            }
            assert_eq!(u(a).checked_div_u64(3), Some(u(a / 3)));
            assert_eq!(u(a).shl(3).shr(3), u(a));
            assert_eq!(u(a).bits(), 128 - a.leading_zeros());
        }
    }

    #[test]
    fn overflow_and_division_by_zero_are_reported() {
        assert_eq!(U256::MAX.checked_add(&U256::ONE), None);
        assert_eq!(U256::MAX.checked_mul_u64(2), None);
        assert_eq!(U256::ONE.checked_div(&U256::ZERO), None);
        assert_eq!(U256::ONE.checked_div_u64(0), None);
        assert_eq!(U256::ONE.shl(256), U256::ZERO);
        assert_eq!(U256::ONE.shl(255).shr(255), U256::ONE);
        assert_eq!(
            U256::MAX.checked_div(&U256::ONE.shl(128)),
            Some(U256([u64::MAX, u64::MAX, 0, 0]))
        );
    }
}
