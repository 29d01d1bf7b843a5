//! [`Store`]: every known valid block as a tree with cumulative work, the
//! best chain through it, and the ledger at the best tip.
//!
//! (Longer than most files here on purpose: the tree, fork choice,
//! reorganisation and orphans share one set of invariants, kept in one
//! place.)
//!
//! - Fork choice: the best tip is the stored block with the most cumulative
//!   work, summed from the targets the retarget rule *requires* (never a
//!   block's own claim, never the length).
//! - Switching to a better branch rolls the ledger back to the common
//!   ancestor and applies the branch block by block; a branch block that
//!   fails against the ledger is forgotten and the old chain restored.
//! - Side branches are bounded per height and in depth (the fork window);
//!   new side branches are bounded in all. A side block is kept only if it
//!   passes every check, its transfers against its own branch's ledger
//!   included, and only then does anything give way for it; a branch
//!   being extended never gives way to its own next block.
//! - A block whose parent is unknown waits in a bounded orphan set; the
//!   caller asks a peer for the missing parent (with a locator).
//! - Block locators and [`Store::blocks_after`] give incremental sync.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use tabcoin_protocol::RecentSet;

use crate::block::{Block, genesis};
use crate::hash::BlockHash;
use crate::height::Height;
use crate::ledger::{Ledger, Undo};
use crate::params::Params;
use crate::pool::{Added, Pool, PoolError};
use crate::retarget::next_target;
use crate::sigcache::SigCache;
use crate::target::Target;
use crate::timestamp::Timestamp;
use crate::tx::Transaction;
use crate::validate::{
    BlockError, CheckedBlock, Context, check_in_context, check_ledger, check_standalone,
};
use crate::work::Work;

/// What a call to [`Store::accept`] changed: the net change of the best
/// chain over the whole call (a block that joined and left again within it
/// is in neither list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Blocks newly stored (the offered one and orphans it connected).
    pub stored: Vec<BlockHash>,
    /// Blocks that were on the best chain before and are not now (their
    /// transactions may return to the pool).
    pub removed: Vec<Block>,
    /// Blocks on the best chain now that were not before, parent first.
    pub added: Vec<Block>,
    /// The block waits for this unknown ancestor; ask a peer for it.
    pub missing_parent: Option<BlockHash>,
}

impl Accepted {
    /// Whether the best tip moved.
    pub fn tip_changed(&self) -> bool {
        !self.added.is_empty()
    }

    /// Adds a later change (`removed`, then `added`): a block that joined
    /// and leaves again, or left and joins again, cancels out.
    pub fn follow(&mut self, removed: Vec<Block>, added: Vec<Block>) {
        for block in removed {
            match self.added.iter().position(|b| b.hash == block.hash) {
                Some(i) => {
                    self.added.remove(i);
                }
                None => self.removed.push(block),
            }
        }
        for block in added {
            match self.removed.iter().position(|b| b.hash == block.hash) {
                Some(i) => {
                    self.removed.remove(i);
                }
                None => self.added.push(block),
            }
        }
    }

    /// Adds what a later call to [`Store::accept`] changed.
    pub fn merge(&mut self, later: Accepted) {
        self.stored.extend(later.stored);
        self.follow(later.removed, later.added);
        if later.missing_parent.is_some() {
            self.missing_parent = later.missing_parent;
        }
    }
}

