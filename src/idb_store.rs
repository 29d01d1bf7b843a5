//! Accounts in IndexedDB (through the `idb` crate): database `tabcoin`,
//! object store `accounts`, one JSON record per account keyed by address.
//! IndexedDB survives reloads and browser restarts and is shared by the tabs
//! of one browser profile.

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode};
use wasm_bindgen::JsValue;

use crate::accounts::Account;

const DB_NAME: &str = "tabcoin";
const DB_VERSION: u32 = 1;
const ACCOUNTS: &str = "accounts";

async fn open() -> Result<Database, String> {
    let factory = Factory::new().map_err(|e| format!("IndexedDB is not available: {e}"))?;
    let mut request = factory
        .open(DB_NAME, Some(DB_VERSION))
        .map_err(|e| format!("cannot open the account store: {e}"))?;
    request.on_upgrade_needed(|event| {
        if let Ok(db) = event.database()
            && !db.store_names().iter().any(|n| n == ACCOUNTS)
        {
            // Out-of-line keys: records are JSON strings keyed by address.
            let _ = db.create_object_store(ACCOUNTS, ObjectStoreParams::new());
        }
    });
    request
        .await
        .map_err(|e| format!("cannot open the account store: {e}"))
}

/// Every stored account, oldest first. Unreadable records are skipped.
pub async fn load_accounts() -> Result<Vec<Account>, String> {
    let db = open().await?;
    let tx = db
        .transaction(&[ACCOUNTS], TransactionMode::ReadOnly)
        .map_err(|e| format!("cannot read accounts: {e}"))?;
    let store = tx
        .object_store(ACCOUNTS)
        .map_err(|e| format!("cannot read accounts: {e}"))?;
    let values = store
        .get_all(None, None)
        .map_err(|e| format!("cannot read accounts: {e}"))?
        .await
        .map_err(|e| format!("cannot read accounts: {e}"))?;
    let mut accounts: Vec<Account> = values
        .iter()
        .filter_map(JsValue::as_string)
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect();
    accounts.sort_by_key(|a| a.created);
    Ok(accounts)
}

/// Stores (or replaces) an account.
pub async fn save_account(account: &Account) -> Result<(), String> {
    let json = serde_json::to_string(account).map_err(|e| e.to_string())?;
    let db = open().await?;
    let tx = db
        .transaction(&[ACCOUNTS], TransactionMode::ReadWrite)
        .map_err(|e| format!("cannot save the account: {e}"))?;
    let store = tx
        .object_store(ACCOUNTS)
        .map_err(|e| format!("cannot save the account: {e}"))?;
    store
        .put(
            &JsValue::from_str(&json),
            Some(&JsValue::from_str(&account.address)),
        )
        .map_err(|e| format!("cannot save the account: {e}"))?
        .await
        .map_err(|e| format!("cannot save the account: {e}"))?;
    tx.commit()
        .map_err(|e| format!("cannot save the account: {e}"))?
        .await
        .map_err(|e| format!("cannot save the account: {e}"))?;
    Ok(())
}
