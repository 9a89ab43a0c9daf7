//! What a reader sees of a wiki text, without its marks: for places that show plain text (search
//! excerpts). Markdown marks go (emphasis, headings, quotes, list bullets, code fences, tables'
//! pipes, link targets), `[[wiki links]]` keep their label, images their description, raw HTML
//! its text. Blocks are parted by a line break, so the words of two blocks never run together.

use nichoir_core::{limits, work};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, TextMergeStream};

use crate::render::{split_wiki_links, Piece};

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options
}

/// The plain text of a wiki page. Never fails: a text past the limits of [`nichoir_core::limits`]
/// (which the parser is not given), or still parsing past the work pool's deadline, loses its
/// mark characters instead.
pub fn to_plain(text: &str) -> String {
    if limits::check_markdown(text).is_err() {
        return tidy(&crude(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut in_code_block = 0usize;
    for (steps, event) in TextMergeStream::new(Parser::new_ext(text, options())).enumerate() {
        // On the work pool, a text that takes too long gets the linear path instead.
        if steps % 512 == 511 && work::over_budget() {
            return tidy(&crude(text));
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block += 1,
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = in_code_block.saturating_sub(1);
                out.push('\n');
            }
            // Code is shown as written: `[[x]]` there is not a link.
            Event::Text(t) if in_code_block > 0 => out.push_str(&t),
            Event::Text(t) => push_links_as_labels(&t, &mut out),
            Event::Code(t) => out.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => push_html_text(&h, &mut out),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            // Cells of a row stay on one line, apart.
            Event::End(TagEnd::TableCell) => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_),
            )
            | Event::Rule => out.push('\n'),
            _ => {}
        }
    }
    tidy(&out)
}

fn push_links_as_labels(text: &str, out: &mut String) {
    for piece in split_wiki_links(text) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Link(link) => out.push_str(&link.label),
        }
    }
}

/// The text between the tags of raw HTML. A tag left open at the end (an HTML block's line
/// break inside a tag) swallows nothing past the text given.
fn push_html_text(html: &str, out: &mut String) {
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
}

/// For a text the parser is not given: wiki links as their label, then every character that
/// Markdown uses as a mark replaced by a space. Words keep their letters.
fn crude(text: &str) -> String {
    let mut labelled = String::with_capacity(text.len());
    push_links_as_labels(text, &mut labelled);
    labelled
        .chars()
        .map(|c| if MARKS.contains(&c) { ' ' } else { c })
        .collect()
}

/// Characters that carry Markdown or wiki-link syntax (the crude path blanks them all).
const MARKS: &[char] = &['*', '_', '`', '#', '>', '<', '[', ']', '|', '~', '=', '!'];

/// One line per line of text, no blank lines, spaces inside a line collapsed: an excerpt reads
/// as running text.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let mut first = true;
        for w in words {
            if !first {
                out.push(' ');
            }
            first = false;
            out.push_str(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn marks_go_and_words_stay() {
        let text = "# Réunion du **club**\n\n\
                    Voir [[Budget 2024|le budget]] et [[Notes]], _vite_.\n\n\
                    > cité\n\n\
                    - un\n- [ ] deux\n\n\
                    | a | b |\n|---|---|\n| c | d |\n\n\
                    ![photo du local](/w/club/_files/local.jpg) [site](https://example.org) ~~non~~\n\n\
                    `[[code]]` <b>gras</b>\n\n\
                    ```\nfn x() {}\n```\n";
        assert_eq!(
            to_plain(text),
            "Réunion du club\nVoir le budget et Notes, vite.\ncité\nun\ndeux\na b\nc d\n\
             photo du local site non\n[[code]] gras\nfn x() {}"
        );
        assert_eq!(to_plain("[[#Section]] [[Page#Part]]"), "Section Page#Part");
        assert_eq!(to_plain(""), "");
    }

    #[test]
    fn texts_past_the_limits_lose_their_marks_without_the_parser() {
        let deep = format!("{}word **bold** [[Page|label]]", "> ".repeat(10_000));
        let plain = to_plain(&deep);
        assert_eq!(plain, "word bold label");
    }

    /// A word: letters only, so any mark character in the output came from the syntax.
    fn word() -> impl Strategy<Value = String> {
        "[a-zA-Zéà]{1,8}"
    }

    /// One piece of inline text around a word, in one of the marks the wiki knows.
    fn inline() -> impl Strategy<Value = (String, Vec<String>)> {
        (word(), word(), 0..9usize).prop_map(|(a, b, kind)| {
            let text = match kind {
                0 => format!("**{a}**"),
                1 => format!("_{a}_"),
                2 => format!("~~{a}~~"),
                3 => format!("[[{a}]]"),
                4 => format!("[[{b}|{a}]]"),
                5 => format!("[{a}](https://example.org/{b})"),
                6 => format!("![{a}](/w/x/_files/{b}.png)"),
                7 => format!("<span>{a}</span>"),
                _ => a.clone(),
            };
            (text, vec![a])
        })
    }

    /// A block: a line of inline pieces behind one of the block marks.
    fn block() -> impl Strategy<Value = (String, Vec<String>)> {
        (prop::collection::vec(inline(), 1..5), 0..6usize).prop_map(|(pieces, kind)| {
            let words: Vec<String> = pieces.iter().flat_map(|(_, w)| w.clone()).collect();
            let line = pieces
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
                .join(" ");
            let text = match kind {
                0 => format!("## {line}"),
                1 => format!("> {line}"),
                2 => format!("- {line}"),
                3 => format!("1. {line}"),
                // A pipe would cut the cell: tables hold only pipe-free pieces here.
                4 if !line.contains('|') => format!("| {line} |\n|---|"),
                _ => line,
            };
            (text, words)
        })
    }

    proptest! {
        #[test]
        fn structured_texts_keep_their_words_and_lose_their_marks(
            blocks in prop::collection::vec(block(), 0..8),
        ) {
            let text = blocks.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join("\n\n");
            let plain = to_plain(&text);
            for mark in ["**", "~~", "[[", "]]", "](", "#", ">", "|", "<", "_", "!["] {
                prop_assert!(!plain.contains(mark), "{mark:?} in {plain:?} from {text:?}");
            }
            let words: Vec<&str> = plain.split_whitespace().collect();
            let expected: Vec<&str> =
                blocks.iter().flat_map(|(_, w)| w.iter().map(String::as_str)).collect();
            prop_assert_eq!(words, expected, "from {:?}", text);
        }

        #[test]
        fn any_text_gives_plain_text_without_panicking(text in "\\PC{0,400}") {
            let plain = to_plain(&text);
            prop_assert!(!plain.contains("\n\n") && !plain.starts_with('\n'));
        }

        #[test]
        fn mark_heavy_texts_never_panic(text in "[\\[\\]|#*_`>~<!()a \n-]{0,400}") {
            let _ = to_plain(&text);
        }
    }
}
