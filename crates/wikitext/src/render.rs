//! Markdown with `[[wiki links]]` to safe HTML, with a table of contents.
//!
//! Wiki links are found in the pulldown-cmark event stream (never in code), headings get ids,
//! images from elsewhere become links, a paragraph holding only the link of one of this instance's
//! pads or polls becomes an embed anchor, and ammonia has the last word on what reaches the page.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use nichoir_core::markdown::push_html_checked;
use nichoir_core::{limits, work, Error};
use pulldown_cmark::{
    Alignment, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream,
};
use serde::{Deserialize, Serialize};

use crate::names::{page_key, page_url_segment, validate_page_name};

pub struct LinkTarget<'a> {
    /// Whether a page exists, called with its [`page_key`].
    pub exists: &'a dyn Fn(&str) -> bool,
}

pub struct RenderOptions<'a> {
    /// Path of the wiki, e.g. "/w/myslug"; page links are `{wiki_base}/{page_url_segment}`.
    pub wiki_base: &'a str,
    /// Origin of this instance, e.g. "https://nichoir.example", or "" when unknown; full URLs of
    /// its pads and polls are embedded like root-relative ones.
    pub instance_origin: &'a str,
    pub links: LinkTarget<'a>,
}

/// A heading of a page: its level, text and anchor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "wiki/")]
pub struct TocEntry {
    pub level: u8,
    pub text: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Keys of the pages linked, deduplicated, in order of first appearance.
    pub links: Vec<String>,
}

/// Classes the renderer puts on anchors; the only ones the sanitiser lets through.
pub const LINK_CLASSES: &[&str] = &[
    "wikilink",
    "missing",
    "wiki-embed",
    "wiki-embed-pad",
    "wiki-embed-poll",
];

/// Longest `[[...]]` body looked at: a page name is at most 200 characters, and a bound keeps a
/// text full of unmatched "[[" linear to scan.
const MAX_LINK_BODY_BYTES: usize = 2048;

/// Longest heading id; longer headings are cut (ids stay unique through their suffix).
const MAX_ID_CHARS: usize = 80;

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options
}

/// One `[[...]]` of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct WikiLink {
    /// Display name of the page; None for a link to a section of the same page (`[[#Notes]]`).
    pub page: Option<String>,
    pub section: Option<String>,
    pub label: String,
}

pub(crate) enum Piece<'t> {
    Text(&'t str),
    Link(WikiLink),
}

/// Cuts a text into literal runs and wiki links. A `[[...]]` whose page name is invalid stays
/// literal, and the scan resumes one character later, so "[[[Page]]]" still finds "Page".
///
/// Linear: the next "]]" and the next "[[" inside a body are found by cursors that only move
/// forward, instead of searching each candidate's window again (a text of unmatched "[[" was
/// quadratic in the window).
pub(crate) fn split_wiki_links(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut literal_from = 0;
    let mut search_from = 0;
    let mut closes = Cursor::new(text, "]]");
    let mut inner_opens = Cursor::new(text, "[[");
    while let Some(found) = text.get(search_from..).and_then(|rest| rest.find("[[")) {
        let open = search_from + found;
        let body_start = open + 2;
        let close = closes
            .next_at_or_after(body_start)
            .filter(|c| c - body_start <= MAX_LINK_BODY_BYTES);
        let link = close.and_then(|close| {
            // "[[a [[b]]": the link is the innermost one, found when the scan resumes.
            if inner_opens
                .next_at_or_after(body_start)
                .is_some_and(|o| o + 2 <= close)
            {
                return None;
            }
            // "[[" and "]]" are ASCII, so both ends are character boundaries.
            let body = text.get(body_start..close)?;
            parse_link_body(body).map(|link| (link, close + 2))
        });
        match link {
            Some((link, end)) => {
                if open > literal_from {
                    if let Some(t) = text.get(literal_from..open) {
                        pieces.push(Piece::Text(t));
                    }
                }
                pieces.push(Piece::Link(link));
                literal_from = end;
                search_from = end;
            }
            None => search_from = open + 1,
        }
    }
    if let Some(rest) = text.get(literal_from..) {
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest));
        }
    }
    pieces
}

