//! [`Amount`]: a quantity of coins in integer units. There are no negative
//! or fractional amounts; arithmetic is checked.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A number of coins.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Amount(pub u64);

impl Amount {
    /// Nothing.
    pub const ZERO: Amount = Amount(0);

    /// Sum, or None on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// Difference, or None if `other` is larger.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// Sum of many amounts, or None on overflow.
    pub fn sum<'a>(amounts: impl IntoIterator<Item = &'a Amount>) -> Option<Amount> {
        amounts
            .into_iter()
            .try_fold(Amount::ZERO, |acc, a| acc.checked_add(*a))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Empty input.
    #[error("enter an amount")]
    Empty,
    /// Not a whole non-negative number.
    #[error("an amount is a whole number of coins, like 25")]
    NotANumber,
    /// Zero.
    #[error("the amount must be more than zero")]
    Zero,
}

impl FromStr for Amount {
    type Err = AmountError;

    /// Parses a positive whole number of coins (surrounding spaces allowed).
    fn from_str(s: &str) -> Result<Amount, AmountError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AmountError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotANumber);
        }
        match s.parse::<u64>() {
            Ok(0) => Err(AmountError::Zero),
            Ok(v) => Ok(Amount(v)),
            Err(_) => Err(AmountError::NotANumber),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_explains_bad_amounts() {
        assert_eq!(" 25 ".parse(), Ok(Amount(25)));
        assert_eq!("".parse::<Amount>(), Err(AmountError::Empty));
        assert_eq!("-3".parse::<Amount>(), Err(AmountError::NotANumber));
        assert_eq!("2.5".parse::<Amount>(), Err(AmountError::NotANumber));
        assert_eq!("0".parse::<Amount>(), Err(AmountError::Zero));
        assert_eq!(
            "99999999999999999999999".parse::<Amount>(),
            Err(AmountError::NotANumber)
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Amount(u64::MAX).checked_add(Amount(1)), None);
        assert_eq!(Amount(1).checked_sub(Amount(2)), None);
        assert_eq!(Amount::sum(&[Amount(1), Amount(2)]), Some(Amount(3)));
        assert_eq!(Amount::sum(&[Amount(u64::MAX), Amount(1)]), None);
    }
}
