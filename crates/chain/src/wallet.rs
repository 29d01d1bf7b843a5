//! [`Wallet`]: a secp256k1 key pair made from 32 secret bytes the caller
//! supplies (this crate draws no randomness), with signing, and export and
//! import of the secret as hex.

use k256::ecdsa::signature::hazmat::PrehashSigner;
use k256::ecdsa::{Signature, SigningKey};

use crate::address::Address;
use crate::hash::{parse_hex32, to_hex};

/// Why a secret cannot be a wallet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// Zero or not below the curve order.
    #[error("these 32 bytes are not a valid secret key")]
    InvalidSecret,
    /// Not 64 hex digits.
    #[error("a secret key is 64 hex digits")]
    BadHex,
}

/// A key pair and its address.
#[derive(Clone)]
pub struct Wallet {
    key: SigningKey,
    address: Address,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "Wallet({:?})", self.address)
    }
}

impl Wallet {
    /// A wallet from 32 secret bytes (for a new wallet: 32 random bytes).
    pub fn from_secret(secret: [u8; 32]) -> Result<Wallet, WalletError> {
        let key = SigningKey::from_slice(&secret).map_err(|_| WalletError::InvalidSecret)?;
        let address = Address::from_key(key.verifying_key());
        Ok(Wallet { key, address })
    }

    /// A wallet from an exported secret (64 hex digits).
    pub fn import(hex: &str) -> Result<Wallet, WalletError> {
        let bytes = parse_hex32(hex.trim()).map_err(|_| WalletError::BadHex)?;
        Wallet::from_secret(bytes)
    }

    /// The secret as 64 hex digits. Whoever has it owns the coins.
    pub fn export(&self) -> String {
        to_hex(&self.key.to_bytes())
    }

    /// This wallet's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest (RFC 6979 deterministic nonce, low-S).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 64] {
        let sig: Signature = match self.key.sign_prehash(digest) {
            Ok(sig) => sig,
            // Signing a 32-byte prehash with a valid key does not fail.
            Err(_) => return [0; 64],
        };
        let sig = sig.normalize_s();
        let mut out = [0u8; 64];
        out.copy_from_slice(&sig.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_then_import_gives_the_same_wallet() {
        let w = Wallet::from_secret([9; 32]).unwrap_or_else(|_| panic!("valid"));
        let back = Wallet::import(&w.export()).map(|w| w.address());
        assert_eq!(back, Ok(w.address()));
        assert_eq!(w.export().len(), 64);
    }

    #[test]
    fn invalid_secrets_are_refused() {
        assert_eq!(
            Wallet::from_secret([0; 32]).err(),
            Some(WalletError::InvalidSecret)
        );
        assert_eq!(
            Wallet::from_secret([0xff; 32]).err(),
            Some(WalletError::InvalidSecret)
        );
        assert_eq!(Wallet::import("abc").err(), Some(WalletError::BadHex));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let w = Wallet::from_secret([9; 32]).unwrap_or_else(|_| panic!("valid"));
        assert!(!format!("{w:?}").contains(&w.export()));
    }
}
