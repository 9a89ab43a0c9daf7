use actix_web::{web, HttpResponse};
use nichoir_core::ErrorCode;
use nichoir_http::{ApiError, ApiResult, Ctx};

use nichoir_core::config::Registration;

use crate::server::OpenApiDoc;

/// `GET /healthz` and `GET /readyz` when all is well.
#[derive(serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "web/")]
pub struct Health {
    /// "ok" (alive) or "ready" (ready to serve).
    pub status: &'static str,
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
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
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

/// Who must use two-factor sign-in (`auth.require_two_factor`).
#[derive(Debug, Clone, Copy, serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "web/")]
pub enum TwoFactorRule {
    Off,
    Admins,
    Everyone,
}

impl From<nichoir_core::config::RequireTwoFactor> for TwoFactorRule {
    fn from(r: nichoir_core::config::RequireTwoFactor) -> Self {
        use nichoir_core::config::RequireTwoFactor as R;
        match r {
            R::Off => TwoFactorRule::Off,
            R::Admins => TwoFactorRule::Admins,
            R::Everyone => TwoFactorRule::Everyone,
        }
    }
}

/// `GET /api/v1/instance`: what every page needs to know of the instance.
#[derive(serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "web/")]
pub struct Instance {
    pub name: String,
    pub version: &'static str,
    pub base_url: String,
    pub registration: Registration,
    /// "en" or "fr".
    #[ts(type = "\"en\" | \"fr\"")]
    pub default_language: String,
    /// No admin yet: the setup link is waiting.
    pub setup_required: bool,
    /// Whether "forgot my password" works here (the instance sends mail).
    pub password_reset: bool,
    /// Who must use two-factor sign-in.
    pub require_two_factor: TwoFactorRule,
    /// Whether people without an account may create pads, polls and video rooms.
    pub guests_can_create: bool,
    /// Whether deleting an account may also erase what the person wrote that can go alone.
    pub deletion_can_erase: bool,
    /// The sites that may show pads, polls and wiki pages in a frame (empty: none).
    pub embed_allowed_origins: Vec<String>,
    /// Single sign-on: provider buttons, directory accounts, who keeps a password.
    pub sso: nichoir_auth::Sso,
}

pub async fn instance(ctx: web::Data<Ctx>) -> ApiResult<HttpResponse> {
    let c = ctx.live.get();
    Ok(HttpResponse::Ok().json(Instance {
        name: c.instance.name.clone(),
        version: nichoir_core::VERSION,
        base_url: c.public_base_url(),
        registration: c.instance.registration,
        default_language: c.instance.default_language.clone(),
        setup_required: !ctx.auth.has_admin().await?,
        // "Forgot my password" needs mail.
        password_reset: ctx.mailer.enabled(),
        require_two_factor: c.auth.require_two_factor.into(),
        guests_can_create: c.auth.guests_can_create,
        deletion_can_erase: c.auth.deletion_can_erase,
        // The sites that may frame pads, polls and wiki pages (the share menus offer embed code
        // when there is one); the pages' CSP says as much to anyone.
        embed_allowed_origins: c.instance.embed_allowed_origins.clone(),
        // The login page: provider buttons, whether the form takes directory passwords, and
        // whether it is only for admins.
        sso: ctx.auth.sso(c.auth.password_login),
    }))
}

/// What search engines may read: the instance's public pages, and the public wikis whose admins
/// opted in (crate::robots). If the list cannot be read, none is open.
pub async fn robots(wikis: web::Data<std::sync::Arc<nichoir_wiki::WikiService>>) -> HttpResponse {
    let open = wikis.indexable_slugs().await.unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        // Short: a wiki taken out of search engines should say so soon.
        .insert_header(("Cache-Control", "public, max-age=600"))
        .body(crate::robots::robots_txt(&open))
}

/// The web app manifest: Nichoir installs as an app (Android, iOS home screen, desktop), named
/// after the instance, with shortcuts to the five tools.
pub async fn manifest(ctx: web::Data<Ctx>) -> HttpResponse {
    let c = ctx.live.get();
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
    let shortcuts = tools
        .iter()
        .map(|&(url, en, fr_name)| ManifestShortcut {
            name: if fr { fr_name } else { en },
            url,
        })
        .collect();
    let icon = |src, sizes, kind, purpose| ManifestIcon {
        src,
        sizes,
        kind,
        purpose,
    };
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .json(WebManifest {
            id: "/",
            name,
            short_name: &short,
            description: if fr {
                "Pads, sondages, discussion, visio et wikis, chez votre hébergeur"
            } else {
                "Pads, polls, chat, video calls and wikis, on your own host"
            },
            lang: &c.instance.default_language,
            start_url: "/",
            scope: "/",
            display: "standalone",
            background_color: "#f7f7f9",
            theme_color: "#5b5bd6",
            icons: [
                icon("/assets/icons/icon-192.png", "192x192", "image/png", "any"),
                icon("/assets/icons/icon-512.png", "512x512", "image/png", "any"),
                icon(
                    "/assets/icons/maskable-512.png",
                    "512x512",
                    "image/png",
                    "maskable",
                ),
                icon("/assets/favicon.svg", "any", "image/svg+xml", "any"),
            ],
            shortcuts,
        })
}

/// The W3C web app manifest's members that Nichoir sets.
#[derive(serde::Serialize)]
struct WebManifest<'a> {
    id: &'a str,
    name: &'a str,
    short_name: &'a str,
    description: &'a str,
    lang: &'a str,
    start_url: &'a str,
    scope: &'a str,
    display: &'a str,
    background_color: &'a str,
    theme_color: &'a str,
    icons: [ManifestIcon<'a>; 4],
    shortcuts: Vec<ManifestShortcut<'a>>,
}

#[derive(serde::Serialize)]
struct ManifestIcon<'a> {
    src: &'a str,
    sizes: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    purpose: &'a str,
}

