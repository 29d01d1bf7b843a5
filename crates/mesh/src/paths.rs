//! [`Paths`]: how a signal reaches a tab without the relay. Each neighbour
//! lists its own direct neighbours ([`wire::NEIGHBOURS`]); a signal for
//! one of those goes to the neighbour that listed it, which passes it on
//! ([`wire::ROUTED`], at most [`wire::MAX_TTL`] hops). So a tab that
//! loses a neighbour while the relay is down fills the gap from its
//! neighbours' neighbours, and two tabs a relay no longer introduces can
//! still link.
//!
//! Bounded against a hostile neighbour: its list is at most
//! [`wire::MAX_LISTED`] ids, the way back to a signal's sender is kept for
//! at most [`BACK_ENTRIES`] senders, and each neighbour may have at most
//! [`FORWARDS_PER_MINUTE`] signals passed on for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::PeerId;
use crate::wire::{self, Routed, Signal};

/// Most senders whose way back is remembered.
pub const BACK_ENTRIES: usize = 256;
/// How long the way back to a sender is remembered (ms).
pub const BACK_MS: u64 = 60_000;
/// Signals passed on for one neighbour in a minute, at most.
pub const FORWARDS_PER_MINUTE: u32 = 60;

/// What to do with a routed signal that arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// It is for this tab: `from` said `signal`.
    Deliver {
        /// The sender.
        from: PeerId,
        /// What it said.
        signal: Signal,
    },
    /// Pass it to neighbour `via`.
    Forward {
        /// The neighbour.
        via: PeerId,
        /// The signal, one hop shorter.
        routed: Routed,
    },
    /// Nobody to pass it to, out of hops, or over the neighbour's budget.
    Drop,
    /// Not signed by the tab it names: the neighbour passed on a forgery
    /// (nothing is remembered of it).
    Forged,
}

/// Neighbours' lists and the ways back to tabs that signalled through them.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// Each open neighbour's own neighbours.
    lists: BTreeMap<PeerId, BTreeSet<PeerId>>,
    /// Sender → (the neighbour its signal came through, when).
    back: HashMap<PeerId, (PeerId, u64)>,
    /// Neighbour → (minute, signals passed on for it in it).
    forwarded: HashMap<PeerId, (u64, u32)>,
}

impl Paths {
    /// Nothing known.
    pub fn new() -> Paths {
        Paths::default()
    }

    /// A link with `neighbour` is open (its list follows).
    pub fn opened(&mut self, neighbour: PeerId) {
        self.lists.entry(neighbour).or_default();
    }

    /// `neighbour` listed its direct neighbours; returns the tabs this one
    /// can now reach through it that it could not before.
    pub fn listed(&mut self, neighbour: PeerId, ids: &[PeerId]) -> Vec<PeerId> {
        let Some(list) = self.lists.get(&neighbour) else {
            return Vec::new();
        };
        let fresh: BTreeSet<PeerId> = ids.iter().copied().take(wire::MAX_LISTED).collect();
        let mut known: BTreeSet<PeerId> = BTreeSet::new();
        for (n, l) in &self.lists {
            if *n != neighbour {
                known.extend(l);
            }
        }
        let new = fresh
            .iter()
            .copied()
            .filter(|p| !known.contains(p) && !list.contains(p))
            .collect();
        if let Some(list) = self.lists.get_mut(&neighbour) {
            *list = fresh;
        }
        new
    }

    /// The link with `neighbour` is gone.
    pub fn gone(&mut self, neighbour: PeerId) {
        self.lists.remove(&neighbour);
        self.back.retain(|_, (via, _)| *via != neighbour);
        self.forwarded.remove(&neighbour);
    }

    /// Tabs reachable through a neighbour (not the neighbours themselves).
    pub fn reachable(&self, me: PeerId) -> BTreeSet<PeerId> {
        self.lists
            .values()
            .flatten()
            .copied()
            .filter(|p| *p != me && !self.lists.contains_key(p))
            .collect()
    }

    /// The neighbour to hand a signal for `to` to: the one it last
    /// signalled through, else one that lists it.
    pub fn via(&self, to: PeerId, now: u64) -> Option<PeerId> {
        if let Some((via, at)) = self.back.get(&to)
            && now < at + BACK_MS
            && self.lists.contains_key(via)
        {
            return Some(*via);
        }
        self.lists
            .iter()
            .find(|(_, list)| list.contains(&to))
            .map(|(n, _)| *n)
    }

