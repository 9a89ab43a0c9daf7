use actix_web::{web, HttpResponse};
use nichoir_core::ErrorCode;
use nichoir_http::{ApiError, ApiResult, Ctx};
use serde_json::json;

use crate::server::OpenApiDoc;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness, for a proxy or an orchestrator in front of several nodes: 503 `unavailable`
/// while the server stops (SIGTERM: take it out of rotation) or cannot reach its database.
pub async fn readyz(ctx: web::Data<Ctx>) -> ApiResult<HttpResponse> {
    if ctx.hub.is_stopping() {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "the server is stopping",
        ));
    }
    ctx.db
        .read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await
        .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the database is unreachable"))?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}

pub async fn instance(ctx: web::Data<Ctx>) -> ApiResult<HttpResponse> {
    let c = &ctx.config;
    Ok(HttpResponse::Ok().json(json!({
        "name": c.instance.name,
        "version": nichoir_core::VERSION,
        "base_url": c.public_base_url(),
        "registration": c.instance.registration.as_str(),
        "default_language": c.instance.default_language,
        "setup_required": !ctx.auth.has_admin().await?,
        // "Forgot my password" needs mail.
        "password_reset": ctx.mailer.enabled(),
        "require_two_factor": c.auth.require_two_factor,
        "guests_can_create": c.auth.guests_can_create,
        "deletion_can_erase": c.auth.deletion_can_erase,
        // The login page: provider buttons, whether the form takes directory passwords, and
        // whether it is only for admins.
        "sso": {
            "providers": ctx.auth.oidc_providers(),
            "directory": ctx.auth.has_directory(),
            "password_login": c.auth.password_login,
        },
    })))
}

pub async fn about(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(crate::about::about(&ctx.config))
}

pub async fn openapi(doc: web::Data<OpenApiDoc>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.0)
}

pub async fn check_invite(
    ctx: web::Data<Ctx>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let expires = ctx.auth.check_invite(&token).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"valid": true, "expires_at": nichoir_core::time::rfc3339(expires)})))
}
