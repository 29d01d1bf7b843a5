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
//! This module holds the download's state machine ([`Catchup`]: whom the
//! node follows, what it fetches, since when it progressed, which other
//! peers it asked for headers) and its words; what the node does with
//! peers, the store and the messages is the peer side's, `crate::net::Net`.

use std::collections::BTreeMap;

use tabcoin_chain::{Height, Timestamp};
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

/// Who answered a request for headers, as the download sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A peer that was not asked as a probe (the download peer, or nobody
    /// asked).
    NotProbe,
    /// A probe that answered after another peer took the lead: its answer
    /// is not needed.
    Late,
    /// A probe that answered first: it leads the download now, and the
    /// peer that led is asked on as a probe.
    Leads,
}

/// The download's state machine: the peer the node catches up with (and
/// the height it announced), what is fetched from it, when it last made
/// progress, and the other peers asked for headers meanwhile (probes).
/// It decides nothing about blocks; the node tells it what happened.
#[derive(Debug, Clone)]
pub struct Catchup {
    state: SyncState,
    progress: Timestamp,
    /// What the download under way fetches.
    pub(crate) fetch: Fetch,
    /// Peers that claimed more work, asked for headers while the download
    /// peer has not answered: when each was asked, the height it announced.
    probes: BTreeMap<PeerId, (Timestamp, Height)>,
}

impl Default for Catchup {
    fn default() -> Catchup {
        Catchup::new()
    }
}

impl Catchup {
    /// In step: nothing downloaded, nobody asked.
    pub fn new() -> Catchup {
        Catchup {
            state: SyncState::Ready,
            progress: Timestamp(0),
            fetch: Fetch::Blocks,
            probes: BTreeMap::new(),
        }
    }

    /// Catching up, or in step.
    pub fn state(&self) -> SyncState {
        self.state
    }

    /// Whether `peer` leads the download.
    pub fn is_from(&self, peer: PeerId) -> bool {
        matches!(self.state, SyncState::Syncing { peer: p, .. } if p == peer)
    }

    /// The peer leading the download, if any.
    pub fn leader(&self) -> Option<PeerId> {
        match self.state {
            SyncState::Syncing { peer, .. } => Some(peer),
            SyncState::Ready => None,
        }
    }

    /// Starts (or moves) the download to `peer`, who announced `target`,
    /// at `now`: its headers first, or (`headers_first` false) its blocks.
    /// Whether it was asked for headers already as a probe (its answer is
    /// on its way, so it is not asked again).
    pub fn start(
        &mut self,
        peer: PeerId,
        target: Height,
        headers_first: bool,
        now: Timestamp,
    ) -> bool {
        self.state = SyncState::Syncing { peer, target };
        self.progress = now;
        self.fetch = if headers_first {
            Fetch::Headers(None)
        } else {
            Fetch::Blocks
        };
        headers_first && self.probes.remove(&peer).is_some()
    }

    /// The download is over: in step again.
    pub fn finish(&mut self) {
        self.state = SyncState::Ready;
        self.fetch = Fetch::Blocks;
    }

    /// The download made progress at `now`.
    pub fn progressed(&mut self, now: Timestamp) {
        self.progress = now;
    }

    /// The download peer, if it made no progress for [`SYNC_STALL_MS`] by
    /// `now`.
    pub fn stalled(&self, now: Timestamp) -> Option<PeerId> {
        self.leader()
            .filter(|_| now.ms_since(self.progress) > SYNC_STALL_MS)
    }

    /// Another serving peer leads the download of the same chain.
    pub fn hand_over(&mut self, next: PeerId) {
        if let SyncState::Syncing { target, .. } = self.state {
            self.state = SyncState::Syncing { peer: next, target };
        }
    }

    /// Whether probes are wanted: the download peer has sent no header yet.
    pub fn wants_probes(&self) -> bool {
        self.fetch == Fetch::Headers(None)
    }

    /// Whether `peer` may be asked for headers as a probe: probes are
    /// wanted, it does not lead, was not asked already, and fewer than
    /// [`MAX_HEADER_PROBES`] are out.
    pub fn may_probe(&self, peer: PeerId) -> bool {
        self.wants_probes()
            && !self.is_from(peer)
            && !self.probes.contains_key(&peer)
            && self.probes.len() < MAX_HEADER_PROBES
    }

    /// Asks `peer` (announced `height`) for headers as a probe at `now`, if
    /// it may be ([`Catchup::may_probe`]); whether it is to be asked.
    pub fn probe(&mut self, peer: PeerId, height: Height, now: Timestamp) -> bool {
        let asks = self.may_probe(peer);
        if asks {
            self.probes.insert(peer, (now, height));
        }
        asks
    }

