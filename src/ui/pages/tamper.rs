//! The tamper view: edit a local copy of a block (an output amount, the
//! nonce, the timestamp) and watch its hash change, the rule it breaks, and
//! the later blocks that fall with it. Nothing is stored or broadcast.

use tabcoin_chain::{Amount, Block, Height, Timestamp};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::tamper::TamperReport;

/// Props of [`TamperPage`].
#[derive(Properties, PartialEq)]
pub struct TamperPageProps {
    /// The block as stored.
    pub original: Block,
    /// The edited copy.
    pub edited: Block,
    /// What the copy breaks.
    pub report: TamperReport,
    /// A new edited copy.
    pub on_edit: Callback<Block>,
}

fn number_input(id: String, value: u64, on: Callback<u64>) -> Html {
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = e
            .target_dyn_into::<HtmlInputElement>()
            .and_then(|i| i.value().trim().parse().ok())
        {
            on.emit(v);
        }
    });
    // Text, not number: nonces exceed what a JavaScript number holds exactly.
    html! { <input id={id.clone()} data-testid={id} inputmode="numeric" value={value.to_string()} {onchange} /> }
}

/// The edit form and the verdict.
#[function_component(TamperPage)]
pub fn tamper_page(p: &TamperPageProps) -> Html {
    let edited_hash = p.edited.header.hash();
    let hash_changed = edited_hash != p.original.hash;
    let changed = hash_changed || p.edited != p.original;
    let verdict = match &p.report.error {
        None if !changed => {
            html! { <p class="ok" data-testid="tamper-verdict">{ "Unchanged: the copy is valid." }</p> }
        }
        None => html! { <p class="ok" data-testid="tamper-verdict">{ "Still valid." }</p> },
        Some(e) => {
            html! { <p class="error" data-testid="tamper-verdict">{ format!("Invalid: {e}.") }</p> }
        }
    };
    let nonce = {
        let (edited, on_edit) = (p.edited.clone(), p.on_edit.clone());
        Callback::from(move |v: u64| {
            let mut b = edited.clone();
            b.header.nonce = v;
            on_edit.emit(b);
        })
    };
    let timestamp = {
        let (edited, on_edit) = (p.edited.clone(), p.on_edit.clone());
        Callback::from(move |v: u64| {
            let mut b = edited.clone();
            b.header.timestamp = Timestamp(v);
            on_edit.emit(b);
        })
    };
    let outputs = p.edited.data.iter().enumerate().flat_map(|(t, tx)| {
        tx.outputs
            .iter()
            .map(move |(addr, amount)| (t, *addr, *amount))
    });
    let reset = {
        let (original, on_edit) = (p.original.clone(), p.on_edit.clone());
        Callback::from(move |_| on_edit.emit(original.clone()))
    };
    html! {
        <section class={classes!("page", "tamper", p.report.error.as_ref().map(|_| "broken"))} data-testid="tamper-page">
            <h2>{ format!("Tamper with block {} (a local copy)", p.original.header.height) }</h2>
            <p class="muted">{ "Change anything below: the copy's hash is recomputed and checked as a peer would. Nothing is stored or sent." }</p>
            <dl class="fields">
                <dt>{ "original hash" }</dt><dd><code>{ p.original.hash.to_string() }</code></dd>
                <dt>{ "copy's hash" }</dt><dd><code data-testid="tamper-hash" class={classes!(hash_changed.then_some("changed"))}>{ edited_hash.to_string() }</code></dd>
            </dl>
            { verdict }
            if !p.report.orphaned.is_empty() {
                <p class="error" data-testid="tamper-orphaned">
                    { format!("Blocks {} build on this block: none of them is valid any more.", heights(&p.report.orphaned)) }
                </p>
            }
            <form class="send" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <label for="tamper-nonce">{ "nonce" }</label>
                { number_input("tamper-nonce".into(), p.edited.header.nonce, nonce) }
                <label for="tamper-time">{ "timestamp (ms)" }</label>
                { number_input("tamper-time".into(), p.edited.header.timestamp.0, timestamp) }
                { for outputs.enumerate().map(|(i, (t, addr, amount))| {
                    let (edited, on_edit) = (p.edited.clone(), p.on_edit.clone());
                    let on = Callback::from(move |v: u64| {
                        let mut b = edited.clone();
                        if let Some(tx) = b.data.get_mut(t) {
                            tx.outputs.insert(addr, Amount(v));
                        }
                        on_edit.emit(b);
                    });
                    html! {
                        <>
                            <label for={format!("tamper-amount-{i}")}>{ format!("tx {t}: amount to {}", addr.short()) }</label>
                            { number_input(format!("tamper-amount-{i}"), amount.0, on) }
                        </>
                    }
                }) }
                <button type="button" data-testid="tamper-reset" onclick={reset}>{ "Undo my changes" }</button>
            </form>
        </section>
    }
}

fn heights(hs: &[Height]) -> String {
    match (hs.first(), hs.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}
