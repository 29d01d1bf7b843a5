//! A block as a card in the latest-blocks list.

use tabcoin_chain::{Address, Block};
use yew::prelude::*;

use crate::ui::format::clock;
use crate::ui::view_model::maker;

/// Props of [`BlockCard`].
#[derive(Properties, PartialEq)]
pub struct BlockCardProps {
    /// The block shown.
    pub block: Block,
    /// The network's authorities (none on a mined network), to name a
    /// sealer.
    #[prop_or_default]
    pub authorities: Vec<Address>,
}

/// Height, hash, time, transactions, and its miner and difficulty or its
/// sealer and weight.
#[function_component(BlockCard)]
pub fn block_card(props: &BlockCardProps) -> Html {
    let b = &props.block;
    let h = &b.header;
    let [who, by, what, value] = maker(b, &props.authorities);
    html! {
        <article class="block" data-testid="block-card" data-height={h.height.to_string()}>
            <header>
                <a href={crate::ui::route::Route::Block(b.hash).href()} data-testid="block-link"><b>{ format!("#{}", h.height) }</b></a>
                <code title={b.hash.to_string()}>{ b.hash.short() }</code>
            </header>
            <dl>
                <dt>{ "time" }</dt><dd>{ clock(h.timestamp) }</dd>
                <dt>{ "txs" }</dt><dd data-testid="block-tx-count">{ b.data.len() }</dd>
                <dt>{ who }</dt><dd><code data-testid="block-maker">{ by }</code></dd>
                <dt>{ what }</dt><dd>{ value }</dd>
                if b.seal.is_none() {
                    <dt>{ "nonce" }</dt><dd>{ h.nonce }</dd>
                }
            </dl>
        </article>
    }
}
