//! The root component: owns the [`Node`] and the browser shell around it
//! (relay connection, same-browser channel, miner workers, storage) and
//! renders the node's state.
//!
//! Every input becomes a [`Msg`]; node events go through [`Node::handle`] and
//! the returned effects are carried out here. Nothing else changes state.

use std::collections::VecDeque;

use gloo::timers::callback::{Interval, Timeout};
use tabcoin_chain::{Block, BlockHash, Height, Store, Timestamp, TxId, pow::expected_hashes};
use yew::prelude::*;

use crate::accounts::{Account, AccountBook, parse_secret};
use crate::components::accounts_panel::AccountsPanel;
use crate::components::block_card::BlockCard;
use crate::components::charts::Chart;
use crate::components::explorer::{AddressPage, BlockPage, BlocksPage, HistoryList, TxPage};
use crate::components::mining_panel::MiningPanel;
use crate::components::network_panel::NetworkPanel;
use crate::components::search_box::SearchBox;
use crate::components::send_form::SendForm;
use crate::components::tamper_page::TamperPage;
use crate::config::{PageConfig, save_relay};
use crate::forms::{check_relay_url, validate_send};
use crate::idb_store;
use crate::local::{LocalChannel, LocalFrame};
use crate::message::Message;
use crate::miner::Miner;
use crate::net::{NetEvent, Relay};
use crate::node::{Effect, Event, Node, SyncState};
use crate::persist::Saved;
use crate::route::{Route, search};
use crate::sigbatch::{MIN_PARALLEL_CHECKS, SigBatch};
use crate::storage::{self, StoredChain};
use crate::verifiers::{VerifierEvent, Verifiers};
use crate::worker_api::{FromWorker, ToWorker};
use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame};

/// Blocks shown in the latest-blocks list.
const LATEST: usize = 12;
/// Blocks shown in the charts.
const CHART_BLOCKS: usize = 50;
/// Reconnect delays grow from this…
const BACKOFF_MIN_MS: u32 = 500;
/// …to this.
const BACKOFF_MAX_MS: u32 = 8_000;
/// Verifiers silent this long are given up on (the page checks the rest):
/// well within the node's patience with a sync peer, so a stuck worker
/// never makes the node drop the peer whose batch is held.
const VERIFY_STALL_MS: u64 = crate::node::SYNC_STALL_MS / 2;
/// A failed chain write is tried again after this long.
const CHAIN_RETRY_MS: u64 = 10_000;

/// Current time (the browser's clock), in ms since the epoch.
pub fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as u64)
}

/// Inputs of the app.
pub enum Msg {
    /// From the relay connection.
    Net(NetEvent),
    /// From miner worker `index`.
    Worker(usize, FromWorker),
    /// The number of workers was changed.
    SetWorkers(usize),
    /// The mining button.
    ToggleMining,
    /// The send form: recipient and amount as typed.
    Send(String, String),
    /// Time to reconnect to the relay.
    Reconnect,
    /// From another tab of this browser.
    Local(LocalFrame),
    /// About once a second.
    Tick,
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
    /// The accounts stored in IndexedDB were read.
    AccountsLoaded(Result<Vec<Account>, String>),
    /// Switch this tab to the account with this address.
    SwitchAccount(String),
    /// Create a new account and switch to it.
    CreateAccount,
    /// Rename the current account.
    RenameAccount(String),
    /// Import (secret, name) and switch to it.
    ImportAccount(String, String),
    /// Saving an account failed.
    AccountError(String),
    /// The stored chain and pool (JSON) were read.
    StoredLoaded(Result<Option<StoredChain>, String>, Option<String>),
    /// From signature verifier worker `index`.
    Verifier(usize, VerifierEvent),
    /// Blocks were written to storage (their heights and hashes), or not.
    ChainSaved(Result<Vec<(Height, BlockHash)>, String>),
    /// Something in the background failed (a write to storage, a miner
    /// worker that would not start): said in the log.
    BackgroundError(String),
}

/// A frame held while the verifier workers check its signatures.
struct Checking {
    /// None while the verifiers are still starting.
    batch: Option<SigBatch>,
    event: Event,
    since: Timestamp,
    /// Which worker has which part: (tag, worker index).
    slots: Vec<(u64, usize)>,
}

/// Connection to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// Opening the WebSocket.
    Connecting,
    /// In the room.
    Online,
    /// Lost; a reconnect is scheduled.
    Offline,
}

impl Conn {
    /// A word for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Conn::Connecting => "connecting",
            Conn::Online => "online",
            Conn::Offline => "offline",
        }
    }
}

