//! What the node tells the person, as data: [`Notice`]s carry the values,
//! the UI chooses the words.

use tabcoin_chain::{AcceptError, Address, Amount, BlockHash, Height, PoolError, TxError, TxId};
use tabcoin_protocol::{DecodeError, PeerId};

use crate::peers::Fault;

/// Why a send was refused.
#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "snake_case")]
pub enum SendError {
    /// The transaction itself is not possible.
    #[error("{0}")]
    Tx(#[from] TxError),
    /// The pool refused it.
    #[error("{0}")]
    Pool(#[from] PoolError),
    /// The account's key is sealed with a passphrase not given yet.
    #[error("this account is locked: unlock it with its passphrase to send")]
    Locked,
}

impl SendError {
    /// The refusal's code, in snake case: the transaction or pool rule's
    /// (`insufficient_funds`), or `locked`.
    pub fn code(&self) -> &'static str {
        match self {
            SendError::Tx(e) => e.code(),
            SendError::Pool(e) => e.code(),
            SendError::Locked => "locked",
        }
    }
}

/// What a peer did to be banned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Its faults added up (the last one is named).
    Repeated(Fault),
    /// It sent a transaction no honest node could have made.
    InvalidTransaction(TxError),
    /// It sent a reward as a pending transaction.
    RewardAsTransaction,
    /// It sent a block that breaks a rule whatever the clock says.
    InvalidBlock(AcceptError),
}

/// What was wrong with the chain read from storage; the valid part is kept
/// and the rest comes again from peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredChainProblem {
    /// Block record number `index` (from 1) is not a block.
    UnreadableRecord {
        /// Which record.
        index: usize,
        /// The decoder's complaint.
        reason: String,
    },
    /// A whole chain stored by an earlier version is not a chain.
    UnreadableChain {
        /// The decoder's complaint.
        reason: String,
    },
    /// The chain starts with another genesis: it was stored under earlier
    /// rules (another network now). Nothing of it is kept.
    OtherRules,
    /// The blocks are valid up to `kept`; the next one is not.
    InvalidAfter {
        /// The last valid height.
        kept: Height,
        /// Why the next block was refused.
        error: AcceptError,
    },
}

