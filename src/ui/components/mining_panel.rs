//! The mining panel: start/stop, number of workers, the GPU switch, hash
//! rate per worker (the GPU's beside them) and in total, progress toward
//! the next block, the reward address.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::shell::miner_pool::GpuState;
use crate::ui::format::format_rate;

/// Props of [`MiningPanel`].
#[derive(Properties, PartialEq)]
pub struct MiningPanelProps {
    /// Whether the user wants this tab to mine.
    pub mining: bool,
    /// Workers running.
    pub workers: usize,
    /// Most workers offered (the machine's logical cores, twice).
    pub max_workers: usize,
    /// Nonces per second of each worker.
    pub rates: Vec<f64>,
    /// Share of the expected hashes for the current target already tried.
    pub progress: f64,
    /// Leading zero bits of the current target.
    pub difficulty_bits: u32,
    /// Where rewards go (short form).
    pub reward_to: String,
    /// The nonce search the workers run (`simd` or `scalar`).
    pub kernel: String,
    /// Where the GPU miner stands (when it mines, its rate is the last of
    /// `rates`).
    pub gpu: GpuState,
    /// Start/stop.
    pub on_toggle: Callback<()>,
    /// A new number of workers.
    pub on_workers: Callback<usize>,
    /// The GPU switch.
    pub on_gpu: Callback<bool>,
}

/// Start/stop, workers, rates, progress.
#[function_component(MiningPanel)]
pub fn mining_panel(p: &MiningPanelProps) -> Html {
    let total: f64 = p.rates.iter().sum();
    let onclick = p.on_toggle.reform(|_| ());
    let onchange = {
        let on_workers = p.on_workers.clone();
        Callback::from(move |e: Event| {
            if let Some(n) = e
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse().ok())
            {
                on_workers.emit(n);
            }
        })
    };
    let gpu_on = !matches!(p.gpu, GpuState::Off);
    let on_gpu = p.on_gpu.reform(move |_: Event| !gpu_on);
    let gpu_note = match &p.gpu {
        GpuState::Off => "GPU off: the CPU workers mine".to_owned(),
        GpuState::Loading => "GPU: opening the device…".to_owned(),
        GpuState::Ready(adapter) => format!("GPU mines too ({adapter})"),
        GpuState::Unavailable(why) => format!("GPU not mining: {why}; the CPU workers mine"),
    };
    let gpu_mines = matches!(p.gpu, GpuState::Ready(_));
    let status = if !p.mining {
        "idle".to_owned()
    } else {
        format_rate(total)
    };
    html! {
        <section class="miner" data-testid="mining">
            <button data-testid="mine-button" {onclick}>
                { if p.mining { "Stop mining" } else { "Start mining" } }
            </button>
            <label for="workers">{ "workers" }</label>
            <input id="workers" data-testid="workers" type="number" min="1" max={p.max_workers.to_string()}
                value={p.workers.to_string()} {onchange} />
            <span data-testid="hash-rate">{ status }</span>
            if p.mining {
                <span class="muted" data-testid="mining-progress">
                    { format!("{:.0}% of the {} expected for {} zero bits", 100.0 * p.progress, expected_label(p.difficulty_bits), p.difficulty_bits) }
                </span>
                <ul class="workers">
                    { for p.rates.iter().enumerate().map(|(i, r)| {
                        if gpu_mines && i + 1 == p.rates.len() {
                            html! { <li data-testid="gpu-rate">{ format!("GPU: {}", format_rate(*r)) }</li> }
                        } else {
                            html! { <li data-testid="worker-rate">{ format!("worker {}: {}", i + 1, format_rate(*r)) }</li> }
                        }
                    }) }
                </ul>
            }
            <label class="muted"><input type="checkbox" data-testid="gpu-switch" checked={gpu_on} onchange={on_gpu} />{ " GPU" }</label>
            <span class={classes!("muted", matches!(p.gpu, GpuState::Unavailable(_)).then_some("warn"))} data-testid="gpu-state">{ gpu_note }</span>
            <span class="muted">{ format!("rewards to {}", p.reward_to) }</span>
            <span class="pill" title="nonce search kernel" data-testid="kernel">
                { match p.kernel.as_str() { "simd" => "SIMD ×4 kernel", "scalar" => "scalar kernel", other => other } }
            </span>
        </section>
    }
}

/// "1.0 M hashes"-style size of 2^bits.
fn expected_label(bits: u32) -> String {
    let n = 2f64.powi(i32::try_from(bits).unwrap_or(0));
    if n >= 1e9 {
        format!("{:.1} G hashes", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} M hashes", n / 1e6)
    } else {
        format!("{:.0} k hashes", n / 1e3)
    }
}