/// The app.
pub struct App {
    config: PageConfig,
    node: Node,
    relay: Option<Relay>,
    conn: Conn,
    miners: Vec<Miner>,
    workers: usize,
    max_workers: usize,
    link: html::Scope<App>,
    backoff_ms: u32,
    reconnect: Option<Timeout>,
    error: Option<String>,
    send_error: Option<String>,
    relay_error: Option<String>,
    local: Option<LocalChannel>,
    _tick: Interval,
    route: Route,
    search_error: Option<String>,
    tamper: Option<Block>,
    copied: bool,
    stored_read: bool,
    /// The main chain as last written to storage.
    chain_saved: Saved,
    /// A write of blocks is under way; `chain_dirty` asks for another.
    chain_writing: bool,
    chain_dirty: bool,
    /// After a failed write: when to try again, and the error (said once).
    chain_retry: Option<(Timestamp, String)>,
    /// A whole chain from an earlier version is to be removed once its
    /// blocks are written one by one.
    legacy_chain: bool,
    kernel: Option<String>,
    /// Signature verifier workers (none with `?verify=main`).
    verifiers: Verifiers,
    /// A frame whose signatures are out with the verifiers, since when.
    sig_batch: Option<Checking>,
    /// Frames that arrived meanwhile, in order.
    held: VecDeque<Event>,
    next_tag: u64,
    /// Signatures the verifier workers vouched for.
    sig_by_workers: u64,
    pool_saved: Option<u64>,
    book: AccountBook,
    fresh_wallet: bool,
    account_error: Option<String>,
    _hashchange: Option<gloo::events::EventListener>,
}

impl App {
    fn connect(&mut self, ctx: &Context<Self>) {
        let room = self.node.store.genesis().hash.to_string();
        self.conn = Conn::Connecting;
        match Relay::connect(&self.config.relay, &room, ctx.link().callback(Msg::Net)) {
            Ok(relay) => self.relay = Some(relay),
            Err(e) => {
                self.error = Some(e);
                self.schedule_reconnect(ctx);
            }
        }
    }

    fn schedule_reconnect(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.reconnect = Some(Timeout::new(self.backoff_ms, move || {
            link.send_message(Msg::Reconnect)
        }));
        self.backoff_ms = (self.backoff_ms * 2).min(BACKOFF_MAX_MS);
    }

    /// What the relay and the other tabs send enters here. Blocks and pool
    /// snapshots with many signatures first have them checked by the
    /// verifier workers (the page stays responsive meanwhile); whatever
    /// comes next, frames and connection events alike, waits its turn so
    /// order is kept.
    fn ingress(&mut self, event: Event) {
        if self.sig_batch.is_some() {
            self.held.push_back(event);
            return;
        }
        let (workers, loading) = (self.verifiers.available(), self.verifiers.loading());
        // A banned peer's frames go straight to the node, which ignores them.
        if (workers > 0 || loading > 0)
            && let Event::Message { msg, from } = &event
            && !self.node.banned.contains(from)
        {
            let sigs = &self.node.store.sigs;
            let pending = match msg {
                Message::Blocks { blocks, .. } => sigs.pending(blocks),
                Message::Pool { txs } => sigs.pending_txs(txs),
                _ => Vec::new(),
            };
            if pending.len() >= MIN_PARALLEL_CHECKS {
                // Verifiers still loading (a new tab's first batch comes
                // fast): wait for them.
                let (batch, slots) = if workers == 0 {
                    (None, Vec::new())
                } else {
                    let (batch, parts) = SigBatch::split(self.next_tag, pending, workers);
                    self.next_tag += batch.tags_used();
                    (Some(batch), self.verifiers.send(parts))
                };
                self.sig_batch = Some(Checking {
                    batch,
                    event,
                    since: now(),
                    slots,
                });
                return;
            }
        }
        self.dispatch(event);
    }

    /// A verifier became ready: a frame waiting for one goes out to them.
    fn verifier_ready(&mut self) {
        if self.sig_batch.as_ref().is_some_and(|c| c.batch.is_none())
            && let Some(checking) = self.sig_batch.take()
        {
            self.ingress(checking.event);
            // The wait for loading counts toward the stall, so a held
            // batch never outlasts the node's patience with its sender.
            if let Some(c) = &mut self.sig_batch {
                c.since = checking.since;
            }
            self.drain_held();
        }
    }

    /// A verifier's answer: vouched signatures go to the cache; when every
    /// part is in, the frame goes on. Returns whether it went on.
    fn verified(&mut self, tag: u64, flags: &[u8]) -> bool {
        let Some(Checking {
            batch: Some(batch), ..
        }) = &mut self.sig_batch
        else {
            return false;
        };
        for hash in batch.answer(tag, flags) {
            self.node.store.sigs.vouch(hash);
            self.sig_by_workers += 1;
        }
        let done = batch.is_done();
        if done {
            self.release_batch();
        }
        done
    }

    /// Hands the waiting frame, then the frames held behind it, to the node.
    fn release_batch(&mut self) {
        if let Some(checking) = self.sig_batch.take() {
            self.dispatch(checking.event);
        }
        self.drain_held();
    }

    /// Frames held behind a batch enter in order, until one is held again.
    fn drain_held(&mut self) {
        while self.sig_batch.is_none()
            && let Some(event) = self.held.pop_front()
        {
            self.ingress(event);
        }
    }

    /// The relay is gone (closed, or left for another): its peers with it.
    fn relay_lost(&mut self) {
        if self.conn != Conn::Offline {
            self.node.note(now(), "lost the relay; reconnecting", true);
        }
        self.conn = Conn::Offline;
        self.ingress(Event::Disconnected);
    }

    fn dispatch(&mut self, event: Event) {
        let effects = self.node.handle(event, now());
        self.run(effects);
    }

