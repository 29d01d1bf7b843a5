//! An address's transactions, newest first.

use tabcoin_chain::HistoryEntry;
use yew::prelude::*;

use super::link;
use crate::ui::route::Route;

/// Props of [`HistoryList`].
#[derive(Properties, PartialEq)]
pub struct HistoryListProps {
    /// Entries, oldest first (shown newest first).
    pub history: Vec<HistoryEntry>,
    /// Show at most this many, with a link to the rest.
    #[prop_or_default]
    pub limit: Option<(usize, Route)>,
}

/// Incoming and outgoing transactions with their blocks.
#[function_component(HistoryList)]
pub fn history_list(p: &HistoryListProps) -> Html {
    if p.history.is_empty() {
        return html! { <p class="muted" data-testid="history-empty">{ "No transactions yet." }</p> };
    }
    html! {
        <table class="history" data-testid="history">
            <thead><tr><th>{ "block" }</th><th>{ "in" }</th><th>{ "out" }</th><th>{ "transaction" }</th></tr></thead>
            <tbody>
                { for p.history.iter().rev().take(p.limit.as_ref().map_or(usize::MAX, |(n, _)| *n)).map(|e| html! {
                    <tr data-testid="history-row">
                        <td>{ link(Route::Height(e.height), e.height.to_string()) }</td>
                        <td class="in">{ if e.received.0 > 0 { format!("+{}", e.received) } else { String::new() } }</td>
                        <td class="out">{ if e.sent.0 > 0 { format!("−{}", e.sent) } else { String::new() } }</td>
                        <td><code>{ link(Route::Tx(e.tx), e.tx.short()) }</code></td>
                    </tr>
                }) }
            </tbody>
            if let Some((n, all)) = &p.limit && p.history.len() > *n {
                <caption class="more">{ link(all.clone(), format!("all {} transactions →", p.history.len())) }</caption>
            }
        </table>
    }
}
