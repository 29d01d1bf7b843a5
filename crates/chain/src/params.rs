//! Every consensus constant of a network, in one value.
//!
//! Two networks exist: [`Params::DEMO`], the one the app runs by default, and
//! [`Params::TEST`], with an easy proof of work for tests. Their genesis
//! blocks differ (the network name is in the genesis data), so their chains
//! can never mix.

/// The consensus constants of one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Short name, written into the genesis block; selects the network in the
    /// app (`?net=test`).
    pub name: &'static str,
    /// Leading zero bits every block hash needs (a fixed difficulty; it is not
    /// declared by the block but required by the network).
    pub difficulty_bits: u32,
    /// How far ahead of the validator's clock a block timestamp may be, in ms.
    pub max_future_ms: u64,
    /// Most data entries a block may carry.
    pub max_data_entries: usize,
    /// Most bytes one data entry may have.
    pub max_entry_bytes: usize,
}

impl Params {
    /// The network the app runs by default.
    pub const DEMO: Params = Params {
        name: "demo",
        difficulty_bits: 22,
        max_future_ms: 2 * 60 * 1000,
        max_data_entries: 1000,
        max_entry_bytes: 256,
    };

    /// An easy network for tests: blocks are found in a few thousand hashes.
    pub const TEST: Params = Params {
        name: "test",
        difficulty_bits: 10,
        ..Params::DEMO
    };

    /// All known networks.
    pub const ALL: [Params; 2] = [Params::DEMO, Params::TEST];

    /// The network with this name, if any.
    pub fn by_name(name: &str) -> Option<Params> {
        Self::ALL.into_iter().find(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_found_by_name() {
        assert_eq!(Params::by_name("demo"), Some(Params::DEMO));
        assert_eq!(Params::by_name("test"), Some(Params::TEST));
        assert_eq!(Params::by_name("main"), None);
    }
}
