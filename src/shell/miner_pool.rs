//! The page's miner workers (`src/bin/miner.rs`, `src/bin/miner_simd.rs`):
//! as many as the person chose, each searching its own range of nonces of
//! the node's job.

use tabcoin_node::Job;

use super::worker::WorkerHandle;
use super::{ShellEvent, Sink};
use crate::workers::messages::{Posted, ToMiner};

/// Loader of the scalar miner, relative to the page.
pub const SCALAR_MINER: &str = "./miner_loader.js";
/// Loader of the 4-lane SIMD miner.
pub const SIMD_MINER: &str = "./miner_simd_loader.js";

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
    sink: Sink,
}

impl MinerPool {
    /// `wanted` miners of `script` (they load in the background and take
    /// their job when ready), at most `max`.
    pub fn start(script: &'static str, wanted: usize, max: usize, sink: Sink) -> MinerPool {
        let mut pool = MinerPool {
            script,
            miners: Vec::new(),
            wanted: wanted.clamp(1, max),
            max,
            kernel: None,
            sink,
        };
        pool.spawn();
        pool
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

    /// Gives every miner the job, each its own range of nonces.
    pub fn mine(&mut self, job: &Job) {
        self.spawn();
        let stride = u64::MAX / self.miners.len().max(1) as u64;
        for (i, miner) in self.miners.iter_mut().enumerate() {
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
        for miner in &mut self.miners {
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
