//! The only crate that touches SQLite. One writer thread that every write goes through (in a
//! `BEGIN IMMEDIATE` transaction), a pool of read-only connections used from blocking tasks,
//! versioned migrations owned by each crate, the data folder layout, backup and restore.

mod backup;
pub mod blobs;
mod datadir;
mod db;
mod error;
mod migrate;

pub use backup::{create_backup, prune_backups, restore_backup, BackupManifest};
pub use datadir::{DataDir, DataDirLock};
pub use db::{Db, DbOptions};
pub use error::{is_unique_violation, StorageError};
pub use migrate::{applied_versions, Migration, MigrationSet};
pub use rusqlite;
pub use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

/// Converts a row read into an application error (used with `?` inside closures).
pub type SResult<T> = Result<T, StorageError>;
