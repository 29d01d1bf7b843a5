//! The tabcoin GPU miner web worker (built by Trunk as
//! `data-type="worker"`): the nonce search on WebGPU, where the browser
//! offers it.

/// The GPU search's nonces/s over `ms` ms and the adapter's name, as
/// `[rate, adapter]`, for the benchmark page (`gpu.html`); rejects with the
/// reason where there is no GPU.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn gpu_rate(seed: u32, ms: f64) -> Result<js_sys::Array, wasm_bindgen::JsValue> {
    match tabcoin::workers::miner_gpu::measure(seed, ms).await {
        Ok((rate, adapter)) => Ok(js_sys::Array::of2(&rate.into(), &adapter.into())),
        Err(e) => Err(e.to_string().into()),
    }
}

/// The JSON of the message that gives a CPU miner worker the same job,
/// for the benchmark page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn bench_job(seed: u32) -> String {
    tabcoin::workers::miner_gpu::bench_job(seed)
}

#[cfg(target_arch = "wasm32")]
fn main() {
    tabcoin::workers::miner_gpu::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the tabcoin GPU miner runs as a web worker: use `cargo xtask run`");
}
