//! What the shell tells the person about the browser around the node (the
//! node's own news are `tabcoin_node::Notice`s).

pub use tabcoin_mesh::room::Note as RoomNote;

use super::error::ShellError;

/// Something the shell tells the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// About a network's room: the relay welcomed or lost this tab, refused
    /// a frame, a direct link opened or closed.
    Room(RoomNote),
    /// The relay sent something that is not a frame.
    BadFrame(String),
    /// The GPU miner searches on this adapter.
    GpuMining(String),
    /// The GPU does not mine, with why; mining goes on on the CPU.
    NoGpu(String),
    /// Something failed.
    Failed(ShellError),
}
