//! Rendering: pages rendered at save time against the pages existing then, the pages linking to
//! one that appears or goes re-rendered in the same write, stored text that is not stored
//! rendered (menus, old revisions) cached.

use super::*;

/// Key: (wiki id, page id or 0 for the menu, revision or 0); value: fingerprint and HTML.
pub(super) type RenderCache = std::sync::Arc<Mutex<HashMap<(i64, i64, i64), (u64, String)>>>;

/// Renders kept; past this the cache starts over.
const RENDER_CACHE_MAX: usize = 1_000;

/// `text` rendered in `wiki`, from the cache when neither it nor the set of existing pages (which
/// decides the "missing" links) changed since.
pub(super) fn cached_render(
    c: &Connection,
    cache: &RenderCache,
    key: (i64, i64, i64),
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
) -> Result<String, StorageError> {
    use std::hash::{Hash, Hasher};
    let mut keys: Vec<String> = store::existing_keys(c, wiki.id)?.into_iter().collect();
    keys.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (text, &wiki.slug, base_url, &keys).hash(&mut hasher);
    let fingerprint = hasher.finish();
    if let Some((f, html)) = cache.lock().get(&key) {
        if *f == fingerprint {
            return Ok(html.clone());
        }
    }
    let html = render_stored(c, wiki, text, base_url)?.0;
    let mut map = cache.lock();
    if map.len() >= RENDER_CACHE_MAX {
        map.clear();
    }
    map.insert(key, (fingerprint, html.clone()));
    Ok(html)
}

/// Pages re-rendered at once when a page they link to appears or goes; beyond this many, they
/// re-render on their next view.
const EAGER_RERENDER: usize = 200;
/// Nor more text than this in all (these renders hold the single writer).
const EAGER_RERENDER_BYTES: usize = 1024 * 1024;

/// A page appeared or went under `key`: re-render the pages linking to it now, inside the same
/// write, so that reading stays a pure read.
pub(super) fn refresh_linkers(
    c: &Connection,
    wiki: &WikiRow,
    key: &str,
    base_url: &str,
) -> Result<(), StorageError> {
    let linkers = store::backlinks(c, wiki.id, key)?;
    let bytes: usize = linkers.iter().map(|p| p.text.len()).sum();
    if linkers.len() > EAGER_RERENDER || bytes > EAGER_RERENDER_BYTES {
        return store::invalidate_linkers(c, wiki.id, key);
    }
    for p in linkers {
        match render_stored(c, wiki, &p.text, base_url) {
            Ok((html, toc, _)) => store::store_render(c, p.id, p.rev, &html, &toc)?,
            // A busy work pool must not fail the save: the rest render on their next view.
            Err(StorageError::Domain(_)) => return store::invalidate_linkers(c, wiki.id, key),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Renders `text` in `wiki` (links to existing pages are plain, others "missing").
pub fn render_with(
    c: &Connection,
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
) -> Result<(String, String, Vec<String>), StorageError> {
    render_with_extra(c, wiki, text, base_url, "")
}

/// As [`render_with`], counting `extra_key` as existing (the page being created). The render
/// runs on the work pool (large stack, deadline); this thread waits for it.
pub(super) fn render_with_extra(
    c: &Connection,
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
    extra_key: &str,
) -> Result<(String, String, Vec<String>), StorageError> {
    let keys = store::existing_keys(c, wiki.id)?;
    let base = format!("/w/{}", wiki.slug);
    let (text, base_url, extra_key) = (
        text.to_string(),
        base_url.to_string(),
        extra_key.to_string(),
    );
    let r = work::run_blocking(move || {
        let exists = |k: &str| k == extra_key || keys.contains(k);
        render(
            &text,
            &RenderOptions {
                wiki_base: &base,
                instance_origin: &base_url,
                links: LinkTarget { exists: &exists },
            },
        )
    })?;
    let toc = serde_json::to_string(&r.toc).unwrap_or_else(|_| "[]".into());
    Ok((r.html, toc, r.links))
}

/// Refuses, before the write, a text the renderer would refuse: the save renders again inside
/// the write (against the pages existing then), and a refusal found there would have kept every
/// other write of the instance waiting up to the deadline.
pub(super) async fn check_renders(text: &str) -> Result<(), Error> {
    let text = text.to_string();
    work::run(move || {
        let missing = |_: &str| false;
        render(
            &text,
            &RenderOptions {
                wiki_base: "/w/check",
                instance_origin: "",
                links: LinkTarget { exists: &missing },
            },
        )
        .map(|_| ())
    })
    .await
}

/// As [`render_with`], for text already stored: text saved before the limits existed may now be
/// refused, and must not make the page (or a save that re-renders its linkers) fail, so it shows
/// as escaped preformatted text instead.
pub fn render_stored(
    c: &Connection,
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
) -> Result<(String, String, Vec<String>), StorageError> {
    match render_with(c, wiki, text, base_url) {
        // Links are only kept from saves, which never take this path. Only a refusal of the
        // text falls back: a busy pool must not leave an escaped page stored.
        Err(StorageError::Domain(e))
            if matches!(
                e.code,
                ErrorCode::ValidationFailed | ErrorCode::PayloadTooLarge
            ) =>
        {
            Ok((plain_html(text), "[]".into(), Vec::new()))
        }
        other => other,
    }
}

/// A table of contents as stored (JSON text); one that does not parse shows none.
pub(super) fn parse_toc(stored: &str) -> Vec<nichoir_wikitext::render::TocEntry> {
    serde_json::from_str(stored).unwrap_or_default()
}

fn plain_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<pre>{escaped}</pre>")
}
