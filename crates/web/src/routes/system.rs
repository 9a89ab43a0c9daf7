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

/// The web app manifest: Nichoir installs as an app (Android, iOS home screen, desktop), named
/// after the instance, with shortcuts to the five tools.
/// Pads, polls, chats, calls and wikis are reached by link, and a link shared in one place must
/// not become a search result: search engines may read the instance's own public pages only.
/// (Public wikis that want to be found need a per-wiki choice first; not offered yet.)
pub const ROBOTS: &str =
    "User-agent: *\nAllow: /$\nAllow: /about\nAllow: /terms\nAllow: /privacy\nDisallow: /\n";

pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(ROBOTS)
}

pub async fn manifest(ctx: web::Data<Ctx>) -> HttpResponse {
    let c = &ctx.config;
    let fr = c.instance.default_language == "fr";
    let name = c.instance.name.trim();
    let short: String = name.chars().take(12).collect();
    let tools = [
        ("/pads", "Pads", "Pads"),
        ("/polls", "Polls", "Sondages"),
        ("/chat", "Chat", "Discussion"),
        ("/video", "Video calls", "Visio"),
        ("/wikis", "Wikis", "Wikis"),
    ];
    let shortcuts: Vec<serde_json::Value> = tools
        .iter()
        .map(|(url, en, fr_name)| json!({"name": if fr { fr_name } else { en }, "url": url}))
        .collect();
    let icon = |src: &str, size: &str, kind: &str, purpose: &str| json!({"src": src, "sizes": size, "type": kind, "purpose": purpose});
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .json(json!({
            "id": "/",
            "name": name,
            "short_name": short,
            "description": if fr {
                "Pads, sondages, discussion, visio et wikis, chez votre hébergeur"
            } else {
                "Pads, polls, chat, video calls and wikis, on your own host"
            },
            "lang": c.instance.default_language,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f7f7f9",
            "theme_color": "#5b5bd6",
            "icons": [
                icon("/assets/icons/icon-192.png", "192x192", "image/png", "any"),
                icon("/assets/icons/icon-512.png", "512x512", "image/png", "any"),
                icon("/assets/icons/maskable-512.png", "512x512", "image/png", "maskable"),
                icon("/assets/favicon.svg", "any", "image/svg+xml", "any"),
            ],
            "shortcuts": shortcuts,
        }))
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
