//! One block: every header field, its transactions, where it stands.

use tabcoin_chain::{Address, Block, Target};
use yew::prelude::*;

use crate::ui::components::link;
use crate::ui::components::tx_view::TxView;
use crate::ui::format::clock;
use crate::ui::route::Route;

/// Props of [`BlockPage`].
#[derive(Properties, PartialEq)]
pub struct BlockPageProps {
    /// The block.
    pub block: Block,
    /// Whether it is on the best chain (else a stored side branch).
    pub on_main: bool,
    /// The best chain's height, for "next" links and confirmations.
    pub tip_height: u64,
    /// The network's authorities (none on a mined network).
    pub authorities: Vec<Address>,
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
                if let Some(seal) = b.seal {
                    <dt>{ "sealed by" }</dt><dd><code data-testid="block-sealer">{ p.authorities.get(seal.by as usize).map_or_else(|| format!("authority {}", seal.by + 1), |a| format!("authority {}: {a}", seal.by + 1)) }</code></dd>
                    <dt>{ "weight" }</dt><dd>{ crate::ui::view_model::maker(b, &p.authorities)[3].clone() }</dd>
                    <dt>{ "seal" }</dt><dd><code class="wrap">{ seal.signature.to_string() }</code></dd>
                } else {
                    <dt>{ "target bits" }</dt><dd>{ format!("{:08x} ({} leading zero bits)", h.bits, target.map_or(0, |t| t.leading_zero_bits())) }</dd>
                    <dt>{ "nonce" }</dt><dd>{ h.nonce }</dd>
                }
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
