//! Explorer pages: a block, a transaction, an address, all blocks page by
//! page. Pure views over what the app passes in; links are URL fragments.

use tabcoin_chain::{Address, Amount, Block, HistoryEntry, Input, Target, Transaction};
use yew::prelude::*;

use crate::app::clock;
use crate::components::block_card::BlockCard;
use crate::route::Route;

fn link(route: Route, text: String) -> Html {
    html! { <a href={route.href()}>{ text }</a> }
}

fn address_link(a: &Address) -> Html {
    link(Route::Address(*a), a.short())
}

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

/// Props of [`BlockPage`].
#[derive(Properties, PartialEq)]
pub struct BlockPageProps {
    /// The block.
    pub block: Block,
    /// Whether it is on the best chain (else a stored side branch).
    pub on_main: bool,
    /// The best chain's height, for "next" links and confirmations.
    pub tip_height: u64,
}

/// Every header field, the transactions, and where the block stands.
#[function_component(BlockPage)]
pub fn block_page(p: &BlockPageProps) -> Html {
    let b = &p.block;
    let h = &b.header;
    let target = Target::from_compact(h.bits);
    let status = if p.on_main {
        format!(
            "valid, on the best chain, {} confirmation(s)",
            p.tip_height.saturating_sub(h.height.0) + 1
        )
    } else {
        "valid, on a side branch (less work than the best chain)".to_owned()
    };
    html! {
        <section class="page" data-testid="block-page">
            <h2>{ format!("Block {}", h.height) }</h2>
            <p data-testid="block-status" class={classes!(if p.on_main { "ok" } else { "muted" })}>{ status }</p>
            <dl class="fields">
                <dt>{ "hash" }</dt><dd><code data-testid="block-hash">{ b.hash.to_string() }</code></dd>
                <dt>{ "previous" }</dt><dd><code>{ link(Route::Block(h.prev_hash), h.prev_hash.to_string()) }</code></dd>
                <dt>{ "height" }</dt><dd>{ h.height.0 }</dd>
                <dt>{ "time" }</dt><dd>{ format!("{} ({} ms)", clock(h.timestamp), h.timestamp) }</dd>
                <dt>{ "transaction root" }</dt><dd><code>{ h.tx_root.to_string() }</code></dd>
                <dt>{ "target bits" }</dt><dd>{ format!("{:08x} ({} leading zero bits)", h.bits, target.map_or(0, |t| t.leading_zero_bits())) }</dd>
                <dt>{ "nonce" }</dt><dd>{ h.nonce }</dd>
            </dl>
            <p class="nav">
                if h.height.0 > 0 { { link(Route::Height(tabcoin_chain::Height(h.height.0 - 1)), "← previous".into()) } }
                if p.on_main && h.height.0 < p.tip_height { { link(Route::Height(h.height.next()), "next →".into()) } }
                { link(Route::Tamper(b.hash), "tamper with a copy".into()) }
            </p>
            <h3>{ format!("{} transaction(s)", b.data.len()) }</h3>
            { for b.data.iter().map(|tx| html! { <TxView tx={tx.clone()} /> }) }
        </section>
    }
}

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
                        <td><code>{ link(Route::Tx(e.tx), e.tx.to_string()[..8].to_owned()) }</code></td>
                    </tr>
                }) }
            </tbody>
            if let Some((n, all)) = &p.limit && p.history.len() > *n {
                <caption class="more">{ link(all.clone(), format!("all {} transactions →", p.history.len())) }</caption>
            }
        </table>
    }
}

/// Props of [`BlocksPage`].
#[derive(Properties, PartialEq)]
pub struct BlocksPageProps {
    /// The blocks of this page, newest first.
    pub blocks: Vec<Block>,
    /// This page (0 is the newest).
    pub page: usize,
    /// How many pages there are.
    pub pages: usize,
}

/// All blocks, a page at a time.
#[function_component(BlocksPage)]
pub fn blocks_page(p: &BlocksPageProps) -> Html {
    html! {
        <section class="page" data-testid="blocks-page">
            <h2>{ format!("Blocks, page {} of {}", p.page + 1, p.pages.max(1)) }</h2>
            <div class="blocks">{ for p.blocks.iter().map(|b| html! { <BlockCard key={b.hash.to_string()} block={b.clone()} /> }) }</div>
            <p class="nav">
                if p.page > 0 { { link(Route::Blocks(p.page - 1), "← newer".into()) } }
                if p.page + 1 < p.pages { { link(Route::Blocks(p.page + 1), "older →".into()) } }
            </p>
        </section>
    }
}
