//! [`Gossip`]: spreading blocks and transactions over the mesh so that each
//! tab receives each body about once. Pure, like [`crate::Mesh`]: told what
//! arrived, it says what to send.
//!
//! - A tab announces what it has newly (its own block, or a body it just
//!   received and accepted) by id to every neighbour that has not
//!   announced or sent that id to it.
//! - On an announcement of an id it neither has nor is fetching, it asks
//!   the announcer for the body; later announcers are remembered.
//! - A body not delivered within [`FETCH_TIMEOUT_MS`] is asked of the next
//!   announcer; an announcer that never delivers is reported so the node
//!   can judge it.
//! - What each neighbour is known to have (a bounded cache) and what this
//!   tab has (bounded) are kept, so nothing is sent twice to one
//!   neighbour; memory stays bounded whatever peers announce.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hash;

use tabcoin_protocol::RecentSet;

use crate::PeerId;

/// A body asked for and not delivered within this long is asked of the
/// next announcer.
pub const FETCH_TIMEOUT_MS: u64 = 2_000;
/// Ids remembered per neighbour, and ids this tab remembers having.
pub const SEEN_PER_PEER: usize = 4_096;
/// Fetches under way at once (more announcements wait for a later one).
pub const MAX_FETCHES: usize = 1_024;

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Send<Id> {
    /// Tell `to` these ids are here.
    Announce {
        /// The neighbour.
        to: PeerId,
        /// The ids.
        ids: Vec<Id>,
    },
    /// Ask `to` for the body of `id`.
    Fetch {
        /// The neighbour.
        to: PeerId,
        /// The id.
        id: Id,
    },
    /// `peer` announced `id` and did not deliver it in time.
    Failed {
        /// The neighbour.
        peer: PeerId,
        /// The id.
        id: Id,
    },
}

#[derive(Debug, Clone)]
struct Fetch {
    asked: PeerId,
    since: u64,
    /// Other announcers, in order.
    others: VecDeque<PeerId>,
}

/// What a tab knows of who has what.
#[derive(Debug, Clone)]
pub struct Gossip<Id> {
    have: RecentSet<Id>,
    seen: BTreeMap<PeerId, RecentSet<Id>>,
    fetching: HashMap<Id, Fetch>,
}

impl<Id: Copy + Eq + Hash> Default for Gossip<Id> {
    fn default() -> Self {
        Gossip::new()
    }
}

impl<Id: Copy + Eq + Hash> Gossip<Id> {
    /// Nothing known.
    pub fn new() -> Gossip<Id> {
        Gossip {
            have: RecentSet::new(SEEN_PER_PEER),
            seen: BTreeMap::new(),
            fetching: HashMap::new(),
        }
    }

    /// A neighbour's link opened.
    pub fn neighbour(&mut self, peer: PeerId) {
        self.seen
            .entry(peer)
            .or_insert_with(|| RecentSet::new(SEEN_PER_PEER));
    }

