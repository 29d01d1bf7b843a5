//! What the node knows of each peer, and how it judges them.
//!
//! Every peer has a misbehaviour score. A [`Fault`] adds to it; the score
//! decays by [`DECAY_PER_MINUTE`] a minute, so an honest peer's occasional
//! slowness is forgotten. At [`BAN_SCORE`] the peer is banned for
//! [`BAN_MS`]: the node ignores it and asks the shell to drop what it sends
//! before decoding it. Provably invalid data bans at once. A peer may also
//! make the node start a download from it at most [`SYNCS_PER_MINUTE`]
//! times a minute, send at most [`TXS_PER_MINUTE`] transactions a minute
//! (more are not even verified), and make it check at most
//! [`SIDE_TXS_PER_MINUTE`] transactions of side-branch blocks a minute
//! outside a download it was asked for (more are dropped unchecked). Its
//! requests are answered at most [`SERVES_PER_SECOND`] a second after a
//! burst of [`SERVE_BURST`], so it cannot make this node flood others. A
//! download it asked for is paced by itself and budgeted apart: a request
//! for what follows a best-chain block at or above the highest one this
//! node sent it (a continuation, or a stretch further on when it downloads
//! from several peers at once) is answered outside that rate, so an honest
//! download of any length is never taken for a flood and each height is
//! served that way at most once, while a peer that asks for anything else
//! (the same blocks again) pays the rate as before.
//!
//! A peer's id is its key's (`tabcoin_protocol::identity`), so a peer that
//! leaves and comes back is the same peer: its score, its rates and its
//! ban wait for it ([`GONE_KEPT`] peers' standing is kept); only what it
//! announced is forgotten.
//!
//! A new key is cheap next to the standing it would shed, so a peer starts
//! with the least: until it has proven useful (a block of its moved the
//! best chain), every such peer shares one allowance of what costs the
//! node most when unasked: orphans kept ([`NEWCOMER_ORPHAN_BYTES_PER_MINUTE`])
//! and side-branch transactions checked ([`NEWCOMER_SIDE_TXS_PER_MINUTE`]).
//! A thousand fresh keys get what one gets.

use std::collections::{BTreeMap, HashMap, VecDeque};

use tabcoin_chain::{BlockHash, Height, Timestamp, Work};
use tabcoin_protocol::PeerId;

/// A peer is banned for this long.
pub const BAN_MS: u64 = 10 * 60_000;
/// The score that bans.
pub const BAN_SCORE: u32 = 100;
/// Points a score loses a minute.
pub const DECAY_PER_MINUTE: u32 = 10;
/// Downloads a peer may make the node start in a minute (its hellos and
/// orphans beyond this are not followed).
pub const SYNCS_PER_MINUTE: usize = 4;
/// Transactions a peer may send in a minute before the rest are ignored
/// unverified.
pub const TXS_PER_MINUTE: usize = 600;

/// Transactions in side-branch blocks a peer may make the node check in a
/// minute outside a download the node asked it for; past it, its side
/// blocks are dropped before any check (a racing miner's block fits many
/// times over).
pub const SIDE_TXS_PER_MINUTE: u32 = 2_000;

/// Bytes of orphans (blocks on an unknown parent, sent unasked) that the
/// peers not yet proven useful, all together, may have the node keep a
/// minute; past it theirs are not kept (their parents are still asked
/// for). Proven peers' orphans are bounded by the store alone.
pub const NEWCOMER_ORPHAN_BYTES_PER_MINUTE: u32 = 1 << 20;

/// Side-branch transactions the peers not yet proven useful, all together,
/// may make the node check a minute (each also within its own allowance).
pub const NEWCOMER_SIDE_TXS_PER_MINUTE: u32 = SIDE_TXS_PER_MINUTE;

/// Requests a peer may have answered at once (blocks, pool, a `hello` in
/// return)...
pub const SERVE_BURST: u64 = 20;
/// ...and a second after that: a syncing peer asks once per batch it has
/// validated, far more slowly, while a flood of requests would make this
/// node send more than the relay lets one tab send and cut it off.
pub const SERVES_PER_SECOND: u64 = 10;

const MINUTE_MS: u64 = 60_000;

/// Peers that left whose standing (score, rates) is kept for their return,
/// the oldest forgotten first.
pub const GONE_KEPT: usize = 1_024;

