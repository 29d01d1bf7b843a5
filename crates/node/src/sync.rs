//! Peers: who is there, what they announced, catching up with the one
//! with the most work (one download at a time, headers first: see
//! [`crate::headers`]; its blocks from several peers at once: see
//! [`crate::bodies`]), gossip of new blocks and transactions, and judging
//! peers (see [`crate::peers`]).
//!
//! A claim is a reason to ask, never to stop: mining goes on while a
//! download runs, and the peer must deliver blocks that add work within
//! [`SYNC_STALL_MS`] (an empty batch is no progress) or the node turns to
//! another and holds it against the peer. Orphans and hellos make the node
//! start downloads from a peer only a few times a minute; pool snapshots
//! are read only when asked for.
//!
//! This module holds the download's state and words; what the node does
//! with peers is `Node`'s, in `node/sync.rs`.

use tabcoin_chain::Height;
use tabcoin_protocol::PeerId;

use crate::bodies::Bodies;
use crate::headers::HeaderChain;

/// A sync peer whose blocks have added no work for this long is replaced
/// by another.
pub const SYNC_STALL_MS: u64 = 5_000;

/// Most peers asked for headers at once besides the download peer: every
/// peer that claims more work is asked while nobody has answered, and the
/// first to answer becomes the download peer, so peers that claim work
/// and never serve cost a newcomer nothing but their requests.
pub const MAX_HEADER_PROBES: usize = 16;

/// What the download under way fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// Blocks after the best chain's locator (no download, or a
    /// proof-of-authority network's).
    Blocks,
    /// The peer's header chain, batch by batch (None before the first).
    Headers(Option<HeaderChain>),
    /// The blocks of a header chain proven heavier than the best chain,
    /// pinned in the store, from the download peer and from others that
    /// claim as much work.
    Bodies(Bodies),
}

/// What the node is doing about catching up with its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Up to date with every peer heard from.
    Ready,
    /// Downloading blocks from `peer`, who announced `target` height.
    Syncing {
        /// The peer asked.
        peer: PeerId,
        /// Its announced height.
        target: Height,
    },
}

/// Where a node stands on its network, as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Alone with nothing but the genesis block: a network just created,
    /// or one whose peers have not been heard from. It may mine.
    Genesis,
    /// Downloading blocks from a peer.
    Boot,
    /// Up to date with every peer heard from; it may mine.
    Ready,
}

impl Mode {
    /// The word the app and the API show.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Genesis => "genesis",
            Mode::Boot => "boot",
            Mode::Ready => "ready",
        }
    }
}