/// Why a block was refused.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum AcceptError {
    /// The block broke a consensus rule.
    #[error("block {hash} at height {height} is invalid: {error}")]
    Invalid {
        /// Hash the block claims.
        hash: BlockHash,
        /// Height it claims.
        height: Height,
        /// The rule it broke.
        error: BlockError,
    },
    /// The block, or an ancestor, was found invalid before.
    #[error("block {hash} is (or builds on) a block known to be invalid")]
    KnownInvalid {
        /// The block.
        hash: BlockHash,
    },
    /// The block forks off more than `Params::max_fork_depth` blocks below the
    /// best tip; this node does not store such branches (a policy bounding
    /// what a peer can make it keep, not a consensus rule).
    #[error("block {hash} at height {height} forks too deep below the tip at {tip}")]
    TooDeep {
        /// The block.
        hash: BlockHash,
        /// Its height.
        height: Height,
        /// The best tip's height.
        tip: Height,
    },
    /// The block would be a side-branch block beyond what this node keeps
    /// (`Params::max_siblings` at its height, or `Params::max_side_blocks`
    /// with no side block of less work to give way): a policy bounding what
    /// a peer can make it keep, not a consensus rule.
    #[error("block {hash} at height {height} is one side-branch block too many")]
    SideBranchFull {
        /// The block.
        hash: BlockHash,
        /// Its height.
        height: Height,
    },
    /// A stored block's ancestor is missing (it was found invalid and
    /// forgotten).
    #[error("an ancestor of block {hash} is no longer stored")]
    MissingAncestor {
        /// The block.
        hash: BlockHash,
    },
    /// A stored chain does not start with this network's genesis.
    #[error("the chain starts with {actual}, not this network's genesis {expected}")]
    WrongGenesis {
        /// This network's genesis hash.
        expected: BlockHash,
        /// The first block offered.
        actual: BlockHash,
    },
}

impl AcceptError {
    /// The refusal's code, in snake case: the broken rule's for an invalid
    /// block (`bad_tx_root`), else the store's (`too_deep`).
    pub fn code(&self) -> &'static str {
        match self {
            AcceptError::Invalid { error, .. } => error.code(),
            other => other.into(),
        }
    }
}

/// How many invalid block hashes a store remembers.
const INVALID_CAPACITY: usize = 10_000;

struct Entry {
    block: CheckedBlock,
    work: Work,
    /// The retarget's anchor for this block's children
    /// (`retarget::anchor_after`); None for genesis.
    anchor: Option<Timestamp>,
}

/// Known blocks, the best chain and its ledger.
pub struct Store {
    params: Params,
    entries: HashMap<BlockHash, Entry>,
    /// Stored blocks by height, within the fork window below the tip
    /// (older heights hold only best-chain blocks, kept in `main`).
    recent: BTreeMap<Height, Vec<BlockHash>>,
    main: Vec<BlockHash>,
    undo: Vec<Undo>,
    ledger: Ledger,
    orphans: HashMap<BlockHash, Block>,
    orphan_order: VecDeque<BlockHash>,
    /// What the orphans take together ([`Block::footprint`]).
    orphan_bytes: usize,
    invalid: RecentSet<BlockHash>,
    /// Blocks of a heavier header chain being downloaded (see
    /// [`Store::pin`]).
    pinned: HashSet<BlockHash>,
    /// Signatures already verified (shared with the pool).
    pub sigs: SigCache,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Store({} at height {}, {} blocks known)",
            self.params.name,
            self.height(),
            self.entries.len()
        )
    }
}

impl Store {
    /// A store holding only the network's genesis block.
    pub fn new(params: Params) -> Store {
        let g = genesis(&params);
        let hash = g.hash;
        Store {
            entries: HashMap::from([(
                hash,
                Entry {
                    block: CheckedBlock::genesis(g),
                    work: Work::ZERO,
                    anchor: None,
                },
            )]),
            recent: BTreeMap::from([(Height::GENESIS, vec![hash])]),
            main: vec![hash],
            undo: Vec::new(),
            ledger: Ledger::new(params.starting_balance, &params.allocations),
            orphans: HashMap::new(),
            orphan_order: VecDeque::new(),
            orphan_bytes: 0,
            invalid: RecentSet::new(INVALID_CAPACITY),
            pinned: HashSet::new(),
            sigs: SigCache::new(hash),
            params,
        }
    }

    /// Rebuilds from stored blocks (genesis first), validating every block.
    pub fn from_blocks(
        params: Params,
        blocks: Vec<Block>,
        now: Timestamp,
    ) -> Result<Store, AcceptError> {
        match Store::from_blocks_prefix(params, blocks, now) {
            (store, None) => Ok(store),
            (_, Some(e)) => Err(e),
        }
    }