/// The next occurrence of a marker at or after positions that never move back. Each search
/// starts past the previous answer, so the searches cover the text once in all.
struct Cursor<'t> {
    text: &'t str,
    marker: &'static str,
    /// Where the last search started and what it found (None: nothing after that start).
    last: Option<(usize, Option<usize>)>,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str, marker: &'static str) -> Self {
        Cursor {
            text,
            marker,
            last: None,
        }
    }

    fn next_at_or_after(&mut self, from: usize) -> Option<usize> {
        if let Some((start, found)) = self.last {
            if start <= from && found.is_none_or(|f| f >= from) {
                return found;
            }
        }
        let found = self
            .text
            .get(from..)
            .and_then(|rest| rest.find(self.marker))
            .map(|p| from + p);
        self.last = Some((from, found));
        found
    }
}

fn parse_link_body(body: &str) -> Option<WikiLink> {
    let (target, label) = match body.split_once('|') {
        Some((target, label)) => (target, Some(label.trim()).filter(|l| !l.is_empty())),
        None => (body, None),
    };
    let (page, section) = match target.split_once('#') {
        Some((page, section)) => (page.trim(), Some(section.trim()).filter(|s| !s.is_empty())),
        None => (target.trim(), None),
    };
    if page.is_empty() {
        let section = section?.to_string();
        return Some(WikiLink {
            page: None,
            label: label.map(str::to_string).unwrap_or_else(|| section.clone()),
            section: Some(section),
        });
    }
    let page = validate_page_name(page).ok()?;
    let label = match (label, &section) {
        (Some(label), _) => label.to_string(),
        (None, Some(section)) => format!("{page}#{section}"),
        (None, None) => page.clone(),
    };
    Some(WikiLink {
        page: Some(page),
        section: section.map(str::to_string),
        label,
    })
}