/// Something a peer did wrong, with what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Provably invalid data: a forged block, a bad signature.
    Invalid,
    /// The download from it added no work before the deadline.
    NoProgress,
    /// It answered a download with no blocks but said more would follow.
    EmptyBatch,
    /// It sent blocks whose parents it never delivers, faster than allowed.
    Orphans,
    /// It sent a payload that is not a message.
    Undecodable,
    /// It sent what the node did not ask for (a pool snapshot), more
    /// transactions than allowed, or more requests than are answered.
    Unsolicited,
    /// It sent side-branch blocks beyond what the node keeps.
    Wasteful,
}

impl Fault {
    /// Points added to the score.
    pub fn points(self) -> u32 {
        match self {
            Fault::Invalid => BAN_SCORE,
            Fault::NoProgress => 40,
            Fault::EmptyBatch | Fault::Undecodable => 25,
            Fault::Orphans | Fault::Unsolicited | Fault::Wasteful => 10,
        }
    }
}

/// What a peer downloads from this node, in batches it paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    /// Blocks (`get_blocks`).
    Blocks = 0,
    /// Headers (`get_headers`).
    Headers = 1,
}

/// One peer.
#[derive(Debug, Clone, Default)]
struct Peer {
    /// Height and work of its last `hello`.
    announced: Option<(Height, Work)>,
    /// The tip its last `hello` named.
    tip: Option<BlockHash>,
    score: u32,
    scored_at: Timestamp,
    /// When downloads from it started, within the last minute.
    syncs: VecDeque<Timestamp>,
    /// When its transactions arrived, within the last minute.
    txs: VecDeque<Timestamp>,
    /// When its side-branch blocks were checked, with their transactions,
    /// within the last minute.
    side: VecDeque<(Timestamp, u32)>,
    /// The node asked it for its pool and has not had the answer yet.
    pool_asked: bool,
    /// Requests answered beyond what the rate has paid back, in
    /// thousandths of a request, as of `served_at`.
    serve_debt: u64,
    served_at: Timestamp,
    /// For each kind of download ([`Download`]), the highest item sent to
    /// it in any batch: a request starting at or above it is its download,
    /// paced by it; each height is served outside the rate at most once,
    /// so walking the chain again from the start pays the rate.
    served_through: [Height; 2],
    /// A block of its moved the best chain: it is no longer a newcomer.
    proven: bool,
}

/// Keeps `spent` to the last minute; true if `cost` more stays within
/// `max` (it is then counted).
fn within_budget(
    spent: &mut VecDeque<(Timestamp, u32)>,
    cost: u32,
    max: u32,
    now: Timestamp,
) -> bool {
    while spent
        .front()
        .is_some_and(|(t, _)| now.ms_since(*t) >= MINUTE_MS)
    {
        spent.pop_front();
    }
    let total: u32 = spent.iter().map(|(_, n)| n).sum();
    if total.saturating_add(cost) > max {
        return false;
    }
    spent.push_back((now, cost));
    true
}

/// What the peers not yet proven useful have spent together, within the
/// last minute.
#[derive(Debug, Clone, Default)]
struct Newcomers {
    orphan_bytes: VecDeque<(Timestamp, u32)>,
    side_txs: VecDeque<(Timestamp, u32)>,
}

/// Keeps `times` to the last minute; true if there is room for one more of
/// at most `max` (which is then counted).
fn within_rate(times: &mut VecDeque<Timestamp>, max: usize, now: Timestamp) -> bool {
    while times.front().is_some_and(|t| now.ms_since(*t) >= MINUTE_MS) {
        times.pop_front();
    }
    if times.len() >= max {
        return false;
    }
    times.push_back(now);
    true
}

/// The peers that can be reached, and the banned ones.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    reachable: BTreeMap<PeerId, Peer>,
    banned: HashMap<PeerId, Timestamp>,
    /// Peers that left, with their standing, and the order they left in.
    gone: HashMap<PeerId, Peer>,
    gone_order: VecDeque<PeerId>,
    newcomers: Newcomers,
}

impl Peers {
    /// No peers.
    pub fn new() -> Peers {
        Peers::default()
    }

    /// Exactly these peers can be reached now (what each announced is
    /// forgotten; scores of peers seen again are kept only while banned).
    pub fn reset(&mut self, peers: impl IntoIterator<Item = PeerId>) {
        let before: Vec<PeerId> = self.reachable.keys().copied().collect();
        for peer in before {
            self.leave(peer);
        }
        for peer in peers {
            self.join(peer);
        }
    }

