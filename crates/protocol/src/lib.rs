//! The tabcoin wire protocol, shared by the app (the tabs) and the relay.
//!
//! Every WebSocket text frame is one JSON value. A tab sends a [`ClientFrame`]
//! to the relay; the relay sends [`RelayFrame`]s to tabs. Node-to-node
//! content is a [`Message`], which the relay forwards without interpreting:
//! the relay holds no consensus logic, it only checks that frames decode
//! within the size limit.
//!
//! Decoding ([`decode_client_frame`], [`decode_relay_frame`]) checks the
//! frame size before parsing anything.
//!
//! Sync, in short: a tab that joins broadcasts [`Message::Hello`]; peers with
//! more work answer with their own `Hello` directly; the tab then sends
//! [`Message::GetBlocks`] with a block locator to one of them and receives
//! [`Message::Blocks`] with only what it lacks, in bounded batches, then asks
//! for the peer's pending transactions ([`Message::GetPool`]). New blocks
//! travel alone in [`Message::Block`], new transactions in
//! [`Message::Transaction`].

use serde::{Deserialize, Serialize};
use tabcoin_chain::{Block, BlockHash, Height, Transaction, Work};

/// Version of this protocol; peers with another version are ignored.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest frame, in bytes, either side accepts.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Most blocks in one [`Message::Blocks`] batch.
pub const MAX_BLOCKS_PER_BATCH: usize = 200;

/// Senders keep a [`Message::Blocks`] batch under this many bytes of JSON
/// (at least one block is always sent), well inside [`MAX_FRAME_BYTES`].
pub const BATCH_BYTES: usize = 512 * 1024;

/// Most transactions in one [`Message::Pool`] snapshot.
pub const MAX_POOL_SNAPSHOT: usize = 1000;

/// Most hashes in a block locator.
pub const MAX_LOCATOR_HASHES: usize = 64;

/// A relay-assigned identifier of a connected tab, unique per relay run.
pub type PeerId = u64;

/// Node-to-node content, forwarded by the relay as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// "I am here, this is my best chain." Sent to everyone on joining, and
    /// directly to a peer whose `Hello` showed less work.
    Hello {
        /// [`PROTOCOL_VERSION`] of the sender.
        version: u32,
        /// The sender's genesis hash (its network).
        network: BlockHash,
        /// The sender's best block.
        tip: BlockHash,
        /// Height of that block.
        height: Height,
        /// Total work of the sender's best chain, in expected hashes.
        work: Work,
    },
    /// A newly mined block, announced alone.
    Block {
        /// The block.
        block: Block,
    },
    /// "Send me what follows the first of these hashes you know."
    GetBlocks {
        /// Block locator, tip first, thinning out toward genesis
        /// (at most [`MAX_LOCATOR_HASHES`]).
        locator: Vec<BlockHash>,
    },
    /// The answer to `GetBlocks`: consecutive blocks, at most
    /// [`MAX_BLOCKS_PER_BATCH`] and about [`BATCH_BYTES`].
    Blocks {
        /// The blocks, parent first.
        blocks: Vec<Block>,
        /// More blocks follow these on the sender's best chain: ask again.
        more: bool,
    },
    /// A new or updated pending transaction.
    Transaction {
        /// The transaction.
        tx: Transaction,
    },
    /// "Send me your pending transactions."
    GetPool,
    /// The answer to `GetPool`: at most [`MAX_POOL_SNAPSHOT`] transactions,
    /// each of which the receiver verifies like any other.
    Pool {
        /// The transactions.
        txs: Vec<Transaction>,
    },
}

/// What a tab sends to the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Deliver to every other tab in the room.
    Broadcast {
        /// The content.
        msg: Message,
    },
    /// Deliver to one tab of the room.
    Direct {
        /// The recipient.
        to: PeerId,
        /// The content.
        msg: Message,
    },
}

/// What the relay sends to a tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RelayFrame {
    /// First frame on a connection: the tab's id and who else is in the room.
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
    /// Content from another tab.
    Deliver {
        /// The sender.
        from: PeerId,
        /// The content.
        msg: Message,
    },
    /// The relay refused the tab's last frame and will close the connection.
    Error {
        /// Why, in one sentence.
        reason: String,
    },
}

/// Why a frame was refused.
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
    /// The frame is not a valid frame of this protocol.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A locator or batch is longer than the protocol allows.
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

fn check_size(text: &str, max: usize) -> Result<(), DecodeError> {
    if text.len() > max {
        Err(DecodeError::TooLarge {
            size: text.len(),
            max,
        })
    } else {
        Ok(())
    }
}

