//! What the accounts panel asks for (switching, creating, renaming,
//! importing, locking with a passphrase), the vault worker's answers, and
//! settling a tab's account once the stored ones are read.

use tabcoin_chain::Wallet;
use tabcoin_node::{Event, Keys};

use super::App;
use crate::keys::accounts::{Account, AccountBook, Imported, parse_import};
use crate::shell::error::ShellError;
use crate::shell::{now, web_storage};
use crate::vault::check_new_passphrase;
use crate::workers::messages::{FromVault, ToVault};

/// An action of the accounts panel.
pub enum AccountAction {
    /// Switch this tab to the account with this address.
    Switch(String),
    /// Create a new account and switch to it.
    Create,
    /// Rename the current account.
    Rename(String),
    /// Import (secret key or encrypted backup, name) and switch to it.
    Import(String, String),
    /// Protect the current account with (passphrase, confirmation).
    Protect(String, String),
    /// Unlock the current account with this passphrase.
    Unlock(String),
    /// Forget the current account's key until it is unlocked again.
    Lock,
}

impl App {
    pub(super) fn account(&mut self, action: AccountAction) {
        self.errors.account = None;
        match action {
            AccountAction::Switch(address) => {
                let account = self.book.accounts.iter().find(|a| a.address == address);
                if let Some(keys) = account.and_then(Account::keys) {
                    self.use_keys(keys);
                }
            }
            AccountAction::Create => {
                let wallet = web_storage::new_wallet();
                self.remember(Account::new(&wallet, self.book.next_name(), now().0));
                self.use_keys(wallet.into());
            }
            AccountAction::Rename(name) => {
                match self.book.rename(&self.tab.keys().address(), &name) {
                    Ok(account) => self.shell.save_account(account),
                    Err(e) => self.errors.account = Some(e),
                }
            }
            AccountAction::Import(text, name) => match parse_import(&text, &name, now().0) {
                Ok(Imported::Key(wallet)) => {
                    let name = match name.trim() {
                        "" => "Imported".to_owned(),
                        name => name.to_owned(),
                    };
                    self.remember(Account::new(&wallet, name, now().0));
                    self.use_keys(wallet.into());
                }
                Ok(Imported::Protected(account)) => {
                    let address = account.address.clone();
                    self.remember(account);
                    // An account this browser already has stays as it is
                    // (with its key at hand, if it is not protected here).
                    let book = self.book.accounts.iter().find(|a| a.address == address);
                    if let Some(keys) = book.and_then(Account::keys) {
                        self.use_keys(keys);
                    }
                }
                Err(e) => self.errors.account = Some(e),
            },
            AccountAction::Protect(passphrase, confirm) => {
                let Some(wallet) = self.tab.keys().wallet().cloned() else {
                    return;
                };
                if let Err(e) = check_new_passphrase(&passphrase, &confirm) {
                    self.errors.account = Some(e);
                    return;
                }
                self.ask_vault(&ToVault::Seal {
                    address: wallet.address().to_string(),
                    secret: wallet.export(),
                    passphrase,
                });
            }
            AccountAction::Unlock(passphrase) => {
                let address = self.tab.keys().address();
                let sealed = self.book.get(&address).and_then(|a| a.sealed.clone());
                if let Some(sealed) = sealed {
                    self.ask_vault(&ToVault::Open {
                        address: address.to_string(),
                        sealed,
                        passphrase,
                    });
                }
            }
            AccountAction::Lock => {
                let address = self.tab.keys().address();
                if self.book.get(&address).is_some_and(Account::is_protected) {
                    self.set_keys(Keys::Locked(address));
                }
            }
        }
    }

    fn ask_vault(&mut self, request: &ToVault) {
        match self.shell.vault(request) {
            Ok(()) => self.vault_busy = true,
            Err(e) => self.errors.account = Some(format!("{e}.")),
        }
    }

    /// The vault worker sealed or opened a key, or could not.
    pub(super) fn vault_answered(&mut self, answer: FromVault) {
        self.vault_busy = false;
        let current = self.tab.keys().address();
        match answer {
            FromVault::Ready { .. } => {}
            FromVault::Sealed { address, sealed } => {
                let Some(account) = self.book.accounts.iter_mut().find(|a| a.address == address)
                else {
                    return;
                };
                let secret = account.protect(sealed);
                let account = account.clone();
                // From now on no copy of the key is kept in the clear.
                web_storage::forget_backup(&secret);
                self.shell.save_account(account);
                if current.to_string() == address {
                    self.use_keys(Keys::Locked(current));
                }
            }
            FromVault::Opened { address, secret } => {
                if current.to_string() != address || !self.tab.keys().is_locked() {
                    return;
                }
                match Wallet::import(&secret) {
                    Ok(wallet) if wallet.address() == current => {
                        self.set_keys(wallet.into());
                    }
                    _ => self.errors.account = Some("The unlocked key does not match.".into()),
                }
            }
            FromVault::Failed { reason, .. } => self.errors.account = Some(reason),
        }
    }

    /// Adds an account to the book and stores it.
    fn remember(&mut self, account: Account) {
        if self.book.add(account.clone()) {
            self.shell.save_account(account);
        }
    }

    /// The same account, locked or unlocked: every node can sign, or not.
    fn set_keys(&mut self, keys: Keys) {
        self.tab.set_keys(keys.clone());
        // A refusal for the account before (locked, too poor) is stale.
        self.errors.send = None;
        self.dispatch_all(&Event::KeysChanged(keys));
    }

    /// Makes `keys` this tab's account.
    fn use_keys(&mut self, keys: Keys) {
        let protected = self
            .book
            .get(&keys.address())
            .is_some_and(Account::is_protected);
        self.shell
            .use_keys(&self.tab.keys().address(), &keys, protected);
        self.fresh_wallet = false;
        self.set_keys(keys);
    }

    /// The stored accounts arrived: older backups come in, then which
    /// account this tab uses is settled.
    pub(super) fn accounts_loaded(&mut self, result: Result<Vec<Account>, ShellError>) {
        let stored = result.unwrap_or_else(|e| {
            self.errors.account = Some(format!("{e}; accounts are kept in this tab only."));
            Vec::new()
        });
        self.book = AccountBook { accounts: stored };
        // Backups of accounts protected since are not brought back.
        let backups: Vec<Wallet> = web_storage::backup_secrets()
            .iter()
            .filter_map(|s| Wallet::import(s).ok())
            .filter(|w| {
                let protected = self
                    .book
                    .get(&w.address())
                    .is_some_and(Account::is_protected);
                if protected {
                    web_storage::forget_backup(&w.export());
                }
                !protected
            })
            .collect();
        let me = self.tab.keys().address().to_string();
        let in_use = web_storage::accounts_in_use(now(), &me);
        let current = self.tab.keys().clone();
        let settled = self
            .book
            .settle(&backups, &current, self.fresh_wallet, &in_use, now().0);
        for account in settled.to_save {
            self.shell.save_account(account);
        }
        if let Some(keys) = settled.switch_to {
            self.use_keys(keys);
        } else if !current.is_locked()
            && self
                .book
                .get(&current.address())
                .is_some_and(Account::is_protected)
        {
            // Protected in another tab since this one was opened: its key
            // stays in this tab's memory, but no longer in session storage.
            self.shell.use_keys(&current.address(), &current, true);
        }
        // Leased now, before its record reaches IndexedDB: a tab opened a
        // moment later must not take this tab's new account as free (the
        // lease was otherwise first written at the next tick).
        self.shell.renew_lease(&self.tab.keys().address());
    }
}