    /// A peer can now be reached (with the standing it left with, if it
    /// was here before).
    pub fn join(&mut self, peer: PeerId) {
        if self.reachable.contains_key(&peer) {
            return;
        }
        let back = match self.gone.remove(&peer) {
            Some(back) => {
                self.gone_order.retain(|p| *p != peer);
                back
            }
            None => Peer::default(),
        };
        self.reachable.insert(peer, back);
    }

    /// A peer can no longer be reached: what it announced is forgotten,
    /// its standing kept for its return.
    pub fn leave(&mut self, peer: PeerId) {
        let Some(mut left) = self.reachable.remove(&peer) else {
            return;
        };
        left.announced = None;
        left.tip = None;
        left.pool_asked = false;
        self.gone.insert(peer, left);
        self.gone_order.push_back(peer);
        while self.gone.len() > GONE_KEPT {
            let Some(oldest) = self.gone_order.pop_front() else {
                break;
            };
            self.gone.remove(&oldest);
        }
    }

    /// Peers that can be reached.
    pub fn len(&self) -> usize {
        self.reachable.len()
    }

    /// Whether no peer can be reached.
    pub fn is_empty(&self) -> bool {
        self.reachable.is_empty()
    }

    /// Whether `peer` can be reached.
    pub fn contains(&self, peer: PeerId) -> bool {
        self.reachable.contains_key(&peer)
    }

    /// Records a peer's `hello`: its tip, that tip's height and the work.
    pub fn announce(&mut self, peer: PeerId, tip: BlockHash, height: Height, work: Work) {
        let p = self.reachable.entry(peer).or_default();
        p.announced = Some((height, work));
        p.tip = Some(tip);
    }

    /// What `peer` last announced: its height and work.
    pub fn announced(&self, peer: PeerId) -> Option<(Height, Work)> {
        self.reachable.get(&peer).and_then(|p| p.announced)
    }

    /// Peers that announced more work than `ours`, with the height each
    /// announced.
    pub fn announcers(&self, ours: Work) -> Vec<(PeerId, Height)> {
        self.claims(ours).map(|(p, h, _)| (p, h)).collect()
    }

    /// Peers that announced at least `work`, with the tip and height each
    /// named.
    pub fn claiming(&self, work: Work) -> Vec<(PeerId, BlockHash, Height)> {
        self.claims(Work(work.0.saturating_sub(1)))
            .filter_map(|(p, h, _)| Some((p, self.reachable.get(&p)?.tip?, h)))
            .collect()
    }