/// The wiki links of a Markdown text, outside code and outside other links, in order.
pub fn wiki_links(markdown: &str) -> Vec<WikiLink> {
    let mut out = Vec::new();
    let mut in_code = 0usize;
    let mut in_link = 0usize;
    for event in TextMergeStream::new(Parser::new_ext(markdown, options())) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => in_link += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
            Event::Text(text) if in_code == 0 && in_link == 0 => {
                for piece in split_wiki_links(&text) {
                    if let Piece::Link(link) = piece {
                        out.push(link);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Display names of the pages a text links to (outside code), deduplicated by key, in order: the
/// backlinks of a page without rendering it.
pub fn linked_pages(markdown: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    wiki_links(markdown)
        .into_iter()
        .filter_map(|link| link.page)
        .filter(|page| seen.insert(page_key(page)))
        .collect()
}

/// Heading id from its text: lowercase letters and digits (any script), words joined by '-'.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    let mut chars = 0;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
                chars += 1;
            }
            pending_dash = false;
            out.push(c);
            chars += 1;
            if chars >= MAX_ID_CHARS {
                break;
            }
        } else if c.is_whitespace() || c == '-' || c == '_' {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// Heading ids handed out so far, with the next suffix to try per slug: a page repeating one
/// heading thousands of times was quadratic when each repeat counted up from 2.
#[derive(Default)]
struct UniqueIds {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl UniqueIds {
    fn take(&mut self, slug: String) -> String {
        if self.used.insert(slug.clone()) {
            return slug;
        }
        let mut n = self.next_suffix.get(&slug).copied().unwrap_or(2);
        loop {
            let candidate = format!("{slug}-{n}");
            n += 1;
            if self.used.insert(candidate.clone()) {
                self.next_suffix.insert(slug, n);
                return candidate;
            }
        }
    }
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether an image URL stays an image: attachments of this wiki, or a relative URL that does not
/// climb out of the wiki's path. Anything else would make the reader's browser fetch from
/// wherever the author chose.
fn is_local_image(src: &str, wiki_base: &str) -> bool {
    let src = src.trim();
    if src.is_empty() || src.chars().any(char::is_control) {
        return false;
    }
    let files = format!("{wiki_base}/_files/");
    if let Some(rest) = src.strip_prefix(files.as_str()) {
        return !rest.is_empty() && !climbs(rest);
    }
    if src.starts_with('/') || src.starts_with('\\') || has_scheme(src) {
        return false;
    }
    !climbs(src)
}

fn has_scheme(url: &str) -> bool {
    url.find([':', '/', '\\', '?', '#'])
        .is_some_and(|i| url.as_bytes().get(i) == Some(&b':'))
}

/// A ".." path segment, in any of the spellings URL parsers accept ("%2e%2e", "\" for "/").
fn climbs(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.split(['/', '\\']).any(|segment| {
        let segment = segment.to_ascii_lowercase().replace("%2e", ".");
        segment == ".."
    })
}

/// Pad and poll ids are URL-safe base64 or chosen names of the same alphabet.
fn is_embed_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && id != "new"
        && id != "admin"
}

/// The embed anchor for a URL of this instance's pad (`/p/{id}`) or poll (`/poll/{id}`).
fn embed_html(url: &str, origin: &str) -> Option<String> {
    let url = url.trim();
    let path = match url.strip_prefix(origin) {
        Some(path) if !origin.is_empty() => path,
        _ => url,
    };
    let path = path.strip_suffix('/').unwrap_or(path);
    let (kind, prefix, id) = if let Some(id) = path.strip_prefix("/p/") {
        ("pad", "p", id)
    } else if let Some(id) = path.strip_prefix("/poll/") {
        ("poll", "poll", id)
    } else {
        return None;
    };
    if !is_embed_id(id) {
        return None;
    }
    Some(format!(
        "<a class=\"wiki-embed wiki-embed-{kind}\" href=\"/{prefix}/{id}\" data-embed=\"{kind}\" \
         data-id=\"{id}\">{}</a>\n",
        escape_html(url)
    ))
}

/// An embed when `events` starts with a paragraph holding only a bare URL or an autolink; the
/// HTML and how many events it replaces.
fn embed_at(events: &[Event<'_>], origin: &str) -> Option<(String, usize)> {
    match events {
        [Event::Start(Tag::Paragraph), Event::Text(text), Event::End(TagEnd::Paragraph), ..] => {
            embed_html(text, origin).map(|html| (html, 3))
        }
        [Event::Start(Tag::Paragraph), Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url,
            ..
        }), Event::Text(_), Event::End(TagEnd::Link), Event::End(TagEnd::Paragraph), ..] => {
            embed_html(dest_url, origin).map(|html| (html, 5))
        }
        _ => None,
    }
}

/// Raw HTML naming an element whose content the HTML parser reads as raw text (`<style>`,
/// `<textarea>`, …): passed on, it would swallow the rest of the page before the sanitiser
/// removes it, so it is shown as text instead.
fn swallows_content(html: &str) -> bool {
    const RAW_TEXT: &[&str] = &[
        "script",
        "style",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
        "template",
        "svg",
        "math",
        "select",
        "object",
        "embed",
    ];
    let lower = html.to_ascii_lowercase();
    lower.match_indices('<').any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        RAW_TEXT.contains(&name.as_str())
    })
}

/// An image that may not be shown: a link to it when outside a link, its alt text inside one.
struct HiddenImage {
    url: String,
    as_link: bool,
    has_text: bool,
}

#[derive(Default)]
struct TableState {
    alignments: Vec<Alignment>,
    in_head: bool,
    cell: usize,
}

impl TableState {
    fn cell_tag(&self) -> &'static str {
        if self.in_head {
            "th"
        } else {
            "td"
        }
    }
}

