//! The explorer's search box: a height, a block hash, a transaction id or an
//! address.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`SearchBox`].
#[derive(Properties, PartialEq)]
pub struct SearchBoxProps {
    /// Called with the query as typed.
    pub on_search: Callback<String>,
    /// Why the last query found nothing.
    pub error: Option<String>,
}

/// One field and Enter.
#[function_component(SearchBox)]
pub fn search_box(p: &SearchBoxProps) -> Html {
    let input = use_node_ref();
    let onsubmit = {
        let (input, on_search) = (input.clone(), p.on_search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<HtmlInputElement>() {
                on_search.emit(i.value());
            }
        })
    };
    html! {
        <form class="search" role="search" {onsubmit}>
            <label for="search" class="visually-hidden">{ "Search the chain" }</label>
            <input id="search" data-testid="search" ref={input} placeholder="height, hash, tx id or address" spellcheck="false" />
            if let Some(e) = &p.error {
                <span class="error" role="alert" data-testid="search-error">{ e }</span>
            }
        </form>
    }
}
