//! Messages between the page and the miner web worker (JSON strings through
//! `postMessage`).
//!
//! The worker posts [`FromWorker::Ready`] once its wasm has loaded; the page
//! holds its requests until then (messages sent earlier would be lost).

use serde::{Deserialize, Serialize};
use tabcoin_chain::Header;

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Search nonces for `header` from `first_nonce` upward (replacing any
    /// current job). Workers of one tab get disjoint ranges.
    Mine {
        /// Identifies the job in the worker's answers.
        job: u64,
        /// The block template; its nonce is ignored.
        header: Header,
        /// Where this worker's range starts.
        first_nonce: u64,
    },
    /// Stop searching.
    Stop,
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm has loaded; requests can be sent. `kernel` names
    /// the nonce search it runs (`simd` or `scalar`).
    Ready {
        /// The kernel.
        kernel: String,
    },
    /// Nonces tried so far for `job`, and the time it took.
    Progress {
        /// The job.
        job: u64,
        /// Nonces tried since the job started.
        tried: u64,
        /// Milliseconds since the job started.
        elapsed_ms: f64,
    },
    /// A nonce that meets the template's difficulty.
    Found {
        /// The job.
        job: u64,
        /// The nonce.
        nonce: u64,
        /// Nonces tried for this job, the winner included.
        tried: u64,
    },
}