/// Renders a page: refused over the size and nesting limits of [`nichoir_core::limits`], given
/// up past the work pool's deadline. Run it on the pool ([`nichoir_core::work`]).
pub fn render(markdown: &str, opts: &RenderOptions<'_>) -> Result<Rendered, Error> {
    limits::check_markdown(markdown)?;
    let base = opts.wiki_base.trim_end_matches('/');
    let origin = opts.instance_origin.trim_end_matches('/');
    let source: Vec<Event<'_>> =
        TextMergeStream::new(Parser::new_ext(markdown, options())).collect();

    let mut links = Vec::new();
    let mut known_pages = HashMap::new();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(source.len());
    let mut in_code = 0usize;
    // Inside a link or an image (alt text): no wiki link there, an anchor cannot nest.
    let mut in_link = 0usize;
    // One entry per open image: None when it stays an image.
    let mut images: Vec<Option<HiddenImage>> = Vec::new();
    let mut table = TableState::default();

    let mut i = 0;
    let mut steps = 0usize;
    while i < source.len() {
        steps += 1;
        if steps.is_multiple_of(512) && work::over_budget() {
            return Err(work::exceeded());
        }
        if let Some((html, consumed)) = source.get(i..).and_then(|rest| embed_at(rest, origin)) {
            out.push(Event::Html(html.into()));
            i += consumed;
            continue;
        }
        let Some(event) = source.get(i).cloned() else {
            break;
        };
        i += 1;
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code += 1;
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = in_code.saturating_sub(1);
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(tag @ Tag::Link { .. }) => {
                in_link += 1;
                out.push(Event::Start(tag));
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                out.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let inside_link = in_link > 0;
                in_link += 1;
                if is_local_image(&dest_url, base) {
                    images.push(None);
                    out.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    images.push(Some(HiddenImage {
                        url: dest_url.to_string(),
                        as_link: !inside_link,
                        has_text: false,
                    }));
                    if !inside_link {
                        out.push(Event::Start(Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            id,
                        }));
                    }
                }
            }
            Event::End(TagEnd::Image) => {
                in_link = in_link.saturating_sub(1);
                match images.pop() {
                    Some(Some(hidden)) => {
                        if hidden.as_link {
                            if !hidden.has_text {
                                out.push(Event::Text(hidden.url.into()));
                            }
                            out.push(Event::End(TagEnd::Link));
                        }
                    }
                    _ => out.push(Event::End(TagEnd::Image)),
                }
            }
            Event::Text(text) => {
                if let Some(Some(hidden)) = images.last_mut() {
                    hidden.has_text |= !text.trim().is_empty();
                }
                if in_code == 0 && in_link == 0 {
                    push_with_wiki_links(&text, base, opts, &mut out, &mut links, &mut known_pages);
                } else {
                    out.push(Event::Text(text));
                }
            }
            Event::Code(code) => {
                if let Some(Some(hidden)) = images.last_mut() {
                    hidden.has_text = true;
                }
                out.push(Event::Code(code));
            }
            Event::Html(html) | Event::InlineHtml(html) if swallows_content(&html) => {
                out.push(Event::Text(html));
            }
            Event::Start(Tag::Table(alignments)) => {
                table.alignments = alignments.clone();
                out.push(Event::Start(Tag::Table(alignments)));
            }
            Event::Start(Tag::TableHead) => {
                table.in_head = true;
                table.cell = 0;
                out.push(Event::Start(Tag::TableHead));
            }
            Event::End(TagEnd::TableHead) => {
                table.in_head = false;
                out.push(Event::End(TagEnd::TableHead));
            }
            Event::Start(Tag::TableRow) => {
                table.cell = 0;
                out.push(Event::Start(Tag::TableRow));
            }
            // pulldown-cmark aligns cells with a style attribute, which the sanitiser drops (no
            // style at all): the align attribute says the same without CSS.
            Event::Start(Tag::TableCell) => {
                let align = match table.alignments.get(table.cell) {
                    Some(Alignment::Left) => " align=\"left\"",
                    Some(Alignment::Center) => " align=\"center\"",
                    Some(Alignment::Right) => " align=\"right\"",
                    _ => "",
                };
                out.push(Event::Html(format!("<{}{align}>", table.cell_tag()).into()));
            }
            Event::End(TagEnd::TableCell) => {
                out.push(Event::Html(format!("</{}>", table.cell_tag()).into()));
                table.cell += 1;
            }
            other => out.push(other),
        }
    }

    let toc = number_headings(&mut out);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    push_html_checked(&mut html, out.into_iter())?;
    limits::check_generated_html(&html)?;
    if work::over_budget() {
        return Err(work::exceeded());
    }
    Ok(Rendered {
        html: sanitise(&html, base),
        toc,
        links,
    })
}