    /// A neighbour's link closed: what it was asked for goes to the next
    /// announcer.
    pub fn gone(&mut self, peer: PeerId, now: u64) -> Vec<Send<Id>> {
        self.seen.remove(&peer);
        let mut sends = Vec::new();
        let ids: Vec<Id> = self
            .fetching
            .iter()
            .filter(|(_, f)| f.asked == peer)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            sends.extend(self.ask_next(id, now));
        }
        for f in self.fetching.values_mut() {
            f.others.retain(|p| *p != peer);
        }
        sends
    }

    /// Whether this tab has `id` (or had it recently).
    pub fn has(&self, id: &Id) -> bool {
        self.have.contains(id)
    }

    /// This tab has `id` now (mined it, or accepted its body from `from`):
    /// it is announced to every neighbour not known to have it.
    pub fn got(&mut self, id: Id, from: Option<PeerId>) -> Vec<Send<Id>> {
        self.fetching.remove(&id);
        self.have.insert(id);
        if let Some(from) = from
            && let Some(seen) = self.seen.get_mut(&from)
        {
            seen.insert(id);
        }
        let mut sends = Vec::new();
        for (peer, seen) in &mut self.seen {
            if !seen.contains(&id) {
                seen.insert(id);
                sends.push(Send::Announce {
                    to: *peer,
                    ids: vec![id],
                });
            }
        }
        sends
    }

    /// The body of `id` arrived from `from` (asked for or pushed): no
    /// longer fetched, and `from` has it. Not announced: that waits until
    /// the node takes it as new ([`Gossip::got`]).
    pub fn arrived(&mut self, id: Id, from: PeerId) {
        self.fetching.remove(&id);
        self.have.insert(id);
        if let Some(seen) = self.seen.get_mut(&from) {
            seen.insert(id);
        }
    }

    /// `from` announced `ids`: each one this tab neither has nor is
    /// fetching is asked of it.
    pub fn announced(&mut self, from: PeerId, ids: &[Id], now: u64) -> Vec<Send<Id>> {
        let Some(seen) = self.seen.get_mut(&from) else {
            // Not a neighbour: nothing is asked of it.
            return Vec::new();
        };
        let mut sends = Vec::new();
        for id in ids {
            seen.insert(*id);
            if self.have.contains(id) {
                continue;
            }
            let room = self.fetching.len() < MAX_FETCHES;
            match self.fetching.get_mut(id) {
                Some(f) if f.asked != from && !f.others.contains(&from) => {
                    f.others.push_back(from);
                }
                Some(_) => {}
                None if room => {
                    self.fetching.insert(
                        *id,
                        Fetch {
                            asked: from,
                            since: now,
                            others: VecDeque::new(),
                        },
                    );
                    sends.push(Send::Fetch { to: from, id: *id });
                }
                None => {}
            }
        }
        sends
    }

    /// Fetches past their time go to the next announcer.
    pub fn tick(&mut self, now: u64) -> Vec<Send<Id>> {
        let late: Vec<Id> = self
            .fetching
            .iter()
            .filter(|(_, f)| now >= f.since + FETCH_TIMEOUT_MS)
            .map(|(id, _)| *id)
            .collect();
        let mut sends = Vec::new();
        for id in late {
            if let Some(f) = self.fetching.get(&id) {
                sends.push(Send::Failed { peer: f.asked, id });
            }
            sends.extend(self.ask_next(id, now));
        }
        sends
    }

    fn ask_next(&mut self, id: Id, now: u64) -> Vec<Send<Id>> {
        let Some(f) = self.fetching.get_mut(&id) else {
            return Vec::new();
        };
        match f.others.pop_front() {
            Some(next) => {
                f.asked = next;
                f.since = now;
                vec![Send::Fetch { to: next, id }]
            }
            None => {
                // Nobody else announced it: forgotten until someone does.
                self.fetching.remove(&id);
                Vec::new()
            }
        }
    }

    /// Fetches under way.
    pub fn fetching(&self) -> usize {
        self.fetching.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetches(sends: &[Send<u32>]) -> Vec<(PeerId, u32)> {
        sends
            .iter()
            .filter_map(|s| match s {
                Send::Fetch { to, id } => Some((*to, *id)),
                _ => None,
            })
            .collect()
    }

    fn announced_to(sends: &[Send<u32>]) -> Vec<PeerId> {
        sends
            .iter()
            .filter_map(|s| match s {
                Send::Announce { to, .. } => Some(*to),
                _ => None,
            })
            .collect()
    }

    fn with(peers: &[PeerId]) -> Gossip<u32> {
        let mut g = Gossip::new();
        for p in peers {
            g.neighbour(*p);
        }
        g
    }

    #[test]
    fn a_new_id_is_announced_to_every_neighbour_not_known_to_have_it() {
        let mut g = with(&[1, 2, 3]);
        assert_eq!(announced_to(&g.got(7, None)), vec![1, 2, 3]);
        assert!(g.got(7, None).is_empty(), "once");
        let mut h = with(&[1, 2, 3]);
        h.announced(2, &[8], 0);
        assert_eq!(
            announced_to(&h.got(8, Some(1))),
            vec![3],
            "not to who has it"
        );
    }

    #[test]
    fn a_body_is_asked_of_the_first_announcer_and_then_of_the_next() {
        let mut g = with(&[1, 2, 3]);
        assert_eq!(fetches(&g.announced(1, &[5], 0)), vec![(1, 5)]);
        assert!(fetches(&g.announced(2, &[5], 10)).is_empty(), "asked once");
        assert!(g.tick(FETCH_TIMEOUT_MS - 1).is_empty());
        let late = g.tick(FETCH_TIMEOUT_MS);
        assert!(late.contains(&Send::Failed { peer: 1, id: 5 }));
        assert_eq!(fetches(&late), vec![(2, 5)]);
        // Delivered: no more asking, and it goes to whoever lacks it.
        assert_eq!(announced_to(&g.got(5, Some(2))), vec![3]);
        assert!(g.tick(10 * FETCH_TIMEOUT_MS).is_empty());
        assert!(g.announced(3, &[5], 0).is_empty(), "had already");
    }

    #[test]
    fn a_neighbour_that_leaves_hands_its_fetches_to_the_next_announcer() {
        let mut g = with(&[1, 2]);
        g.announced(1, &[5], 0);
        g.announced(2, &[5], 0);
        assert_eq!(fetches(&g.gone(1, 50)), vec![(2, 5)]);
        assert_eq!(g.gone(2, 60), vec![], "nobody left to ask");
        assert_eq!(g.fetching(), 0);
    }

    #[test]
    fn strangers_are_not_asked_and_memory_is_bounded() {
        let mut g = with(&[1]);
        assert!(g.announced(9, &[5], 0).is_empty(), "not a neighbour");
        let ids: Vec<u32> = (0..(MAX_FETCHES as u32 + 500)).collect();
        assert_eq!(fetches(&g.announced(1, &ids, 0)).len(), MAX_FETCHES);
        for id in 0..(2 * SEEN_PER_PEER as u32) {
            g.got(id, None);
        }
        assert!(g.have.len() <= SEEN_PER_PEER);
        assert!(g.seen.values().all(|s| s.len() <= SEEN_PER_PEER));
    }

    #[test]
    fn a_body_that_arrived_is_neither_fetched_again_nor_announced_until_taken() {
        let mut g: Gossip<u32> = Gossip::new();
        for p in [1, 2, 3] {
            g.neighbour(p);
        }
        assert_eq!(g.announced(1, &[7], 0), vec![Send::Fetch { to: 1, id: 7 }]);
        assert!(g.announced(2, &[7], 0).is_empty());
        g.arrived(7, 1);
        assert_eq!(g.fetching(), 0);
        assert!(g.tick(FETCH_TIMEOUT_MS).is_empty(), "no second fetch");
        // Taken as new: announced to the one neighbour not known to have it.
        assert_eq!(
            g.got(7, Some(1)),
            vec![Send::Announce {
                to: 3,
                ids: vec![7]
            }]
        );
    }
}
