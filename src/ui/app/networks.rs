//! Joining and leaving networks: the tab is in none, one or several, each
//! its own node (chain, pool, sync, mining) and its own room on the one
//! relay connection; one is shown. Leaving stops its traffic at once and
//! keeps what it stored unless asked to delete it; the others go on.

use tabcoin_chain::Params;
use tabcoin_node::Event;
use yew::html::Scope;
use yew::prelude::*;

use super::{App, Msg};
use crate::shell::config::BUILT_IN;
use crate::shell::{NetId, web_storage};
use crate::tab::Joined;
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
                if self.tab.show(slot) {
                    self.tamper = None;
                    self.save_networks();
                }
            }
            NetworkAction::Leave(slot, delete) => self.leave(slot, delete),
            NetworkAction::Rejoin(index) => {
                if let Some(params) = self.tab.take_left(index) {
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
    pub(super) fn join(&mut self, params: Params, focus: bool) {
        let shown = self.tab.focus();
        if let Joined::New(slot) = self.tab.join(params.clone(), focus) {
            crate::shell::config::remember_spec(&params);
            self.shell.add_net(slot, params);
            self.dispatch_to(slot, Event::WorkersSet(self.shell.miners().count()));
            // A new network's first batch comes fast: it waits for verifiers
            // still loading.
            let (available, loading) = self.shell.verifier_counts();
            self.dispatch_to(slot, Event::VerifiersChanged { available, loading });
        }
        if self.tab.focus() != shown {
            self.tamper = None;
        }
        self.save_networks();
    }

    /// Leaves network `slot`: its room, links and channel close at once
    /// and its node goes; what it stored stays unless `delete`. Another
    /// network is shown if it was.
    fn leave(&mut self, slot: NetId, delete: bool) {
        let shown = self.tab.focus();
        let Some(params) = self.tab.leave(slot) else {
            return;
        };
        self.shell.remove_net(slot);
        if delete {
            self.shell.delete_network(&params);
        }
        if self.tab.focus() != shown {
            self.tamper = None;
        }
        self.save_networks();
    }

    /// Keeps the tab's networks and the one shown across reloads.
    fn save_networks(&self) {
        let (all, focus) = self.tab.saved();
        web_storage::save_tab_networks(&all, focus);
    }

    /// The networks panel.
    pub(super) fn networks_panel(&self, link: &Scope<App>) -> Html {
        let focus = self.tab.focus();
        let rows: Vec<_> = self
            .tab
            .nets()
            .iter()
            .map(|(slot, node)| (*slot, network_row(node), focus == Some(*slot)))
            .collect();
        let left: Vec<_> = self
            .tab
            .left()
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.name.to_string()))
            .collect();
        let built_in: Vec<String> = self
            .tab
            .not_joined(&BUILT_IN)
            .into_iter()
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
