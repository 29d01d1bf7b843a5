//! A transaction: where its coins come from and go.

use tabcoin_chain::{Input, Transaction};
use yew::prelude::*;

use super::{address_link, link};
use crate::ui::format::clock;
use crate::ui::route::Route;

/// Props of [`TxView`].
#[derive(Properties, PartialEq)]
pub struct TxViewProps {
    /// The transaction.
    pub tx: Transaction,
}

/// A transaction: input and outputs.
#[function_component(TxView)]
pub fn tx_view(p: &TxViewProps) -> Html {
    let tx = &p.tx;
    let input = match &tx.input {
        Input::Reward { height } => {
            html! { <span>{ format!("mining reward for block {height}") }</span> }
        }
        Input::Signed {
            timestamp,
            address,
            amount,
            ..
        } => html! {
            <span>{ "from " }{ address_link(address) }{ format!(" (balance {amount}) at {}", clock(*timestamp)) }</span>
        },
    };
    let sender = tx.sender();
    html! {
        <div class="tx" data-testid="tx">
            <div><code>{ link(Route::Tx(tx.id), tx.id.to_string()) }</code></div>
            <div class="muted">{ input }</div>
            <ul>
                { for tx.outputs.iter().map(|(a, v)| html! {
                    <li>{ format!("{v} → ") }{ address_link(a) }{ if Some(*a) == sender { " (change)" } else { "" } }</li>
                }) }
            </ul>
        </div>
    }
}
