//! tabcoin consensus: blocks, proof of work, difficulty, transactions,
//! wallets, balances, the transaction pool and fork choice.
//!
//! This crate is pure. It never reads a clock, draws randomness, touches the
//! network or storage: the current time, random ids and secret keys come in
//! as arguments, so the same code runs natively (fast tests, benchmarks, the
//! relay's tests) and in wasm32 (the browser tabs) with identical results.
//!
//! The pieces, in the order a block meets them:
//! - [`params`]: every consensus constant in one [`Params`] value.
//! - [`hash`], [`u256`], [`target`], [`work`], [`amount`], [`address`]: the
//!   newtypes ([`BlockHash`], [`TxRoot`], [`Target`], [`Work`], [`Amount`],
//!   [`Address`]).
//! - [`height`] and [`timestamp`]: [`Height`] (distance from genesis) and
//!   [`Timestamp`] (ms since the Unix epoch; the caller's clock is one).
//! - [`wallet`] and [`tx`]: keys, signed transactions, rewards.
//! - [`block`]: the [`Header`] with its fixed byte layout, [`Block`], genesis.
//! - [`pow`], [`pow4`] and [`retarget`]: the midstate nonce search and the rule that
//!   fixes each block's target from its ancestors.
//! - [`validate`]: one function per rule, one [`BlockError`] variant per
//!   rule, in two typed stages ([`CheckedBlock`], [`ValidBlock`]).
//! - [`ledger`]: balances and history with undo data.
//! - [`store`]: the block tree, fork choice by work, reorganisation, orphans,
//!   locators.
//! - [`pool`], [`sigcache`], [`template`]: pending transactions, verified
//!   signatures, block templates for miners.

pub mod address;
pub mod amount;
pub mod authority;
pub mod block;
pub mod bounded;
pub mod hash;
pub mod header;
pub mod height;
pub mod ledger;
pub mod params;
pub mod pool;
pub mod pow;
pub mod pow4;
pub mod retarget;
pub mod seal;
pub mod sigcache;
pub mod sigcheck;
pub mod spec;
pub mod store;
pub mod target;
pub mod template;
pub mod timestamp;
pub mod tx;
pub mod u256;
pub mod validate;
pub mod wallet;
pub mod work;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;
#[cfg(test)]
pub(crate) mod testutil;

pub use address::{Address, AddressError};
pub use amount::{Amount, AmountError};
pub use block::{Block, GENESIS_TIMESTAMP, HEADER_LEN, Header, genesis, tx_root};
pub use hash::{BlockHash, HexError, TxRoot};
pub use height::Height;
pub use ledger::{HistoryEntry, Ledger};
pub use params::Params;
pub use pool::{Added, Pool, PoolError};
pub use sigcache::{SigCache, SigCheck};
pub use store::{AcceptError, Accepted, Store};
pub use target::Target;
pub use template::Template;
pub use timestamp::Timestamp;
pub use tx::{Input, Salt, Transaction, TxError, TxId};
pub use validate::{BlockError, CheckedBlock, ValidBlock};
pub use wallet::{Wallet, WalletError};
pub use work::Work;