fn push_with_wiki_links<'e>(
    text: &CowStr<'e>,
    base: &str,
    opts: &RenderOptions<'_>,
    out: &mut Vec<Event<'e>>,
    links: &mut Vec<String>,
    known: &mut HashMap<String, bool>,
) {
    if !text.contains("[[") {
        out.push(Event::Text(text.clone()));
        return;
    }
    for piece in split_wiki_links(text) {
        match piece {
            Piece::Text(t) => out.push(Event::Text(t.to_string().into())),
            Piece::Link(link) => {
                let fragment = link
                    .section
                    .as_deref()
                    .map(|s| format!("#{}", slugify(s)))
                    .unwrap_or_default();
                let (href, class) = match &link.page {
                    None => (fragment, "wikilink"),
                    Some(page) => {
                        let key = page_key(page);
                        // One lookup per page however often it is linked: `exists` may query.
                        let exists = match known.get(&key) {
                            Some(&exists) => exists,
                            None => {
                                let exists = (opts.links.exists)(&key);
                                known.insert(key.clone(), exists);
                                links.push(key.clone());
                                exists
                            }
                        };
                        let class = if exists {
                            "wikilink"
                        } else {
                            "wikilink missing"
                        };
                        (
                            format!("{base}/{}{fragment}", page_url_segment(page)),
                            class,
                        )
                    }
                };
                out.push(Event::InlineHtml(
                    format!("<a href=\"{}\" class=\"{class}\">", escape_html(&href)).into(),
                ));
                out.push(Event::Text(link.label.into()));
                out.push(Event::InlineHtml("</a>".into()));
            }
        }
    }
}

