//! A pad's Markdown as Etherpad's `getHTML` writes a pad (src/node/utils/ExportHtml.ts): one
//! line of the pad per line of HTML, `<br>` after each line that is not a list item, lists as
//! `<ul class="bullet">` / `<ol class="number">`, `<strong>`, `<em>`, `<u>`, `<s>`, headings as
//! `<hN>…</hN><br>`, links with `rel="noreferrer noopener"`, characters outside printable ASCII
//! as numeric references, and runs of spaces kept with `&nbsp;` as Etherpad keeps them.
//! Integrations show this HTML as Etherpad gave it, or parse it (Moodle's backups, YesWiki's
//! inclusion), so it follows Etherpad's shape rather than the Markdown renderer's.

use nichoir_core::{work, Error};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Lines between two looks at the work pool's deadline.
const LINES_PER_BUDGET_CHECK: usize = 256;

/// The pad's text as the body of Etherpad's HTML document (without the document around it).
pub(crate) fn to_etherpad_html(text: &str) -> Result<String, Error> {
    nichoir_core::limits::check_markdown(text)?;
    let mut lines: Vec<&str> = text.split('\n').collect();
    // Etherpad's text always ends with a newline that is no line of its own.
    if lines.len() > 1 && lines.last() == Some(&"") {
        lines.pop();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut lists = Lists::default();
    let mut fence: Option<String> = None;
    for (i, raw) in lines.iter().enumerate() {
        if i % LINES_PER_BUDGET_CHECK == 0 && work::over_budget() {
            return Err(work::exceeded());
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(marker) = &fence {
            lists.close_all(&mut out);
            out.push_str(&process_spaces(&encode(line)));
            out.push_str("<br>");
            if line.trim_start().starts_with(marker.as_str()) {
                fence = None;
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            lists.close_all(&mut out);
            fence = Some(trimmed[..3].to_string());
            out.push_str(&process_spaces(&encode(line)));
            out.push_str("<br>");
            continue;
        }
        if let Some(item) = list_item(line) {
            lists.item(&mut out, &item, &inline(item.content));
            continue;
        }
        lists.close_all(&mut out);
        if let Some((level, content)) = heading(line) {
            out.push_str(&format!("<h{level}>{}</h{level}><br>", inline(content)));
        } else if let Some(rest) = trimmed.strip_prefix('>') {
            // Etherpad has no quotes: the marker stays, as text.
            out.push_str(&process_spaces(&format!("&gt;{}", inline_raw(rest))));
            out.push_str("<br>");
        } else {
            out.push_str(&inline(line));
            out.push_str("<br>");
        }
    }
    lists.close_all(&mut out);
    Ok(out)
}

/// The whole document `getHTML` answers.
pub(crate) fn document(body: &str) -> String {
    format!("<!DOCTYPE HTML><html><body>{body}</body></html>")
}

#[derive(Debug, PartialEq)]
enum Kind {
    Bullet,
    Number,
}

struct Item<'a> {
    indent: usize,
    kind: Kind,
    number: u64,
    content: &'a str,
}

fn list_item(line: &str) -> Option<Item<'_>> {
    let body = line.trim_start_matches([' ', '\t']);
    let indent: usize = line[..line.len() - body.len()]
        .chars()
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum();
    let (kind, number, rest) = match body.as_bytes().first()? {
        b'-' | b'*' | b'+' => (Kind::Bullet, 0, &body[1..]),
        b'0'..=b'9' => {
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 9 {
                return None;
            }
            let after = &body[digits..];
            let rest = after
                .strip_prefix('.')
                .or_else(|| after.strip_prefix(')'))?;
            (Kind::Number, body[..digits].parse().ok()?, rest)
        }
        _ => return None,
    };
    // A marker is followed by a space (or ends the line: an empty item); `**bold**` and `-1`
    // are no items.
    let content = match rest.strip_prefix([' ', '\t']) {
        Some(c) => c.trim_start_matches([' ', '\t']),
        None if rest.is_empty() => "",
        None => return None,
    };
    // `---` and `***` alone are rules, not items.
    if kind == Kind::Bullet
        && content.chars().all(|c| c == '-' || c == '*' || c == ' ')
        && !content.is_empty()
    {
        return None;
    }
    Some(Item {
        indent,
        kind,
        number,
        content,
    })
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let level = t.bytes().take_while(|b| *b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &t[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    // A closing run of `#` is no part of the title.
    let content = rest.trim();
    let content = match content.trim_end_matches('#') {
        c if c.is_empty() || c.ends_with(' ') => c.trim_end(),
        _ => content,
    };
    Some((level, content))
}

/// The open lists, outermost first: their kind and whether their last `<li>` is still open.
#[derive(Default)]
struct Lists {
    open: Vec<(Kind, usize, bool)>,
}

impl Lists {
    fn close_top(&mut self, out: &mut String) {
        if let Some((kind, _, li_open)) = self.open.pop() {
            if li_open {
                out.push_str("</li>");
            }
            out.push_str(match kind {
                Kind::Bullet => "</ul>",
                Kind::Number => "</ol>",
            });
        }
    }

    fn close_all(&mut self, out: &mut String) {
        while !self.open.is_empty() {
            self.close_top(out);
        }
    }

    fn item(&mut self, out: &mut String, item: &Item<'_>, content: &str) {
        // Deeper items nest in the item before them; shallower ones close what was deeper.
        while self
            .open
            .last()
            .is_some_and(|(_, indent, _)| *indent > item.indent)
        {
            self.close_top(out);
        }
        let same_level = self
            .open
            .last()
            .is_some_and(|(_, indent, _)| *indent == item.indent);
        if same_level && self.open.last().is_some_and(|(k, _, _)| *k != item.kind) {
            self.close_top(out);
        }
        let continues = self
            .open
            .last()
            .is_some_and(|(k, indent, _)| *indent == item.indent && *k == item.kind);
        if continues {
            if let Some(top) = self.open.last_mut() {
                if top.2 {
                    out.push_str("</li>");
                }
                top.2 = false;
            }
        } else {
            if let Some(top) = self.open.last_mut() {
                if !top.2 {
                    out.push_str("<li>");
                    top.2 = true;
                }
            }
            match item.kind {
                Kind::Bullet => out.push_str("<ul class=\"bullet\">"),
                Kind::Number if item.number > 1 => {
                    out.push_str(&format!("<ol start=\"{}\" class=\"number\">", item.number))
                }
                Kind::Number => out.push_str("<ol class=\"number\">"),
            }
            self.open.push((
                match item.kind {
                    Kind::Bullet => Kind::Bullet,
                    Kind::Number => Kind::Number,
                },
                item.indent,
                false,
            ));
        }
        out.push_str("<li>");
        out.push_str(content);
        if let Some(top) = self.open.last_mut() {
            top.2 = true;
        }
    }
}

/// One line's inline Markdown as Etherpad's inline HTML, spaces processed.
fn inline(content: &str) -> String {
    process_spaces(&inline_raw(content))
}

fn inline_raw(content: &str) -> String {
    // Spaces around the text are the pad's (Markdown would drop them, or read four leading
    // ones as code), and a rule (`---`) is text in a line of Etherpad.
    let core = content.trim();
    let lead = &content[..content.len() - content.trim_start().len()];
    let trail = &content[lead.len() + core.len()..];
    if is_rule(core) {
        return encode(content);
    }
    format!("{}{}{}", encode(lead), markdown_inline(core), encode(trail))
}

fn is_rule(s: &str) -> bool {
    let marks: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3
        && marks.iter().all(|c| matches!(c, '-' | '*' | '_'))
        && marks.iter().all(|c| *c == marks[0])
}

fn markdown_inline(content: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut out = String::with_capacity(content.len() + 16);
    // Links that are open, and whether each wrote its `<a>` (unsafe schemes keep the text only).
    let mut links: Vec<bool> = Vec::new();
    for event in Parser::new_ext(content, options) {
        match event {
            Event::Text(t) => {
                let t = t.strip_suffix('\n').unwrap_or(&t);
                if links.is_empty() {
                    push_linked(&mut out, t);
                } else {
                    out.push_str(&encode(t));
                }
            }
            Event::Code(t) => {
                out.push_str("<code>");
                out.push_str(&encode(&t));
                out.push_str("</code>");
            }
            Event::InlineHtml(h) | Event::Html(h) => match h.trim().to_ascii_lowercase().as_str() {
                "<u>" | "<ins>" => out.push_str("<u>"),
                "</u>" | "</ins>" => out.push_str("</u>"),
                "<br>" | "<br/>" | "<br />" => {}
                _ => out.push_str(&encode(h.trim_end_matches('\n'))),
            },
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Strong) => out.push_str("<strong>"),
            Event::End(TagEnd::Strong) => out.push_str("</strong>"),
            Event::Start(Tag::Emphasis) => out.push_str("<em>"),
            Event::End(TagEnd::Emphasis) => out.push_str("</em>"),
            Event::Start(Tag::Strikethrough) => out.push_str("<s>"),
            Event::End(TagEnd::Strikethrough) => out.push_str("</s>"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let safe = safe_url(&dest_url);
                if safe {
                    out.push_str(&format!(
                        "<a href=\"{}\" rel=\"noreferrer noopener\">",
                        encode(&dest_url)
                    ));
                }
                links.push(safe);
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    out.push_str("</a>");
                }
            }
            // Block structure inside one line (a `#` after a list marker, an indented line)
            // and images (their text stays) write nothing of their own.
            _ => {}
        }
    }
    out
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    [
        "http://", "https://", "mailto:", "ftp://", "ftps://", "sftp://", "tel:", "xmpp:",
    ]
    .iter()
    .any(|s| lower.starts_with(s))
        || lower.starts_with('/')
        || lower.starts_with('#')
}

/// Text with its bare URLs as links, as Etherpad's `padutils.findURLs` finds them.
fn push_linked(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        out.push_str(&encode(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        // Trailing punctuation closes the sentence, not the URL.
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
            end -= 1;
        }
        let url = &tail[..end];
        let href = if url.to_ascii_lowercase().starts_with("www.") {
            format!("http://{url}")
        } else {
            url.to_string()
        };
        out.push_str(&format!(
            "<a href=\"{}\" rel=\"noreferrer noopener\">{}</a>",
            encode(&href),
            encode(url)
        ));
        rest = &tail[end..];
        if end == 0 {
            // A prefix alone ("www." at the end): written as text.
            let n = tail.chars().next().map_or(1, char::len_utf8);
            out.push_str(&encode(&tail[..n]));
            rest = &tail[n..];
        }
    }
    out.push_str(&encode(rest));
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    ["https://", "http://", "www."]
        .iter()
        .filter_map(|p| {
            lower.match_indices(p).map(|(i, _)| i).find(|&i| {
                // A URL starts a word.
                i == 0
                    || !lower[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '/')
            })
        })
        .min()
}

/// Etherpad's `Security.escapeHTML` then `_encodeWhitespace`: markup characters escaped,
/// everything outside printable ASCII (whitespace aside) as a numeric reference.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '\u{c}' => {}
            c if ('\u{21}'..='\u{7e}').contains(&c) || c.is_whitespace() || c == '\u{feff}' => {
                out.push(c)
            }
            c => out.push_str(&format!("&#{};", c as u32)),
        }
    }
    out
}

