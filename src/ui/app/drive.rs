//! The app's one path to its nodes: an event for a network's node is
//! driven through [`TabHost`] (`tabcoin_node::drive`); the notices go to
//! the activity log under the network's name, a refused send beside the
//! form, and what the shell reports back is handed on in order.

use tabcoin_node::{Event, Notice};

use super::App;
use crate::shell::{NetId, Report, TabHost, now};
use crate::ui::activity::sentence;

impl App {
    /// Hands an event to the node of the network shown.
    pub(super) fn dispatch(&mut self, event: Event) {
        if let Some(slot) = self.tab.focus() {
            self.dispatch_to(slot, event);
        }
    }

    /// Hands an event to every network's node.
    pub(super) fn dispatch_all(&mut self, event: &Event) {
        for slot in self.tab.slots() {
            self.dispatch_to(slot, event.clone());
        }
    }

    /// Hands an event to network `slot`'s node and carries out what it
    /// asks; its notices are logged under its name when the tab is in
    /// several networks.
    pub(super) fn dispatch_to(&mut self, slot: NetId, event: Event) {
        let name = self.tab.log_name(Some(slot));
        let Some(node) = self.tab.node_mut(slot) else {
            return;
        };
        let mut host = TabHost::new(&mut self.shell, slot);
        let refused = tabcoin_node::drive(node, &mut host, event);
        let TabHost {
            notices, reports, ..
        } = host;
        self.activity.set_network(name.clone());
        for notice in notices {
            if matches!(
                notice,
                Notice::PaymentIncoming { .. } | Notice::CoinsReceived { .. }
            ) {
                let text = sentence(&notice);
                self.attention.payment(&match &name {
                    Some(network) => format!("{network}: {text}"),
                    None => text,
                });
            }
            self.activity.notice(now(), &notice);
        }
        self.activity.set_network(None);
        if let Some(e) = refused {
            self.errors.send = Some(format!("{e}."));
        }
        // What carrying the effects out changed (a neighbour that stopped
        // reading is gone), once they are all out.
        self.reports(reports);
    }

    /// Mining (or sealing) on or off in the network shown. The miners work
    /// for one network at a time: another network mining stops first.
    pub(super) fn toggle_mining(&mut self) {
        for slot in self.tab.mining_toggles() {
            self.dispatch_to(slot, Event::MiningToggled);
        }
    }

    /// What the shell reported, in order.
    pub(super) fn reports(&mut self, reports: Vec<Report>) {
        for report in reports {
            match report {
                Report::Node(slot, event) => self.dispatch_to(slot, event),
                Report::Note(slot, note) => {
                    self.activity.set_network(self.tab.log_name(slot));
                    self.activity.note(now(), &note);
                    self.activity.set_network(None);
                }
                Report::Accounts(result) => self.accounts_loaded(result),
                Report::AccountNotSaved(e) => {
                    self.errors.account = Some(format!("The account was not saved: {e}."));
                }
                Report::Vault(answer) => self.vault_answered(answer),
            }
        }
    }
}
