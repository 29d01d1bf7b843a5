//! The join page: a tab told only a network's id (`?network=ID`) asks the
//! tabs in that network's room for its spec, takes the first answer that
//! hashes to the id, remembers it and reloads into the network. Answers of
//! another network are ignored and listed. The asking is paced
//! (`crate::tab::join::SpecAsk`): a room full of comings and goings costs
//! the page a few asks a second, never its connection.

use std::collections::BTreeSet;

use gloo::timers::callback::{Interval, Timeout};
use tabcoin_chain::BlockHash;
use tabcoin_node::Message;
use tabcoin_protocol::{ClientFrame, PeerId, RelayFrame};
use yew::prelude::*;

use crate::shell::now;
use crate::shell::relay::{RelayEvent, RelaySocket};
use crate::tab::join::{Ask, SpecAsk};

/// How often the page looks whether to ask again (or reconnect), in ms.
const TICK_MS: u32 = 1_000;
/// Refusals listed, at most.
const REFUSALS_SHOWN: usize = 5;

/// Props of [`JoinNetwork`].
#[derive(Properties, PartialEq)]
pub struct JoinProps {
    /// The network's id.
    pub id: BlockHash,
    /// The relay to ask through.
    pub relay: String,
}

/// What the page hears.
pub enum JoinMsg {
    /// The relay socket reports.
    Relay(RelayEvent),
    /// Time to ask again (or reconnect).
    Again,
}

/// Asks for a network's spec by id.
pub struct JoinNetwork {
    socket: Option<RelaySocket>,
    online: bool,
    peers: BTreeSet<PeerId>,
    asking: SpecAsk,
    refusals: Vec<String>,
    _again: Interval,
    _reconnect: Option<Timeout>,
}

impl JoinNetwork {
    fn connect(ctx: &Context<Self>) -> Option<RelaySocket> {
        let link = ctx.link().clone();
        let p = ctx.props();
        RelaySocket::connect(&p.relay, &p.id.to_string(), move |e| {
            link.send_message(JoinMsg::Relay(e))
        })
        .ok()
    }

    /// Asks everyone in the room, or one tab, if the pacing said so.
    fn ask(&self, ask: Option<Ask>) {
        let msg = Message::GetSpec.encode();
        let frame = match ask {
            Some(Ask::One(to)) => ClientFrame::Direct { to, msg },
            Some(Ask::All) => ClientFrame::Broadcast { msg },
            None => return,
        };
        if let Some(socket) = &self.socket {
            socket.send(&frame);
        }
    }

    fn present(&self) -> Vec<PeerId> {
        self.peers.iter().copied().collect()
    }

    /// An answer: the network, remembered, and the page reloaded into it;
    /// or the reason it is not this network's.
    fn answered(&mut self, from: PeerId, spec: &str, id: &BlockHash) {
        match tabcoin_chain::Params::from_spec_json_for(spec, id) {
            Ok(params) => {
                crate::shell::config::remember_spec(&params);
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            }
            Err(e) if self.refusals.len() < REFUSALS_SHOWN => {
                self.refusals.push(format!("tab {from} answered, but {e}"));
            }
            Err(_) => {}
        }
    }
}

impl Component for JoinNetwork {
    type Message = JoinMsg;
    type Properties = JoinProps;

    fn create(ctx: &Context<Self>) -> Self {
        let link = ctx.link().clone();
        JoinNetwork {
            socket: Self::connect(ctx),
            online: false,
            peers: BTreeSet::new(),
            asking: SpecAsk::new(now().0),
            refusals: Vec::new(),
            _again: Interval::new(TICK_MS, move || link.send_message(JoinMsg::Again)),
            _reconnect: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: JoinMsg) -> bool {
        match msg {
            JoinMsg::Relay(RelayEvent::Frame(frame)) => match frame {
                RelayFrame::Welcome { peers, .. } => {
                    self.online = true;
                    self.peers = peers.into_iter().collect();
                    let present = self.present();
                    let ask = self.asking.welcomed(&present, now().0);
                    self.ask(ask);
                }
                RelayFrame::PeerJoined { peer } => {
                    self.peers.insert(peer);
                    let ask = self.asking.joined(peer, now().0);
                    self.ask(ask);
                }
                RelayFrame::PeerLeft { peer } => {
                    self.peers.remove(&peer);
                }
                RelayFrame::Deliver { from, msg } => {
                    if let Ok(Message::Spec { spec }) = Message::decode(&msg) {
                        self.answered(from, &spec, &ctx.props().id);
                    }
                }
                // The socket answers the challenge itself.
                RelayFrame::Sample { .. }
                | RelayFrame::Error { .. }
                | RelayFrame::Room { .. }
                | RelayFrame::Challenge { .. } => {}
            },
            JoinMsg::Relay(RelayEvent::Closed) => {
                self.online = false;
                self.socket = None;
            }
            JoinMsg::Relay(RelayEvent::Opened(_) | RelayEvent::BadFrame(_)) => {}
            JoinMsg::Again => {
                if self.socket.is_none() {
                    self.socket = Self::connect(ctx);
                } else {
                    let present = self.present();
                    let ask = self.asking.tick(&present, now().0);
                    self.ask(ask);
                }
            }
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let id = ctx.props().id.to_string();
        let status = match (self.online, self.peers.len()) {
            (false, _) => "Connecting to the relay…".to_owned(),
            (true, 0) => {
                "Nobody of this network is online yet: the page asks again as tabs arrive."
                    .to_owned()
            }
            (true, n) => format!(
                "Asking the {n} tab(s) of this network for its rules ({} request(s) so far)…",
                self.asking.made()
            ),
        };
        html! {
            <div class="app">
                <header class="topbar"><h1>{ "tabcoin" }</h1></header>
                <section class="page" data-testid="join-page">
                    <h2>{ "Joining a network" }</h2>
                    <p>{ "Network id " }<code data-testid="join-id">{ &id }</code></p>
                    <p class="muted">{ "The link names the network by id only. A network is its spec; the tabs in it send the spec, and this tab takes it only if it hashes to this id." }</p>
                    <p data-testid="join-status">{ status }</p>
                    if !self.refusals.is_empty() {
                        <ul class="log">{ for self.refusals.iter().map(|r| html! { <li class="warn">{ r }</li> }) }</ul>
                    }
                    <p><a href="/">{ "Open the demo network instead" }</a></p>
                </section>
            </div>
        }
    }
}
