//! Size and depth limits for input that reaches a parser, converter or renderer, checked by cheap
//! linear pre-scans before the library sees the text.
//!
//! Why pre-scans: the libraries walk what they parse (htmd recurses once per element; html5ever
//! checks element scopes by walking its stack of open elements, so deep nesting is quadratic;
//! pulldown-cmark re-matches every open container on each line), so their cost and their stack
//! depth grow with nesting. Refusing nesting beyond [`max_nesting`] before they start keeps them
//! linear and keeps recursion far below the stack of the work pool ([`crate::work`]).
//! The scans over-estimate rather than under-estimate: a document they accept is never deeper
//! for the library.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, ErrorCode};

/// Default deepest nesting of Markdown containers (quotes, lists) or HTML elements.
pub const DEFAULT_MAX_NESTING: usize = 64;
/// Default largest text given to a renderer or converter, in bytes.
pub const DEFAULT_MAX_RENDER_BYTES: usize = 4 * 1024 * 1024;

static MAX_NESTING: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_NESTING);
static MAX_RENDER_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_RENDER_BYTES);

/// Sets the limits from the configuration (`limits.max_nesting`, `limits.max_render_bytes`).
pub fn configure(max_nesting: usize, max_render_bytes: usize) {
    MAX_NESTING.store(max_nesting.max(1), Ordering::Relaxed);
    MAX_RENDER_BYTES.store(max_render_bytes.max(1), Ordering::Relaxed);
}

pub fn max_nesting() -> usize {
    MAX_NESTING.load(Ordering::Relaxed)
}

pub fn max_render_bytes() -> usize {
    MAX_RENDER_BYTES.load(Ordering::Relaxed)
}

/// 413 when `len` bytes of `what` exceed the render size limit.
pub fn check_size(len: usize, what: &str) -> Result<(), Error> {
    let max = max_render_bytes();
    if len > max {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("{what} is {len} bytes, over the limit of {max} bytes for processing"),
        ));
    }
    Ok(())
}

fn too_deep(what: &str, max: usize) -> Error {
    Error::validation(format!(
        "{what} nests deeper than the limit of {max} levels; flatten it"
    ))
}

/// Markdown accepted by the renderers: within the size limit, and no line opening more than
/// [`max_nesting`] containers.
pub fn check_markdown(text: &str) -> Result<(), Error> {
    check_size(text.len(), "the text")?;
    let max = max_nesting();
    if markdown_nesting(text) > max {
        return Err(too_deep("the text (lists or quotes)", max));
    }
    Ok(())
}

/// HTML accepted by the converters and the sanitiser: within the size limit and
/// [`max_nesting`] open elements.
pub fn check_html(html: &str) -> Result<(), Error> {
    check_size(html.len(), "the HTML")?;
    let max = max_nesting();
    if html_nesting(html, max) > max {
        return Err(too_deep("the HTML", max));
    }
    Ok(())
}

/// The HTML a Markdown renderer produced, before the sanitiser parses it: inline HTML, emphasis
/// and links nest where the block structure does not. One Markdown level becomes up to two
/// elements (`<ul><li>`, `<blockquote><p>`), and a paragraph holds a few inline ones, so the
/// bound is [`generated_html_nesting`].
pub fn check_generated_html(html: &str) -> Result<(), Error> {
    let max = generated_html_nesting();
    if html_nesting(html, max) > max {
        return Err(too_deep(
            "the text (emphasis, links or inline HTML elements)",
            max,
        ));
    }
    Ok(())
}

/// Deepest HTML a renderer may produce from Markdown within [`max_nesting`].
pub fn generated_html_nesting() -> usize {
    max_nesting() * 2 + 16
}

/// An upper bound of the container depth any line of `text` can reach: the block-quote markers
/// and list markers that open its prefix, plus half its indentation (a nested list item is
/// indented by at least two columns per level). A line opening no container only continues the
/// containers of an earlier line, so its indentation alone (code) counts for nothing.
pub fn markdown_nesting(text: &str) -> usize {
    text.lines().map(line_nesting).max().unwrap_or(0)
}

fn line_nesting(line: &str) -> usize {
    let bytes = line.as_bytes();
    let (mut i, mut columns, mut markers) = (0usize, 0usize, 0usize);
    // The space that ends a marker belongs to it, not to the indentation.
    let mut after_marker = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' if after_marker => after_marker = false,
            b' ' => columns += 1,
            b'\t' => columns += 4,
            b'>' => {
                markers += 1;
                after_marker = true;
            }
            b'-' | b'+' | b'*' if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) => {
                markers += 1;
                after_marker = true;
            }
            b'0'..=b'9' => {
                let digits = bytes
                    .get(i..)
                    .map(|rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
                    .unwrap_or(0);
                let after = i + digits;
                if digits <= 9
                    && matches!(bytes.get(after), Some(b'.' | b')'))
                    && matches!(bytes.get(after + 1), None | Some(b' ' | b'\t'))
                {
                    markers += 1;
                    after_marker = true;
                    i = after + 1;
                    continue;
                }
                break;
            }
            _ => break,
        }
        i += 1;
    }
    if markers == 0 || is_thematic_break(line) {
        return 0;
    }
    markers + columns / 2
}

/// `* * *`, `- - - -`: a rule, not nested list items.
fn is_thematic_break(line: &str) -> bool {
    let marks: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3
        && marks
            .first()
            .is_some_and(|&m| matches!(m, '-' | '*' | '_') && marks.iter().all(|&c| c == m))
}

/// Elements that never hold content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];

/// Elements that an opening tag of the same name closes (`<li>a<li>b` are siblings).
const SELF_CLOSING_SIBLINGS: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rb",
    "rt", "rp", "colgroup", "caption",
];