    /// Relay when connected; the same-browser channel for tabs heard there
    /// and for broadcasts while the relay is down.
    fn send_frame(&mut self, to: Option<PeerId>, msg: &Message) {
        let online = self.conn == Conn::Online;
        let msg = msg.encode();
        match (&self.local, to) {
            (Some(local), Some(to)) if local.knows(to) => local.post(Some(to), msg),
            (Some(local), None) if !online => local.post(None, msg),
            (_, to) => {
                if let Some(relay) = &self.relay {
                    relay.send(&match to {
                        Some(to) => ClientFrame::Direct { to, msg },
                        None => ClientFrame::Broadcast { msg },
                    });
                }
            }
        }
    }

    /// A peer's payload, from the relay or the same-browser channel.
    fn delivered(&mut self, from: PeerId, msg: &Payload) {
        self.ingress(match Message::decode(msg) {
            Ok(msg) => Event::Message { from, msg },
            Err(error) => Event::Undecodable { from, error },
        });
    }

    /// What the relay says.
    fn relay_frame(&mut self, frame: RelayFrame) {
        match frame {
            RelayFrame::Welcome { you, peers } => {
                self.conn = Conn::Online;
                self.backoff_ms = BACKOFF_MIN_MS;
                self.node.note(
                    now(),
                    format!(
                        "joined the relay as peer {you}; {} other tab(s)",
                        peers.len()
                    ),
                    false,
                );
                self.ingress(Event::Connected { peers });
            }
            RelayFrame::PeerJoined { peer } => self.ingress(Event::PeerJoined(peer)),
            RelayFrame::PeerLeft { peer } => self.ingress(Event::PeerLeft(peer)),
            RelayFrame::Deliver { from, msg } => self.delivered(from, &msg),
            RelayFrame::Error { reason } => {
                self.node
                    .note(now(), format!("the relay refused a frame: {reason}"), true)
            }
        }
    }