/// Etherpad's `_processSpaces`: the last space of a run stays a space (lines wrap there), the
/// others, and a space that starts or ends the line, become `&nbsp;`.
fn process_spaces(s: &str) -> String {
    // Tags, single spaces, and runs of anything else, as Etherpad splits the line.
    let mut parts: Vec<&str> = Vec::new();
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let end = match bytes[i] {
            b'<' => s[i..].find('>').map_or(s.len(), |e| i + e + 1),
            b' ' => i + 1,
            _ => s[i..].find([' ', '<']).map_or(s.len(), |e| i + e),
        };
        parts.push(&s[i..end]);
        i = end;
    }
    let mut nbsp = vec![false; parts.len()];
    let (mut end_of_line, mut before_space) = (true, false);
    for (k, p) in parts.iter().enumerate().rev() {
        if *p == " " {
            if end_of_line || before_space {
                nbsp[k] = true;
            }
            end_of_line = false;
            before_space = true;
        } else if !p.starts_with('<') {
            end_of_line = false;
            before_space = false;
        }
    }
    for (k, p) in parts.iter().enumerate() {
        if *p == " " {
            nbsp[k] = true;
            break;
        } else if !p.starts_with('<') {
            break;
        }
    }
    let mut out = String::with_capacity(s.len());
    for (k, p) in parts.iter().enumerate() {
        out.push_str(if nbsp[k] { "&nbsp;" } else { p });
    }
    out
}

