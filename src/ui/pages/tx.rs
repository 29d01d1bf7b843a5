//! One transaction and where it is.

use tabcoin_chain::Transaction;
use yew::prelude::*;

use crate::ui::components::link;
use crate::ui::components::tx_view::TxView;
use crate::ui::route::Route;

/// Props of [`TxPage`].
#[derive(Properties, PartialEq)]
pub struct TxPageProps {
    /// The transaction.
    pub tx: Transaction,
    /// The height of its block, or None while it is pending.
    pub height: Option<u64>,
}

/// A transaction and where it is.
#[function_component(TxPage)]
pub fn tx_page(p: &TxPageProps) -> Html {
    let place = match p.height {
        Some(h) => {
            html! { <p data-testid="tx-status">{ "in block " }{ link(Route::Height(tabcoin_chain::Height(h)), h.to_string()) }</p> }
        }
        None => html! { <p data-testid="tx-status">{ "pending: waiting for a block" }</p> },
    };
    html! {
        <section class="page" data-testid="tx-page">
            <h2>{ "Transaction" }</h2>
            { place }
            <TxView tx={p.tx.clone()} />
        </section>
    }
}
