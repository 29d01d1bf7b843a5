//! How frames holding a [`Payload`] are read.
//!
//! A payload is kept as the exact JSON text it arrived as
//! (`serde_json`'s `RawValue`), which serde can only read straight from the
//! JSON text, not from the buffer it uses for internally tagged enums
//! (`{"type": …}`). So each such frame is read as a plain struct with every
//! field it may have, then checked into its enum: the JSON on the wire is
//! exactly what the enums' `Serialize` writes.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::identity::{Challenge, Proof};
use crate::{ClientFrame, Payload, PeerId, RelayFrame};

/// A missing field of a frame kind, as a decoding error.
pub fn missing<T>(field: Option<T>, kind: &str, name: &str) -> Result<T, String> {
    field.ok_or_else(|| format!("a {kind} frame needs `{name}`"))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ClientKind {
    Prove,
    Broadcast,
    Direct,
    Linked,
    Sample,
    Join,
    Leave,
    Room,
}

/// Every field a [`ClientFrame`] may have.
#[derive(Deserialize)]
pub struct ClientWire {
    #[serde(rename = "type")]
    kind: ClientKind,
    proof: Option<Proof>,
    to: Option<PeerId>,
    msg: Option<Payload>,
    linked: Option<bool>,
    max: Option<u32>,
    room: Option<String>,
    frame: Option<Box<RawValue>>,
}

/// The frame inside a `room` frame: one of a room's own kinds, never
/// another `room`, `join` or `leave`.
fn inner<T: serde::de::DeserializeOwned>(
    frame: Option<Box<RawValue>>,
    nested: impl Fn(&T) -> bool,
) -> Result<Box<T>, String> {
    let raw = missing(frame, "room", "frame")?;
    let frame: T = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    if nested(&frame) {
        return Err("a room frame holds one frame of that room, not another room's".into());
    }
    Ok(Box::new(frame))
}

impl TryFrom<ClientWire> for ClientFrame {
    type Error = String;
    fn try_from(w: ClientWire) -> Result<ClientFrame, String> {
        Ok(match w.kind {
            ClientKind::Prove => ClientFrame::Prove {
                proof: missing(w.proof, "prove", "proof")?,
            },
            ClientKind::Broadcast => ClientFrame::Broadcast {
                msg: missing(w.msg, "broadcast", "msg")?,
            },
            ClientKind::Direct => ClientFrame::Direct {
                to: missing(w.to, "direct", "to")?,
                msg: missing(w.msg, "direct", "msg")?,
            },
            ClientKind::Linked => ClientFrame::Linked {
                linked: missing(w.linked, "linked", "linked")?,
            },
            ClientKind::Sample => ClientFrame::Sample {
                max: missing(w.max, "sample", "max")?,
            },
            ClientKind::Join => ClientFrame::Join {
                room: missing(w.room, "join", "room")?,
            },
            ClientKind::Leave => ClientFrame::Leave {
                room: missing(w.room, "leave", "room")?,
            },
            ClientKind::Room => ClientFrame::Room {
                room: missing(w.room, "room", "room")?,
                frame: inner(w.frame, |f: &ClientFrame| {
                    matches!(
                        f,
                        ClientFrame::Join { .. }
                            | ClientFrame::Prove { .. }
                            | ClientFrame::Leave { .. }
                            | ClientFrame::Room { .. }
                    )
                })?,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RelayKind {
    Challenge,
    Welcome,
    PeerJoined,
    PeerLeft,
    Sample,
    Deliver,
    Error,
    Room,
}

/// Every field a [`RelayFrame`] may have.
#[derive(Deserialize)]
pub struct RelayWire {
    #[serde(rename = "type")]
    kind: RelayKind,
    challenge: Option<Challenge>,
    work: Option<u32>,
    code: Option<String>,
    you: Option<PeerId>,
    peers: Option<Vec<PeerId>>,
    peer: Option<PeerId>,
    from: Option<PeerId>,
    msg: Option<Payload>,
    reason: Option<String>,
    room: Option<String>,
    frame: Option<Box<RawValue>>,
}

impl TryFrom<RelayWire> for RelayFrame {
    type Error = String;
    fn try_from(w: RelayWire) -> Result<RelayFrame, String> {
        Ok(match w.kind {
            RelayKind::Challenge => RelayFrame::Challenge {
                challenge: missing(w.challenge, "challenge", "challenge")?,
                work: missing(w.work, "challenge", "work")?,
            },
            RelayKind::Welcome => RelayFrame::Welcome {
                you: missing(w.you, "welcome", "you")?,
                peers: missing(w.peers, "welcome", "peers")?,
            },
            RelayKind::PeerJoined => RelayFrame::PeerJoined {
                peer: missing(w.peer, "peer_joined", "peer")?,
            },
            RelayKind::PeerLeft => RelayFrame::PeerLeft {
                peer: missing(w.peer, "peer_left", "peer")?,
            },
            RelayKind::Sample => RelayFrame::Sample {
                peers: missing(w.peers, "sample", "peers")?,
            },
            RelayKind::Deliver => RelayFrame::Deliver {
                from: missing(w.from, "deliver", "from")?,
                msg: missing(w.msg, "deliver", "msg")?,
            },
            RelayKind::Error => RelayFrame::Error {
                code: missing(w.code, "error", "code")?,
                reason: missing(w.reason, "error", "reason")?,
            },
            RelayKind::Room => RelayFrame::Room {
                room: missing(w.room, "room", "room")?,
                frame: inner(w.frame, |f: &RelayFrame| {
                    matches!(f, RelayFrame::Room { .. } | RelayFrame::Challenge { .. })
                })?,
            },
        })
    }
}
