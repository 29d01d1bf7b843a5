//! Validation of what a person types, with one clear sentence per problem.
//! Pure, so it is tested natively and in the browser alike.

use tabcoin_chain::{Address, Amount};

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

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::Wallet;

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
}
