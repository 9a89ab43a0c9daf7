//! What search engines may index. Pads, polls, chats, calls and wikis are reached by link, and a
//! link shared in one place must not become a search result: robots.txt lets crawlers read the
//! instance's own public pages and the public wikis whose admins opted in, and every other
//! answer carries `X-Robots-Tag: noindex`, for the crawlers that reach a page by a link anyway
//! (robots.txt forbids fetching, not indexing a URL seen elsewhere).
//!
//! The instance is served at the root of its host (robots.txt is only read there), so every
//! path here is absolute from `/`.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web;

/// The instance's own pages, open to every crawler (a prefix each, as robots.txt reads `Allow`).
const PUBLIC_PAGES: [&str; 3] = ["/about", "/terms", "/privacy"];

/// robots.txt for these opted-in wikis (slugs are `[a-z0-9-]`, so nothing in them is special to
/// robots.txt). Google and RFC 9309 apply the longest matching rule, so `Allow: /w/<slug>/`
/// beats `Disallow: /`; the `Allow` lines still come first for crawlers that take the first
/// match. A page of the app is drawn by its script from the API: a crawler that renders needs
/// the assets, the instance's description and the wiki's API, allowed only when a wiki is open.
pub fn robots_txt(wikis: &[String]) -> String {
    let mut out = String::from("User-agent: *\nAllow: /$\n");
    for page in PUBLIC_PAGES {
        out.push_str(&format!("Allow: {page}\n"));
    }
    if !wikis.is_empty() {
        out.push_str("Allow: /assets/\nAllow: /api/v1/instance$\n");
    }
    for slug in wikis {
        out.push_str(&format!(
            "Allow: /w/{slug}/\nAllow: /w/{slug}$\nAllow: /api/v1/wikis/{slug}/\nAllow: /api/v1/wikis/{slug}$\n"
        ));
    }
    out.push_str("Disallow: /\n");
    out
}

/// The wiki a path belongs to, in the app (`/w/<slug>/…`) or the API (`/api/v1/wikis/<slug>…`).
fn wiki_slug(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/w/")
        .or_else(|| path.strip_prefix("/api/v1/wikis/"))?;
    let slug = rest.split('/').next().unwrap_or(rest);
    (!slug.is_empty()).then_some(slug)
}

fn is_public_page(path: &str) -> bool {
    path == "/" || path == "/robots.txt" || PUBLIC_PAGES.iter().any(|p| path.starts_with(p))
}

/// Adds `X-Robots-Tag: noindex` to every answer but the public pages and the opted-in wikis.
pub async fn noindex_header(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_string();
    let readable = matches!(*req.method(), Method::GET | Method::HEAD);
    let wikis = req
        .app_data::<web::Data<Arc<nichoir_wiki::WikiService>>>()
        .cloned();
    let mut resp = next.call(req).await?.map_into_boxed_body();
    if is_public_page(&path) {
        return Ok(resp);
    }
    if let (true, Some(slug), Some(wikis)) = (readable, wiki_slug(&path), wikis) {
        // Only a page worth indexing costs a lookup; a failed one leaves the page unindexed.
        if resp.status().is_success() && wikis.is_indexable(slug).await.unwrap_or(false) {
            return Ok(resp);
        }
    }
    resp.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_wikis_only_the_public_pages_are_allowed() {
        assert_eq!(
            robots_txt(&[]),
            "User-agent: *\nAllow: /$\nAllow: /about\nAllow: /terms\nAllow: /privacy\nDisallow: /\n"
        );
    }

    #[test]
    fn an_opted_in_wiki_is_allowed_before_the_disallow() {
        let text = robots_txt(&["asso".to_string()]);
        let lines: Vec<&str> = text.lines().collect();
        let allow = lines.iter().position(|l| *l == "Allow: /w/asso/");
        let disallow = lines.iter().position(|l| *l == "Disallow: /");
        assert!(
            allow.is_some() && disallow.is_some() && allow < disallow,
            "{text}"
        );
        assert!(lines.contains(&"Allow: /api/v1/wikis/asso/"), "{text}");
        assert_eq!(lines.last(), Some(&"Disallow: /"));
    }

    #[test]
    fn wiki_paths_name_their_wiki() {
        assert_eq!(wiki_slug("/w/asso/Home"), Some("asso"));
        assert_eq!(wiki_slug("/w/asso"), Some("asso"));
        assert_eq!(wiki_slug("/api/v1/wikis/asso/pages/Home"), Some("asso"));
        assert_eq!(wiki_slug("/api/v1/wikis/asso"), Some("asso"));
        assert_eq!(wiki_slug("/w/"), None);
        assert_eq!(wiki_slug("/p/abc"), None);
        assert_eq!(wiki_slug("/api/v1/wikisx"), None);
    }
}
