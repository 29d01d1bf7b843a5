//! View components, one per file, each with its `…Props` and `on…`
//! callbacks; and two helpers for links.

pub mod accounts_panel;
pub mod block_card;
pub mod charts;
pub mod history_list;
pub mod mining_panel;
pub mod network_panel;
pub mod networks_panel;
pub mod receive_panel;
pub mod sealing_panel;
pub mod search_box;
pub mod send_form;
pub mod tx_view;

use tabcoin_chain::Address;
use yew::prelude::*;

use crate::ui::route::Route;

/// A link to `route`.
pub fn link(route: Route, text: String) -> Html {
    html! { <a href={route.href()}>{ text }</a> }
}

/// A link to an address's page, shortened.
pub fn address_link(a: &Address) -> Html {
    link(Route::Address(*a), a.short())
}
