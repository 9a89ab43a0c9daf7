//! Body and parameter parsing errors in the one error shape: broken JSON is 400, JSON of the wrong
//! shape (unknown field, wrong type) is 422, too big is 413, not JSON at all is 415.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::web;
use nichoir_core::ErrorCode;

use crate::ApiError;

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| {
            let e = match &err {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                }
                JsonPayloadError::ContentType => ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send JSON with Content-Type: application/json",
                ),
                JsonPayloadError::Deserialize(de) if de.is_data() => {
                    ApiError::new(ErrorCode::ValidationFailed, de.to_string())
                }
                JsonPayloadError::Deserialize(de) => {
                    ApiError::new(ErrorCode::InvalidJson, format!("malformed JSON: {de}"))
                }
                other => ApiError::new(ErrorCode::BadRequest, other.to_string()),
            };
            e.into()
        })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _| {
        ApiError::new(ErrorCode::NotFound, format!("bad path parameter: {err}")).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _| {
        ApiError::new(ErrorCode::BadRequest, format!("bad query string: {err}")).into()
    })
}
