//! Messages between the page and its web workers (miners, verifiers and
//! the vault), and their one encoding.
//!
//! Every `postMessage` carries a two-element array: the message as JSON
//! text, then a `Uint8Array` of bytes (empty where the message has none).
//! The bytes carry what is large and binary: the signature checks a
//! verifier is asked for (129 bytes each) and its answer (one flag byte per
//! check). Each worker posts `Ready` once its wasm has loaded; the page holds
//! its requests until then (messages sent earlier would be lost).

use serde::{Deserialize, Serialize};
use tabcoin_chain::Header;
use tabcoin_node::MinerReport;

use crate::vault::Sealed;

/// Page → miner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToMiner {
    /// Search nonces for `header` from `first_nonce` upward (replacing any
    /// current job). Miners of one tab get disjoint ranges.
    Mine {
        /// Identifies the job in the miner's answers.
        job: u64,
        /// The block template; its nonce is ignored.
        header: Header,
        /// Where this miner's range starts.
        first_nonce: u64,
    },
    /// Stop searching.
    Stop,
}

/// Miner → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromMiner {
    /// The worker has loaded; `kernel` names its nonce search (`simd` or
    /// `scalar`).
    Ready {
        /// The kernel.
        kernel: String,
    },
    /// The GPU miner cannot search: no WebGPU, no adapter, or its device
    /// stopped (the page mines on the CPU only).
    NoGpu {
        /// Why, in one sentence.
        reason: String,
    },
    /// Progress on a job, or a nonce found: the node's own type, posted as
    /// is (`{"type":"progress",…}`, `{"type":"found",…}`).
    #[serde(untagged)]
    Report(MinerReport),
}

/// Page → verifier. The bytes are the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToVerifier {
    /// Check the signatures in the bytes; answer with the same tag.
    Check {
        /// Names the part in the answer.
        tag: u64,
    },
}

/// Verifier → page. The bytes of `Checked` are one flag per check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromVerifier {
    /// The worker has loaded; `kernel` names its signature code.
    Ready {
        /// The kernel.
        kernel: String,
    },
    /// The flags for part `tag`: 1 where the signature verified.
    Checked {
        /// The part.
        tag: u64,
    },
}

/// Page → vault. A passphrase and a secret key travel only between the
/// page and its own worker, in memory; neither is ever stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToVault {
    /// Seal the key `secret` (64 hex digits) of `address` with `passphrase`.
    Seal {
        /// The account.
        address: String,
        /// Its secret key.
        secret: String,
        /// The new passphrase.
        passphrase: String,
    },
    /// Open the sealed key of `address` with `passphrase`.
    Open {
        /// The account.
        address: String,
        /// Its sealed key.
        sealed: Sealed,
        /// The passphrase given.
        passphrase: String,
    },
}

/// Vault → page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromVault {
    /// The worker has loaded; `kernel` names its key stretching.
    Ready {
        /// The kernel.
        kernel: String,
    },
    /// The key of `address`, sealed.
    Sealed {
        /// The account.
        address: String,
        /// Its sealed key.
        sealed: Sealed,
    },
    /// The key of `address`, opened (64 hex digits).
    Opened {
        /// The account.
        address: String,
        /// Its secret key.
        secret: String,
    },
    /// Sealing or opening the key of `address` failed, in one sentence.
    Failed {
        /// The account.
        address: String,
        /// Why.
        reason: String,
    },
}

/// A message as posted: its JSON and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The message as JSON text.
    pub json: String,
    /// Its bytes (empty for most messages).
    pub bytes: Vec<u8>,
}

impl Posted {
    /// Encodes `msg` with `bytes`.
    pub fn new<M: Serialize>(msg: &M, bytes: Vec<u8>) -> Posted {
        Posted {
            // Plain data: serializing cannot fail.
            json: serde_json::to_string(msg).unwrap_or_default(),
            bytes,
        }
    }

    /// The message, if the JSON is one of type `M`.
    pub fn read<M: for<'de> Deserialize<'de>>(&self) -> Option<M> {
        serde_json::from_str(&self.json).ok()
    }
}

/// Posting and receiving [`Posted`] messages through a worker's
/// `postMessage` (both sides use these two functions).
#[cfg(target_arch = "wasm32")]
pub mod js {
    use js_sys::{Array, Uint8Array};
    use wasm_bindgen::JsValue;

    use super::Posted;

    /// The value to post: `[json, Uint8Array]`.
    pub fn to_js(posted: &Posted) -> JsValue {
        Array::of2(
            &JsValue::from_str(&posted.json),
            &Uint8Array::from(posted.bytes.as_slice()),
        )
        .into()
    }

    /// What a worker or the page received, if it has the right shape.
    pub fn from_js(data: &JsValue) -> Option<Posted> {
        use wasm_bindgen::JsCast;
        let array = data.dyn_ref::<Array>()?;
        let json = array.get(0).as_string()?;
        let bytes = array.get(1).dyn_ref::<Uint8Array>()?.to_vec();
        Some(Posted { json, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::{Params, genesis};

    #[test]
    fn every_message_reads_back_as_itself_and_not_as_another_kind() {
        let header = genesis(&Params::TEST).header;
        let mine = ToMiner::Mine {
            job: 3,
            header,
            first_nonce: 1 << 40,
        };
        let posted = Posted::new(&mine, Vec::new());
        assert_eq!(posted.read::<ToMiner>(), Some(mine));
        assert_eq!(posted.read::<ToVerifier>(), None);
        let found = FromMiner::Report(MinerReport::Found {
            job: 3,
            nonce: 9,
            tried: 10,
        });
        let posted = Posted::new(&found, vec![]);
        assert_eq!(
            posted.json,
            r#"{"type":"found","job":3,"nonce":9,"tried":10}"#
        );
        assert_eq!(posted.read(), Some(found));
        let check = Posted::new(&ToVerifier::Check { tag: 7 }, vec![1, 2, 3]);
        assert_eq!(check.read(), Some(ToVerifier::Check { tag: 7 }));
        assert_eq!(check.bytes, vec![1, 2, 3]);
    }

    #[test]
    fn vault_messages_read_back_as_themselves() {
        let sealed = crate::vault::sealed_for_tests([3; 32], "tab1x");
        let open = ToVault::Open {
            address: "tab1x".into(),
            sealed: sealed.clone(),
            passphrase: "a passphrase".into(),
        };
        let posted = Posted::new(&open, vec![]);
        assert_eq!(posted.read(), Some(open));
        assert_eq!(posted.read::<ToVerifier>(), None);
        let answer = FromVault::Sealed {
            address: "tab1x".into(),
            sealed,
        };
        assert_eq!(Posted::new(&answer, vec![]).read(), Some(answer));
    }

    #[test]
    fn both_kinds_of_worker_say_ready_the_same_way() {
        let miner = Posted::new(
            &FromMiner::Ready {
                kernel: "simd".into(),
            },
            vec![],
        );
        let verifier = Posted::new(
            &FromVerifier::Ready {
                kernel: "k256".into(),
            },
            vec![],
        );
        assert_eq!(miner.json, r#"{"type":"ready","kernel":"simd"}"#);
        assert_eq!(verifier.json, r#"{"type":"ready","kernel":"k256"}"#);
        let garbage = Posted {
            json: "ready".into(),
            bytes: vec![],
        };
        assert_eq!(garbage.read::<FromVerifier>(), None);
    }
}