#[derive(serde::Serialize)]
struct ManifestShortcut<'a> {
    name: &'a str,
    url: &'a str,
}

pub async fn about(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(crate::about::about(&ctx.live.get()))
}

/// The OpenAPI document is an object of its own specification (OpenAPI 3.1), not described here.
pub type OpenApiObject = serde_json::Map<String, serde_json::Value>;

pub async fn openapi(doc: web::Data<OpenApiDoc>) -> ApiResult<HttpResponse> {
    let doc = doc.into_inner();
    let body = web::block(move || doc.body())
        .await
        .map_err(|_| ApiError::new(ErrorCode::Internal, "making the OpenAPI document failed"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

pub async fn check_invite(
    ctx: web::Data<Ctx>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let expires = ctx.auth.check_invite(&token).await?;
    Ok(HttpResponse::Ok().json(InviteCheck {
        valid: true,
        expires_at: nichoir_core::time::rfc3339(expires),
    }))
}

/// An invitation that can still be used (an unusable one answers 404).
#[derive(serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "auth/")]
pub struct InviteCheck {
    /// Always true.
    pub valid: bool,
    pub expires_at: String,
}

/// The CHATONS machine-readable description of this service (a `.properties` file of the
/// ChatonsInfos ontology: `file.*`, `service.*`, `software.*`, `host.*`), from the same facts as
/// the About page, for the collective's statistics and directory. Facts not given stay empty.
pub async fn chatonsinfos(ctx: web::Data<Ctx>) -> HttpResponse {
    let c = ctx.live.get();
    let t = &c.transparency;
    let registration = match c.instance.registration {
        nichoir_core::config::Registration::Open => ("Free", "open"),
        nichoir_core::config::Registration::InviteOnly => ("Member", "open"),
        nichoir_core::config::Registration::Closed => ("Member", "full"),
    };
    let base = c.public_base_url();
    let fields: Vec<(&str, String)> = vec![
        ("file.class", "service".into()),
        ("file.protocol", "ChatonsInfos-0.5".into()),
        (
            "file.datetime",
            nichoir_core::time::rfc3339(nichoir_core::time::now_ms()),
        ),
        (
            "file.generator",
            format!("Nichoir {}", nichoir_core::VERSION),
        ),
        ("service.name", c.instance.name.clone()),
        (
            "service.description",
            "Pads, polls, chat, video calls and wikis (Nichoir)".into(),
        ),
        ("service.website", base.clone()),
        ("service.legal.url", format!("{base}/about#legal")),
        ("service.guide.technical", format!("{base}/about")),
        ("service.contact.url", t.contact_url.clone()),
        ("service.contact.email", t.contact_email.clone()),
        ("service.registration", registration.0.into()),
        ("service.registration.load", registration.1.into()),
        ("service.install.type", "package".into()),
        ("software.name", "Nichoir".into()),
        ("software.version", nichoir_core::VERSION.into()),
        ("software.license.name", "AGPL-3.0-or-later".into()),
        (
            "software.license.url",
            "https://www.gnu.org/licenses/agpl-3.0.html".into(),
        ),
        // The public repository when the host names one, else the source this binary serves.
        (
            "software.source.url",
            if t.source_url.trim().is_empty() {
                format!("{base}{}", crate::source::PATH)
            } else {
                t.source_url.clone()
            },
        ),
        ("host.name", t.hosting_provider.clone()),
        ("host.country.name", t.hosting_country.clone()),
    ];
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .body(properties(&fields))
}

/// A `.properties` text (UTF-8, as ChatonsInfos reads it): one `key = value` per line, line
/// breaks and backslashes escaped so that a value never starts another key.
fn properties(fields: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (key, value) in fields {
        let value = value
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(&value);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn properties_values_never_break_lines() {
        let text = super::properties(&[
            ("service.name", "Asso\nfile.class = evil".to_string()),
            ("host.name", "a\\b".to_string()),
        ]);
        assert_eq!(
            text,
            "service.name = Asso\\nfile.class = evil\nhost.name = a\\\\b\n"
        );
        assert_eq!(text.lines().count(), 2);
    }
}
