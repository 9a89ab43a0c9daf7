//! What goes wrong in polls, and the code each failure answers with.

use nichoir_core::{Error, ErrorCode};
use nichoir_storage::StorageError;

use crate::tally::BallotError;

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("no such poll")]
    NotFound,
    #[error("no such row in this poll")]
    NoSuchVote,
    #[error("this poll is protected by a password")]
    PasswordRequired,
    #[error("wrong password")]
    WrongPassword,
    #[error("this poll is closed")]
    Closed,
    #[error("the deadline has passed: this poll is closed")]
    PastDeadline,
    #[error("{0}")]
    Ballot(#[from] BallotError),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Other(#[from] Error),
}

impl From<PollError> for Error {
    fn from(e: PollError) -> Self {
        let code = match &e {
            PollError::Other(_) => {
                return match e {
                    PollError::Other(inner) => inner,
                    _ => Error::internal("unreachable"),
                }
            }
            PollError::NotFound | PollError::NoSuchVote => ErrorCode::NotFound,
            PollError::PasswordRequired => ErrorCode::PasswordRequired,
            PollError::WrongPassword | PollError::Forbidden(_) => ErrorCode::Forbidden,
            PollError::Closed
            | PollError::PastDeadline
            | PollError::Ballot(BallotError::Full(_)) => ErrorCode::Conflict,
            PollError::Ballot(_) => ErrorCode::ValidationFailed,
        };
        Error::new(code, e.to_string())
    }
}

impl From<StorageError> for PollError {
    fn from(e: StorageError) -> Self {
        PollError::Other(e.into())
    }
}