    /// Each peer that announced more work than `ours`, with what it
    /// announced.
    fn claims(&self, ours: Work) -> impl Iterator<Item = (PeerId, Height, Work)> + '_ {
        self.reachable
            .iter()
            .filter_map(|(p, peer)| peer.announced.map(|(h, w)| (*p, h, w)))
            .filter(move |(_, _, w)| *w > ours)
    }

    /// Forgets what a peer announced (it was served, or failed to serve).
    pub fn forget_announcement(&mut self, peer: PeerId) {
        if let Some(p) = self.reachable.get_mut(&peer) {
            p.announced = None;
        }
    }

    /// The peer (other than `except`) that announced the most work, if that
    /// is more than `ours`, with the height it announced.
    pub fn best_announced(&self, except: Option<PeerId>, ours: Work) -> Option<(PeerId, Height)> {
        self.claims(ours)
            .filter(|(p, _, _)| Some(*p) != except)
            .max_by_key(|(_, _, w)| *w)
            .map(|(p, h, _)| (p, h))
    }

    /// Whether a download from `peer` may start now (and counts it).
    pub fn may_sync(&mut self, peer: PeerId, now: Timestamp) -> bool {
        let p = self.reachable.entry(peer).or_default();
        within_rate(&mut p.syncs, SYNCS_PER_MINUTE, now)
    }

    /// Whether a transaction from `peer` is within its allowance (and
    /// counts it).
    pub fn may_send_tx(&mut self, peer: PeerId, now: Timestamp) -> bool {
        let p = self.reachable.entry(peer).or_default();
        within_rate(&mut p.txs, TXS_PER_MINUTE, now)
    }

    /// Whether a request from `peer` may be answered now (and counts it):
    /// [`SERVE_BURST`] at once, [`SERVES_PER_SECOND`] after that.
    pub fn may_serve(&mut self, peer: PeerId, now: Timestamp) -> bool {
        let p = self.reachable.entry(peer).or_default();
        let paid = now.ms_since(p.served_at).saturating_mul(SERVES_PER_SECOND);
        p.served_at = now;
        p.serve_debt = p.serve_debt.saturating_sub(paid);
        if p.serve_debt + 1_000 > SERVE_BURST * 1_000 {
            return false;
        }
        p.serve_debt += 1_000;
        true
    }

    /// Whether a request for the blocks or headers (`kind`) after a block
    /// from `peer` may be answered now (and counts it): `start` is that
    /// block's height if it is on the best chain. At once if nothing above
    /// it was sent to that peer before (its download, paced by it), else
    /// within [`Peers::may_serve`]'s rate.
    pub fn may_serve_download(
        &mut self,
        peer: PeerId,
        kind: Download,
        start: Option<Height>,
        now: Timestamp,
    ) -> bool {
        let p = self.reachable.entry(peer).or_default();
        if start.is_some_and(|h| h >= p.served_through[kind as usize]) {
            return true;
        }
        self.may_serve(peer, now)
    }

    /// A batch of `kind` ending at height `last` was sent to `peer`.
    pub fn served_download(&mut self, peer: PeerId, kind: Download, last: Height) {
        let p = self.reachable.entry(peer).or_default();
        let k = kind as usize;
        p.served_through[k] = p.served_through[k].max(last);
    }

    /// Whether a side-branch block of `txs` transactions from `peer` is
    /// within its allowance (and counts it).
    /// A newcomer's also within the newcomers' shared allowance.
    pub fn may_send_side_block(&mut self, peer: PeerId, txs: usize, now: Timestamp) -> bool {
        let p = self.reachable.entry(peer).or_default();
        let cost = u32::try_from(txs).unwrap_or(u32::MAX);
        if !within_budget(&mut p.side, cost, SIDE_TXS_PER_MINUTE, now) {
            return false;
        }
        p.proven
            || within_budget(
                &mut self.newcomers.side_txs,
                cost,
                NEWCOMER_SIDE_TXS_PER_MINUTE,
                now,
            )
    }

    /// Whether an orphan of `bytes` that `peer` sent unasked may be kept
    /// (and counts it): a newcomer's only within the newcomers' shared
    /// allowance.
    pub fn may_keep_orphan(&mut self, peer: PeerId, bytes: usize, now: Timestamp) -> bool {
        if self.is_proven(peer) {
            return true;
        }
        let cost = u32::try_from(bytes).unwrap_or(u32::MAX);
        within_budget(
            &mut self.newcomers.orphan_bytes,
            cost,
            NEWCOMER_ORPHAN_BYTES_PER_MINUTE,
            now,
        )
    }

    /// A block of `peer`'s moved the best chain: it is no newcomer.
    pub fn proven(&mut self, peer: PeerId) {
        self.reachable.entry(peer).or_default().proven = true;
    }

    /// Whether `peer` has proven useful.
    pub fn is_proven(&self, peer: PeerId) -> bool {
        self.reachable.get(&peer).is_some_and(|p| p.proven)
    }

    /// The node asks `peer` for its pool.
    pub fn ask_pool(&mut self, peer: PeerId) {
        self.reachable.entry(peer).or_default().pool_asked = true;
    }

    /// A pool snapshot came from `peer`: whether the node asked for it (the
    /// question is then answered).
    pub fn answers_pool(&mut self, peer: PeerId) -> bool {
        self.reachable
            .get_mut(&peer)
            .is_some_and(|p| std::mem::take(&mut p.pool_asked))
    }

    /// Adds `fault` to `peer`'s score; returns the end of its ban if this
    /// bans it.
    pub fn penalise(&mut self, peer: PeerId, fault: Fault, now: Timestamp) -> Option<Timestamp> {
        if self.is_banned(peer, now) {
            return None;
        }
        let p = self.reachable.entry(peer).or_default();
        let decay = (now.ms_since(p.scored_at) / MINUTE_MS).min(u64::from(u32::MAX)) as u32;
        p.score = p
            .score
            .saturating_sub(decay.saturating_mul(DECAY_PER_MINUTE))
            .saturating_add(fault.points());
        p.scored_at = now;
        if p.score < BAN_SCORE {
            return None;
        }
        let until = now.plus_ms(BAN_MS);
        self.banned.insert(peer, until);
        p.announced = None;
        p.score = 0;
        Some(until)
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: PeerId, now: Timestamp) -> bool {
        self.banned.get(&peer).is_some_and(|until| now < *until)
    }

    /// Forgets bans that ended; returns how many are in force.
    pub fn expire_bans(&mut self, now: Timestamp) -> usize {
        self.banned.retain(|_, until| now < *until);
        self.banned.len()
    }

    /// Peers banned now.
    pub fn banned(&self) -> usize {
        self.banned.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timestamp = Timestamp(1_795_219_200_000);

    #[test]
    fn faults_add_up_to_a_ban_that_ends() {
        let mut peers = Peers::new();
        peers.join(1);
        assert_eq!(peers.penalise(1, Fault::NoProgress, T), None);
        assert_eq!(peers.penalise(1, Fault::NoProgress, T), None);
        let until = peers.penalise(1, Fault::Undecodable, T);
        assert_eq!(until, Some(T.plus_ms(BAN_MS)));
        assert!(peers.is_banned(1, T.plus_ms(BAN_MS - 1)));
        assert!(!peers.is_banned(1, T.plus_ms(BAN_MS)));
        assert_eq!(peers.expire_bans(T.plus_ms(BAN_MS)), 0);
        assert_eq!(
            peers.penalise(2, Fault::Invalid, T),
            Some(T.plus_ms(BAN_MS))
        );
    }

    #[test]
    fn a_peer_that_leaves_and_comes_back_keeps_its_standing() {
        let mut peers = Peers::new();
        peers.join(1);
        peers.announce(1, BlockHash([1; 32]), Height(5), Work(50));
        assert_eq!(peers.penalise(1, Fault::NoProgress, T), None);
        assert_eq!(peers.penalise(1, Fault::NoProgress, T), None);
        for _ in 0..TXS_PER_MINUTE {
            assert!(peers.may_send_tx(1, T));
        }
        assert!(!peers.may_send_tx(1, T));
        // Gone and back (the relay's whole room too): the same key, the
        // same standing; what it announced is forgotten.
        peers.leave(1);
        peers.reset([1, 2]);
        assert_eq!(peers.announced(1), None);
        assert!(!peers.may_send_tx(1, T), "its rate is still spent");
        assert!(peers.may_send_tx(2, T));
        assert_eq!(
            peers.penalise(1, Fault::EmptyBatch, T),
            Some(T.plus_ms(BAN_MS)),
            "its score was kept: one more fault bans"
        );
    }

    #[test]
    fn the_standing_of_peers_gone_is_bounded() {
        let mut peers = Peers::new();
        for p in 0..(GONE_KEPT as PeerId + 10) {
            peers.join(p);
            let _ = peers.penalise(p, Fault::NoProgress, T);
            peers.leave(p);
        }
        assert_eq!(peers.gone.len(), GONE_KEPT);
        // The oldest were forgotten: they come back with a clean score.
        peers.join(0);
        assert_eq!(peers.penalise(0, Fault::NoProgress, T), None);
        assert_eq!(peers.penalise(0, Fault::NoProgress, T), None);
        // A recent one was not.
        peers.join(GONE_KEPT as PeerId + 9);
        assert_eq!(
            peers.penalise(GONE_KEPT as PeerId + 9, Fault::NoProgress, T),
            None
        );
        assert!(
            peers
                .penalise(GONE_KEPT as PeerId + 9, Fault::Undecodable, T)
                .is_some()
        );
        for _ in 0..5 {
            for p in 0..20 {
                peers.join(p);
                peers.leave(p);
            }
        }
        assert_eq!(peers.gone_order.len(), peers.gone.len());
    }

    #[test]
    fn scores_decay_so_rare_faults_are_forgiven() {
        let mut peers = Peers::new();
        let mut now = T;
        for _ in 0..20 {
            assert_eq!(peers.penalise(1, Fault::NoProgress, now), None);
            now = now.plus_ms(5 * MINUTE_MS);
        }
        assert!(!peers.is_banned(1, now));
    }

    #[test]
    fn requests_are_answered_in_a_burst_then_at_a_steady_rate() {
        let mut peers = Peers::new();
        for _ in 0..SERVE_BURST {
            assert!(peers.may_serve(1, T));
        }
        assert!(!peers.may_serve(1, T), "past the burst");
        assert!(peers.may_serve(2, T), "per peer");
        let tenth = T.plus_ms(1_000 / SERVES_PER_SECOND);
        assert!(peers.may_serve(1, tenth), "one more a tenth of a second on");
        assert!(!peers.may_serve(1, tenth));
        let later = tenth.plus_ms(60_000);
        for _ in 0..SERVE_BURST {
            assert!(peers.may_serve(1, later), "the burst is back");
        }
    }

    #[test]
    fn a_download_is_served_once_per_height_outside_the_rate() {
        let mut peers = Peers::new();
        for _ in 0..SERVE_BURST {
            assert!(peers.may_serve(1, T), "the burst spent");
        }
        let blocks = Download::Blocks;
        // From the start, then a stretch further on (several peers serve
        // one download), then the continuation: all free.
        for (start, last) in [(0, 200), (400, 600), (600, 800)] {
            assert!(peers.may_serve_download(1, blocks, Some(Height(start)), T));
            peers.served_download(1, blocks, Height(last));
        }
        // Below what was sent (the same blocks again), or after a block off
        // the best chain: the rate, spent.
        assert!(!peers.may_serve_download(1, blocks, Some(Height(200)), T));
        assert!(!peers.may_serve_download(1, blocks, None, T));
        // Headers are budgeted apart; another peer too.
        assert!(peers.may_serve_download(1, Download::Headers, Some(Height(0)), T));
        assert!(peers.may_serve_download(2, blocks, Some(Height(0)), T));
    }

    #[test]
    fn downloads_and_transactions_are_bounded_per_minute() {
        let mut peers = Peers::new();
        for _ in 0..SYNCS_PER_MINUTE {
            assert!(peers.may_sync(1, T));
        }
        assert!(!peers.may_sync(1, T.plus_ms(59_999)));
        assert!(peers.may_sync(1, T.plus_ms(MINUTE_MS)));
        assert!(peers.may_sync(2, T), "per peer");
        for _ in 0..TXS_PER_MINUTE {
            assert!(peers.may_send_tx(1, T));
        }
        assert!(!peers.may_send_tx(1, T));
    }

    #[test]
    fn a_pool_snapshot_counts_only_as_the_answer_to_a_question() {
        let mut peers = Peers::new();
        peers.join(1);
        assert!(!peers.answers_pool(1), "not asked");
        peers.ask_pool(1);
        assert!(peers.answers_pool(1));
        assert!(!peers.answers_pool(1), "answered once");
    }

    #[test]
    fn the_best_announcement_wins_unless_excluded() {
        let mut peers = Peers::new();
        peers.announce(1, BlockHash([5; 32]), Height(5), Work(50));
        peers.announce(2, BlockHash([9; 32]), Height(9), Work(90));
        assert_eq!(peers.best_announced(None, Work(10)), Some((2, Height(9))));
        assert_eq!(
            peers.best_announced(Some(2), Work(10)),
            Some((1, Height(5)))
        );
        assert_eq!(peers.best_announced(None, Work(90)), None);
        peers.forget_announcement(2);
        assert_eq!(peers.best_announced(None, Work(10)), Some((1, Height(5))));
    }

    #[test]
    fn newcomers_share_one_side_block_allowance_proven_peers_keep_their_own() {
        let mut peers = Peers::new();
        let now = Timestamp(1_000_000);
        let each = (SIDE_TXS_PER_MINUTE / 4) as usize;
        // Fresh keys, each well within its own allowance: together they
        // get what one newcomer gets.
        let taken = (10..30)
            .filter(|p| peers.may_send_side_block(*p, each, now))
            .count();
        assert_eq!(taken as u32, NEWCOMER_SIDE_TXS_PER_MINUTE / (each as u32));
        // A proven peer is held to its own allowance only.
        peers.proven(7);
        assert!(peers.is_proven(7) && !peers.is_proven(10));
        assert!(peers.may_send_side_block(7, each, now));
        // A minute on, newcomers have theirs again.
        assert!(peers.may_send_side_block(40, each, now.plus_ms(MINUTE_MS)));
        // Proven standing is kept while a peer is away.
        peers.join(7);
        peers.leave(7);
        peers.join(7);
        assert!(peers.is_proven(7));
    }
}
