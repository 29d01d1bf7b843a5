//! [`App`], the root component: a translator. The person's actions and
//! the shell's reports become node events; the nodes' effects go to the
//! shell, their notices to the activity log; the pages render the state.
//! The tab is in none, one or several networks, each its own node; one is
//! shown (the focus). Account actions are in `accounts.rs`, joining and
//! leaving networks in `networks.rs`.

mod accounts;
mod networks;

use std::collections::BTreeMap;
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use tabcoin_chain::{Block, Params, Salt};
use tabcoin_node::{Event, Keys, Node};
use yew::prelude::*;

use self::accounts::AccountAction;
use crate::keys::accounts::AccountBook;
use crate::shell::config::PageConfig;
use crate::shell::web_storage::{self, random_bytes};
use crate::shell::{NetId, Report, Shell, ShellEvent, TabHost, now};
use crate::ui::activity::Activity;
use crate::ui::components::search_box::SearchBox;
use crate::ui::forms::{check_relay_url, validate_send};
use crate::ui::pages::home::{self, Actions, Home, ShellView};
use crate::ui::route::{Route, search};

/// Inputs of the app.
pub enum Msg {
    /// The shell reports something.
    Shell(ShellEvent),
    /// About once a second.
    Tick,
    /// The mining button.
    ToggleMining,
    /// The number of miners was changed.
    SetMiners(usize),
    /// The GPU switch: mine on the GPU too, or not.
    SetGpu(bool),
    /// The send form: recipient and amount as typed.
    Send(String, String),
    /// The network panel: connect to this relay.
    SetRelay(String),
    /// The URL fragment changed.
    Navigate(Route),
    /// The explorer's search box.
    Search(String),
    /// A new edited copy in the tamper view.
    TamperEdit(Block),
    /// Copy this tab's address to the clipboard.
    CopyAddress,
    /// The accounts panel.
    Account(AccountAction),
    /// The networks panel.
    Network(networks::NetworkAction),
}

/// Problems shown beside the form that caused them.
#[derive(Default)]
struct Errors {
    send: Option<String>,
    relay: Option<String>,
    search: Option<String>,
    account: Option<String>,
}

