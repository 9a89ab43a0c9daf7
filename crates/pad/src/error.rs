//! Pad failures and the codes their error frames carry.

use nichoir_core::{Error, ErrorCode};
use nichoir_realtime::owner::Failure;
use nichoir_storage::StorageError;

/// Pad failures, each with a stable code sent in error frames.
#[derive(Debug, thiserror::Error)]
pub enum PadError {
    #[error("no such pad")]
    NotFound,
    #[error("this pad was deleted")]
    Deleted,
    #[error("revision {0} does not exist yet")]
    RevFromFuture(u64),
    #[error("invalid edit: {0}")]
    InvalidOp(String),
    #[error("the edit is too large")]
    OpTooLarge,
    #[error("the pad would exceed its maximum size")]
    PadTooLarge,
    #[error("a pad with this name already exists")]
    NameTaken,
    #[error("this pad is protected by a password")]
    PasswordRequired,
    #[error("{0}")]
    Other(#[from] Error),
}

impl PadError {
    /// The error another node's answer named (`code` and message, as `code()` and Display
    /// gave them there).
    pub(crate) fn from_remote(code: &str, message: &str) -> PadError {
        match code {
            "not_found" => PadError::NotFound,
            "pad_deleted" => PadError::Deleted,
            "invalid_op" => PadError::InvalidOp(
                message
                    .strip_prefix("invalid edit: ")
                    .unwrap_or(message)
                    .to_string(),
            ),
            "op_too_large" => PadError::OpTooLarge,
            "pad_too_large" => PadError::PadTooLarge,
            "password_required" => PadError::PasswordRequired,
            "rev_from_future" => PadError::RevFromFuture(
                message
                    .split_whitespace()
                    .find_map(|w| w.parse().ok())
                    .unwrap_or(0),
            ),
            _ => PadError::Other(Failure::new(code, message).into_error()),
        }
    }

    /// The code an error frame carries (HTTP answers say `not_found` for a deleted pad, see
    /// `From<PadError> for Error`).
    pub fn code(&self) -> ErrorCode {
        match self {
            PadError::NotFound => ErrorCode::NotFound,
            PadError::Deleted => ErrorCode::PadDeleted,
            PadError::RevFromFuture(_) => ErrorCode::RevFromFuture,
            PadError::InvalidOp(_) => ErrorCode::InvalidOp,
            PadError::OpTooLarge => ErrorCode::OpTooLarge,
            PadError::PadTooLarge => ErrorCode::PadTooLarge,
            PadError::NameTaken => ErrorCode::Conflict,
            PadError::PasswordRequired => ErrorCode::PasswordRequired,
            PadError::Other(e) => e.code,
        }
    }
}

impl From<StorageError> for PadError {
    fn from(e: StorageError) -> Self {
        PadError::Other(e.into())
    }
}

impl From<PadError> for Error {
    fn from(e: PadError) -> Self {
        match e {
            PadError::Other(e) => e,
            PadError::NotFound | PadError::Deleted => Error::not_found(e.to_string()),
            PadError::NameTaken => Error::conflict(e.to_string()),
            PadError::PasswordRequired => Error::new(ErrorCode::PasswordRequired, e.to_string()),
            PadError::OpTooLarge | PadError::PadTooLarge => {
                Error::new(ErrorCode::PayloadTooLarge, e.to_string())
            }
            PadError::RevFromFuture(_) | PadError::InvalidOp(_) => Error::validation(e.to_string()),
        }
    }
}

/// An edit's answer was dropped unsent (cannot happen: every taken edit is answered).
pub(super) fn lost() -> PadError {
    PadError::Other(Error::internal("edit lost before it was stored"))
}

/// Another node owns the pad now (this one's state is stale): the editor sends the edit again.
pub(super) fn moved_elsewhere() -> PadError {
    PadError::Other(Error::new(
        ErrorCode::Unavailable,
        "this pad moved to another server: send the edit again",
    ))
}

/// The same failure for every edit of a batch (errors are not Clone because of their sources).
pub(super) fn clone_error(e: &PadError, code: ErrorCode) -> PadError {
    match (e, code) {
        (PadError::NotFound, _) => PadError::NotFound,
        (PadError::Deleted, _) => PadError::Deleted,
        (_, ErrorCode::Unavailable) => {
            PadError::Other(Error::new(ErrorCode::Unavailable, e.to_string()))
        }
        _ => PadError::Other(Error::internal(e)),
    }
}
