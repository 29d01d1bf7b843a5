//! Validation of what a person types, with one clear sentence per problem.
//! Pure, so it is tested natively and in the browser alike.

use std::collections::BTreeMap;

use tabcoin_chain::spec::{Consensus, MAX_BLOCK_TIME_MS, MIN_BLOCK_TIME_MS, Spec};
use tabcoin_chain::{Address, Amount, Params, Timestamp};

/// Checks a send form: a recipient address (checksum included), a positive
/// whole amount, no more than `available`, not to oneself.
pub fn validate_send(
    to: &str,
    amount: &str,
    me: &Address,
    available: Amount,
) -> Result<(Address, Amount), String> {
    let to: Address = to.parse().map_err(|e| format!("Recipient: {e}."))?;
    if to == *me {
        return Err("Recipient: that is your own address.".into());
    }
    let amount: Amount = amount.parse().map_err(|e| format!("Amount: {e}."))?;
    if amount > available {
        return Err(format!(
            "Amount: you have {available} coins available, so you cannot send {amount}."
        ));
    }
    Ok((to, amount))
}

/// Checks a relay address typed by a person.
pub fn check_relay_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("ws://")
        .or_else(|| url.strip_prefix("wss://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => Err("A relay address looks like ws://host:8080/ws.".into()),
    }
}

/// The "New network" form, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkForm {
    /// The network's name.
    pub name: String,
    /// Whether blocks are sealed by authorities rather than mined.
    pub proof_of_authority: bool,
    /// Seconds between blocks.
    pub block_time_s: String,
    /// Initial difficulty, in leading zero bits (proof of work).
    pub zero_bits: String,
    /// One authority address per line (proof of authority).
    pub authorities: String,
    /// Coins per block.
    pub reward: String,
    /// Every address's balance before anything happens to it.
    pub starting: String,
    /// One `address amount` per line.
    pub allocations: String,
}

/// A whole number typed in field `what`, or the sentence saying so.
fn whole(text: &str, what: &str, unit: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what}: type a whole number of {unit}."))
}

/// Checks the "New network" form: the network it describes, created at
/// `now` (its genesis time), or one sentence for the first mistake.
pub fn new_network(form: &NetworkForm, now: Timestamp) -> Result<(Spec, Params), String> {
    let seconds = whole(&form.block_time_s, "Block time", "seconds")?;
    let (min, max) = (MIN_BLOCK_TIME_MS / 1000, MAX_BLOCK_TIME_MS / 1000);
    if !(min..=max).contains(&seconds) {
        return Err(format!(
            "Block time: between {min} and {max} seconds, not {seconds}."
        ));
    }
    let consensus = if form.proof_of_authority {
        Consensus::ProofOfAuthority {
            authorities: authorities(&form.authorities)?,
            block_time_ms: seconds * 1000,
        }
    } else {
        let zero_bits = whole(&form.zero_bits, "Initial difficulty", "zero bits")?;
        Consensus::ProofOfWork {
            initial_zero_bits: u32::try_from(zero_bits).unwrap_or(u32::MAX),
            block_time_ms: seconds * 1000,
            half_life_blocks: Params::DEMO.half_life_blocks,
        }
    };
    let reward = whole(&form.reward, "Mining reward", "coins (0 for none)")?;
    let starting = whole(&form.starting, "Starting balance", "coins (0 for none)")?;
    let mut allocations = BTreeMap::new();
    for (i, line) in form.allocations.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("Allocations, line {}", i + 1);
        let mut words = line.split_whitespace();
        let (Some(address), Some(amount), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!(
                "{at}: type an address, a space and a number of coins."
            ));
        };
        let address: Address = address.parse().map_err(|e| format!("{at}: {e}."))?;
        let amount: Amount = amount.parse().map_err(|e| format!("{at}: {e}."))?;
        if allocations.insert(address, amount).is_some() {
            return Err(format!("{at}: that address is listed already."));
        }
    }
    let spec = Spec {
        name: form.name.trim().to_owned(),
        created: now,
        consensus,
        mining_reward: Amount(reward),
        starting_balance: Amount(starting),
        allocations,
    };
    let params = Params::from_spec(&spec).map_err(|e| sentence(&e.to_string()))?;
    Ok((spec, params))
}

