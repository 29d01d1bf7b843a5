//! Persistence of the chain in `localStorage`, one key per network.
//!
//! The stored chain is revalidated block by block on load (it is the
//! network's data, not trusted because it was ours); a missing or corrupt
//! copy yields a fresh chain that then syncs from peers.

use gloo::storage::{LocalStorage, Storage};
use tabcoin_chain::{Block, Chain, Params};

fn key(params: &Params) -> String {
    format!("tabcoin/{}/chain", params.name)
}

/// Saves the best chain.
pub fn save_chain(chain: &Chain) -> Result<(), String> {
    LocalStorage::set(key(chain.params()), chain.blocks())
        .map_err(|e| format!("could not save the chain: {e}"))
}

/// Loads and revalidates the stored chain. `Err` says why the stored copy was
/// discarded; the caller starts from genesis.
pub fn load_chain(params: Params, now_ms: u64) -> Result<Option<Chain>, String> {
    let blocks: Vec<Block> = match LocalStorage::get(key(&params)) {
        Ok(blocks) => blocks,
        Err(gloo::storage::errors::StorageError::KeyNotFound(_)) => return Ok(None),
        Err(e) => {
            return Err(format!(
                "stored chain unreadable ({e}); resyncing from peers"
            ));
        }
    };
    Chain::from_blocks(params, blocks, now_ms)
        .map(Some)
        .map_err(|e| format!("stored chain invalid ({e}); resyncing from peers"))
}
