//! The node's vocabulary: every [`Event`] it is told and every [`Effect`]
//! it asks for. A shell (the browser app, a native program, a test) turns
//! what happens around it into events and carries out the effects; it
//! changes the node in no other way.

use serde::{Deserialize, Serialize};
use tabcoin_chain::{Address, Amount, Block, BlockHash, Salt, Template, Transaction};
use tabcoin_protocol::{ClientFrame, DecodeError, Payload, PeerId, RelayFrame};

use crate::keys::Keys;
use crate::message::Message;
use crate::notice::{Notice, SendError};
use crate::persist::{BlockRecord, StoredChain};

/// The block being mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job number, echoed by the miners.
    pub id: u64,
    /// The block template (nonce to be found).
    pub template: Template,
}

/// What a miner (one of the shell's workers) reports about a [`Job`]
/// (serializable, so a worker can post it as is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MinerReport {
    /// Nonces tried so far for `job`, and the time it took.
    Progress {
        /// The job.
        job: u64,
        /// Nonces tried since the job started.
        tried: u64,
        /// Milliseconds since the job started.
        elapsed_ms: f64,
    },
    /// A nonce that meets the template's target.
    Found {
        /// The job.
        job: u64,
        /// The nonce.
        nonce: u64,
        /// Nonces tried for this job, the winner included.
        tried: u64,
    },
}

/// Something that happened to the node.
#[derive(Debug, Clone)]
pub enum Event {
    /// The node is connected (to the relay): these peers can be reached.
    Connected {
        /// The other nodes reachable now.
        peers: Vec<PeerId>,
    },
    /// The connection is lost: no peer can be reached through it.
    Disconnected,
    /// A peer can now be reached.
    PeerJoined(PeerId),
    /// A direct link with a peer opened: it can be reached, and the two
    /// tell each other where they stand (its chain may have grown apart
    /// from this one's, as after a partition).
    Linked(PeerId),
    /// A peer can no longer be reached.
    PeerLeft(PeerId),
    /// A peer said something.
    Message {
        /// The peer.
        from: PeerId,
        /// What it said.
        msg: Message,
    },
    /// A peer sent a payload that is not a valid message.
    Undecodable {
        /// The peer.
        from: PeerId,
        /// Why it is not one.
        error: DecodeError,
    },
    /// The person started or stopped mining.
    MiningToggled,
    /// The shell now runs this many miners.
    WorkersSet(usize),
    /// Miner `worker` reports on a job.
    Miner {
        /// Which miner.
        worker: usize,
        /// What it says.
        report: MinerReport,
    },
    /// The person sends `amount` to `to`; a new transaction's id is
    /// derived from `salt` (the shell draws it at random).
    Send {
        /// The recipient.
        to: Address,
        /// How much.
        amount: Amount,
        /// 16 fresh random bytes.
        salt: Salt,
    },
    /// A transaction made elsewhere (signed by an API client) to pool and
    /// pass on: checked exactly like one from a peer; a refusal comes back
    /// as [`Effect::SendRefused`].
    Submit(Transaction),
    /// A block mined for this node by a miner of its own outside it (a
    /// remote miner working on a template the node gave it): taken and
    /// announced like a block the node mined, or refused with a
    /// [`Notice::MinedNotAccepted`](crate::Notice::MinedNotAccepted).
    Mined(Block),
    /// This tab now uses this account (the person switched, created or
    /// imported one), or the same account was unlocked or locked.
    KeysChanged(Keys),
    /// The shell read storage (after [`Node::new`](crate::Node::new)): the
    /// chain, and the pending transactions as JSON. An `Err` is the reason
    /// the chain could not be read.
    StorageLoaded {
        /// The stored chain, if any.
        chain: Result<Option<StoredChain>, String>,
        /// The stored pending transactions, if any.
        pool: Option<String>,
    },
    /// The last [`Effect::WriteBlocks`] is done, or failed for this reason.
    BlocksWritten(Result<(), String>),
    /// The signature verifiers changed: `available` can take work now,
    /// `loading` may later.
    VerifiersChanged {
        /// Verifiers ready and not failed.
        available: usize,
        /// Verifiers still starting.
        loading: usize,
    },
    /// A verifier's answer for the part tagged `tag` of an
    /// [`Effect::CheckSignatures`]: one flag per check, 1 where it verified.
    SignaturesChecked {
        /// The part.
        tag: u64,
        /// One flag per check.
        flags: Vec<u8>,
    },
    /// A verifier failed: what it held is checked by the node itself.
    VerifierFailed,
    /// Time passes (the shell sends one about every second).
    Tick,
}

