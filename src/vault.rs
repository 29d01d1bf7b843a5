//! Secret keys at rest: an account's key sealed with a passphrase, so that
//! what the browser stores (and what a backup holds) is useless without it.
//!
//! - The passphrase is stretched by Argon2id (memory-hard: 19 MiB and two
//!   passes by default, the OWASP minimum), with a random 16-byte salt.
//! - The key is encrypted with ChaCha20-Poly1305 (authenticated; fast and
//!   constant-time in software, where wasm has no AES instructions), with a
//!   random nonce and the account's address as associated data: a sealed key
//!   moved to another address, or changed in one bit, does not open.
//! - Every parameter travels in the record, so records of today open after
//!   the defaults change; a record (an imported backup is input from anyone)
//!   that asks for more memory or passes than [`MAX_MEMORY_KIB`] and
//!   [`MAX_PASSES`] is refused before any work.
//!
//! Pure: the caller draws the salt and nonce (the vault worker, from the
//! browser's random source) and runs this off the page's thread, because the
//! stretching takes a good fraction of a second by design.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use tabcoin_chain::hash::to_hex;

/// The key-stretching function's name in records.
pub const KDF: &str = "argon2id";
/// The cipher's name in records.
pub const CIPHER: &str = "chacha20poly1305";
/// Most memory a record may ask the key stretching for, in KiB (256 MiB).
pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
/// Most passes a record may ask for.
pub const MAX_PASSES: u32 = 16;
/// Shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// How hard the passphrase is stretched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Memory, in KiB.
    pub memory_kib: u32,
    /// Passes over that memory.
    pub passes: u32,
}

impl Cost {
    /// What new locks use: 19 MiB, two passes (OWASP's Argon2id minimum).
    pub const DEFAULT: Cost = Cost {
        memory_kib: 19 * 1024,
        passes: 2,
    };
}

/// A sealed secret key, as stored and as carried in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Always [`KDF`].
    pub kdf: String,
    /// Its cost.
    pub cost: Cost,
    /// 16 random bytes, hex.
    pub salt: String,
    /// Always [`CIPHER`].
    pub cipher: String,
    /// 12 random bytes, hex.
    pub nonce: String,
    /// The encrypted 32-byte key and its 16-byte tag, hex.
    pub ciphertext: String,
}

/// Why a key could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// Wrong passphrase, or a record that was changed.
    #[error("that passphrase does not unlock this account")]
    WrongPassphrase,
    /// A record of a kind this version cannot read.
    #[error("this locked key uses {0}, which this version of tabcoin cannot open")]
    Unsupported(String),
    /// A record asking for more work than allowed.
    #[error("this locked key asks for more memory or passes than tabcoin allows")]
    TooCostly,
    /// A record that is not well formed.
    #[error("this locked key is damaged: {0}")]
    Malformed(&'static str),
}

/// Checks a new passphrase and its confirmation; the error is one sentence
/// for the form.
pub fn check_new_passphrase(passphrase: &str, confirm: &str) -> Result<(), String> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(format!(
            "Passphrase: use at least {MIN_PASSPHRASE_CHARS} characters."
        ));
    }
    if passphrase != confirm {
        return Err("Passphrase: the two entries differ.".into());
    }
    Ok(())
}

fn stretch(passphrase: &str, salt: &[u8], cost: Cost) -> Result<[u8; 32], VaultError> {
    if cost.memory_kib > MAX_MEMORY_KIB || cost.passes > MAX_PASSES {
        return Err(VaultError::TooCostly);
    }
    let params = Params::new(cost.memory_kib, cost.passes, 1, Some(32))
        .map_err(|_| VaultError::Malformed("its cost is out of range"))?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|_| VaultError::Malformed("its salt is out of range"))?;
    Ok(key)
}

fn cipher(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(key))
}