/// The app.
pub struct App {
    /// The tab's account: every network's node uses it.
    keys: Keys,
    /// The networks the tab is in, each its node, by slot.
    nets: BTreeMap<NetId, Node>,
    /// The network shown.
    focus: Option<NetId>,
    /// The next network's slot.
    next_slot: NetId,
    /// Networks left since the page opened, to rejoin.
    left: Vec<Params>,
    shell: Shell,
    activity: Activity,
    book: AccountBook,
    /// The vault worker is sealing or opening a key.
    vault_busy: bool,
    /// This tab started with a fresh wallet (not a reloaded one): it takes
    /// an unused account once the stored ones are read.
    fresh_wallet: bool,
    route: Route,
    tamper: Option<Block>,
    copied: bool,
    errors: Errors,
    _tick: Interval,
    _hashchange: Option<EventListener>,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let config = PageConfig::from_location();
        // A reload keeps the tab's account at once; a new tab starts with a
        // fresh wallet until the stored accounts are read. The stored chains
        // arrive later too; until then each network starts from genesis.
        let session = web_storage::session_keys();
        let fresh_wallet = session.is_none();
        let keys = session.unwrap_or_else(|| web_storage::new_wallet().into());
        let link = ctx.link().clone();
        let sink = Rc::new(move |e| link.send_message(Msg::Shell(e)));
        // The networks of this tab before a reload (none, if it left them
        // all), and the one the URL names; a new tab without one runs the
        // default network.
        let saved = web_storage::tab_networks();
        let named = config.named || saved.is_none();
        let mut networks = saved.unwrap_or_default();
        if named && !networks.contains(&config.params) {
            networks.push(config.params.clone());
        }
        let focus_id = if named {
            Some(config.params.network_id().to_string())
        } else {
            web_storage::tab_focus()
        };
        let shell = Shell::start(config, sink);
        let link = ctx.link().clone();
        let mut app = App {
            keys,
            nets: BTreeMap::new(),
            focus: None,
            next_slot: 0,
            left: Vec::new(),
            shell,
            activity: Activity::new(),
            book: AccountBook::default(),
            vault_busy: false,
            fresh_wallet,
            route: current_route(),
            tamper: None,
            copied: false,
            errors: Errors::default(),
            _tick: Interval::new(1_000, move || link.send_message(Msg::Tick)),
            _hashchange: web_sys::window().map(|w| {
                let link = ctx.link().clone();
                EventListener::new(&w, "hashchange", move |_| {
                    link.send_message(Msg::Navigate(current_route()))
                })
            }),
        };
        for params in networks {
            let focus = Some(params.network_id().to_string()) == focus_id;
            app.join(params, focus);
        }
        app
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Shell(event) => {
                let reports = self.shell.on(event);
                self.reports(reports);
            }
            Msg::Tick => {
                let was_copied = std::mem::replace(&mut self.copied, false);
                self.shell.renew_lease(&self.keys.address());
                let reports = self.shell.tick();
                self.reports(reports);
                let before = self.node().map(Node::sync);
                let slots: Vec<NetId> = self.nets.keys().copied().collect();
                for slot in slots {
                    self.dispatch_to(slot, Event::Tick);
                }
                self.activity.tick(now());
                // Re-render only when something moves.
                let ready = Some(tabcoin_node::SyncState::Ready);
                return was_copied
                    || self.nets.len() > 1
                    || self.node().is_some_and(|n| n.is_mining())
                    || self.node().map(Node::sync) != before
                    || (before.is_some() && before != ready)
                    || !self.activity.toasts().is_empty();
            }
            Msg::ToggleMining => self.toggle_mining(),
            Msg::SetMiners(n) => {
                let n = self.shell.set_miners(n);
                self.dispatch_all(&Event::WorkersSet(n));
            }
            Msg::SetGpu(on) => {
                let reports = self.shell.set_gpu(on);
                self.reports(reports);
            }
            Msg::Send(to, amount) => {
                let Some(node) = self.node() else {
                    return true;
                };
                let me = self.keys.address();
                match validate_send(&to, &amount, &me, node.pending_balance()) {
                    Ok((to, amount)) => {
                        self.errors.send = None;
                        let salt = Salt(random_bytes());
                        self.dispatch(Event::Send { to, amount, salt });
                    }
                    Err(e) => self.errors.send = Some(e),
                }
            }
            Msg::SetRelay(url) => match check_relay_url(&url) {
                Ok(url) => {
                    self.errors.relay = None;
                    let reports = self.shell.set_relay(url);
                    self.reports(reports);
                }
                Err(e) => self.errors.relay = Some(e),
            },
            Msg::Navigate(route) => {
                if !matches!(route, Route::Tamper(_)) {
                    self.tamper = None;
                }
                self.route = route;
                self.errors.search = None;
            }
            Msg::Search(query) => match search(&query) {
                Ok(route) => {
                    self.errors.search = None;
                    set_route(&route);
                }
                Err(e) => self.errors.search = Some(e),
            },
            Msg::TamperEdit(block) => self.tamper = Some(block),
            Msg::CopyAddress => {
                if let Some(w) = web_sys::window() {
                    let address = self.keys.address().to_string();
                    let _ = w.navigator().clipboard().write_text(&address);
                    self.copied = true;
                }
            }
            Msg::Account(action) => self.account(action),
            Msg::Network(action) => self.network(action),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let conn = self.shell.conn().label();
        let networks = self.networks_panel(link);
        let body = match (&self.route, self.focused()) {
            (Route::NewNetwork, _) => {
                let best = self
                    .nets
                    .values()
                    .flat_map(|n| n.rate_history().iter().map(|(_, r)| *r))
                    .fold(0.0, f64::max);
                let base_url = web_sys::window()
                    .and_then(|w| {
                        let l = w.location();
                        Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
                    })
                    .unwrap_or_default();
                html! {
                    <crate::ui::pages::network::NewNetworkPage
                        me={self.keys.address().to_string()}
                        hash_rate={(best > 0.0).then_some(best)}
                        {base_url} />
                }
            }
            (Route::Home, Some((slot, node))) => {
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
                                conn: if net.is_some_and(|n| n.is_online()) { "online" } else { conn },
                                same_browser: net.map_or(0, |n| n.same_browser()),
                                neighbours: net.map(|n| n.neighbours()).unwrap_or_default(),
                                me: net.and_then(|n| n.me()),
                                verifiers: self.shell.verifiers(),
                                miners: (miners.wanted(), miners.max()),
                                kernel: miners.kernel().map(str::to_owned),
                                gpu: miners.gpu_state().clone(),
                            },
                            copied: self.copied,
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
        let sync = focused
            .map(|n| crate::ui::view_model::sync_label(n.sync(), n.store().height()))
            .unwrap_or_default();
        html! {
            <div class="app">
                <header class="topbar">
                    <h1>{ "tabcoin" }</h1>
                    <span class="pill" title="network shown" data-testid="network-name">{ focused.map(|n| n.store().params().name.to_string()).unwrap_or_else(|| "no network".into()) }</span>
                    <span class={classes!("pill", "conn", conn)} data-testid="conn-state">{ conn }</span>
                    if let Some(node) = focused {
                        <span class="pill">{ "peers " }<b data-testid="peer-count">{ node.peers().len() }</b></span>
                        <span class="pill" data-testid="sync-state">{ sync }</span>
                        <span class="pill" title="mode: genesis (alone, nothing but the genesis block), boot (downloading), ready (up to date)" data-testid="mode">{ node.mode().label() }</span>
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
                    { for self.activity.toasts().iter().map(|t| html! { <li data-testid="toast">{ &t.text }</li> }) }
                </ul>
                { body }
            </div>
        }
    }
}

impl App {
    /// The network shown and its node.
    fn focused(&self) -> Option<(NetId, &Node)> {
        let slot = self.focus?;
        self.nets.get(&slot).map(|n| (slot, n))
    }