/// Gives every heading a unique id from its text and returns the table of contents.
fn number_headings(events: &mut [Event<'_>]) -> Vec<TocEntry> {
    let mut ids = UniqueIds::default();
    let mut toc = Vec::new();
    for i in 0..events.len() {
        let Some(Event::Start(Tag::Heading { level, .. })) = events.get(i) else {
            continue;
        };
        let level = *level;
        let mut text = String::new();
        for event in events.iter().skip(i + 1) {
            match event {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                _ => {}
            }
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let id = ids.take(slugify(&text));
        if let Some(event) = events.get_mut(i) {
            *event = Event::Start(Tag::Heading {
                level,
                id: Some(id.clone().into()),
                classes: Vec::new(),
                attrs: Vec::new(),
            });
        }
        toc.push(TocEntry {
            level: level as u8,
            text,
            id,
        });
    }
    toc
}

fn sanitise(html: &str, base: &str) -> String {
    let base = base.to_string();
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .add_tag_attributes("a", ["data-embed", "data-id"])
        .add_allowed_classes("a", LINK_CLASSES)
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                ("img", "src") => is_local_image(value, &base).then_some(Cow::Borrowed(value)),
                ("a", "data-embed") => {
                    matches!(value, "pad" | "poll").then_some(Cow::Borrowed(value))
                }
                ("a", "data-id") => is_embed_id(value).then_some(Cow::Borrowed(value)),
                _ => Some(Cow::Borrowed(value)),
            },
        );
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exists(key: &str) -> bool {
        matches!(key, "home" | "réunion du bureau" | "roadmap")
    }

    fn render_md(md: &str) -> Rendered {
        let rendered = render(
            md,
            &RenderOptions {
                wiki_base: "/w/club",
                instance_origin: "https://nichoir.example",
                links: LinkTarget { exists: &exists },
            },
        );
        match rendered {
            Ok(r) => r,
            Err(e) => panic!("render failed: {e}"),
        }
    }

    fn html(md: &str) -> String {
        render_md(md).html
    }

    #[test]
    fn wiki_links_point_to_pages() {
        let r = render_md("See [[Réunion_du  Bureau]] and [[Roadmap|the plan]].");
        assert!(
            r.html.contains(
                "<a href=\"/w/club/R%C3%A9union_du_Bureau\" class=\"wikilink\" \
                 rel=\"noopener noreferrer nofollow\">Réunion du Bureau</a>"
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains(">the plan</a>"), "{}", r.html);
        assert_eq!(r.links, ["réunion du bureau", "roadmap"]);
    }

    #[test]
    fn missing_pages_are_marked() {
        let r = render_md("[[New idea]] [[new  IDEA]] [[Home]]");
        assert!(
            r.html
                .contains("href=\"/w/club/New_idea\" class=\"wikilink missing\""),
            "{}",
            r.html
        );
        assert_eq!(r.links, ["new idea", "home"]);
    }

    #[test]
    fn sections_and_same_page_anchors() {
        let h = html("[[Home#Les Dates clés|dates]] [[#Notes]] [[Home#]]");
        assert!(h.contains("href=\"/w/club/Home#les-dates-clés\""), "{h}");
        assert!(h.contains("<a href=\"#notes\" class=\"wikilink\""), "{h}");
        assert!(h.contains(">Notes</a>"), "{h}");
        assert!(
            h.contains("href=\"/w/club/Home\" class=\"wikilink\""),
            "{h}"
        );
    }

    #[test]
    fn invalid_names_stay_literal() {
        let r = render_md("[[a/b]] [[]] [[ | x]] [[[Home]]] [[Home");
        assert!(r.html.contains("[[a/b]] [[]] [[ | x]] [<a"), "{}", r.html);
        assert!(r.html.contains("</a>] [[Home"), "{}", r.html);
        assert_eq!(r.links, ["home"]);
    }

    #[test]
    fn code_is_untouched() {
        let r = render_md("`[[Home]]`\n\n```\n[[Home]]\n```\n\n    [[Roadmap]]\n");
        assert!(!r.html.contains("<a"), "{}", r.html);
        assert_eq!(r.html.matches("[[Home]]").count(), 2, "{}", r.html);
        assert!(r.links.is_empty());
        assert!(linked_pages("`[[Home]]`\n\n```\n[[Home]]\n```\n").is_empty());
    }

    #[test]
    fn no_wiki_link_inside_a_link() {
        let h = html("[see [[Home]]](https://example.org)");
        assert_eq!(h.matches("<a ").count(), 1, "{h}");
    }

    #[test]
    fn linked_pages_for_backlinks() {
        assert_eq!(
            linked_pages("[[Home]], [[home|again]], [[Réunion_du_Bureau#x]]\n\n# [[Roadmap]]"),
            ["Home", "Réunion du Bureau", "Roadmap"]
        );
    }

    /// The markup of a sanitised document: every '<' in its text is escaped, so what lies
    /// between '<' and '>' is tags.
    fn tags_of(html: &str) -> String {
        let mut out = String::new();
        let mut inside = false;
        for c in html.chars() {
            match c {
                '<' => inside = true,
                '>' => {
                    inside = false;
                    out.push(' ');
                }
                c if inside => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn xss_is_removed() {
        for md in [
            "<script>alert(1)</script>",
            "text <script>alert(1)</script> after",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[[<script>alert(1)</script>]]",
            "[[<script>]]",
            "<div style=\"background:url(https://evil.example/x)\" onclick=\"alert(1)\">x</div>",
            "![x](data:image/png;base64,AAAA)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
            "<a href=\"/p/x\" class=\"wiki-embed wiki-embed-pad\" data-embed=\"evil\" data-id=\"../../api\">x</a>",
        ] {
            let h = html(md);
            // Text can say anything (it is escaped); what matters is inside the tags.
            let tags = tags_of(&h.to_lowercase());
            for bad in [
                "script", "onerror", "onclick", "onload", "javascript:", "data:", "style",
                "iframe", "svg", "../../api", "\"evil\"",
            ] {
                assert!(!tags.contains(bad), "{md:?} gave {h:?}");
            }
        }
        assert!(html("[[<script>]]").contains("[[&lt;script&gt;]]"));
    }

    #[test]
    fn style_tags_do_not_swallow_the_page() {
        let h = html("Use <style> for CSS.\n\nNext paragraph.");
        assert!(h.contains("Next paragraph."), "{h}");
        assert!(h.contains("&lt;style&gt;"), "{h}");
    }

    #[test]
    fn toc_ids_are_unique() {
        let r = render_md(
            "# Intro\n\n## Intro\n\n## Intro-2\n\n### Intro\n\n## `code` & *stuff*\n\n## !!!\n",
        );
        let ids: Vec<_> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "intro",
                "intro-2",
                "intro-2-2",
                "intro-3",
                "code-stuff",
                "section"
            ]
        );
        assert_eq!(r.toc[4].text, "code & stuff");
        assert_eq!(r.toc[3].level, 3);
        assert!(
            r.html.contains("<h2 id=\"intro-2\">Intro</h2>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn heading_with_a_wiki_link() {
        let r = render_md("## Voir [[Home|l'accueil]]");
        assert_eq!(r.toc[0].text, "Voir l'accueil");
        assert_eq!(r.toc[0].id, "voir-laccueil");
        assert!(
            r.html
                .contains("<h2 id=\"voir-laccueil\">Voir <a href=\"/w/club/Home\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn heading_attributes_are_not_parsed() {
        let r = render_md("# Title {#custom .cls}");
        assert_eq!(r.toc[0].id, "title-custom-cls");
    }

    #[test]
    fn foreign_images_become_links() {
        let h = html("![a cat](https://tracker.example/cat.png) ![](//cdn.example/x.gif)");
        assert!(!h.contains("<img"), "{h}");
        assert!(
            h.contains("href=\"https://tracker.example/cat.png\""),
            "{h}"
        );
        assert!(h.contains(">a cat</a>"), "{h}");
        assert!(h.contains(">//cdn.example/x.gif</a>"), "{h}");
        for src in [
            "/other/x.png",
            "../../api/x.png",
            "%2e%2e/x.png",
            "/w/club/_files/../../x",
            "\\\\evil.example\\x.png",
            "http:x.png",
        ] {
            let h = html(&format!("![pic]({src})"));
            assert!(!h.contains("<img"), "{src}: {h}");
        }
        let h = html("<img src=\"https://evil.example/p.gif\" alt=\"p\">");
        assert!(!h.contains("evil.example"), "{h}");
    }

    #[test]
    fn attachment_images_are_kept() {
        let h = html("![plan](/w/club/_files/plan%20v2.png) ![logo](_files/logo.svg)");
        assert!(
            h.contains("<img src=\"/w/club/_files/plan%20v2.png\" alt=\"plan\">"),
            "{h}"
        );
        assert!(
            h.contains("<img src=\"_files/logo.svg\" alt=\"logo\">"),
            "{h}"
        );
    }

    #[test]
    fn foreign_image_inside_a_link_keeps_its_text() {
        let h = html("[![badge](https://ci.example/b.svg)](https://ci.example)");
        assert_eq!(h.matches("<a ").count(), 1, "{h}");
        assert!(h.contains(">badge</a>"), "{h}");
    }

    #[test]
    fn pads_and_polls_are_embedded() {
        let h = html("https://nichoir.example/p/abc_DEF-1\n\n</poll/xyz>\n\n<https://nichoir.example/poll/q1>\n\n/p/pad2/");
        assert!(
            h.contains(
                "<a class=\"wiki-embed wiki-embed-pad\" href=\"/p/abc_DEF-1\" data-embed=\"pad\" \
                 data-id=\"abc_DEF-1\" rel=\"noopener noreferrer nofollow\">"
            ),
            "{h}"
        );
        assert!(
            h.contains("href=\"/poll/q1\" data-embed=\"poll\" data-id=\"q1\""),
            "{h}"
        );
        assert!(h.contains("data-id=\"pad2\""), "{h}");
        // "</poll/xyz>" is not an autolink (no scheme): it stays out.
        assert!(!h.contains("data-id=\"xyz\""), "{h}");
    }

    #[test]
    fn only_lone_links_of_this_instance_are_embedded() {
        for md in [
            "see https://nichoir.example/p/abc",
            "https://other.example/p/abc",
            "https://nichoir.example.evil.com/p/abc",
            "https://nichoir.example/p/a/b",
            "/poll/new",
            "/poll/admin",
            "[my pad](https://nichoir.example/p/abc)",
            "`https://nichoir.example/p/abc`",
        ] {
            let h = html(md);
            assert!(!h.contains("wiki-embed"), "{md}: {h}");
        }
    }

    #[test]
    fn tables_and_task_lists() {
        let h = html("| a | b |\n|:--|--:|\n| [[Home]] | 2 |\n\n- [x] done\n- [ ] todo\n");
        assert!(h.contains("<th align=\"left\">a</th>"), "{h}");
        assert!(h.contains("<td align=\"right\">2</td>"), "{h}");
        assert!(h.contains("class=\"wikilink\""), "{h}");
        assert!(
            h.contains("<input type=\"checkbox\" disabled=\"\" checked=\"\">")
                || h.contains("checked=\"\""),
            "{h}"
        );
        assert!(h.contains("type=\"checkbox\""), "{h}");
        assert!(!h.contains("style="), "{h}");
    }

    #[test]
    fn strikethrough_and_harmless_html() {
        let h = html("~~old~~ new<br>line <kbd>Ctrl</kbd>");
        assert!(h.contains("<del>old</del>"), "{h}");
        assert!(h.contains("<br>"), "{h}");
        assert!(h.contains("<kbd>Ctrl</kbd>"), "{h}");
    }

    proptest! {
        #[test]
        fn parser_never_panics_and_finds_valid_links(
            before in "[a-z \\[\\]|#]{0,20}",
            name in "[A-Za-zé][A-Za-zé0-9 ]{0,20}",
            label in "[a-z ]{0,10}",
            after in "[a-z \\[\\]|]{0,20}",
        ) {
            // A leading letter: four leading spaces would make a code block.
            let text = format!("x{before} [[{name}|{label}]] {after}");
            let links = wiki_links(&text);
            let expected = validate_page_name(&name).ok();
            prop_assert!(links.iter().any(|l| l.page == expected));
        }

        #[test]
        fn literal_text_is_kept(text in "(?s)[^\\[]{0,40}") {
            let pieces = split_wiki_links(&text);
            let joined: String = pieces.iter().map(|p| match p {
                Piece::Text(t) => t.to_string(),
                Piece::Link(_) => String::new(),
            }).collect();
            prop_assert_eq!(joined, text);
        }

        #[test]
        fn split_keeps_everything_outside_links(text in "(?s)[a-z \\[\\]|#/<]{0,60}") {
            // Walking the text along the pieces: literal runs are found verbatim, and each link
            // spans from a "[[" to the first "]]" after it.
            let mut pos = 0;
            for piece in split_wiki_links(&text) {
                let rest = &text[pos..];
                match piece {
                    Piece::Text(t) => {
                        prop_assert!(rest.starts_with(t));
                        pos += t.len();
                    }
                    Piece::Link(link) => {
                        prop_assert!(rest.starts_with("[["));
                        let close = rest[2..].find("]]").map(|i| i + 2);
                        prop_assert!(close.is_some());
                        pos += close.unwrap_or_default() + 2;
                        if let Some(page) = link.page {
                            prop_assert!(validate_page_name(&page).is_ok());
                        }
                    }
                }
            }
            prop_assert_eq!(pos, text.len());
        }

        #[test]
        fn render_never_panics(md in "(?s)\\PC{0,200}") {
            let r = render_md(&md);
            prop_assert!(!r.html.to_lowercase().contains("<script"));
        }
    }
}
