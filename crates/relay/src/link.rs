//! [`LinkFrame`]: what relays say to each other over a federation link
//! (see docs/PROTOCOL.md). A tab's message travels inside as the
//! [`Payload`] it was sent as.

use serde::{Deserialize, Serialize};
use tabcoin_protocol::wire::missing;
use tabcoin_protocol::{Payload, PeerId};

/// What relays say to each other over a federation link. Every frame has an
/// id; a relay forwards a frame to its other links once and drops it when it
/// comes back (the seen-cache), so any topology of links is loop-free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "LinkWire")]
pub enum LinkFrame {
    /// A tab's message, for a whole room or one tab.
    Msg {
        /// Unique frame id.
        id: u64,
        /// The room.
        room: String,
        /// The sending tab.
        from: PeerId,
        /// One recipient, or everyone in the room.
        to: Option<PeerId>,
        /// The content, as the tab sent it.
        msg: Payload,
    },
    /// A tab joined a room somewhere in the federation.
    Joined {
        /// Unique frame id.
        id: u64,
        /// The room.
        room: String,
        /// The tab.
        peer: PeerId,
    },
    /// A tab left.
    Left {
        /// Unique frame id.
        id: u64,
        /// The room.
        room: String,
        /// The tab.
        peer: PeerId,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum LinkKind {
    Msg,
    Joined,
    Left,
}

/// Every field a [`LinkFrame`] may have: a payload is read straight from
/// the JSON text, as a plain struct field (see [`tabcoin_protocol::wire`]).
#[derive(Deserialize)]
struct LinkWire {
    #[serde(rename = "type")]
    kind: LinkKind,
    id: u64,
    room: String,
    from: Option<PeerId>,
    to: Option<PeerId>,
    msg: Option<Payload>,
    peer: Option<PeerId>,
}

impl TryFrom<LinkWire> for LinkFrame {
    type Error = String;
    fn try_from(w: LinkWire) -> Result<LinkFrame, String> {
        let (id, room) = (w.id, w.room);
        Ok(match w.kind {
            LinkKind::Msg => LinkFrame::Msg {
                id,
                room,
                from: missing(w.from, "msg", "from")?,
                to: w.to,
                msg: missing(w.msg, "msg", "msg")?,
            },
            LinkKind::Joined => LinkFrame::Joined {
                id,
                room,
                peer: missing(w.peer, "joined", "peer")?,
            },
            LinkKind::Left => LinkFrame::Left {
                id,
                room,
                peer: missing(w.peer, "left", "peer")?,
            },
        })
    }
}

impl LinkFrame {
    pub(crate) fn id(&self) -> u64 {
        match self {
            LinkFrame::Msg { id, .. }
            | LinkFrame::Joined { id, .. }
            | LinkFrame::Left { id, .. } => *id,
        }
    }
}