/// Seals `secret` (the key of `address`) with `passphrase`.
pub fn seal(
    secret: &[u8; 32],
    address: &str,
    passphrase: &str,
    salt: [u8; 16],
    nonce: [u8; 12],
    cost: Cost,
) -> Result<Sealed, VaultError> {
    let key = stretch(passphrase, &salt, cost)?;
    let ciphertext = cipher(&key)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: secret,
                aad: address.as_bytes(),
            },
        )
        .map_err(|_| VaultError::Malformed("it cannot be encrypted"))?;
    Ok(Sealed {
        kdf: KDF.into(),
        cost,
        salt: to_hex(&salt),
        cipher: CIPHER.into(),
        nonce: to_hex(&nonce),
        ciphertext: to_hex(&ciphertext),
    })
}

fn unhex<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], VaultError> {
    tabcoin_chain::hash::from_hex::<N>(text).map_err(|_| VaultError::Malformed(what))
}

/// A record's parts, checked cheaply: (salt, nonce, ciphertext).
type Parts = ([u8; 16], [u8; 12], [u8; 48]);

fn parts(sealed: &Sealed) -> Result<Parts, VaultError> {
    if sealed.kdf != KDF {
        return Err(VaultError::Unsupported(sealed.kdf.clone()));
    }
    if sealed.cipher != CIPHER {
        return Err(VaultError::Unsupported(sealed.cipher.clone()));
    }
    if sealed.cost.memory_kib > MAX_MEMORY_KIB || sealed.cost.passes > MAX_PASSES {
        return Err(VaultError::TooCostly);
    }
    let salt = unhex::<16>(&sealed.salt, "its salt is not 16 bytes")?;
    let nonce = unhex::<12>(&sealed.nonce, "its nonce is not 12 bytes")?;
    let ciphertext = unhex::<48>(&sealed.ciphertext, "its ciphertext is not 48 bytes")?;
    Ok((salt, nonce, ciphertext))
}

/// Checks a record without the passphrase: what this version can open at
/// an allowed cost, well formed (an imported backup is checked so before
/// it is kept).
pub fn check(sealed: &Sealed) -> Result<(), VaultError> {
    parts(sealed).map(|_| ())
}

/// A secret key given as 64 hex digits, as bytes.
pub fn secret_from_hex(hex: &str) -> Result<[u8; 32], VaultError> {
    unhex::<32>(hex, "a secret key is 64 hex digits")
}

/// Opens a sealed key of `address` with `passphrase`: the 32-byte secret.
/// Everything cheap (names, lengths, cost bounds) is checked before the
/// passphrase is stretched.
pub fn open(sealed: &Sealed, address: &str, passphrase: &str) -> Result<[u8; 32], VaultError> {
    let (salt, nonce, ciphertext) = parts(sealed)?;
    let key = stretch(passphrase, &salt, sealed.cost)?;
    let plain = cipher(&key)
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: address.as_bytes(),
            },
        )
        .map_err(|_| VaultError::WrongPassphrase)?;
    <[u8; 32]>::try_from(plain.as_slice())
        .map_err(|_| VaultError::Malformed("its key is not 32 bytes"))
}

