//! The network panel: which relay, connection state, peers, each neighbour
//! with its link kind, latency and traffic (and a drawing of the
//! neighbourhood), sync progress, where signatures were checked, network
//! id, and a field to point this tab at another relay.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::shell::Neighbour;
use crate::ui::format::bytes;

/// Side of the neighbourhood drawing, in SVG units.
const DRAWING: f64 = 160.0;

/// This tab in the middle, its neighbours around it: a solid line for a
/// direct link, a dashed one through the relay, a dotted one within the
/// browser.
fn drawing(neighbours: &[Neighbour]) -> Html {
    let (c, r) = (DRAWING / 2.0, DRAWING / 2.0 - 14.0);
    let n = neighbours.len().max(1) as f64;
    let spokes = neighbours.iter().enumerate().map(|(i, nb)| {
        let angle = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        let (x, y) = (c + r * angle.cos(), c + r * angle.sin());
        html! {
            <g class={format!("spoke {}", nb.kind)}>
                <line x1={c.to_string()} y1={c.to_string()} x2={format!("{x:.1}")} y2={format!("{y:.1}")} />
                <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="6"><title>{ format!("peer {} ({})", nb.id, nb.kind) }</title></circle>
            </g>
        }
    });
    html! {
        <svg class="neighbourhood" viewBox={format!("0 0 {DRAWING} {DRAWING}")} role="img" aria-label="this tab and its neighbours">
            { for spokes }
            <circle class="me" cx={c.to_string()} cy={c.to_string()} r="9"><title>{ "this tab" }</title></circle>
        </svg>
    }
}

/// One row per neighbour: kind, latency, bytes in and out.
fn rows(neighbours: &[Neighbour]) -> Html {
    let rows = neighbours.iter().map(|nb| {
        let rtt = nb.rtt_ms.map_or_else(|| "–".to_owned(), |ms| format!("{ms} ms"));
        let traffic = if nb.kind == "direct" {
            format!("{} in · {} out", bytes(nb.bytes.0), bytes(nb.bytes.1))
        } else {
            "–".to_owned()
        };
        html! {
            <tr data-testid="neighbour" data-kind={nb.kind} data-peer={nb.id.to_string()} data-messages={nb.messages.to_string()}>
                <td><code>{ nb.id }</code></td><td>{ nb.kind }</td><td>{ rtt }</td><td>{ traffic }</td>
            </tr>
        }
    });
    html! {
        <table class="neighbours">
            <thead><tr><th>{ "peer" }</th><th>{ "link" }</th><th>{ "latency" }</th><th>{ "traffic" }</th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

/// Props of [`NetworkPanel`].
#[derive(Properties, PartialEq)]
pub struct NetworkPanelProps {
    /// The relay's WebSocket URL.
    pub relay: String,
    /// Connection state, in a word.
    pub conn: &'static str,
    /// Other tabs the node hears from (through the relay or directly).
    pub peers: usize,
    /// Tabs of this browser heard on the same-browser channel.
    pub same_browser: usize,
    /// Every tab this one hears from, and how.
    pub neighbours: Vec<Neighbour>,
    /// This tab's id at the relay, once welcomed.
    pub me: Option<tabcoin_protocol::PeerId>,
    /// Sync state, in words.
    pub sync: String,
    /// The node's mode: genesis, boot or ready.
    pub mode: &'static str,
    /// Signatures checked by the verifier workers.
    pub sig_workers: u64,
    /// Signatures checked on the page's thread.
    pub sig_page: u64,
    /// Verifier workers ready.
    pub verifiers: usize,
    /// Peers banned now (what they send is dropped unread).
    pub banned: usize,
    /// Network name and genesis hash.
    pub network: String,
    /// Why the last relay address was refused.
    pub error: Option<String>,
    /// Called with a new relay address as typed.
    pub on_connect: Callback<String>,
}

/// Relay, peers, sync and network id, with a relay switcher.
#[function_component(NetworkPanel)]
pub fn network_panel(props: &NetworkPanelProps) -> Html {
    let input = use_node_ref();
    let onsubmit = {
        let (input, on_connect) = (input.clone(), props.on_connect.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<HtmlInputElement>() {
                on_connect.emit(i.value());
            }
        })
    };
    html! {
        <section class="network" data-testid="network">
            <h2>{ "Network" }</h2>
            <dl>
                <dt>{ "relay" }</dt><dd><code data-testid="relay-url">{ &props.relay }</code></dd>
                <dt>{ "connection" }</dt><dd>{ props.conn }</dd>
                <dt>{ "this tab" }</dt>
                <dd><code data-testid="peer-id">{ props.me.map_or_else(|| "–".to_owned(), |id| id.to_string()) }</code></dd>
                <dt>{ "peers" }</dt><dd data-testid="peer-count">{ props.peers }</dd>
                <dt>{ "direct links" }</dt>
                <dd data-testid="neighbours">{ props.neighbours.iter().filter(|n| n.kind == "direct").count() }</dd>
                <dt>{ "tabs in this browser" }</dt><dd data-testid="local-peers">{ props.same_browser }</dd>
                <dt>{ "sync" }</dt><dd data-testid="sync-state">{ &props.sync }</dd>
                <dt title="genesis: alone, nothing but the genesis block; boot: downloading; ready: up to date">{ "mode" }</dt>
                <dd data-testid="mode">{ props.mode }</dd>
                <dt>{ "signatures checked" }</dt>
                <dd>
                    <b data-testid="sig-workers">{ props.sig_workers }</b>
                    { format!(" by {} verifier worker{}, ", props.verifiers, if props.verifiers == 1 { "" } else { "s" }) }
                    <b data-testid="sig-page">{ props.sig_page }</b>{ " on this page" }
                </dd>
                <dt>{ "banned peers" }</dt><dd data-testid="banned-peers">{ props.banned }</dd>
                <dt>{ "network id" }</dt><dd><code data-testid="network-id">{ &props.network }</code></dd>
            </dl>
            <div class="neighbourhood-view">
                { drawing(&props.neighbours) }
                { rows(&props.neighbours) }
            </div>
            <form class="send" {onsubmit}>
                <label for="relay-input">{ "Relay address" }</label>
                <input id="relay-input" data-testid="relay-input" ref={input} value={props.relay.clone()} spellcheck="false" />
                <button type="submit" data-testid="relay-connect">{ "Connect" }</button>
                if let Some(error) = &props.error {
                    <p class="error" role="alert" data-testid="relay-error">{ error }</p>
                }
            </form>
        </section>
    }
}
