//! [`Db`]: what `tabcoind` keeps on disk, in one redb file: every block
//! record the node asks to write (keyed by height and hash, so records read
//! back in height order and branches at one height are kept apart), the
//! pending transactions, and the node's key. Each write is one redb
//! transaction: a process killed at any point leaves the last committed
//! state, which the node revalidates on start.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tabcoin_node::{BlockRecord, StoredChain};

/// Block records: (height, hash) → the block's JSON.
const BLOCKS: TableDefinition<(u64, [u8; 32]), &str> = TableDefinition::new("blocks");
/// Single values: `network` (the id of the network the store holds),
/// `pool` (the pending transactions, JSON), `key` (the node's secret key,
/// hex).
const VALUES: TableDefinition<&str, &str> = TableDefinition::new("values");

/// A storage failure, in one sentence.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct DbError(String);

impl DbError {
    /// A failure described by `why`.
    pub fn new(why: String) -> DbError {
        DbError(why)
    }
}

fn err(e: impl std::fmt::Display) -> DbError {
    DbError(e.to_string())
}

/// Creates `dir` (mode 0700) if it is missing; refuses an existing one
/// that its group or others can enter.
#[cfg(unix)]
fn private_dir(dir: &Path) -> Result<(), DbError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        return std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(err);
    }
    let mode = std::fs::metadata(dir).map_err(err)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(DbError(format!(
            "{} holds the node's secret key but other users can read it (mode {:o}); run `chmod 700 {}` or choose another --data directory",
            dir.display(),
            mode & 0o777,
            dir.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir).map_err(err)
}

/// Makes `file` readable and writable by its owner only (0600).
#[cfg(unix)]
fn private_file(file: &Path) -> Result<(), DbError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(err)
}

#[cfg(not(unix))]
fn private_file(_file: &Path) -> Result<(), DbError> {
    Ok(())
}

/// The node's store on disk.
pub struct Db {
    db: Database,
}

impl Db {
    /// Opens (or creates) `dir/tabcoind.redb`. The store holds the node's
    /// secret key: a new directory is made readable by its owner only
    /// (0700) and the store file too (0600); an existing directory that
    /// others can read is refused with the command that fixes it.
    pub fn open(dir: &Path) -> Result<Db, DbError> {
        private_dir(dir)?;
        let file = dir.join("tabcoind.redb");
        let db = Database::create(&file).map_err(err)?;
        private_file(&file)?;
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(BLOCKS).map_err(err)?;
        tx.open_table(VALUES).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Db { db })
    }

    /// Every block record, lowest height first (None if there are none).
    pub fn chain(&self) -> Result<Option<StoredChain>, DbError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(BLOCKS).map_err(err)?;
        let mut records = Vec::new();
        for entry in table.iter().map_err(err)? {
            let (_, json) = entry.map_err(err)?;
            records.push(json.value().to_owned());
        }
        Ok((!records.is_empty()).then_some(StoredChain::Records(records)))
    }

    /// Writes block records (one transaction).
    pub fn write_blocks(&self, records: &[BlockRecord]) -> Result<(), DbError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut table = tx.open_table(BLOCKS).map_err(err)?;
            for r in records {
                table
                    .insert((r.height, r.hash.0), r.json.as_str())
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Removes block records (one transaction).
    pub fn forget_blocks(&self, keys: &[(u64, tabcoin_chain::BlockHash)]) -> Result<(), DbError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut table = tx.open_table(BLOCKS).map_err(err)?;
            for (height, hash) in keys {
                table.remove((*height, hash.0)).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// A single value.
    pub fn get(&self, key: &str) -> Result<Option<String>, DbError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(VALUES).map_err(err)?;
        Ok(table.get(key).map_err(err)?.map(|v| v.value().to_owned()))
    }

    /// Sets a single value (one transaction).
    pub fn put(&self, key: &str, value: &str) -> Result<(), DbError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(VALUES)
            .map_err(err)?
            .insert(key, value)
            .map_err(err)?;
        tx.commit().map_err(err)
    }
}
