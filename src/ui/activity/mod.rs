//! The activity log and the toasts: the node's notices and the shell's
//! notes, in words.

use std::collections::VecDeque;

use tabcoin_chain::{BlockHash, Height, Timestamp};
use tabcoin_node::peers::Fault;
use tabcoin_node::{Misbehaviour, Notice, StoredChainProblem};

use crate::shell::note::{Note, RoomNote};
use crate::ui::format::capitalised;
use crate::ui::route::Route;

/// How many activity lines are kept.
pub const LOG_LINES: usize = 30;
/// How long a toast stays, in ms.
pub const TOAST_MS: u64 = 6_000;
/// How long a payment's toast stays, in ms: long enough to read who paid
/// and to follow its link.
pub const PAYMENT_TOAST_MS: u64 = 15_000;
/// Most toasts shown at once.
pub const MAX_TOASTS: usize = 4;

/// One line of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When.
    pub at: Timestamp,
    /// What happened.
    pub text: String,
    /// Whether it is a problem.
    pub warn: bool,
}

/// A notice shown for a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// When it was raised (or last grew).
    pub at: Timestamp,
    /// What to say.
    pub text: String,
    /// Where it leads (a transaction's page), if anywhere.
    pub link: Option<String>,
    /// How long it stays, in ms.
    lasts: u64,
    /// For a mining-reward toast: the network it is about (named when the
    /// tab is in several), coins and first block it covers (a miner's
    /// rewards on one network gather into one toast, and give way first).
    reward: Option<(Option<String>, u64, Height)>,
}

/// What happened lately, newest last.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    log: VecDeque<LogLine>,
    toasts: VecDeque<Toast>,
    /// The network what comes next is about, named when the tab is in
    /// several.
    network: Option<String>,
    /// The blocks this tab mined one after another that the last log line
    /// tells (its network, the first and the last), so a miner's burst is
    /// one line and does not push a payment out of the log.
    mined_run: Option<(Option<String>, Height, Height)>,
}

impl Activity {
    /// Nothing yet.
    pub fn new() -> Activity {
        Activity::default()
    }

    /// Names the network the next lines and toasts are about (`None`:
    /// the tab's, or the only network's).
    pub fn set_network(&mut self, name: Option<String>) {
        self.network = name;
    }

    /// `text` under the current network's name, if any.
    fn named(&self, text: String) -> String {
        match &self.network {
            Some(name) => format!("{name}: {text}"),
            None => text,
        }
    }

    /// Adds a line to the log.
    pub fn line(&mut self, at: Timestamp, text: String, warn: bool) {
        self.mined_run = None;
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        let text = self.named(text);
        self.log.push_back(LogLine { at, text, warn });
    }

    /// The node said something: payments become toasts and log lines
    /// (the toast leads to the transaction), rewards toasts, the rest log
    /// lines.
    pub fn notice(&mut self, at: Timestamp, notice: &Notice) {
        match notice {
            Notice::PaymentIncoming { tx, .. } | Notice::CoinsReceived { tx, .. } => {
                let text = sentence(notice);
                self.toast(Toast {
                    at,
                    // A toast is a sentence; a log line reads on from its time.
                    text: capitalised(&text),
                    link: Some(Route::Tx(*tx).href()),
                    lasts: PAYMENT_TOAST_MS,
                    reward: None,
                });
                self.line(at, text, false);
            }
            Notice::Rewarded { coins, height } => self.reward(at, *coins, *height),
            Notice::Mined { height, hash } => self.mined(at, *height, hash, notice),
            other => self.line(at, sentence(other), other.is_warning()),
        }
    }

    /// A block this tab mined: the line of the blocks it mined just before
    /// grows, else a new one.
    fn mined(&mut self, at: Timestamp, height: Height, hash: &BlockHash, notice: &Notice) {
        let network = self.network.clone();
        if let Some((n, first, last)) = self.mined_run.clone()
            && n == network
            && height == last.next()
        {
            let text = self.named(format!("mined blocks {first}–{height} ({})", hash.short()));
            if let Some(line) = self.log.back_mut() {
                line.text = text;
                line.at = at;
                self.mined_run = Some((network, first, height));
                return;
            }
        }
        self.line(at, sentence(notice), false);
        self.mined_run = Some((network, height, height));
    }

