//! All blocks, a page at a time.

use tabcoin_chain::{Address, Block};
use yew::prelude::*;

use crate::ui::components::block_card::BlockCard;
use crate::ui::components::link;
use crate::ui::route::Route;

/// Props of [`BlocksPage`].
#[derive(Properties, PartialEq)]
pub struct BlocksPageProps {
    /// The blocks of this page, newest first.
    pub blocks: Vec<Block>,
    /// This page (0 is the newest).
    pub page: usize,
    /// How many pages there are.
    pub pages: usize,
    /// The network's authorities (none on a mined network).
    pub authorities: Vec<Address>,
}

/// All blocks, a page at a time.
#[function_component(BlocksPage)]
pub fn blocks_page(p: &BlocksPageProps) -> Html {
    html! {
        <section class="page" data-testid="blocks-page">
            <h2>{ format!("Blocks, page {} of {}", p.page + 1, p.pages.max(1)) }</h2>
            <div class="blocks">{ for p.blocks.iter().map(|b| html! { <BlockCard key={b.hash.to_string()} block={b.clone()} authorities={p.authorities.clone()} /> }) }</div>
            <p class="nav">
                if p.page > 0 { { link(Route::Blocks(p.page - 1), "← newer".into()) } }
                if p.page + 1 < p.pages { { link(Route::Blocks(p.page + 1), "older →".into()) } }
            </p>
        </section>
    }
}
