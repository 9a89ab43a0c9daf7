//! What goes wrong in wikis, and the code each failure answers with.

use nichoir_core::{Error, ErrorCode};
use nichoir_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum WikiError {
    #[error("no such wiki")]
    NoWiki,
    #[error("no page of that name in this wiki")]
    NoPage,
    /// A page the asker may read was deleted (its history is kept): answered as a missing page
    /// that says so, so the page view needs no second request to offer restoring it.
    #[error("this page was deleted; its history is kept")]
    DeletedPage,
    #[error("you may not read this wiki")]
    CannotView,
    #[error("you may not edit this page")]
    CannotEdit,
    #[error("only this wiki's admins may do this")]
    NotAdmin,
    #[error("the address /w/{0}/ is taken")]
    SlugTaken(String),
    #[error("a page named \"{0}\" exists already")]
    PageExists(String),
    #[error("too many edits from your address; wait a little")]
    Throttled(u64),
    #[error("{0}")]
    Other(#[from] Error),
}

impl From<WikiError> for Error {
    fn from(e: WikiError) -> Self {
        let code = match &e {
            WikiError::Other(_) => {
                return match e {
                    WikiError::Other(inner) => inner,
                    _ => Error::internal("unreachable"),
                }
            }
            WikiError::NoWiki | WikiError::NoPage | WikiError::DeletedPage => ErrorCode::NotFound,
            WikiError::CannotView | WikiError::CannotEdit | WikiError::NotAdmin => {
                ErrorCode::Forbidden
            }
            WikiError::SlugTaken(_) | WikiError::PageExists(_) => ErrorCode::Conflict,
            WikiError::Throttled(secs) => {
                let mut err = Error::new(ErrorCode::RateLimited, e.to_string());
                err.retry_after_secs = Some(*secs);
                return err;
            }
        };
        Error::new(code, e.to_string())
    }
}

impl From<StorageError> for WikiError {
    fn from(e: StorageError) -> Self {
        WikiError::Other(e.into())
    }
}

pub type WikiResult<T> = Result<T, WikiError>;
