//! [`Work`]: an amount of proof of work, in expected hashes.
//!
//! Serialized as a decimal string, because JSON numbers cannot carry 128 bits
//! everywhere (JavaScript, buffered serde formats).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Expected number of hashes behind a block or chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Work(pub u128);

impl Work {
    /// No work.
    pub const ZERO: Work = Work(0);

    /// The work of one block at `difficulty` leading zero bits: `2^difficulty`.
    pub fn of_difficulty(difficulty: u32) -> Work {
        Work(1u128.checked_shl(difficulty).unwrap_or(u128::MAX))
    }

    /// Sum, saturating at the maximum.
    pub fn saturating_add(self, other: Work) -> Work {
        Work(self.0.saturating_add(other.0))
    }

    /// `n` times this work, saturating at the maximum.
    pub fn saturating_mul(self, n: u64) -> Work {
        Work(self.0.saturating_mul(u128::from(n)))
    }
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Work {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Work {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse::<u128>()
            .map(Work)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_of_difficulty_is_a_power_of_two() {
        assert_eq!(Work::of_difficulty(0), Work(1));
        assert_eq!(Work::of_difficulty(10), Work(1024));
        assert_eq!(Work::of_difficulty(200), Work(u128::MAX));
    }

    #[test]
    fn work_serializes_as_a_decimal_string() {
        let w = Work(u128::MAX);
        let json = serde_json::to_string(&w).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", u128::MAX));
        assert_eq!(serde_json::from_str::<Work>(&json).ok(), Some(w));
        assert!(serde_json::from_str::<Work>("\"-1\"").is_err());
    }
}
