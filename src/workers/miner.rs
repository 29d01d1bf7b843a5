//! The miner web worker: one loop around a nonce search kernel, which the
//! binary chooses: the scalar [`Midstate::search`] (`miner`) or the 4-lane
//! SIMD [`Prepared4::search_simd`] (`miner_simd`).
//!
//! It posts `Ready` once loaded, then serves [`ToMiner`] requests: `Mine`
//! replaces the current job, `Stop` ends it. Nonces are searched in chunks
//! sized to take about 50 ms, so new requests are read between chunks and a
//! `Progress` report follows every chunk. Between chunks the worker yields
//! through a `MessageChannel` rather than `setTimeout(0)`, which browsers
//! clamp to 4 ms once timeouts nest: 8 % of a 50 ms chunk.

use std::cell::RefCell;
use std::rc::Rc;

use tabcoin_chain::pow::Midstate;
use tabcoin_chain::pow4::Prepared4;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

use tabcoin_node::MinerReport;

use super::messages::{FromMiner, Posted, ToMiner, js};

/// First chunk size; adapted to the measured speed.
const FIRST_CHUNK: u64 = 1 << 14;
/// Chunk duration aimed at, in ms.
const CHUNK_MS: f64 = 50.0;

/// A nonce search over a prepared template.
pub type Kernel = fn(&Midstate, &Prepared4, std::ops::Range<u64>) -> Option<u64>;

struct Job {
    id: u64,
    midstate: Midstate,
    prepared: Prepared4,
    first: u64,
    next: u64,
    started: f64,
}

struct State {
    kernel: Kernel,
    job: Option<Job>,
    chunk: u64,
    scheduled: bool,
    /// Posting to one port runs the next chunk from the other's handler.
    wake: Option<MessageChannel>,
}

/// The worker's global scope.
pub(super) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// The worker's clock, in ms.
pub(super) fn now() -> f64 {
    scope().performance().map_or(0.0, |p| p.now())
}

/// Tells the page.
pub(super) fn post(msg: &FromMiner) {
    let _ = scope().post_message(&js::to_js(&Posted::new(msg, Vec::new())));
}

/// Whether this runs in a dedicated worker (the benchmark also loads the
/// miner binaries in a page, to call them directly).
pub(super) fn in_worker() -> bool {
    js_sys::global()
        .dyn_into::<DedicatedWorkerGlobalScope>()
        .is_ok()
}

/// Serves the page's requests with `on_request`, for as long as the
/// worker lives.
pub(super) fn listen(mut on_request: impl FnMut(ToMiner) + 'static) {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(msg) = js::from_js(&e.data()).and_then(|p| p.read::<ToMiner>()) {
            on_request(msg);
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
}

fn schedule(state: &Rc<RefCell<State>>) {
    let mut s = state.borrow_mut();
    if s.scheduled {
        return;
    }
    s.scheduled = true;
    if let Some(wake) = &s.wake
        && wake
            .port2()
            .post_message(&wasm_bindgen::JsValue::NULL)
            .is_ok()
    {
        return;
    }
    // No channel: a timeout does the same, slower.
    let state = state.clone();
    gloo::timers::callback::Timeout::new(0, move || step(&state)).forget();
}

/// Searches one chunk of the current job, reports, and schedules the next.
fn step(state: &Rc<RefCell<State>>) {
    {
        let mut s = state.borrow_mut();
        s.scheduled = false;
        let chunk = s.chunk.max(1);
        let kernel = s.kernel;
        let Some(job) = s.job.as_mut() else { return };
        let t0 = now();
        let end = job.next.saturating_add(chunk);
        if let Some(nonce) = kernel(&job.midstate, &job.prepared, job.next..end) {
            post(&FromMiner::Report(MinerReport::Found {
                job: job.id,
                nonce,
                tried: nonce - job.first + 1,
            }));
            s.job = None;
            return;
        }
        job.next = end;
        let t1 = now();
        post(&FromMiner::Report(MinerReport::Progress {
            job: job.id,
            tried: job.next - job.first,
            elapsed_ms: t1 - job.started,
        }));
        let took = t1 - t0;
        if took < CHUNK_MS / 2.0 {
            s.chunk = chunk.saturating_mul(2);
        } else if took > CHUNK_MS * 2.0 {
            s.chunk = (chunk / 2).max(1024);
        }
    }
    schedule(state);
}

/// The scalar kernel (`miner` binary): runs everywhere.
pub const SCALAR: Kernel = |mid, _, nonces| mid.search(nonces);

/// The SIMD kernel (`miner_simd` binary): four nonces per step in
/// WebAssembly SIMD lanes. Only this binary contains SIMD code.
pub const SIMD: Kernel = |mid, prepared, nonces| prepared.search_simd(mid, nonces);

/// `kernel` called directly, without the worker's loop or messages, over
/// `count` nonces from `first` of a header no nonce meets (its height is
/// `seed`, so nothing about it is known when the code is compiled). The
/// benchmark calls this in a page to measure what the worker costs.
pub fn search_direct(kernel: Kernel, seed: u32, first: u64, count: u64) -> Option<u64> {
    let mut header = tabcoin_chain::genesis(&tabcoin_chain::Params::BENCH).header;
    header.height = tabcoin_chain::Height(seed.into());
    header.bits = tabcoin_chain::Target::from_leading_zeros(200).to_compact();
    let midstate = Midstate::new(&header);
    kernel(
        &midstate,
        &Prepared4::new(&midstate),
        first..first.saturating_add(count),
    )
}

/// Runs the worker with `kernel`, named `name` in its `Ready`.
pub fn run(kernel: Kernel, name: &'static str) {
    // Loaded in a page (by the benchmark, to call `search_direct`): no loop.
    if !in_worker() {
        return;
    }
    let state = Rc::new(RefCell::new(State {
        kernel,
        job: None,
        chunk: FIRST_CHUNK,
        scheduled: false,
        wake: MessageChannel::new().ok(),
    }));
    if let Some(wake) = &state.borrow().wake {
        let state = state.clone();
        let on_wake = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| step(&state));
        wake.port1()
            .set_onmessage(Some(on_wake.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        on_wake.forget();
    }
    {
        let state = state.clone();
        listen(move |msg| match msg {
            ToMiner::Mine {
                job,
                header,
                first_nonce,
            } => {
                let midstate = Midstate::new(&header);
                state.borrow_mut().job = Some(Job {
                    id: job,
                    prepared: Prepared4::new(&midstate),
                    midstate,
                    first: first_nonce,
                    next: first_nonce,
                    started: now(),
                });
                schedule(&state);
            }
            ToMiner::Stop => state.borrow_mut().job = None,
        });
    }
    post(&FromMiner::Ready {
        kernel: name.to_owned(),
    });
}
