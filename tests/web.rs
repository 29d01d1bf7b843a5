//! The app in headless Chromium (wasm-bindgen-test): it mounts, shows the
//! genesis state, and the page-side helpers behave.
#![cfg(target_arch = "wasm32")]

use tabcoin::app::App;
use tabcoin_chain::{Params, genesis};
use wasm_bindgen::JsCast;
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
async fn app_mounts_and_shows_the_genesis_state() {
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
    assert_eq!(text(&root, "chain-height").as_deref(), Some("0"));
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
    let button = root
        .query_selector("[data-testid=mine-button]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlButtonElement>().ok())
        .expect("a mine button");
    assert!(!button.disabled());
}

#[wasm_bindgen_test]
fn hash_rates_are_shown_in_sensible_units() {
    assert_eq!(tabcoin::app::format_rate(950.0), "950 H/s");
    assert_eq!(tabcoin::app::format_rate(18_600.0), "18.6 kH/s");
    assert_eq!(tabcoin::app::format_rate(3_700_000.0), "3.70 MH/s");
}
