//! The browser's durable storage, IndexedDB (through the `idb` crate):
//! database `tabcoin` with object stores `accounts` (one JSON record per
//! account, keyed by address), `block_records` (the best chain, one JSON
//! record per block keyed by `[network, height, hash]`, so a new block is
//! one small write and tabs of one browser on different branches never
//! overwrite each other's blocks), and `pools` (pending transactions as
//! JSON, keyed by network name). `chains` holds whole chains written by
//! earlier versions; such a chain is read once, and removed once its blocks
//! are stored as records. (Records keyed by `[network, height]` of earlier
//! versions, in `blocks`, are dropped on upgrade: one tab could overwrite
//! another's; peers send them again.) IndexedDB survives reloads and
//! browser restarts, holds far more than `localStorage`, and is shared by
//! the tabs of one browser profile.

use idb::{Database, DatabaseEvent, Factory, KeyRange, ObjectStoreParams, Query, TransactionMode};
use wasm_bindgen::JsValue;

use tabcoin_chain::BlockHash;
use tabcoin_node::BlockRecord;

use super::error::ShellError;
use crate::keys::accounts::Account;

const DB_NAME: &str = "tabcoin";
const DB_VERSION: u32 = 4;
const ACCOUNTS: &str = "accounts";
/// Whole chains by network name (earlier versions).
pub const CHAINS: &str = "chains";
/// Blocks by `[network, height, hash]`.
const BLOCKS: &str = "block_records";
/// Blocks by `[network, height]` (earlier versions), dropped on upgrade.
const BLOCKS_BY_HEIGHT: &str = "blocks";
/// Pending transactions by network name.
pub const POOLS: &str = "pools";

/// An open connection, closed when dropped (after its transactions end),
/// so a newer version of the app in another tab can upgrade the database.
struct Connection(Database);

