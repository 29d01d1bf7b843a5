//! [`Timestamp`]: a point in time in milliseconds since the Unix epoch.
//!
//! This crate never reads a clock: the current time comes in as a
//! `Timestamp` argument (`now`). Durations stay plain `u64` milliseconds
//! (`Params::mine_rate_ms`, `Params::max_future_ms`). In the header a
//! timestamp is encoded as a u64 big-endian (see [`crate::block`]); on the
//! wire (JSON) it is a plain number.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// `ms` milliseconds later (saturating).
    pub const fn plus_ms(self, ms: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to this time (0 if `earlier` is later).
    pub const fn ms_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_and_serializes_as_a_plain_number() {
        assert_eq!(Timestamp(1_000).to_string(), "1000");
        assert_eq!(
            serde_json::to_string(&Timestamp(1_000)).ok(),
            Some("1000".into())
        );
        assert_eq!(
            serde_json::from_str::<Timestamp>("1000").ok(),
            Some(Timestamp(1_000))
        );
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Timestamp(5).plus_ms(3), Timestamp(8));
        assert_eq!(Timestamp(u64::MAX).plus_ms(1), Timestamp(u64::MAX));
        assert_eq!(Timestamp(8).ms_since(Timestamp(5)), 3);
        assert_eq!(Timestamp(5).ms_since(Timestamp(8)), 0);
    }
}
