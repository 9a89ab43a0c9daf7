//! CSRF and Origin checks for every state-changing request.
//!
//! - A request from another origin (`Origin` header, or `Sec-Fetch-Site: cross-site`) is refused.
//! - A request authenticated by a cookie (session or guest) must carry `X-CSRF-Token`, an HMAC of
//!   that cookie; a cross-site page can neither read it nor set the header.
//! - Bearer-token requests carry no ambient credential and need no token.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, ResponseError};
use nichoir_auth::{GUEST_COOKIE, SESSION_COOKIE};
use nichoir_core::ErrorCode;

use crate::context::origin_of;
use crate::{read_cookie, ApiError, Ctx};

/// Routes that establish a session: they check Origin but cannot require a token yet.
const SESSION_STARTERS: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/auth/login/second-factor",
    "/api/v1/auth/register",
    "/api/v1/setup",
];

/// Is this request's Origin (if any) the instance's own? Also used for WebSocket upgrades.
pub fn origin_allowed(req: &HttpRequest, ctx: &Ctx) -> bool {
    if req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return false;
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true; // not a browser, or a same-origin GET: nothing to check
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    if origin == ctx.public_origin() {
        return true;
    }
    // Without a configured base URL, accept the origin the request was addressed to.
    if ctx.config.server.base_url.is_empty() {
        let conn = req.connection_info();
        return origin == origin_of(&format!("{}://{}", conn.scheme(), conn.host()));
    }
    false
}

fn check(req: &HttpRequest, ctx: &Ctx) -> Result<(), ApiError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if !origin_allowed(req, ctx) {
        return Err(ApiError::new(
            ErrorCode::OriginRejected,
            "request from another origin refused",
        ));
    }
    if req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    if SESSION_STARTERS.contains(&req.path()) {
        return Ok(());
    }
    let cookies: Vec<String> = [SESSION_COOKIE, GUEST_COOKIE]
        .iter()
        .filter_map(|c| read_cookie(req, c))
        .collect();
    if cookies.is_empty() {
        return Ok(());
    }
    let presented = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if cookies.iter().any(|c| ctx.auth.csrf().verify(c, presented)) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::CsrfFailed,
            "missing or wrong X-CSRF-Token header (get one from GET /api/v1/me or /api/v1/guest)",
        ))
    }
}

/// Middleware (`from_fn`) applied to the API scope.
pub async fn csrf_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(ctx) = req.app_data::<web::Data<Ctx>>() {
        if let Err(e) = check(req.request(), ctx) {
            let resp = e.error_response();
            return Ok(req.into_response(resp));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
