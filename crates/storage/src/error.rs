use nichoir_core::{Error, ErrorCode};

use crate::sql::SqlError;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    Sql(#[from] SqlError),
    #[error(transparent)]
    Domain(#[from] Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("migration: {0}")]
    Migration(String),
    #[error("the database is closed")]
    Closed,
    #[error("{0}")]
    Invalid(String),
    /// The database server could not be reached (a lost connection at COMMIT, say).
    #[error("{0}")]
    Unreachable(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Sql(SqlError::Sqlite(e))
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Domain(e) => e,
            StorageError::Closed => {
                Error::new(ErrorCode::Unavailable, "the server is shutting down")
            }
            StorageError::Sql(SqlError::Sqlite(rusqlite::Error::SqliteFailure(f, _)))
                if f.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Error::new(ErrorCode::Unavailable, "the database is busy, retry")
            }
            // PostgreSQL cannot store U+0000 in text (SQLite can): the input's fault, not the
            // server's. Inputs that check their characters never get here.
            StorageError::Sql(SqlError::Postgres(p))
                if p.code() == Some(&postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE)
                    || p.code() == Some(&postgres::error::SqlState::UNTRANSLATABLE_CHARACTER) =>
            {
                Error::validation("text cannot hold the NUL character (U+0000)")
            }
            // The database server went away (restart, failover, network): nothing was done, the
            // connection is replaced on the next try.
            e if is_unreachable(&e) => {
                tracing::warn!(error = %e, "database unreachable");
                Error::new(
                    ErrorCode::Unavailable,
                    "the database cannot be reached, retry in a moment",
                )
            }
            other => Error::internal(other),
        }
    }
}

/// True when the database server went away (or, on SQLite, stayed locked past the busy
/// timeout) rather than the statement failing: a retry will do.
pub(crate) fn is_unreachable(e: &StorageError) -> bool {
    match e {
        StorageError::Unreachable(_) => true,
        StorageError::Sql(SqlError::Postgres(p)) => postgres_unreachable(p),
        StorageError::Sql(SqlError::Sqlite(rusqlite::Error::SqliteFailure(f, _))) => {
            f.code == rusqlite::ErrorCode::DatabaseBusy
        }
        _ => false,
    }
}

/// A lost or refused connection, or a server shutting down: not the statement's fault.
fn postgres_unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            let c = code.code();
            // Class 08: connection exception; 57P01-03: shutdown, crash, cannot connect now.
            c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03")
        }
        // No SQLSTATE and not about a value: the socket itself failed (refused, reset, timeout).
        None => {
            e.as_db_error().is_none()
                && std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        }
    }
}

/// True when a write failed on a UNIQUE constraint (a name already taken).
pub fn is_unique_violation(e: &StorageError) -> bool {
    match e {
        StorageError::Sql(SqlError::Sqlite(rusqlite::Error::SqliteFailure(f, _))) => {
            f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        }
        StorageError::Sql(SqlError::Postgres(p)) => {
            p.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
        }
        _ => false,
    }
}
