//! Who gives way when a room or the relay is full ([`give_way`]): the
//! newest connection of the most represented subnet and address, and only
//! when the newcomer's own subnet and address hold fewer places, so that
//! every move leaves the places shared more evenly. Many connections from
//! a few addresses then cannot keep a newcomer from elsewhere out; a
//! newcomer from the addresses that hold the most is refused instead.
//!
//! A subnet is an IPv4 /24 or an IPv6 /48: what one party usually holds,
//! as Bitcoin groups peers by network to share its inbound slots.

use std::collections::HashMap;
use std::net::IpAddr;

/// One held place: who holds it and when it was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The client address of its connection.
    pub ip: IpAddr,
    /// When it was taken (a counter: larger is newer).
    pub since: u64,
}

/// The subnet an address belongs to: its IPv4 /24 or IPv6 /48.
pub fn subnet(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4) >> 8),
        // Kept apart from every IPv4 subnet by the top bit.
        IpAddr::V6(v6) => (u128::from(v6) >> 80) | (1 << 127),
    }
}

/// Of the places `held` (each under a key), the one that gives way to a
/// newcomer from `ip`; None: the newcomer is refused, its subnet and
/// address holding as many places as any.
pub fn give_way<K: Copy>(
    held: impl IntoIterator<Item = (K, Holder)> + Clone,
    ip: IpAddr,
) -> Option<K> {
    let mut subnets: HashMap<u128, usize> = HashMap::new();
    let mut addresses: HashMap<IpAddr, usize> = HashMap::new();
    for (_, h) in held.clone() {
        *subnets.entry(subnet(h.ip)).or_default() += 1;
        *addresses.entry(h.ip).or_default() += 1;
    }
    let count = |ip: IpAddr| {
        (
            subnets.get(&subnet(ip)).copied().unwrap_or(0),
            addresses.get(&ip).copied().unwrap_or(0),
        )
    };
    let (key, victim) = held
        .into_iter()
        .max_by_key(|(_, h)| (count(h.ip), h.since))?;
    let ((vs, va), (ns, na)) = (count(victim.ip), count(ip));
    // After the move, the newcomer's side must still hold fewer places than
    // the victim's held before it.
    let fairer = if subnet(victim.ip) == subnet(ip) {
        va > na + 1
    } else {
        (vs, va) > (ns + 1, na + 1)
    };
    fairer.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::from([a, b, c, d])
    }

    fn holders(ips: &[IpAddr]) -> Vec<(usize, Holder)> {
        ips.iter()
            .enumerate()
            .map(|(i, ip)| {
                (
                    i,
                    Holder {
                        ip: *ip,
                        since: i as u64,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn the_newest_of_the_most_represented_subnet_gives_way_to_a_newcomer_from_elsewhere() {
        // Eight sybils from one subnet (two addresses), two honest tabs.
        let mut ips = vec![at(10, 0, 0, 1); 4];
        ips.extend([at(10, 0, 0, 2); 4]);
        ips.extend([at(192, 168, 1, 5), at(172, 16, 0, 9)]);
        let held = holders(&ips);
        let who = give_way(held.iter().copied(), at(198, 51, 100, 7));
        assert_eq!(who, Some(7), "the newest of the sybil subnet's addresses");
        // From an address already holding one place elsewhere: still in.
        assert_eq!(give_way(held.iter().copied(), at(192, 168, 1, 5)), Some(7));
    }

    #[test]
    fn a_newcomer_from_the_most_represented_subnet_is_refused() {
        let mut ips = vec![at(10, 0, 0, 1); 4];
        ips.extend([at(10, 0, 0, 2); 4]);
        ips.push(at(192, 168, 1, 5));
        let held = holders(&ips);
        // Another address of the same /24, holding none: it takes the place
        // of the subnet's busiest address (the subnet holds as many).
        assert_eq!(give_way(held.iter().copied(), at(10, 0, 0, 3)), Some(7));
        assert_eq!(give_way(held.iter().copied(), at(10, 0, 0, 1)), None);
        assert_eq!(give_way(held.iter().copied(), at(10, 0, 0, 2)), None);
    }

    #[test]
    fn evenly_shared_places_stay_with_those_who_hold_them() {
        let ips = [
            at(10, 0, 0, 1),
            at(10, 0, 1, 1),
            at(10, 0, 2, 1),
            at(10, 0, 3, 1),
        ];
        let held = holders(&ips);
        assert_eq!(give_way(held.iter().copied(), at(10, 0, 4, 1)), None);
        // One subnet holding two of five: a newcomer holding none would
        // only swap the counts (2 and 0 → 1 and 1 is fairer: it goes in).
        let mut ips = ips.to_vec();
        ips.push(at(10, 0, 0, 2));
        let held = holders(&ips);
        assert_eq!(give_way(held.iter().copied(), at(10, 0, 4, 1)), Some(4));
        assert_eq!(give_way(held.iter().copied(), at(10, 0, 1, 9)), None);
    }

    #[test]
    fn one_address_of_a_crowded_subnet_gives_way_to_its_neighbours() {
        // A campus /24: one address holds six places, three others one each.
        let mut ips = vec![at(10, 9, 9, 1); 6];
        ips.extend([at(10, 9, 9, 2), at(10, 9, 9, 3), at(10, 9, 9, 4)]);
        let held = holders(&ips);
        assert_eq!(give_way(held.iter().copied(), at(10, 9, 9, 5)), Some(5));
        assert_eq!(give_way(held.iter().copied(), at(10, 9, 9, 1)), None);
    }

    #[test]
    fn ipv6_addresses_group_by_48_and_apart_from_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("v6");
        let b: IpAddr = "2001:db8:1:ffff::9".parse().expect("v6");
        let c: IpAddr = "2001:db8:2::1".parse().expect("v6");
        assert_eq!(subnet(a), subnet(b));
        assert_ne!(subnet(a), subnet(c));
        assert_ne!(subnet(at(0, 0, 0, 1)), subnet("::1".parse().expect("v6")));
        assert_eq!(give_way(Vec::<(u8, Holder)>::new(), a), None, "none held");
    }
}
