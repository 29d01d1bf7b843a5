//! [`TabHost`]: the browser as a node's [`Host`]. One network's node is
//! driven by [`tabcoin_node::drive`]; its messages go to that network's
//! room, its storage to IndexedDB (the answer comes back later as the
//! event it is), its miners and signature checks to the tab's workers.
//! What the node tells the person, and what carrying the effects out made
//! the shell report, are kept for the UI.

use tabcoin_chain::{BlockHash, Timestamp};
use tabcoin_node::{BlockRecord, Host, Job, Message, Notice, PeerId};

use super::browser::Shell;
use super::events::{NetId, Report, now};

/// Network `slot` of the tab, as its node's host.
pub struct TabHost<'a> {
    shell: &'a mut Shell,
    slot: NetId,
    /// What the node told the person, in order.
    pub notices: Vec<Notice>,
    /// What carrying out the effects made the shell report (a neighbour
    /// gone that stopped reading), in order.
    pub reports: Vec<Report>,
}

impl<'a> TabHost<'a> {
    /// Network `slot` of `shell`.
    pub fn new(shell: &'a mut Shell, slot: NetId) -> TabHost<'a> {
        TabHost {
            shell,
            slot,
            notices: Vec::new(),
            reports: Vec::new(),
        }
    }
}

impl Host for TabHost<'_> {
    fn now(&self) -> Timestamp {
        now()
    }

    fn send(&mut self, to: Option<PeerId>, msg: &Message) {
        if let Some(net) = self.shell.net_mut(self.slot) {
            self.reports.extend(net.send(to, msg));
        }
    }

    fn relay(&mut self, from: PeerId, msg: &Message) {
        if let Some(net) = self.shell.net_mut(self.slot) {
            self.reports.extend(net.pass_on(from, msg));
        }
    }

    fn mine(&mut self, job: Option<Job>) {
        self.shell.mine(self.slot, job);
    }

    fn check_signatures(&mut self, parts: Vec<(u64, Vec<u8>)>) {
        self.shell.check_signatures(self.slot, parts);
    }

    fn verifiers_stalled(&mut self, tags: Vec<u64>) {
        self.shell.verifiers_stalled(self.slot, tags);
    }

    fn write_blocks(&mut self, records: Vec<BlockRecord>) -> Option<Result<(), String>> {
        if let Some(net) = self.shell.net_mut(self.slot) {
            net.write_blocks(records);
        }
        None
    }

    fn forget_blocks(&mut self, keys: Vec<(u64, BlockHash)>) {
        if let Some(net) = self.shell.net_mut(self.slot) {
            net.forget_blocks(keys);
        }
    }

    fn remove_legacy_chain(&mut self) {
        if let Some(net) = self.shell.net_mut(self.slot) {
            net.remove_legacy_chain();
        }
    }

    fn write_pool(&mut self, json: String) {
        if let Some(net) = self.shell.net_mut(self.slot) {
            net.write_pool(json);
        }
    }

    fn notify(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    fn ban(&mut self, peer: PeerId, until: Timestamp) {
        if let Some(net) = self.shell.net_mut(self.slot) {
            self.reports.extend(net.ban(peer, until));
        }
    }
}
