//! What the accounts panel asks for, and settling a tab's account once
//! the stored ones are read.

use tabcoin_chain::Wallet;
use tabcoin_node::Event;

use super::App;
use crate::shell::error::ShellError;
use crate::shell::{now, web_storage};
use crate::ui::accounts::{Account, AccountBook, parse_secret};

/// An action of the accounts panel.
pub enum AccountAction {
    /// Switch this tab to the account with this address.
    Switch(String),
    /// Create a new account and switch to it.
    Create,
    /// Rename the current account.
    Rename(String),
    /// Import (secret, name) and switch to it.
    Import(String, String),
}

impl App {
    pub(super) fn account(&mut self, action: AccountAction) {
        match action {
            AccountAction::Switch(address) => {
                let wallet = self.book.accounts.iter().find(|a| a.address == address);
                if let Some(wallet) = wallet.and_then(Account::wallet) {
                    self.use_wallet(wallet);
                }
            }
            AccountAction::Create => {
                let wallet = web_storage::new_wallet();
                self.remember(Account::new(&wallet, self.book.next_name(), now().0));
                self.use_wallet(wallet);
            }
            AccountAction::Rename(name) => {
                match self.book.rename(&self.node.keys().address(), &name) {
                    Ok(account) => {
                        self.errors.account = None;
                        self.shell.save_account(account);
                    }
                    Err(e) => self.errors.account = Some(e),
                }
            }
            AccountAction::Import(secret, name) => match parse_secret(&secret) {
                Ok(wallet) => {
                    let name = match name.trim() {
                        "" => "Imported".to_owned(),
                        name => name.to_owned(),
                    };
                    self.errors.account = None;
                    self.remember(Account::new(&wallet, name, now().0));
                    self.use_wallet(wallet);
                }
                Err(e) => self.errors.account = Some(e),
            },
        }
    }

    /// Adds an account to the book and stores it.
    fn remember(&mut self, account: Account) {
        if self.book.add(account.clone()) {
            self.shell.save_account(account);
        }
    }

    /// Makes `wallet` this tab's account.
    fn use_wallet(&mut self, wallet: Wallet) {
        self.shell.use_wallet(&self.node.keys().address(), &wallet);
        self.fresh_wallet = false;
        self.dispatch(Event::KeysChanged(wallet.into()));
    }

    /// The stored accounts arrived: older backups come in, then which
    /// account this tab uses is settled.
    pub(super) fn accounts_loaded(&mut self, result: Result<Vec<Account>, ShellError>) {
        let stored = result.unwrap_or_else(|e| {
            self.errors.account = Some(format!("{e}; accounts are kept in this tab only."));
            Vec::new()
        });
        self.book = AccountBook { accounts: stored };
        let backups: Vec<Wallet> = web_storage::backup_secrets()
            .iter()
            .filter_map(|s| Wallet::import(s).ok())
            .collect();
        let me = self.node.keys().address().to_string();
        let in_use = web_storage::accounts_in_use(now(), &me);
        // A tab whose key is locked keeps its account as it is.
        let Some(current) = self.node.keys().wallet().cloned() else {
            return;
        };
        let settled = self
            .book
            .settle(&backups, &current, self.fresh_wallet, &in_use, now().0);
        for account in settled.to_save {
            self.shell.save_account(account);
        }
        if let Some(wallet) = settled.switch_to {
            self.use_wallet(wallet);
        }
    }
}