    /// The node of the network shown.
    fn node(&self) -> Option<&Node> {
        self.focused().map(|(_, n)| n)
    }

    /// The name the log gives network `slot`'s lines: only when the tab is
    /// in several networks.
    fn log_name(&self, slot: Option<NetId>) -> Option<String> {
        slot.filter(|_| self.nets.len() > 1)
            .and_then(|s| self.nets.get(&s))
            .map(|n| n.store().params().name.to_string())
    }

    /// Hands an event to the node of the network shown.
    fn dispatch(&mut self, event: Event) {
        if let Some(slot) = self.focus {
            self.dispatch_to(slot, event);
        }
    }

    /// Hands an event to every network's node.
    fn dispatch_all(&mut self, event: &Event) {
        let slots: Vec<NetId> = self.nets.keys().copied().collect();
        for slot in slots {
            self.dispatch_to(slot, event.clone());
        }
    }

    /// Hands an event to network `slot`'s node and carries out what it
    /// asks; its notices are logged under its name when the tab is in
    /// several networks.
    fn dispatch_to(&mut self, slot: NetId, event: Event) {
        let name = self.log_name(Some(slot));
        let Some(node) = self.nets.get_mut(&slot) else {
            return;
        };
        let mut host = TabHost::new(&mut self.shell, slot);
        let refused = tabcoin_node::drive(node, &mut host, event);
        let TabHost {
            notices, reports, ..
        } = host;
        self.activity.set_network(name);
        for notice in notices {
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
    fn toggle_mining(&mut self) {
        let Some((slot, node)) = self.focused() else {
            return;
        };
        let starts_mining = !node.is_mining() && !node.store().params().is_proof_of_authority();
        if starts_mining {
            let others: Vec<NetId> = self
                .nets
                .iter()
                .filter(|(s, n)| {
                    **s != slot && n.is_mining() && !n.store().params().is_proof_of_authority()
                })
                .map(|(s, _)| *s)
                .collect();
            for other in others {
                self.dispatch_to(other, Event::MiningToggled);
            }
        }
        self.dispatch_to(slot, Event::MiningToggled);
    }

    /// What the shell reported, in order.
    fn reports(&mut self, reports: Vec<Report>) {
        for report in reports {
            match report {
                Report::Node(slot, event) => self.dispatch_to(slot, event),
                Report::Note(slot, note) => {
                    self.activity.set_network(self.log_name(slot));
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

/// The route in the page's URL fragment.
fn current_route() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Route::parse(&hash)
}

/// Moves to `route` (the hashchange listener then renders it).
fn set_route(route: &Route) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(&route.href());
    }
}
