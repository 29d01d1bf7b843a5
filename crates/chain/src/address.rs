//! [`Address`]: a wallet's compressed secp256k1 public key, written as
//! bech32m with the `tab` prefix (`tab1…`), so a mistyped address is caught
//! by its checksum before any coins move.

use std::fmt;
use std::str::FromStr;

use bech32::primitives::decode::CheckedHrpstring;
use bech32::{Bech32m, Hrp};
use k256::ecdsa::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Human-readable prefix of every address.
pub const ADDRESS_PREFIX: &str = "tab";

/// Length of a compressed public key.
pub const PUBKEY_LEN: usize = 33;

/// A wallet address: the compressed public key that verifies its signatures.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; PUBKEY_LEN]);

/// Why a text is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Empty input.
    #[error("enter an address")]
    Empty,
    /// Not `tab1…` at all.
    #[error("an address starts with \"tab1\"")]
    WrongPrefix,
    /// The checksum does not match: a character is wrong or missing.
    #[error("this address has a typo: its checksum does not match")]
    BadChecksum,
    /// Well formed, but not a public key.
    #[error("this is not a valid tabcoin address")]
    NotAKey,
}

impl Address {
    /// The address of a public key.
    pub fn from_key(key: &VerifyingKey) -> Address {
        let point = key.to_sec1_point(true);
        let mut out = [0u8; PUBKEY_LEN];
        out.copy_from_slice(point.as_bytes());
        Address(out)
    }

    /// From the 33 bytes of a compressed key, if they are a point on the curve.
    ///
    /// Checking the point costs a square root in the field, and the same
    /// few addresses come back in every block of a synced chain, so keys
    /// found valid are remembered (a bounded, per-thread set; only valid
    /// keys enter it, so it never changes an answer).
    pub fn from_bytes(bytes: [u8; PUBKEY_LEN]) -> Result<Address, AddressError> {
        thread_local! {
            static VALID: std::cell::RefCell<std::collections::HashSet<[u8; PUBKEY_LEN]>> =
                std::cell::RefCell::default();
        }
        const REMEMBERED: usize = 4096;
        if VALID.with(|v| v.borrow().contains(&bytes)) {
            return Ok(Address(bytes));
        }
        VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| AddressError::NotAKey)?;
        VALID.with(|v| {
            let mut v = v.borrow_mut();
            if v.len() >= REMEMBERED {
                v.clear();
            }
            v.insert(bytes);
        });
        Ok(Address(bytes))
    }

    /// The compressed public key.
    pub fn as_bytes(&self) -> &[u8; PUBKEY_LEN] {
        &self.0
    }

    /// A shortened form for display: `tab1abcd…wxyz`.
    pub fn short(&self) -> String {
        let s = self.to_string();
        format!("{}…{}", &s[..8], &s[s.len() - 4..])
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = Hrp::parse_unchecked(ADDRESS_PREFIX);
        bech32::encode_lower_to_fmt::<Bech32m, _>(f, hrp, &self.0).map_err(|_| fmt::Error)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.short())
    }
}

impl FromStr for Address {
    type Err = AddressError;

    /// A typed address: checksum, prefix, and a point on the curve.
    fn from_str(s: &str) -> Result<Address, AddressError> {
        Address::from_bytes(decode(s)?)
    }
}

impl Address {
    /// Whether the address is a point on the curve (a key some wallet can
    /// sign with). Addresses read from the wire are checked only when they
    /// matter (an output of a transaction being validated, a signature
    /// being verified), after the cheap checks; valid keys are remembered.
    pub fn is_key(&self) -> bool {
        Address::from_bytes(self.0).is_ok()
    }
}

