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
//! - [`node`]: the state and the reducer; `sync` (peers, catching up,
//!   gossip) and `mining` (jobs and found blocks, sealing) extend it; [`peers`]
//!   judges peers (scores, bans, rates); [`headers`] checks a peer's header
//!   chain before its bodies are fetched.
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
pub mod keys;
pub mod message;
pub mod mining;
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

pub use event::{Effect, Event, Job, MinerReport};
pub use keys::Keys;
pub use message::Message;
pub use mining::Sealing;
pub use node::Node;
pub use notice::{Misbehaviour, Notice, SendError, StoredChainProblem};
pub use persist::{BlockRecord, StoredChain};
pub use sync::{Mode, SYNC_STALL_MS, SyncState};
pub use tabcoin_protocol::PeerId;

/// The network a spec's text describes, if it is valid, else the sentence
/// saying why not. The app's invite links and `tabcoind --net FILE` read
/// specs through this.
pub fn network_of_spec(text: &str) -> Result<tabcoin_chain::Params, String> {
    let spec = tabcoin_chain::spec::Spec::from_json(text).map_err(|e| e.to_string())?;
    tabcoin_chain::Params::from_spec(&spec).map_err(|e| e.to_string())
}

/// The network a peer's spec describes, if it is the network `id` names:
/// a tab told only an id asks peers for the spec (`Message::GetSpec`) and
/// takes an answer only if its genesis hashes to that id.
pub fn network_of_spec_with_id(
    text: &str,
    id: &tabcoin_chain::BlockHash,
) -> Result<tabcoin_chain::Params, String> {
    let params = network_of_spec(text)?;
    if params.network_id() == *id {
        Ok(params)
    } else {
        Err(format!(
            "the spec describes network {}, not {id}",
            params.network_id()
        ))
    }
}
