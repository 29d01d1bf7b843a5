//! The app in headless Chromium (wasm-bindgen-test): it mounts, shows the
//! genesis state and this tab's wallet, and the form validation speaks
//! plainly.
#![cfg(target_arch = "wasm32")]

use tabcoin::app::App;
use tabcoin::forms::validate_send;
use tabcoin_chain::{Amount, Params, Wallet, genesis};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn text(root: &web_sys::Element, testid: &str) -> Option<String> {
    root.query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
}

#[wasm_bindgen_test]
async fn app_mounts_and_shows_the_genesis_state_and_a_wallet() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("attach");
    yew::Renderer::<App>::with_root(root.clone()).render();
    sleep(50).await;
    assert_eq!(
        text(&root, "chain-height").as_deref(),
        Some("0"),
        "{}",
        root.inner_html()
    );
    assert_eq!(text(&root, "peer-count").as_deref(), Some("0"));
    // The test page has no relay: the tab says so instead of failing.
    let conn = text(&root, "conn-state").unwrap_or_default();
    assert!(
        conn == "connecting" || conn == "offline",
        "conn-state was {conn}"
    );
    assert_eq!(
        text(&root, "tip-hash"),
        Some(genesis(&Params::DEMO).hash.short())
    );
    let address = text(&root, "address").unwrap_or_default();
    assert!(
        address.parse::<tabcoin_chain::Address>().is_ok(),
        "{address}"
    );
    assert_eq!(
        text(&root, "balance").as_deref(),
        Some("0"),
        "the demo network starts everyone at zero"
    );
    assert_eq!(text(&root, "mine-button").as_deref(), Some("Start mining"));
}

#[wasm_bindgen_test]
fn send_form_messages_are_one_clear_sentence_each() {
    let me = Wallet::from_secret([1; 32])
        .map(|w| w.address())
        .expect("valid");
    let to = Wallet::from_secret([2; 32])
        .map(|w| w.address())
        .expect("valid")
        .to_string();
    let check = |to: &str, amount: &str| {
        validate_send(to, amount, &me, Amount(10))
            .err()
            .unwrap_or_default()
    };
    assert_eq!(
        check(&to[..to.len() - 1], "5"),
        "Recipient: this address has a typo: its checksum does not match."
    );
    assert_eq!(
        check(&to, "0"),
        "Amount: the amount must be more than zero."
    );
    assert_eq!(
        check(&to, "11"),
        "Amount: you have 10 coins available, so you cannot send 11."
    );
    assert!(validate_send(&to, "10", &me, Amount(10)).is_ok());
}

#[wasm_bindgen_test]
fn hash_rates_are_shown_in_sensible_units() {
    assert_eq!(tabcoin::app::format_rate(950.0), "950 H/s");
    assert_eq!(tabcoin::app::format_rate(18_600.0), "18.6 kH/s");
    assert_eq!(tabcoin::app::format_rate(3_700_000.0), "3.70 MH/s");
}
