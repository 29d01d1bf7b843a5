//! A block as a card in the latest-blocks list.

use tabcoin_chain::{Block, Target};
use yew::prelude::*;

use crate::ui::format::clock;

/// Props of [`BlockCard`].
#[derive(Properties, PartialEq)]
pub struct BlockCardProps {
    /// The block shown.
    pub block: Block,
}

/// Height, hash, time, transactions, miner and difficulty of one block.
#[function_component(BlockCard)]
pub fn block_card(props: &BlockCardProps) -> Html {
    let b = &props.block;
    let h = &b.header;
    let zero_bits = Target::from_compact(h.bits).map_or(0, |t| t.leading_zero_bits());
    let miner = b
        .data
        .first()
        .and_then(|r| r.outputs.keys().next())
        .map_or_else(|| "genesis".to_owned(), |a| a.short());
    html! {
        <article class="block" data-testid="block-card" data-height={h.height.to_string()}>
            <header>
                <a href={crate::ui::route::Route::Block(b.hash).href()} data-testid="block-link"><b>{ format!("#{}", h.height) }</b></a>
                <code title={b.hash.to_string()}>{ b.hash.short() }</code>
            </header>
            <dl>
                <dt>{ "time" }</dt><dd>{ clock(h.timestamp) }</dd>
                <dt>{ "txs" }</dt><dd data-testid="block-tx-count">{ b.data.len() }</dd>
                <dt>{ "miner" }</dt><dd><code>{ miner }</code></dd>
                <dt>{ "difficulty" }</dt><dd>{ format!("{zero_bits} bits") }</dd>
                <dt>{ "nonce" }</dt><dd>{ h.nonce }</dd>
            </dl>
        </article>
    }
}
