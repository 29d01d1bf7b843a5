//! The tabcoin wire envelope, shared by the tabs and the relay.
//!
//! Every WebSocket text frame is one JSON value. A tab sends a
//! [`ClientFrame`] to the relay; the relay sends [`RelayFrame`]s to tabs.
//! What one node says to another travels inside as a [`Payload`]: a JSON
//! object the relay checks for size and shape only and forwards byte for
//! byte. The relay never decodes a payload into chain types, so it holds no
//! consensus logic and a change to the node's messages (`tabcoin-node`'s
//! `Message`) never touches it; the receiving tab decodes and validates.
//!
//! Decoding ([`decode_client_frame`], [`decode_relay_frame`]) checks the
//! frame size before parsing anything. [`take_within`] keeps a batch of
//! items inside [`BATCH_BYTES`] of the encoding used here.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Largest frame, in bytes, either side accepts.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// A batch (blocks, pending transactions) sent in one payload is kept under
/// this many bytes (at least one item is always sent), well inside
/// [`MAX_FRAME_BYTES`].
pub const BATCH_BYTES: usize = 512 * 1024;

/// How every signalling payload starts (see [`Payload::is_signalling`]).
pub const SIGNAL_PREFIX: &str = r#"{"type":"link_"#;

/// An identifier of a connected tab, given by the transport that reaches it
/// (the relay: unique per relay run; the same-browser channel: random).
pub type PeerId = u64;

/// What one node says to another, as the JSON object it was sent as.
/// Carried unchanged by the relay; the receiver decodes it
/// ([`Payload::decode`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Payload(Box<RawValue>);

