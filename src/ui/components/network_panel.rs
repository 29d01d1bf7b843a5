//! The network panel: which relay, connection state, peers, sync progress,
//! where signatures were checked, network id, and a field to point this
//! tab at another relay.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`NetworkPanel`].
#[derive(Properties, PartialEq)]
pub struct NetworkPanelProps {
    /// The relay's WebSocket URL.
    pub relay: String,
    /// Connection state, in a word.
    pub conn: &'static str,
    /// Other tabs in the room, through the relay.
    pub peers: usize,
    /// Tabs of this browser heard on the same-browser channel.
    pub same_browser: usize,
    /// Sync state, in words.
    pub sync: String,
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
                <dt>{ "tabs via relay" }</dt><dd>{ props.peers }</dd>
                <dt>{ "tabs in this browser" }</dt><dd data-testid="local-peers">{ props.same_browser }</dd>
                <dt>{ "sync" }</dt><dd>{ &props.sync }</dd>
                <dt>{ "signatures checked" }</dt>
                <dd>
                    <b data-testid="sig-workers">{ props.sig_workers }</b>
                    { format!(" by {} verifier worker{}, ", props.verifiers, if props.verifiers == 1 { "" } else { "s" }) }
                    <b data-testid="sig-page">{ props.sig_page }</b>{ " on this page" }
                </dd>
                <dt>{ "banned peers" }</dt><dd data-testid="banned-peers">{ props.banned }</dd>
                <dt>{ "network id" }</dt><dd><code data-testid="network-id">{ &props.network }</code></dd>
            </dl>
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
