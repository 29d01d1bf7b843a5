//! Web storage: this tab's account in `sessionStorage` (kept across reloads
//! of that tab: the secret of an unprotected account, only the address of
//! a protected one), a backup of every unprotected wallet secret in
//! `localStorage` (a protected account's is removed from it), short
//! account leases between tabs, the number of miners chosen, the networks
//! this tab is in and the one it shows, its peer key (`sessionStorage`),
//! and a chain an older version kept in `localStorage`. The rest lives in IndexedDB
//! ([`super::idb`]).

use gloo::storage::{LocalStorage, SessionStorage, Storage};
use tabcoin_chain::{Address, Params, Timestamp, Wallet};
use tabcoin_node::Keys;
use tabcoin_protocol::identity::Identity;

const WALLET_KEY: &str = "tabcoin/wallet";
/// The address of this tab's protected account.
const LOCKED_KEY: &str = "tabcoin/locked-account";
/// The backup list earlier versions kept (read, never grown).
const ALL_WALLETS_KEY: &str = "tabcoin/wallets";
/// A wallet's backup: this prefix and its address, its secret as value.
const BACKUP_PREFIX: &str = "tabcoin/wallet-backup/";
/// Whether the GPU miner is turned off.
const GPU_OFF_KEY: &str = "tabcoin/gpu-off";
/// The specs of the networks this tab is in, in order.
const NETWORKS_KEY: &str = "tabcoin/networks";
/// The id of the network this tab shows.
const FOCUS_KEY: &str = "tabcoin/focus";
/// This tab's peer key: its secret and the nonce that gives it its work.
const PEER_KEY: &str = "tabcoin/peer-key";

/// The networks this tab was in before a reload (`None`: a new tab).
pub fn tab_networks() -> Option<Vec<Params>> {
    let specs = SessionStorage::get::<Vec<String>>(NETWORKS_KEY).ok()?;
    Some(
        specs
            .iter()
            .filter_map(|s| tabcoin_chain::Params::from_spec_json(s).ok())
            .collect(),
    )
}

/// Keeps the networks this tab is in, and the one it shows, across
/// reloads of the tab.
pub fn save_tab_networks(networks: &[&Params], focus: Option<&Params>) {
    let specs: Vec<String> = networks.iter().map(|p| p.spec().canonical()).collect();
    let _ = SessionStorage::set(NETWORKS_KEY, specs);
    match focus {
        Some(p) => {
            let _ = SessionStorage::set(FOCUS_KEY, p.network_id().to_string());
        }
        None => SessionStorage::delete(FOCUS_KEY),
    }
}

/// The id of the network this tab showed before a reload.
pub fn tab_focus() -> Option<String> {
    SessionStorage::get::<String>(FOCUS_KEY).ok()
}

fn legacy_chain_key(params: &Params) -> String {
    format!("tabcoin/{}/chain", super::config::storage_key(params))
}

/// A chain an older version kept in `localStorage`, taken out of it (the
/// caller stores it in IndexedDB from now on).
pub fn take_legacy_chain(params: &Params) -> Option<String> {
    let raw = LocalStorage::raw();
    let key = legacy_chain_key(params);
    let text = raw.get_item(&key).ok().flatten()?;
    let _ = raw.remove_item(&key);
    Some(text)
}

/// This tab's peer identity (its name to other tabs and to the relay),
/// kept across reloads of the tab, made the first time (and kept at once,
/// so every connection of the tab has the same one while its work is
/// found: [`keep_identity`]). A duplicated tab starts with the same key;
/// the relay refuses the second and that one makes its own
/// ([`renew_identity`]).
pub fn peer_key() -> Identity {
    let kept = SessionStorage::get::<String>(PEER_KEY).ok();
    if let Some(identity) = kept.and_then(|kept| Identity::import(&kept).ok()) {
        return identity;
    }
    let identity = loop {
        // Almost every 32 bytes are a key; the rest are drawn again.
        if let Ok(identity) = Identity::from_parts(random_bytes(), 0) {
            break identity;
        }
    };
    keep_identity(&identity);
    identity
}

/// Keeps this tab's identity, with the work found for it.
pub fn keep_identity(identity: &Identity) {
    let _ = SessionStorage::set(PEER_KEY, identity.export());
}

/// Forgets this tab's peer key: the next connection makes a new one.
pub fn renew_identity() {
    SessionStorage::delete(PEER_KEY);
}

/// N bytes from the browser's cryptographic random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // The browser's crypto.getRandomValues does not fail for small buffers.
    let _ = getrandom::fill(&mut out);
    out
}

/// The account this tab used before a reload, if any: its wallet, or
/// only its address if it is protected (the tab comes back locked).
pub fn session_keys() -> Option<Keys> {
    if let Some(wallet) = SessionStorage::get::<String>(WALLET_KEY)
        .ok()
        .and_then(|s| Wallet::import(&s).ok())
    {
        return Some(Keys::Unlocked(wallet));
    }
    SessionStorage::get::<String>(LOCKED_KEY)
        .ok()
        .and_then(|a| a.parse::<Address>().ok())
        .map(Keys::Locked)
}

