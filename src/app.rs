//! The root component: owns the [`Node`] and the browser shell around it
//! (relay connection, miner worker, storage) and renders the node's state.
//!
//! Every input becomes a [`Msg`]; node events go through [`Node::handle`] and
//! the returned effects are carried out here. Nothing else changes state.

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::components::block_card::BlockCard;
use crate::config::PageConfig;
use crate::miner::Miner;
use crate::net::{NetEvent, Relay};
use crate::node::{Conn, Effect, Event, Node, SyncState};
use crate::storage;
use crate::worker_api::{FromWorker, ToWorker};
use tabcoin_chain::Chain;

/// Blocks shown in the latest-blocks list.
const LATEST: usize = 12;
/// Reconnect delays grow from this…
const BACKOFF_MIN_MS: u32 = 500;
/// …to this.
const BACKOFF_MAX_MS: u32 = 8_000;

/// Current time in ms since the epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Inputs of the app.
pub enum Msg {
    /// From the relay connection.
    Net(NetEvent),
    /// From the miner worker.
    Worker(FromWorker),
    /// The Mine button.
    Mine,
    /// Time to reconnect to the relay.
    Reconnect,
}

/// The app.
pub struct App {
    config: PageConfig,
    node: Node,
    relay: Option<Relay>,
    miner: Option<Miner>,
    backoff_ms: u32,
    reconnect: Option<Timeout>,
    error: Option<String>,
}

impl App {
    fn connect(&mut self, ctx: &Context<Self>) {
        let room = self.node.chain.genesis().hash.to_string();
        self.node.conn = Conn::Connecting;
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

    fn dispatch(&mut self, event: Event) {
        let effects = self.node.handle(event, now_ms());
        for effect in effects {
            match effect {
                Effect::Send(frame) => {
                    if let Some(relay) = &self.relay {
                        relay.send(&frame);
                    }
                }
                Effect::Mine(job) => {
                    if let Some(miner) = &mut self.miner {
                        miner.send(ToWorker::Mine {
                            job: job.id,
                            header: job.header,
                        });
                    }
                }
                Effect::StopMining => {
                    if let Some(miner) = &mut self.miner {
                        miner.send(ToWorker::Stop);
                    }
                }
                Effect::SaveChain => {
                    if let Err(e) = storage::save_chain(&self.node.chain) {
                        self.node.note(now_ms(), e, true);
                    }
                }
            }
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let config = PageConfig::from_location();
        let now = now_ms();
        let name = format!("tab-{:04x}", (js_sys::Math::random() * 65536.0) as u32);
        let (chain, load_problem) = match storage::load_chain(config.params, now) {
            Ok(Some(chain)) => (chain, None),
            Ok(None) => (Chain::new(config.params), None),
            Err(e) => (Chain::new(config.params), Some(e)),
        };
        let mut node = Node::new(chain, name);
        if let Some(problem) = load_problem {
            node.note(now, problem, true);
        }
        let (miner, error) = match Miner::spawn(ctx.link().callback(Msg::Worker)) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e)),
        };
        let mut app = App {
            config,
            node,
            relay: None,
            miner,
            backoff_ms: BACKOFF_MIN_MS,
            reconnect: None,
            error,
        };
        app.connect(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Net(NetEvent::Opened) => self.dispatch(Event::RelayOpened),
            Msg::Net(NetEvent::Frame(frame)) => {
                if matches!(frame, tabcoin_protocol::RelayFrame::Welcome { .. }) {
                    self.backoff_ms = BACKOFF_MIN_MS;
                }
                self.dispatch(Event::Frame(frame));
            }
            Msg::Net(NetEvent::BadFrame(reason)) => self.dispatch(Event::BadFrame(reason)),
            Msg::Net(NetEvent::Closed) => {
                self.relay = None;
                self.dispatch(Event::RelayClosed);
                self.schedule_reconnect(ctx);
            }
            Msg::Reconnect => {
                self.reconnect = None;
                self.connect(ctx);
            }
            Msg::Worker(event) => {
                if event == FromWorker::Ready
                    && let Some(miner) = &mut self.miner
                {
                    miner.set_ready();
                }
                self.dispatch(Event::Worker(event));
            }
            Msg::Mine => self.dispatch(Event::MineClicked),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let node = &self.node;
        let tip = node.chain.tip();
        let mining = node.job.is_some();
        let sync = match node.sync {
            SyncState::Ready => "ready".to_owned(),
            SyncState::Syncing { target, .. } => {
                format!("syncing {} / {}", node.chain.height(), target)
            }
        };
        let rate = if mining {
            format_rate(node.hash_rate)
        } else {
            "idle".to_owned()
        };
        let latest: Html = node
            .chain
            .blocks()
            .iter()
            .rev()
            .take(LATEST)
            .map(|b| html! { <BlockCard key={b.hash.to_string()} block={b.clone()} /> })
            .collect();
        let log: Html = node
            .log
            .iter()
            .rev()
            .map(|l| html! { <li class={classes!(l.warn.then_some("warn"))}>{ format!("{} {}", clock(l.at), l.text) }</li> })
            .collect();
        html! {
            <div class="app">
                <header class="topbar">
                    <h1>{ "tabcoin" }</h1>
                    <span class="pill" title="network">{ self.config.params.name }</span>
                    <span class={classes!("pill", "conn", node.conn.label())} data-testid="conn-state">{ node.conn.label() }</span>
                    <span class="pill">{ "peers " }<b data-testid="peer-count">{ node.peers.len() }</b></span>
                    <span class="pill" data-testid="sync-state">{ sync }</span>
                </header>
                if let Some(error) = &self.error {
                    <p class="error" role="alert">{ error }</p>
                }
                <section class="stats">
                    <div class="stat"><span>{ "height" }</span><b data-testid="chain-height">{ node.chain.height() }</b></div>
                    <div class="stat"><span>{ "tip" }</span><code data-testid="tip-hash" title={tip.hash.to_string()}>{ tip.hash.short() }</code></div>
                    <div class="stat"><span>{ "difficulty" }</span><b>{ format!("{} bits", node.chain.params().difficulty_bits) }</b></div>
                    <div class="stat"><span>{ "mined here" }</span><b data-testid="mined-here">{ node.mined_here }</b></div>
                </section>
                <section class="miner">
                    <button data-testid="mine-button" disabled={mining} onclick={ctx.link().callback(|_| Msg::Mine)}>
                        { if mining { "Mining…" } else { "Mine a block" } }
                    </button>
                    <span data-testid="hash-rate">{ rate }</span>
                    <span class="muted">{ format!("as {}", node.name) }</span>
                </section>
                <section>
                    <h2>{ "Latest blocks" }</h2>
                    <div class="blocks" data-testid="latest-blocks">{ latest }</div>
                </section>
                <section>
                    <h2>{ "Activity" }</h2>
                    <ul class="log" data-testid="activity">{ log }</ul>
                </section>
            </div>
        }
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

/// Local wall-clock time of `ms` as HH:MM:SS.
pub fn clock(ms: u64) -> String {
    let d = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