/// Something worth telling the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The person started mining.
    MiningStarted,
    /// The person stopped mining.
    MiningStopped,
    /// This tab mined a block now on the best chain.
    Mined {
        /// Its height.
        height: Height,
        /// Its hash.
        hash: BlockHash,
    },
    /// This tab sealed a block (proof of authority) now on the best chain.
    Sealed {
        /// Its height.
        height: Height,
        /// Its hash.
        hash: BlockHash,
    },
    /// Sealing was asked for, but this tab's account is not one of the
    /// network's authorities.
    CannotSeal {
        /// How many authorities the network has.
        authorities: usize,
    },
    /// A block this tab mined or sealed was not taken: refused (`error`), or not on
    /// the best chain (`None`).
    MinedNotAccepted {
        /// Its height.
        height: Height,
        /// Why it was refused, if it was.
        error: Option<AcceptError>,
    },
    /// This tab sent coins.
    Sent {
        /// How many.
        amount: Amount,
        /// To whom.
        to: Address,
    },
    /// A payment from someone else to this tab's account is pending: it
    /// confirms when a block holds it.
    PaymentIncoming {
        /// How many coins (all the transaction pays this account).
        coins: u64,
        /// Who pays.
        from: Address,
        /// The transaction.
        tx: TxId,
    },
    /// A payment from someone else arrived in a block on the best chain.
    CoinsReceived {
        /// How many.
        coins: u64,
        /// In which block.
        height: Height,
        /// Who paid.
        from: Address,
        /// The transaction.
        tx: TxId,
    },
    /// A mining reward for this tab's account is on the best chain.
    Rewarded {
        /// How much.
        coins: u64,
        /// For which block.
        height: Height,
    },
    /// Blocks from a peer extended the best chain.
    BlocksReceived {
        /// The peer.
        peer: PeerId,
        /// How many joined the best chain.
        count: usize,
        /// The new height.
        height: Height,
    },
    /// Blocks from a peer replaced the end of the best chain.
    Reorganised {
        /// The peer.
        peer: PeerId,
        /// Blocks that left the best chain.
        removed: usize,
        /// Blocks that joined it.
        added: usize,
    },
    /// A block from a peer was not taken, for a reason that proves nothing
    /// against the peer (too far ahead of our clock, too deep a fork).
    BlockNotTaken {
        /// The peer.
        peer: PeerId,
        /// Why.
        error: AcceptError,
    },
    /// A peer is banned for `minutes`: what it sends is dropped unread.
    PeerBanned {
        /// The peer.
        peer: PeerId,
        /// For how long.
        minutes: u64,
        /// What it did.
        why: Misbehaviour,
    },
    /// A peer sent a payload that is not a message; it changed nothing.
    MessageIgnored {
        /// The peer.
        peer: PeerId,
        /// Why it is not one.
        error: DecodeError,
    },
    /// The peer the node was downloading from stopped answering or left;
    /// another that announced more work is asked.
    SyncPeerSwitched {
        /// The peer given up on.
        gone: PeerId,
        /// The peer asked now.
        to: PeerId,
    },
    /// The chain read from storage had more work than what peers gave
    /// since the page opened, and is used.
    ChainRestored {
        /// Its height.
        height: Height,
    },
    /// The stored chain was damaged; its valid part is kept.
    StoredChainDamaged(StoredChainProblem),
    /// The stored chain could not be read at all; peers will send it.
    StoredChainUnreadable {
        /// Why.
        reason: String,
    },
    /// Writing blocks to storage failed; it is tried again later (said
    /// once per distinct reason).
    ChainWriteFailed {
        /// Why.
        reason: String,
    },
    /// This tab's pending transaction `old` left the pool without all of
    /// it being paid (an earlier version was confirmed, or coins arrived
    /// and it no longer matched the balance): `payments` are sent again in
    /// `new`.
    Reissued {
        /// The transaction that left.
        old: TxId,
        /// The transaction that carries the payments now.
        new: TxId,
        /// What it pays: recipient, amount.
        payments: Vec<(Address, Amount)>,
    },
    /// A payment of a send could not be made again: the balance no longer
    /// allows it (or the pool refused it). Nothing was sent.
    SendFailed {
        /// The recipient.
        to: Address,
        /// The amount.
        amount: Amount,
        /// Why.
        error: SendError,
    },
    /// This tab now uses another account.
    AccountSwitched {
        /// Its address.
        address: Address,
    },
}

impl Notice {
    /// Whether the notice reports a problem.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Notice::MinedNotAccepted { .. }
                | Notice::CannotSeal { .. }
                | Notice::BlockNotTaken { .. }
                | Notice::PeerBanned { .. }
                | Notice::MessageIgnored { .. }
                | Notice::SyncPeerSwitched { .. }
                | Notice::StoredChainDamaged(_)
                | Notice::StoredChainUnreadable { .. }
                | Notice::ChainWriteFailed { .. }
                | Notice::SendFailed { .. }
        )
    }
}

#[cfg(test)]
mod code_tests {
    use tabcoin_chain::{Amount, PoolError, TxError};

    use super::SendError;

    #[test]
    fn a_refused_send_names_the_rule_inside_it() {
        let funds = TxError::InsufficientFunds {
            balance: Amount(1),
            requested: Amount(2),
        };
        assert_eq!(SendError::Tx(funds.clone()).code(), "insufficient_funds");
        assert_eq!(
            SendError::Pool(PoolError::Invalid(funds)).code(),
            "insufficient_funds"
        );
        assert_eq!(SendError::Pool(PoolError::Stale).code(), "stale");
        assert_eq!(SendError::Locked.code(), "locked");
    }
}
