//! The receive panel: an amount to ask for (or none), the payment link
//! that asks for it, and its QR code for a phone's camera.

use tabcoin_chain::Address;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::receive::{payment_link, qr_path};

/// Props of [`ReceivePanel`].
#[derive(Properties, PartialEq)]
pub struct ReceivePanelProps {
    /// This page's address without its fragment (it names the network).
    pub page: String,
    /// The account paid.
    pub address: Address,
}

/// A payment link and its QR code, for any amount or the one typed.
#[function_component(ReceivePanel)]
pub fn receive_panel(props: &ReceivePanelProps) -> Html {
    let amount = use_state(String::new);
    let oninput = {
        let amount = amount.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                amount.set(input.value());
            }
        })
    };
    let asked = amount.trim().parse::<u64>().ok().filter(|a| *a > 0);
    let link = payment_link(&props.page, &props.address, asked);
    let qr = qr_path(&link);
    html! {
        <details class="receive" data-testid="receive">
            <summary>{ "Receive: a payment link and its QR code" }</summary>
            <label for="receive-amount">{ "Amount to ask for (optional)" }</label>
            <input id="receive-amount" data-testid="receive-amount" inputmode="numeric" placeholder="any" value={(*amount).clone()} {oninput} />
            <p><a data-testid="receive-link" href={link.clone()}>{ &link }</a></p>
            if let Some((size, path)) = qr {
                <svg data-testid="receive-qr" class="qr" viewBox={format!("-4 -4 {} {}", size + 8, size + 8)} role="img" aria-label="QR code of the payment link">
                    <rect x="-4" y="-4" width={(size + 8).to_string()} height={(size + 8).to_string()} fill="#fff" />
                    <path d={path} fill="#000" />
                </svg>
            }
            <p class="muted">{ "Whoever opens the link (or scans the code) gets this tab's page with the send form filled in." }</p>
        </details>
    }
}
