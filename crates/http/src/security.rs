//! Security headers on every response: a CSP that allows only this origin, no framing, no MIME
//! sniffing, no referrer leaks, HSTS over HTTPS.
//!
//! Framing: nothing may be shown in another site's frame, except the pages of a pad, a poll and a
//! wiki page when the instance lists sites in `instance.embed_allowed_origins` (read per request:
//! admins change the list while the server runs). Those pages then say `frame-ancestors` with the
//! list instead of `'none'`, and no `X-Frame-Options` (its only values, DENY and SAMEORIGIN,
//! cannot name another site). The API, admin and account pages stay unframeable whatever the list.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use crate::Ctx;

const CSP_HEAD: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    media-src 'self' blob:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; ";
const CSP_TAIL: &str = "; base-uri 'self'; form-action 'self'; object-src 'none'";

pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    media-src 'self' blob:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

const PERMISSIONS: &str =
    "camera=(self), microphone=(self), display-capture=(self), geolocation=(), interest-cohort=()";

/// Is `path` the page of a pad (`/p/{id}`), a poll (`/poll/{id}`, not its admin page nor the
/// form for a new one) or a wiki page (`/w/{slug}`, `/w/{slug}/{Page}`, not the wiki's own
/// `_settings`, `_files`…, nor the editor or the history)?
pub fn embeddable_path(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["p", id] => !id.is_empty(),
        ["poll", id] => !id.is_empty() && *id != "new" && *id != "admin",
        ["w", slug] => !slug.is_empty(),
        ["w", slug, page] => !slug.is_empty() && !page.is_empty() && !page.starts_with('_'),
        _ => false,
    }
}

/// The CSP of a page that `origins` may frame (checked origins, see `config::is_origin`).
pub fn embeddable_csp(origins: &[String]) -> String {
    format!("{CSP_HEAD}frame-ancestors {}{CSP_TAIL}", origins.join(" "))
}

fn set(resp: &mut ServiceResponse<BoxBody>, name: &'static str, value: &str) {
    let headers = resp.headers_mut();
    let name = HeaderName::from_static(name);
    // A handler that chose its own (the sandboxed pad export) keeps it.
    if headers.contains_key(&name) {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// Middleware (`from_fn`) adding the headers to every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let ctx = req.app_data::<web::Data<Ctx>>().cloned();
    let path_embeddable =
        matches!(*req.method(), Method::GET | Method::HEAD) && embeddable_path(req.path());
    let mut resp = next.call(req).await?.map_into_boxed_body();
    let (https, origins) = match &ctx {
        Some(ctx) => {
            let live = ctx.live.get();
            let origins = if path_embeddable {
                live.instance.embed_allowed_origins.clone()
            } else {
                Vec::new()
            };
            (ctx.config.is_https(), origins)
        }
        None => (false, Vec::new()),
    };
    if origins.is_empty() {
        set(&mut resp, "content-security-policy", CSP);
        set(&mut resp, "x-frame-options", "DENY");
    } else {
        set(
            &mut resp,
            "content-security-policy",
            &embeddable_csp(&origins),
        );
    }
    set(&mut resp, "x-content-type-options", "nosniff");
    set(&mut resp, "referrer-policy", "no-referrer");
    set(&mut resp, "cross-origin-opener-policy", "same-origin");
    set(&mut resp, "cross-origin-resource-policy", "same-origin");
    set(&mut resp, "permissions-policy", PERMISSIONS);
    if https {
        set(&mut resp, "strict-transport-security", "max-age=31536000");
    }
    Ok(resp)
}

/// The guest cookie of a page shown in another site's frame, as a `Set-Cookie` value. Browsers
/// send a `SameSite=Lax` cookie to a frame only when the framing page is of the same site, and
/// now refuse third-party cookies outright: this one is `SameSite=None` (sent inside the frame)
/// and `Partitioned` (CHIPS: kept in a jar of its own for the framing site, which browsers that
/// block third-party cookies still allow). Both need `Secure`, which browsers also accept from
/// a loopback address over HTTP. `__Host-` over HTTPS, as the other cookies.
pub fn embed_guest_cookie(token: &str, https: bool, days: u64) -> String {
    let name = if https {
        format!("__Host-{}", nichoir_auth::GUEST_COOKIE)
    } else {
        nichoir_auth::GUEST_COOKIE.to_string()
    };
    let max_age = days.saturating_mul(86_400);
    format!(
        "{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=None; Partitioned"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pages_of_a_pad_a_poll_and_a_wiki_page_may_be_framed() {
        for yes in [
            "/p/notes",
            "/p/r-abc",
            "/poll/Xy12",
            "/w/asso",
            "/w/asso/Home_page",
        ] {
            assert!(embeddable_path(yes), "{yes}");
        }
        for no in [
            "/",
            "/p",
            "/p/",
            "/pads",
            "/p/notes/x",
            "/poll/new",
            "/poll/admin",
            "/poll/admin/token",
            "/polls",
            "/w/asso/_settings",
            "/w/asso/_files",
            "/w/asso/Home/edit",
            "/w/asso/Home/history",
            "/admin",
            "/account",
            "/api/v1/pads/notes",
            "/chat/team",
            "/video/room",
        ] {
            assert!(!embeddable_path(no), "{no}");
        }
    }

    #[test]
    fn the_embed_guest_cookie_reaches_a_frame_of_another_site() {
        let c = embed_guest_cookie("tok", true, 2);
        assert_eq!(
            c,
            "__Host-nichoir_guest=tok; Path=/; Max-Age=172800; HttpOnly; Secure; SameSite=None; Partitioned"
        );
        assert!(embed_guest_cookie("tok", false, 1).starts_with("nichoir_guest=tok;"));
    }

    #[test]
    fn the_embeddable_csp_differs_only_by_its_ancestors() {
        let csp = embeddable_csp(&["https://a.example".into(), "https://b.example:8443".into()]);
        assert_eq!(
            csp,
            CSP.replace(
                "frame-ancestors 'none'",
                "frame-ancestors https://a.example https://b.example:8443"
            )
        );
    }
}
