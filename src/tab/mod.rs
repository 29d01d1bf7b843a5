//! The tab's own state, pure and natively tested: the networks the tab is
//! in, each its node, by slot ([`Tab`]); the one shown; the ones left, to
//! rejoin; which network owns the miners ([`MinerOwner`]); and how a
//! network's signature checks are tagged for the tab's shared verifiers
//! ([`tagged`], [`untagged`]). The shell carries out what the nodes ask;
//! the UI renders this state and turns clicks into its methods.

use std::collections::BTreeMap;

pub mod join;

use tabcoin_chain::{BlockHash, Params, Store};
use tabcoin_node::{Keys, Node};

/// Which of the tab's networks (a slot number, not reused while the page
/// lives).
pub type NetId = u32;

/// Bits of a verifier tag below the network's slot: a node's own tags
/// (counted from 0) stay below them.
pub const TAG_BITS: u32 = 40;

/// Network `slot`'s verifier tag `tag`, as the tab's verifiers see it.
pub fn tagged(slot: NetId, tag: u64) -> u64 {
    (u64::from(slot) << TAG_BITS) | (tag & ((1 << TAG_BITS) - 1))
}

/// The network and its own tag, from a verifier's tag.
pub fn untagged(tag: u64) -> (NetId, u64) {
    ((tag >> TAG_BITS) as NetId, tag & ((1 << TAG_BITS) - 1))
}

/// What joining a network did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// The tab was in it already, in this slot.
    Already(NetId),
    /// A new node in this slot: its room is to be joined, its storage read.
    New(NetId),
}

/// The tab's networks.
pub struct Tab {
    /// The tab's account: every network's node uses it.
    keys: Keys,
    /// The networks the tab is in, each its node, by slot.
    nets: BTreeMap<NetId, Node>,
    /// The network shown.
    focus: Option<NetId>,
    /// The next network's slot.
    next_slot: NetId,
    /// Networks left since the page opened, to rejoin.
    left: Vec<Params>,
}

impl Tab {
    /// A tab in no network, with account `keys`.
    pub fn new(keys: Keys) -> Tab {
        Tab {
            keys,
            nets: BTreeMap::new(),
            focus: None,
            next_slot: 0,
            left: Vec::new(),
        }
    }

    /// The tab's account.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Makes `keys` the tab's account (each node is to hear of it).
    pub fn set_keys(&mut self, keys: Keys) {
        self.keys = keys;
    }

    /// The slot of the network whose genesis is `id`, if the tab is in it.
    fn slot_of(&self, id: BlockHash) -> Option<NetId> {
        self.nets
            .iter()
            .find(|(_, n)| n.store().genesis().hash == id)
            .map(|(slot, _)| *slot)
    }

