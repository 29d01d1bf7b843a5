//! The send form: recipient and amount, with the reason a send was refused.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`SendForm`].
#[derive(Properties, PartialEq)]
pub struct SendFormProps {
    /// Called with (recipient, amount) as typed.
    pub on_send: Callback<(String, String)>,
    /// Why the last send was refused, if it was.
    pub error: Option<String>,
    /// Addresses to pick from: (label, address).
    #[prop_or_default]
    pub known: Vec<(String, String)>,
    /// Sends taken so far: when it grows, the fields empty (a form that
    /// keeps its values invites sending twice).
    #[prop_or_default]
    pub sent: u64,
    /// (recipient, amount) to fill in, from a payment link.
    #[prop_or_default]
    pub prefill: Option<(String, String)>,
    /// The most that can be sent now (what the account keeps once its
    /// pending transaction is in): "Max" fills it in.
    #[prop_or_default]
    pub max: u64,
}

/// Recipient and amount fields and a Send button; Enter submits.
#[function_component(SendForm)]
pub fn send_form(props: &SendFormProps) -> Html {
    let to = use_node_ref();
    let amount = use_node_ref();
    {
        let (to, amount) = (to.clone(), amount.clone());
        use_effect_with(props.sent, move |_| {
            for field in [&to, &amount] {
                if let Some(input) = field.cast::<HtmlInputElement>() {
                    input.set_value("");
                }
            }
        });
    }
    {
        let (to, amount) = (to.clone(), amount.clone());
        use_effect_with(props.prefill.clone(), move |prefill| {
            if let Some((recipient, asked)) = prefill {
                for (field, value) in [(&to, recipient), (&amount, asked)] {
                    if let Some(input) = field.cast::<HtmlInputElement>() {
                        input.set_value(value);
                    }
                }
            }
        });
    }
    let fill_max = {
        let (amount, max) = (amount.clone(), props.max);
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = amount.cast::<HtmlInputElement>() {
                input.set_value(&max.to_string());
            }
        })
    };
    let onsubmit = {
        let (to, amount, on_send) = (to.clone(), amount.clone(), props.on_send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            on_send.emit((value(&to), value(&amount)));
        })
    };
    html! {
        <form class="send" {onsubmit}>
            <label for="send-to">{ "Recipient address" }</label>
            <input id="send-to" data-testid="send-to" ref={to} placeholder="tab1… (paste, or pick a known address)" autocomplete="off" spellcheck="false" list="known-addresses" />
            <datalist id="known-addresses">
                { for props.known.iter().map(|(label, address)| html! { <option value={address.clone()}>{ label }</option> }) }
            </datalist>
            <label for="send-amount">{ "Amount" }</label>
            <span class="row">
                <input id="send-amount" data-testid="send-amount" ref={amount} inputmode="numeric" placeholder="25" />
                <button type="button" class="small" data-testid="send-max" title="All this account can send now" onclick={fill_max}>{ "Max" }</button>
            </span>
            <button type="submit" data-testid="send-button">{ "Send" }</button>
            if let Some(error) = &props.error {
                <p class="error" role="alert" data-testid="send-error">{ error }</p>
            }
        </form>
    }
}
