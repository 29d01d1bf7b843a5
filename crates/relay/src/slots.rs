//! Connections per client address: one client cannot fill the relay's
//! `--max-peers` (or a room) with idle sockets and push everyone else out,
//! cannot open connection after connection to get fresh identities (new
//! connections are rate-limited per address), and an address whose tab
//! was dropped for flooding is refused new connections for a while, so dropping a flooder is not undone by its
//! reconnecting at once. Its tabs already connected stay.
//!
//! What costs others (samples, joining rooms, signalling) is budgeted per
//! connection (in `conn`) and, here, per address: an address's
//! connections share [`ADDRESS_SHARE`] connections' worth, so opening more
//! connections does not buy more of it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::rate::Bucket;

/// Entries kept for addresses with no connection, past which idle ones are
/// forgotten.
const REMEMBERED: usize = 4_096;

/// How many connections' worth of samples, joins and signals one
/// address's connections share.
pub const ADDRESS_SHARE: u32 = 4;

/// What an address may do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections at once.
    pub max: usize,
    /// New connections a minute, on average…
    pub connects_per_minute: u32,
    /// …and in a burst.
    pub connect_burst: u32,
    /// What one connection may spend a minute, by kind (the address gets
    /// [`ADDRESS_SHARE`] times as much, a quarter of it at once).
    pub per_connection: [u32; Spend::KINDS],
}

/// What a connection spends of its address's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// A sample answered.
    Sample = 0,
    /// A room joined.
    Join = 1,
    /// A signal passed on.
    Signal = 2,
}

impl Spend {
    /// How many kinds there are.
    pub const KINDS: usize = 3;
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The address holds its share of connections.
    Full,
    /// The address opens connections faster than allowed.
    TooFast,
    /// A tab of the address misbehaved a moment ago.
    CoolingDown,
}

impl Refused {
    /// The answer's text.
    pub fn reason(self) -> &'static str {
        match self {
            Refused::Full => "too many tabs from this address",
            Refused::TooFast => "this address opens connections too fast; try again later",
            Refused::CoolingDown => {
                "a tab of this address was dropped for flooding; try again later"
            }
        }
    }
}

#[derive(Debug, Default)]
struct State {
    taken: HashMap<IpAddr, usize>,
    connects: HashMap<IpAddr, Bucket>,
    cooling: HashMap<IpAddr, Instant>,
    spent: HashMap<IpAddr, [Bucket; Spend::KINDS]>,
}

/// How many tabs each client address has connected, and how fast.
#[derive(Debug, Default)]
pub struct Slots {
    state: Mutex<State>,
}

/// One taken slot; dropping it (when the connection ends) frees it.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    ip: IpAddr,
    limits: Limits,
}

impl Slot {
    /// The client address holding it.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// Takes one `what` from the address's budget at `now`; false: the
    /// address has spent it all for now.
    pub fn spend(&self, what: Spend, now: Instant) -> bool {
        let mut s = self.slots.state();
        let limits = self.limits.per_connection;
        let buckets = s.spent.entry(self.ip).or_insert_with(|| {
            limits.map(|per_minute| {
                let share = per_minute.saturating_mul(ADDRESS_SHARE);
                Bucket::per_minute(share, (share / 4).max(1), now)
            })
        });
        buckets[what as usize].take(now)
    }
}

impl Slots {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for `ip` at `now`, within `limits`.
    pub fn take(
        self: &Arc<Self>,
        ip: IpAddr,
        limits: Limits,
        now: Instant,
    ) -> Result<Slot, Refused> {
        let mut s = self.state();
        if s.cooling.len() > REMEMBERED {
            s.cooling.retain(|_, until| now < *until);
        }
        if s.cooling.get(&ip).is_some_and(|until| now < *until) {
            return Err(Refused::CoolingDown);
        }
        if s.taken.get(&ip).copied().unwrap_or(0) >= limits.max {
            return Err(Refused::Full);
        }
        if s.connects.len() > REMEMBERED {
            let idle = Duration::from_secs(600);
            s.connects.retain(|_, b| b.idle(now) < idle);
            let State { taken, spent, .. } = &mut *s;
            spent.retain(|ip, _| taken.contains_key(ip));
        }
        let bucket = s.connects.entry(ip).or_insert_with(|| {
            Bucket::per_minute(limits.connects_per_minute, limits.connect_burst, now)
        });
        if !bucket.take(now) {
            return Err(Refused::TooFast);
        }
        *s.taken.entry(ip).or_insert(0) += 1;
        Ok(Slot {
            slots: self.clone(),
            ip,
            limits,
        })
    }

