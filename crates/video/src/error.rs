use nichoir_core::{Error, ErrorCode};
use nichoir_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("no such room")]
    NotFound,
    #[error("this room name is taken")]
    NameTaken,
    #[error("{0}")]
    Invalid(String),
    #[error("only the room's moderator may do that")]
    NotModerator,
    #[error("{0}")]
    Other(#[from] Error),
}

pub type VideoResult<T> = Result<T, VideoError>;

impl From<VideoError> for Error {
    fn from(e: VideoError) -> Self {
        let code = match &e {
            VideoError::Other(_) => {
                return match e {
                    VideoError::Other(inner) => inner,
                    _ => Error::internal("unreachable"),
                }
            }
            VideoError::NotFound => ErrorCode::NotFound,
            VideoError::NameTaken => ErrorCode::Conflict,
            VideoError::Invalid(_) => ErrorCode::ValidationFailed,
            VideoError::NotModerator => ErrorCode::Forbidden,
        };
        Error::new(code, e.to_string())
    }
}

impl From<StorageError> for VideoError {
    fn from(e: StorageError) -> Self {
        VideoError::Other(e.into())
    }
}
