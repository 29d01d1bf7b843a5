//! [`Keys`]: the tab's account as the node holds it. Its address always
//! (balances, rewards, what it receives); its secret key only while the
//! person has it unlocked: an account whose key is sealed with a passphrase
//! still mines and receives, and cannot send until unlocked.

use tabcoin_chain::{Address, Wallet};

/// The tab's account.
#[derive(Debug, Clone)]
pub enum Keys {
    /// The key is at hand: the node can sign.
    Unlocked(Wallet),
    /// Only the address: the key is sealed and the passphrase not given.
    Locked(Address),
}

impl Keys {
    /// The account's address.
    pub fn address(&self) -> Address {
        match self {
            Keys::Unlocked(wallet) => wallet.address(),
            Keys::Locked(address) => *address,
        }
    }

    /// The key, if unlocked.
    pub fn wallet(&self) -> Option<&Wallet> {
        match self {
            Keys::Unlocked(wallet) => Some(wallet),
            Keys::Locked(_) => None,
        }
    }

    /// Whether the key is sealed and not at hand.
    pub fn is_locked(&self) -> bool {
        matches!(self, Keys::Locked(_))
    }
}

impl From<Wallet> for Keys {
    fn from(wallet: Wallet) -> Keys {
        Keys::Unlocked(wallet)
    }
}
