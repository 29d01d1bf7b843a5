//! tabcoin consensus: blocks, proof of work, validation and fork choice.
//!
//! This crate is pure. It never reads a clock, draws randomness, touches the
//! network or storage: the current time and every other input come in as
//! arguments, so the same code runs natively (fast tests, benchmarks, the
//! relay's tests) and in wasm32 (the browser tabs) with identical results.
//!
//! The pieces, in the order a block meets them:
//! - [`params`]: every consensus constant in one [`Params`] value.
//! - [`hash`]: the 32-byte hash newtypes ([`BlockHash`], [`DataRoot`]).
//! - [`block`]: the [`Header`] with its fixed byte layout, [`Block`], genesis.
//! - [`pow`]: proof of work, including the midstate nonce [`pow::search`].
//! - [`validate`]: one function per rule, one [`BlockError`] variant per rule;
//!   [`validate_block`] is the only way to get a [`ValidBlock`].
//! - [`work`]: [`Work`], the quantity fork choice compares.
//! - [`chain`]: the best chain, fork choice by cumulative work, locators.

pub mod block;
pub mod chain;
pub mod hash;
pub mod params;
pub mod pow;
pub mod validate;
pub mod work;

pub use block::{Block, HEADER_LEN, Header, data_root, genesis};
pub use chain::{AcceptError, Accepted, Chain};
pub use hash::{BlockHash, DataRoot, HexError};
pub use params::Params;
pub use validate::{BlockError, ValidBlock, validate_block};
pub use work::Work;
