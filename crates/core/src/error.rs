//! One error vocabulary for the whole product: stable snake_case codes that the UI translates, one
//! mapping to an HTTP status, and a message that never carries internal details for 5xx errors.

use serde::{Deserialize, Serialize};

/// Stable error codes. Adding one is fine; renaming one breaks clients.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "core/")]
pub enum ErrorCode {
    BadRequest,
    InvalidJson,
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    CsrfFailed,
    /// The instance requires two-factor sign-in and this account has not set it up yet.
    TwoFactorRequired,
    OriginRejected,
    RegistrationClosed,
    InviteRequired,
    PasswordRequired,
    NotFound,
    MethodNotAllowed,
    Conflict,
    UsernameTaken,
    PayloadTooLarge,
    /// An upload or import would take its owner past their storage quota.
    QuotaExceeded,
    HeadersTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    RateLimited,
    Unavailable,
    /// A sign-in through an OpenID Connect provider did not prove who the person is (a forged,
    /// replayed or expired state, a token that does not verify, a refused account).
    SsoFailed,
    /// The LDAP directory does not answer: directory accounts cannot sign in for now.
    DirectoryUnavailable,
    /// The action needs a recent sign-in: the account has no password of Nichoir's to ask for.
    ReauthenticationRequired,
    /// Realtime (pads): the pad was deleted while open.
    PadDeleted,
    /// Realtime (pads): an edit or a request names a revision the pad does not have yet.
    RevFromFuture,
    /// Realtime (pads): an edit or a frame that cannot be read or does not fit the text.
    InvalidOp,
    /// Realtime (pads): one edit inserts or deletes more than an edit may.
    OpTooLarge,
    /// Realtime (pads): the edit would take the pad past its maximum size.
    PadTooLarge,
    /// Realtime (video): the call's media connection failed or moved to another server; the
    /// client joins again.
    MediaFailed,
    Internal,
}

impl ErrorCode {
    /// The code named `s` (`"not_found"`…), if there is one.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::TwoFactorRequired => "two_factor_required",
            ErrorCode::OriginRejected => "origin_rejected",
            ErrorCode::RegistrationClosed => "registration_closed",
            ErrorCode::InviteRequired => "invite_required",
            ErrorCode::PasswordRequired => "password_required",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::HeadersTooLarge => "headers_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::SsoFailed => "sso_failed",
            ErrorCode::DirectoryUnavailable => "directory_unavailable",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::PadDeleted => "pad_deleted",
            ErrorCode::RevFromFuture => "rev_from_future",
            ErrorCode::InvalidOp => "invalid_op",
            ErrorCode::OpTooLarge => "op_too_large",
            ErrorCode::PadTooLarge => "pad_too_large",
            ErrorCode::MediaFailed => "media_failed",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status for this code; the only place that decides it.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::InvalidJson | ErrorCode::SsoFailed => 400,
            ErrorCode::Unauthenticated
            | ErrorCode::InvalidCredentials
            | ErrorCode::ReauthenticationRequired => 401,
            ErrorCode::Forbidden
            | ErrorCode::CsrfFailed
            | ErrorCode::TwoFactorRequired
            | ErrorCode::OriginRejected
            | ErrorCode::RegistrationClosed
            | ErrorCode::InviteRequired
            | ErrorCode::PasswordRequired => 403,
            ErrorCode::NotFound | ErrorCode::PadDeleted => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict | ErrorCode::UsernameTaken => 409,
            ErrorCode::PayloadTooLarge
            | ErrorCode::QuotaExceeded
            | ErrorCode::OpTooLarge
            | ErrorCode::PadTooLarge => 413,
            ErrorCode::HeadersTooLarge => 431,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed | ErrorCode::RevFromFuture | ErrorCode::InvalidOp => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable | ErrorCode::DirectoryUnavailable | ErrorCode::MediaFailed => {
                503
            }
            ErrorCode::Internal => 500,
        }
    }
}

/// An error that can travel from any layer up to the HTTP edge.
#[derive(Debug, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Error {
    pub code: ErrorCode,
    /// Shown to the client. For `Internal` this is always a generic sentence.
    pub message: String,
    /// Seconds after which a throttled client may retry.
    pub retry_after_secs: Option<u64>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, m)
    }
    pub fn validation(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, m)
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "sign in first")
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, m)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Error {
            code: ErrorCode::RateLimited,
            message: format!("too many attempts, retry in {retry_after_secs} s"),
            retry_after_secs: Some(retry_after_secs),
        }
    }
    /// An internal failure: the cause is logged here and never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing_free_log(&cause.to_string());
        Self::new(ErrorCode::Internal, "internal error, see the server log")
    }
}

// core has no tracing dependency; internal causes are logged by the HTTP edge, which sees the
// error; this keeps the cause visible on stderr when no edge logs it.
fn tracing_free_log(cause: &str) {
    eprintln!("internal error: {cause}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_statuses_honest() {
        assert_eq!(ErrorCode::CsrfFailed.as_str(), "csrf_failed");
        assert_eq!(
            serde_json::to_string(&ErrorCode::UsernameTaken).unwrap_or_default(),
            "\"username_taken\""
        );
        assert_eq!(ErrorCode::ValidationFailed.http_status(), 422);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        // Every code's text is its serde name (the realtime frames and HTTP answers agree).
        for code in [
            ErrorCode::PadDeleted,
            ErrorCode::RevFromFuture,
            ErrorCode::InvalidOp,
            ErrorCode::OpTooLarge,
            ErrorCode::PadTooLarge,
            ErrorCode::MediaFailed,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(
            Error::internal("db exploded").message,
            "internal error, see the server log"
        );
    }
}
