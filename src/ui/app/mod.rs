//! [`App`], the root component: a translator. The person's actions and
//! the shell's reports become node events; the node's effects go to the
//! shell, its notices to the activity log; the pages render the state.
//! Account actions are in `accounts.rs`.

mod accounts;

use std::rc::Rc;

use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use tabcoin_chain::{Block, Salt, Store};
use tabcoin_node::{Effect, Event, Node};
use yew::prelude::*;

use self::accounts::AccountAction;
use crate::shell::config::PageConfig;
use crate::shell::web_storage::{self, random_bytes};
use crate::shell::{Report, Shell, ShellEvent, now};
use crate::ui::accounts::AccountBook;
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
    node: Node,
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
        // fresh wallet until the stored accounts are read. The stored chain
        // arrives later too; until then the tab starts from genesis.
        let session = web_storage::session_keys();
        let fresh_wallet = session.is_none();
        let keys = session.unwrap_or_else(|| web_storage::new_wallet().into());
        let mut node = Node::new(Store::new(config.params.clone()), keys);
        let link = ctx.link().clone();
        let sink = Rc::new(move |e| link.send_message(Msg::Shell(e)));
        let room = node.store().genesis().hash.to_string();
        let shell = Shell::start(config, &room, sink);
        node.handle(Event::WorkersSet(shell.miners().wanted()), now());
        // A new tab's first batch comes fast: it waits for verifiers still
        // loading.
        let (available, loading) = shell.verifier_counts();
        node.handle(Event::VerifiersChanged { available, loading }, now());
        let link = ctx.link().clone();
        App {
            node,
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
        }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Shell(event) => {
                let reports = self.shell.on(event);
                self.reports(reports);
            }
            Msg::Tick => {
                let was_copied = std::mem::replace(&mut self.copied, false);
                self.shell.renew_lease(&self.node.keys().address());
                let reports = self.shell.tick();
                self.reports(reports);
                let before = self.node.sync();
                self.dispatch(Event::Tick);
                self.activity.tick(now());
                // Re-render only when something moves.
                return was_copied
                    || self.node.is_mining()
                    || self.node.sync() != before
                    || before != tabcoin_node::SyncState::Ready
                    || !self.activity.toasts().is_empty();
            }
            Msg::ToggleMining => self.dispatch(Event::MiningToggled),
            Msg::SetMiners(n) => {
                let n = self.shell.set_miners(n);
                self.dispatch(Event::WorkersSet(n));
            }
            Msg::Send(to, amount) => {
                let me = self.node.keys().address();
                match validate_send(&to, &amount, &me, self.node.pending_balance()) {
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
                    let address = self.node.keys().address().to_string();
                    let _ = w.navigator().clipboard().write_text(&address);
                    self.copied = true;
                }
            }
            Msg::Account(action) => self.account(action),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let conn = self.shell.conn().label();
        let body = match &self.route {
            Route::Home => {
                let miners = self.shell.miners();
                home::view(Home {
                    node: &self.node,
                    book: &self.book,
                    activity: &self.activity,
                    shell: ShellView {
                        params: self.shell.config().params.clone(),
                        relay: self.shell.config().relay.clone(),
                        conn,
                        same_browser: self.shell.same_browser(),
                        neighbours: self.shell.neighbours(),
                        me: self.shell.me(),
                        verifiers: self.shell.verifiers(),
                        miners: (miners.wanted(), miners.max()),
                        kernel: miners.kernel().map(str::to_owned),
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
                        send: link.callback(|(to, amount)| Msg::Send(to, amount)),
                        set_relay: link.callback(Msg::SetRelay),
                    },
                })
            }
            Route::NewNetwork => {
                let best = self
                    .node
                    .rate_history()
                    .iter()
                    .map(|(_, r)| *r)
                    .fold(0.0, f64::max);
                let base_url = web_sys::window()
                    .and_then(|w| {
                        let l = w.location();
                        Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
                    })
                    .unwrap_or_default();
                html! {
                    <crate::ui::pages::network::NewNetworkPage
                        me={self.node.keys().address().to_string()}
                        hash_rate={(best > 0.0).then_some(best)}
                        {base_url} />
                }
            }
            route => crate::ui::pages::explorer(
                route,
                &self.node,
                self.tamper.as_ref(),
                link.callback(Msg::TamperEdit),
                now(),
            ),
        };
        let sync = crate::ui::view_model::sync_label(self.node.sync(), self.node.store().height());
        html! {
            <div class="app">
                <header class="topbar">
                    <h1>{ "tabcoin" }</h1>
                    <span class="pill" title="network">{ self.shell.config().params.name.to_string() }</span>
                    <span class={classes!("pill", "conn", conn)} data-testid="conn-state">{ conn }</span>
                    <span class="pill">{ "peers " }<b data-testid="peer-count">{ self.node.peers().len() }</b></span>
                    <span class="pill" data-testid="sync-state">{ sync }</span>
                    <span class="pill" title="mode: genesis (alone, nothing but the genesis block), boot (downloading), ready (up to date)" data-testid="mode">{ self.node.mode().label() }</span>
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
    /// Hands an event to the node and carries out what it asks.
    fn dispatch(&mut self, event: Event) {
        let now = now();
        for effect in self.node.handle(event, now) {
            match effect {
                Effect::Notify(notice) => self.activity.notice(now, &notice),
                Effect::SendRefused(e) => self.errors.send = Some(format!("{e}.")),
                effect => self.shell.carry_out(effect),
            }
        }
    }

    /// What the shell reported, in order.
    fn reports(&mut self, reports: Vec<Report>) {
        for report in reports {
            match report {
                Report::Node(event) => self.dispatch(event),
                Report::Note(note) => self.activity.note(now(), &note),
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
