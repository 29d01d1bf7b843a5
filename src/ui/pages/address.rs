//! One address: balance and history.

use tabcoin_chain::{Address, Amount, HistoryEntry};
use yew::prelude::*;

use crate::ui::components::history_list::HistoryList;

/// Props of [`AddressPage`].
#[derive(Properties, PartialEq)]
pub struct AddressPageProps {
    /// The address.
    pub address: Address,
    /// Its balance on the best chain.
    pub balance: Amount,
    /// Its transactions, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// Balance and history of an address.
#[function_component(AddressPage)]
pub fn address_page(p: &AddressPageProps) -> Html {
    html! {
        <section class="page" data-testid="address-page">
            <h2>{ "Address" }</h2>
            <p><code>{ p.address.to_string() }</code></p>
            <p>{ "balance " }<b data-testid="address-balance">{ p.balance.0 }</b></p>
            <HistoryList history={p.history.clone()} />
        </section>
    }
}