    /// Joins network `params` (shown if `focus`, or if no other is): a
    /// new node from genesis in a new slot. A network the tab is in
    /// already is only shown (if `focus`).
    pub fn join(&mut self, params: Params, focus: bool) -> Joined {
        let id = params.network_id();
        if let Some(slot) = self.slot_of(id) {
            if focus {
                self.focus = Some(slot);
            }
            return Joined::Already(slot);
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.left.retain(|p| p.network_id() != id);
        let node = Node::new(Store::new(params), self.keys.clone());
        self.nets.insert(slot, node);
        if focus || self.focus.is_none() {
            self.focus = Some(slot);
        }
        Joined::New(slot)
    }

    /// Leaves network `slot`: its node goes, its constants are kept to
    /// rejoin, and another network is shown if it was. Its constants, if
    /// the tab was in it.
    pub fn leave(&mut self, slot: NetId) -> Option<Params> {
        let node = self.nets.remove(&slot)?;
        let params = node.store().params().clone();
        self.left.push(params.clone());
        if self.focus == Some(slot) {
            self.focus = self.nets.keys().next().copied();
        }
        Some(params)
    }

    /// The network left at `index`, taken off the list to be joined again.
    pub fn take_left(&mut self, index: usize) -> Option<Params> {
        (index < self.left.len()).then(|| self.left.remove(index))
    }

    /// Shows network `slot`; false if the tab is not in it.
    pub fn show(&mut self, slot: NetId) -> bool {
        let known = self.nets.contains_key(&slot);
        if known {
            self.focus = Some(slot);
        }
        known
    }

    /// The network shown and its node.
    pub fn focused(&self) -> Option<(NetId, &Node)> {
        let slot = self.focus?;
        self.nets.get(&slot).map(|n| (slot, n))
    }

    /// The slot of the network shown.
    pub fn focus(&self) -> Option<NetId> {
        self.focus
    }

    /// Network `slot`'s node.
    pub fn node_mut(&mut self, slot: NetId) -> Option<&mut Node> {
        self.nets.get_mut(&slot)
    }

    /// The networks, by slot.
    pub fn nets(&self) -> &BTreeMap<NetId, Node> {
        &self.nets
    }

    /// Every slot.
    pub fn slots(&self) -> Vec<NetId> {
        self.nets.keys().copied().collect()
    }

    /// The networks left since the page opened.
    pub fn left(&self) -> &[Params] {
        &self.left
    }

    /// Of `offered`, the networks the tab is neither in nor has left.
    pub fn not_joined<'a>(&self, offered: &'a [Params]) -> Vec<&'a Params> {
        offered
            .iter()
            .filter(|p| {
                let id = p.network_id();
                self.slot_of(id).is_none() && !self.left.iter().any(|l| l.network_id() == id)
            })
            .collect()
    }

    /// The name the activity log gives network `slot`'s lines: only when
    /// the tab is in several networks.
    pub fn log_name(&self, slot: Option<NetId>) -> Option<String> {
        slot.filter(|_| self.nets.len() > 1)
            .and_then(|s| self.nets.get(&s))
            .map(|n| n.store().params().name.to_string())
    }

    /// The networks to toggle mining in, in order, when the person toggles
    /// it in the network shown: when that starts proof-of-work mining,
    /// every other network mining by proof of work stops first (the miners
    /// work for one at a time); proof-of-authority sealing costs nothing
    /// and goes on.
    pub fn mining_toggles(&self) -> Vec<NetId> {
        let Some((slot, node)) = self.focused() else {
            return Vec::new();
        };
        let pow = |n: &Node| !n.store().params().is_proof_of_authority();
        let mut order = Vec::new();
        if !node.is_mining() && pow(node) {
            order.extend(
                self.nets
                    .iter()
                    .filter(|(s, n)| **s != slot && n.is_mining() && pow(n))
                    .map(|(s, _)| *s),
            );
        }
        order.push(slot);
        order
    }

    /// What is kept across reloads: every network's constants, and the
    /// one shown.
    pub fn saved(&self) -> (Vec<&Params>, Option<&Params>) {
        let all = self.nets.values().map(|n| n.store().params()).collect();
        (all, self.focused().map(|(_, n)| n.store().params()))
    }
}

/// What the miners are to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinerOrder {
    /// Work on the job given.
    Start,
    /// Stop.
    Stop,
    /// Nothing: another network owns them.
    Ignore,
}

/// Which network the miners work for: the last to give them a job; only
/// that one can stop them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinerOwner(Option<NetId>);

impl MinerOwner {
    /// Network `slot` gives the miners a job, or (`None`) asks them to
    /// stop.
    pub fn order(&mut self, slot: NetId, job: bool) -> MinerOrder {
        match (job, self.0) {
            (true, _) => {
                self.0 = Some(slot);
                MinerOrder::Start
            }
            (false, Some(owner)) if owner == slot => {
                self.0 = None;
                MinerOrder::Stop
            }
            (false, _) => MinerOrder::Ignore,
        }
    }

    /// The network the miners work for.
    pub fn owner(&self) -> Option<NetId> {
        self.0
    }

    /// Network `slot` is gone: if it owned the miners, they are to stop.
    pub fn left(&mut self, slot: NetId) -> MinerOrder {
        self.order(slot, false)
    }
}

#[cfg(test)]
mod tests;