    /// The shell said something.
    pub fn note(&mut self, at: Timestamp, note: &Note) {
        let warn = !matches!(
            note,
            Note::Room(RoomNote::Joined { .. }) | Note::GpuMining(_)
        );
        self.line(at, note_sentence(note), warn);
    }

    /// A miner's rewards gather into the newest toast if it is one about
    /// the same network.
    fn reward(&mut self, at: Timestamp, coins: u64, height: Height) {
        let network = self.network.clone();
        let same = self
            .toasts
            .back()
            .and_then(|t| t.reward.clone())
            .filter(|(n, ..)| *n == network);
        if let Some((_, total, from)) = same {
            let total = total + coins;
            let text = self.named(format!(
                "Received {total} mining reward in blocks {from}–{height}"
            ));
            if let Some(last) = self.toasts.back_mut() {
                last.text = text;
                last.reward = Some((network, total, from));
                last.at = at;
            }
            return;
        }
        self.toast(Toast {
            at,
            text: format!("Received {coins} mining reward in block {height}"),
            link: None,
            lasts: TOAST_MS,
            reward: Some((network, coins, height)),
        });
    }

    fn toast(&mut self, mut toast: Toast) {
        toast.text = self.named(toast.text);
        self.toasts.push_back(toast);
        while self.toasts.len() > MAX_TOASTS {
            // Payments from others matter more than a miner's stream of
            // rewards: the oldest reward goes first.
            match self.toasts.iter().position(|t| t.reward.is_some()) {
                Some(i) => self.toasts.remove(i),
                None => self.toasts.pop_front(),
            };
        }
    }

    /// Time passes: old toasts go.
    pub fn tick(&mut self, now: Timestamp) {
        self.toasts.retain(|t| now.ms_since(t.at) < t.lasts);
    }

    /// The log, oldest first.
    pub fn log(&self) -> &VecDeque<LogLine> {
        &self.log
    }

    /// The toasts showing, oldest first.
    pub fn toasts(&self) -> &VecDeque<Toast> {
        &self.toasts
    }
}

