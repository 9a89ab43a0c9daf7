//! The web UI, embedded in release builds (read from web/dist on disk in debug builds). Any GET
//! outside /api that is not a file gets index.html: the front-end routes by URL.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct Dist;

fn respond(path: &str, file: rust_embed::EmbeddedFile, req: &HttpRequest) -> HttpResponse {
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime.as_ref()))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(file.data.into_owned())
}

/// Serves `/assets/...` and other files of the build, or the app shell.
pub async fn static_or_app(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if !path.is_empty() && !path.ends_with('/') {
        if let Some(file) = Dist::get(path) {
            return respond(path, file, &req);
        }
        if path.starts_with("assets/") {
            return HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("not found");
        }
    }
    match Dist::get("index.html") {
        Some(file) => respond("index.html", file, &req),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("the web UI is missing from this build"),
    }
}