/// HTML given to `setHTML` as the pad's Markdown: Etherpad's line breaks are the pad's lines.
pub(crate) fn from_etherpad_html(html: &str) -> Result<String, Error> {
    let md = crate::import::html_to_markdown(html)?;
    // htmd writes a `<br>` as a hard break (two spaces, then the newline): in a pad a line
    // break is just that.
    let lines: Vec<&str> = md
        .split('\n')
        .map(|l| l.strip_suffix("  ").unwrap_or(l))
        .collect();
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        to_etherpad_html(md).expect("renders")
    }

    #[test]
    fn lines_and_inline_styles() {
        assert_eq!(html(""), "<br>");
        assert_eq!(html("Bonjour\nà tous\n"), "Bonjour<br>&#224; tous<br>");
        assert_eq!(
            html("**gras** *it* ~~barré~~ <u>souligné</u> & <b>"),
            "<strong>gras</strong> <em>it</em> <s>barr&#233;</s> <u>soulign&#233;</u> &amp; &lt;b&gt;<br>"
        );
        assert_eq!(html("# Titre\n\ntexte"), "<h1>Titre</h1><br><br>texte<br>");
        assert_eq!(html("## Deux ##"), "<h2>Deux</h2><br>");
        assert_eq!(
            html("  deux  espaces "),
            "&nbsp; deux&nbsp; espaces&nbsp;<br>"
        );
        assert_eq!(
            html("l'été \"x\""),
            "l&#x27;&#233;t&#233; &quot;x&quot;<br>"
        );
    }

    #[test]
    fn lists_as_etherpad_writes_them() {
        assert_eq!(
            html("avant\n- a\n- b\naprès"),
            "avant<br><ul class=\"bullet\"><li>a</li><li>b</li></ul>apr&#232;s<br>"
        );
        assert_eq!(
            html("1. un\n2. deux"),
            "<ol class=\"number\"><li>un</li><li>deux</li></ol>"
        );
        assert_eq!(
            html("3. trois"),
            "<ol start=\"3\" class=\"number\"><li>trois</li></ol>"
        );
        assert_eq!(
            html("- a\n  - a1\n- b"),
            "<ul class=\"bullet\"><li>a<ul class=\"bullet\"><li>a1</li></ul></li><li>b</li></ul>"
        );
        assert_eq!(
            html("- a\n1. b"),
            "<ul class=\"bullet\"><li>a</li></ul><ol class=\"number\"><li>b</li></ol>"
        );
        assert_eq!(
            html("**x**\n---\n-1"),
            "<strong>x</strong><br>---<br>-1<br>"
        );
    }

    #[test]
    fn links_code_and_fences() {
        assert_eq!(
            html("voir [le site](https://example.org/a?b=1&c=2) et www.nichoir.fr."),
            "voir <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"noreferrer noopener\">le site</a> et <a href=\"http://www.nichoir.fr\" rel=\"noreferrer noopener\">www.nichoir.fr</a>.<br>"
        );
        assert_eq!(html("[x](javascript:alert(1))"), "x<br>");
        assert_eq!(html("`a<b`"), "<code>a&lt;b</code><br>");
        assert_eq!(
            html("```\n**pas gras**\n```"),
            "```<br>**pas gras**<br>```<br>"
        );
        assert_eq!(html("> cité"), "&gt; cit&#233;<br>");
    }

    #[test]
    fn etherpad_html_back_to_lines() {
        let md = from_etherpad_html(
            "<!DOCTYPE HTML><html><body>Bonjour<br><strong>gras</strong><br><ul class=\"bullet\"><li>a</li><li>b</li></ul></body></html>",
        )
        .expect("converts");
        assert!(md.starts_with("Bonjour\n**gras**"), "{md:?}");
        assert!(!md.contains("  \n"), "{md:?}");
        let again = html(&md);
        assert!(again.contains("<strong>gras</strong>"), "{again}");
        assert!(
            again.contains("<ul class=\"bullet\"><li>a</li><li>b</li></ul>"),
            "{again}"
        );
    }
}