impl std::ops::Deref for Connection {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.0
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Commits `tx`; an aborted transaction (a full disk, say) is an error,
/// not a success.
async fn commit(
    tx: idb::Transaction,
    fail: impl Fn(idb::Error) -> ShellError,
) -> Result<(), ShellError> {
    if tx
        .commit()
        .map_err(&fail)?
        .await
        .map_err(&fail)?
        .is_committed()
    {
        Ok(())
    } else {
        Err(fail(idb::Error::TransactionAbortError(
            wasm_bindgen::JsValue::from_str("aborted"),
        )))
    }
}

/// A maker of storage errors for one kind of work ("save the chain").
fn failing(doing: String) -> impl Fn(idb::Error) -> ShellError {
    move |e| ShellError::Storage {
        doing: doing.clone(),
        reason: e.to_string(),
    }
}

async fn open() -> Result<Connection, ShellError> {
    let factory = Factory::new().map_err(|e| ShellError::NoDatabase(e.to_string()))?;
    let mut request = factory
        .open(DB_NAME, Some(DB_VERSION))
        .map_err(|e| ShellError::OpenDatabase(e.to_string()))?;
    request.on_upgrade_needed(|event| {
        if let Ok(db) = event.database() {
            let existing = db.store_names();
            if existing.iter().any(|n| n == BLOCKS_BY_HEIGHT) {
                let _ = db.delete_object_store(BLOCKS_BY_HEIGHT);
            }
            for name in [ACCOUNTS, CHAINS, POOLS, BLOCKS] {
                if !existing.iter().any(|n| n == name) {
                    // Out-of-line keys: records are JSON strings.
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        }
    });
    request
        .await
        .map(Connection)
        .map_err(|e| ShellError::OpenDatabase(e.to_string()))
}

/// One object store in a new transaction, on its own connection (closed
/// when this is dropped, after the transaction).
struct Scope {
    _db: Connection,
    tx: idb::Transaction,
    store: idb::ObjectStore,
}

async fn scope(
    name: &str,
    mode: TransactionMode,
    fail: impl Fn(idb::Error) -> ShellError,
) -> Result<Scope, ShellError> {
    let db = open().await?;
    let tx = db.transaction(&[name], mode).map_err(&fail)?;
    let store = tx.object_store(name).map_err(&fail)?;
    Ok(Scope { _db: db, tx, store })
}

/// Every stored account, oldest first. Unreadable records are skipped.
pub async fn load_accounts() -> Result<Vec<Account>, ShellError> {
    let fail = failing("read accounts".into());
    let s = scope(ACCOUNTS, TransactionMode::ReadOnly, &fail).await?;
    let values = s
        .store
        .get_all(None, None)
        .map_err(&fail)?
        .await
        .map_err(&fail)?;
    let mut accounts: Vec<Account> = values
        .iter()
        .filter_map(JsValue::as_string)
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect();
    accounts.sort_by_key(|a| a.created);
    Ok(accounts)
}

/// Stores (or replaces) an account.
pub async fn save_account(account: &Account) -> Result<(), ShellError> {
    // Plain data: serializing cannot fail.
    let json = serde_json::to_string(account).unwrap_or_default();
    put(ACCOUNTS, &account.address, &json).await
}

/// Stores `json` under `key` in object store `store`.
pub async fn put(store: &str, key: &str, json: &str) -> Result<(), ShellError> {
    let fail = failing(format!("save to {store}"));
    let s = scope(store, TransactionMode::ReadWrite, &fail).await?;
    s.store
        .put(&JsValue::from_str(json), Some(&JsValue::from_str(key)))
        .map_err(&fail)?
        .await
        .map_err(&fail)?;
    commit(s.tx, &fail).await?;
    Ok(())
}

/// The JSON stored under `key` in object store `store`, if any.
pub async fn get(store: &str, key: &str) -> Result<Option<String>, ShellError> {
    let fail = failing(format!("read {store}"));
    let s = scope(store, TransactionMode::ReadOnly, &fail).await?;
    let value = s
        .store
        .get(JsValue::from_str(key))
        .map_err(&fail)?
        .await
        .map_err(&fail)?;
    Ok(value.and_then(|v| v.as_string()))
}

fn block_key(net: &str, height: u64, hash: &BlockHash) -> JsValue {
    js_sys::Array::of3(
        &JsValue::from_str(net),
        &JsValue::from_f64(height as f64),
        &JsValue::from_str(&hash.to_string()),
    )
    .into()
}

/// Writes blocks' JSON under their height and hash for network `net`, in
/// one transaction.
pub async fn put_blocks(net: &str, records: &[BlockRecord]) -> Result<(), ShellError> {
    let fail = failing("save the chain".into());
    let s = scope(BLOCKS, TransactionMode::ReadWrite, &fail).await?;
    for r in records {
        // Requests of one transaction run in order; the commit below
        // reports any failure.
        let _ = s
            .store
            .put(
                &JsValue::from_str(&r.json),
                Some(&block_key(net, r.height, &r.hash)),
            )
            .map_err(&fail)?;
    }
    commit(s.tx, &fail).await?;
    Ok(())
}

/// Removes block records of network `net` by height and hash, in one
/// transaction.
pub async fn delete_blocks(net: &str, keys: &[(u64, BlockHash)]) -> Result<(), ShellError> {
    let fail = failing("tidy the stored chain".into());
    let s = scope(BLOCKS, TransactionMode::ReadWrite, &fail).await?;
    for (height, hash) in keys {
        let _ = s
            .store
            .delete(Query::Key(block_key(net, *height, hash)))
            .map_err(&fail)?;
    }
    commit(s.tx, &fail).await?;
    Ok(())
}

/// The key range of every `[net, height, hash]` record of network `net`.
fn network_range(
    net: &str,
    fail: &impl Fn(idb::Error) -> ShellError,
) -> Result<KeyRange, ShellError> {
    let from: JsValue = js_sys::Array::of1(&JsValue::from_str(net)).into();
    let to: JsValue =
        js_sys::Array::of2(&JsValue::from_str(net), &JsValue::from_f64(f64::INFINITY)).into();
    KeyRange::bound(&from, &to, None, None).map_err(fail)
}

/// Removes everything stored of network `net`: its block records, a chain
/// stored whole by an earlier version, its pending transactions.
pub async fn delete_network(net: &str) -> Result<(), ShellError> {
    let fail = failing("delete the network's data".into());
    let s = scope(BLOCKS, TransactionMode::ReadWrite, &fail).await?;
    let _ = s
        .store
        .delete(Query::from(network_range(net, &fail)?))
        .map_err(&fail)?;
    commit(s.tx, &fail).await?;
    delete(CHAINS, net).await?;
    delete(POOLS, net).await
}

/// Every block record of network `net` (of every branch), lowest height
/// first.
pub async fn load_blocks(net: &str) -> Result<Vec<String>, ShellError> {
    let fail = failing("read the stored chain".into());
    let s = scope(BLOCKS, TransactionMode::ReadOnly, &fail).await?;
    // Every `[net, height, hash]` lies between `[net]` and `[net, +inf]`.
    let range = network_range(net, &fail)?;
    let values = s
        .store
        .get_all(Some(Query::from(range)), None)
        .map_err(&fail)?
        .await
        .map_err(&fail)?;
    Ok(values.iter().filter_map(JsValue::as_string).collect())
}

/// Removes the record under `key` in object store `store`.
pub async fn delete(store: &str, key: &str) -> Result<(), ShellError> {
    let fail = failing(format!("update {store}"));
    let s = scope(store, TransactionMode::ReadWrite, &fail).await?;
    s.store
        .delete(Query::Key(JsValue::from_str(key)))
        .map_err(&fail)?
        .await
        .map_err(&fail)?;
    commit(s.tx, &fail).await?;
    Ok(())
}
