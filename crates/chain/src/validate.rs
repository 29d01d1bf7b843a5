//! Block validation: one function per consensus rule, one [`BlockError`]
//! variant per rule, in two stages that are types.
//!
//! (Longer than most files here on purpose: the error enum is the list of
//! block rules, and each rule's function sits beside it.)
//!
//! 1. [`check_block`] runs every rule that needs only the block, its
//!    ancestors' headers and the validator's clock (an argument: this crate
//!    never reads a clock): height, parent, timestamps, transaction root,
//!    hash, required target, proof of work, reward, signatures and sums. It
//!    yields a [`CheckedBlock`].
//! 2. [`check_ledger`] runs the rules that need the balances as of the
//!    block's parent (input = balance, no replay). It yields a
//!    [`ValidBlock`], the only thing the ledger applies.
//!
//! Only this module constructs either type.

use std::collections::HashSet;

use crate::address::Address;
use crate::amount::Amount;
use crate::block::Block;
use crate::hash::{BlockHash, TxRoot};
use crate::header::Header;
use crate::height::Height;
use crate::ledger::Ledger;
pub use crate::ledger::ValidBlock;
use crate::params::Params;
use crate::sigcache::SigCache;
use crate::target::Target;
use crate::timestamp::Timestamp;
use crate::tx::{Input, TxError, TxId};

