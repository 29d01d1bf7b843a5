//! Joining and leaving networks: the tab is in none, one or several, each
//! its own node (chain, pool, sync, mining) and its own room on the one
//! relay connection; one is shown. Leaving stops its traffic at once and
//! keeps what it stored unless asked to delete it; the others go on.

use tabcoin_chain::{Params, Store};
use tabcoin_node::{Event, Node};
use yew::html::Scope;
use yew::prelude::*;

use super::{App, Msg};
use crate::shell::config::BUILT_IN;
use crate::shell::{NetId, web_storage};
use crate::ui::components::networks_panel::NetworksPanel;
use crate::ui::view_model::network_row;

/// What the networks panel asks for.
pub enum NetworkAction {
    /// Show this network.
    Focus(NetId),
    /// Leave this network (`true`: and delete what it stored).
    Leave(NetId, bool),
    /// Rejoin the network left at this index.
    Rejoin(usize),
    /// Join the built-in network of this name.
    JoinBuiltIn(String),
}

impl App {
    pub(super) fn network(&mut self, action: NetworkAction) {
        match action {
            NetworkAction::Focus(slot) => {
                if self.nets.contains_key(&slot) {
                    self.focus = Some(slot);
                    self.tamper = None;
                    self.save_networks();
                }
            }
            NetworkAction::Leave(slot, delete) => self.leave(slot, delete),
            NetworkAction::Rejoin(index) => {
                if index < self.left.len() {
                    let params = self.left.remove(index);
                    self.join(params, true);
                }
            }
            NetworkAction::JoinBuiltIn(name) => {
                if let Some(params) = Params::by_name(&name) {
                    self.join(params, true);
                }
            }
        }
    }

    /// Joins network `params` (shown if `focus`, or if no other is): its
    /// node starts from genesis, its stored chain is read, its room joined.
    /// A network the tab is in already is only shown.
    pub(super) fn join(&mut self, params: Params, focus: bool) -> NetId {
        let id = params.network_id();
        if let Some((slot, _)) = self
            .nets
            .iter()
            .find(|(_, n)| n.store().genesis().hash == id)
        {
            let slot = *slot;
            if focus {
                self.focus = Some(slot);
            }
            return slot;
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.left.retain(|p| p.network_id() != id);
        crate::shell::config::remember_spec(&params);
        let node = Node::new(Store::new(params.clone()), self.keys.clone());
        self.nets.insert(slot, node);
        self.shell.add_net(slot, params);
        self.dispatch_to(slot, Event::WorkersSet(self.shell.miners().count()));
        // A new network's first batch comes fast: it waits for verifiers
        // still loading.
        let (available, loading) = self.shell.verifier_counts();
        self.dispatch_to(slot, Event::VerifiersChanged { available, loading });
        if focus || self.focus.is_none() {
            self.focus = Some(slot);
        }
        self.save_networks();
        slot
    }

    /// Leaves network `slot`: its room, links and channel close at once
    /// and its node goes; what it stored stays unless `delete`. Another
    /// network is shown if it was.
    fn leave(&mut self, slot: NetId, delete: bool) {
        let Some(node) = self.nets.remove(&slot) else {
            return;
        };
        self.shell.remove_net(slot);
        let params = node.store().params().clone();
        if delete {
            self.shell.delete_network(&params);
        }
        self.left.push(params);
        if self.focus == Some(slot) {
            self.focus = self.nets.keys().next().copied();
            self.tamper = None;
        }
        self.save_networks();
    }

    /// Keeps the tab's networks and the one shown across reloads.
    fn save_networks(&self) {
        let all: Vec<&Params> = self.nets.values().map(|n| n.store().params()).collect();
        let focus = self.node().map(|n| n.store().params());
        web_storage::save_tab_networks(&all, focus);
    }

    /// The networks panel.
    pub(super) fn networks_panel(&self, link: &Scope<App>) -> Html {
        let rows: Vec<_> = self
            .nets
            .iter()
            .map(|(slot, node)| (*slot, network_row(node), self.focus == Some(*slot)))
            .collect();
        let left: Vec<_> = self
            .left
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.name.to_string()))
            .collect();
        let built_in: Vec<String> = BUILT_IN
            .iter()
            .filter(|b| {
                let id = b.network_id();
                !self.nets.values().any(|n| n.store().genesis().hash == id)
                    && !self.left.iter().any(|p| p.network_id() == id)
            })
            .map(|b| b.name.to_string())
            .collect();
        html! {
            <NetworksPanel
                {rows}
                {left}
                {built_in}
                on_focus={link.callback(|s| Msg::Network(NetworkAction::Focus(s)))}
                on_leave={link.callback(|(s, d)| Msg::Network(NetworkAction::Leave(s, d)))}
                on_rejoin={link.callback(|i| Msg::Network(NetworkAction::Rejoin(i)))}
                on_join={link.callback(|n| Msg::Network(NetworkAction::JoinBuiltIn(n)))}
            />
        }
    }
}
