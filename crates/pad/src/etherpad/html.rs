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
            Event::End(TagEnd::Link) => out.push_str(if links.pop() == Some(true) {
                "</a>"
            } else {
                ""
            }),
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

/// HTML given to `setHTML` as the pad's Markdown, read as Etherpad reads HTML into a pad: each
/// `<br>` and each block (paragraph, heading, list item) ends a line, inline styles become
/// Markdown's, lists keep their nesting. A scan of the tags, not a DOM: Etherpad's HTML is flat,
/// and what is not understood is dropped for its text.
pub(crate) fn from_etherpad_html(html: &str) -> Result<String, Error> {
    nichoir_core::limits::check_html(html)?;
    let mut r = Reader::default();
    let mut rest = html;
    let mut steps = 0usize;
    while !rest.is_empty() {
        steps += 1;
        if steps.is_multiple_of(4096) && work::over_budget() {
            return Err(work::exceeded());
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        if rest.starts_with('<') {
            let Some(end) = rest.find('>') else {
                r.text(&rest[1..]);
                break;
            };
            r.tag(&rest[1..end]);
            rest = &rest[end + 1..];
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        r.text(&rest[..end]);
        rest = &rest[end..];
    }
    r.end_line(false);
    while r.lines.last().is_some_and(String::is_empty) {
        r.lines.pop();
    }
    Ok(r.lines.join("\n"))
}

#[derive(Default)]
struct Reader {
    lines: Vec<String>,
    line: String,
    /// Open lists: ordered?, next number, the indentation of their items.
    lists: Vec<(bool, u64, usize)>,
    /// Open links: where their text starts in `line`, and their target.
    links: Vec<(usize, String)>,
    /// Inside `<script>`, `<style>`, `<title>` or `<head>`: text dropped.
    skipping: Option<String>,
    /// A block's end just ended the line: a `<br>` right after it (`<h1>…</h1><br>`, as
    /// Etherpad writes a heading) ends no other.
    block_ended: bool,
}

impl Reader {
    /// Ends the line: always for a `<br>`, only a non-empty one for a block's edge.
    fn end_line(&mut self, always: bool) {
        let block_ended = std::mem::take(&mut self.block_ended);
        if always && block_ended && self.line.trim().is_empty() {
            self.line.clear();
            return;
        }
        if !always && !self.line.trim().is_empty() {
            self.block_ended = true;
        }
        if always || !self.line.trim().is_empty() {
            let line = std::mem::take(&mut self.line);
            self.lines.push(line.trim_end().to_string());
        } else {
            self.line.clear();
        }
    }

    fn text(&mut self, raw: &str) {
        if self.skipping.is_some() {
            return;
        }
        let decoded = decode_entities(raw);
        // Newlines in HTML source are spaces; Etherpad's own breaks are `<br>`.
        let flat = decoded.replace(['\n', '\r', '\t'], " ");
        let at_start = self.line.trim().is_empty() && self.links.is_empty();
        let mut text = escape_markdown(&flat);
        if at_start && self.lists.is_empty() {
            text = escape_line_start(text.trim_start());
        }
        if self.line.ends_with(' ') || self.line.is_empty() {
            text = text.trim_start_matches(' ').to_string();
        }
        self.line.push_str(&text);
    }

    fn tag(&mut self, inner: &str) {
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(skipped) = &self.skipping {
            if closing && *skipped == name {
                self.skipping = None;
            }
            return;
        }
        match (name.as_str(), closing) {
            ("script" | "style" | "title" | "head", false) => self.skipping = Some(name),
            ("br", _) => self.end_line(true),
            ("strong" | "b", _) => self.line.push_str("**"),
            ("em" | "i", _) => self.line.push('*'),
            ("s" | "strike" | "del", _) => self.line.push_str("~~"),
            ("u" | "ins", false) => self.line.push_str("<u>"),
            ("u" | "ins", true) => self.line.push_str("</u>"),
            ("code", _) => self.line.push('`'),
            ("a", false) => {
                let href = attribute(inner, "href").unwrap_or_default();
                self.links.push((self.line.len(), href));
                self.line.push('[');
            }
            ("a", true) => {
                if let Some((start, href)) = self.links.pop() {
                    let label = self.line[start + 1..].to_string();
                    let safe = safe_url(&href) && !href.contains([' ', ')', '(']);
                    if !safe || label == escape_markdown(&href) || href.is_empty() {
                        // A bare URL (Etherpad links them itself) or a target not kept.
                        self.line.truncate(start);
                        self.line.push_str(&label);
                    } else {
                        self.line.push_str(&format!("]({href})"));
                    }
                }
            }
            ("ul" | "ol", false) => {
                self.end_line(false);
                let indent = self
                    .lists
                    .last()
                    .map_or(0, |(ordered, _, i)| i + if *ordered { 3 } else { 2 });
                let start = attribute(inner, "start")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(1);
                self.lists.push((name == "ol", start, indent));
            }
            ("ul" | "ol", true) => {
                self.end_line(false);
                self.lists.pop();
            }
            ("li", false) => {
                self.end_line(false);
                if let Some((ordered, next, indent)) = self.lists.last_mut() {
                    let marker = if *ordered {
                        *next += 1;
                        format!("{}. ", *next - 1)
                    } else {
                        "- ".to_string()
                    };
                    self.line = format!("{}{marker}", " ".repeat(*indent));
                }
            }
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", false) => {
                self.end_line(false);
                let level = name[1..].parse::<usize>().unwrap_or(1);
                self.line = format!("{} ", "#".repeat(level));
            }
            (
                "li" | "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre"
                | "table" | "tr",
                _,
            ) => self.end_line(false),
            _ => {}
        }
    }
}

/// The value of `name="…"` in a tag's text, entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let before_ok = lower[..at].ends_with([' ', '\t', '\n']);
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        let (quoted, end) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (true, value[1..].find(q).map(|e| e + 1)),
            _ => (false, value.find([' ', '\t', '\n', '/'])),
        };
        let end = end.unwrap_or(value.len());
        let raw = if quoted {
            &value[1..end]
        } else {
            &value[..end]
        };
        return Some(decode_entities(raw));
    }
    None
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail[..tail.len().min(12)].find(';');
        let decoded = end.and_then(|e| {
            let name = &tail[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            // Etherpad writes kept spaces as `&nbsp;`: in a pad they are spaces.
            Some(('\u{a0}', e)) => {
                out.push(' ');
                rest = &tail[e + 1..];
            }
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Characters Markdown would read as styling, escaped: the pad shows them as they were.
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '`' | '[' | ']' | '~' | '<') {
            out.push('\\');
        }
        if c == '_' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line's start that Markdown would read as a heading, list item or quote, escaped.
fn escape_line_start(s: &str) -> String {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let after_digits = &s[digits..];
    let item_like = (digits > 0
        && (after_digits.starts_with(". ") || after_digits.starts_with(") ")))
        || s.starts_with("- ")
        || s.starts_with("+ ")
        || s.starts_with('#')
        || s.starts_with('>');
    if !item_like {
        return s.to_string();
    }
    if digits > 0 {
        format!("{}\\{}", &s[..digits], after_digits)
    } else {
        format!("\\{s}")
    }
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
    fn etherpad_html_read_line_by_line() {
        let md = from_etherpad_html(
            "<!DOCTYPE HTML><html><head><title>x</title></head><body><h1>Titre</h1><br>a&nbsp;&amp; <s>b</s> <u>c</u> 2*3<br><br><ol start=\"2\" class=\"number\"><li>deux<ul class=\"bullet\"><li>sous</li></ul></li><li>trois</li></ol><a href=\"https://x.org/\">site</a> https://y.org<br>- pas une liste<br></body></html>",
        )
        .expect("converts");
        assert_eq!(
            md,
            "# Titre\na & ~~b~~ <u>c</u> 2\\*3\n\n2. deux\n   - sous\n3. trois\n[site](https://x.org/) https://y.org\n\\- pas une liste"
        );
        let back = html(&md);
        assert!(back.starts_with("<h1>Titre</h1><br>a &amp; <s>b</s> <u>c</u> 2*3<br><br><ol start=\"2\" class=\"number\"><li>deux<ul class=\"bullet\"><li>sous</li></ul></li><li>trois</li></ol>"), "{back}");
        assert!(back.ends_with("- pas une liste<br>"), "{back}");
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
