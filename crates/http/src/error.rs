use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use nichoir_core::{Error, ErrorCode};
use serde_json::json;

/// Every handler returns `ApiResult`: errors become `{"error":{"code","message"}}` (plus `invalid`
/// for a validation failure that names its field and rule, `Error::body`) with the status
/// that `ErrorCode::http_status` decides. 5xx bodies never carry internal detail.
#[derive(Debug)]
pub struct ApiError(pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.code.as_str(), self.0.message)
    }
}

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError(Error::new(code, message))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(
                code = self.0.code.as_str(),
                "request failed: {}",
                self.0.message
            );
        }
        let mut resp = HttpResponse::build(status);
        if let Some(secs) = self.0.retry_after_secs {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        resp.json(json!({"error": self.0.body()}))
    }
}
