//! [`App`], the root component: it only wires. The person's actions and
//! the shell's reports become node events, driven through the shell as
//! each node's host (`drive.rs`); the tab's networks, the one shown and
//! its account are the pure [`Tab`] (`crate::tab`); the pages render the
//! state (`view.rs`). Account actions are in `accounts.rs`, joining and
//! leaving networks in `networks.rs`, the URL fragment in `routes.rs`.

mod accounts;
mod drive;
mod networks;
mod routes;
mod view;

use std::rc::Rc;

use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use tabcoin_chain::{Block, Salt};
use tabcoin_node::{Event, Node};
use yew::prelude::*;

use self::accounts::AccountAction;
use self::routes::{current_route, set_route};
use crate::keys::accounts::AccountBook;
use crate::shell::attention::Attention;
use crate::shell::config::PageConfig;
use crate::shell::web_storage::{self, random_bytes};
use crate::shell::{NetId, Shell, ShellEvent, now};
use crate::tab::Tab;
use crate::ui::activity::Activity;
use crate::ui::forms::{check_relay_url, validate_send};
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
    /// The tab is shown again.
    Shown,
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
    /// The account, the networks and their nodes, the one shown.
    tab: Tab,
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
    /// Sends the form made that the node took.
    sent: u64,
    /// A payment link opened: (recipient, amount) for the send form.
    prefill: Option<(String, String)>,
    errors: Errors,
    /// Payments told while the tab is hidden: the title's count and the
    /// browser's notifications.
    attention: Attention,
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
            tab: Tab::new(keys),
            shell,
            activity: Activity::new(),
            book: AccountBook::default(),
            vault_busy: false,
            fresh_wallet,
            route: current_route(),
            tamper: None,
            copied: false,
            sent: 0,
            prefill: None,
            errors: Errors::default(),
            attention: {
                let link = ctx.link().clone();
                Attention::new(move || link.send_message(Msg::Shown))
            },
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
        // Opened from a payment link.
        app.navigate(app.route.clone());
        app
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Shell(event) => {
                let reports = self.shell.on(event);
                self.reports(reports);
            }
            Msg::Tick => return self.tick(),
            Msg::ToggleMining => {
                self.attention.ask_once();
                self.toggle_mining();
            }
            Msg::SetMiners(n) => {
                let n = self.shell.set_miners(n);
                self.dispatch_all(&Event::WorkersSet(n));
            }
            Msg::SetGpu(on) => {
                let reports = self.shell.set_gpu(on);
                self.reports(reports);
            }
            Msg::Send(to, amount) => {
                self.attention.ask_once();
                let Some(node) = self.node() else {
                    return true;
                };
                let me = self.tab.keys().address();
                match validate_send(&to, &amount, &me, node.pending_balance()) {
                    Ok((to, amount)) => {
                        self.errors.send = None;
                        let salt = Salt(random_bytes());
                        self.dispatch(Event::Send { to, amount, salt });
                        if self.errors.send.is_none() {
                            self.sent += 1;
                            self.prefill = None;
                        }
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
            Msg::Navigate(route) => self.navigate(route),
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
                    let address = self.tab.keys().address().to_string();
                    let _ = w.navigator().clipboard().write_text(&address);
                    self.copied = true;
                }
            }
            Msg::Account(action) => self.account(action),
            Msg::Shown => {
                self.attention.seen();
                return false;
            }
            Msg::Network(action) => self.network(action),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        self.render(ctx.link())
    }
}

impl App {
    /// About once a second: the shell's mesh and links, every node's clock,
    /// the toasts; whether the page changed.
    fn tick(&mut self) -> bool {
        let was_copied = std::mem::replace(&mut self.copied, false);
        self.shell.renew_lease(&self.tab.keys().address());
        let reports = self.shell.tick();
        self.reports(reports);
        let before = self.node().map(Node::sync);
        for slot in self.tab.slots() {
            self.dispatch_to(slot, Event::Tick);
        }
        self.activity.tick(now());
        // Re-render only when something moves.
        let ready = Some(tabcoin_node::SyncState::Ready);
        was_copied
            || self.tab.nets().len() > 1
            || self.node().is_some_and(|n| n.is_mining())
            || self.node().map(Node::sync) != before
            || (before.is_some() && before != ready)
            || !self.activity.toasts().is_empty()
    }

    /// The network shown and its node.
    fn focused(&self) -> Option<(NetId, &Node)> {
        self.tab.focused()
    }

    /// The node of the network shown.
    fn node(&self) -> Option<&Node> {
        self.focused().map(|(_, n)| n)
    }
}