    /// `ip` gets no new connection until `until`.
    pub fn cool_down(&self, ip: IpAddr, until: Instant) {
        self.state().cooling.insert(ip, until);
    }

    /// Slots `ip` holds now.
    pub fn held(&self, ip: IpAddr) -> usize {
        self.state().taken.get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.slots.state();
        if let Some(n) = s.taken.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                s.taken.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOSE: Limits = Limits {
        max: 2,
        connects_per_minute: 6_000,
        connect_burst: 100,
        per_connection: [60, 60, 60],
    };

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_slots_back() {
        let slots = Arc::new(Slots::default());
        let now = Instant::now();
        let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let first = slots.take(a, LOOSE, now);
        let second = slots.take(a, LOOSE, now);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(
            slots.take(a, LOOSE, now).err(),
            Some(Refused::Full),
            "a third is refused"
        );
        assert!(slots.take(b, LOOSE, now).is_ok(), "others are not affected");
        drop(first);
        assert_eq!(slots.held(a), 1);
        assert!(slots.take(a, LOOSE, now).is_ok());
    }

    #[test]
    fn new_connections_are_rate_limited_per_address() {
        let slots = Arc::new(Slots::default());
        let now = Instant::now();
        let limits = Limits {
            max: 100,
            connects_per_minute: 60,
            connect_burst: 3,
            ..LOOSE
        };
        let a: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..3 {
            // Each connection closes at once: the rate still applies.
            assert!(slots.take(a, limits, now).is_ok());
        }
        assert_eq!(slots.take(a, limits, now).err(), Some(Refused::TooFast));
        assert!(
            slots.take([10, 0, 0, 2].into(), limits, now).is_ok(),
            "per address"
        );
        let second = now + Duration::from_secs(1);
        assert!(slots.take(a, limits, second).is_ok(), "one a second");
        assert_eq!(slots.take(a, limits, second).err(), Some(Refused::TooFast));
    }

    #[test]
    fn an_address_s_connections_share_one_budget_of_each_kind() {
        let slots = Arc::new(Slots::default());
        let now = Instant::now();
        let limits = Limits {
            max: 10,
            per_connection: [4, 40, 400],
            ..LOOSE
        };
        let a: IpAddr = [127, 0, 0, 1].into();
        let conns: Vec<Slot> = (0..8)
            .map(|_| slots.take(a, limits, now).expect("a slot"))
            .collect();
        // Samples: 4 a minute a connection, 16 for the address, 4 at once,
        // however many connections ask.
        let answered = conns
            .iter()
            .cycle()
            .take(40)
            .filter(|c| c.spend(Spend::Sample, now))
            .count();
        assert_eq!(answered, 4);
        // The other kinds have budgets of their own.
        assert!(conns[0].spend(Spend::Join, now));
        assert!(conns[0].spend(Spend::Signal, now));
        // Another address is not affected; the budget refills in time.
        let other = slots.take([10, 0, 0, 2].into(), limits, now).expect("slot");
        assert!(other.spend(Spend::Sample, now));
        let later = now + Duration::from_secs(60);
        assert!(conns[7].spend(Spend::Sample, later));
    }

    #[test]
    fn a_misbehaving_address_cools_down() {
        let slots = Arc::new(Slots::default());
        let now = Instant::now();
        let a: IpAddr = [127, 0, 0, 1].into();
        let kept = slots.take(a, LOOSE, now);
        slots.cool_down(a, now + Duration::from_secs(10));
        assert_eq!(slots.take(a, LOOSE, now).err(), Some(Refused::CoolingDown));
        assert!(kept.is_ok(), "its open connection stays");
        assert!(slots.take(a, LOOSE, now + Duration::from_secs(10)).is_ok());
    }
}