/// The 33 bytes of an address as written: checksum, prefix and length
/// checked, not the curve.
fn decode(s: &str) -> Result<[u8; PUBKEY_LEN], AddressError> {
    {
        let s = s.trim();
        if s.is_empty() {
            return Err(AddressError::Empty);
        }
        // All-uppercase is a valid way to write bech32; mixed case is not and
        // fails the checksum step below.
        let lower;
        let s = if s.bytes().all(|b| !b.is_ascii_lowercase()) {
            lower = s.to_ascii_lowercase();
            lower.as_str()
        } else {
            s
        };
        if !s.to_ascii_lowercase().starts_with("tab1") {
            return Err(AddressError::WrongPrefix);
        }
        let checked = CheckedHrpstring::new::<Bech32m>(s).map_err(|_| AddressError::BadChecksum)?;
        if checked.hrp().as_str() != ADDRESS_PREFIX {
            return Err(AddressError::WrongPrefix);
        }
        let bytes: Vec<u8> = checked.byte_iter().collect();
        let bytes: [u8; PUBKEY_LEN] = bytes.try_into().map_err(|_| AddressError::NotAKey)?;
        // A compressed key starts with 2 or 3; anything else is refused
        // without touching the curve.
        if !matches!(bytes[0], 2 | 3) {
            return Err(AddressError::NotAKey);
        }
        Ok(bytes)
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // From the wire: parsed as bytes; the curve is checked when the
        // address matters (`Address::is_key`), after cheaper checks.
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        decode(&s).map(Address).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wallet::Wallet;

    fn addr() -> Address {
        Wallet::from_secret([7; 32])
            .map(|w| w.address())
            .unwrap_or_else(|_| panic!("valid secret"))
    }

    #[test]
    fn addresses_round_trip_through_text() {
        let a = addr();
        let s = a.to_string();
        assert!(s.starts_with("tab1"));
        assert_eq!(s.parse(), Ok(a));
        assert_eq!(s.to_uppercase().parse(), Ok(a));
        assert_eq!(format!("  {s} ").parse(), Ok(a));
    }

    #[test]
    fn a_typo_is_caught_by_the_checksum() {
        let s = addr().to_string();
        let mut chars: Vec<char> = s.chars().collect();
        let i = 10;
        chars[i] = if chars[i] == 'q' { 'p' } else { 'q' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(typo.parse::<Address>(), Err(AddressError::BadChecksum));
        assert_eq!(
            s[..s.len() - 1].parse::<Address>(),
            Err(AddressError::BadChecksum)
        );
    }

    #[test]
    fn other_inputs_get_their_own_reason() {
        assert_eq!("".parse::<Address>(), Err(AddressError::Empty));
        assert_eq!("bc1qxyz".parse::<Address>(), Err(AddressError::WrongPrefix));
        // Valid bech32m with the right prefix, but 33 bytes that are no point.
        let bogus =
            bech32::encode::<Bech32m>(Hrp::parse_unchecked("tab"), &[0u8; 33]).unwrap_or_default();
        assert_eq!(bogus.parse::<Address>(), Err(AddressError::NotAKey));
        let short =
            bech32::encode::<Bech32m>(Hrp::parse_unchecked("tab"), &[2u8; 10]).unwrap_or_default();
        assert_eq!(short.parse::<Address>(), Err(AddressError::NotAKey));
    }

    #[test]
    fn remembered_keys_never_let_a_non_key_through() {
        let key = *Wallet::from_secret([5; 32])
            .unwrap_or_else(|e| panic!("{e}"))
            .address()
            .as_bytes();
        // Same x coordinate, other parity: also a point; 0x04 prefix: not a
        // compressed key at all.
        let mut other_parity = key;
        other_parity[0] ^= 1;
        let mut bad_prefix = key;
        bad_prefix[0] = 4;
        for _ in 0..3 {
            assert!(Address::from_bytes(key).is_ok());
            assert!(Address::from_bytes(other_parity).is_ok());
            assert_eq!(Address::from_bytes(bad_prefix), Err(AddressError::NotAKey));
            assert_eq!(Address::from_bytes([0; 33]), Err(AddressError::NotAKey));
        }
    }
}
