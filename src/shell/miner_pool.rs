//! The page's miner workers (`src/bin/miner.rs`, `src/bin/miner_simd.rs`):
//! as many as the person chose, each searching its own range of nonces of
//! the node's job; and the GPU miner (`src/bin/miner_gpu.rs`), where the
//! browser offers WebGPU and the person has not turned it off, searching a
//! range of its own. The node counts the GPU as one more miner, the last.

use tabcoin_node::Job;

use super::worker::WorkerHandle;
use super::{ShellEvent, Sink};
use crate::workers::messages::{Posted, ToMiner};

/// Loader of the scalar miner, relative to the page.
pub const SCALAR_MINER: &str = "./miner_loader.js";
/// Loader of the 4-lane SIMD miner.
pub const SIMD_MINER: &str = "./miner_simd_loader.js";
/// Loader of the GPU miner.
pub const GPU_MINER: &str = "./miner_gpu_loader.js";
/// The GPU miner's index in [`ShellEvent::Miner`] (the CPU miners are
/// `0..n`; the node knows the GPU as miner `n`).
pub const GPU_INDEX: usize = usize::MAX;

/// Where the GPU miner stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuState {
    /// Turned off by the person.
    Off,
    /// Its worker is opening the device.
    Loading,
    /// Searching on this adapter.
    Ready(String),
    /// Not available, or stopped: why (mining goes on on the CPU).
    Unavailable(String),
}

/// The smallest module using a SIMD instruction (`i8x16.popcnt` of a
/// constant), as feature detection libraries use: it validates only where
/// WebAssembly SIMD is supported.
const SIMD_PROBE: [u8; 31] = [
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
    15, 253, 98, 11,
];

/// Whether this browser runs WebAssembly SIMD.
pub fn simd_supported() -> bool {
    js_sys::WebAssembly::validate(&js_sys::Uint8Array::from(&SIMD_PROBE[..]).into())
        .unwrap_or(false)
}

/// The miner script to run: SIMD where supported, unless scalar is asked for.
pub fn miner_script(force_scalar: bool) -> &'static str {
    if !force_scalar && simd_supported() {
        SIMD_MINER
    } else {
        SCALAR_MINER
    }
}

/// The miner workers.
pub struct MinerPool {
    script: &'static str,
    miners: Vec<WorkerHandle>,
    /// How many should run.
    wanted: usize,
    /// The most the person may choose.
    max: usize,
    /// The kernel the miners said they run.
    kernel: Option<String>,
    /// The GPU miner, while it runs.
    gpu: Option<WorkerHandle>,
    /// Whether the GPU miner may use a software adapter.
    software_gpu: bool,
    gpu_state: GpuState,
    sink: Sink,
}

impl MinerPool {
    /// `wanted` miners of `script` (they load in the background and take
    /// their job when ready), at most `max`; and the GPU miner unless the
    /// person turned it off (on a software adapter only if
    /// `software_gpu`).
    pub fn start(
        script: &'static str,
        (wanted, max): (usize, usize),
        software_gpu: bool,
        sink: Sink,
    ) -> MinerPool {
        let mut pool = MinerPool {
            script,
            miners: Vec::new(),
            wanted: wanted.clamp(1, max),
            max,
            kernel: None,
            gpu: None,
            software_gpu,
            gpu_state: GpuState::Off,
            sink,
        };
        pool.spawn();
        if !super::web_storage::gpu_off() {
            pool.spawn_gpu();
        }
        pool
    }

    /// Starts the GPU miner's worker.
    fn spawn_gpu(&mut self) {
        let (on_message, on_error) = (self.sink.clone(), self.sink.clone());
        // The worker reads its address's query.
        let script = if self.software_gpu {
            format!("{GPU_MINER}?software=1")
        } else {
            GPU_MINER.to_owned()
        };
        match WorkerHandle::spawn(
            &script,
            "GPU miner worker",
            move |posted| on_message(ShellEvent::Miner(GPU_INDEX, posted)),
            move |e| on_error(ShellEvent::Failed(e)),
        ) {
            Ok(worker) => {
                self.gpu = Some(worker);
                self.gpu_state = GpuState::Loading;
            }
            Err(e) => self.gpu_state = GpuState::Unavailable(e.to_string()),
        }
    }

