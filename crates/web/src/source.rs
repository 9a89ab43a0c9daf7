//! `GET /source.tar.gz`: the source of the build that runs (AGPL §13, and what CHATONS asks of
//! its members), as opposed to `transparency.source_url`, the public repository. Release builds
//! carry the archive packed by the build script; debug builds pack their checkout on request.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use nichoir_http::ApiResult;

/// Where the archive is served, for the About page and the CHATONS description.
pub const PATH: &str = "/source.tar.gz";

#[cfg(nichoir_source_embedded)]
const ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/source.tar.gz"));

/// The git commit this binary was built from; empty when the build had no git history.
#[cfg(nichoir_source_embedded)]
pub fn commit() -> &'static str {
    env!("NICHOIR_SOURCE_COMMIT")
}

/// The checkout's commit, asked once (a debug build runs from its checkout).
#[cfg(not(nichoir_source_embedded))]
pub fn commit() -> &'static str {
    static COMMIT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COMMIT.get_or_init(|| {
        std::process::Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .current_dir(root())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .unwrap_or_default()
    })
}

#[cfg(not(nichoir_source_embedded))]
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `nichoir-<version>-<commit>`: the file's name and the folder it unpacks to.
pub fn stem() -> String {
    crate::source_pack::stem(nichoir_core::VERSION, commit())
}

#[cfg(nichoir_source_embedded)]
async fn archive() -> ApiResult<Bytes> {
    Ok(Bytes::from_static(ARCHIVE))
}

#[cfg(not(nichoir_source_embedded))]
async fn archive() -> ApiResult<Bytes> {
    use nichoir_core::ErrorCode;
    use nichoir_http::ApiError;
    let stem = stem();
    // Fast compression: this is a developer's build, asked rarely, and packed each time.
    actix_web::web::block(move || crate::source_pack::pack(&root(), &stem, 1))
        .await
        .map_err(|_| ApiError::new(ErrorCode::Internal, "packing the source failed"))?
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot pack the source of this debug build");
            ApiError::new(
                ErrorCode::Unavailable,
                "this debug build's source folder is not readable here",
            )
        })
        .map(Bytes::from)
}

pub async fn download() -> ApiResult<HttpResponse> {
    let bytes = archive().await?;
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.tar.gz\"", stem()),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(bytes))
}