/// Elements that bound a scope: an end tag does not close an element outside them (html5ever
/// ignores `</b>` in `<b><table><td></b>`), so the scan must not either.
const SCOPE_BOUNDARIES: &[&str] = &[
    "applet",
    "caption",
    "html",
    "table",
    "td",
    "th",
    "marquee",
    "object",
    "template",
    "svg",
    "math",
    "foreignobject",
    "desc",
    "title",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "annotation-xml",
];

/// Deepest element nesting of `html` as an HTML parser would build it, over-estimated, stopping
/// once past `stop_after`.
///
/// Over-estimated on purpose, so that no parser state can hide nesting from it: every `<name`
/// opens an element unless void or `/>`, including inside comments, `<script>` or `<style>`
/// (whose content a parser reads as text in HTML but not inside `<svg>`), and a tag ends at its
/// first `>` whatever the quotes say. An end tag closes its element only when no scope boundary
/// is open above it, as a parser decides. Linear: the stack searched is at most `stop_after`
/// deep.
pub fn html_nesting(html: &str, stop_after: usize) -> usize {
    let bytes = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut deepest = 0usize;
    let mut i = 0usize;
    while let Some(found) = bytes.get(i..).and_then(|rest| memchr(b'<', rest)) {
        i += found + 1;
        let rest = bytes.get(i..).unwrap_or_default();
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        if !rest
            .get(name_start)
            .is_some_and(|b| b.is_ascii_alphabetic())
        {
            continue;
        }
        let name: String = rest
            .get(name_start..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
        let tag_len = memchr(b'>', rest).map_or(rest.len(), |e| e + 1);
        let self_closed = tag_len >= 2 && rest.get(tag_len - 2) == Some(&b'/');
        i += tag_len;
        if closing {
            if let Some(at) = open.iter().rposition(|n| *n == name) {
                let crosses_boundary = open
                    .get(at + 1..)
                    .unwrap_or_default()
                    .iter()
                    .any(|n| SCOPE_BOUNDARIES.contains(&n.as_str()));
                if !crosses_boundary {
                    open.truncate(at);
                }
            }
            continue;
        }
        if self_closed || VOID.contains(&name.as_str()) {
            continue;
        }
        if SELF_CLOSING_SIBLINGS.contains(&name.as_str()) && open.last() == Some(&name) {
            open.pop();
        }
        // Elements the parser adds itself: a row's body, a cell's row.
        let top = open.last().cloned().unwrap_or_default();
        let top = top.as_str();
        if (name == "tr" && !matches!(top, "tbody" | "thead" | "tfoot"))
            || (matches!(name.as_str(), "td" | "th") && top == "table")
        {
            open.push("tbody".into());
        }
        if matches!(name.as_str(), "td" | "th") && top != "tr" {
            open.push("tr".into());
        }
        open.push(name);
        deepest = deepest.max(open.len());
        if deepest > stop_after {
            return deepest;
        }
    }
    deepest
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_depth_counts_quotes_lists_and_indentation() {
        assert_eq!(markdown_nesting("plain\ntext"), 0);
        assert_eq!(markdown_nesting("> > > quote"), 3);
        assert_eq!(markdown_nesting(">>>>quote"), 4);
        assert_eq!(markdown_nesting("- a\n  - b\n    - c"), 3);
        assert_eq!(markdown_nesting("1. - > x"), 3);
        assert_eq!(markdown_nesting("-not a list\n2024. a list"), 1);
        assert_eq!(markdown_nesting("**bold**"), 0);
        assert_eq!(markdown_nesting(&format!("{}code", " ".repeat(400))), 0);
        assert_eq!(markdown_nesting(&"- ".repeat(400)), 0, "a rule");
        assert_eq!(markdown_nesting(&format!("{}x", "- ".repeat(400))), 400);
    }

    #[test]
    fn html_depth_follows_the_tree() {
        assert_eq!(html_nesting("<p>a</p><p>b</p>", 100), 1);
        assert_eq!(html_nesting("<div><div><b>x</b></div></div>", 100), 3);
        assert_eq!(html_nesting("<ul><li>a<li>b<li>c</ul>", 100), 2);
        assert_eq!(html_nesting("<br><img src=x><hr/><x-y/>", 100), 0);
        assert_eq!(
            html_nesting("<a title='<b><b>'>x</a>", 100),
            2,
            "over-counted"
        );
        assert_eq!(
            html_nesting("<!-- <div><div> --><script><div></script>", 100),
            4
        );
        assert_eq!(
            html_nesting("<b><table><tr><td></b><b><table><tr><td></b>", 100),
            10,
            "an end tag does not close across a table (each with its implied tbody)"
        );
        assert_eq!(html_nesting("a < b and c<3", 100), 0);
        assert_eq!(html_nesting(&"<div>".repeat(1000), 10), 11, "stops early");
    }

    #[test]
    fn checks_name_the_limit() {
        let deep = "<div>".repeat(max_nesting() + 1);
        let err = check_html(&deep).expect_err("too deep");
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        assert!(
            err.message.contains(&max_nesting().to_string()),
            "{}",
            err.message
        );
        assert!(check_html(&"<div>".repeat(max_nesting())).is_ok());
        let quotes = ">".repeat(max_nesting() + 1);
        assert!(check_markdown(&quotes).is_err());
        assert!(check_markdown(&">".repeat(max_nesting())).is_ok());
        let big = "a".repeat(max_render_bytes() + 1);
        assert_eq!(
            check_markdown(&big).err().map(|e| e.code),
            Some(ErrorCode::PayloadTooLarge)
        );
    }
}
