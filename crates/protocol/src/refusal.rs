//! Why the relay refused a tab's frame or connection ([`Refusal`]), with a
//! stable code each, sent as [`RelayFrame::Error`]'s `code` so a client
//! acts on the code, never on the words.

use crate::RelayFrame;
use crate::identity::IdentityError;

/// Why the relay refused something a tab sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// More frames a second than the relay allows one connection.
    #[error("more than {rate} frames per second")]
    Flooding {
        /// Frames a second allowed.
        rate: u32,
    },
    /// More rooms joined and left than the relay allows one connection.
    #[error("more than {per_minute} rooms joined or left a minute")]
    Churning {
        /// Joins and leaves a minute allowed.
        per_minute: u32,
    },
    /// A frame that does not decode.
    #[error("{0}")]
    BadFrame(String),
    /// A binary WebSocket frame.
    #[error("binary frames are not part of the protocol")]
    BinaryFrame,
    /// Another frame than the proof of the key, first.
    #[error("a connection first proves its key, answering the relay's challenge")]
    NoProof,
    /// No proof of the key in time.
    #[error("no proof of the key came in time")]
    ProofTimeout,
    /// The proof of the key was refused.
    #[error("the key was refused: {0}")]
    Identity(IdentityError),
    /// Another connection with this key is in the room.
    #[error("a connection with this key is in the room already")]
    KeyInUse,
    /// The connection is in that room already.
    #[error("this connection is in that room already")]
    InRoom,
    /// A room name too short or too long.
    #[error("a room name is 1 to {max} bytes long")]
    RoomName {
        /// Longest name.
        max: usize,
    },
    /// The connection is in as many rooms as allowed.
    #[error("a connection is in at most {max} rooms")]
    TooManyRooms {
        /// Most rooms.
        max: usize,
    },
    /// The relay holds as many tabs as it may.
    #[error("this relay is full")]
    RelayFull,
    /// The room holds as many tabs as it may.
    #[error("this room is full")]
    RoomFull,
    /// The room or the relay was full, and this tab's addresses held more
    /// of it than a newcomer's: it gave way.
    #[error(
        "the room or the relay is full and this address holds more of it than others: this tab gave way to a newcomer"
    )]
    GaveWay,
}

impl Refusal {
    /// The code a client acts on.
    pub const KEY_IN_USE: &'static str = "key_in_use";

    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Flooding { .. } => "flooding",
            Refusal::Churning { .. } => "churning",
            Refusal::BadFrame(_) => "bad_frame",
            Refusal::BinaryFrame => "binary_frame",
            Refusal::NoProof => "no_proof",
            Refusal::ProofTimeout => "proof_timeout",
            Refusal::Identity(e) => e.code(),
            Refusal::KeyInUse => Refusal::KEY_IN_USE,
            Refusal::InRoom => "in_room",
            Refusal::RoomName { .. } => "room_name",
            Refusal::TooManyRooms { .. } => "too_many_rooms",
            Refusal::RelayFull => "relay_full",
            Refusal::RoomFull => "room_full",
            Refusal::GaveWay => "gave_way",
        }
    }

    /// The frame that tells it.
    pub fn frame(&self) -> RelayFrame {
        RelayFrame::Error {
            code: self.code().to_owned(),
            reason: self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_own_code_and_words() {
        let all = [
            Refusal::Flooding { rate: 200 },
            Refusal::Churning { per_minute: 30 },
            Refusal::BadFrame("x".into()),
            Refusal::BinaryFrame,
            Refusal::NoProof,
            Refusal::ProofTimeout,
            Refusal::Identity(IdentityError::BadSignature),
            Refusal::Identity(IdentityError::TooLittleWork { has: 1, needs: 18 }),
            Refusal::KeyInUse,
            Refusal::InRoom,
            Refusal::RoomName { max: 128 },
            Refusal::TooManyRooms { max: 8 },
            Refusal::RelayFull,
            Refusal::RoomFull,
            Refusal::GaveWay,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(Refusal::code).collect();
        assert_eq!(codes.len(), all.len());
        for r in &all {
            let RelayFrame::Error { code, reason } = r.frame() else {
                panic!("an error frame");
            };
            assert_eq!(code, r.code());
            assert!(!reason.is_empty());
        }
        assert_eq!(Refusal::KeyInUse.code(), Refusal::KEY_IN_USE);
    }
}