    /// Like [`Store::from_blocks`], but keeps the valid prefix: the store as
    /// of the last block that validated, and why the next one did not (for
    /// instance a block ahead of a clock that is now behind).
    pub fn from_blocks_prefix(
        params: Params,
        blocks: Vec<Block>,
        now: Timestamp,
    ) -> (Store, Option<AcceptError>) {
        let mut store = Store::new(params);
        let mut iter = blocks.into_iter();
        match iter.next() {
            Some(first) if first == *store.genesis() => {}
            Some(first) => {
                let expected = store.genesis().hash;
                return (
                    store,
                    Some(AcceptError::WrongGenesis {
                        expected,
                        actual: first.hash,
                    }),
                );
            }
            None => return (store, None),
        }
        for block in iter {
            if let Err(e) = store.accept(block, now) {
                return (store, Some(e));
            }
        }
        (store, None)
    }

    /// The network's constants.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn block_of(&self, hash: &BlockHash) -> Option<&Block> {
        self.entries.get(hash).map(|e| e.block.block())
    }

    /// The genesis block; its hash is the network id.
    pub fn genesis(&self) -> &Block {
        self.block_at(Height::GENESIS)
            .expect("the best chain always holds genesis")
    }

    /// The best block.
    pub fn tip(&self) -> &Block {
        self.block_at(self.height())
            .expect("the best chain always holds its tip")
    }

    /// Height of the best block.
    pub fn height(&self) -> Height {
        Height((self.main.len() - 1) as u64)
    }

    /// Total work of the best chain.
    pub fn total_work(&self) -> Work {
        self.main
            .last()
            .and_then(|h| self.entries.get(h))
            .map_or(Work::ZERO, |e| e.work)
    }

    /// The best-chain block at `height`.
    pub fn block_at(&self, height: Height) -> Option<&Block> {
        let hash = self.main.get(height.as_usize())?;
        self.block_of(hash)
    }

    /// Any stored block by hash (best chain or side branch).
    pub fn get(&self, hash: &BlockHash) -> Option<&Block> {
        self.block_of(hash)
    }

    /// Whether `hash` is on the best chain.
    pub fn is_main(&self, hash: &BlockHash) -> bool {
        self.block_of(hash)
            .is_some_and(|b| self.main.get(b.header.height.as_usize()) == Some(hash))
    }

    /// The best chain, genesis first.
    pub fn main_chain(&self) -> impl DoubleEndedIterator<Item = &Block> {
        self.main.iter().filter_map(|h| self.block_of(h))
    }

    /// Balances and history at the best tip.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Blocks waiting for an unknown parent.
    pub fn orphan_count(&self) -> usize {
        self.orphans.len()
    }

    /// What the blocks waiting for an unknown parent take in memory, about
    /// ([`Block::footprint`]); at most [`Params::max_orphan_bytes`].
    pub fn orphan_bytes(&self) -> usize {
        self.orphan_bytes
    }

    /// Number of stored blocks, side branches included.
    pub fn known_blocks(&self) -> usize {
        self.entries.len()
    }

    /// Verifies `tx` against the best tip's ledger (signatures through the
    /// shared cache) and adds it to `pool`.
    pub fn add_to_pool(&mut self, pool: &mut Pool, tx: Transaction) -> Result<Added, PoolError> {
        pool.add(tx, &self.ledger, &self.params, &mut self.sigs)
    }

    /// Brings `pool` up to date after the best chain changed (see
    /// [`Pool::update_after`]).
    pub fn update_pool(&mut self, pool: &mut Pool, removed: &[Block]) {
        pool.update_after(removed, &self.ledger, &self.params, &mut self.sigs);
    }

    /// What validating a child of `parent_hash` needs; None if unknown.
    pub fn context(&self, parent_hash: &BlockHash) -> Option<Context> {
        let parent = self.block_of(parent_hash)?;
        let anchor = self.anchor_of(parent_hash);
        // Who sealed the last ⌊n/2⌋ blocks (proof of authority only).
        let window = crate::seal::recent_window(self.params.authorities.len());
        let mut recent_sealers = Vec::with_capacity(window);
        let mut at = Some(parent);
        while let Some(b) = at.filter(|_| recent_sealers.len() < window) {
            let Some(seal) = b.seal else { break };
            recent_sealers.push(seal.by);
            at = self.block_of(&b.header.prev_hash);
        }
        Some(Context {
            parent: parent.header,
            parent_hash: *parent_hash,
            anchor,
            required_target: next_target(&parent.header, anchor, &self.params),
            recent_sealers,
        })
    }

    /// Whether `block`, if valid, would be stored beside the best chain
    /// rather than extend or replace it (false when its parent is unknown
    /// or it is known already): a cheap look before any check.
    pub fn would_be_side(&self, block: &Block) -> bool {
        if self.entries.contains_key(&block.hash) {
            return false;
        }
        let (Some(parent), Some(ctx)) = (
            self.entries.get(&block.header.prev_hash),
            self.context(&block.header.prev_hash),
        ) else {
            return false;
        };
        parent
            .work
            .saturating_add(crate::validate::work_of(block, &ctx, &self.params))
            <= self.total_work()
    }

    /// The target the next block on the best tip must meet.
    pub fn next_target(&self) -> Target {
        self.context(&self.tip().hash)
            .map_or(self.params.pow_limit(), |c| c.required_target)
    }

    /// A block locator: hashes of the tip, then of blocks ever further back
    /// (1, 2, 4, 8, … below the tip), always ending with genesis.
    pub fn locator(&self) -> Vec<BlockHash> {
        let mut out = Vec::new();
        let mut height = self.main.len() - 1;
        let mut step = 1;
        loop {
            out.push(self.main[height]);
            if height == 0 {
                break;
            }
            if out.len() > 1 {
                step *= 2;
            }
            height = height.saturating_sub(step);
        }
        out
    }

    /// Best-chain blocks after the first locator hash on the best chain, at
    /// most `max`; none if no hash is known (another network).
    fn main_after<'a>(
        &'a self,
        locator: &[BlockHash],
        max: usize,
    ) -> impl Iterator<Item = &'a Block> + 'a {
        let from = locator
            .iter()
            .find(|h| self.is_main(h))
            .and_then(|h| self.block_of(h))
            .map_or(self.main.len(), |start| start.header.height.as_usize() + 1);
        self.main
            .iter()
            .skip(from)
            .take(max)
            .filter_map(|h| self.block_of(h))
    }

    /// Best-chain blocks after the first locator hash on the best chain, at
    /// most `max`. Empty if none is known (another network) or nothing follows.
    pub fn blocks_after(&self, locator: &[BlockHash], max: usize) -> Vec<Block> {
        self.main_after(locator, max).cloned().collect()
    }

    /// The headers of best-chain blocks after the first locator hash on
    /// the best chain, at most `max` (headers-first sync).
    pub fn headers_after(&self, locator: &[BlockHash], max: usize) -> Vec<crate::header::Header> {
        self.main_after(locator, max).map(|b| b.header).collect()
    }

    /// The anchor a stored block's children are judged against (see
    /// [`crate::retarget::anchor_after`]); None if unknown or genesis.
    pub fn anchor_of(&self, hash: &BlockHash) -> Option<Timestamp> {
        self.entries.get(hash).and_then(|e| e.anchor)
    }

    /// The cumulative work up to a stored block.
    pub fn work_of(&self, hash: &BlockHash) -> Option<Work> {
        self.entries.get(hash).map(|e| e.work)
    }

    /// Pins `hashes`: the blocks of a header chain proven to carry more
    /// work than the best chain (headers-first sync). A pinned block is
    /// stored however deep it forks and whatever the side-branch bounds,
    /// and is not forgotten below the fork window, until
    /// [`Store::unpin`]: bounds limit what a peer can make this node keep,
    /// but never decide which chain wins.
    pub fn pin(&mut self, hashes: impl IntoIterator<Item = BlockHash>) {
        self.pinned.extend(hashes);
    }

    /// Forgets every pin; side blocks below the fork window are then
    /// forgotten as usual.
    pub fn unpin(&mut self) {
        let floor = self.height().0.saturating_sub(self.params.max_fork_depth);
        let pinned = std::mem::take(&mut self.pinned);
        for hash in pinned {
            let deep_side = self
                .block_of(&hash)
                .is_some_and(|b| b.header.height.0 < floor && !self.is_main(&hash));
            if deep_side {
                self.forget(&hash);
            }
        }
        self.forget_deep_side_blocks();
    }

    /// Whether `hash` is pinned.
    pub fn is_pinned(&self, hash: &BlockHash) -> bool {
        self.pinned.contains(hash)
    }

    /// Offers a block. Known blocks change nothing; a block with an unknown
    /// parent waits as an orphan; otherwise it is checked, stored, and if its
    /// branch has more work the best chain moves to it. Orphans that it is
    /// the parent of are connected too.
    pub fn accept(&mut self, block: Block, now: Timestamp) -> Result<Accepted, AcceptError> {
        let (hash, height) = (block.hash, block.header.height);
        let mut result = Accepted::default();
        if self.entries.contains_key(&hash) || self.orphans.contains_key(&hash) {
            return Ok(result);
        }
        // Nothing is stored or remembered about a block until it proves it
        // is bound to the hash it claims and carries the work it declares.
        check_standalone(&block, &self.params).map_err(|error| AcceptError::Invalid {
            hash,
            height,
            error,
        })?;
        if self.invalid.contains(&hash) || self.invalid.contains(&block.header.prev_hash) {
            self.invalid.insert(hash);
            return Err(AcceptError::KnownInvalid { hash });
        }
        if !self.entries.contains_key(&block.header.prev_hash) {
            result.missing_parent = Some(self.add_orphan(block));
            return Ok(result);
        }
        self.connect(block, now, &mut result)?;
        let mut queue = vec![hash];
        while let Some(parent) = queue.pop() {
            let children: Vec<BlockHash> = self
                .orphans
                .values()
                .filter(|b| b.header.prev_hash == parent)
                .map(|b| b.hash)
                .collect();
            for child in children {
                if let Some(b) = self.take_orphan(&child)
                    && self.connect(b, now, &mut result).is_ok()
                {
                    queue.push(child);
                }
            }
        }
        Ok(result)
    }

    /// Keeps `block` until its parent arrives; returns the missing ancestor
    /// at the root of its orphan chain.
    fn add_orphan(&mut self, block: Block) -> BlockHash {
        let mut missing = block.header.prev_hash;
        // Orphans are keyed by their proven hashes, so chains of them cannot
        // loop; the bound is a second guard.
        for _ in 0..=self.params.max_orphans {
            match self.orphans.get(&missing) {
                Some(parent) => missing = parent.header.prev_hash,
                None => break,
            }
        }
        // The oldest give way, by count and by bytes; the newest is kept
        // (one block is far below the byte bound).
        let bytes = block.footprint();
        while (self.orphans.len() >= self.params.max_orphans
            || self.orphan_bytes + bytes > self.params.max_orphan_bytes)
            && let Some(oldest) = self.orphan_order.front().copied()
        {
            self.take_orphan(&oldest);
        }
        self.orphan_order.push_back(block.hash);
        self.orphan_bytes += bytes;
        self.orphans.insert(block.hash, block);
        missing
    }

    /// Removes an orphan, and its share of the count and the bytes.
    fn take_orphan(&mut self, hash: &BlockHash) -> Option<Block> {
        self.orphan_order.retain(|h| h != hash);
        let block = self.orphans.remove(hash)?;
        self.orphan_bytes -= block.footprint();
        Some(block)
    }

    fn connect(
        &mut self,
        block: Block,
        now: Timestamp,
        result: &mut Accepted,
    ) -> Result<(), AcceptError> {
        let (hash, height, header) = (block.hash, block.header.height, block.header);
        if self.invalid.contains(&block.header.prev_hash) {
            self.invalid.insert(hash);
            return Err(AcceptError::KnownInvalid { hash });
        }
        let Some(ctx) = self.context(&block.header.prev_hash) else {
            return Err(AcceptError::MissingAncestor { hash });
        };
        let tip = self.height();
        let pinned = self.pinned.contains(&hash);
        // A block this far below the tip is not on the best chain (that one
        // is known already), so it starts or extends a deep fork; unless it
        // is on a header chain proven heavier (pinned).
        if !pinned && height.0.saturating_add(self.params.max_fork_depth) < tip.0 {
            return Err(AcceptError::TooDeep { hash, height, tip });
        }
        let parent_work = self.work_of(&block.header.prev_hash).unwrap_or(Work::ZERO);
        let work = parent_work.saturating_add(crate::validate::work_of(&block, &ctx, &self.params));
        let side = work <= self.total_work();
        // A pinned block's branch carries more work than the best chain by
        // its headers: it needs no room, and its transfers are checked when
        // it becomes the best chain (a failure then forgets it and all that
        // builds on it).
        let bounded_side = side && !pinned;
        // A side block whose branch lost an ancestor cannot be checked
        // against its branch's ledger: it is not kept.
        if bounded_side && self.branch_of(block.header.prev_hash).is_none() {
            return Err(AcceptError::MissingAncestor { hash });
        }
        // A side-branch block is kept only within bounds: whether there is
        // room, and which side leaf would give way, is decided before any
        // signature is checked; nothing gives way until the block has
        // passed every check.
        let gives_way = if bounded_side {
            self.room_for_side_block(&block, work)?
        } else {
            None
        };
        // Every block reaching here passed stage 0 when it was offered (an
        // orphan too), so its claimed hash is the header's.
        let checked = check_in_context(&block, &hash, &ctx, now, &self.params, &mut self.sigs)
            .map_err(|error| self.refused(hash, height, error))?;
        // A side block's transfers must hold on its own branch before it
        // is kept: a branch that could never become best costs no memory.
        if bounded_side {
            self.check_on_branch(&checked)
                .map_err(|error| self.refused(hash, height, error))?;
        }
        if let Some(leaf) = gives_way {
            self.forget(&leaf);
        }
        self.entries.insert(
            hash,
            Entry {
                block: checked,
                work,
                anchor: crate::retarget::anchor_after(&header, ctx.anchor, &self.params),
            },
        );
        self.recent.entry(height).or_default().push(hash);
        result.stored.push(hash);
        let outcome = if work > self.total_work() {
            self.reorg_to(hash, result)
        } else {
            Ok(())
        };
        self.forget_deep_side_blocks();
        outcome
    }

    /// Side-branch blocks stored at `height`.
    fn side_at(&self, height: Height) -> impl Iterator<Item = &BlockHash> {
        let main = self.main.get(height.as_usize());
        self.recent
            .get(&height)
            .into_iter()
            .flatten()
            .filter(move |h| Some(*h) != main)
    }

    /// A connected block failed `error`: stage 0 passed, so the failure
    /// belongs to this hash for ever (remembered), unless it depends on
    /// our clock.
    fn refused(&mut self, hash: BlockHash, height: Height, error: BlockError) -> AcceptError {
        if !error.depends_on_clock() {
            self.invalid.insert(hash);
        }
        AcceptError::Invalid {
            hash,
            height,
            error,
        }
    }

    /// Whether side-branch `block` (of cumulative `work`) may be kept, and
    /// what would give way for it (changing nothing): refused past
    /// `max_siblings` at its height. A block extending a side leaf grows a
    /// branch that is already kept and needs no room while the side set
    /// holds fewer than `max_side_blocks + max_fork_depth` blocks and it is
    /// at most `max_fork_depth` above the tip (so one branch can span the
    /// whole fork window, and the total stays bounded); any other side block needs room
    /// under `max_side_blocks`, where the side leaf of least work gives way
    /// if it has less than the new block, else the new block is refused.
    /// The new block's own parent never gives way: a branch must not evict
    /// itself, and a count must not decide which branch can win.
    fn room_for_side_block(
        &self,
        block: &Block,
        work: Work,
    ) -> Result<Option<BlockHash>, AcceptError> {
        let (hash, height) = (block.hash, block.header.height);
        let full = AcceptError::SideBranchFull { hash, height };
        if self.side_at(height).count() >= self.params.max_siblings {
            return Err(full);
        }
        let parent = block.header.prev_hash;
        let parent_is_side_leaf = !self.is_main(&parent)
            && !self
                .recent
                .get(&height)
                .into_iter()
                .flatten()
                .filter_map(|h| self.block_of(h))
                .any(|b| b.header.prev_hash == parent);
        // Pinned blocks (a heavier header chain being fetched) never give
        // way, and do not count.
        let side: Vec<BlockHash> = self
            .recent
            .keys()
            .flat_map(|h| self.side_at(*h))
            .filter(|h| !self.pinned.contains(*h))
            .copied()
            .collect();
        // Extending a kept branch: room up to a fork window more than the
        // bound for new branches, and never more than a fork window above
        // the tip (a branch of no more work but many more blocks is made
        // of easier blocks, not of a rival's).
        let depth = usize::try_from(self.params.max_fork_depth).unwrap_or(usize::MAX);
        if parent_is_side_leaf
            && side.len() < self.params.max_side_blocks.saturating_add(depth)
            && height.0 <= self.height().0.saturating_add(self.params.max_fork_depth)
        {
            return Ok(None);
        }
        if side.len() < self.params.max_side_blocks {
            return Ok(None);
        }
        let mut parents: HashSet<BlockHash> = side
            .iter()
            .filter_map(|h| self.block_of(h).map(|b| b.header.prev_hash))
            .collect();
        parents.insert(block.header.prev_hash);
        let weakest = side
            .iter()
            .filter(|h| !parents.contains(*h))
            .filter_map(|h| self.entries.get(h).map(|e| (e.work, *h)))
            .min();
        match weakest {
            Some((least, leaf)) if least < work => Ok(Some(leaf)),
            _ => Err(full),
        }
    }

    /// Forgets a stored block (not invalid: it may be offered again).
    fn forget(&mut self, hash: &BlockHash) {
        if let Some(entry) = self.entries.remove(hash) {
            let height = entry.block.block().header.height;
            if let Some(at) = self.recent.get_mut(&height) {
                at.retain(|h| h != hash);
            }
        }
    }

    /// Side-branch blocks deeper than the fork window can never be built
    /// on again (see `TooDeep`): they are forgotten, and so is the window's
    /// index below it.
    fn forget_deep_side_blocks(&mut self) {
        let floor = Height(self.height().0.saturating_sub(self.params.max_fork_depth));
        let deep: Vec<Height> = self.recent.range(..floor).map(|(h, _)| *h).collect();
        for height in deep {
            let side: Vec<BlockHash> = self
                .side_at(height)
                .filter(|h| !self.pinned.contains(*h))
                .copied()
                .collect();
            for hash in side {
                self.entries.remove(&hash);
            }
            // Pinned blocks stay stored, out of the window's index; unpinning
            // forgets those that are still side blocks.
            self.recent.remove(&height);
        }
    }

    /// Makes `new_tip` the best tip: undo to the common ancestor, apply the
    /// branch. On a ledger failure the bad block and its branch descendants
    /// are forgotten and the old best chain is restored.
    fn reorg_to(&mut self, new_tip: BlockHash, result: &mut Accepted) -> Result<(), AcceptError> {
        let (branch, fork) = self
            .branch_of(new_tip)
            .ok_or(AcceptError::MissingAncestor { hash: new_tip })?;
        let mut removed = self.unwind_to(fork);
        removed.reverse();
        for (i, hash) in branch.iter().enumerate() {
            if let Err(error) = self.apply(hash) {
                for _ in 0..i {
                    self.main.pop();
                    if let Some(undo) = self.undo.pop() {
                        self.ledger.undo(undo);
                    }
                }
                for old in &removed {
                    // These were valid on this very ledger a moment ago.
                    let _ = self.apply(old);
                }
                let height = self
                    .block_of(hash)
                    .map_or(Height::GENESIS, |b| b.header.height);
                let forgotten = self.forget_with_descendants(*hash);
                result.stored.retain(|h| !forgotten.contains(h));
                return Err(AcceptError::Invalid {
                    hash: *hash,
                    height,
                    error,
                });
            }
        }
        let removed_blocks = removed.iter().filter_map(|h| self.block_of(h)).cloned();
        let added = branch.iter().filter_map(|h| self.block_of(h)).cloned();
        result.follow(removed_blocks.collect(), added.collect());
        // The old best chain forks below the new fork window: it can never
        // be built on again, and part of it is no longer in the window's
        // index, so all of it goes now, with whatever was built on it (not
        // remembered as invalid: it may come again, as a side branch).
        let floor = self.height().0.saturating_sub(self.params.max_fork_depth);
        if (fork as u64) < floor {
            let old: HashSet<BlockHash> = removed
                .iter()
                .filter(|h| !self.pinned.contains(*h))
                .copied()
                .collect();
            self.forget_descendants_of(old);
        }
        Ok(())
    }

    /// Forgets an invalid block and every stored block built on it, and
    /// remembers them all as invalid.
    fn forget_with_descendants(&mut self, bad: BlockHash) -> HashSet<BlockHash> {
        let gone = self.forget_descendants_of(HashSet::from([bad]));
        for hash in &gone {
            self.invalid.insert(*hash);
        }
        gone
    }

    /// Forgets `roots` and every stored block built on them; returns them
    /// all.
    fn forget_descendants_of(&mut self, roots: HashSet<BlockHash>) -> HashSet<BlockHash> {
        let mut gone = roots;
        loop {
            let children: Vec<BlockHash> = self
                .entries
                .iter()
                .filter(|(h, e)| {
                    !gone.contains(*h) && gone.contains(&e.block.block().header.prev_hash)
                })
                .map(|(h, _)| *h)
                .collect();
            if children.is_empty() {
                break;
            }
            gone.extend(children);
        }
        for hash in &gone {
            self.forget(hash);
        }
        gone
    }

    /// The stored blocks from `tip` down to the best chain, lowest first,
    /// and the height of the best-chain block they build on (None if an
    /// ancestor is missing).
    fn branch_of(&self, tip: BlockHash) -> Option<(Vec<BlockHash>, usize)> {
        let mut branch = Vec::new();
        let mut cursor = tip;
        while !self.is_main(&cursor) {
            branch.push(cursor);
            cursor = self.block_of(&cursor)?.header.prev_hash;
        }
        branch.reverse();
        let fork = self
            .block_of(&cursor)
            .map_or(0, |b| b.header.height.as_usize());
        Some((branch, fork))
    }

    /// Takes the best chain back to height `fork`, undoing its ledger; the
    /// blocks taken off, highest first.
    fn unwind_to(&mut self, fork: usize) -> Vec<BlockHash> {
        let mut removed = Vec::new();
        while self.main.len() > fork + 1 {
            if let (Some(hash), Some(undo)) = (self.main.pop(), self.undo.pop()) {
                self.ledger.undo(undo);
                removed.push(hash);
            }
        }
        removed
    }

    /// Checks a side-branch block's transfers against the ledger of its
    /// own branch: the best chain's ledger is rolled back to the fork, the
    /// branch's stored blocks are applied, the block is checked, and the
    /// best chain's ledger is put back as it was. The fork window bounds
    /// the work (no signature is checked here).
    fn check_on_branch(&mut self, block: &CheckedBlock) -> Result<(), BlockError> {
        // Every stored block's ancestors are stored.
        let Some((branch, fork)) = self.branch_of(block.block().header.prev_hash) else {
            return Ok(());
        };
        let popped = self.unwind_to(fork);
        let mut applied = Vec::new();
        let mut verdict = Ok(());
        for hash in &branch {
            let Some(entry) = self.entries.get(hash) else {
                break;
            };
            match check_ledger(&entry.block, &self.ledger) {
                Ok(valid) => applied.push(self.ledger.apply(&valid)),
                Err(error) => {
                    verdict = Err(error);
                    break;
                }
            }
        }
        if verdict.is_ok() {
            verdict = check_ledger(block, &self.ledger).map(|_| ());
        }
        for undo in applied.into_iter().rev() {
            self.ledger.undo(undo);
        }
        for hash in popped.iter().rev() {
            // These were valid on this very ledger a moment ago.
            let _ = self.apply(hash);
        }
        verdict
    }

    /// Applies a stored block on top of the best chain's ledger.
    fn apply(&mut self, hash: &BlockHash) -> Result<(), BlockError> {
        // Every hash applied was just looked up in `entries`.
        let Some(entry) = self.entries.get(hash) else {
            return Ok(());
        };
        let valid = check_ledger(&entry.block, &self.ledger)?;
        let undo = self.ledger.apply(&valid);
        self.undo.push(undo);
        self.main.push(*hash);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
