//! One way to drive a node (smoldot's `PlatformRef` is the model): a
//! [`Host`] is what a node runs on — it tells the time, hands messages to
//! the transport, writes storage, runs miners and signature checks, and
//! tells the person — and [`drive`] is the one effect loop. It hands an
//! event to the node, carries out every effect through the host, and feeds
//! straight back the answers a host has at once (a synchronous write's
//! result), until nothing is left.
//!
//! `tabcoind` and the native sync peer are hosts; a host that answers later
//! (the browser's IndexedDB) hands the answer back as the event it is.

use std::collections::VecDeque;

use tabcoin_chain::{BlockHash, Timestamp};
use tabcoin_protocol::PeerId;

use crate::event::{Effect, Event, Job};
use crate::message::Message;
use crate::node::Node;
use crate::notice::{Notice, SendError};
use crate::persist::BlockRecord;

/// What a node runs on. Only [`Host::now`] and [`Host::send`] are required;
/// everything else has the default of a host without it (no storage, no
/// miners, no verifier threads, no direct links).
pub trait Host {
    /// The time now, in ms since the epoch.
    fn now(&self) -> Timestamp;

    /// Hands `msg` to the transport: for peer `to`, or for every peer
    /// (`None`).
    fn send(&mut self, to: Option<PeerId>, msg: &Message);

    /// Passes on to direct neighbours other than `from` what `from` sent and
    /// the node took as new (a host whose peers all hear the same relay has
    /// nothing to do).
    fn relay(&mut self, _from: PeerId, _msg: &Message) {}

    /// Starts the miners on `job`, or stops them (`None`).
    fn mine(&mut self, _job: Option<Job>) {}

    /// Checks these parts of signature checks (tag, encoded checks) on the
    /// verifiers; answers come back as [`Event::SignaturesChecked`].
    fn check_signatures(&mut self, _parts: Vec<(u64, Vec<u8>)>) {}

    /// The verifiers holding these parts stalled: not to be used again.
    fn verifiers_stalled(&mut self, _tags: Vec<u64>) {}

    /// Writes these blocks: the result if known at once (it is fed back to
    /// the node), or None if it will come later as
    /// [`Event::BlocksWritten`]. A host without storage has written them.
    fn write_blocks(&mut self, _records: Vec<BlockRecord>) -> Option<Result<(), String>> {
        Some(Ok(()))
    }

    /// Removes these block records (height, hash).
    fn forget_blocks(&mut self, _keys: Vec<(u64, BlockHash)>) {}

    /// Removes the whole chain an earlier version stored.
    fn remove_legacy_chain(&mut self) {}

    /// Stores the pending transactions (JSON).
    fn write_pool(&mut self, _json: String) {}

    /// Tells the person.
    fn notify(&mut self, _notice: Notice) {}

    /// Drops what `peer` sends, unread, until `until`.
    fn ban(&mut self, _peer: PeerId, _until: Timestamp) {}
}

/// The system clock in ms since the epoch, for native hosts (a browser
/// host reads the page's clock).
#[cfg(not(target_arch = "wasm32"))]
pub fn system_now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

/// Hands `event` to `node` and carries out everything it asks through
/// `host`, answers that come at once fed back, until nothing is left;
/// returns the refusal of a send the event asked for, if any.
pub fn drive(node: &mut Node, host: &mut impl Host, event: Event) -> Option<SendError> {
    let mut events = VecDeque::from([event]);
    let mut refused = None;
    while let Some(event) = events.pop_front() {
        let now = host.now();
        for effect in node.handle(event, now) {
            match effect {
                Effect::Send { to, msg } => host.send(Some(to), &msg),
                Effect::Broadcast(msg) => host.send(None, &msg),
                Effect::Relay { from, msg } => host.relay(from, &msg),
                Effect::Mine(job) => host.mine(Some(job)),
                Effect::StopMining => host.mine(None),
                Effect::CheckSignatures(parts) => host.check_signatures(parts),
                Effect::VerifiersStalled(tags) => host.verifiers_stalled(tags),
                Effect::WriteBlocks(records) => {
                    if let Some(result) = host.write_blocks(records) {
                        events.push_back(Event::BlocksWritten(result));
                    }
                }
                Effect::ForgetBlocks(keys) => host.forget_blocks(keys),
                Effect::RemoveLegacyChain => host.remove_legacy_chain(),
                Effect::WritePool(json) => host.write_pool(json),
                Effect::Notify(notice) => host.notify(notice),
                Effect::Ban { peer, until } => host.ban(peer, until),
                Effect::SendRefused(e) => refused = Some(e),
            }
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use tabcoin_chain::{Amount, Salt, Store};

    use super::*;
    use crate::testkit::{NOW, P, wallet};

    /// A host that records what it was asked, and writes at once.
    #[derive(Default)]
    struct Recorder {
        sent: Vec<(Option<PeerId>, Message)>,
        jobs: Vec<Option<u64>>,
        writes: usize,
        notices: Vec<Notice>,
    }

    impl Host for Recorder {
        fn now(&self) -> Timestamp {
            NOW
        }
        fn send(&mut self, to: Option<PeerId>, msg: &Message) {
            self.sent.push((to, msg.clone()));
        }
        fn mine(&mut self, job: Option<Job>) {
            self.jobs.push(job.map(|j| j.id));
        }
        fn write_blocks(&mut self, _records: Vec<BlockRecord>) -> Option<Result<(), String>> {
            self.writes += 1;
            Some(Ok(()))
        }
        fn notify(&mut self, notice: Notice) {
            self.notices.push(notice);
        }
    }

    #[test]
    fn the_driver_carries_out_effects_and_feeds_writes_back() {
        let mut node = Node::new(Store::new(P), wallet(1));
        let mut host = Recorder::default();
        drive(
            &mut node,
            &mut host,
            Event::StorageLoaded {
                chain: Ok(None),
                pool: None,
            },
        );
        drive(&mut node, &mut host, Event::Connected { peers: vec![2] });
        assert!(
            matches!(host.sent.last(), Some((None, Message::Hello { .. }))),
            "a hello to all"
        );
        drive(&mut node, &mut host, Event::MiningToggled);
        assert!(
            matches!(host.jobs.last(), Some(Some(_))),
            "the miners started"
        );
        // A send the rules refuse comes back as the refusal.
        let refused = drive(
            &mut node,
            &mut host,
            Event::Send {
                to: wallet(2).address(),
                amount: Amount(1_000_000),
                salt: Salt([1; 16]),
            },
        );
        assert_eq!(refused.map(|e| e.code()), Some("insufficient_funds"));
        // A block found: taken, written (the write's answer fed back, so
        // the next one is written too) and announced.
        let Some(job) = node.job().cloned() else {
            panic!("a job");
        };
        let nonce =
            tabcoin_chain::pow::search(&job.template.header, 0..u64::MAX).unwrap_or_default();
        let report = crate::MinerReport::Found {
            job: job.id,
            nonce,
            tried: nonce + 1,
        };
        drive(&mut node, &mut host, Event::Miner { worker: 0, report });
        assert_eq!(node.store().height().0, 1);
        assert!(host.writes >= 1, "the block was written");
        assert!(
            host.sent
                .iter()
                .any(|(to, m)| to.is_none() && matches!(m, Message::Block { .. })),
            "the block was announced"
        );
        assert!(
            host.notices
                .iter()
                .any(|n| matches!(n, Notice::Mined { .. }))
        );
    }
}
