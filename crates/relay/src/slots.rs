//! Connection slots per client address: one client cannot fill the relay's
//! `--max-peers` (or a room) with idle sockets and push everyone else out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// How many tabs each client address has connected.
#[derive(Debug, Default)]
pub struct Slots {
    taken: Mutex<HashMap<IpAddr, usize>>,
}

/// One taken slot; dropping it (when the connection ends) frees it.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    ip: IpAddr,
}

impl Slots {
    /// A slot for `ip` if it has fewer than `max`.
    pub fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let n = taken.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            slots: self.clone(),
            ip,
        })
    }

    /// Slots `ip` holds now.
    pub fn held(&self, ip: IpAddr) -> usize {
        let taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        taken.get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut taken = self.slots.taken.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = taken.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                taken.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_slots_back() {
        let slots = Arc::new(Slots::default());
        let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let first = slots.take(a, 2);
        let second = slots.take(a, 2);
        assert!(first.is_some() && second.is_some());
        assert!(slots.take(a, 2).is_none(), "a third is refused");
        assert!(slots.take(b, 2).is_some(), "others are not affected");
        drop(first);
        assert_eq!(slots.held(a), 1);
        assert!(slots.take(a, 2).is_some());
    }
}