impl Payload {
    /// Encodes a message (any serializable value that is a JSON object).
    pub fn encode<T: Serialize>(msg: &T) -> Payload {
        // Serializing plain data types cannot fail (no maps with non-string
        // keys, no serializers that error); `null` stands in otherwise and
        // the receiver refuses it.
        Payload(serde_json::value::to_raw_value(msg).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// Decodes the message inside.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        serde_json::from_str(self.0.get()).map_err(|e| DecodeError::Malformed(e.to_string()))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Length of the JSON text, in bytes.
    pub fn len(&self) -> usize {
        self.0.get().len()
    }

    /// Whether the JSON text is empty (never, for a decoded payload).
    pub fn is_empty(&self) -> bool {
        self.0.get().is_empty()
    }

    /// Whether this is a signalling message (opening a direct link
    /// between two tabs, `tabcoin-mesh`'s `Signal`), told by its leading
    /// `{"type":"link_` as its sender writes it; the relay counts those
    /// bytes apart from the chain's.
    pub fn is_signalling(&self) -> bool {
        self.0.get().starts_with(SIGNAL_PREFIX)
    }

    /// The shape every payload must have: a JSON object.
    pub fn check_shape(&self) -> Result<(), DecodeError> {
        if self.0.get().starts_with('{') {
            Ok(())
        } else {
            Err(DecodeError::Malformed(
                "a message must be a JSON object".into(),
            ))
        }
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for Payload {}

/// What a tab sends to the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "wire::ClientWire")]
pub enum ClientFrame {
    /// The answer to [`RelayFrame::Challenge`], the connection's first
    /// frame: the tab's key, its work and its signature of the challenge.
    Prove {
        /// The proof.
        proof: identity::Proof,
    },
    /// Deliver to every other tab in the room.
    Broadcast {
        /// The content.
        msg: Payload,
    },
    /// Deliver to one tab of the room.
    Direct {
        /// The recipient.
        to: PeerId,
        /// The content.
        msg: Payload,
    },
    /// "My direct neighbours carry the chain for me" (or no longer): while
    /// `linked`, this tab's broadcasts go only to tabs of the room that are
    /// not, and it receives only theirs. Direct messages are unaffected.
    Linked {
        /// Whether the tab is linked.
        linked: bool,
    },
    /// "Name up to `max` tabs of this room, chosen at random" (at most
    /// [`MAX_SAMPLE`]): tabs to dial when this one needs neighbours.
    Sample {
        /// How many, at most.
        max: u32,
    },
    /// Join another room on this connection: a tab in several networks
    /// keeps one connection. The relay answers with a [`RelayFrame::Room`]
    /// holding the room's `Welcome`, or its `Error` if the room cannot be
    /// joined (the connection stays).
    Join {
        /// The room.
        room: String,
    },
    /// Leave a room of this connection (the one named in its address too);
    /// the others in it are told the tab left. The connection stays.
    Leave {
        /// The room.
        room: String,
    },
    /// A broadcast, direct, linked or sample frame for a room joined with
    /// [`ClientFrame::Join`] (frames for the room named in the connection's
    /// address go unwrapped).
    Room {
        /// The room.
        room: String,
        /// The frame.
        frame: Box<ClientFrame>,
    },
}

/// The most tabs a relay names in one [`RelayFrame::Sample`].
pub const MAX_SAMPLE: usize = 32;

/// What the relay sends to a tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "wire::RelayWire")]
pub enum RelayFrame {
    /// First frame on a connection: prove your key by signing this, with a
    /// key carrying `work` bits ([`ClientFrame::Prove`]).
    Challenge {
        /// Fresh random bytes to sign.
        challenge: identity::Challenge,
        /// Bits of work asked of the key.
        work: u32,
    },
    /// The frame after the proof: the tab's id (its key's) and who else is
    /// in the room.
    Welcome {
        /// The id the relay gave this tab.
        you: PeerId,
        /// The other tabs in the room.
        peers: Vec<PeerId>,
    },
    /// A tab joined the room.
    PeerJoined {
        /// Its id.
        peer: PeerId,
    },
    /// A tab left the room.
    PeerLeft {
        /// Its id.
        peer: PeerId,
    },
    /// The answer to [`ClientFrame::Sample`]: tabs of the room other than
    /// the asker, chosen at random, at most [`MAX_SAMPLE`].
    Sample {
        /// Their ids.
        peers: Vec<PeerId>,
    },
    /// Content from another tab.
    Deliver {
        /// The sender.
        from: PeerId,
        /// The content.
        msg: Payload,
    },
    /// The relay refused the tab's last frame and will close the connection
    /// (inside a [`RelayFrame::Room`]: the room could not be joined, and the
    /// connection stays).
    Error {
        /// Why, as a stable code ([`refusal::Refusal::code`]).
        code: String,
        /// Why, in one sentence.
        reason: String,
    },
    /// A frame about a room joined with [`ClientFrame::Join`]: its welcome,
    /// arrivals and departures, samples and deliveries, or why it could not
    /// be joined.
    Room {
        /// The room.
        room: String,
        /// The frame.
        frame: Box<RelayFrame>,
    },
}

pub mod digest;
pub mod hex;
pub mod identity;
pub mod recent;
pub mod refusal;
pub mod wire;

pub use recent::RecentSet;

/// Why a frame or a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame exceeds [`MAX_FRAME_BYTES`].
    #[error("frame of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Frame size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not a valid frame or message of this protocol.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A list in a message is longer than the protocol allows.
    #[error("{what} has {actual} entries, at most {max} are allowed")]
    TooManyEntries {
        /// Which list.
        what: &'static str,
        /// Its length.
        actual: usize,
        /// The limit.
        max: usize,
    },
}

/// Refuses `text` if it is longer than `max` bytes.
pub fn check_size(text: &str, max: usize) -> Result<(), DecodeError> {
    if text.len() > max {
        Err(DecodeError::TooLarge {
            size: text.len(),
            max,
        })
    } else {
        Ok(())
    }
}

/// Decodes a tab's frame: size first, then JSON, then the payload's shape.
pub fn decode_client_frame(text: &str, max_bytes: usize) -> Result<ClientFrame, DecodeError> {
    check_size(text, max_bytes)?;
    let frame: ClientFrame =
        serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let inner = match &frame {
        ClientFrame::Room { frame, .. } => frame,
        frame => frame,
    };
    match inner {
        ClientFrame::Broadcast { msg } | ClientFrame::Direct { msg, .. } => msg.check_shape()?,
        _ => {}
    }
    Ok(frame)
}

/// Room for the relay's `deliver` wrapper around a tab's message.
pub const RELAY_OVERHEAD_BYTES: usize = 1024;

/// Decodes a relay's frame: size first (a tab's largest frame plus the
/// relay's wrapper), then JSON, then the payload's shape. The payload itself
/// is decoded by the receiving node.
pub fn decode_relay_frame(text: &str) -> Result<RelayFrame, DecodeError> {
    check_size(text, MAX_FRAME_BYTES + RELAY_OVERHEAD_BYTES)?;
    let frame: RelayFrame =
        serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let inner = match &frame {
        RelayFrame::Room { frame, .. } => frame,
        frame => frame,
    };
    match inner {
        RelayFrame::Deliver { msg, .. } => msg.check_shape()?,
        RelayFrame::Sample { peers } if peers.len() > MAX_SAMPLE => {
            return Err(DecodeError::TooManyEntries {
                what: "sample",
                actual: peers.len(),
                max: MAX_SAMPLE,
            });
        }
        _ => {}
    }
    Ok(frame)
}

/// Encodes any frame as JSON text.
pub fn encode<T: Serialize>(frame: &T) -> String {
    // Serializing these plain data types cannot fail: no maps with non-string
    // keys, no custom serializers that error.
    serde_json::to_string(frame).unwrap_or_default()
}

/// The leading items whose encodings add up to at most `max_bytes` (the
/// first always, so a batch is never empty while items remain).
pub fn take_within<T: Serialize>(items: impl IntoIterator<Item = T>, max_bytes: usize) -> Vec<T> {
    let mut bytes = 0;
    let mut out = Vec::new();
    for item in items {
        bytes += serde_json::to_string(&item).map_or(0, |s| s.len());
        if bytes > max_bytes && !out.is_empty() {
            break;
        }
        out.push(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(json: &str) -> Payload {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn frames_round_trip_with_their_payload_untouched() {
        let frames = [
            ClientFrame::Broadcast {
                msg: payload(r#"{"type":"hello","height":"7"}"#),
            },
            ClientFrame::Direct {
                to: 7,
                msg: payload(r#"{"type":"get_pool"}"#),
            },
            ClientFrame::Linked { linked: true },
            ClientFrame::Sample { max: 8 },
            ClientFrame::Prove {
                proof: identity::Identity::generate([5; 32], 2)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .prove(&identity::Challenge([1; 32])),
            },
        ];
        assert_eq!(
            encode(&ClientFrame::Sample { max: 8 }),
            r#"{"type":"sample","max":8}"#
        );
        assert_eq!(
            encode(&ClientFrame::Linked { linked: false }),
            r#"{"type":"linked","linked":false}"#
        );
        assert!(decode_client_frame(r#"{"type":"linked"}"#, MAX_FRAME_BYTES).is_err());
        for f in frames {
            assert_eq!(decode_client_frame(&encode(&f), MAX_FRAME_BYTES), Ok(f));
        }
        let r = RelayFrame::Deliver {
            from: 3,
            msg: payload(r#"{"type":"get_blocks","locator":["00"]}"#),
        };
        let text = encode(&r);
        assert!(
            text.contains(r#""msg":{"type":"get_blocks","locator":["00"]}"#),
            "{text}"
        );
        assert_eq!(decode_relay_frame(&text), Ok(r));
        let sample = RelayFrame::Sample {
            peers: vec![4, 9, 2],
        };
        assert_eq!(encode(&sample), r#"{"type":"sample","peers":[4,9,2]}"#);
        assert_eq!(decode_relay_frame(&encode(&sample)), Ok(sample));
        for r in [
            RelayFrame::Challenge {
                challenge: identity::Challenge([9; 32]),
                work: 18,
            },
            refusal::Refusal::KeyInUse.frame(),
        ] {
            assert_eq!(decode_relay_frame(&encode(&r)), Ok(r));
        }
        assert!(decode_relay_frame(r#"{"type":"error","reason":"x"}"#).is_err());
        assert!(decode_relay_frame(r#"{"type":"challenge","challenge":"00","work":1}"#).is_err());
    }

    #[test]
    fn room_frames_wrap_one_frame_of_another_room() {
        let join = ClientFrame::Join { room: "b".into() };
        assert_eq!(encode(&join), r#"{"type":"join","room":"b"}"#);
        let wrapped = ClientFrame::Room {
            room: "b".into(),
            frame: Box::new(ClientFrame::Broadcast {
                msg: payload(r#"{"type":"get_pool"}"#),
            }),
        };
        assert_eq!(
            encode(&wrapped),
            r#"{"type":"room","room":"b","frame":{"type":"broadcast","msg":{"type":"get_pool"}}}"#
        );
        for f in [join, ClientFrame::Leave { room: "b".into() }, wrapped] {
            assert_eq!(decode_client_frame(&encode(&f), MAX_FRAME_BYTES), Ok(f));
        }
        let delivered = RelayFrame::Room {
            room: "b".into(),
            frame: Box::new(RelayFrame::Deliver {
                from: 4,
                msg: payload(r#"{"type":"get_pool"}"#),
            }),
        };
        assert_eq!(decode_relay_frame(&encode(&delivered)), Ok(delivered));
        // One level only, and the inner frame is checked like any other.
        for bad in [
            r#"{"type":"room","room":"b","frame":{"type":"join","room":"c"}}"#,
            r#"{"type":"room","room":"b","frame":{"type":"room","room":"c","frame":{"type":"sample","max":1}}}"#,
            r#"{"type":"room","room":"b","frame":{"type":"broadcast","msg":7}}"#,
            r#"{"type":"room","room":"b"}"#,
            r#"{"type":"join"}"#,
        ] {
            assert!(
                matches!(
                    decode_client_frame(bad, MAX_FRAME_BYTES),
                    Err(DecodeError::Malformed(_))
                ),
                "{bad}"
            );
        }
        let nested = r#"{"type":"room","room":"b","frame":{"type":"room","room":"c","frame":{"type":"error","code":"x","reason":"x"}}}"#;
        assert!(decode_relay_frame(nested).is_err());
    }

    #[test]
    fn a_sample_longer_than_the_limit_is_refused() {
        let peers: Vec<PeerId> = (0..=MAX_SAMPLE as PeerId).collect();
        let text = encode(&RelayFrame::Sample { peers });
        assert_eq!(
            decode_relay_frame(&text),
            Err(DecodeError::TooManyEntries {
                what: "sample",
                actual: MAX_SAMPLE + 1,
                max: MAX_SAMPLE
            })
        );
    }

    #[test]
    fn a_payload_encodes_and_decodes_any_message() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Ping {
            n: u32,
        }
        let p = Payload::encode(&Ping { n: 5 });
        assert_eq!(p.as_str(), r#"{"n":5}"#);
        assert_eq!(p.len(), 7);
        assert_eq!(p.decode::<Ping>(), Ok(Ping { n: 5 }));
        assert!(matches!(
            payload(r#"{"m":1}"#).decode::<Ping>(),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn oversize_frames_are_refused_before_parsing() {
        let text = "x".repeat(101);
        assert_eq!(
            decode_client_frame(&text, 100),
            Err(DecodeError::TooLarge {
                size: 101,
                max: 100
            })
        );
    }

    #[test]
    fn malformed_frames_and_payloads_that_are_not_objects_are_refused() {
        for bad in [
            "",
            "{",
            "{\"type\":\"shout\"}",
            "{\"type\":\"broadcast\"}",
            "{\"type\":\"broadcast\",\"msg\":[1,2]}",
            "{\"type\":\"broadcast\",\"msg\":\"hello\"}",
            "{\"type\":\"direct\",\"to\":1,\"msg\":7}",
            "{\"type\":\"direct\",\"msg\":{}}",
        ] {
            assert!(
                matches!(
                    decode_client_frame(bad, MAX_FRAME_BYTES),
                    Err(DecodeError::Malformed(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            decode_relay_frame("{\"type\":\"deliver\",\"from\":1,\"msg\":null}"),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn batches_stay_within_their_bytes_but_are_never_empty() {
        let items: Vec<String> = (0..10).map(|i| format!("{i:08}")).collect();
        // Each item encodes as 10 bytes ("00000000" with quotes).
        assert_eq!(take_within(items.clone(), 35).len(), 3);
        assert_eq!(take_within(items.clone(), 5).len(), 1, "one always goes");
        assert_eq!(take_within(items, 1_000).len(), 10);
        assert!(take_within(Vec::<String>::new(), 10).is_empty());
    }
}
