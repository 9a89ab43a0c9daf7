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
            other => Error::internal(other),
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
