//! The page's web workers, each its own wasm binary (`src/bin/`): the
//! miners (one loop, the kernel chosen by the binary), the signature
//! verifiers and the vault (passphrase locks), and the messages they
//! exchange with the page; [`gpu`], the nonce search on the GPU. The page's side
//! of them is in `shell`.

#[cfg(target_arch = "wasm32")]
pub mod gpu;
pub mod messages;
#[cfg(target_arch = "wasm32")]
pub mod miner;
#[cfg(target_arch = "wasm32")]
pub mod miner_gpu;
pub mod vault;
#[cfg(target_arch = "wasm32")]
pub mod verifier;
