//! Markdown to safe HTML, shared by every tool that renders user text (pad exports, poll
//! descriptions, chat): CommonMark with tables, strikethrough and task lists, then a sanitiser.
//!
//! Both functions refuse text over the limits of [`crate::limits`] before parsing, check the
//! nesting of the HTML they produce before the sanitiser parses it (inline HTML and emphasis can
//! nest where block structure does not), and give up when the work pool's deadline passes
//! ([`crate::work::over_budget`]). Run them on the work pool ([`crate::work::run`]).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::{limits, work, Error};

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options
}

/// Events between two looks at the clock.
const EVENTS_PER_BUDGET_CHECK: usize = 512;

/// Writes `events` as HTML, stopping when the job's deadline passes.
pub fn push_html_checked<'a>(
    html: &mut String,
    events: impl Iterator<Item = Event<'a>>,
) -> Result<(), Error> {
    let mut budget_hit = false;
    let mut n = 0usize;
    let checked = events.take_while(|_| {
        n += 1;
        if n.is_multiple_of(EVENTS_PER_BUDGET_CHECK) && work::over_budget() {
            budget_hit = true;
        }
        !budget_hit
    });
    pulldown_cmark::html::push_html(html, checked);
    if budget_hit {
        return Err(work::exceeded());
    }
    Ok(())
}

/// The generated HTML, checked for nesting before the sanitiser (html5ever) parses it.
fn sanitise(html: &str, builder: &ammonia::Builder<'_>) -> Result<String, Error> {
    limits::check_generated_html(html)?;
    if work::over_budget() {
        return Err(work::exceeded());
    }
    Ok(builder.clean(html).to_string())
}

/// A document for download (pad export) with no image of its own: as [`to_html_with_images`],
/// every image is a link, so opening the file fetches nothing.
pub fn to_html(text: &str) -> Result<String, Error> {
    to_html_with_images(text, &std::collections::HashMap::new())
}

/// A downloaded document that shows only the images of `images` (keyed by the URL the text names
/// them with: a pad's own images), written in as `data:` URIs, since a file opened from a disk
/// has no server to ask. Any other image, in Markdown or raw HTML, would be a request to whatever
/// host its URL names when the file is opened: a Markdown image becomes a link to it, as in
/// [`to_page_html`], and a raw `<img>` loses its address.
pub fn to_html_with_images(
    text: &str,
    images: &std::collections::HashMap<String, (String, Vec<u8>)>,
) -> Result<String, Error> {
    use base64::Engine as _;
    limits::check_markdown(text)?;
    let events = Parser::new_ext(text, options()).map(|event| match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !images.contains_key(dest_url.as_ref()) => Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }),
        other => other,
    });
    // Which image ends are a link's: a stack, as an image's description may hold another image.
    let mut linked: Vec<bool> = Vec::new();
    let events = events.map(|event| match event {
        Event::Start(Tag::Image { .. }) => {
            linked.push(false);
            event
        }
        Event::Start(Tag::Link { .. }) => {
            linked.push(true);
            event
        }
        Event::End(TagEnd::Image | TagEnd::Link) => {
            if linked.pop().unwrap_or(false) {
                Event::End(TagEnd::Link)
            } else {
                Event::End(TagEnd::Image)
            }
        }
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    push_html_checked(&mut html, events)?;
    // The sanitiser's filter must own what it reads.
    let sources: std::collections::HashMap<String, String> = images
        .iter()
        .map(|(url, (content_type, bytes))| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            (url.clone(), format!("data:{content_type};base64,{b64}"))
        })
        .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(move |element, attribute, value| {
            if element != "img" || attribute != "src" {
                return Some(value.into());
            }
            sources.get(value).map(|src| src.clone().into())
        });
    sanitise(&html, &builder)
}

/// HTML shown inside a page: an image would be a request to whatever host its URL names, so each
/// image becomes a link to it (the page never fetches from a third party). Raw HTML is escaped
/// away by the sanitiser as in [`to_html`].
pub fn to_page_html(text: &str) -> Result<String, Error> {
    limits::check_markdown(text)?;
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
    let mut html = String::with_capacity(text.len() * 3 / 2);
    push_html_checked(&mut html, events)?;
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"));
    sanitise(&html, &builder)
}

