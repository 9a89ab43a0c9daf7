//! Markdown to safe HTML, shared by every tool that renders user text (pad exports, poll
//! descriptions): CommonMark with tables, strikethrough and task lists, then a sanitiser.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options
}

/// A document for download (pad export): images stay images.
pub fn to_html(text: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(text, options()));
    ammonia::clean(&html)
}

/// HTML shown inside a page: an image would be a request to whatever host its URL names, so each
/// image becomes a link to it (the page never fetches from a third party). Raw HTML is escaped
/// away by the sanitiser as in [`to_html`].
pub fn to_page_html(text: &str) -> String {
    let events = Parser::new_ext(text, options()).map(|event| match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::Builder::default()
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = to_html("# Titre\n\n<script>alert(1)</script><img src=x onerror=alert(1)>");
        assert!(html.contains("<h1>Titre</h1>"));
        assert!(!html.contains("script"));
        assert!(!html.contains("onerror"));
    }

    #[test]
    fn page_html_turns_images_into_links() {
        let html = to_page_html(
            "![a cat](https://tracker.example/cat.png) <img src=\"https://x.example/p.gif\">",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("href=\"https://tracker.example/cat.png\""),
            "{html}"
        );
        assert!(html.contains("a cat"), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn javascript_links_are_dropped() {
        let html = to_page_html("[x](javascript:alert(1))");
        assert!(!html.contains("javascript"), "{html}");
    }
}
