//! The signature verifier web worker: checks batches of signatures
//! ([`SigCheck`](tabcoin_chain::SigCheck)s) on another core while the page
//! validates the rest of a batch of blocks.
//!
//! It posts `Ready` once loaded, then answers each [`ToVerifier::Check`]
//! (129 bytes per check) with [`FromVerifier::Checked`] carrying one flag
//! byte per check, 1 where the signature verified (see
//! [`tabcoin_node::sigbatch::verify_all`]). Anything else is answered with
//! nothing.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::messages::{FromVerifier, Posted, ToVerifier, js};

/// Entry point of the `verifier` binary.
pub fn run() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Some(posted) = js::from_js(&e.data()) else {
            return;
        };
        let Some(ToVerifier::Check { tag }) = posted.read() else {
            return;
        };
        let flags = tabcoin_node::sigbatch::verify_all(&posted.bytes);
        let answer = Posted::new(&FromVerifier::Checked { tag }, flags);
        let _ = reply_to.post_message(&js::to_js(&answer));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let ready = FromVerifier::Ready {
        kernel: "k256".into(),
    };
    let _ = scope.post_message(&js::to_js(&Posted::new(&ready, Vec::new())));
}