/// What a reader sees of `text`, without the marks: for places that show plain text (a calendar
/// event's description, a notification, a mail's excerpt). Lines stay lines, blocks are parted by
/// a blank line, links keep their words, images their description, list items a dash or their
/// number. Text past
/// the limits of [`crate::limits`] is returned as it is.
pub fn to_plain(text: &str) -> String {
    if limits::check_markdown(text).is_err() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    // The next number of each open list (None: a bulleted one).
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::List(first)) => lists.push(first),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                out.push_str("\n\n");
            }
            Event::Start(Tag::Item) => match lists.last_mut() {
                Some(Some(n)) => {
                    out.push_str(&format!("{n}. "));
                    *n += 1;
                }
                _ => out.push_str("- "),
            },
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            Event::End(TagEnd::TableCell) => out.push('\t'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_),
            )
            | Event::Rule => out.push_str("\n\n"),
            _ => {}
        }
    }
    // One blank line at most between blocks; no trailing spaces.
    let mut plain = String::with_capacity(out.len());
    let mut blank = 0;
    for line in out.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !plain.is_empty() {
            plain.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        plain.push_str(line);
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any text gives plain text: no panic, no mark characters added, never much longer.
        #[test]
        fn plain_text_of_anything(s in "[ -~\n\u{e9}\u{1f600}]{0,300}") {
            let p = to_plain(&s);
            proptest::prop_assert!(p.len() <= s.len() * 2 + 8, "{p:?}");
            proptest::prop_assert!(!p.contains("\n\n\n"));
            proptest::prop_assert!(p.chars().filter(|c| *c == '*').count() <= s.chars().filter(|c| *c == '*').count());
        }
    }

    #[test]
    fn plain_text_keeps_the_words_and_lines_not_the_marks() {
        assert_eq!(
            to_plain("**Budget** meeting at *the bar*\nbring [the list](https://x.example/l)"),
            "Budget meeting at the bar\nbring the list"
        );
        assert_eq!(
            to_plain("# Agenda\n\n1. accounts\n2. `party`\n\n- [x] done\n\n\n\nBye"),
            "Agenda\n\n1. accounts\n2. party\n\n- [x] done\n\nBye"
        );
        assert_eq!(to_plain("![a bike](https://x.example/b.png)"), "a bike");
        assert_eq!(to_plain("say <b>hi</b>\n\n<script>x</script>"), "say hi");
        assert_eq!(to_plain(""), "");
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = to_html("# Titre\n\n<script>alert(1)</script><img src=x onerror=alert(1)>")
            .unwrap_or_default();
        assert!(html.contains("<h1>Titre</h1>"));
        assert!(!html.contains("script"));
        assert!(!html.contains("onerror"));
    }

    #[test]
    fn a_document_shows_its_own_images_written_in_and_links_the_others() {
        let mut own = std::collections::HashMap::new();
        own.insert(
            "/api/v1/pads/r-x/images/abc".to_string(),
            ("image/png".to_string(), b"\x89PNG".to_vec()),
        );
        let html = to_html_with_images(
            "![ours](/api/v1/pads/r-x/images/abc) ![theirs](https://tracker.example/t.png)\n\n\
             <img src=\"https://x.example/p.gif\"> <img src=\"/api/v1/pads/r-x/images/abc\">\n\n\
             [![in a link](https://x.example/i.png)](https://x.example/)",
            &own,
        )
        .unwrap_or_default();
        assert_eq!(
            html.matches("<img src=\"data:image/png;base64,iVBORw==\"")
                .count(),
            2,
            "{html}"
        );
        assert!(html.contains("alt=\"ours\""), "{html}");
        assert!(!html.contains("src=\"https"), "{html}");
        assert!(!html.contains("src=\"/"), "{html}");
        assert!(
            html.contains("href=\"https://tracker.example/t.png\""),
            "{html}"
        );
        assert!(html.contains("href=\"https://x.example/i.png\""), "{html}");
    }

    #[test]
    fn page_html_turns_images_into_links() {
        let html = to_page_html(
            "![a cat](https://tracker.example/cat.png) <img src=\"https://x.example/p.gif\">",
        )
        .unwrap_or_default();
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
        let html = to_page_html("[x](javascript:alert(1))").unwrap_or_default();
        assert!(!html.contains("javascript"), "{html}");
    }
}
