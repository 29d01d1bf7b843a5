//! What the shell tells the person about the browser around the node (the
//! node's own news are `tabcoin_node::Notice`s).

use tabcoin_protocol::PeerId;

use super::error::ShellError;

/// Something the shell tells the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The relay welcomed this tab as `you`, with `others` in the room.
    Joined {
        /// This tab's id at the relay.
        you: PeerId,
        /// Other tabs in the room.
        others: usize,
    },
    /// The relay went away; it is tried again.
    RelayLost,
    /// The relay refused this tab's last frame.
    RelayRefused(String),
    /// The relay sent something that is not a frame.
    BadFrame(String),
    /// A direct link with a tab opened.
    LinkOpened(PeerId),
    /// A direct link with a tab closed, with why.
    LinkClosed {
        /// The neighbour.
        peer: PeerId,
        /// Why, in a few words.
        why: String,
    },
    /// The GPU miner searches on this adapter.
    GpuMining(String),
    /// The GPU does not mine, with why; mining goes on on the CPU.
    NoGpu(String),
    /// Something failed.
    Failed(ShellError),
}