/// `secret` of `address` sealed with "a passphrase" at a cost cheap enough
/// for many tests (the default cost has its own test).
#[cfg(test)]
pub(crate) fn sealed_for_tests(secret: [u8; 32], address: &str) -> Sealed {
    let cheap = Cost {
        memory_kib: 64,
        passes: 1,
    };
    seal(&secret, address, "a passphrase", [1; 16], [2; 12], cheap)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap enough for many tests; the default cost has its own test.
    const CHEAP: Cost = Cost {
        memory_kib: 64,
        passes: 1,
    };
    const ADDRESS: &str = "tab1example";

    fn sealed(cost: Cost) -> Sealed {
        seal(&[7; 32], ADDRESS, "correct horse", [1; 16], [2; 12], cost)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_at_the_default_cost() {
        let s = sealed(Cost::DEFAULT);
        assert_eq!(s.cost, Cost::DEFAULT);
        assert_eq!(open(&s, ADDRESS, "correct horse"), Ok([7; 32]));
        // The record holds no trace of the key or passphrase.
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(!json.contains(&to_hex(&[7; 32])));
        assert!(!json.contains("horse"));
    }

    #[test]
    fn a_wrong_passphrase_does_not_open_it() {
        assert_eq!(
            open(&sealed(CHEAP), ADDRESS, "correct hors"),
            Err(VaultError::WrongPassphrase)
        );
    }

    #[test]
    fn a_changed_record_or_another_address_does_not_open_it() {
        let s = sealed(CHEAP);
        assert_eq!(
            open(&s, "tab1other", "correct horse"),
            Err(VaultError::WrongPassphrase)
        );
        let mut flipped = s.clone();
        let last = flipped.ciphertext.pop().unwrap_or('0');
        flipped.ciphertext.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            open(&flipped, ADDRESS, "correct horse"),
            Err(VaultError::WrongPassphrase)
        );
        let mut other_salt = s.clone();
        other_salt.salt = to_hex(&[9; 16]);
        assert_eq!(
            open(&other_salt, ADDRESS, "correct horse"),
            Err(VaultError::WrongPassphrase)
        );
        let mut cheaper = s;
        cheaper.cost.passes = 2;
        assert_eq!(
            open(&cheaper, ADDRESS, "correct horse"),
            Err(VaultError::WrongPassphrase)
        );
    }

    #[test]
    fn records_asking_for_too_much_work_are_refused_before_any() {
        let mut s = sealed(CHEAP);
        s.cost.memory_kib = MAX_MEMORY_KIB + 1;
        assert_eq!(open(&s, ADDRESS, "x"), Err(VaultError::TooCostly));
        s.cost = Cost {
            memory_kib: 64,
            passes: MAX_PASSES + 1,
        };
        assert_eq!(open(&s, ADDRESS, "x"), Err(VaultError::TooCostly));
    }

    #[test]
    fn unknown_or_damaged_records_are_named() {
        let s = sealed(CHEAP);
        let mut other = s.clone();
        other.kdf = "scrypt".into();
        assert_eq!(
            open(&other, ADDRESS, "correct horse"),
            Err(VaultError::Unsupported("scrypt".into()))
        );
        let mut other = s.clone();
        other.cipher = "aes-256-gcm".into();
        assert!(matches!(
            open(&other, ADDRESS, "correct horse"),
            Err(VaultError::Unsupported(_))
        ));
        let mut short = s.clone();
        short.nonce.truncate(10);
        assert!(matches!(
            open(&short, ADDRESS, "correct horse"),
            Err(VaultError::Malformed(_))
        ));
        let mut not_hex = s;
        not_hex.ciphertext.replace_range(0..2, "zz");
        assert!(matches!(
            open(&not_hex, ADDRESS, "correct horse"),
            Err(VaultError::Malformed(_))
        ));
    }

    #[test]
    fn a_record_is_checked_without_its_passphrase() {
        let s = sealed(CHEAP);
        assert_eq!(check(&s), Ok(()));
        let mut costly = s.clone();
        costly.cost.memory_kib = MAX_MEMORY_KIB + 1;
        assert_eq!(check(&costly), Err(VaultError::TooCostly));
        let mut short = s;
        short.salt.truncate(4);
        assert!(matches!(check(&short), Err(VaultError::Malformed(_))));
        assert_eq!(secret_from_hex(&to_hex(&[5; 32])), Ok([5; 32]));
        assert!(secret_from_hex("abc").is_err());
    }

    #[test]
    fn new_passphrases_are_long_enough_and_confirmed() {
        assert!(check_new_passphrase("short", "short").is_err());
        assert!(check_new_passphrase("long enough", "long enougH").is_err());
        assert_eq!(check_new_passphrase("long enough", "long enough"), Ok(()));
        // Characters, not bytes.
        assert!(check_new_passphrase("ééééééé", "ééééééé").is_err());
    }
}
