//! Every consensus constant of a network, in one value.
//!
//! A network is its [`Spec`]: [`Params::from_spec`] builds its rules from
//! one, adding the node policy every network shares (bounds on blocks,
//! pools and side branches), and [`Params::spec`] gives the spec back. The
//! genesis block commits to the spec's canonical text, so networks of
//! different rules have different ids and their chains never mix.
//!
//! Three networks are built in: [`Params::DEMO`], the one the app runs by
//! default, [`Params::TEST`], with an easy proof of work and a starting
//! balance for tests, and [`Params::BENCH`], which nobody can mine.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::address::Address;
use crate::amount::Amount;
use crate::hash::{BlockHash, TxRoot, sha256};
use crate::header::Header;
use crate::height::Height;
use crate::spec::{Consensus, Spec, SpecError};
use crate::target::Target;
use crate::timestamp::Timestamp;

/// The genesis time of the built-in networks: 2026-11-21T00:00:00Z.
pub const GENESIS_TIMESTAMP: Timestamp = Timestamp(1_795_219_200_000);

/// How far below its initial target a network's target may ever ease, in
/// bits: 4, a factor of 16. A chain back-filled after a long stall, or on
/// a network created long after its genesis time, costs at least 1/16 of
/// the initial work a block.
pub const MAX_EASING_BITS: u32 = 4;

/// The easiest proof of work a network starting at `initial_zero_bits`
/// may ease to, in leading zero bits ([`MAX_EASING_BITS`] fewer).
pub const fn pow_limit_for(initial_zero_bits: u32) -> u32 {
    initial_zero_bits.saturating_sub(MAX_EASING_BITS)
}

/// How far ahead of a validator's clock a block's timestamp may be on a
/// network of `block_time_ms`: twelve block times (Bitcoin's two hours at
/// ten minutes), at least 15 s so that honest clocks a few seconds apart
/// agree. With the retarget's schedule, a block at this bound buys about
/// twelve extra blocks in all (see [`crate::retarget`]).
pub const fn max_future_for(block_time_ms: u64) -> u64 {
    let scaled = block_time_ms.saturating_mul(12);
    if scaled < 15_000 { 15_000 } else { scaled }
}

/// The built-in networks' half-life of the retarget, in blocks.
pub const HALF_LIFE_BLOCKS: u64 = 16;

/// The consensus constants of one network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Short name, in the spec the genesis block commits to; selects a
    /// built-in network in the app (`?net=test`).
    pub name: Cow<'static, str>,
    /// The genesis block's timestamp: when the network was created.
    pub genesis_time: Timestamp,
    /// Target of the first block after genesis, in leading zero bits.
    pub initial_zero_bits: u32,
    /// Easiest target ever allowed, in leading zero bits.
    pub pow_limit_zero_bits: u32,
    /// Block time the retarget rule aims for, in ms.
    pub mine_rate_ms: u64,
    /// The retarget's half-life in blocks: a chain one half-life of block
    /// times behind its schedule mines at twice the initial target.
    pub half_life_blocks: u64,
    /// How far ahead of the validator's clock a timestamp may be, in ms.
    pub max_future_ms: u64,
    /// Coins the miner of a block receives.
    pub mining_reward: Amount,
    /// Balance of an address before anything happened to it.
    pub starting_balance: Amount,
    /// Coins some addresses hold from genesis on, on top of the starting
    /// balance.
    pub allocations: BTreeMap<Address, Amount>,
    /// The authorities that seal blocks, in turn order; empty on a
    /// proof-of-work network (see [`crate::authority`]).
    pub authorities: Vec<Address>,
    /// Most transactions in a block, the reward included.
    pub max_block_txs: usize,
    /// Most outputs in one transaction.
    pub max_outputs: usize,
    /// Most transactions waiting in a node's pool.
    pub max_pool_txs: usize,
    /// Most blocks kept while their parent is unknown.
    pub max_orphans: usize,
    /// Most bytes of memory ([`crate::Block::footprint`]) those blocks may
    /// take together (node policy: a peer's fat orphans cost at most this).
    pub max_orphan_bytes: usize,
    /// A node stores no branch forking more than this many blocks below its
    /// best tip (node policy, bounding what peers can make it keep).
    pub max_fork_depth: u64,
    /// Most side-branch blocks a node keeps at one height (node policy).
    pub max_siblings: usize,
    /// Most side-branch blocks a node keeps in all before a new side
    /// branch must displace the side leaf with the least work (node
    /// policy). A block extending a side leaf needs room only past
    /// `max_side_blocks + max_fork_depth` in all, so one branch can grow
    /// across the whole fork window and that count does not decide which
    /// branch can win.
    pub max_side_blocks: usize,
}

