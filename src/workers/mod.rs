//! The page's web workers, each its own wasm binary (`src/bin/`): the
//! miners (one loop, the kernel chosen by the binary) and the signature
//! verifiers, and the messages both exchange with the page. The page's side
//! of them is in `shell`.

pub mod messages;
#[cfg(target_arch = "wasm32")]
pub mod miner;
#[cfg(target_arch = "wasm32")]
pub mod verifier;
