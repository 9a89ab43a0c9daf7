//! The only crate that touches the database driver (`sql`: the facade the stores use). One writer thread that every write goes through (in a
//! `BEGIN IMMEDIATE` transaction), a pool of read-only connections used from blocking tasks,
//! versioned migrations owned by each crate, the data folder layout, backup and restore (SQLite's
//! online backup API, PostgreSQL's `pg_dump`).

mod backup;
pub mod blobs;
pub mod compact;
pub mod copy;
mod datadir;
mod db;
mod error;
mod migrate;
mod pg;
mod pg_tls;
mod pgdump;
pub mod search;
mod sql;
#[doc(hidden)]
pub mod testing;
mod usage;

pub use backup::{create_backup, prune_backups, restore_backup, BackupManifest, Engine};
pub use blobs::Blobs;
pub use datadir::{DataDir, DataDirLock};
pub use db::{describe_backend, Db, DbOptions, SessionLock, WriterStats};
pub use error::{is_unique_violation, StorageError};
pub use migrate::{applied_versions, Migration, MigrationSet, MigrationStep};
pub use sql::{
    in_chunks, values_placeholders, Connection, Dialect, FromValue, MappedRows, OptionalExtension,
    Params, Row, RowIndex, Rows, SqlError, SqlResult, SqlType, Statement, ToValue, Typed, ValueRef,
    MAX_IN_LIST,
};
pub use usage::StoredUsage;

/// Converts a row read into an application error (used with `?` inside closures).
pub type SResult<T> = Result<T, StorageError>;
