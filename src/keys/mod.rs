//! The person's accounts: the book of this browser's accounts, locking
//! them with a passphrase, encrypted backups and imports. Below both the
//! UI, which shows and edits them, and the shell, which stores them; pure,
//! tested natively (the sealing itself is [`crate::vault`]).

pub mod accounts;