/// A consensus rule a block broke. Each variant is one rule and carries the
/// values that disagreed.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum BlockError {
    /// The block's height must be its parent's height plus one.
    #[error("height {actual} does not follow the parent's (expected {expected})")]
    WrongHeight {
        /// Parent height + 1.
        expected: Height,
        /// What the block says.
        actual: Height,
    },
    /// The block must name its parent's hash.
    #[error("previous hash {actual} is not the parent's {expected}")]
    BadPrevHash {
        /// The parent's hash.
        expected: BlockHash,
        /// What the block names.
        actual: BlockHash,
    },
    /// A block holds at most `Params::max_block_txs` transactions.
    #[error("{actual} transactions, at most {max} are allowed")]
    TooManyTransactions {
        /// The limit.
        max: usize,
        /// Transactions present.
        actual: usize,
    },
    /// The timestamp must be later than the parent's: time never steps
    /// back along a chain, so the time the retarget rule credits never
    /// exceeds the real advance of the timestamps (no timewarp).
    #[error("timestamp {actual} is not after the parent's {parent}")]
    TimestampNotAfterParent {
        /// The parent's timestamp.
        parent: Timestamp,
        /// Block timestamp.
        actual: Timestamp,
    },
    /// The timestamp may be at most `Params::max_future_ms` ahead of the
    /// validator's clock.
    #[error("timestamp {actual} is more than {max_ahead_ms} ms ahead of now ({now})")]
    TimestampTooFarAhead {
        /// The validator's clock.
        now: Timestamp,
        /// Block timestamp.
        actual: Timestamp,
        /// Allowed lead.
        max_ahead_ms: u64,
    },
    /// The header must commit to exactly the block's transactions (and, on
    /// a sealed block, to its sealer).
    #[error("transaction root {actual} does not match the transactions ({expected})")]
    BadTxRoot {
        /// Root computed from the transactions.
        expected: TxRoot,
        /// Root in the header.
        actual: TxRoot,
    },
    /// The claimed hash must be the hash of the header.
    #[error("claimed hash {claimed} is not the header's hash {computed}")]
    HashMismatch {
        /// Hash computed from the header.
        computed: BlockHash,
        /// Hash the block claims.
        claimed: BlockHash,
    },
    /// The target must be the one the retarget rule requires; a block cannot
    /// choose its own.
    #[error("target bits {actual:08x} are not the required {expected:08x}")]
    WrongTarget {
        /// Required compact bits.
        expected: u32,
        /// Declared compact bits.
        actual: u32,
    },
    /// The declared target must decode and be no easier than the network's
    /// limit.
    #[error("target bits {bits:08x} are invalid or easier than the limit {limit:08x}")]
    TargetAboveLimit {
        /// Declared compact bits.
        bits: u32,
        /// The limit's compact bits.
        limit: u32,
    },
    /// The hash must meet the target.
    #[error("hash {hash} does not meet the target (bits {bits:08x})")]
    InsufficientWork {
        /// The block's hash.
        hash: BlockHash,
        /// The target's compact bits.
        bits: u32,
    },
    /// The first transaction must be the miner's reward.
    #[error("the first transaction is not the miner's reward")]
    MissingReward,
    /// Only the first transaction may be a reward.
    #[error("transaction {index} is a second reward")]
    ExtraReward {
        /// Its position.
        index: usize,
    },
    /// The reward names the block's own height, so it cannot be reused.
    #[error("the reward is for height {actual}, this block is {expected}")]
    RewardHeight {
        /// The block's height.
        expected: Height,
        /// The height the reward names.
        actual: Height,
    },
    /// The reward has exactly one output.
    #[error("the reward has {actual} outputs, exactly one is allowed")]
    RewardOutputs {
        /// Outputs present.
        actual: usize,
    },
    /// The reward's id is derived from the block's parent, height and miner
    /// (`TxId::for_reward`), so it can neither collide with nor replay
    /// another transaction's id.
    #[error("the reward id {actual} is not the one derived from the block ({expected})")]
    WrongRewardId {
        /// The derived id.
        expected: TxId,
        /// The id in the block.
        actual: TxId,
    },
    /// The reward pays exactly `Params::mining_reward`.
    #[error("the reward is {actual}, it must be {expected}")]
    WrongRewardAmount {
        /// The network's reward.
        expected: Amount,
        /// What the block pays.
        actual: Amount,
    },
    /// At most one transaction per sender per block.
    #[error("{address} sends more than one transaction in this block")]
    DuplicateSender {
        /// The sender.
        address: Address,
    },
    /// A transaction id appears at most once in a block.
    #[error("transaction {id} appears twice in this block")]
    DuplicateTxId {
        /// The id.
        id: TxId,
    },
    /// A transaction broke a transaction rule.
    #[error("transaction {index}: {error}")]
    Tx {
        /// Its position in the block.
        index: usize,
        /// The rule it broke.
        error: TxError,
    },
    /// On a proof-of-authority network every block is sealed.
    #[error("the block has no seal; this network's blocks are sealed by its authorities")]
    Unsealed,
    /// On a proof-of-work network no block is sealed.
    #[error("the block is sealed, but this network's blocks are mined")]
    UnexpectedSeal,
    /// The seal names an authority the network does not have.
    #[error("the seal names authority {by}, but the network has {authorities}")]
    NotAnAuthority {
        /// The index the seal names.
        by: u32,
        /// How many authorities there are.
        authorities: usize,
    },
    /// The seal's signature is not the named authority's over the header.
    #[error("the seal is not authority {by}'s signature of this block")]
    BadSeal {
        /// The index the seal names.
        by: u32,
    },
    /// An authority seals at most once in `⌊n/2⌋ + 1` consecutive blocks.
    #[error("authority {by} sealed one of the {window} blocks before; it must wait its turn")]
    SealedTooSoon {
        /// The sealer.
        by: u32,
        /// How many blocks before it may not have sealed.
        window: usize,
    },
    /// A sealed block declares its weight: in turn or not.
    #[error(
        "the block declares weight {actual}; sealed by this authority at this height it weighs {expected}"
    )]
    WrongWeight {
        /// 2 in turn, 1 out of turn.
        expected: u32,
        /// What `bits` says.
        actual: u32,
    },
    /// A sealed block comes at least the block time after its parent.
    #[error("the block is {actual_ms} ms after its parent; at least {min_ms} ms must pass")]
    TooCloseToParent {
        /// Its distance from the parent's timestamp.
        actual_ms: u64,
        /// The network's block time.
        min_ms: u64,
    },
}

