//! The cookies Nichoir sets. `COOKIES` is what the About page lists: keep it next to the code.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;
use nichoir_auth::{DEVICE_COOKIE, GUEST_COOKIE, OIDC_COOKIE, SESSION_COOKIE};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CookieInfo {
    pub name: &'static str,
    pub purpose: &'static str,
    pub lifetime: &'static str,
}

pub const COOKIES: &[CookieInfo] = &[
    CookieInfo {
        name: SESSION_COOKIE,
        purpose: "keeps you signed in (HttpOnly, SameSite=Lax; Secure and __Host- prefixed over HTTPS)",
        lifetime: "until you log out, or the session's idle or absolute timeout",
    },
    CookieInfo {
        name: GUEST_COOKIE,
        purpose: "remembers the name and colour you chose as a guest (pads, polls, calls without an account)",
        lifetime: "auth.guest_cookie_days",
    },
    CookieInfo {
        name: DEVICE_COOKIE,
        purpose: "set only when you tick \"remember this device\" at a two-factor sign-in: skips the code on this browser",
        lifetime: "30 days",
    },
    CookieInfo {
        name: OIDC_COOKIE,
        purpose: "set while you sign in with your organisation's account: ties the provider's answer to this browser",
        lifetime: "10 minutes, or until the sign-in ends",
    },
];

fn name(base: &'static str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

fn build(
    base: &'static str,
    value: String,
    secure: bool,
    max_age: Option<Duration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(name(base, secure), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

pub fn session_cookie(token: String, secure: bool, absolute_days: u64) -> Cookie<'static> {
    build(
        SESSION_COOKIE,
        token,
        secure,
        Some(Duration::days(absolute_days as i64)),
    )
}

pub fn guest_cookie(token: String, secure: bool, days: u64) -> Cookie<'static> {
    build(
        GUEST_COOKIE,
        token,
        secure,
        Some(Duration::days(days as i64)),
    )
}

pub fn device_cookie(token: String, secure: bool) -> Cookie<'static> {
    build(
        DEVICE_COOKIE,
        token,
        secure,
        Some(Duration::days(nichoir_auth::DEVICE_DAYS)),
    )
}

/// Ties a sign-in started at an OpenID provider to this browser (`nichoir_auth::oidc`).
pub fn oidc_cookie(token: String, secure: bool) -> Cookie<'static> {
    build(
        OIDC_COOKIE,
        token,
        secure,
        Some(Duration::milliseconds(nichoir_auth::PENDING_MS)),
    )
}

pub fn clear_cookie(base: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = build(base, String::new(), secure, None);
    c.make_removal();
    c
}

/// Reads a cookie under either its plain or `__Host-` name. A malformed Cookie header reads as absent.
pub fn read_cookie(req: &HttpRequest, base: &'static str) -> Option<String> {
    for n in [name(base, true), name(base, false)] {
        if let Some(c) = req.cookie(&n) {
            let v = c.value();
            if !v.is_empty() && v.len() <= 256 {
                return Some(v.to_string());
            }
        }
    }
    None
}
