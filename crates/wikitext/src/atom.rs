//! The Atom 1.0 feed of a wiki's recent changes.

use atom_syndication::{Entry, Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig};

#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Unique and stable URI of the entry, e.g. the page URL with `?rev=`.
    pub id: String,
    pub title: String,
    pub url: String,
    pub author: String,
    pub updated_ms: i64,
    /// Plain text (an edit summary); never interpreted as HTML by readers.
    pub summary: String,
}

fn datetime(ms: i64) -> FixedDateTime {
    // Out of range instants format as "" and fall back to the epoch rather than fail the feed.
    nichoir_core::time::rfc3339(ms).parse().unwrap_or_default()
}

/// Removes what XML 1.0 cannot carry at all (most control characters): escaping does not help
/// there, and one stray character would make the whole feed unreadable.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || (!c.is_control() && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .collect()
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    let mut link = Link::default();
    link.set_href(xml_text(href));
    link.set_rel(rel);
    link.set_mime_type(Some(mime_type.to_string()));
    link
}

fn person(name: &str) -> Person {
    let mut person = Person::default();
    person.set_name(xml_text(name));
    person
}

/// The feed as an XML document.
pub fn feed(
    title: &str,
    feed_url: &str,
    site_url: &str,
    updated_ms: i64,
    entries: &[FeedEntry],
) -> String {
    let mut feed = Feed::default();
    feed.set_id(xml_text(feed_url));
    feed.set_title(Text::plain(xml_text(title)));
    feed.set_updated(datetime(updated_ms));
    // Atom wants an author on the feed unless every entry has one; the wiki itself will do.
    feed.set_authors(vec![person(title)]);
    feed.set_links(vec![
        link(feed_url, "self", "application/atom+xml"),
        link(site_url, "alternate", "text/html"),
    ]);
    feed.set_generator(Some(Generator {
        value: "Nichoir".into(),
        uri: None,
        version: Some(nichoir_core::VERSION.into()),
    }));
    feed.set_entries(
        entries
            .iter()
            .map(|e| {
                let mut entry = Entry::default();
                entry.set_id(xml_text(&e.id));
                entry.set_title(Text::plain(xml_text(&e.title)));
                entry.set_updated(datetime(e.updated_ms));
                entry.set_links(vec![link(&e.url, "alternate", "text/html")]);
                if !e.author.trim().is_empty() {
                    entry.set_authors(vec![person(&e.author)]);
                }
                if !e.summary.trim().is_empty() {
                    entry.set_summary(Some(Text::plain(xml_text(&e.summary))));
                }
                entry
            })
            .collect::<Vec<_>>(),
    );
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: None,
    };
    // Writing to memory cannot fail and quick-xml writes UTF-8; an empty document is the
    // harmless answer should either ever change.
    feed.write_with_config(Vec::new(), config)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i64) -> FeedEntry {
        FeedEntry {
            id: format!("https://nichoir.example/w/club/Home?rev={n}"),
            title: format!("Home (rev {n})"),
            url: format!("https://nichoir.example/w/club/Home?rev={n}"),
            author: "Camille".into(),
            updated_ms: 1_700_000_000_000 + n,
            summary: "typo <b>fixed</b> & more".into(),
        }
    }

    #[test]
    fn parses_back() {
        let xml = feed(
            "Club wiki",
            "https://nichoir.example/w/club/feed.atom",
            "https://nichoir.example/w/club",
            1_700_000_000_002,
            &[entry(2), entry(1)],
        );
        assert!(xml.starts_with("<?xml version=\"1.0\"?>"), "{xml}");
        let parsed: Feed = match xml.parse() {
            Ok(f) => f,
            Err(e) => panic!("{e}: {xml}"),
        };
        assert_eq!(parsed.title().as_str(), "Club wiki");
        assert_eq!(parsed.id(), "https://nichoir.example/w/club/feed.atom");
        assert_eq!(
            parsed.updated().to_rfc3339(),
            "2023-11-14T22:13:20.002+00:00"
        );
        assert_eq!(parsed.entries().len(), 2);
        let first = &parsed.entries()[0];
        assert_eq!(first.id(), "https://nichoir.example/w/club/Home?rev=2");
        assert_eq!(first.authors()[0].name(), "Camille");
        assert_eq!(
            first.links()[0].href(),
            "https://nichoir.example/w/club/Home?rev=2"
        );
        assert_eq!(
            first.summary().map(|s| s.as_str()),
            Some("typo <b>fixed</b> & more")
        );
        assert!(parsed
            .links()
            .iter()
            .any(|l| l.rel() == "self" && l.href().ends_with("feed.atom")));
    }

    #[test]
    fn text_is_escaped() {
        let xml = feed(
            "<script>alert(1)</script> & co",
            "https://x.example/feed?a=1&b=2",
            "https://x.example/",
            0,
            &[FeedEntry {
                title: "\"quoted\" <i>".into(),
                author: "A & B\u{1}".into(),
                ..entry(1)
            }],
        );
        assert!(!xml.contains("<script>"), "{xml}");
        assert!(
            xml.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
            "{xml}"
        );
        assert!(xml.contains("feed?a=1&amp;b=2"), "{xml}");
        assert!(!xml.contains('\u{1}'));
        let parsed: Option<Feed> = xml.parse().ok();
        let parsed = parsed.unwrap_or_default();
        assert_eq!(parsed.title().as_str(), "<script>alert(1)</script> & co");
        assert_eq!(parsed.entries()[0].title().as_str(), "\"quoted\" <i>");
        assert_eq!(parsed.entries()[0].authors()[0].name(), "A & B");
    }

    #[test]
    fn empty_and_out_of_range() {
        let xml = feed("W", "u", "s", i64::MAX, &[]);
        let parsed: Option<Feed> = xml.parse().ok();
        assert_eq!(
            parsed.map(|f| f.updated().to_rfc3339()),
            Some("1970-01-01T00:00:00+00:00".to_string())
        );
    }
}