/// A node's notice in words (arrivals are toasts, see [`Activity`]).
pub fn sentence(notice: &Notice) -> String {
    // Long: one arm per kind of notice, each a sentence, read top to bottom.
    match notice {
        Notice::MiningStarted => "started mining".into(),
        Notice::MiningStopped => "stopped mining".into(),
        Notice::Mined { height, hash } => format!("mined block {height} ({})", hash.short()),
        Notice::Sealed { height, hash } => format!("sealed block {height} ({})", hash.short()),
        Notice::CannotSeal { authorities } => format!(
            "cannot seal: this account is not one of the network's {authorities} authorities"
        ),
        Notice::MinedNotAccepted {
            height,
            error: Some(e),
        } => format!("mined block {height} was not accepted: {e}"),
        Notice::MinedNotAccepted {
            height,
            error: None,
        } => {
            format!(
                "mined block {height} was not accepted: another block at that height came first"
            )
        }
        Notice::Sent { amount, to } => format!("sent {amount} to {}", to.short()),
        Notice::PaymentIncoming { coins, from, .. } => {
            format!(
                "{coins} coins incoming from {}: they count once a block holds them",
                from.short()
            )
        }
        Notice::CoinsReceived {
            coins,
            height,
            from,
            ..
        } => format!(
            "received {coins} coins from {} in block {height}",
            from.short()
        ),
        Notice::Rewarded { coins, height } => {
            format!("received {coins} mining reward in block {height}")
        }
        Notice::BlocksReceived {
            peer,
            count,
            height,
        } => format!("received {count} block(s) from peer {peer}; height {height}"),
        Notice::Reorganised {
            peer,
            removed,
            added,
        } => format!("switched to peer {peer}'s branch: -{removed} +{added} blocks"),
        Notice::BlockNotTaken { peer, error } => {
            format!("did not take a block from peer {peer}: {error}")
        }
        Notice::PeerBanned { peer, minutes, why } => {
            let why = match why {
                Misbehaviour::InvalidTransaction(e) => format!("sent an invalid transaction: {e}"),
                Misbehaviour::RewardAsTransaction => "sent a reward as a transaction".into(),
                Misbehaviour::InvalidBlock(e) => format!("sent an invalid block: {e}"),
                Misbehaviour::Repeated(fault) => {
                    format!("misbehaved too often, last: {}", fault_words(*fault))
                }
            };
            format!("banned peer {peer} for {minutes} min: it {why}")
        }
        Notice::MessageIgnored { peer, error } => {
            format!("ignored a message from peer {peer}: {error}")
        }
        Notice::SyncPeerSwitched { gone, to } => {
            format!("peer {gone} stopped answering; syncing from peer {to}")
        }
        Notice::ChainRestored { height } => {
            format!("restored the stored chain at height {height}")
        }
        Notice::StoredChainDamaged(problem) => match problem {
            StoredChainProblem::UnreadableRecord { index, reason } => format!(
                "stored block record {index} unreadable ({reason}); resyncing the rest from peers"
            ),
            StoredChainProblem::UnreadableChain { reason } => {
                format!("stored chain unreadable ({reason}); resyncing from peers")
            }
            StoredChainProblem::OtherRules => {
                "the stored chain is of earlier rules (another network now); syncing from peers"
                    .into()
            }
            StoredChainProblem::InvalidAfter { kept, error } => format!(
                "stored chain invalid after height {kept} ({error}); resyncing the rest from peers"
            ),
        },
        Notice::StoredChainUnreadable { reason } => format!("{reason}; syncing from peers"),
        Notice::ChainWriteFailed { reason } => format!("{reason}; trying again"),
        Notice::AccountSwitched { address } => format!("using account {}", address.short()),
        Notice::Reissued { old, new, payments } => {
            let paid: Vec<String> = payments
                .iter()
                .map(|(to, amount)| format!("{amount} to {}", to.short()))
                .collect();
            format!(
                "sent again what transaction {} did not pay, as {}: {}",
                old.short(),
                new.short(),
                paid.join(", ")
            )
        }
        Notice::SendFailed { to, amount, error } => {
            format!("could not send {amount} to {} again: {error}", to.short())
        }
    }
}

/// A peer's fault in words.
fn fault_words(fault: Fault) -> &'static str {
    match fault {
        Fault::Invalid => "invalid data",
        Fault::NoProgress => "a download that added no work in time",
        Fault::EmptyBatch => "an empty batch that claimed more would follow",
        Fault::Orphans => "orphan blocks, too often",
        Fault::Undecodable => "a payload that is not a message",
        Fault::Unsolicited => "what was not asked for, or too much of it",
        Fault::Wasteful => "side-branch blocks beyond what is kept",
    }
}

/// A shell's note in words.
pub fn note_sentence(note: &Note) -> String {
    match note {
        Note::Room(RoomNote::Joined { you, others }) => {
            format!("joined the relay as peer {you}; {others} other tab(s)")
        }
        Note::Room(RoomNote::RelayLost) => "lost the relay; reconnecting".into(),
        Note::Room(RoomNote::RelayRefused(reason)) => {
            format!("the relay refused a frame: {reason}")
        }
        Note::BadFrame(reason) => format!("ignored a bad frame from the relay: {reason}"),
        Note::Room(RoomNote::LinkOpened(peer)) => format!("linked directly with peer {peer}"),
        Note::Room(RoomNote::LinkClosed { peer, why }) => {
            format!("direct link with peer {peer} closed: {why}")
        }
        Note::GpuMining(adapter) => format!("the GPU mines too ({adapter})"),
        Note::NoGpu(reason) => format!("the GPU does not mine: {reason}; the CPU miners go on"),
        Note::Failed(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests;
