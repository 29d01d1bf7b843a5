//! Every consensus constant of a network, in one value.
//!
//! Two networks exist: [`Params::DEMO`], the one the app runs by default, and
//! [`Params::TEST`], with an easy proof of work and a starting balance for
//! tests. Their genesis blocks differ (the network name is committed in the
//! genesis header), so their chains can never mix.

use crate::amount::Amount;
use crate::hash::BlockHash;
use crate::target::Target;

/// The consensus constants of one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Short name, committed in the genesis block; selects the network in the
    /// app (`?net=test`).
    pub name: &'static str,
    /// Target of the first block after genesis, in leading zero bits.
    pub initial_zero_bits: u32,
    /// Easiest target ever allowed, in leading zero bits.
    pub pow_limit_zero_bits: u32,
    /// Block time the retarget rule aims for, in ms.
    pub mine_rate_ms: u64,
    /// Blocks over which the retarget rule averages (its smoothing window).
    pub retarget_window: u64,
    /// How far ahead of the validator's clock a timestamp may be, in ms.
    pub max_future_ms: u64,
    /// Coins the miner of a block receives.
    pub mining_reward: Amount,
    /// Balance of an address before anything happened to it.
    pub starting_balance: Amount,
    /// Most transactions in a block, the reward included.
    pub max_block_txs: usize,
    /// Most outputs in one transaction.
    pub max_outputs: usize,
    /// Most transactions waiting in a node's pool.
    pub max_pool_txs: usize,
    /// Most blocks kept while their parent is unknown.
    pub max_orphans: usize,
    /// A node stores no branch forking more than this many blocks below its
    /// best tip (node policy, bounding what peers can make it keep).
    pub max_fork_depth: u64,
    /// Most side-branch blocks a node keeps at one height (node policy).
    pub max_siblings: usize,
    /// Most side-branch blocks a node keeps in all; past it the side leaf
    /// with the least work gives way, or the new block is not kept (node
    /// policy: with `max_block_txs`, it bounds their bytes too).
    pub max_side_blocks: usize,
}

impl Params {
    /// The network the app runs by default: coins come only from mining.
    pub const DEMO: Params = Params {
        name: "demo",
        initial_zero_bits: 20,
        pow_limit_zero_bits: 16,
        mine_rate_ms: 5_000,
        retarget_window: 20,
        max_future_ms: 2 * 60 * 1000,
        mining_reward: Amount(50),
        starting_balance: Amount(0),
        // 200 transactions of at most 16 outputs keep a block's JSON far
        // below the wire protocol's 1 MiB frame.
        max_block_txs: 200,
        max_outputs: 16,
        max_pool_txs: 2_000,
        max_orphans: 100,
        max_fork_depth: 100,
        max_siblings: 4,
        max_side_blocks: 64,
    };

    /// An easy network for tests: blocks take a few hundred hashes and every
    /// address starts with 1000 coins.
    pub const TEST: Params = Params {
        name: "test",
        initial_zero_bits: 8,
        pow_limit_zero_bits: 8,
        mine_rate_ms: 1_000,
        starting_balance: Amount(1000),
        ..Params::DEMO
    };

    /// A network for measuring hash rates: its first target (40 zero bits)
    /// is out of reach, so miners hash without ever finding a block.
    pub const BENCH: Params = Params {
        name: "bench",
        initial_zero_bits: 40,
        ..Params::DEMO
    };

    /// All known networks.
    pub const ALL: [Params; 3] = [Params::DEMO, Params::TEST, Params::BENCH];

    /// The network with this name, if any.
    pub fn by_name(name: &str) -> Option<Params> {
        Self::ALL.into_iter().find(|p| p.name == name)
    }

    /// Target of the first block after genesis.
    pub fn initial_target(&self) -> Target {
        Target::from_leading_zeros(self.initial_zero_bits).rounded()
    }

    /// Easiest target allowed.
    pub fn pow_limit(&self) -> Target {
        Target::from_leading_zeros(self.pow_limit_zero_bits).rounded()
    }

    /// The network's id: its genesis block's hash. Signatures commit to it.
    pub fn network_id(&self) -> BlockHash {
        crate::block::genesis(self).hash
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

    #[test]
    fn every_network_fits_the_wire_bounds() {
        for p in Params::ALL {
            assert!(
                p.max_outputs <= crate::bounded::MAX_WIRE_OUTPUTS,
                "{}",
                p.name
            );
            assert!(
                p.max_block_txs <= crate::bounded::MAX_WIRE_TXS,
                "{}",
                p.name
            );
        }
    }

    #[test]
    fn initial_targets_are_within_the_limit() {
        for p in Params::ALL {
            assert!(p.initial_target() <= p.pow_limit(), "{}", p.name);
        }
    }
}
