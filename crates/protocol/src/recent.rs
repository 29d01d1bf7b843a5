//! [`RecentSet`]: remembering ids a peer made this side see, bounded: past
//! its capacity the oldest are forgotten, so no peer can grow it without
//! end. The relay's federation loop guard, a tab's gossip caches and the
//! chain store's memory of invalid blocks use it.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// A set that forgets its oldest members beyond a capacity.
#[derive(Debug, Clone)]
pub struct RecentSet<T> {
    set: HashSet<T>,
    order: VecDeque<T>,
    capacity: usize,
}

impl<T: Copy + Eq + Hash> RecentSet<T> {
    /// An empty set keeping at most `capacity` members.
    pub fn new(capacity: usize) -> RecentSet<T> {
        RecentSet {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Whether `item` is remembered.
    pub fn contains(&self, item: &T) -> bool {
        self.set.contains(item)
    }

    /// Remembers `item` (forgetting the oldest past the capacity); false
    /// if it was remembered already.
    pub fn insert(&mut self, item: T) -> bool {
        if !self.set.insert(item) {
            return false;
        }
        self.order.push_back(item);
        if self.order.len() > self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }

    /// Members remembered now.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_are_forgotten_past_the_capacity() {
        let mut r = RecentSet::new(2);
        assert!(r.insert(1));
        assert!(!r.insert(1), "once");
        assert!(r.insert(2));
        assert!(r.insert(3));
        assert_eq!(r.len(), 2);
        assert!(!r.contains(&1), "the oldest went");
        assert!(r.contains(&2) && r.contains(&3));
    }
}