    /// Starts workers up to the chosen number (they load in the background
    /// and take their job when ready); stops any beyond it.
    fn spawn_miners(&mut self) {
        self.miners.truncate(self.workers);
        while self.miners.len() < self.workers {
            let index = self.miners.len();
            let script = crate::miner::worker_script(self.config.force_scalar);
            let on_failure = self.link.callback(Msg::BackgroundError);
            match Miner::spawn(
                script,
                self.link.callback(move |e| Msg::Worker(index, e)),
                on_failure,
            ) {
                Ok(m) => self.miners.push(m),
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            }
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { to, msg } => self.send_frame(Some(to), &msg),
                Effect::Broadcast(msg) => self.send_frame(None, &msg),
                Effect::Mine(job) => {
                    self.spawn_miners();
                    let stride = u64::MAX / self.miners.len().max(1) as u64;
                    for (i, miner) in self.miners.iter_mut().enumerate() {
                        miner.send(ToWorker::Mine {
                            job: job.id,
                            header: job.template.header,
                            first_nonce: stride.saturating_mul(i as u64),
                        });
                    }
                }
                Effect::StopMining => {
                    for miner in &mut self.miners {
                        miner.send(ToWorker::Stop);
                    }
                }
                Effect::SaveChain => self.save_chain(),
            }
        }
    }

    fn send(&mut self, to: &str, amount: &str) {
        let me = self.node.wallet.address();
        let checked = validate_send(to, amount, &me, self.node.pending_balance());
        let result = checked.and_then(|(to, amount)| {
            let id = TxId::from_random(storage::random_bytes());
            self.node
                .send(to, amount, id, now())
                .map_err(|e| format!("{e}."))
        });
        match result {
            Ok(effects) => {
                self.send_error = None;
                self.run(effects);
            }
            Err(e) => self.send_error = Some(e),
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let config = PageConfig::from_location();
        let now = now();
        // The stored chain and pool arrive asynchronously (IndexedDB); until
        // then the tab starts from genesis (and may already sync from peers).
        let store = Store::new(config.params);
        // A reload keeps the tab's account at once; a new tab starts with a
        // fresh wallet until the stored accounts are read (then it takes an
        // unused one, or keeps and stores the fresh one).
        let session = storage::session_wallet();
        let fresh = session.is_none();
        let wallet = session.unwrap_or_else(storage::new_wallet);
        let mut node = Node::new(store, wallet);
        let cores =
            web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency()) as usize;
        let max_workers = (cores * 2).clamp(2, 64);
        let verify_in_workers = config.verify_in_workers;
        let workers = storage::saved_workers()
            .unwrap_or(cores)
            .clamp(1, max_workers);
        node.handle(Event::WorkersSet(workers), now);
        let channel_name = format!("tabcoin/{}", node.store.genesis().hash);
        let local_id = u64::from_be_bytes(storage::random_bytes());
        let local =
            LocalChannel::open(&channel_name, local_id, ctx.link().callback(Msg::Local)).ok();
        let tick = {
            let link = ctx.link().clone();
            Interval::new(1_000, move || link.send_message(Msg::Tick))
        };
        let mut app = App {
            config,
            node,
            relay: None,
            conn: Conn::Connecting,
            miners: Vec::new(),
            workers,
            max_workers,
            link: ctx.link().clone(),
            backoff_ms: BACKOFF_MIN_MS,
            reconnect: None,
            error: None,
            send_error: None,
            relay_error: None,
            local,
            _tick: tick,
            route: current_route(),
            search_error: None,
            tamper: None,
            copied: false,
            stored_read: false,
            chain_saved: Saved::new(),
            chain_writing: false,
            chain_dirty: false,
            chain_retry: None,
            legacy_chain: false,
            kernel: None,
            verifiers: if verify_in_workers {
                Verifiers::spawn(
                    cores.clamp(1, 4),
                    ctx.link().callback(|(i, e)| Msg::Verifier(i, e)),
                )
            } else {
                Verifiers::default()
            },
            sig_batch: None,
            held: VecDeque::new(),
            next_tag: 0,
            sig_by_workers: 0,
            pool_saved: None,
            book: AccountBook::default(),
            fresh_wallet: fresh,
            account_error: None,
            _hashchange: web_sys::window().map(|w| {
                let link = ctx.link().clone();
                gloo::events::EventListener::new(&w, "hashchange", move |_| {
                    link.send_message(Msg::Navigate(current_route()))
                })
            }),
        };
        // Workers load while the page's server is reachable, so mining also
        // works later with the relay (which serves the app) down.
        app.spawn_miners();
        app.connect(ctx);
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            link.send_message(Msg::AccountsLoaded(idb_store::load_accounts().await));
        });
        let (link, params) = (ctx.link().clone(), app.config.params);
        wasm_bindgen_futures::spawn_local(async move {
            let chain = match idb_store::load_blocks(params.name).await {
                Ok(records) if !records.is_empty() => Ok(Some(StoredChain::Records(records))),
                Ok(_) => match idb_store::get(idb_store::CHAINS, params.name).await {
                    Ok(Some(json)) => Ok(Some(StoredChain::Whole(json))),
                    Ok(None) => Ok(storage::take_legacy_chain(&params).map(StoredChain::Whole)),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let pool = idb_store::get(idb_store::POOLS, params.name)
                .await
                .ok()
                .flatten();
            link.send_message(Msg::StoredLoaded(chain, pool));
        });
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Net(NetEvent::Opened) => {}
            Msg::Net(NetEvent::Frame(frame)) => self.relay_frame(frame),
            Msg::Net(NetEvent::BadFrame(reason)) => self.node.note(
                now(),
                format!("ignored a bad frame from the relay: {reason}"),
                true,
            ),
            Msg::Net(NetEvent::Closed) => {
                self.relay = None;
                self.relay_lost();
                // Tabs of this browser carry on together until it is back.
                if let Some(local) = &self.local {
                    local.post(None, self.node.hello().encode());
                }
                self.schedule_reconnect(ctx);
            }
            Msg::Reconnect => {
                self.reconnect = None;
                self.connect(ctx);
            }
            Msg::Worker(index, event) => {
                if let FromWorker::Ready { kernel } = &event {
                    self.kernel = Some(kernel.clone());
                    if let Some(miner) = self.miners.get_mut(index) {
                        miner.set_ready();
                    }
                }
                self.dispatch(Event::Worker { index, event });
            }
            Msg::SetWorkers(n) => {
                self.workers = n.clamp(1, self.max_workers);
                storage::save_workers(self.workers);
                self.spawn_miners();
                self.dispatch(Event::WorkersSet(self.workers));
            }
            Msg::ToggleMining => self.dispatch(Event::MiningToggled),
            Msg::Send(to, amount) => self.send(&to, &amount),
            Msg::Local(frame) => {
                if let Some(local) = &mut self.local {
                    local.learn(frame.from);
                }
                self.delivered(frame.from, &frame.msg);
            }
            Msg::Tick => {
                let was_copied = std::mem::replace(&mut self.copied, false);
                // Verifiers that stopped answering, or never started, are not
                // used again; the page checks the rest.
                if let Some(checking) = &self.sig_batch
                    && now().ms_since(checking.since) > VERIFY_STALL_MS
                {
                    match &checking.batch {
                        Some(batch) => {
                            for (tag, slot) in &checking.slots {
                                if !batch.is_answered(*tag) {
                                    self.verifiers.note(*slot, &VerifierEvent::Failed);
                                }
                            }
                        }
                        None => self.verifiers.give_up_loading(),
                    }
                    self.release_batch();
                }
                // A failed write is tried again after a pause.
                if !self.chain_writing
                    && self
                        .chain_retry
                        .as_ref()
                        .is_some_and(|(at, _)| now() >= *at)
                {
                    self.save_chain();
                }
                // The pool is written when it changed, and not before the
                // stored one was read (it would be overwritten).
                let revision = self.node.pool.revision();
                if self.stored_read && self.pool_saved != Some(revision) {
                    let txs: Vec<_> = self.node.pool.transactions().collect();
                    self.persist(
                        idb_store::POOLS,
                        serde_json::to_string(&txs).unwrap_or_default(),
                    );
                    self.pool_saved = Some(revision);
                }
                storage::renew_lease(&self.node.wallet.address().to_string(), now());
                let before = self.node.sync;
                self.dispatch(Event::Tick);
                // Re-render only when something moves.
                return was_copied
                    || self.node.mining
                    || self.node.sync != before
                    || before != SyncState::Ready
                    || !self.node.toasts.is_empty();
            }
            Msg::Navigate(route) => {
                if !matches!(route, Route::Tamper(_)) {
                    self.tamper = None;
                }
                self.route = route;
                self.search_error = None;
            }
            Msg::Search(query) => match search(&query) {
                Ok(route) => {
                    self.search_error = None;
                    set_route(&route);
                }
                Err(e) => self.search_error = Some(e),
            },
            Msg::TamperEdit(block) => self.tamper = Some(block),
            Msg::AccountsLoaded(result) => self.accounts_loaded(result),
            Msg::SwitchAccount(address) => {
                if let Some(wallet) = self
                    .book
                    .accounts
                    .iter()
                    .find(|a| a.address == address)
                    .and_then(Account::wallet)
                {
                    self.use_wallet(wallet);
                }
            }
            Msg::CreateAccount => {
                let wallet = storage::new_wallet();
                self.remember(Account::new(&wallet, self.book.next_name(), now().0));
                self.use_wallet(wallet);
            }
            Msg::RenameAccount(name) => {
                match self.book.rename(&self.node.wallet.address(), &name) {
                    Ok(account) => {
                        self.account_error = None;
                        self.save(account);
                    }
                    Err(e) => self.account_error = Some(e),
                }
            }
            Msg::ImportAccount(secret, name) => match parse_secret(&secret) {
                Ok(wallet) => {
                    let name = if name.trim().is_empty() {
                        "Imported".to_owned()
                    } else {
                        name.trim().to_owned()
                    };
                    self.account_error = None;
                    self.remember(Account::new(&wallet, name, now().0));
                    self.use_wallet(wallet);
                }
                Err(e) => self.account_error = Some(e),
            },
            Msg::AccountError(e) => self.account_error = Some(e),
            Msg::BackgroundError(e) => self.node.note(now(), e, true),
            Msg::StoredLoaded(chain, pool) => self.stored_loaded(chain, pool),
            Msg::ChainSaved(result) => self.chain_saved(result),
            Msg::Verifier(index, event) => {
                self.verifiers.note(index, &event);
                return match event {
                    VerifierEvent::Answer(tag, flags) => self.verified(tag, &flags),
                    // The page verifies what a failed worker did not.
                    VerifierEvent::Failed => {
                        self.release_batch();
                        true
                    }
                    VerifierEvent::Ready => {
                        self.verifier_ready();
                        false
                    }
                };
            }
            Msg::CopyAddress => {
                if let Some(w) = web_sys::window() {
                    let _ = w
                        .navigator()
                        .clipboard()
                        .write_text(&self.node.wallet.address().to_string());
                    self.copied = true;
                }
            }
            Msg::SetRelay(url) => match check_relay_url(&url) {
                Ok(url) => {
                    save_relay(&url);
                    self.relay_error = None;
                    self.config.relay = url;
                    self.relay = None;
                    self.reconnect = None;
                    self.backoff_ms = BACKOFF_MIN_MS;
                    self.relay_lost();
                    self.connect(ctx);
                }
                Err(e) => self.relay_error = Some(e),
            },
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let node = &self.node;
        let store = &node.store;
        let tip = store.tip();
        let next_target = store.next_target();
        let sync = match node.sync {
            SyncState::Ready => "ready".to_owned(),
            SyncState::Syncing { target, .. } => format!("syncing {} / {}", store.height(), target),
        };
        let progress = node.tried() as f64 / expected_hashes(&next_target);
        let latest: Html = store
            .main_chain()
            .rev()
            .take(LATEST)
            .map(|b| html! { <BlockCard key={b.hash.to_string()} block={b.clone()} /> })
            .collect();
        let pool: Html = node
            .pool
            .transactions()
            .map(|tx| {
                let sender = tx.sender();
                let from = sender.map(|a| a.short()).unwrap_or_default();
                let paid: Vec<String> = tx
                    .outputs
                    .iter()
                    .filter(|(a, _)| Some(**a) != sender)
                    .map(|(a, v)| format!("{v} to {}", a.short()))
                    .collect();
                html! { <li data-testid="pool-tx">{ format!("{from} sends {}", paid.join(", ")) }</li> }
            })
            .collect();
        let log: Html = node
            .log
            .iter()
            .rev()
            .map(|l| html! { <li class={classes!(l.warn.then_some("warn"))}>{ format!("{} {}", clock(l.at), l.text) }</li> })
            .collect();
        let address = node.wallet.address().to_string();
        let on_send = ctx
            .link()
            .callback(|(to, amount): (String, String)| Msg::Send(to, amount));
        let me = node.wallet.address();
        let mut known: Vec<(String, String)> = self
            .book
            .accounts
            .iter()
            .filter(|a| a.address != me.to_string())
            .map(|a| (format!("{} (this browser)", a.name), a.address.clone()))
            .collect();
        let on_chain: Vec<(String, String)> = store
            .ledger()
            .addresses()
            .filter(|a| **a != me && !known.iter().any(|(_, k)| *k == a.to_string()))
            .take(50)
            .map(|a| ("seen on the chain".to_owned(), a.to_string()))
            .collect();
        known.extend(on_chain);
        let recent: Vec<&Block> = store
            .main_chain()
            .rev()
            .take(CHART_BLOCKS + 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let block_times: Vec<f64> = recent
            .windows(2)
            .map(|w| w[1].header.timestamp.ms_since(w[0].header.timestamp) as f64 / 1000.0)
            .collect();
        let difficulty: Vec<f64> = recent
            .iter()
            .skip(1)
            .map(|b| {
                f64::from(
                    tabcoin_chain::Target::from_compact(b.header.bits)
                        .map_or(0, |t| t.leading_zero_bits()),
                )
            })
            .collect();
        let rates: Vec<f64> = node.rate_history.iter().map(|(_, r)| r / 1000.0).collect();
        let body = match &self.route {
            Route::Home => html! {
                <>
                    <section class="wallet">
                        <div class="stat wide"><span>{ "your address" }</span>
                            <div class="address-line">
                                <code data-testid="address">{ address }</code>
                                <button class="small" data-testid="copy-address" aria-label="Copy your address" onclick={ctx.link().callback(|_| Msg::CopyAddress)}>
                                    { if self.copied { "copied" } else { "copy" } }
                                </button>
                            </div>
                        </div>
                        <div class="stat"><span>{ "balance" }</span><b data-testid="balance">{ node.balance().0 }</b></div>
                        <div class="stat"><span>{ "after pending" }</span><b data-testid="pending-balance">{ node.pending_balance().0 }</b></div>
                    </section>
                    <AccountsPanel
                        accounts={self.book.accounts.clone()}
                        current={me.to_string()}
                        error={self.account_error.clone()}
                        on_switch={ctx.link().callback(Msg::SwitchAccount)}
                        on_create={ctx.link().callback(|()| Msg::CreateAccount)}
                        on_rename={ctx.link().callback(Msg::RenameAccount)}
                        on_import={ctx.link().callback(|(s, n)| Msg::ImportAccount(s, n))}
                    />
                    <section class="stats">
                        <div class="stat"><span>{ "height" }</span><b data-testid="chain-height">{ store.height().to_string() }</b></div>
                        <div class="stat"><span>{ "tip" }</span><code data-testid="tip-hash" title={tip.hash.to_string()}>{ tip.hash.short() }</code></div>
                        <div class="stat"><span>{ "difficulty" }</span><b data-testid="difficulty">{ format!("{} bits", next_target.leading_zero_bits()) }</b></div>
                        <div class="stat"><span>{ "mined here" }</span><b data-testid="mined-here">{ node.mined_here }</b></div>
                    </section>
                    <MiningPanel
                        mining={node.mining}
                        paused={node.mining && node.sync != SyncState::Ready}
                        workers={self.workers}
                        max_workers={self.max_workers}
                        rates={node.worker_rates.clone()}
                        {progress}
                        difficulty_bits={next_target.leading_zero_bits()}
                        reward_to={node.wallet.address().short()}
                    kernel={self.kernel.clone().unwrap_or_else(|| "loading".into())}
                        on_toggle={ctx.link().callback(|()| Msg::ToggleMining)}
                        on_workers={ctx.link().callback(Msg::SetWorkers)}
                    />
                    <section>
                        <h2>{ "Send coins" }</h2>
                        <SendForm on_send={on_send} error={self.send_error.clone()} known={known.clone()} />
                    </section>
                    <section>
                        <h2>{ format!("Pending transactions ({})", node.pool.len()) }</h2>
                        <ul class="pool" data-testid="pool">{ pool }</ul>
                    </section>
                    <section class="charts">
                        <Chart title={format!("block time, last {} blocks ", block_times.len())} values={block_times} unit="s" reference={self.config.params.mine_rate_ms as f64 / 1000.0} testid="chart-block-time" />
                        <Chart title="difficulty (zero bits) " values={difficulty} unit="bits" testid="chart-difficulty" />
                        <Chart title="this tab's hash rate " values={rates} unit="kH/s" testid="chart-hash-rate" />
                    </section>
                    <section>
                        <h2>{ "Your transactions" }</h2>
                        <HistoryList history={node.store.ledger().history(&me).to_vec()} limit={Some((10, Route::Address(me)))} />
                    </section>
                    <section>
                        <h2>{ "Latest blocks" }<a class="more" href={Route::Blocks(0).href()}>{ "all blocks →" }</a></h2>
                        <div class="blocks" data-testid="latest-blocks">{ latest }</div>
                    </section>
                    <NetworkPanel
                        relay={self.config.relay.clone()}
                        conn={self.conn.label()}
                        peers={node.peers.len()}
                        same_browser={self.local.as_ref().map_or(0, LocalChannel::known_count)}
                        sync={sync.clone()}
                        sig_workers={self.sig_by_workers}
                        sig_page={self.node.store.sigs.stats().1}
                        verifiers={self.verifiers.available()}
                        network={format!("{} · {}", self.config.params.name, store.genesis().hash)}
                        error={self.relay_error.clone()}
                        on_connect={ctx.link().callback(Msg::SetRelay)}
                    />
                    <section>
                        <h2>{ "Activity" }</h2>
                        <ul class="log" data-testid="activity">{ log }</ul>
                    </section>
                </>
            },
            other => self.view_page(ctx, other),
        };
        html! {
            <div class="app">
                <header class="topbar">
                    <h1>{ "tabcoin" }</h1>
                    <span class="pill" title="network">{ self.config.params.name }</span>
                    <span class={classes!("pill", "conn", self.conn.label())} data-testid="conn-state">{ self.conn.label() }</span>
                    <span class="pill">{ "peers " }<b data-testid="peer-count">{ node.peers.len() }</b></span>
                    <span class="pill" data-testid="sync-state">{ sync.clone() }</span>
                    <a class="pill" href="#/">{ "wallet" }</a>
                    <a class="pill" href={Route::Blocks(0).href()}>{ "explorer" }</a>
                    <SearchBox on_search={ctx.link().callback(Msg::Search)} error={self.search_error.clone()} />
                </header>
                <ul class="toasts" aria-live="polite">
                    { for node.toasts.iter().map(|t| html! { <li data-testid="toast">{ &t.text }</li> }) }
                </ul>
                if let Some(error) = &self.error {
                    <p class="error" role="alert">{ error }</p>
                }
                { body }
            </div>
        }
    }
}

impl App {
    /// Stores an account (in the book now, in IndexedDB in the background).
    fn save(&self, account: Account) {
        let link = self.link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = idb_store::save_account(&account).await {
                link.send_message(Msg::AccountError(format!(
                    "The account was not saved: {e}."
                )));
            }
        });
    }

    /// Writes the blocks of the main chain that changed since the last
    /// write, one write at a time (changes meanwhile are written next).
    fn save_chain(&mut self) {
        // Not before the stored chain was read: a failed or slow read must
        // not be overwritten by a shorter chain.
        if !self.stored_read {
            return;
        }
        if self.chain_writing {
            self.chain_dirty = true;
            return;
        }
        // After a failure, the next try waits for its time (Tick).
        if self.chain_retry.as_ref().is_some_and(|(at, _)| now() < *at) {
            return;
        }
        let changes = self.chain_saved.changes(&self.node.store);
        if changes.is_empty() {
            self.chain_retry = None;
            return;
        }
        let records: Vec<(u64, String)> = changes
            .iter()
            .map(|(h, b)| (h.0, serde_json::to_string(b).unwrap_or_default()))
            .collect();
        let written: Vec<(Height, BlockHash)> = changes.iter().map(|(h, b)| (*h, b.hash)).collect();
        self.chain_writing = true;
        let (link, net) = (self.link.clone(), self.config.params.name);
        wasm_bindgen_futures::spawn_local(async move {
            let result = idb_store::put_blocks(net, &records).await;
            link.send_message(Msg::ChainSaved(result.map(|()| written)));
        });
    }

    fn chain_saved(&mut self, result: Result<Vec<(Height, BlockHash)>, String>) {
        self.chain_writing = false;
        match result {
            Ok(written) => {
                self.chain_retry = None;
                self.chain_saved.record(&written);
                if std::mem::take(&mut self.legacy_chain) {
                    let net = self.config.params.name;
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = idb_store::delete(idb_store::CHAINS, net).await;
                    });
                }
            }
            Err(e) => {
                let now = now();
                if self.chain_retry.as_ref().is_none_or(|(_, said)| *said != e) {
                    self.node.note(now, format!("{e}; trying again"), true);
                }
                self.chain_retry = Some((now.plus_ms(CHAIN_RETRY_MS), e));
                self.chain_dirty = false;
                return;
            }
        }
        if std::mem::take(&mut self.chain_dirty) {
            self.save_chain();
        }
    }

    /// Writes `json` to IndexedDB under this network's name, in the background.
    fn persist(&self, store: &'static str, json: String) {
        let (link, key) = (self.link.clone(), self.config.params.name);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = idb_store::put(store, key, &json).await {
                link.send_message(Msg::BackgroundError(e));
            }
        });
    }

    /// The stored chain and pool arrived: the chain is revalidated and taken
    /// if it has more work than what peers gave meanwhile; stored pending
    /// transactions are checked again like any arrival.
    fn stored_loaded(&mut self, chain: Result<Option<StoredChain>, String>, pool: Option<String>) {
        let now = now();
        // Only a successful read lets later saves replace what is stored.
        self.stored_read = chain.is_ok();
        match chain {
            Ok(Some(stored)) => {
                self.legacy_chain = matches!(stored, StoredChain::Whole(_));
                let (store, problem) = storage::parse_chain(self.config.params, stored, now);
                if let Some(problem) = problem {
                    self.node.note(now, problem, true);
                }
                if let Some(store) = store {
                    // Block records hold (at least) this chain; a whole
                    // chain of an earlier version is rewritten by blocks.
                    if !self.legacy_chain {
                        let blocks: Vec<Block> = store.main_chain().cloned().collect();
                        self.chain_saved = Saved::loaded(&blocks);
                    }
                    let effects = self.node.adopt_store(store, now);
                    self.run(effects);
                }
                self.save_chain();
            }
            Ok(None) => self.save_chain(),
            Err(e) => self
                .node
                .note(now, format!("{e}; syncing from peers"), true),
        }
        let txs: Vec<tabcoin_chain::Transaction> = pool
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        for tx in txs {
            let _ = self.node.store.add_to_pool(&mut self.node.pool, tx);
        }
    }

    /// Adds an account to the book and stores it.
    fn remember(&mut self, account: Account) {
        if self.book.add(account.clone()) {
            self.save(account);
        }
    }

    /// Makes `wallet` this tab's account.
    fn use_wallet(&mut self, wallet: tabcoin_chain::Wallet) {
        storage::release_lease(&self.node.wallet.address().to_string());
        storage::set_session_wallet(&wallet);
        storage::renew_lease(&wallet.address().to_string(), now());
        self.fresh_wallet = false;
        let effects = self.node.switch_wallet(wallet, now());
        self.run(effects);
    }

    /// The stored accounts arrived: bring in older backups, then settle
    /// which account this tab uses.
    fn accounts_loaded(&mut self, result: Result<Vec<Account>, String>) {
        let stored = match result {
            Ok(stored) => stored,
            Err(e) => {
                self.account_error = Some(format!("{e}; accounts are kept in this tab only."));
                Vec::new()
            }
        };
        self.book = AccountBook { accounts: stored };
        for secret in storage::backup_secrets() {
            if let Ok(wallet) = tabcoin_chain::Wallet::import(&secret) {
                let account = Account::new(&wallet, self.book.next_name(), now().0);
                self.remember(account);
            }
        }
        let me = self.node.wallet.address().to_string();
        if self.fresh_wallet {
            let in_use = storage::accounts_in_use(now(), &me);
            match self.book.unused(&in_use).and_then(Account::wallet) {
                Some(wallet) => self.use_wallet(wallet),
                None => {
                    let wallet = self.node.wallet.clone();
                    self.remember(Account::new(&wallet, self.book.next_name(), now().0));
                    self.use_wallet(wallet);
                }
            }
        } else if self.book.get(&self.node.wallet.address()).is_none() {
            let wallet = self.node.wallet.clone();
            self.remember(Account::new(&wallet, self.book.next_name(), now().0));
        }
    }

    /// An explorer page.
    fn view_page(&self, ctx: &Context<Self>, route: &Route) -> Html {
        let store = &self.node.store;
        let tip_height = store.height().0;
        let missing = |what: String| html! { <section class="page"><p class="error" data-testid="not-found">{ what }</p></section> };
        match route {
            Route::Home => Html::default(),
            Route::Blocks(page) => {
                let per_page = LATEST;
                let total = store.height().as_usize() + 1;
                let pages = total.div_ceil(per_page);
                let page = (*page).min(pages.saturating_sub(1));
                let blocks: Vec<Block> = store
                    .main_chain()
                    .rev()
                    .skip(page * per_page)
                    .take(per_page)
                    .cloned()
                    .collect();
                html! { <BlocksPage {blocks} {page} {pages} /> }
            }
            Route::Block(hash) => match store.get(hash) {
                Some(b) => {
                    html! { <BlockPage block={b.clone()} on_main={store.is_main(hash)} {tip_height} /> }
                }
                None => missing(format!("No block {} is known here.", hash.short())),
            },
            Route::Height(h) => match store.block_at(*h) {
                Some(b) => html! { <BlockPage block={b.clone()} on_main={true} {tip_height} /> },
                None => missing(format!("The chain has no block at height {h} yet.")),
            },
            Route::Tx(id) => {
                let ledger = store.ledger();
                let confirmed = ledger.tx_height(id).and_then(|h| {
                    store
                        .block_at(h)
                        .and_then(|b| b.data.iter().find(|t| t.id == *id))
                        .map(|t| (t.clone(), Some(h.0)))
                });
                let pending = || {
                    self.node
                        .pool
                        .transactions()
                        .find(|t| t.id == *id)
                        .map(|t| (t.clone(), None))
                };
                match confirmed.or_else(pending) {
                    Some((tx, height)) => html! { <TxPage {tx} {height} /> },
                    None => missing(format!("No transaction {id} is known here.")),
                }
            }
            Route::Address(a) => {
                let ledger = store.ledger();
                html! { <AddressPage address={*a} balance={ledger.balance(a)} history={ledger.history(a).to_vec()} /> }
            }
            Route::Tamper(hash) => match store.get(hash) {
                Some(original) => {
                    let edited = self.tamper.clone().unwrap_or_else(|| original.clone());
                    let report = crate::tamper::report(store, &edited, now());
                    html! { <TamperPage original={original.clone()} {edited} {report} on_edit={ctx.link().callback(Msg::TamperEdit)} /> }
                }
                None => missing(format!("No block {} is known here.", hash.short())),
            },
            Route::NotFound(f) => missing(format!("There is no page at {f}.")),
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

/// Nonces per second in k/M units.
pub fn format_rate(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} MH/s", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} kH/s", rate / 1e3)
    } else {
        format!("{rate:.0} H/s")
    }
}

/// Local wall-clock time of `at` as HH:MM:SS.
pub fn clock(at: Timestamp) -> String {
    let d = js_sys::Date::new(&(at.0 as f64).into());
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
