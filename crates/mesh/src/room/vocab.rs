//! The room's vocabulary: what it is told ([`In`]), what it asks for
//! ([`Out`]), what it tells the node ([`Told`]) and the person ([`Note`]),
//! and how it lists its neighbours ([`Neighbour`]).

use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{ClientFrame, DecodeError, Payload, PeerId, RelayFrame};

/// What happened, for [`Room::handle`](super::Room::handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum In {
    /// A frame of the relay about this room.
    Frame(RelayFrame),
    /// The relay connection is gone (closed, or left for another).
    RelayLost,
    /// A payload from a tab of this browser, on the same-browser channel.
    Local {
        /// The tab's id on the channel.
        from: PeerId,
        /// What it posted.
        msg: Payload,
    },
    /// Link `serial`'s own session description is complete.
    Described {
        /// The link.
        serial: u64,
        /// The description, with its candidates.
        sdp: String,
    },
    /// Link `serial`'s channel opened.
    Open {
        /// The link.
        serial: u64,
    },
    /// Link `serial` received a data channel message.
    Piece {
        /// The link.
        serial: u64,
        /// Its bytes.
        piece: Vec<u8>,
    },
    /// Link `serial` failed or closed (or could not be made, or its
    /// neighbour does not read), with why.
    Closed {
        /// The link.
        serial: u64,
        /// Why, in a few words.
        why: String,
    },
    /// The node sends a message to one tab, or (`None`) its own news to all.
    Send {
        /// The tab, or all.
        to: Option<PeerId>,
        /// The message.
        msg: Payload,
    },
    /// The node took what `from` sent as new: passed on.
    PassOn {
        /// Who sent it.
        from: PeerId,
        /// The message.
        msg: Payload,
    },
    /// The node banned `peer` until `until` (ms).
    Ban {
        /// The peer.
        peer: PeerId,
        /// Until when.
        until: u64,
    },
    /// About once a second.
    Tick,
    /// This tab's peer key (the one the relay knows it by), to sign the
    /// signals it sends along direct links.
    Identity(Identity),
}

/// What to do, from [`Room::handle`](super::Room::handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// Open a WebRTC link as the dialler and describe this side
    /// ([`In::Described`] follows; a failure is [`In::Closed`]).
    Dial {
        /// The new link's number.
        serial: u64,
    },
    /// Answer an offer with a new link and describe this side.
    Answer {
        /// The new link's number.
        serial: u64,
        /// The dialler's description.
        offer: String,
    },
    /// The dialler of link `serial` sets the answer it received.
    Answered {
        /// The link.
        serial: u64,
        /// The answerer's description.
        answer: String,
    },
    /// Close and forget link `serial` (its events are no longer heard).
    Drop {
        /// The link.
        serial: u64,
    },
    /// Write these pieces on link `serial`, in order; a link whose
    /// neighbour does not read is reported [`In::Closed`].
    Write {
        /// The link.
        serial: u64,
        /// The pieces.
        pieces: Vec<Vec<u8>>,
    },
    /// Send a frame to the relay, for this room.
    Relay(ClientFrame),
    /// Post a message on the same-browser channel, to one tab or all.
    Local {
        /// The tab, or all.
        to: Option<PeerId>,
        /// The message.
        msg: Payload,
    },
    /// Tell the node.
    Node(Told),
    /// Tell the person.
    Note(Note),
}

/// What the room tells the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    /// The relay welcomed this tab; these tabs are in the room.
    Connected {
        /// The others.
        peers: Vec<PeerId>,
    },
    /// The relay is gone, with the tabs only it reached.
    Disconnected,
    /// A tab can be reached.
    PeerJoined(PeerId),
    /// A tab can no longer be reached.
    PeerLeft(PeerId),
    /// A direct link with a tab opened: the two should say where they stand.
    Linked(PeerId),
    /// A tab's message, to be decoded by the node.
    Message {
        /// The tab.
        from: PeerId,
        /// What it sent.
        msg: Payload,
    },
    /// A tab sent a signal that could not be read.
    Undecodable {
        /// The tab.
        from: PeerId,
        /// Why.
        error: DecodeError,
    },
}

/// What the room tells the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The relay welcomed this tab as `you`, with `others` in the room.
    Joined {
        /// This tab's id at the relay.
        you: PeerId,
        /// Other tabs in the room.
        others: usize,
    },
    /// The relay went away.
    RelayLost,
    /// The relay refused this tab's last frame.
    RelayRefused(String),
    /// A direct link with a tab opened.
    LinkOpened(PeerId),
    /// A direct link with a tab closed, with why.
    LinkClosed {
        /// The neighbour.
        peer: PeerId,
        /// Why, in a few words.
        why: String,
    },
}

/// One neighbour, for the network panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    /// Its id.
    pub id: PeerId,
    /// How this tab reaches it: `direct`, `relay` or `same-browser`.
    pub kind: &'static str,
    /// Round trip of the last ping, in ms (direct links).
    pub rtt_ms: Option<u64>,
    /// Bytes received and sent (direct links).
    pub bytes: (u64, u64),
    /// Node messages received (direct links).
    pub messages: u64,
}