impl Params {
    /// A built-in proof-of-work network with the shared node policy.
    const fn built_in(
        name: &'static str,
        initial_zero_bits: u32,
        mine_rate_ms: u64,
        starting_balance: Amount,
    ) -> Params {
        Params {
            name: Cow::Borrowed(name),
            genesis_time: GENESIS_TIMESTAMP,
            initial_zero_bits,
            pow_limit_zero_bits: pow_limit_for(initial_zero_bits),
            mine_rate_ms,
            half_life_blocks: HALF_LIFE_BLOCKS,
            max_future_ms: max_future_for(mine_rate_ms),
            mining_reward: Amount(50),
            starting_balance,
            allocations: BTreeMap::new(),
            authorities: Vec::new(),
            // 200 transactions of at most 16 outputs keep a block's JSON far
            // below the wire protocol's 1 MiB frame.
            max_block_txs: 200,
            max_outputs: 16,
            max_pool_txs: 2_000,
            max_orphans: 100,
            // A few full blocks: orphans only say where to ask; the
            // download brings the chain itself.
            max_orphan_bytes: 4 << 20,
            max_fork_depth: 100,
            max_siblings: 4,
            max_side_blocks: 64,
        }
    }

    /// The network the app runs by default: coins come only from mining.
    /// Its first target (28 zero bits, about 18 s for one SIMD worker of
    /// 15 M nonces/s, 2 s for eight) is eased or tightened by the
    /// retarget's short first window to about 5 s within ten blocks.
    pub const DEMO: Params = Params::built_in("demo", 28, 5_000, Amount(0));

    /// An easy network for tests: blocks take a few hundred hashes and every
    /// address starts with 1000 coins.
    pub const TEST: Params = Params::built_in("test", 8, 1_000, Amount(1000));

    /// A network for measuring hash rates: its first target (40 zero bits)
    /// is out of reach, so miners hash without ever finding a block.
    pub const BENCH: Params = Params::built_in("bench", 40, 5_000, Amount(0));

    /// These rules with another proof of work: `initial_zero_bits` for the
    /// first blocks, easing to at most `pow_limit_zero_bits` (for tests and
    /// tools that need cheap blocks with the retarget of a real network).
    pub const fn with_work(mut self, initial_zero_bits: u32, pow_limit_zero_bits: u32) -> Params {
        self.initial_zero_bits = initial_zero_bits;
        self.pow_limit_zero_bits = pow_limit_zero_bits;
        self
    }

    /// The built-in networks.
    pub const ALL: [Params; 3] = [Params::DEMO, Params::TEST, Params::BENCH];

    /// The built-in network with this name, if any.
    pub fn by_name(name: &str) -> Option<Params> {
        Self::ALL.into_iter().find(|p| p.name == name)
    }

    /// The network a spec's JSON text describes, checked rule by rule (the
    /// app's invite links and `tabcoind --net FILE` read specs so).
    pub fn from_spec_json(text: &str) -> Result<Params, SpecError> {
        Params::from_spec(&Spec::from_json(text)?)
    }

    /// The same, if it is the network `id` names: a tab told only an id
    /// asks peers for the spec and takes an answer only if its genesis
    /// hashes to that id.
    pub fn from_spec_json_for(text: &str, id: &BlockHash) -> Result<Params, SpecError> {
        let params = Params::from_spec_json(text)?;
        let described = params.network_id();
        if described == *id {
            Ok(params)
        } else {
            Err(SpecError::OtherNetwork {
                described,
                expected: *id,
            })
        }
    }