impl Message {
    /// Checks the list bounds a decoded message must respect.
    pub fn check_bounds(&self) -> Result<(), DecodeError> {
        let (what, actual, max) = match self {
            Message::GetBlocks { locator } => ("locator", locator.len(), MAX_LOCATOR_HASHES),
            Message::Blocks { blocks, .. } => ("blocks batch", blocks.len(), MAX_BLOCKS_PER_BATCH),
            Message::Pool { txs } => ("pool snapshot", txs.len(), MAX_POOL_SNAPSHOT),
            Message::Hello { .. }
            | Message::Block { .. }
            | Message::Transaction { .. }
            | Message::GetPool => {
                return Ok(());
            }
        };
        if actual > max {
            Err(DecodeError::TooManyEntries { what, actual, max })
        } else {
            Ok(())
        }
    }
}

/// Decodes a tab's frame: size first, then JSON, then list bounds.
pub fn decode_client_frame(text: &str, max_bytes: usize) -> Result<ClientFrame, DecodeError> {
    check_size(text, max_bytes)?;
    let frame: ClientFrame =
        serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    match &frame {
        ClientFrame::Broadcast { msg } | ClientFrame::Direct { msg, .. } => msg.check_bounds()?,
    }
    Ok(frame)
}

/// Room for the relay's `deliver` wrapper around a tab's message.
pub const RELAY_OVERHEAD_BYTES: usize = 1024;

/// Decodes a relay's frame: size first (a tab's largest frame plus the
/// relay's wrapper), then JSON, then list bounds.
pub fn decode_relay_frame(text: &str) -> Result<RelayFrame, DecodeError> {
    check_size(text, MAX_FRAME_BYTES + RELAY_OVERHEAD_BYTES)?;
    let frame: RelayFrame =
        serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if let RelayFrame::Deliver { msg, .. } = &frame {
        msg.check_bounds()?;
    }
    Ok(frame)
}

/// Encodes any frame as JSON text.
pub fn encode<T: Serialize>(frame: &T) -> String {
    // Serializing these plain data types cannot fail: no maps with non-string
    // keys, no custom serializers that error.
    serde_json::to_string(frame).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::{Params, genesis};

    fn hello() -> Message {
        let g = genesis(&Params::TEST);
        Message::Hello {
            version: PROTOCOL_VERSION,
            network: g.hash,
            tip: g.hash,
            height: Height(0),
            work: Work::ZERO,
        }
    }

    #[test]
    fn frames_round_trip() {
        let frames = [
            ClientFrame::Broadcast { msg: hello() },
            ClientFrame::Direct {
                to: 7,
                msg: Message::GetBlocks {
                    locator: vec![BlockHash::ZERO],
                },
            },
            ClientFrame::Broadcast {
                msg: Message::Blocks {
                    blocks: vec![genesis(&Params::TEST)],
                    more: false,
                },
            },
            ClientFrame::Direct {
                to: 2,
                msg: Message::GetPool,
            },
            ClientFrame::Broadcast {
                msg: Message::Pool { txs: vec![] },
            },
            ClientFrame::Broadcast {
                msg: Message::Block {
                    block: genesis(&Params::DEMO),
                },
            },
        ];
        for f in frames {
            assert_eq!(decode_client_frame(&encode(&f), MAX_FRAME_BYTES), Ok(f));
        }
        let r = RelayFrame::Deliver {
            from: 3,
            msg: hello(),
        };
        assert_eq!(decode_relay_frame(&encode(&r)), Ok(r));
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
    fn malformed_frames_are_refused() {
        for bad in [
            "",
            "{",
            "{\"type\":\"shout\"}",
            "{\"type\":\"broadcast\",\"msg\":{\"type\":\"hello\"}}",
        ] {
            assert!(
                matches!(
                    decode_client_frame(bad, MAX_FRAME_BYTES),
                    Err(DecodeError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn overlong_lists_are_refused() {
        let f = ClientFrame::Broadcast {
            msg: Message::GetBlocks {
                locator: vec![BlockHash::ZERO; MAX_LOCATOR_HASHES + 1],
            },
        };
        assert_eq!(
            decode_client_frame(&encode(&f), MAX_FRAME_BYTES),
            Err(DecodeError::TooManyEntries {
                what: "locator",
                actual: MAX_LOCATOR_HASHES + 1,
                max: MAX_LOCATOR_HASHES
            })
        );
    }
}
