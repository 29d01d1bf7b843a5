//! Persistence in the browser: the chain in `localStorage` (one key per
//! network); this tab's wallet secret in `sessionStorage` (one wallet per
//! tab, kept across reloads of that tab), and every wallet ever created in
//! `localStorage`, so closing a tab never loses its coins.
//!
//! The stored chain is revalidated block by block on load (it is network
//! data, not trusted because it was ours); a missing or corrupt copy yields a
//! fresh chain that then syncs from peers.

use gloo::storage::{LocalStorage, SessionStorage, Storage};
use tabcoin_chain::{Block, Params, Store, Timestamp, Wallet};

fn chain_key(params: &Params) -> String {
    format!("tabcoin/{}/chain", params.name)
}

const WALLET_KEY: &str = "tabcoin/wallet";
const ALL_WALLETS_KEY: &str = "tabcoin/wallets";

/// Saves the best chain.
pub fn save_chain(store: &Store) -> Result<(), String> {
    let blocks: Vec<&Block> = store.main_chain().collect();
    LocalStorage::set(chain_key(store.params()), blocks)
        .map_err(|e| format!("could not save the chain: {e}"))
}

/// Loads and revalidates the stored chain. Keeps the longest valid prefix
/// of a damaged copy; the message says what was wrong (the rest is then
/// resynced from peers).
pub fn load_chain(params: Params, now: Timestamp) -> (Option<Store>, Option<String>) {
    let blocks: Vec<Block> = match LocalStorage::get(chain_key(&params)) {
        Ok(blocks) => blocks,
        Err(gloo::storage::errors::StorageError::KeyNotFound(_)) => return (None, None),
        Err(e) => {
            return (
                None,
                Some(format!(
                    "stored chain unreadable ({e}); resyncing from peers"
                )),
            );
        }
    };
    match Store::from_blocks_prefix(params, blocks, now) {
        (store, None) => (Some(store), None),
        (store, Some(e)) => {
            let kept = store.height();
            let note = format!(
                "stored chain invalid after height {kept} ({e}); resyncing the rest from peers"
            );
            (Some(store), Some(note))
        }
    }
}

/// 32 bytes from the browser's cryptographic random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // The browser's crypto.getRandomValues does not fail for small buffers.
    let _ = getrandom::fill(&mut out);
    out
}

/// This tab's wallet: the one saved for this tab, or a new one.
pub fn tab_wallet() -> Wallet {
    if let Ok(secret) = SessionStorage::get::<String>(WALLET_KEY)
        && let Ok(wallet) = Wallet::import(&secret)
    {
        return wallet;
    }
    let wallet = loop {
        // A random 32-byte string is a valid key except with negligible
        // probability; draw again in that case.
        if let Ok(w) = Wallet::from_secret(random_bytes()) {
            break w;
        }
    };
    let secret = wallet.export();
    let mut all: Vec<String> = match LocalStorage::get(ALL_WALLETS_KEY) {
        Ok(all) => all,
        Err(gloo::storage::errors::StorageError::KeyNotFound(_)) => Vec::new(),
        Err(_) => {
            // Unreadable: keep the raw text aside rather than overwrite it.
            let raw = LocalStorage::raw();
            if let Ok(Some(text)) = raw.get_item(ALL_WALLETS_KEY) {
                let _ = raw.set_item(&format!("{ALL_WALLETS_KEY}.unreadable"), &text);
            }
            Vec::new()
        }
    };
    all.push(secret.clone());
    let _ = LocalStorage::set(ALL_WALLETS_KEY, all);
    let _ = SessionStorage::set(WALLET_KEY, secret);
    wallet
}

const WORKERS_KEY: &str = "tabcoin/workers";

/// The number of miner workers chosen last time, if any.
pub fn saved_workers() -> Option<usize> {
    LocalStorage::get(WORKERS_KEY).ok()
}

/// Remembers the number of miner workers.
pub fn save_workers(n: usize) {
    let _ = LocalStorage::set(WORKERS_KEY, n);
}

/// Addresses of every wallet created in this browser.
pub fn browser_accounts() -> Vec<tabcoin_chain::Address> {
    let secrets: Vec<String> = LocalStorage::get(ALL_WALLETS_KEY).unwrap_or_default();
    secrets
        .iter()
        .filter_map(|s| Wallet::import(s).ok())
        .map(|w| w.address())
        .collect()
}
