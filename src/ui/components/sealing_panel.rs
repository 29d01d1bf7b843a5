//! The sealing panel (proof-of-authority networks, in place of mining):
//! start/stop, where this account stands (why it cannot seal, or when it
//! seals next), and the network's authorities.

use tabcoin_chain::Address;
use yew::prelude::*;

/// Props of [`SealingPanel`].
#[derive(Properties, PartialEq)]
pub struct SealingPanelProps {
    /// Whether sealing is on.
    pub sealing: bool,
    /// Whether this account may seal at all (an authority).
    pub authority: bool,
    /// Where it stands, in words.
    pub status: String,
    /// The network's authorities, in turn order.
    pub authorities: Vec<Address>,
    /// This tab's address.
    pub me: Address,
    /// Start/stop.
    pub on_toggle: Callback<()>,
}

/// Start/stop sealing, and why not or when.
#[function_component(SealingPanel)]
pub fn sealing_panel(p: &SealingPanelProps) -> Html {
    let onclick = p.on_toggle.reform(|_| ());
    html! {
        <section class="miner" data-testid="sealing">
            <button data-testid="seal-button" {onclick} disabled={!p.authority && !p.sealing}>
                { if p.sealing { "Stop sealing" } else { "Start sealing" } }
            </button>
            <span data-testid="sealing-status" class={classes!((!p.authority).then_some("muted"))}>{ &p.status }</span>
            <ol class="authorities" data-testid="authorities">
                { for p.authorities.iter().map(|a| html! {
                    <li><code title={a.to_string()}>{ a.short() }</code>{ if *a == p.me { " (this account)" } else { "" } }</li>
                }) }
            </ol>
        </section>
    }
}
