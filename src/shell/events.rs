//! The shell's vocabulary: what the browser reports ([`ShellEvent`]),
//! what the shell tells the UI ([`Report`]), and the relay connection's
//! state ([`Conn`]).

use std::rc::Rc;

use tabcoin_chain::Timestamp;
use tabcoin_node::{Event, StoredChain};

use super::error::ShellError;
use super::local::LocalFrame;
use super::note::Note;
use super::relay::RelayEvent;
use crate::keys::accounts::Account;
use crate::workers::messages::{FromVault, Posted};

/// The browser's clock, in ms since the epoch.
pub fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as u64)
}

pub use crate::tab::NetId;

/// Where the shell's events go (the UI hands them back to
/// [`Shell::on`]).
pub type Sink = Rc<dyn Fn(ShellEvent)>;

/// Connection to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// Opening the WebSocket.
    Connecting,
    /// Welcomed by the relay.
    Online,
    /// Lost; a reconnect is scheduled.
    Offline,
}

impl Conn {
    /// A word for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Conn::Connecting => "connecting",
            Conn::Online => "online",
            Conn::Offline => "offline",
        }
    }
}

/// What the browser reported, for [`Shell::on`].
pub enum ShellEvent {
    /// About one network (its links, channel, storage).
    Net(NetId, Box<ShellEvent>),
    /// From the relay socket.
    Relay(RelayEvent),
    /// Time to reconnect to the relay.
    Reconnect,
    /// From another tab of this browser.
    Local(LocalFrame),
    /// From a direct link (by its serial number).
    Link(u64, LinkEvent),
    /// Miner `index` said something.
    Miner(usize, Posted),
    /// Verifier `index` said something, or failed (`None`).
    Verifier(usize, Option<Posted>),
    /// The vault worker said something, or failed (`None`).
    Vault(Option<Posted>),
    /// The stored chain and pool were read.
    Stored(Result<Option<StoredChain>, ShellError>, Option<String>),
    /// A write of blocks ended.
    BlocksWritten(Result<(), ShellError>),
    /// The stored accounts were read.
    Accounts(Result<Vec<Account>, ShellError>),
    /// An account could not be stored.
    AccountNotSaved(ShellError),
    /// Something in the background failed (a write, a worker's start).
    Failed(ShellError),
}

/// What the shell has to say after an event.
pub enum Report {
    /// For the node of a network.
    Node(NetId, Event),
    /// For the activity log (about a network, or the tab).
    Note(Option<NetId>, Note),
    /// For the UI's account book.
    Accounts(Result<Vec<Account>, ShellError>),
    /// For the accounts panel.
    AccountNotSaved(ShellError),
    /// The vault worker's answer, for the accounts panel.
    Vault(FromVault),
}

/// What a link reports, for [`super::Shell::on`].
#[derive(Debug)]
pub enum LinkEvent {
    /// This side's description is complete: send it to the other tab.
    Described(String),
    /// The channel opened.
    Open,
    /// A data channel message.
    Piece(Vec<u8>),
    /// The channel's buffer fell below the low-water mark.
    Drained,
    /// The link failed or closed, with why.
    Closed(String),
}
