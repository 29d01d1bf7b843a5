//! Asking a room for a network's spec, politely ([`SpecAsk`]): the join
//! page asks everyone when it arrives and again with growing pauses while
//! nobody answers, and asks each tab that joins after that once, all within
//! a budget far below what the relay allows a connection. A room whose
//! tabs come and go by the hundred a second costs the joiner a few asks a
//! second, never its connection.

use std::collections::{BTreeSet, VecDeque};

use tabcoin_protocol::PeerId;

/// Asks a second, on average…
pub const ASKS_PER_SECOND: u64 = 4;
/// …and at most this many at once.
pub const ASK_BURST: u64 = 8;
/// The first pause before everyone is asked again, in ms; it doubles up to
/// [`MAX_PAUSE_MS`] while nobody answers.
pub const FIRST_PAUSE_MS: u64 = 3_000;
/// The longest pause between asking everyone, in ms.
pub const MAX_PAUSE_MS: u64 = 30_000;
/// Tabs remembered as asked (the oldest are forgotten first).
const ASKED_REMEMBERED: usize = 4_096;

/// Whom to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Everyone in the room.
    All,
    /// One tab.
    One(PeerId),
}

/// The join page's asking, paced: a token bucket of
/// [`ASKS_PER_SECOND`] (bursts of [`ASK_BURST`]), a growing pause between
/// asking everyone, each tab asked alone at most once.
#[derive(Debug, Clone)]
pub struct SpecAsk {
    /// Tokens, in thousandths of an ask.
    milli_tokens: u64,
    /// When tokens were last counted, ms.
    last: u64,
    /// When everyone may be asked again, ms (None: at once).
    next_all: Option<u64>,
    /// The pause after the next time everyone is asked.
    pause_ms: u64,
    /// Tabs asked alone, or present when everyone was asked.
    asked: BTreeSet<PeerId>,
    /// The same, oldest first, to forget.
    order: VecDeque<PeerId>,
    /// Asks made.
    made: u64,
}

impl SpecAsk {
    /// Nothing asked yet, a full budget, at `now` (ms).
    pub fn new(now: u64) -> SpecAsk {
        SpecAsk {
            milli_tokens: ASK_BURST * 1_000,
            last: now,
            next_all: None,
            pause_ms: FIRST_PAUSE_MS,
            asked: BTreeSet::new(),
            order: VecDeque::new(),
            made: 0,
        }
    }

    /// How many asks were made.
    pub fn made(&self) -> u64 {
        self.made
    }

    /// Takes one ask from the budget at `now`, if there is one.
    fn take(&mut self, now: u64) -> bool {
        let elapsed = now.saturating_sub(self.last);
        self.last = self.last.max(now);
        self.milli_tokens = (self.milli_tokens + elapsed * ASKS_PER_SECOND).min(ASK_BURST * 1_000);
        if self.milli_tokens < 1_000 {
            return false;
        }
        self.milli_tokens -= 1_000;
        self.made += 1;
        true
    }

    fn remember(&mut self, peer: PeerId) {
        if self.asked.insert(peer) {
            self.order.push_back(peer);
            if self.order.len() > ASKED_REMEMBERED
                && let Some(old) = self.order.pop_front()
            {
                self.asked.remove(&old);
            }
        }
    }

    /// The relay welcomed the page into the room, with these tabs: they
    /// are asked all at once if the pause allows (and they count as asked).
    pub fn welcomed(&mut self, present: &[PeerId], now: u64) -> Option<Ask> {
        if present.is_empty() {
            return None;
        }
        let ask = self.all(now)?;
        for peer in present {
            self.remember(*peer);
        }
        Some(ask)
    }

    /// A tab joined the room: asked once, if the budget allows.
    pub fn joined(&mut self, peer: PeerId, now: u64) -> Option<Ask> {
        if self.asked.contains(&peer) || !self.take(now) {
            return None;
        }
        self.remember(peer);
        Some(Ask::One(peer))
    }

    /// About once a second: everyone is asked again when the pause is
    /// over, if there is anyone (`present`); each time the pause doubles.
    pub fn tick(&mut self, present: &[PeerId], now: u64) -> Option<Ask> {
        self.welcomed(present, now)
    }

    fn all(&mut self, now: u64) -> Option<Ask> {
        if self.next_all.is_some_and(|at| now < at) || !self.take(now) {
            return None;
        }
        self.next_all = Some(now + self.pause_ms);
        self.pause_ms = (self.pause_ms * 2).min(MAX_PAUSE_MS);
        Some(Ask::All)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_is_asked_at_once_then_after_growing_pauses() {
        let mut a = SpecAsk::new(0);
        assert_eq!(a.welcomed(&[], 0), None, "nobody to ask");
        assert_eq!(a.welcomed(&[1, 2], 0), Some(Ask::All));
        assert_eq!(a.tick(&[1, 2], 1_000), None);
        assert_eq!(a.tick(&[1, 2], FIRST_PAUSE_MS), Some(Ask::All));
        assert_eq!(
            a.tick(&[1, 2], 2 * FIRST_PAUSE_MS),
            None,
            "the pause doubled"
        );
        assert_eq!(a.tick(&[1, 2], 3 * FIRST_PAUSE_MS), Some(Ask::All));
        let mut at = 3 * FIRST_PAUSE_MS;
        let mut pauses = Vec::new();
        for t in (at..at + 300_000).step_by(1_000) {
            if a.tick(&[1], t) == Some(Ask::All) {
                pauses.push(t - at);
                at = t;
            }
        }
        assert!(pauses.iter().all(|p| *p <= MAX_PAUSE_MS), "{pauses:?}");
        assert_eq!(pauses.last(), Some(&MAX_PAUSE_MS));
    }

    #[test]
    fn a_tab_that_joins_later_is_asked_once() {
        let mut a = SpecAsk::new(0);
        assert_eq!(a.welcomed(&[1], 0), Some(Ask::All));
        assert_eq!(a.joined(1, 10), None, "asked with everyone");
        assert_eq!(a.joined(2, 20), Some(Ask::One(2)));
        assert_eq!(a.joined(2, 30_000), None, "once");
    }

    /// A room under join/leave churn: 400 fresh ids a second for 6 s, a
    /// tick a second. The joiner stays far inside the relay's frame budget
    /// (200 a second, bursts of 400), at most its own budget, and still
    /// asks newcomers all along.
    #[test]
    fn a_joiner_in_a_churning_room_keeps_within_its_budget() {
        let mut a = SpecAsk::new(0);
        let mut per_second = vec![0u64; 6];
        let mut next_id = 1_000;
        a.welcomed(&[1, 2, 3], 0);
        for ms in 0..6_000u64 {
            let mut asks = 0;
            if ms % 5 < 2 {
                // 400 joins a second.
                next_id += 1;
                asks += u64::from(a.joined(next_id, ms).is_some());
            }
            if ms % 1_000 == 0 {
                asks += u64::from(a.tick(&[1, 2, 3], ms).is_some());
            }
            per_second[(ms / 1_000) as usize] += asks;
        }
        let budget = ASKS_PER_SECOND + ASK_BURST;
        assert!(per_second.iter().all(|n| *n <= budget), "{per_second:?}");
        assert!(
            per_second[1..].iter().all(|n| *n >= 1),
            "newcomers still asked: {per_second:?}"
        );
        assert!(
            a.made() <= ASK_BURST + 6 * ASKS_PER_SECOND + 1,
            "{}",
            a.made()
        );
    }
}