/// The authorities typed, one address per line, in order (their order is
/// their turn order).
fn authorities(text: &str) -> Result<Vec<Address>, String> {
    let mut list: Vec<Address> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("Authorities, line {}", i + 1);
        let address: Address = line.parse().map_err(|e| format!("{at}: {e}."))?;
        if list.contains(&address) {
            return Err(format!("{at}: that address is listed already."));
        }
        list.push(address);
    }
    if list.is_empty() {
        return Err("Authorities: list at least one address, one per line.".into());
    }
    Ok(list)
}

/// `text` as a sentence: capital first letter, full stop.
fn sentence(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("{}.", crate::ui::format::capitalised(text))
}

/// The initial difficulty (leading zero bits) that makes a block take
/// about `block_time_s` for a tab hashing `per_second` nonces alone.
pub fn suggested_zero_bits(per_second: f64, block_time_s: f64) -> u32 {
    let hashes = (per_second * block_time_s).max(1.0);
    (hashes.log2().round() as u32).clamp(
        tabcoin_chain::spec::MIN_ZERO_BITS,
        tabcoin_chain::spec::MAX_ZERO_BITS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::Wallet;

    /// When the tests create their networks.
    const NOW: Timestamp = Timestamp(1_796_083_200_000);

    fn addr(seed: u8) -> Address {
        Wallet::from_secret([seed; 32])
            .map(|w| w.address())
            .unwrap_or_else(|_| panic!("valid"))
    }

    #[test]
    fn a_good_send_passes() {
        let (me, to) = (addr(1), addr(2));
        assert_eq!(
            validate_send(&to.to_string(), " 25 ", &me, Amount(100)),
            Ok((to, Amount(25)))
        );
    }

    #[test]
    fn each_problem_has_its_own_sentence() {
        let (me, to) = (addr(1), addr(2));
        let to_s = to.to_string();
        let mut typo: Vec<char> = to_s.chars().collect();
        typo[12] = if typo[12] == 'q' { 'p' } else { 'q' };
        let typo: String = typo.into_iter().collect();
        let check = |to: &str, amount: &str| {
            validate_send(to, amount, &me, Amount(100))
                .err()
                .unwrap_or_default()
        };
        assert_eq!(check("", "5"), "Recipient: enter an address.");
        assert_eq!(
            check(&typo, "5"),
            "Recipient: this address has a typo: its checksum does not match."
        );
        assert_eq!(
            check("hello", "5"),
            "Recipient: an address starts with \"tab1\"."
        );
        assert_eq!(
            check(&me.to_string(), "5"),
            "Recipient: that is your own address."
        );
        assert_eq!(
            check(&to_s, "0"),
            "Amount: the amount must be more than zero."
        );
        assert_eq!(
            check(&to_s, "1.5"),
            "Amount: an amount is a whole number of coins, like 25."
        );
        assert_eq!(
            check(&to_s, "101"),
            "Amount: you have 100 coins available, so you cannot send 101."
        );
    }

    #[test]
    fn relay_addresses_are_checked() {
        assert_eq!(
            check_relay_url(" ws://127.0.0.1:9000/ws "),
            Ok("ws://127.0.0.1:9000/ws".into())
        );
        assert_eq!(
            check_relay_url("wss://relay.example/ws"),
            Ok("wss://relay.example/ws".into())
        );
        for bad in ["", "http://x/ws", "ws://", "ws://a b/ws", "127.0.0.1:8080"] {
            assert_eq!(
                check_relay_url(bad),
                Err("A relay address looks like ws://host:8080/ws.".into()),
                "{bad}"
            );
        }
    }

    fn form(me: &Address) -> NetworkForm {
        NetworkForm {
            name: "friends".into(),
            proof_of_authority: false,
            block_time_s: "10".into(),
            zero_bits: "20".into(),
            authorities: String::new(),
            reward: "50".into(),
            starting: "0".into(),
            allocations: format!("{me} 1000\n"),
        }
    }

    #[test]
    fn a_good_network_form_gives_its_spec() {
        let me = addr(1);
        let (spec, params) = new_network(&form(&me), NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.name, "friends");
        assert_eq!(params.mine_rate_ms, 10_000);
        assert_eq!(params.initial_zero_bits, 20);
        assert_eq!(params.allocations.get(&me), Some(&Amount(1000)));
        assert_eq!(Params::from_spec(&spec), Ok(params));
    }

    #[test]
    fn each_network_form_mistake_has_its_own_sentence() {
        let me = addr(1);
        let with = |f: &dyn Fn(&mut NetworkForm)| {
            let mut bad = form(&me);
            f(&mut bad);
            new_network(&bad, NOW).err().unwrap_or_default()
        };
        assert_eq!(
            with(&|f| f.block_time_s = "soon".into()),
            "Block time: type a whole number of seconds."
        );
        assert_eq!(
            with(&|f| f.block_time_s = "0".into()),
            "Block time: between 1 and 600 seconds, not 0."
        );
        assert_eq!(
            with(&|f| f.zero_bits = "".into()),
            "Initial difficulty: type a whole number of zero bits."
        );
        assert_eq!(
            with(&|f| f.zero_bits = "50".into()),
            "The initial difficulty must be between 8 and 40 zero bits, not 50."
        );
        assert_eq!(
            with(&|f| f.reward = "-1".into()),
            "Mining reward: type a whole number of coins (0 for none)."
        );
        assert_eq!(
            with(&|f| f.name = "My Coin".into()),
            "The name may hold lowercase letters, digits and dashes, not 'M'."
        );
        assert_eq!(
            with(&|f| f.allocations = format!("{me}\n")),
            "Allocations, line 1: type an address, a space and a number of coins."
        );
        assert!(
            with(&|f| f.allocations = "tab1nope 5".into()).starts_with("Allocations, line 1: ")
        );
        assert_eq!(
            with(&|f| f.allocations = format!("{me} 5\n\n{me} 6")),
            "Allocations, line 3: that address is listed already."
        );
    }

    #[test]
    fn a_proof_of_authority_form_lists_its_authorities_in_order() {
        let (me, other) = (addr(1), addr(2));
        let mut f = form(&me);
        f.proof_of_authority = true;
        f.zero_bits = "not read".into();
        f.authorities = format!("{me}\n\n {other} \n");
        let (spec, params) = new_network(&f, NOW).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(params.authorities, vec![me, other]);
        assert!(params.is_proof_of_authority());
        assert_eq!(Params::from_spec(&spec), Ok(params));
        let with = |text: String| {
            let mut bad = f.clone();
            bad.authorities = text;
            new_network(&bad, NOW).err().unwrap_or_default()
        };
        assert_eq!(
            with(" \n".into()),
            "Authorities: list at least one address, one per line."
        );
        assert_eq!(
            with(format!("{me}\n{me}")),
            "Authorities, line 2: that address is listed already."
        );
        assert!(with(format!("{me} 5")).starts_with("Authorities, line 1: "));
    }

    #[test]
    fn the_suggested_difficulty_makes_a_block_take_the_block_time() {
        // 15 M nonces/s for 5 s: 75 M hashes, about 2^26.
        assert_eq!(suggested_zero_bits(15e6, 5.0), 26);
        assert_eq!(suggested_zero_bits(0.0, 5.0), 8);
        assert_eq!(suggested_zero_bits(1e15, 600.0), 40);
    }
}
