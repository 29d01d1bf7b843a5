//! The GPU miner web worker (`miner_gpu` binary): the CPU miners' messages
//! ([`ToMiner`], [`FromMiner`]) around the WebGPU search ([`GpuSearch`]).
//! It opens its device on start and says `Ready` with the adapter's name,
//! or `NoGpu` with the reason; a device that stops later is reported the
//! same way and the worker searches no more (the page mines on the CPU).
//! Batches are sized to take 50–100 ms, so a new job waits at most one
//! batch, and a `Progress` report follows each.

use std::cell::RefCell;
use std::rc::Rc;

use tabcoin_chain::pow::Midstate;
use tabcoin_node::MinerReport;

use super::gpu::{GpuSearch, MAX_BATCH};
use super::messages::{FromMiner, Posted, ToMiner};
use super::miner::{in_worker, listen, now, post, scope};

/// First batch; adapted to the measured time.
const FIRST_BATCH: u32 = 1 << 16;
/// Smallest batch.
const MIN_BATCH: u32 = 1 << 12;
/// The time a batch should take, in ms: between these.
const BATCH_MS: (f64, f64) = (50.0, 100.0);

struct Job {
    id: u64,
    midstate: Midstate,
    first: u64,
    next: u64,
    started: f64,
}

#[derive(Default)]
struct State {
    gpu: Option<Rc<GpuSearch>>,
    job: Option<Job>,
    batch: u32,
    /// The search loop is running.
    running: bool,
}

/// The next batch's size after one of `batch` nonces took `took_ms`:
/// doubled if it was quick, halved if slow, within the bounds.
fn next_batch(batch: u32, took_ms: f64) -> u32 {
    if took_ms < BATCH_MS.0 {
        batch.saturating_mul(2).min(MAX_BATCH)
    } else if took_ms > BATCH_MS.1 {
        (batch / 2).max(MIN_BATCH)
    } else {
        batch
    }
}

/// Searches batches of the current job until it is found, replaced by
/// nothing, or the device stops.
async fn search(state: Rc<RefCell<State>>) {
    loop {
        let (gpu, midstate, id, next, batch) = {
            let s = state.borrow();
            let (Some(gpu), Some(job)) = (&s.gpu, &s.job) else {
                break;
            };
            (gpu.clone(), job.midstate.clone(), job.id, job.next, s.batch)
        };
        let t0 = now();
        let result = gpu.search(&midstate, next, batch).await;
        let took = now() - t0;
        let mut s = state.borrow_mut();
        let found = match result {
            Ok(found) => found,
            Err(e) => {
                post(&FromMiner::NoGpu {
                    reason: e.to_string(),
                });
                s.gpu = None;
                s.job = None;
                break;
            }
        };
        // A new job came meanwhile: this batch was for the old one.
        let Some(job) = s.job.as_mut().filter(|j| j.id == id) else {
            continue;
        };
        if let Some(nonce) = found {
            post(&FromMiner::Report(MinerReport::Found {
                job: id,
                nonce,
                tried: nonce - job.first + 1,
            }));
            s.job = None;
            break;
        }
        job.next = next.saturating_add(u64::from(batch));
        post(&FromMiner::Report(MinerReport::Progress {
            job: id,
            tried: job.next - job.first,
            elapsed_ms: now() - job.started,
        }));
        s.batch = next_batch(batch, took);
    }
    state.borrow_mut().running = false;
}

/// A header no nonce meets, its height `seed` (so nothing about it is
/// known when the code is compiled).
fn bench_header(seed: u32) -> tabcoin_chain::Header {
    let mut header = tabcoin_chain::genesis(&tabcoin_chain::Params::BENCH).header;
    header.height = tabcoin_chain::Height(seed.into());
    header.bits = tabcoin_chain::Target::from_leading_zeros(200).to_compact();
    header
}

/// The message that gives a miner worker the benchmark's job (the header
/// of [`measure`]): the page measures one CPU worker with it.
pub fn bench_job(seed: u32) -> String {
    let job = ToMiner::Mine {
        job: 1,
        header: bench_header(seed),
        first_nonce: 0,
    };
    Posted::new(&job, Vec::new()).json
}

/// Nonces per second of the GPU search over about `ms` of batches (sized
/// as the worker sizes them) of a header no nonce meets (its height is
/// `seed`), and the adapter's name: for the benchmark page, which calls it
/// on the page's thread.
pub async fn measure(seed: u32, ms: f64) -> Result<(f64, String), super::gpu::GpuError> {
    let gpu = GpuSearch::open().await?;
    let midstate = Midstate::new(&bench_header(seed));
    let clock = || js_sys::Date::now();
    // One batch to compile and warm up, then the timed ones.
    let mut batch = FIRST_BATCH;
    gpu.search(&midstate, 0, batch).await?;
    let (t0, mut tried) = (clock(), 0u64);
    while clock() - t0 < ms {
        let started = clock();
        gpu.search(&midstate, tried, batch).await?;
        tried += u64::from(batch);
        batch = next_batch(batch, clock() - started);
    }
    Ok((
        tried as f64 * 1000.0 / (clock() - t0),
        gpu.adapter().to_owned(),
    ))
}

/// Runs the worker.
pub fn run() {
    // Loaded in a page (by the benchmark page, to call `measure`): no loop.
    if !in_worker() {
        return;
    }
    let state = Rc::new(RefCell::new(State {
        batch: FIRST_BATCH,
        ..State::default()
    }));
    {
        let state = state.clone();
        listen(move |msg| match msg {
            ToMiner::Mine {
                job,
                header,
                first_nonce,
            } => {
                let start = {
                    let mut s = state.borrow_mut();
                    s.job = Some(Job {
                        id: job,
                        midstate: Midstate::new(&header),
                        first: first_nonce,
                        next: first_nonce,
                        started: now(),
                    });
                    let idle = s.gpu.is_some() && !s.running;
                    s.running |= idle;
                    idle
                };
                if start {
                    wasm_bindgen_futures::spawn_local(search(state.clone()));
                }
            }
            ToMiner::Stop => state.borrow_mut().job = None,
        });
    }
    // `?software=1` in the worker's address: a software adapter will do.
    let software_ok = js_sys::Reflect::get(&scope(), &"location".into())
        .and_then(|l| js_sys::Reflect::get(&l, &"search".into()))
        .ok()
        .and_then(|s| s.as_string())
        .is_some_and(|s| s.contains("software=1"));
    wasm_bindgen_futures::spawn_local(async move {
        match GpuSearch::open().await {
            Ok(gpu) if gpu.is_software() && !software_ok => post(&FromMiner::NoGpu {
                reason: format!(
                    "the only adapter is a software one ({}), which would take the CPU workers' time (?gpu=software uses it anyway)",
                    gpu.adapter()
                ),
            }),
            Ok(gpu) => {
                post(&FromMiner::Ready {
                    kernel: gpu.adapter().to_owned(),
                });
                state.borrow_mut().gpu = Some(Rc::new(gpu));
            }
            Err(e) => post(&FromMiner::NoGpu {
                reason: e.to_string(),
            }),
        }
    });
}
