//! The "New network" page: a network's spec from a form (one sentence per
//! mistake), and the invite link that opens it in another browser.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::ui::forms::{NetworkForm, new_network, suggested_zero_bits};

/// Props of [`NewNetworkPage`].
#[derive(Properties, PartialEq)]
pub struct NewNetworkProps {
    /// The current account's address, prefilled as the first allocation.
    pub me: String,
    /// This tab's best measured hash rate (nonces/s), if it has mined.
    pub hash_rate: Option<f64>,
    /// The page's address without query or fragment: invite links start so.
    pub base_url: String,
}

/// What a created network shows.
#[derive(Clone, PartialEq)]
struct Created {
    id: String,
    link: String,
    short: String,
}

fn input(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn area(r: &NodeRef) -> String {
    r.cast::<HtmlTextAreaElement>()
        .map(|t| t.value())
        .unwrap_or_default()
}

/// The form and, once it is valid, the new network's id and invite link.
#[function_component(NewNetworkPage)]
pub fn new_network_page(props: &NewNetworkProps) -> Html {
    // Long: the form's markup, field by field, and the spec it builds.
    let (name, block_time, bits, reward, starting) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let (allocations, authorities) = (use_node_ref(), use_node_ref());
    let poa = use_state(|| false);
    let error = use_state(|| None::<String>);
    let created = use_state(|| None::<Created>);
    let suggestion = |seconds: &str| {
        let seconds: f64 = seconds.trim().parse().unwrap_or(5.0);
        props
            .hash_rate
            .map(|rate| suggested_zero_bits(rate, seconds))
    };
    // The fields start filled once; after that they hold what was typed
    // (a value in the markup would be put back on every render).
    {
        let fields = [
            (name.clone(), "friends".to_owned()),
            (block_time.clone(), "5".to_owned()),
            (bits.clone(), suggestion("5").unwrap_or(24).to_string()),
            (reward.clone(), "50".to_owned()),
            (starting.clone(), "0".to_owned()),
        ];
        let areas = [
            (allocations.clone(), format!("{} 1000", props.me)),
            (authorities.clone(), props.me.clone()),
        ];
        use_effect_with((), move |()| {
            for (field, value) in &fields {
                if let Some(input) = field.cast::<HtmlInputElement>() {
                    input.set_value(value);
                }
            }
            for (area, value) in &areas {
                if let Some(area) = area.cast::<HtmlTextAreaElement>() {
                    area.set_value(value);
                }
            }
        });
    }
    let suggest = {
        let (block_time, bits, rate) = (block_time.clone(), bits.clone(), props.hash_rate);
        Callback::from(move |_: MouseEvent| {
            let seconds: f64 = input(&block_time).trim().parse().unwrap_or(5.0);
            if let (Some(rate), Some(field)) = (rate, bits.cast::<HtmlInputElement>()) {
                field.set_value(&suggested_zero_bits(rate, seconds).to_string());
            }
        })
    };
    let onsubmit = {
        let refs = (
            name.clone(),
            block_time.clone(),
            bits.clone(),
            reward.clone(),
            starting.clone(),
        );
        let areas = (allocations.clone(), authorities.clone());
        let (poa, error, created) = (*poa, error.clone(), created.clone());
        let base = props.base_url.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let form = NetworkForm {
                name: input(&refs.0),
                proof_of_authority: poa,
                block_time_s: input(&refs.1),
                zero_bits: input(&refs.2),
                authorities: area(&areas.1),
                reward: input(&refs.3),
                starting: input(&refs.4),
                allocations: area(&areas.0),
            };
            match new_network(&form, tabcoin_chain::Timestamp(js_sys::Date::now() as u64)) {
                Ok((spec, params)) => {
                    error.set(None);
                    let spec_text = String::from(js_sys::encode_uri_component(&spec.canonical()));
                    let id = params.network_id().to_string();
                    created.set(Some(Created {
                        link: format!("{base}?spec={spec_text}"),
                        short: format!("{base}?network={id}"),
                        id,
                    }));
                }
                Err(e) => {
                    created.set(None);
                    error.set(Some(e));
                }
            }
        })
    };
    let choose = |value: bool| {
        let poa = poa.clone();
        Callback::from(move |_: Event| poa.set(value))
    };
    let rate_note = match props.hash_rate {
        Some(rate) => format!(
            "This tab hashes about {}; “Suggest” picks the difficulty at which it alone finds a block in about the block time.",
            crate::ui::format::format_rate(rate)
        ),
        None => "Mine for a few seconds on any network, and “Suggest” picks a difficulty from this tab's hash rate.".into(),
    };
    html! {
        <section class="page new-network">
            <h2>{ "New network" }</h2>
            <p class="muted">{ "A network is its rules: this form writes them as a spec. Its id is the hash of a genesis block committing to the spec, so everyone who opens the invite link joins the same network and no other." }</p>
            <form {onsubmit}>
                <label for="net-name">{ "Name" }</label>
                <input id="net-name" data-testid="net-name" ref={name} autocomplete="off" spellcheck="false" />
                <fieldset>
                    <legend>{ "Consensus" }</legend>
                    <label><input type="radio" name="consensus" data-testid="net-pow" checked={!*poa} onchange={choose(false)} />{ " Proof of work: anyone mines" }</label>
                    <label><input type="radio" name="consensus" data-testid="net-poa" checked={*poa} onchange={choose(true)} />{ " Proof of authority: the listed accounts seal blocks in turn" }</label>
                </fieldset>
                <label for="net-block-time">{ "Block time (seconds)" }</label>
                <input id="net-block-time" data-testid="net-block-time" ref={block_time} inputmode="numeric" />
                <div hidden={*poa}>
                    <label for="net-bits">{ "Initial difficulty (leading zero bits)" }</label>
                    <span class="row">
                        <input id="net-bits" data-testid="net-bits" ref={bits} inputmode="numeric" />
                        <button type="button" data-testid="net-suggest" onclick={suggest} disabled={props.hash_rate.is_none()}>{ "Suggest" }</button>
                    </span>
                    <p class="muted" data-testid="net-rate-note">{ rate_note }</p>
                </div>
                <div hidden={!*poa}>
                    <label for="net-authorities">{ "Authorities (one address per line, in turn order)" }</label>
                    <textarea id="net-authorities" data-testid="net-authorities" ref={authorities} rows="3" spellcheck="false" />
                    <p class="muted">{ "Each authority seals a block in its turn; another seals out of turn when one is away. An account not listed follows the chain, sends and receives, but cannot seal." }</p>
                </div>
                <label for="net-reward">{ "Reward (coins per block to its miner or sealer, may be 0)" }</label>
                <input id="net-reward" data-testid="net-reward" ref={reward} inputmode="numeric" />
                <label for="net-starting">{ "Starting balance of every address" }</label>
                <input id="net-starting" data-testid="net-starting" ref={starting} inputmode="numeric" />
                <label for="net-allocations">{ "Allocations (one “address amount” per line)" }</label>
                <textarea id="net-allocations" data-testid="net-allocations" ref={allocations} rows="3" spellcheck="false" />
                <button type="submit" data-testid="net-create">{ "Create" }</button>
                if let Some(e) = &*error {
                    <p class="error" role="alert" data-testid="net-error">{ e }</p>
                }
            </form>
            if let Some(c) = &*created {
                <div class="created" data-testid="net-created">
                    <p>{ "Network id " }<code data-testid="net-id">{ &c.id }</code></p>
                    <p>{ "Invite link (whoever opens it joins this network):" }</p>
                    <p><a data-testid="net-invite" href={c.link.clone()}>{ &c.link }</a></p>
                    <p>{ "Short link (the spec comes from the network's tabs that are online):" }</p>
                    <p><a data-testid="net-short-invite" href={c.short.clone()}>{ &c.short }</a></p>
                    <p class="muted">{ "Open it here to join it yourself: this tab stays in its other networks too." }</p>
                </div>
            }
        </section>
    }
}