/// Something the node wants the shell to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send a message to one peer.
    Send {
        /// The peer.
        to: PeerId,
        /// What to say.
        msg: Message,
    },
    /// Send a message to every peer.
    Broadcast(Message),
    /// Pass on to direct neighbours other than `from` what `from` sent and
    /// this node took as new (a block that moved the tip, a new or updated
    /// pending transaction). What is not new is never passed on, so a
    /// message crosses each link at most once in each direction.
    Relay {
        /// Who sent it.
        from: PeerId,
        /// The message.
        msg: Message,
    },
    /// Start (or replace) the miners' job.
    Mine(Job),
    /// Stop the miners.
    StopMining,
    /// Check these signatures on the verifiers, one part each: (tag,
    /// encoded [`SigCheck`](tabcoin_chain::SigCheck)s). Answers come back
    /// as [`Event::SignaturesChecked`].
    CheckSignatures(Vec<(u64, Vec<u8>)>),
    /// The verifiers holding these parts did not answer in time (an empty
    /// list: the verifiers never finished loading): do not use them again.
    /// The node checks those signatures itself.
    VerifiersStalled(Vec<u64>),
    /// Write these blocks of the best chain, each under its height and
    /// hash (a record of another branch at the same height stays); report
    /// with [`Event::BlocksWritten`].
    WriteBlocks(Vec<BlockRecord>),
    /// Remove these block records (height, hash): read from storage, they
    /// were not kept (lost branches, invalid blocks).
    ForgetBlocks(Vec<(u64, BlockHash)>),
    /// Remove the whole chain an earlier version stored (its blocks are
    /// now stored one by one).
    RemoveLegacyChain,
    /// Store the pending transactions (JSON), replacing what is stored.
    WritePool(String),
    /// Tell the person.
    Notify(Notice),
    /// Drop whatever `peer` sends, unread, until `until` (the node ignores
    /// it anyway; dropping it unread makes it cost nothing).
    Ban {
        /// The peer.
        peer: PeerId,
        /// When the ban ends.
        until: tabcoin_chain::Timestamp,
    },
    /// The send asked for was refused; nothing changed.
    SendRefused(SendError),
}

impl Event {
    /// The event for `payload` delivered from peer `from`: its message, or
    /// why it is not one.
    pub fn delivered(from: PeerId, payload: &Payload) -> Event {
        match Message::decode(payload) {
            Ok(msg) => Event::Message { from, msg },
            Err(error) => Event::Undecodable { from, error },
        }
    }

    /// What a relay's frame is for a node behind that one relay, in the
    /// room of its connection's address: peers present, arriving, leaving,
    /// or a delivery. `None` for the frames a shell handles itself (the
    /// challenge to prove its key, a refusal, a sample of the room, another
    /// room's frame).
    pub fn from_relay(frame: RelayFrame) -> Option<Event> {
        match frame {
            RelayFrame::Welcome { peers, .. } => Some(Event::Connected { peers }),
            RelayFrame::PeerJoined { peer } => Some(Event::PeerJoined(peer)),
            RelayFrame::PeerLeft { peer } => Some(Event::PeerLeft(peer)),
            RelayFrame::Deliver { from, msg } => Some(Event::delivered(from, &msg)),
            RelayFrame::Challenge { .. }
            | RelayFrame::Error { .. }
            | RelayFrame::Sample { .. }
            | RelayFrame::Room { .. } => None,
        }
    }
}

impl Effect {
    /// The relay frame that carries out this effect, if it sends anything.
    pub fn relay_frame(&self) -> Option<ClientFrame> {
        match self {
            Effect::Send { to, msg } => Some(relay_frame(Some(*to), msg)),
            Effect::Broadcast(msg) => Some(relay_frame(None, msg)),
            _ => None,
        }
    }
}

/// The frame that carries `msg` through a relay: to peer `to`, or to every
/// peer of the room (`None`).
pub fn relay_frame(to: Option<PeerId>, msg: &Message) -> ClientFrame {
    match to {
        Some(to) => ClientFrame::Direct {
            to,
            msg: msg.encode(),
        },
        None => ClientFrame::Broadcast { msg: msg.encode() },
    }
}
