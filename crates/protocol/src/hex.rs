//! Hex: the one hex writer and reader of the project (hashes, salts, keys,
//! sealed records, peer keys and their signatures).

/// Why a string is not the hex of so many bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// The string does not have exactly twice as many digits as bytes.
    #[error("expected {expected} hex digits, this has {got} characters")]
    BadLength {
        /// Digits expected.
        expected: usize,
        /// Characters found.
        got: usize,
    },
    /// A character is not a hex digit.
    #[error("'{0}' is not a hex digit")]
    BadDigit(char),
}

/// Lowercase hex of any bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn hex_digit(c: char) -> Result<u8, HexError> {
    c.to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
        .ok_or(HexError::BadDigit(c))
}

/// `N` bytes from exactly `2 N` hex digits (either case): the one hex
/// reader of the project (hashes, salts, keys, sealed records).
pub fn from_hex<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 2 * N {
        return Err(HexError::BadLength {
            expected: 2 * N,
            got: chars.len(),
        });
    }
    let mut out = [0u8; N];
    for (i, pair) in chars.chunks_exact(2).enumerate() {
        out[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_in_either_case_and_refuses_with_a_reason() {
        assert_eq!(to_hex(&[0x0a, 0xff]), "0aff");
        assert_eq!(from_hex::<2>("0aFf"), Ok([0x0a, 0xff]));
        assert_eq!(
            from_hex::<2>("0a"),
            Err(HexError::BadLength {
                expected: 4,
                got: 2
            })
        );
        assert_eq!(from_hex::<1>("0g"), Err(HexError::BadDigit('g')));
    }
}