    /// The rules of the network `spec` describes (checked first).
    pub fn from_spec(spec: &Spec) -> Result<Params, SpecError> {
        spec.check()?;
        let base = Params {
            name: Cow::Owned(spec.name.clone()),
            genesis_time: spec.created,
            mining_reward: spec.mining_reward,
            starting_balance: spec.starting_balance,
            allocations: spec.allocations.clone(),
            ..Params::DEMO
        };
        Ok(match &spec.consensus {
            Consensus::ProofOfWork {
                initial_zero_bits,
                block_time_ms,
                half_life_blocks,
            } => Params {
                initial_zero_bits: *initial_zero_bits,
                pow_limit_zero_bits: pow_limit_for(*initial_zero_bits),
                mine_rate_ms: *block_time_ms,
                max_future_ms: max_future_for(*block_time_ms),
                half_life_blocks: *half_life_blocks,
                ..base
            },
            // No work: the retarget fields are unused.
            Consensus::ProofOfAuthority {
                authorities,
                block_time_ms,
            } => Params {
                initial_zero_bits: 0,
                pow_limit_zero_bits: 0,
                mine_rate_ms: *block_time_ms,
                max_future_ms: max_future_for(*block_time_ms),
                authorities: authorities.clone(),
                ..base
            },
        })
    }

    /// The spec these rules come from: what the genesis block commits to.
    pub fn spec(&self) -> Spec {
        let consensus = if self.is_proof_of_authority() {
            Consensus::ProofOfAuthority {
                authorities: self.authorities.clone(),
                block_time_ms: self.mine_rate_ms,
            }
        } else {
            Consensus::ProofOfWork {
                initial_zero_bits: self.initial_zero_bits,
                block_time_ms: self.mine_rate_ms,
                half_life_blocks: self.half_life_blocks,
            }
        };
        Spec {
            name: self.name.clone().into_owned(),
            created: self.genesis_time,
            consensus,
            mining_reward: self.mining_reward,
            starting_balance: self.starting_balance,
            allocations: self.allocations.clone(),
        }
    }

    /// Whether authorities seal this network's blocks (else they are
    /// mined).
    pub fn is_proof_of_authority(&self) -> bool {
        !self.authorities.is_empty()
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
        genesis_header(self).hash()
    }
}

/// The genesis block's header: it commits to the network's whole spec and
/// the rules' version, so a network id names every rule.
pub fn genesis_header(params: &Params) -> Header {
    // The network's spec and the rules' version are committed: chains of
    // other rules are other networks (rules 4: the spec's canonical text
    // with its creation time, timestamps after the parent's, signatures
    // bound to the network, transaction ids bound to their sender, the
    // ASERT retarget with a 16× floor, the future bound scaled to the block
    // time, seals committed in the block hash).
    let message = format!("tabcoin genesis, rules 4: {}", params.spec().canonical());
    // A proof-of-authority genesis declares no work.
    let bits = if params.is_proof_of_authority() {
        0
    } else {
        params.initial_target().to_compact()
    };
    Header {
        height: Height::GENESIS,
        timestamp: params.genesis_time,
        prev_hash: BlockHash::ZERO,
        tx_root: TxRoot(sha256(message.as_bytes())),
        bits,
        nonce: 0,
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
    fn a_spec_gives_its_rules_and_back() {
        for p in Params::ALL {
            assert_eq!(Params::from_spec(&p.spec()), Ok(p.clone()), "{}", p.name);
        }
        let mut spec = Params::TEST.spec();
        spec.name = "friends".into();
        spec.consensus = Consensus::ProofOfWork {
            initial_zero_bits: 24,
            block_time_ms: 10_000,
            half_life_blocks: 30,
        };
        let p = Params::from_spec(&spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (p.name.as_ref(), p.initial_zero_bits, p.pow_limit_zero_bits),
            ("friends", 24, 20)
        );
        assert_eq!((p.mine_rate_ms, p.half_life_blocks), (10_000, 30));
        assert_eq!(p.max_future_ms, 120_000);
        assert_eq!(p.spec(), spec);
    }

    #[test]
    fn a_bad_spec_gives_no_rules() {
        let mut spec = Params::TEST.spec();
        spec.name = "Bad Name".into();
        assert_eq!(Params::from_spec(&spec), Err(SpecError::NameCharacter('B')));
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
