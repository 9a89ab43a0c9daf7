//! Wiki text, with no I/O: page names and wiki slugs, Markdown with `[[wiki links]]` rendered to
//! safe HTML with a table of contents, three-way merge of concurrent edits, diffs between
//! revisions, starter templates, the Atom feed, and the zip archive a wiki is exported to and
//! imported from. `nichoir-wiki` stores and serves; this crate only computes.

pub mod archive;
pub mod atom;
pub mod diff;
pub mod merge;
pub mod names;
pub mod plain;
pub mod render;
pub mod templates;

/// Line endings as LF only. Browsers send a textarea's text with CRLF in forms and LF from
/// scripts; normalising before storing keeps diffs and merges from seeing every line as changed.
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn newlines_become_lf() {
        assert_eq!(super::normalize_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(super::normalize_newlines("plain\n"), "plain\n");
    }
}