impl BlockError {
    /// The rule's code, in snake case (`insufficient_work`).
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// What validation needs to know about a block's ancestors.
#[derive(Debug, Clone)]
pub struct Context {
    /// The parent's header.
    pub parent: Header,
    /// The parent's hash.
    pub parent_hash: BlockHash,
    /// The retarget's anchor for the parent's children
    /// (`retarget::anchor_after`; None when the parent is genesis).
    pub anchor: Option<Timestamp>,
    /// The target the retarget rule requires of the block.
    pub required_target: Target,
    /// On a proof-of-authority network, who sealed the `⌊n/2⌋` blocks up
    /// to the parent (genesis excluded), newest first; empty otherwise.
    pub recent_sealers: Vec<u32>,
}

impl Context {
    /// The context of a child of `parent` (hash `parent_hash`) on a
    /// proof-of-work network, from headers alone: `anchor` is the
    /// retarget's anchor for `parent`'s children
    /// ([`crate::retarget::anchor_after`]). Headers-first sync checks a
    /// peer's header chain with it before any body is fetched.
    pub fn after_header(
        parent: Header,
        parent_hash: BlockHash,
        anchor: Option<Timestamp>,
        params: &Params,
    ) -> Context {
        Context {
            parent,
            parent_hash,
            anchor,
            required_target: crate::retarget::next_target(&parent, anchor, params),
            recent_sealers: Vec::new(),
        }
    }
}

/// A header's rules on a proof-of-work network, without its body: it
/// follows its parent (height, parent hash), its timestamp is after the
/// parent's and within the future bound of `now`, it declares the
/// required target, and its hash meets it. Returns the header's hash, and
/// the work it adds. The body's rules (transactions, reward) are checked
/// when the block arrives.
pub fn check_header(
    header: &Header,
    ctx: &Context,
    now: Timestamp,
    params: &Params,
) -> Result<(BlockHash, crate::work::Work), BlockError> {
    let block = Block::new(*header, Vec::new());
    height_is_valid(&block, ctx)?;
    prev_hash_is_valid(&block, ctx)?;
    time_is_valid_at(&block, ctx, now, params)?;
    work_is_valid(&block, &block.hash, ctx)?;
    Ok((block.hash, ctx.required_target.work()))
}

/// A block that passed every rule of stage 1 ([`check_block`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedBlock(Block);

impl CheckedBlock {
    /// The genesis block, which is valid by definition (the store compares
    /// it by hash, it is never checked).
    pub(crate) fn genesis(block: Block) -> CheckedBlock {
        CheckedBlock(block)
    }