    /// A routed signal arrived from `neighbour`: for this tab (`me`), to
    /// pass on, or to drop. Its signature is checked first (within the
    /// neighbour's budget), so no forgery is passed on or taken as the way
    /// back to the tab it names.
    pub fn arrived(&mut self, me: PeerId, neighbour: PeerId, routed: Routed, now: u64) -> Step {
        if !self.lists.contains_key(&neighbour) || routed.from == me {
            return Step::Drop;
        }
        if !self.may_forward(neighbour, now) {
            return Step::Drop;
        }
        if !routed.authentic() {
            return Step::Forged;
        }
        self.remember_back(routed.from, neighbour, now);
        if routed.to == me {
            return Step::Deliver {
                from: routed.from,
                signal: routed.signal,
            };
        }
        if routed.ttl == 0 {
            return Step::Drop;
        }
        let via = if self.lists.contains_key(&routed.to) {
            Some(routed.to)
        } else if routed.ttl > 1 {
            self.lists
                .iter()
                .find(|(n, list)| **n != neighbour && list.contains(&routed.to))
                .map(|(n, _)| *n)
        } else {
            None
        };
        match via {
            Some(via) => Step::Forward {
                via,
                routed: Routed {
                    ttl: routed.ttl - 1,
                    ..routed
                },
            },
            None => Step::Drop,
        }
    }

    fn remember_back(&mut self, from: PeerId, neighbour: PeerId, now: u64) {
        self.back.retain(|_, (_, at)| now < *at + BACK_MS);
        if self.back.len() >= BACK_ENTRIES && !self.back.contains_key(&from) {
            return;
        }
        self.back.insert(from, (neighbour, now));
    }

    fn may_forward(&mut self, neighbour: PeerId, now: u64) -> bool {
        let minute = now / 60_000;
        let entry = self.forwarded.entry(neighbour).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= FORWARDS_PER_MINUTE
    }
}

#[cfg(test)]
mod tests {
    use tabcoin_protocol::identity::Identity;

    use super::*;
    use crate::wire::MAX_TTL;

    fn offer() -> Signal {
        Signal::LinkOffer { sdp: "v=0".into() }
    }

