//! The app's page: the top bar, the toasts, and the page of the route
//! (the wallet, the explorer, the new-network form, or "in no network").

use yew::html::Scope;
use yew::prelude::*;

use tabcoin_node::Node;

use super::accounts::AccountAction;
use super::{App, Msg};
use crate::shell::{NetId, now};
use crate::ui::components::search_box::SearchBox;
use crate::ui::pages::home::{self, Actions, Home, ShellView};
use crate::ui::route::Route;

impl App {
    /// The page for the state now.
    pub(super) fn render(&self, link: &Scope<App>) -> Html {
        let conn = self.shell.conn().label();
        let networks = self.networks_panel(link);
        let body = match (&self.route, self.focused()) {
            (Route::NewNetwork, _) => self.new_network_page(),
            (Route::Home, Some((slot, node))) => self.home_page(link, slot, node, networks),
            (route, Some((_, node))) => crate::ui::pages::explorer(
                route,
                node,
                self.tamper.as_ref(),
                link.callback(Msg::TamperEdit),
                now(),
            ),
            (_, None) => html! {
                <>
                    <section class="page" data-testid="no-network">
                        <h2>{ "This tab is in no network" }</h2>
                        <p class="muted">{ "Join one below, open an invite link, or make one with “new network”. Your accounts stay with this browser." }</p>
                    </section>
                    { networks }
                </>
            },
        };
        let focused = self.focused().map(|(_, n)| n);
        let status = focused
            .map(|n| {
                crate::ui::view_model::status_line(n.sync(), n.store().height(), n.peers().len())
            })
            .unwrap_or_default();
        html! {
            <div class="app">
                <header class="topbar">
                    <h1>{ "tabcoin" }</h1>
                    <span class="pill" title="network shown" data-testid="network-name">{ focused.map(|n| n.store().params().name.to_string()).unwrap_or_else(|| "no network".into()) }</span>
                    <span class={classes!("pill", "conn", conn)} data-testid="conn-state">{ conn }</span>
                    if focused.is_some() {
                        <span class="pill" data-testid="status">{ status }</span>
                    }
                    <a class="pill" href="#/">{ "wallet" }</a>
                    <a class="pill" href={Route::Blocks(0).href()}>{ "explorer" }</a>
                    <a class="pill" data-testid="new-network" href={Route::NewNetwork.href()}>{ "new network" }</a>
                    <SearchBox on_search={link.callback(Msg::Search)} error={self.errors.search.clone()} />
                </header>
                if let Some(problem) = &self.shell.config().problem {
                    <p class="error banner" role="alert" data-testid="net-problem">{ problem }</p>
                }
                <ul class="toasts" aria-live="polite">
                    { for self.activity.toasts().iter().map(|t| match &t.link {
                        Some(href) => html! { <li data-testid="toast"><a href={href.clone()}>{ &t.text }</a></li> },
                        None => html! { <li data-testid="toast">{ &t.text }</li> },
                    }) }
                </ul>
                { body }
            </div>
        }
    }

    /// The form that makes a new network.
    fn new_network_page(&self) -> Html {
        let best = self
            .tab
            .nets()
            .values()
            .flat_map(|n| n.rate_history().iter().map(|(_, r)| *r))
            .fold(0.0, f64::max);
        let base_url = page_url(false);
        html! {
            <crate::ui::pages::network::NewNetworkPage
                me={self.tab.keys().address().to_string()}
                hash_rate={(best > 0.0).then_some(best)}
                {base_url} />
        }
    }

    /// The wallet of network `slot` (its node `node`), under the networks
    /// panel.
    fn home_page(&self, link: &Scope<App>, slot: NetId, node: &Node, networks: Html) -> Html {
        let miners = self.shell.miners();
        let net = self.shell.net(slot);
        html! {
            <>
                { networks }
                { home::view(Home {
                    node,
                    book: &self.book,
                    activity: &self.activity,
                    shell: ShellView {
                        params: node.store().params().clone(),
                        relay: self.shell.config().relay.clone(),
                        conn: if net.is_some_and(|n| n.is_online()) { "online" } else { self.shell.conn().label() },
                        same_browser: net.map_or(0, |n| n.same_browser()),
                        neighbours: net.map(|n| n.neighbours()).unwrap_or_default(),
                        me: net.and_then(|n| n.me()),
                        verifiers: self.shell.verifiers(),
                        miners: (miners.wanted(), miners.max()),
                        kernel: miners.kernel().map(str::to_owned),
                        gpu: miners.gpu_state().clone(),
                    },
                    copied: self.copied,
                    sent: self.sent,
                    prefill: self.prefill.clone(),
                    page: page_url(true),
                    vault_busy: self.vault_busy,
                    account_error: self.errors.account.clone(),
                    send_error: self.errors.send.clone(),
                    relay_error: self.errors.relay.clone(),
                    now: now(),
                    on: Actions {
                        copy: link.callback(|_| Msg::CopyAddress),
                        switch: link.callback(|a| Msg::Account(AccountAction::Switch(a))),
                        create: link.callback(|()| Msg::Account(AccountAction::Create)),
                        rename: link.callback(|n| Msg::Account(AccountAction::Rename(n))),
                        import: link.callback(|(s, n)| Msg::Account(AccountAction::Import(s, n))),
                        protect: link.callback(|(p, c)| Msg::Account(AccountAction::Protect(p, c))),
                        unlock: link.callback(|p| Msg::Account(AccountAction::Unlock(p))),
                        lock: link.callback(|()| Msg::Account(AccountAction::Lock)),
                        toggle_mining: link.callback(|()| Msg::ToggleMining),
                        miners: link.callback(Msg::SetMiners),
                        gpu: link.callback(Msg::SetGpu),
                        send: link.callback(|(to, amount)| Msg::Send(to, amount)),
                        set_relay: link.callback(Msg::SetRelay),
                    },
                }) }
            </>
        }
    }
}

/// This page's address without its fragment, and (`with_query`) with its
/// query, which names the network.
fn page_url(with_query: bool) -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            let query = if with_query {
                l.search().ok()?
            } else {
                String::new()
            };
            Some(format!("{}{}{query}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}
