//! Security headers on every response: a CSP that allows only this origin, no framing, no MIME
//! sniffing, no referrer leaks, HSTS over HTTPS.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;

pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    media-src 'self' blob:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

pub fn security_headers(https: bool) -> DefaultHeaders {
    let mut h = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(self), microphone=(self), display-capture=(self), geolocation=(), interest-cohort=()",
        ));
    if https {
        h = h.add((
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    h
}
