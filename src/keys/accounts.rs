//! Accounts: named wallets kept in the browser. Pure bookkeeping here (which
//! account a new tab takes, renaming, importing, locking with a passphrase
//! and encrypted backups); the shell stores them (`shell::idb`,
//! `shell::web_storage`) and the vault worker seals and opens keys.

use serde::{Deserialize, Serialize};
use tabcoin_chain::{Address, Wallet};
use tabcoin_node::Keys;

use crate::vault::{self, Sealed};

/// A named wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The wallet's address (also its key in storage).
    pub address: String,
    /// A name the person chose.
    pub name: String,
    /// The secret key, 64 hex digits; empty once the key is sealed.
    pub secret: String,
    /// When it was created or imported, ms since the epoch.
    pub created: u64,
    /// The key sealed with a passphrase, if the person protected it (the
    /// secret is then not stored at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Sealed>,
}

impl Account {
    /// An account for `wallet`.
    pub fn new(wallet: &Wallet, name: String, created: u64) -> Account {
        Account {
            address: wallet.address().to_string(),
            name,
            secret: wallet.export(),
            created,
            sealed: None,
        }
    }

    /// The wallet, if the stored secret is valid (never for a protected
    /// account: its key is sealed).
    pub fn wallet(&self) -> Option<Wallet> {
        Wallet::import(&self.secret)
            .ok()
            .filter(|w| w.address().to_string() == self.address)
    }

    /// Whether its key is sealed with a passphrase.
    pub fn is_protected(&self) -> bool {
        self.sealed.is_some()
    }

    /// The keys a tab taking this account starts with: locked for a
    /// protected account, the wallet otherwise.
    pub fn keys(&self) -> Option<Keys> {
        if self.is_protected() {
            self.address.parse().ok().map(Keys::Locked)
        } else {
            self.wallet().map(Keys::Unlocked)
        }
    }

    /// Keeps `sealed` instead of the secret; returns the secret it held.
    pub fn protect(&mut self, sealed: Sealed) -> String {
        self.sealed = Some(sealed);
        std::mem::take(&mut self.secret)
    }

    /// An encrypted backup of a protected account, as text to keep: its
    /// address, name and sealed key (useless without the passphrase).
    pub fn backup(&self) -> Option<String> {
        let backup = Backup {
            kind: BACKUP_KIND.into(),
            address: self.address.clone(),
            name: self.name.clone(),
            sealed: self.sealed.clone()?,
        };
        serde_json::to_string(&backup).ok()
    }
}

/// What an encrypted backup says it is.
const BACKUP_KIND: &str = "tabcoin-account";

/// An encrypted backup of an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Backup {
    kind: String,
    address: String,
    name: String,
    sealed: Sealed,
}

/// What the import form was given.
#[derive(Debug)]
pub enum Imported {
    /// A secret key.
    Key(Wallet),
    /// An encrypted backup: the account, protected (locked until its
    /// passphrase is given).
    Protected(Account),
}

/// Reads the import form: a secret key (64 hex digits) or an encrypted
/// backup, checked without its passphrase (a backup is input from anyone:
/// one asking for too much work to open is refused here). `name` is the
/// name typed, if any; `now_ms` the import time.
pub fn parse_import(text: &str, name: &str, now_ms: u64) -> Result<Imported, String> {
    let text = text.trim();
    let name = name.trim();
    if !text.starts_with('{') {
        let wallet = parse_secret(text)?;
        return Ok(Imported::Key(wallet));
    }
    let backup: Backup = serde_json::from_str(text)
        .ok()
        .filter(|b: &Backup| b.kind == BACKUP_KIND)
        .ok_or("Backup: this is not a tabcoin account backup.")?;
    let address: Address = backup
        .address
        .parse()
        .map_err(|e| format!("Backup: its address is not valid: {e}."))?;
    vault::check(&backup.sealed).map_err(|e| format!("Backup: {e}."))?;
    let name = match (name, backup.name.trim()) {
        ("", "") => "Imported".to_owned(),
        ("", stored) => stored.to_owned(),
        (typed, _) => typed.to_owned(),
    };
    Ok(Imported::Protected(Account {
        address: address.to_string(),
        name,
        secret: String::new(),
        created: now_ms,
        sealed: Some(backup.sealed),
    }))
}

/// The accounts of this browser, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountBook {
    /// The accounts.
    pub accounts: Vec<Account>,
}

impl AccountBook {
    /// Adds an account unless one with its address exists; returns whether
    /// it was added.
    pub fn add(&mut self, account: Account) -> bool {
        if self.accounts.iter().any(|a| a.address == account.address) {
            return false;
        }
        self.accounts.push(account);
        true
    }

    /// The account with this address.
    pub fn get(&self, address: &Address) -> Option<&Account> {
        let key = address.to_string();
        self.accounts.iter().find(|a| a.address == key)
    }