    /// Whether no more probes may be asked now.
    pub fn probes_full(&self) -> bool {
        self.probes.len() >= MAX_HEADER_PROBES
    }

    /// Probes silent for [`SYNC_STALL_MS`] by `now`, no longer waited for.
    pub fn silent_probes(&mut self, now: Timestamp) -> Vec<PeerId> {
        let silent: Vec<PeerId> = self
            .probes
            .iter()
            .filter(|(_, (asked, _))| now.ms_since(*asked) > SYNC_STALL_MS)
            .map(|(peer, _)| *peer)
            .collect();
        for peer in &silent {
            self.probes.remove(peer);
        }
        silent
    }

    /// `peer` is gone: it is no longer waited for as a probe.
    pub fn forget(&mut self, peer: PeerId) {
        self.probes.remove(&peer);
    }

    /// `peer` answered a request for headers at `now`.
    pub fn answered(&mut self, peer: PeerId, now: Timestamp) -> Answer {
        let Some((_, height)) = self.probes.remove(&peer) else {
            return Answer::NotProbe;
        };
        if !self.wants_probes() {
            return Answer::Late;
        }
        if let SyncState::Syncing {
            peer: leader,
            target,
        } = self.state
            && leader != peer
        {
            self.probes.insert(leader, (now, target));
        }
        self.state = SyncState::Syncing {
            peer,
            target: height,
        };
        Answer::Leads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_000_000);

    fn at(ms: u64) -> Timestamp {
        Timestamp(T0.0 + ms)
    }

    #[test]
    fn a_download_stalls_without_progress_and_not_with_it() {
        let mut c = Catchup::new();
        assert_eq!(c.stalled(at(60_000)), None, "nothing to stall");
        assert!(!c.start(7, Height(100), true, T0));
        assert_eq!(c.leader(), Some(7));
        assert_eq!(c.stalled(at(SYNC_STALL_MS)), None);
        assert_eq!(c.stalled(at(SYNC_STALL_MS + 1)), Some(7));
        c.progressed(at(4_000));
        assert_eq!(c.stalled(at(SYNC_STALL_MS + 1)), None);
        c.finish();
        assert_eq!(c.state(), SyncState::Ready);
        assert_eq!(c.fetch, Fetch::Blocks);
    }

    #[test]
    fn probes_are_bounded_and_asked_once_while_no_header_came() {
        let mut c = Catchup::new();
        assert!(!c.probe(2, Height(9), T0), "no download: no probes");
        c.start(1, Height(10), true, T0);
        assert!(!c.probe(1, Height(10), T0), "the leader is not a probe");
        assert!(c.probe(2, Height(9), T0));
        assert!(!c.probe(2, Height(9), T0), "asked once");
        for p in 3..(3 + MAX_HEADER_PROBES as u64 - 1) {
            assert!(c.probe(p, Height(9), T0));
        }
        assert!(c.probes_full());
        assert!(!c.probe(99, Height(9), T0), "at most {MAX_HEADER_PROBES}");
        // Silent ones are let go.
        assert_eq!(c.silent_probes(at(SYNC_STALL_MS)), Vec::<PeerId>::new());
        assert_eq!(
            c.silent_probes(at(SYNC_STALL_MS + 1)).len(),
            MAX_HEADER_PROBES
        );
        assert!(!c.probes_full());
    }

    #[test]
    fn the_first_to_answer_leads_and_the_rest_are_late() {
        let mut c = Catchup::new();
        c.start(1, Height(10), true, T0);
        c.probe(2, Height(12), T0);
        c.probe(3, Height(11), T0);
        assert_eq!(c.answered(1, at(1)), Answer::NotProbe);
        assert_eq!(c.answered(2, at(5)), Answer::Leads);
        assert_eq!(
            c.state(),
            SyncState::Syncing {
                peer: 2,
                target: Height(12)
            }
        );
        // The one that led is asked on as a probe.
        assert!(!c.probe(1, Height(10), at(6)), "1 is a probe already");
        // A header arrived: the download fetches the chain; others are late.
        let store = tabcoin_chain::Store::new(crate::testkit::P);
        let chain = crate::headers::HeaderChain::at(&store, store.genesis().hash);
        c.fetch = Fetch::Headers(chain);
        assert_eq!(c.answered(3, at(7)), Answer::Late);
        assert!(c.is_from(2));
    }

    #[test]
    fn a_probe_made_leader_is_not_asked_again() {
        let mut c = Catchup::new();
        c.start(1, Height(10), true, T0);
        c.probe(2, Height(12), T0);
        assert!(
            c.start(2, Height(12), true, at(1)),
            "its answer is on its way"
        );
        assert!(!c.start(3, Height(13), false, at(2)), "blocks: no probes");
        c.forget(3);
        c.hand_over(4);
        assert_eq!(c.leader(), Some(4));
    }
}
