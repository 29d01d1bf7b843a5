//! The pages, one per route: [`home`] (wallet, mining, network), and the
//! explorer's [`block`], [`tx`], [`address`] and [`blocks`] pages and the
//! [`tamper`] view, the [`network`] form, and the [`join`] page (a network
//! known by id only). [`explorer`] picks the
//! explorer's page for a route.

pub mod address;
pub mod block;
pub mod blocks;
pub mod home;
pub mod join;
pub mod network;
pub mod tamper;
pub mod tx;

use tabcoin_chain::{Block, Timestamp};
use tabcoin_node::Node;
use yew::prelude::*;

use self::address::AddressPage;
use self::block::BlockPage;
use self::blocks::BlocksPage;
use self::tamper::TamperPage;
use self::tx::TxPage;
use super::route::Route;
use super::view_model::blocks_page;

/// An explorer page over `node`'s chain; `tamper` is the edited copy of the
/// tamper view, if any.
pub fn explorer(
    route: &Route,
    node: &Node,
    tamper: Option<&Block>,
    on_tamper: Callback<Block>,
    now: Timestamp,
) -> Html {
    let store = node.store();
    let tip_height = store.height().0;
    let missing = |what: String| html! { <section class="page"><p class="error" data-testid="not-found">{ what }</p></section> };
    match route {
        // Shown by the app itself (a payment link shows the wallet).
        Route::Home | Route::NewNetwork | Route::Pay(..) => Html::default(),
        Route::Blocks(page) => {
            let (blocks, page, pages) = blocks_page(store, *page);
            let authorities = store.params().authorities.clone();
            html! { <BlocksPage {blocks} {page} {pages} {authorities} /> }
        }
        Route::Block(hash) => match store.get(hash) {
            Some(b) => {
                html! { <BlockPage block={b.clone()} on_main={store.is_main(hash)} {tip_height} authorities={store.params().authorities.clone()} /> }
            }
            None => missing(format!("No block {} is known here.", hash.short())),
        },
        Route::Height(h) => match store.block_at(*h) {
            Some(b) => {
                html! { <BlockPage block={b.clone()} on_main={true} {tip_height} authorities={store.params().authorities.clone()} /> }
            }
            None => missing(format!("The chain has no block at height {h} yet.")),
        },
        Route::Tx(id) => {
            let confirmed = store.ledger().tx_height(id).and_then(|h| {
                store
                    .block_at(h)
                    .and_then(|b| b.data.iter().find(|t| t.id == *id))
                    .map(|t| (t.clone(), Some(h.0)))
            });
            let pending = || {
                node.pool()
                    .transactions()
                    .find(|t| t.id == *id)
                    .map(|t| (t.clone(), None))
            };
            match confirmed.or_else(pending) {
                Some((tx, height)) => html! { <TxPage {tx} {height} /> },
                None => missing(format!("No transaction {id} is known here.")),
            }
        }
        Route::Address(a) => {
            let ledger = store.ledger();
            html! { <AddressPage address={*a} balance={ledger.balance(a)} history={ledger.history(a).to_vec()} /> }
        }
        Route::Tamper(hash) => match store.get(hash) {
            Some(original) => {
                let edited = tamper.cloned().unwrap_or_else(|| original.clone());
                let report = crate::ui::tamper::report(store, &edited, now);
                html! { <TamperPage original={original.clone()} {edited} {report} on_edit={on_tamper} /> }
            }
            None => missing(format!("No block {} is known here.", hash.short())),
        },
        Route::NotFound(f) => missing(format!("There is no page at {f}.")),
    }
}