    /// Renames an account; the name is trimmed and must not be empty.
    pub fn rename(&mut self, address: &Address, name: &str) -> Result<Account, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("Name: type at least one character.".into());
        }
        let key = address.to_string();
        let account = self
            .accounts
            .iter_mut()
            .find(|a| a.address == key)
            .ok_or("That account is not in this browser.")?;
        account.name = name.to_owned();
        Ok(account.clone())
    }

    /// The first account no other tab is using.
    pub fn unused(&self, in_use: &[String]) -> Option<&Account> {
        self.accounts.iter().find(|a| !in_use.contains(&a.address))
    }

    /// A default name for the next new account.
    pub fn next_name(&self) -> String {
        format!("Account {}", self.accounts.len() + 1)
    }
}

/// What settling a tab's account decided.
#[derive(Debug, Clone, Default)]
pub struct Settled {
    /// Accounts new to the book, to store.
    pub to_save: Vec<Account>,
    /// The keys the tab uses from now on (if they are not the current
    /// ones, the tab switches to them).
    pub switch_to: Option<Keys>,
}

impl AccountBook {
    /// The stored accounts arrived: older backups are brought in, then the
    /// tab's account is settled. A new tab (`fresh`) takes an account no
    /// other tab uses (`in_use`), locked if it is protected, or keeps its
    /// fresh wallet as a new account; a reloaded tab keeps its account,
    /// added to the book if missing.
    pub fn settle(
        &mut self,
        backups: &[Wallet],
        current: &Keys,
        fresh: bool,
        in_use: &[String],
        now_ms: u64,
    ) -> Settled {
        let mut settled = Settled::default();
        let mut remember = |book: &mut AccountBook, wallet: &Wallet| {
            let account = Account::new(wallet, book.next_name(), now_ms);
            if book.add(account.clone()) {
                settled.to_save.push(account);
            }
        };
        for wallet in backups {
            remember(self, wallet);
        }
        let current_wallet = current.wallet();
        if fresh {
            let unused = self.unused(in_use).and_then(Account::keys);
            settled.switch_to = match (unused, current_wallet) {
                (Some(keys), _) => Some(keys),
                (None, Some(wallet)) => {
                    remember(self, wallet);
                    Some(current.clone())
                }
                (None, None) => None,
            };
        } else if let Some(wallet) = current_wallet
            && self.get(&current.address()).is_none()
        {
            remember(self, wallet);
        }
        settled
    }
}

