//! The web UI, embedded in release builds (read from web/dist on disk in debug builds). Any GET
//! outside /api that is not a file gets index.html: the front-end routes by URL.
//!
//! The build (web/build.mjs) names every script and style sheet after a hash of its content and
//! leaves a brotli and a gzip copy beside each text file; this module sends the copy the browser
//! accepts, and lets browsers keep hashed files for a year without asking again.

use actix_web::http::header::{self, AcceptEncoding, Encoding, Header};
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct Dist;

/// A name esbuild made from the file's content (`app-4RPCAHOI.css`, `chunks/pads-3VM73DWC.js`):
/// a new build that changes the file changes its name, so a cached copy can never be stale.
fn is_hashed(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("assets/") else {
        return false;
    };
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "js" | "css") {
        return false;
    }
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 8
            && hash
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// The precompressed copies web/build.mjs may leave beside a file: coding and file suffix.
fn copies() -> [(Encoding, &'static str, &'static str); 2] {
    [
        (Encoding::brotli(), "br", "br"),
        (Encoding::gzip(), "gzip", "gz"),
    ]
}

/// The representation to send: a precompressed copy when the browser takes it, else the file;
/// and whether the answer depends on `Accept-Encoding` (the file has copies).
type Chosen = (rust_embed::EmbeddedFile, Option<&'static str>, bool);

fn pick(path: &str, req: &HttpRequest) -> Option<Chosen> {
    let plain = Dist::get(path)?;
    let available: Vec<_> = copies()
        .into_iter()
        .filter_map(|(coding, name, ext)| {
            Dist::get(&format!("{path}.{ext}")).map(|f| (coding, name, f))
        })
        .collect();
    if available.is_empty() {
        return Some((plain, None, false));
    }
    // A malformed header counts as "no preference": the plain file is always acceptable.
    let chosen = AcceptEncoding::parse(req).ok().and_then(|accept| {
        let supported: Vec<Encoding> = available
            .iter()
            .map(|(coding, _, _)| coding.clone())
            .chain([Encoding::identity()])
            .collect();
        accept.negotiate(supported.iter())
    });
    match available
        .into_iter()
        .find(|(coding, _, _)| Some(coding) == chosen.as_ref())
    {
        Some((_, name, file)) => Some((file, Some(name), true)),
        None => Some((plain, None, true)),
    }
}

fn respond(path: &str, req: &HttpRequest) -> Option<HttpResponse> {
    let (file, encoding, varies) = pick(path, req)?;
    // One tag per representation: a cache must not answer a gzip request with brotli bytes.
    let etag = format!(
        "\"{}{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        encoding.map(|e| format!("-{e}")).unwrap_or_default()
    );
    let cache = if is_hashed(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if varies {
        resp.insert_header((header::VARY, "Accept-Encoding"));
    }
    if fresh {
        return Some(resp.finish());
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    resp.insert_header((header::CONTENT_TYPE, mime.as_ref()));
    if let Some(e) = encoding {
        resp.insert_header((header::CONTENT_ENCODING, e));
    }
    Some(resp.body(file.data.into_owned()))
}

/// Serves `/assets/...` and other files of the build, or the app shell.
pub async fn static_or_app(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if !path.is_empty() && !path.ends_with('/') {
        if let Some(resp) = respond(path, &req) {
            return resp;
        }
        if path.starts_with("assets/") {
            return HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("not found");
        }
    }
    respond("index.html", &req).unwrap_or_else(|| {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("the web UI is missing from this build")
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_content_named_scripts_and_styles_are_kept_for_good() {
        assert!(is_hashed("assets/app-4RPCAHOI.css"));
        assert!(is_hashed("assets/app-EKOQIWYL.js"));
        assert!(is_hashed("assets/chunks/pads-3VM73DWC.js"));
        assert!(is_hashed("assets/chunks/chunk-33VRQ5ON.js"));
        // Names other pages or the manifest point to, and files outside assets/.
        assert!(!is_hashed("assets/favicon.svg"));
        assert!(!is_hashed("assets/offline.html"));
        assert!(!is_hashed("assets/icons/icon-192.png"));
        assert!(!is_hashed("sw.js"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("assets/app.js"));
        assert!(!is_hashed("assets/my-page.js"));
        assert!(!is_hashed("other/app-4RPCAHOI.css"));
    }
}
