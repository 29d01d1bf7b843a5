//! 32-byte hash newtypes with hex `Display`/`FromStr` and a short `Debug`.
//!
//! Hashes are shown and serialized as 64 lowercase hex digits, most
//! significant byte first (the order in which SHA-256 outputs them).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use tabcoin_protocol::hex::{HexError, from_hex, to_hex};

/// Parses exactly 64 hex digits (either case) into 32 bytes.
pub fn parse_hex32(s: &str) -> Result<[u8; 32], HexError> {
    from_hex::<32>(s)
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    tabcoin_protocol::digest::sha256(&[bytes])
}

macro_rules! hash_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The all-zero value.
            pub const ZERO: Self = Self([0; 32]);

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// The first 8 hex digits, for compact display.
            pub fn short(&self) -> String {
                to_hex(&self.0[..4])
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&to_hex(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}…)", stringify!($name), self.short())
            }
        }

        impl FromStr for $name {
            type Err = HexError;
            fn from_str(s: &str) -> Result<Self, HexError> {
                parse_hex32(s).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&to_hex(&self.0))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hash_newtype!(
    /// The SHA-256 hash of a block header's canonical bytes.
    BlockHash
);

hash_newtype!(
    /// The SHA-256 commitment to a block's transactions, stored in its header
    /// so the proof of work covers them.
    TxRoot
);

impl BlockHash {
    /// Number of leading zero bits when the hash is read as a 256-bit
    /// big-endian number.
    pub fn leading_zero_bits(&self) -> u32 {
        tabcoin_protocol::digest::leading_zero_bits(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let h = BlockHash(sha256(b"abc"));
        assert_eq!(
            h.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(h.to_string().parse::<BlockHash>(), Ok(h));
        assert_eq!(h.to_string().to_uppercase().parse::<BlockHash>(), Ok(h));
    }

    #[test]
    fn bad_hex_is_rejected_with_a_reason() {
        assert_eq!(
            "abc".parse::<BlockHash>(),
            Err(HexError::BadLength {
                expected: 64,
                got: 3
            })
        );
        assert_eq!(from_hex::<2>("0aFf"), Ok([0x0a, 0xff]));
        assert!(from_hex::<2>("0a").is_err());
        let mut s = "0".repeat(63);
        s.push('g');
        assert_eq!(s.parse::<BlockHash>(), Err(HexError::BadDigit('g')));
    }

    #[test]
    fn serde_uses_hex_strings() {
        let h = BlockHash(sha256(b"abc"));
        let json = serde_json::to_string(&h).unwrap_or_default();
        assert_eq!(json, format!("\"{h}\""));
        let back: BlockHash = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, h);
        assert!(serde_json::from_str::<BlockHash>("\"zz\"").is_err());
    }

    #[test]
    fn leading_zero_bits_counts_across_bytes() {
        let mut b = [0xffu8; 32];
        assert_eq!(BlockHash(b).leading_zero_bits(), 0);
        b[0] = 0;
        b[1] = 0x1f;
        assert_eq!(BlockHash(b).leading_zero_bits(), 11);
        assert_eq!(BlockHash::ZERO.leading_zero_bits(), 256);
    }
}