/// Checks an imported secret: 64 hex digits of a valid key.
pub fn parse_secret(text: &str) -> Result<Wallet, String> {
    Wallet::import(text.trim()).map_err(|e| format!("Secret key: {e}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wallet(seed: u8) -> Wallet {
        Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("valid"))
    }

    #[test]
    fn accounts_are_unique_by_address_and_keep_their_wallet() {
        let mut book = AccountBook::default();
        assert!(book.add(Account::new(&wallet(1), "a".into(), 0)));
        assert!(!book.add(Account::new(&wallet(1), "again".into(), 1)));
        assert!(book.add(Account::new(&wallet(2), book.next_name(), 2)));
        assert_eq!(book.accounts.len(), 2);
        assert_eq!(book.accounts[1].name, "Account 2");
        assert_eq!(
            book.get(&wallet(2).address())
                .and_then(Account::wallet)
                .map(|w| w.address()),
            Some(wallet(2).address())
        );
    }

    #[test]
    fn a_new_tab_takes_an_account_no_other_tab_uses() {
        let mut book = AccountBook::default();
        book.add(Account::new(&wallet(1), "a".into(), 0));
        book.add(Account::new(&wallet(2), "b".into(), 0));
        let used = vec![wallet(1).address().to_string()];
        assert_eq!(book.unused(&used).map(|a| a.name.as_str()), Some("b"));
        let all = vec![
            wallet(1).address().to_string(),
            wallet(2).address().to_string(),
        ];
        assert_eq!(book.unused(&all), None);
    }

    #[test]
    fn a_new_tab_settles_on_an_unused_account_or_keeps_its_fresh_wallet() {
        let mut book = AccountBook::default();
        book.add(Account::new(&wallet(1), "a".into(), 0));
        let used = vec![wallet(1).address().to_string()];
        // A backup from before IndexedDB joins the book and is free.
        let settled = book.settle(&[wallet(2)], &wallet(9).into(), true, &used, 5);
        assert_eq!(settled.to_save.len(), 1);
        assert_eq!(settled.to_save[0].name, "Account 2");
        assert_eq!(
            settled.switch_to.map(|k| k.address()),
            Some(wallet(2).address())
        );
        // Every account busy: the fresh wallet becomes a new account.
        let all: Vec<String> = book.accounts.iter().map(|a| a.address.clone()).collect();
        let settled = book.settle(&[], &wallet(9).into(), true, &all, 6);
        assert_eq!(settled.to_save.len(), 1);
        assert_eq!(settled.to_save[0].address, wallet(9).address().to_string());
        assert_eq!(
            settled.switch_to.map(|k| k.address()),
            Some(wallet(9).address())
        );
    }

    #[test]
    fn a_reloaded_tab_keeps_its_wallet_and_books_it_if_missing() {
        let mut book = AccountBook::default();
        let settled = book.settle(&[wallet(1)], &wallet(3).into(), false, &[], 0);
        assert!(settled.switch_to.is_none());
        assert_eq!(settled.to_save.len(), 2, "the backup and the tab's wallet");
        let again = book.settle(&[wallet(1)], &wallet(3).into(), false, &[], 0);
        assert!(
            again.to_save.is_empty() && again.switch_to.is_none(),
            "nothing new"
        );
    }

    #[test]
    fn renaming_and_importing_explain_mistakes() {
        let mut book = AccountBook::default();
        book.add(Account::new(&wallet(1), "a".into(), 0));
        assert_eq!(
            book.rename(&wallet(1).address(), "  "),
            Err("Name: type at least one character.".into())
        );
        assert_eq!(
            book.rename(&wallet(1).address(), " Savings ")
                .map(|a| a.name),
            Ok("Savings".into())
        );
        assert_eq!(
            book.rename(&wallet(3).address(), "x"),
            Err("That account is not in this browser.".into())
        );
        assert_eq!(
            parse_secret("abc").err(),
            Some("Secret key: a secret key is 64 hex digits.".into())
        );
        assert_eq!(
            parse_secret(&wallet(5).export()).map(|w| w.address()),
            Ok(wallet(5).address())
        );
        // A stored secret that does not match its address is not trusted.
        let mut broken = Account::new(&wallet(1), "x".into(), 0);
        broken.secret = wallet(2).export();
        assert!(broken.wallet().is_none());
    }

    fn sealed(seed: u8) -> Sealed {
        crate::vault::sealed_for_tests([seed; 32], &wallet(seed).address().to_string())
    }

    #[test]
    fn a_protected_account_keeps_no_secret_and_starts_locked() {
        let mut account = Account::new(&wallet(1), "a".into(), 0);
        assert!(matches!(account.keys(), Some(Keys::Unlocked(_))));
        assert_eq!(account.backup(), None, "no backup of a plain key");
        let secret = account.protect(sealed(1));
        assert_eq!(secret, wallet(1).export());
        assert!(account.secret.is_empty());
        assert!(account.is_protected());
        assert!(account.wallet().is_none());
        assert!(matches!(account.keys(), Some(Keys::Locked(a)) if a == wallet(1).address()));
        let stored = serde_json::to_string(&account).unwrap_or_default();
        assert!(!stored.contains(&wallet(1).export()), "{stored}");
        let back: Account = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, account);
        // Records of earlier versions (no `sealed`) still read.
        let old = r#"{"address":"x","name":"n","secret":"","created":1}"#;
        let old: Account = serde_json::from_str(old).unwrap_or_else(|e| panic!("{e}"));
        assert!(!old.is_protected());
    }

    #[test]
    fn an_encrypted_backup_imports_as_a_locked_account() {
        let mut account = Account::new(&wallet(3), "Savings".into(), 0);
        account.protect(sealed(3));
        let backup = account.backup().unwrap_or_default();
        assert!(!backup.contains(&wallet(3).export()));
        match parse_import(&backup, "", 9) {
            Ok(Imported::Protected(a)) => {
                assert_eq!(a.address, account.address);
                assert_eq!(a.name, "Savings");
                assert_eq!(a.sealed, account.sealed);
                assert_eq!(a.created, 9);
            }
            other => panic!("{other:?}"),
        }
        match parse_import(&backup, " Renamed ", 9) {
            Ok(Imported::Protected(a)) => assert_eq!(a.name, "Renamed"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_import(&wallet(4).export(), "", 0),
            Ok(Imported::Key(w)) if w.address() == wallet(4).address()
        ));
    }

    #[test]
    fn a_bad_backup_is_refused_with_one_sentence() {
        let mut account = Account::new(&wallet(3), "s".into(), 0);
        account.protect(sealed(3));
        let good = account.backup().unwrap_or_default();
        let err = |text: &str| parse_import(text, "", 0).err().unwrap_or_default();
        assert_eq!(err("{}"), "Backup: this is not a tabcoin account backup.");
        assert!(err(&good.replace("tab1", "tab2")).starts_with("Backup: its address is not valid"));
        let costly = good.replace("\"passes\":1", "\"passes\":99");
        assert_eq!(
            err(&costly),
            "Backup: this locked key asks for more memory or passes than tabcoin allows."
        );
        assert_eq!(err("abc"), "Secret key: a secret key is 64 hex digits.");
    }

    #[test]
    fn a_new_tab_takes_an_unused_protected_account_locked() {
        let mut book = AccountBook::default();
        let mut account = Account::new(&wallet(1), "a".into(), 0);
        account.protect(sealed(1));
        book.add(account);
        let settled = book.settle(&[], &wallet(9).into(), true, &[], 5);
        assert!(settled.to_save.is_empty());
        assert!(matches!(settled.switch_to, Some(Keys::Locked(a)) if a == wallet(1).address()));
        // A reloaded tab whose account is locked keeps it as it is.
        let locked = Keys::Locked(wallet(1).address());
        let again = book.settle(&[], &locked, false, &[], 6);
        assert!(again.to_save.is_empty() && again.switch_to.is_none());
    }
}
