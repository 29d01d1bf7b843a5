//! A block as a card in the latest-blocks list.

use tabcoin_chain::Block;
use yew::prelude::*;

use crate::app::clock;

/// Props of [`BlockCard`].
#[derive(Properties, PartialEq)]
pub struct BlockCardProps {
    /// The block shown.
    pub block: Block,
}

/// Height, hash, time, nonce, difficulty and data of one block.
#[function_component(BlockCard)]
pub fn block_card(props: &BlockCardProps) -> Html {
    let b = &props.block;
    let h = &b.header;
    html! {
        <article class="block" data-testid="block-card" data-height={h.height.to_string()}>
            <header><b>{ format!("#{}", h.height) }</b><code title={b.hash.to_string()}>{ b.hash.short() }</code></header>
            <dl>
                <dt>{ "time" }</dt><dd>{ clock(h.timestamp) }</dd>
                <dt>{ "prev" }</dt><dd><code>{ h.prev_hash.short() }</code></dd>
                <dt>{ "nonce" }</dt><dd>{ h.nonce }</dd>
                <dt>{ "difficulty" }</dt><dd>{ format!("{} bits", h.difficulty) }</dd>
            </dl>
            <ul class="data">{ for b.data.iter().map(|d| html! { <li>{ d }</li> }) }</ul>
        </article>
    }
}
