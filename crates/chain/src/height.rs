//! [`Height`]: a block's distance from genesis (genesis is height 0).
//!
//! In the header it is encoded as a u64 big-endian (see [`crate::block`]);
//! on the wire (JSON) it is a plain number.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A block's distance from genesis.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Height(pub u64);

impl Height {
    /// The height of the genesis block.
    pub const GENESIS: Height = Height(0);

    /// The height of a child of a block at this height (saturating).
    pub const fn next(self) -> Height {
        Height(self.0.saturating_add(1))
    }

    /// The height as an index into a chain held genesis first (saturating at
    /// `usize::MAX`, only reachable on 32-bit targets, where no chain is that
    /// long).
    pub fn as_usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_and_serializes_as_a_plain_number() {
        assert_eq!(Height(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&Height(42)).ok(), Some("42".into()));
        assert_eq!(serde_json::from_str::<Height>("42").ok(), Some(Height(42)));
    }

    #[test]
    fn next_counts_up_and_saturates() {
        assert_eq!(Height::GENESIS.next(), Height(1));
        assert_eq!(Height(u64::MAX).next(), Height(u64::MAX));
    }
}
