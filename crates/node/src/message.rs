//! What one node says to another: [`Message`], carried as a
//! [`Payload`](tabcoin_protocol::Payload) by whatever links the nodes (the
//! relay, the same-browser channel, a direct link). The relay never looks
//! inside; the receiver decodes with [`Message::decode`], which checks the
//! list bounds before anything else uses the message.
//!
//! Sync, in short: a node that joins broadcasts [`Message::Hello`]; peers
//! with more work answer with their own `Hello` directly; the node then
//! sends [`Message::GetHeaders`] with a block locator to one of them and
//! receives [`Message::Headers`], the peer's header chain after what they
//! share, in bounded batches (see the node's `headers` module). Once the headers
//! prove more work than its own chain, it sends [`Message::GetBlocks`] and
//! receives [`Message::Blocks`] along that chain, then asks for the peer's
//! pending transactions ([`Message::GetPool`]). (On a proof-of-authority
//! network it asks for blocks straight away.) New blocks travel alone in
//! [`Message::Block`], new transactions in [`Message::Transaction`].

use serde::{Deserialize, Serialize};
use tabcoin_chain::{Block, BlockHash, Header, Height, Transaction, Work};

/// Most headers in one [`Message::Headers`] batch (about 230 KB of JSON,
/// well within a frame).
pub const MAX_HEADERS_PER_BATCH: usize = 1_000;
use tabcoin_protocol::{DecodeError, Payload};

/// Version of this protocol; peers with another version are ignored.
pub const PROTOCOL_VERSION: u32 = 2;

/// Most blocks in one [`Message::Blocks`] batch.
pub const MAX_BLOCKS_PER_BATCH: usize = 200;

/// Most transactions in one [`Message::Pool`] snapshot.
pub const MAX_POOL_SNAPSHOT: usize = 1000;

/// Most hashes in a block locator.
pub const MAX_LOCATOR_HASHES: usize = 64;

/// Node-to-node content.
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
    /// [`MAX_BLOCKS_PER_BATCH`] and about
    /// [`BATCH_BYTES`](tabcoin_protocol::BATCH_BYTES).
    Blocks {
        /// The blocks, parent first.
        blocks: Vec<Block>,
        /// More blocks follow these on the sender's best chain: ask again.
        more: bool,
    },
    /// "Send me the headers of your best chain after the first of these
    /// hashes you know."
    GetHeaders {
        /// Block locator, tip first (at most [`MAX_LOCATOR_HASHES`]).
        locator: Vec<BlockHash>,
    },
    /// The answer to `GetHeaders`: consecutive headers, at most
    /// [`MAX_HEADERS_PER_BATCH`].
    Headers {
        /// The headers, parent first.
        headers: Vec<Header>,
        /// More headers follow these on the sender's best chain.
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
    /// "Send me this network's spec": asked by a tab that knows only the
    /// network's id (the room it is in) and not yet its rules.
    GetSpec,
    /// The answer to `GetSpec`: the network's spec, as its canonical text
    /// (at most [`MAX_SPEC_BYTES`](tabcoin_chain::spec::MAX_SPEC_BYTES));
    /// the asker checks it hashes to the id it asked for.
    Spec {
        /// The spec's canonical text.
        spec: String,
    },
}

impl Message {
    /// Checks the list bounds a decoded message must respect.
    pub fn check_bounds(&self) -> Result<(), DecodeError> {
        let (what, actual, max) = match self {
            Message::GetBlocks { locator } | Message::GetHeaders { locator } => {
                ("locator", locator.len(), MAX_LOCATOR_HASHES)
            }
            Message::Headers { headers, .. } => {
                ("headers batch", headers.len(), MAX_HEADERS_PER_BATCH)
            }
            Message::Blocks { blocks, .. } => ("blocks batch", blocks.len(), MAX_BLOCKS_PER_BATCH),
            Message::Pool { txs } => ("pool snapshot", txs.len(), MAX_POOL_SNAPSHOT),
            Message::Spec { spec } => (
                "spec bytes",
                spec.len(),
                tabcoin_chain::spec::MAX_SPEC_BYTES,
            ),
            Message::Hello { .. }
            | Message::Block { .. }
            | Message::Transaction { .. }
            | Message::GetPool
            | Message::GetSpec => {
                return Ok(());
            }
        };
        if actual > max {
            Err(DecodeError::TooManyEntries { what, actual, max })
        } else {
            Ok(())
        }
    }

    /// Decodes a peer's payload: JSON, then list bounds.
    pub fn decode(payload: &Payload) -> Result<Message, DecodeError> {
        let msg: Message = payload.decode()?;
        msg.check_bounds()?;
        Ok(msg)
    }

    /// The payload that carries this message.
    pub fn encode(&self) -> Payload {
        Payload::encode(self)
    }
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
    fn messages_round_trip_through_a_payload() {
        let messages = [
            hello(),
            Message::GetBlocks {
                locator: vec![BlockHash::ZERO],
            },
            Message::Blocks {
                blocks: vec![genesis(&Params::TEST)],
                more: false,
            },
            Message::GetHeaders {
                locator: vec![BlockHash::ZERO],
            },
            Message::Headers {
                headers: vec![genesis(&Params::TEST).header],
                more: true,
            },
            Message::GetPool,
            Message::Pool { txs: vec![] },
            Message::GetSpec,
            Message::Spec {
                spec: Params::TEST.spec().canonical(),
            },
            Message::Block {
                block: genesis(&Params::DEMO),
            },
        ];
        for m in messages {
            assert_eq!(Message::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn overlong_lists_are_refused() {
        let m = Message::GetBlocks {
            locator: vec![BlockHash::ZERO; MAX_LOCATOR_HASHES + 1],
        };
        assert_eq!(
            Message::decode(&Payload::encode(&m)),
            Err(DecodeError::TooManyEntries {
                what: "locator",
                actual: MAX_LOCATOR_HASHES + 1,
                max: MAX_LOCATOR_HASHES
            })
        );
        let many = Message::Headers {
            headers: vec![genesis(&Params::TEST).header; MAX_HEADERS_PER_BATCH + 1],
            more: false,
        };
        assert!(matches!(
            Message::decode(&Payload::encode(&many)),
            Err(DecodeError::TooManyEntries {
                what: "headers batch",
                ..
            })
        ));
        // A full batch fits in a batch's bytes.
        let full = Message::Headers {
            headers: vec![genesis(&Params::TEST).header; MAX_HEADERS_PER_BATCH],
            more: true,
        };
        assert!(full.encode().as_str().len() < tabcoin_protocol::BATCH_BYTES);
        let max = tabcoin_chain::spec::MAX_SPEC_BYTES;
        let long = Message::Spec {
            spec: "x".repeat(max + 1),
        };
        assert_eq!(
            Message::decode(&Payload::encode(&long)),
            Err(DecodeError::TooManyEntries {
                what: "spec bytes",
                actual: max + 1,
                max
            })
        );
    }

    #[test]
    fn payloads_that_are_not_messages_are_refused() {
        for bad in [r#"{"type":"shout"}"#, r#"{"type":"hello"}"#, "{}"] {
            let payload: Payload = serde_json::from_str(bad).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                matches!(Message::decode(&payload), Err(DecodeError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