    /// The tab whose key is made of `seed`.
    fn tab(seed: u8) -> Identity {
        Identity::from_parts([seed; 32], 0).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Tab `seed`'s signal for `to`, signed, with `ttl` hops left.
    fn from(seed: u8, to: PeerId, ttl: u8, signal: Signal) -> Routed {
        Routed {
            ttl,
            ..Routed::signed(&tab(seed), to, signal)
        }
    }

    /// Tab 1 with neighbours 2 (which lists 5 and 6) and 3 (which lists 7).
    fn one() -> Paths {
        let mut p = Paths::new();
        p.opened(2);
        p.opened(3);
        assert_eq!(p.listed(2, &[1, 5, 6]), vec![1, 5, 6]);
        assert_eq!(p.listed(3, &[1, 5, 7]), vec![7], "5 and 1 known already");
        p
    }

    #[test]
    fn a_signal_goes_to_the_neighbour_that_lists_its_target() {
        let p = one();
        assert_eq!(p.reachable(1), BTreeSet::from([5, 6, 7]));
        assert_eq!(p.via(6, 0), Some(2));
        assert_eq!(p.via(7, 0), Some(3));
        assert_eq!(p.via(9, 0), None, "nobody lists it");
        let w = Routed::signed(&tab(1), 6, offer());
        assert_eq!((w.from, w.to, w.ttl), (tab(1).id(), 6, MAX_TTL));
        assert!(w.authentic());
    }

    #[test]
    fn a_signal_for_a_neighbour_is_passed_on_one_hop_shorter() {
        let mut p = one();
        let routed = from(6, 3, 2, offer());
        assert_eq!(
            p.arrived(1, 2, routed.clone(), 0),
            Step::Forward {
                via: 3,
                routed: Routed { ttl: 1, ..routed }
            }
        );
        // The answer goes back the way the offer came.
        assert_eq!(p.via(tab(6).id(), 1_000), Some(2));
    }

    #[test]
    fn a_signal_for_this_tab_is_delivered_and_the_way_back_remembered() {
        let mut p = one();
        let sender = tab(42).id();
        assert_eq!(
            p.arrived(1, 3, from(42, 1, 1, offer()), 0),
            Step::Deliver {
                from: sender,
                signal: offer()
            }
        );
        assert_eq!(p.via(sender, 10), Some(3));
        assert_eq!(p.via(sender, BACK_MS), None, "forgotten after a minute");
        p.gone(3);
        assert_eq!(p.via(sender, 10), None);
    }

    #[test]
    fn a_signal_not_signed_by_the_tab_it_names_is_neither_delivered_nor_remembered() {
        let mut p = one();
        let real = tab(42).id();
        // A neighbour speaking for 42 with its own key.
        let claimed = Routed {
            from: real,
            ..from(66, 1, 1, offer())
        };
        assert_eq!(p.arrived(1, 3, claimed, 0), Step::Forged);
        // 42's key, but the signal changed on the way.
        let altered = Routed {
            signal: Signal::LinkOffer {
                sdp: "v=0 attacker".into(),
            },
            ..from(42, 1, 1, offer())
        };
        assert_eq!(p.arrived(1, 3, altered, 0), Step::Forged);
        // Redirected to another tab.
        let redirected = Routed {
            to: 3,
            ..from(42, 1, 2, offer())
        };
        assert_eq!(p.arrived(1, 2, redirected, 0), Step::Forged);
        assert_eq!(
            p.via(real, 10),
            None,
            "no way back was learnt from a forgery"
        );
    }

    #[test]
    fn out_of_hops_unknown_targets_and_strangers_are_dropped() {
        let mut p = one();
        let routed = |to, ttl| from(6, to, ttl, offer());
        assert_eq!(p.arrived(1, 2, routed(3, 0), 0), Step::Drop, "no hops left");
        assert_eq!(
            p.arrived(1, 2, routed(9, 2), 0),
            Step::Drop,
            "nobody lists 9"
        );
        // 7 is two hops away: passed on only with a hop to spare.
        assert_eq!(p.arrived(1, 2, routed(7, 1), 0), Step::Drop);
        assert!(matches!(
            p.arrived(1, 2, routed(7, 2), 0),
            Step::Forward { via: 3, .. }
        ));
        // Not back to the neighbour it came from.
        assert_eq!(
            p.arrived(1, 2, routed(5, 2), 0),
            Step::Forward {
                via: 3,
                routed: routed(5, 1)
            }
        );
        assert_eq!(p.arrived(1, 3, routed(7, 2), 0), Step::Drop, "7 only via 3");
        assert_eq!(
            p.arrived(1, 8, routed(3, 2), 0),
            Step::Drop,
            "not a neighbour"
        );
        let me = tab(1).id();
        let own = from(1, 3, 2, offer());
        assert_eq!(p.arrived(me, 2, own, 0), Step::Drop, "its own, looped back");
    }

    #[test]
    fn a_neighbour_gets_a_bounded_number_of_signals_passed_on() {
        let mut p = one();
        let routed = from(6, 3, 1, offer());
        let passed = (0..FORWARDS_PER_MINUTE + 10)
            .filter(|_| matches!(p.arrived(1, 2, routed.clone(), 5), Step::Forward { .. }))
            .count();
        assert_eq!(passed, FORWARDS_PER_MINUTE as usize);
        assert!(
            matches!(p.arrived(1, 2, routed, 60_000), Step::Forward { .. }),
            "a new minute"
        );
    }

    #[test]
    fn lists_and_the_ways_back_are_capped() {
        let mut p = Paths::new();
        p.opened(2);
        let long: Vec<PeerId> = (100..200).collect();
        assert_eq!(p.listed(2, &long).len(), wire::MAX_LISTED);
        assert_eq!(p.listed(9, &[5]), Vec::<PeerId>::new(), "not a neighbour");
        // 300 senders, 50 through each of six neighbours (within their
        // budgets): the ways back kept are capped.
        let mut many = Paths::new();
        for n in 2..8 {
            many.opened(n);
        }
        for i in 0..300u32 {
            let mut secret = [1u8; 32];
            secret[28..].copy_from_slice(&i.to_be_bytes());
            let sender = Identity::from_parts(secret, 0).unwrap_or_else(|e| panic!("{e}"));
            let routed = Routed {
                ttl: 0,
                ..Routed::signed(&sender, 1, Signal::LinkRefuse)
            };
            let neighbour = 2 + PeerId::from(i % 6);
            assert!(matches!(
                many.arrived(1, neighbour, routed, 0),
                Step::Deliver { .. }
            ));
        }
        assert_eq!(many.back.len(), BACK_ENTRIES);
    }
}