/// A new random wallet.
pub fn new_wallet() -> Wallet {
    loop {
        // A random 32-byte string is a valid key except with negligible
        // probability; draw again in that case.
        if let Ok(w) = Wallet::from_secret(random_bytes()) {
            break w;
        }
    }
}

/// Makes the protected account `address` this tab's (kept across reloads
/// of the tab, which then come back locked); no secret is kept.
pub fn set_session_locked(address: &Address) {
    SessionStorage::delete(WALLET_KEY);
    let _ = SessionStorage::set(LOCKED_KEY, address.to_string());
}

/// Removes `secret` from the backups (its account is now protected).
pub fn forget_backup(secret: &str) {
    // The list an earlier version kept, shared by every tab.
    if let Ok(mut old) = LocalStorage::get::<Vec<String>>(ALL_WALLETS_KEY) {
        let before = old.len();
        old.retain(|s| s != secret);
        if old.len() != before {
            let _ = LocalStorage::set(ALL_WALLETS_KEY, old);
        }
    }
    if let Ok(wallet) = Wallet::import(secret) {
        let _ = LocalStorage::raw().remove_item(&format!("{BACKUP_PREFIX}{}", wallet.address()));
    }
}

/// Makes `wallet` this tab's (kept across reloads of the tab), and keeps a
/// backup of its secret in `localStorage` beside IndexedDB. The account is
/// leased first: a tab opened at this moment finds the backup already
/// taken, never free.
pub fn set_session_wallet(wallet: &Wallet) {
    let secret = wallet.export();
    SessionStorage::delete(LOCKED_KEY);
    let _ = SessionStorage::set(WALLET_KEY, &secret);
    let address = wallet.address().to_string();
    renew_lease(&address, Timestamp(js_sys::Date::now() as u64));
    // Each backup under a key of its own: tabs writing at once never
    // overwrite each other's.
    let _ = LocalStorage::raw().set_item(&format!("{BACKUP_PREFIX}{address}"), &secret);
}

/// The values of `localStorage` keys starting with `prefix`, with the rest
/// of each key.
fn prefixed(prefix: &str) -> Vec<(String, String)> {
    let raw = LocalStorage::raw();
    let n = raw.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| raw.key(i).ok().flatten())
        .filter_map(|key| {
            let rest = key.strip_prefix(prefix)?.to_owned();
            Some((rest, raw.get_item(&key).ok().flatten()?))
        })
        .collect()
}

/// Secrets of every wallet this browser created (the backups, and the
/// store of versions before IndexedDB).
pub fn backup_secrets() -> Vec<String> {
    let mut all = old_backups();
    for (_, secret) in prefixed(BACKUP_PREFIX) {
        if !all.contains(&secret) {
            all.push(secret);
        }
    }
    all
}

/// The one backup list earlier versions kept.
fn old_backups() -> Vec<String> {
    match LocalStorage::get(ALL_WALLETS_KEY) {
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
    }
}

/// A lease: this prefix and the address, the time it was last renewed
/// (ms) as value; each under a key of its own, so tabs renewing at once
/// never overwrite each other's.
const LEASE_PREFIX: &str = "tabcoin/in-use/";
/// The one lease map earlier versions kept.
const OLD_LEASES_KEY: &str = "tabcoin/in-use";
/// A tab that has not renewed its lease for this long no longer holds it.
const LEASE_MS: u64 = 5_000;

/// Every lease: the address, and when it was last renewed (ms).
fn leases() -> Vec<(String, u64)> {
    prefixed(LEASE_PREFIX)
        .into_iter()
        .filter_map(|(address, at)| Some((address, at.parse().ok()?)))
        .collect()
}

/// Addresses other tabs of this browser are using now.
pub fn accounts_in_use(now: Timestamp, mine: &str) -> Vec<String> {
    leases()
        .into_iter()
        .filter(|(a, t)| a != mine && now.0.saturating_sub(*t) < LEASE_MS)
        .map(|(a, _)| a)
        .collect()
}

/// Says this tab no longer uses `address`.
pub fn release_lease(address: &str) {
    let _ = LocalStorage::raw().remove_item(&format!("{LEASE_PREFIX}{address}"));
}

/// Says this tab uses `address` at `now` (and forgets leases long over).
pub fn renew_lease(address: &str, now: Timestamp) {
    let raw = LocalStorage::raw();
    let _ = raw.set_item(&format!("{LEASE_PREFIX}{address}"), &now.0.to_string());
    for (other, at) in leases() {
        if now.0.saturating_sub(at) >= 10 * LEASE_MS {
            let _ = raw.remove_item(&format!("{LEASE_PREFIX}{other}"));
        }
    }
    let _ = raw.remove_item(OLD_LEASES_KEY);
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

/// Whether the person turned the GPU miner off (it is on by default).
pub fn gpu_off() -> bool {
    LocalStorage::get::<bool>(GPU_OFF_KEY).unwrap_or(false)
}

/// Remembers whether the GPU miner is off.
pub fn save_gpu_off(off: bool) {
    let _ = LocalStorage::set(GPU_OFF_KEY, off);
}
