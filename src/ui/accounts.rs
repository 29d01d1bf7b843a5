//! Accounts: named wallets kept in the browser. Pure bookkeeping here (which
//! account a new tab takes, renaming, importing); the shell stores them
//! (`shell::idb`, `shell::web_storage`).

use serde::{Deserialize, Serialize};
use tabcoin_chain::{Address, Wallet};

/// A named wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The wallet's address (also its key in storage).
    pub address: String,
    /// A name the person chose.
    pub name: String,
    /// The secret key, 64 hex digits.
    pub secret: String,
    /// When it was created or imported, ms since the epoch.
    pub created: u64,
}

impl Account {
    /// An account for `wallet`.
    pub fn new(wallet: &Wallet, name: String, created: u64) -> Account {
        Account {
            address: wallet.address().to_string(),
            name,
            secret: wallet.export(),
            created,
        }
    }

    /// The wallet, if the stored secret is valid.
    pub fn wallet(&self) -> Option<Wallet> {
        Wallet::import(&self.secret)
            .ok()
            .filter(|w| w.address().to_string() == self.address)
    }
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
    /// The wallet the tab uses from now on (if it is not the current one,
    /// the tab switches to it).
    pub switch_to: Option<Wallet>,
}

impl AccountBook {
    /// The stored accounts arrived: older backups are brought in, then the
    /// tab's account is settled. A new tab (`fresh`) takes an account no
    /// other tab uses (`in_use`), or keeps its fresh wallet as a new account;
    /// a reloaded tab keeps its wallet, added to the book if missing.
    pub fn settle(
        &mut self,
        backups: &[Wallet],
        current: &Wallet,
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
        if fresh {
            let unused = self.unused(in_use).and_then(Account::wallet);
            settled.switch_to = Some(match unused {
                Some(wallet) => wallet,
                None => {
                    remember(self, current);
                    current.clone()
                }
            });
        } else if self.get(&current.address()).is_none() {
            remember(self, current);
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
        let settled = book.settle(&[wallet(2)], &wallet(9), true, &used, 5);
        assert_eq!(settled.to_save.len(), 1);
        assert_eq!(settled.to_save[0].name, "Account 2");
        assert_eq!(
            settled.switch_to.map(|w| w.address()),
            Some(wallet(2).address())
        );
        // Every account busy: the fresh wallet becomes a new account.
        let all: Vec<String> = book.accounts.iter().map(|a| a.address.clone()).collect();
        let settled = book.settle(&[], &wallet(9), true, &all, 6);
        assert_eq!(settled.to_save.len(), 1);
        assert_eq!(settled.to_save[0].address, wallet(9).address().to_string());
        assert_eq!(
            settled.switch_to.map(|w| w.address()),
            Some(wallet(9).address())
        );
    }

    #[test]
    fn a_reloaded_tab_keeps_its_wallet_and_books_it_if_missing() {
        let mut book = AccountBook::default();
        let settled = book.settle(&[wallet(1)], &wallet(3), false, &[], 0);
        assert!(settled.switch_to.is_none());
        assert_eq!(settled.to_save.len(), 2, "the backup and the tab's wallet");
        let again = book.settle(&[wallet(1)], &wallet(3), false, &[], 0);
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
}
