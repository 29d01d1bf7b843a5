//! The signature verifier web worker: checks batches of signatures
//! ([`SigCheck`](tabcoin_chain::SigCheck)s) on another core while the page
//! validates the rest of a batch of blocks.
//!
//! Binary protocol, no JSON: the page posts `[id, Uint8Array]` (checks of
//! 129 bytes each), the worker answers `[id, Uint8Array]` with one byte per
//! check, 1 where the signature verified (see
//! [`crate::sigbatch::verify_all`]). It posts the string `ready` once
//! loaded. Anything else is answered with nothing.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Entry point of the `verifier` binary.
pub fn run() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        let Some(request) = data.dyn_ref::<Array>() else {
            return;
        };
        let id = request.get(0);
        let Some(checks) = request
            .get(1)
            .dyn_ref::<Uint8Array>()
            .map(Uint8Array::to_vec)
        else {
            return;
        };
        let flags = Uint8Array::from(crate::sigbatch::verify_all(&checks).as_slice());
        let _ = reply_to.post_message(&Array::of2(&id, &flags).into());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