    /// The GPU miner opened its device on `adapter`.
    pub fn gpu_ready(&mut self, adapter: String) {
        if let Some(gpu) = &mut self.gpu {
            gpu.set_ready();
            self.gpu_state = GpuState::Ready(adapter);
        }
    }

    /// The GPU miner cannot search (or stopped): its worker goes.
    pub fn gpu_unavailable(&mut self, reason: String) {
        self.gpu = None;
        self.gpu_state = GpuState::Unavailable(reason);
    }

    /// Turns the GPU miner on or off (remembered); returns whether the
    /// number of miners changed.
    pub fn set_gpu(&mut self, on: bool) -> bool {
        super::web_storage::save_gpu_off(!on);
        let before = self.count();
        if on && self.gpu.is_none() {
            self.spawn_gpu();
        } else if !on {
            self.gpu = None;
            self.gpu_state = GpuState::Off;
        }
        before != self.count()
    }

    /// Where the GPU miner stands.
    pub fn gpu_state(&self) -> &GpuState {
        &self.gpu_state
    }

    /// Whether the GPU searches with the CPU miners.
    fn gpu_searching(&self) -> bool {
        self.gpu.is_some() && matches!(self.gpu_state, GpuState::Ready(_))
    }

    /// The miners the node counts: the CPU ones, and the GPU if it
    /// searches (the last).
    pub fn count(&self) -> usize {
        self.wanted + usize::from(self.gpu_searching())
    }

    /// Starts miners up to the chosen number; stops any beyond it.
    fn spawn(&mut self) {
        self.miners.truncate(self.wanted);
        while self.miners.len() < self.wanted {
            let index = self.miners.len();
            let (on_message, on_error) = (self.sink.clone(), self.sink.clone());
            match WorkerHandle::spawn(
                self.script,
                "miner worker",
                move |posted| on_message(ShellEvent::Miner(index, posted)),
                move |e| on_error(ShellEvent::Failed(e)),
            ) {
                Ok(m) => self.miners.push(m),
                Err(e) => {
                    (self.sink)(ShellEvent::Failed(e));
                    break;
                }
            }
        }
    }

    /// Runs `n` miners (within 1 and the maximum); returns how many.
    pub fn set_wanted(&mut self, n: usize) -> usize {
        self.wanted = n.clamp(1, self.max);
        self.spawn();
        self.wanted
    }

    /// Miner `index` loaded and runs `kernel`.
    pub fn ready(&mut self, index: usize, kernel: String) {
        self.kernel = Some(kernel);
        if let Some(miner) = self.miners.get_mut(index) {
            miner.set_ready();
        }
    }

    /// Gives every miner the job, each its own range of nonces (the GPU
    /// the last).
    pub fn mine(&mut self, job: &Job) {
        self.spawn();
        let searching = self.gpu_searching();
        let stride = u64::MAX / (self.miners.len() + usize::from(searching)).max(1) as u64;
        let gpu = self.gpu.as_mut().filter(|_| searching);
        for (i, miner) in self.miners.iter_mut().chain(gpu).enumerate() {
            let msg = ToMiner::Mine {
                job: job.id,
                header: job.template.header,
                first_nonce: stride.saturating_mul(i as u64),
            };
            miner.post(Posted::new(&msg, Vec::new()));
        }
    }

    /// Stops every miner's search.
    pub fn stop(&mut self) {
        for miner in self.miners.iter_mut().chain(self.gpu.as_mut()) {
            miner.post(Posted::new(&ToMiner::Stop, Vec::new()));
        }
    }

    /// How many miners should run.
    pub fn wanted(&self) -> usize {
        self.wanted
    }

    /// The most the person may choose.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The kernel the miners run, once one said.
    pub fn kernel(&self) -> Option<&str> {
        self.kernel.as_deref()
    }
}
