//! The tabcoin node as a pure state machine: [`Event`]s in, [`Effect`]s out.
//!
//! This crate never touches a browser, a clock, randomness, a socket or
//! storage. A shell does: it turns what happens around it (a peer's
//! message, a miner's report, a click, a storage read, a tick of its clock)
//! into an [`Event`], hands it to [`Node::handle`] with the time, and
//! carries out the [`Effect`]s that come back (send to a peer or to all,
//! start the miners, check signatures, write blocks, tell the person). It
//! changes the node in no other way. The same node runs in a browser tab
//! behind the relay or the same-browser channel, and natively in tests and
//! tools.
//!
//! - [`message`]: what nodes say to each other, carried by any transport.
//! - [`event`]: the node's vocabulary, [`Event`] and [`Effect`].
//! - [`node`]: the state and the reducer, which routes each event to one of
//!   two sides: [`local`], the node's own chain, pool, account, miners and
//!   sends; [`net`], its peers and the download from them, which reaches the
//!   chain only through [`local`] (never the other way). Their state
//!   machines: [`mining::Mining`], [`sends::Sends`], [`peers::Peers`] (scores,
//!   bans, rates), [`sync::Catchup`] (the download), [`headers`] (a peer's
//!   header chain, checked before its bodies are fetched), [`bodies`].
//! - [`hold`] and [`sigbatch`]: batches whose signatures are checked by the
//!   shell's verifier workers, and what arrives meanwhile.
//! - [`writer`] and [`persist`]: which blocks to write when, and how a
//!   stored chain is read back and revalidated.
//! - [`sends`]: every send ends visibly: confirmed, sent again, or failed.
//! - [`notice`]: what the node tells the person, as data.
//!
//! Peers are numbers ([`PeerId`]) given by whatever reaches them; the node
//! reaches them only through [`Effect::Send`] and [`Effect::Broadcast`].

pub mod bodies;
pub mod event;
pub mod headers;
pub mod hold;
pub mod host;
pub mod keys;
pub mod local;
pub mod message;
pub mod mining;
pub mod net;
pub mod node;
pub mod notice;
pub mod peers;
pub mod persist;
pub mod sends;
pub mod sigbatch;
pub mod sync;
pub mod writer;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use event::{Effect, Event, Job, MinerReport, relay_frame};
#[cfg(not(target_arch = "wasm32"))]
pub use host::system_now;
pub use host::{Host, drive};
pub use keys::Keys;
pub use message::Message;
pub use mining::Sealing;
pub use node::Node;
pub use notice::{Misbehaviour, Notice, SendError, StoredChainProblem};
pub use persist::{BlockRecord, StoredChain};
pub use sync::{Mode, SYNC_STALL_MS, SyncState};
pub use tabcoin_protocol::PeerId;