    /// The block.
    pub fn block(&self) -> &Block {
        &self.0
    }
}

/// Rule: height follows the parent.
pub fn height_is_valid(block: &Block, ctx: &Context) -> Result<(), BlockError> {
    let expected = ctx.parent.height.next();
    match block.header.height {
        actual if actual == expected => Ok(()),
        actual => Err(BlockError::WrongHeight { expected, actual }),
    }
}

/// Rule: the block names its parent.
pub fn prev_hash_is_valid(block: &Block, ctx: &Context) -> Result<(), BlockError> {
    if block.header.prev_hash == ctx.parent_hash {
        Ok(())
    } else {
        Err(BlockError::BadPrevHash {
            expected: ctx.parent_hash,
            actual: block.header.prev_hash,
        })
    }
}

/// Rule: the transaction count is bounded.
pub fn tx_count_is_valid(block: &Block, params: &Params) -> Result<(), BlockError> {
    if block.data.len() > params.max_block_txs {
        Err(BlockError::TooManyTransactions {
            max: params.max_block_txs,
            actual: block.data.len(),
        })
    } else {
        Ok(())
    }
}

/// Rules: the timestamp is after the parent's and not too far ahead of
/// `now`.
pub fn time_is_valid_at(
    block: &Block,
    ctx: &Context,
    now: Timestamp,
    params: &Params,
) -> Result<(), BlockError> {
    let actual = block.header.timestamp;
    let parent = ctx.parent.timestamp;
    if actual <= parent {
        return Err(BlockError::TimestampNotAfterParent { parent, actual });
    }
    if actual > now.plus_ms(params.max_future_ms) {
        return Err(BlockError::TimestampTooFarAhead {
            now,
            actual,
            max_ahead_ms: params.max_future_ms,
        });
    }
    Ok(())
}

/// Rule: the header commits to the transactions.
pub fn tx_root_is_valid(block: &Block) -> Result<(), BlockError> {
    let expected = block.expected_tx_root();
    if block.header.tx_root == expected {
        Ok(())
    } else {
        Err(BlockError::BadTxRoot {
            expected,
            actual: block.header.tx_root,
        })
    }
}

/// Rule: the claimed hash is the header's hash. Returns that hash, proven:
/// the proof-of-work rules take it instead of hashing the header again.
pub fn hash_is_valid(block: &Block) -> Result<BlockHash, BlockError> {
    let computed = block.header.hash();
    if computed == block.hash {
        Ok(computed)
    } else {
        Err(BlockError::HashMismatch {
            computed,
            claimed: block.hash,
        })
    }
}

/// Rule: `hash` (the header's, as proven by [`hash_is_valid`]) meets
/// `target`, the compact `bits` decoded.
fn pow_is_valid(hash: &BlockHash, target: &Target, bits: u32) -> Result<(), BlockError> {
    if target.is_met_by(hash) {
        Ok(())
    } else {
        Err(BlockError::InsufficientWork { hash: *hash, bits })
    }
}

/// Rules: the declared target decodes, is no easier than the network's
/// limit, and `hash` (the header's, from [`hash_is_valid`]) meets it.
/// Together with [`hash_is_valid`] this proves the sender did the work the
/// header claims, before any context is known.
pub fn declared_work_is_valid(
    block: &Block,
    hash: &BlockHash,
    params: &Params,
) -> Result<(), BlockError> {
    let limit = params.pow_limit();
    let bits = block.header.bits;
    match Target::from_compact(bits) {
        Some(target) if target <= limit => pow_is_valid(hash, &target, bits),
        _ => Err(BlockError::TargetAboveLimit {
            bits,
            limit: limit.to_compact(),
        }),
    }
}

/// Rules: the declared target is the required one, and `hash` (the
/// header's, from [`hash_is_valid`]) meets it.
pub fn work_is_valid(block: &Block, hash: &BlockHash, ctx: &Context) -> Result<(), BlockError> {
    let expected = ctx.required_target.to_compact();
    if block.header.bits != expected {
        return Err(BlockError::WrongTarget {
            expected,
            actual: block.header.bits,
        });
    }
    pow_is_valid(hash, &ctx.required_target, expected)
}

/// Rules (proof of authority): the block is sealed, by an authority, it
/// declares the weight of that authority at its height (in turn or not),
/// and the authority's signature over `hash` (the header's, from
/// [`hash_is_valid`]) verifies. One signature check, before any context: a
/// forged seal costs its sender a block and its receiver one verification.
pub fn seal_is_valid(block: &Block, hash: &BlockHash, params: &Params) -> Result<(), BlockError> {
    let Some(seal) = block.seal else {
        return Err(BlockError::Unsealed);
    };
    let authorities = params.authorities.len();
    let Some(key) = params.authorities.get(seal.by as usize) else {
        return Err(BlockError::NotAnAuthority {
            by: seal.by,
            authorities,
        });
    };
    let expected = crate::seal::weight(block.header.height, seal.by, authorities);
    if block.header.bits != expected {
        return Err(BlockError::WrongWeight {
            expected,
            actual: block.header.bits,
        });
    }
    let check = crate::sigcache::SigCheck {
        digest: crate::seal::seal_digest(hash),
        key: *key.as_bytes(),
        signature: seal.signature.0,
    };
    if check.verify() {
        Ok(())
    } else {
        Err(BlockError::BadSeal { by: seal.by })
    }
}

/// Rules (proof of authority, with the ancestors): the sealer sealed none
/// of the `⌊n/2⌋` blocks before, and the block comes at least the block
/// time after its parent.
pub fn turn_is_valid(block: &Block, ctx: &Context, params: &Params) -> Result<(), BlockError> {
    let by = block.seal.map_or(0, |s| s.by);
    let n = params.authorities.len();
    if ctx.recent_sealers.contains(&by) {
        return Err(BlockError::SealedTooSoon {
            by,
            window: crate::seal::recent_window(n),
        });
    }
    let actual_ms = block.header.timestamp.ms_since(ctx.parent.timestamp);
    if actual_ms < params.mine_rate_ms {
        return Err(BlockError::TooCloseToParent {
            actual_ms,
            min_ms: params.mine_rate_ms,
        });
    }
    Ok(())
}

/// The work a valid block adds to its chain: the required target's on a
/// proof-of-work network, its declared weight on a proof-of-authority one.
pub fn work_of(block: &Block, ctx: &Context, params: &Params) -> crate::work::Work {
    if params.is_proof_of_authority() {
        crate::work::Work(u128::from(block.header.bits))
    } else {
        ctx.required_target.work()
    }
}

/// Rules: exactly one reward, first, for this height, one output, the
/// network's amount.
pub fn reward_is_valid(block: &Block, params: &Params) -> Result<(), BlockError> {
    let Some(first) = block.data.first() else {
        return Err(BlockError::MissingReward);
    };
    let Input::Reward { height } = first.input else {
        return Err(BlockError::MissingReward);
    };
    if let Some(index) = block.data.iter().skip(1).position(|tx| tx.is_reward()) {
        return Err(BlockError::ExtraReward { index: index + 1 });
    }
    if height != block.header.height {
        return Err(BlockError::RewardHeight {
            expected: block.header.height,
            actual: height,
        });
    }
    if first.outputs.len() != 1 {
        return Err(BlockError::RewardOutputs {
            actual: first.outputs.len(),
        });
    }
    if let Some(miner) = first.outputs.keys().next() {
        let expected = TxId::for_reward(&block.header.prev_hash, block.header.height, miner);
        if first.id != expected {
            return Err(BlockError::WrongRewardId {
                expected,
                actual: first.id,
            });
        }
    }
    let actual = first
        .outputs
        .values()
        .next()
        .copied()
        .unwrap_or(Amount::ZERO);
    if actual != params.mining_reward {
        return Err(BlockError::WrongRewardAmount {
            expected: params.mining_reward,
            actual,
        });
    }
    Ok(())
}

/// Rules: one transaction per sender, unique ids, and each transfer's own
/// rules (outputs, sums, signature via the cache).
pub fn transactions_are_valid(
    block: &Block,
    params: &Params,
    sigs: &mut SigCache,
) -> Result<(), BlockError> {
    let mut senders = HashSet::new();
    let mut ids = HashSet::new();
    for (index, tx) in block.data.iter().enumerate() {
        if !ids.insert(tx.id) {
            return Err(BlockError::DuplicateTxId { id: tx.id });
        }
        tx.structure_is_valid(params)
            .map_err(|error| BlockError::Tx { index, error })?;
        if let Some(sender) = tx.sender() {
            if !senders.insert(sender) {
                return Err(BlockError::DuplicateSender { address: sender });
            }
            sigs.verify(tx)
                .map_err(|error| BlockError::Tx { index, error })?;
        }
    }
    Ok(())
}

/// Stage 0: what a block proves about itself. Its hash is its header's,
/// the hash meets the target the header declares (no easier than the
/// limit), its transaction count is bounded and the header commits to its
/// transactions. A block that passes is bound to its hash: whatever else is
/// wrong with it is wrong with that hash for ever, so it may be remembered as
/// invalid. A block that fails here proves nothing about the hash it claims.
///
/// Returns the block's hash, computed once here and proven to be the
/// header's.
pub fn check_standalone(block: &Block, params: &Params) -> Result<BlockHash, BlockError> {
    let hash = hash_is_valid(block)?;
    if params.is_proof_of_authority() {
        seal_is_valid(block, &hash, params)?;
    } else {
        if block.seal.is_some() {
            return Err(BlockError::UnexpectedSeal);
        }
        declared_work_is_valid(block, &hash, params)?;
    }
    tx_count_is_valid(block, params)?;
    tx_root_is_valid(block)?;
    Ok(hash)
}

/// Stage 1: every rule that needs no balances: stage 0, then the rules that
/// need the ancestors and the clock, then rewards and signatures (a forged
/// block costs its sender work before it costs us signature checks).
pub fn check_block(
    block: &Block,
    ctx: &Context,
    now: Timestamp,
    params: &Params,
    sigs: &mut SigCache,
) -> Result<CheckedBlock, BlockError> {
    let hash = check_standalone(block, params)?;
    check_in_context(block, &hash, ctx, now, params, sigs)
}

/// Stage 1 after stage 0: the rules that need the ancestors and the clock,
/// then rewards and signatures. `hash` is what [`check_standalone`]
/// returned for this block (the header is not hashed again).
pub fn check_in_context(
    block: &Block,
    hash: &BlockHash,
    ctx: &Context,
    now: Timestamp,
    params: &Params,
    sigs: &mut SigCache,
) -> Result<CheckedBlock, BlockError> {
    height_is_valid(block, ctx)?;
    prev_hash_is_valid(block, ctx)?;
    time_is_valid_at(block, ctx, now, params)?;
    if params.is_proof_of_authority() {
        turn_is_valid(block, ctx, params)?;
    } else {
        work_is_valid(block, hash, ctx)?;
    }
    reward_is_valid(block, params)?;
    transactions_are_valid(block, params, sigs)?;
    Ok(CheckedBlock(block.clone()))
}

impl BlockError {
    /// Whether the rule depends on the validator's clock: such a block may
    /// become valid later and must not be remembered as invalid.
    pub fn depends_on_clock(&self) -> bool {
        matches!(self, BlockError::TimestampTooFarAhead { .. })
    }
}

/// Stage 2: every transfer spends exactly its sender's balance as of the
/// parent, and no id was used before in the chain.
pub fn check_ledger<'a>(
    block: &'a CheckedBlock,
    ledger: &Ledger,
) -> Result<ValidBlock<'a>, BlockError> {
    for (index, tx) in block.0.data.iter().enumerate() {
        ledger
            .tx_is_valid(tx)
            .map_err(|error| BlockError::Tx { index, error })?;
    }
    Ok(ValidBlock::vouched(&block.0))
}

#[cfg(test)]
pub(crate) mod tests;
