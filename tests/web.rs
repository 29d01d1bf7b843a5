//! The app in headless Chromium (wasm-bindgen-test): it mounts, shows the
//! genesis state and this tab's wallet, and the form validation speaks
//! plainly.
#![cfg(target_arch = "wasm32")]

use tabcoin::app::App;
use tabcoin::forms::validate_send;
use tabcoin::node::{Conn, Effect, Event, Node};
use tabcoin_chain::Store;
use tabcoin_chain::{Amount, Params, Wallet, genesis};
use tabcoin_protocol::{ClientFrame, Message, RelayFrame};
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

/// The node reducer in the browser: the same events give the same effects
/// as natively.
#[wasm_bindgen_test]
fn the_node_reducer_runs_in_the_browser() {
    let wallet = Wallet::from_secret([3; 32]).expect("valid");
    let mut node = Node::new(Store::new(Params::TEST), wallet);
    let now = tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(10_000);
    let effects = node.handle(
        Event::Frame(RelayFrame::Welcome {
            you: 4,
            peers: vec![1],
        }),
        now,
    );
    assert_eq!(node.conn, Conn::Online);
    assert!(matches!(
        &effects[..],
        [Effect::Send(ClientFrame::Broadcast {
            msg: Message::Hello { .. }
        })]
    ));
    let effects = node.handle(Event::MiningToggled, now);
    let Some(Effect::Mine(job)) = effects.first().cloned() else {
        panic!("mining starts a job")
    };
    let nonce = tabcoin_chain::pow::search(&job.template.header, 0..u64::MAX).unwrap_or_default();
    let found = tabcoin::worker_api::FromWorker::Found {
        job: job.id,
        nonce,
        tried: 1,
    };
    let effects = node.handle(
        Event::Worker {
            index: 0,
            event: found,
        },
        now,
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Send(ClientFrame::Broadcast {
            msg: Message::Block { .. }
        })
    )));
    assert_eq!(node.store.height().0, 1);
    assert_eq!(node.balance(), Amount(1050));
}
