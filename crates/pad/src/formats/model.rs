//! The one document shape every pad file format goes through: a flat list of blocks (a heading, a
//! paragraph, a list item with its depth, a code block, a rule), each with styled spans. Markdown
//! is read into it with pulldown-cmark and written back from it, so the `.etherpad`, DOCX and ODT
//! writers and readers only deal with blocks and spans, never with Markdown syntax.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use nichoir_core::{limits, work, Error};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strike: bool,
    pub code: bool,
}

/// A run of text with one style. A `\n` in `text` is a line break inside the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: Style,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Paragraph,
    /// 1 to 6.
    Heading(u8),
    /// `number` is the item's number in an ordered list, `None` in a bulleted one; `task` is a
    /// checkbox and whether it is checked.
    Item {
        number: Option<u64>,
        task: Option<bool>,
    },
    Code,
    Rule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    /// List depth, from 1 for a top-level item; a paragraph inside an item keeps the item's depth.
    pub depth: usize,
    /// Block quote depth.
    pub quote: usize,
    pub spans: Vec<Span>,
}

/// A paragraph read from a word processor's file, added to `blocks`: a code paragraph continues
/// the code block before it (word processors write one paragraph per line of code); an empty
/// paragraph is dropped unless it is a list item.
pub fn push_read(blocks: &mut Vec<Block>, b: Block) {
    if b.kind == Kind::Code {
        if let Some(prev) = blocks.last_mut().filter(|p| p.kind == Kind::Code) {
            let text = b.plain_text();
            prev.push("\n", Style::default(), None);
            prev.push(&text, Style::default(), None);
            return;
        }
    }
    let empty = b.spans.iter().all(|s| s.text.trim().is_empty());
    if !empty || matches!(b.kind, Kind::Item { .. }) {
        blocks.push(b);
    }
}

impl Block {
    pub fn new(kind: Kind) -> Self {
        Block {
            kind,
            depth: 0,
            quote: 0,
            spans: Vec::new(),
        }
    }

    pub fn plain_text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Appends text, merged into the last span when it has the same style and link.
    pub fn push(&mut self, text: &str, style: Style, link: Option<&str>) {
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.spans.last_mut() {
            if last.style == style && last.link.as_deref() == link {
                last.text.push_str(text);
                return;
            }
        }
        self.spans.push(Span {
            text: text.to_string(),
            style,
            link: link.map(str::to_string),
        });
    }
}

fn options() -> Options {
    let mut o = Options::empty();
    o.insert(Options::ENABLE_TABLES);
    o.insert(Options::ENABLE_STRIKETHROUGH);
    o.insert(Options::ENABLE_TASKLISTS);
    o
}

/// Events between two looks at the work pool's deadline.
const EVENTS_PER_CHECK: usize = 512;

/// Reads Markdown into blocks. Soft line breaks stay line breaks: a pad is read line by line.
/// Raw HTML is dropped except `<u>`/`</u>` (underline, which Markdown lacks) and `<br>`.
pub fn from_markdown(text: &str) -> Result<Vec<Block>, Error> {
    read_markdown(text).map(|(blocks, _)| blocks)
}

/// Blocks with the blank lines of the source around them: what a line-by-line format (an
/// Etherpad text) keeps that the blocks alone lose.
pub struct Spaced {
    pub blocks: Vec<Block>,
    /// Blank lines just before each block (before the first: at the top of the text).
    pub blank_before: Vec<usize>,
    /// Blank lines after the last block (the text's final line break not counted).
    pub blank_after: usize,
}

/// Reads Markdown into blocks and counts the blank lines between them in the source.
pub fn from_markdown_spaced(text: &str) -> Result<Spaced, Error> {
    let (blocks, starts) = read_markdown(text)?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<&str> = body.split('\n').collect();
    // A line of only spaces and quote marks separates blocks as an empty one does.
    let blank = |l: &str| l.chars().all(|c| c.is_whitespace() || c == '>');
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| {
        line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    };
    let mut blank_before = Vec::with_capacity(starts.len());
    let mut prev_line: Option<usize> = None;
    for &start in &starts {
        let line = line_of(start);
        let floor = prev_line.map_or(0, |p| p + 1);
        let mut n = 0;
        while line > floor + n && lines.get(line - n - 1).is_some_and(|l| blank(l)) {
            n += 1;
        }
        blank_before.push(n);
        prev_line = Some(line);
    }
    let floor = prev_line.map_or(0, |p| p + 1);
    let blank_after = if blocks.is_empty() {
        0
    } else {
        lines
            .iter()
            .skip(floor)
            .rev()
            .take_while(|l| blank(l))
            .count()
    };
    Ok(Spaced {
        blocks,
        blank_before,
        blank_after,
    })
}

/// Blocks, and the source offset where each one starts.
fn read_markdown(text: &str) -> Result<(Vec<Block>, Vec<usize>), Error> {
    limits::check_markdown(text)?;
    let mut starts: Vec<usize> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut cur: Option<Block> = None;
    let mut style = Style::default();
    let (mut bold, mut italic, mut strike, mut underline) = (0usize, 0usize, 0usize, 0usize);
    let mut link: Option<String> = None;
    // One entry per open list: the next number of an ordered list.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut quote = 0usize;
    // The item whose first paragraph has not started yet, and its checkbox.
    let mut pending_item: Option<Kind> = None;
    let mut in_code = false;
    let mut in_image = 0usize;
    let mut in_cell = false;

    let flush = |cur: &mut Option<Block>, blocks: &mut Vec<Block>| {
        if let Some(b) = cur.take() {
            blocks.push(b);
        }
    };
    let open = |cur: &mut Option<Block>,
                blocks: &mut Vec<Block>,
                pending: &mut Option<Kind>,
                kind: Kind,
                depth: usize,
                quote: usize| {
        flush(cur, blocks);
        let kind = match (pending.take(), kind) {
            (Some(item), Kind::Paragraph) => item,
            (_, k) => k,
        };
        *cur = Some(Block {
            kind,
            depth,
            quote,
            spans: Vec::new(),
        });
    };

    for (n, (event, range)) in Parser::new_ext(text, options())
        .into_offset_iter()
        .enumerate()
    {
        if n % EVENTS_PER_CHECK == EVENTS_PER_CHECK - 1 && work::over_budget() {
            return Err(work::exceeded());
        }
        let depth = lists.len();
        match event {
            Event::Start(Tag::Paragraph) => {
                open(
                    &mut cur,
                    &mut blocks,
                    &mut pending_item,
                    Kind::Paragraph,
                    depth,
                    quote,
                );
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                open(
                    &mut cur,
                    &mut blocks,
                    &mut pending_item,
                    Kind::Heading(level),
                    depth,
                    quote,
                );
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let _ = matches!(kind, CodeBlockKind::Fenced(_));
                open(
                    &mut cur,
                    &mut blocks,
                    &mut pending_item,
                    Kind::Code,
                    depth,
                    quote,
                );
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                if let Some(b) = cur.as_mut() {
                    if let Some(last) = b.spans.last_mut() {
                        if last.text.ends_with('\n') {
                            last.text.pop();
                        }
                    }
                }
                flush(&mut cur, &mut blocks);
            }
            Event::Start(Tag::BlockQuote(_)) => {
                flush(&mut cur, &mut blocks);
                quote += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                flush(&mut cur, &mut blocks);
                quote = quote.saturating_sub(1);
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut cur, &mut blocks);
                // An item whose first content is a list: it shows as an empty item.
                if let Some(item) = pending_item.take() {
                    blocks.push(Block {
                        kind: item,
                        depth,
                        quote,
                        spans: Vec::new(),
                    });
                }
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut cur, &mut blocks);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut cur, &mut blocks);
                let number = lists.last_mut().and_then(|n| {
                    let this = *n;
                    if let Some(v) = n.as_mut() {
                        *v += 1;
                    }
                    this
                });
                pending_item = Some(Kind::Item { number, task: None });
            }
            Event::TaskListMarker(checked) => {
                if let Some(Kind::Item { task, .. }) = pending_item.as_mut() {
                    *task = Some(checked);
                } else if let Some(Block {
                    kind: Kind::Item { task, .. },
                    ..
                }) = cur.as_mut()
                {
                    *task = Some(checked);
                }
            }
            Event::End(TagEnd::Item) => {
                flush(&mut cur, &mut blocks);
                if let Some(item) = pending_item.take() {
                    blocks.push(Block {
                        kind: item,
                        depth,
                        quote,
                        spans: Vec::new(),
                    });
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => flush(&mut cur, &mut blocks),
            Event::Rule => {
                flush(&mut cur, &mut blocks);
                blocks.push(Block {
                    kind: Kind::Rule,
                    depth,
                    quote,
                    spans: Vec::new(),
                });
            }
            Event::Start(Tag::TableRow | Tag::TableHead) => {
                open(
                    &mut cur,
                    &mut blocks,
                    &mut pending_item,
                    Kind::Paragraph,
                    depth,
                    quote,
                );
            }
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => flush(&mut cur, &mut blocks),
            Event::Start(Tag::TableCell) => {
                if let Some(b) = cur.as_mut() {
                    if !b.spans.is_empty() {
                        b.push(" | ", Style::default(), None);
                    }
                }
                in_cell = true;
            }
            Event::End(TagEnd::TableCell) => in_cell = false,
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::Start(Tag::Strikethrough) => strike += 1,
            Event::End(TagEnd::Strikethrough) => strike = strike.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => link = None,
            Event::Start(Tag::Image { dest_url, .. }) => {
                in_image += 1;
                link = Some(dest_url.to_string());
            }
            Event::End(TagEnd::Image) => {
                in_image = in_image.saturating_sub(1);
                link = None;
            }
            Event::InlineHtml(html) => {
                let tag = html.trim().to_ascii_lowercase();
                match tag.as_str() {
                    "<u>" => underline += 1,
                    "</u>" => underline = underline.saturating_sub(1),
                    "<br>" | "<br/>" | "<br />" => {
                        if let Some(b) = cur.as_mut() {
                            b.push("\n", style, link.as_deref());
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) | Event::Code(t) if cur.is_none() && !in_cell => {
                // Text outside a paragraph (a tight list item's text comes without one).
                open(
                    &mut cur,
                    &mut blocks,
                    &mut pending_item,
                    Kind::Paragraph,
                    depth,
                    quote,
                );
                if let Some(b) = cur.as_mut() {
                    b.push(&t, style, link.as_deref());
                }
            }
            Event::Text(t) => {
                if let Some(b) = cur.as_mut() {
                    let s = if in_code {
                        Style {
                            code: false,
                            ..Style::default()
                        }
                    } else {
                        style
                    };
                    b.push(&t, s, link.as_deref());
                }
            }
            Event::Code(t) => {
                if let Some(b) = cur.as_mut() {
                    b.push(
                        &t,
                        Style {
                            code: true,
                            ..style
                        },
                        link.as_deref(),
                    );
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(b) = cur.as_mut() {
                    b.push("\n", style, link.as_deref());
                }
            }
            _ => {}
        }
        style = Style {
            bold: bold > 0,
            italic: italic > 0,
            underline: underline > 0,
            strike: strike > 0,
            code: false,
        };
        // A block begun in this event (opened, or pushed whole) starts where the event does.
        let begun = blocks.len() + usize::from(cur.is_some());
        while starts.len() < begun {
            starts.push(range.start);
        }
    }
    flush(&mut cur, &mut blocks);
    Ok((blocks, starts))
}

/// Escapes what Markdown would read as syntax inside a span.
fn escape_inline(text: &str, out: &mut String) {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let needs = match c {
            '\\' | '*' | '`' | '[' | ']' | '<' | '~' => true,
            // Inside a word an underscore is a letter for CommonMark.
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            _ => false,
        };
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Escapes what would start a block at the beginning of a line.
fn escape_line_start(line: &str) -> String {
    let t = line.trim_start();
    let lead = &line[..line.len() - t.len()];
    let first = t.chars().next();
    let second = t.chars().nth(1);
    let starts_block = match first {
        Some('#') | Some('>') => true,
        Some('-') | Some('+') | Some('=') => {
            second.is_none_or(|c| c == ' ' || c == '-' || c == '=')
        }
        Some(c) if c.is_ascii_digit() => {
            let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
            let after = t[digits.len()..].chars().next();
            matches!(after, Some('.') | Some(')'))
        }
        _ => false,
    };
    if !starts_block {
        return line.to_string();
    }
    if first.is_some_and(|c| c.is_ascii_digit()) {
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        return format!("{lead}{digits}\\{}", &t[digits.len()..]);
    }
    format!("{lead}\\{t}")
}

const MARKS: [(&str, &str); 4] = [("**", "**"), ("*", "*"), ("~~", "~~"), ("<u>", "</u>")];

fn marks_of(s: Style) -> Vec<usize> {
    [s.bold, s.italic, s.strike, s.underline]
        .iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .map(|(i, _)| i)
        .collect()
}

/// Spans as inline Markdown: emphasis is opened and closed around words (never around spaces,
/// which CommonMark would not read as emphasis), code spans fenced with enough backticks, links
/// as `[text](url)`.
fn inline_markdown(spans: &[Span], out: &mut String) {
    let mut open: Vec<usize> = Vec::new();
    let mut pending_ws = String::new();
    let close_all = |open: &mut Vec<usize>, out: &mut String| {
        while let Some(m) = open.pop() {
            out.push_str(MARKS[m].1);
        }
    };
    let mut i = 0;
    while i < spans.len() {
        let span = &spans[i];
        if let Some(url) = &span.link {
            // A link and the spans inside it, written as one unit.
            let mut j = i;
            while j < spans.len() && spans[j].link.as_deref() == Some(url.as_str()) {
                j += 1;
            }
            close_all(&mut open, out);
            out.push_str(&pending_ws);
            pending_ws.clear();
            out.push('[');
            let inner: Vec<Span> = spans[i..j]
                .iter()
                .map(|s| Span {
                    link: None,
                    ..s.clone()
                })
                .collect();
            inline_markdown(&inner, out);
            out.push_str("](");
            out.push_str(&url.replace(' ', "%20").replace(')', "%29"));
            out.push(')');
            i = j;
            continue;
        }
        let core = span.text.trim_matches(|c: char| c == ' ' || c == '\t');
        if core.is_empty() {
            pending_ws.push_str(&span.text);
            i += 1;
            continue;
        }
        let lead = &span.text[..span.text.len() - span.text.trim_start_matches([' ', '\t']).len()];
        let trail = &span.text[span.text.trim_end_matches([' ', '\t']).len()..];
        let want = marks_of(span.style);
        let keep = open
            .iter()
            .zip(want.iter())
            .take_while(|(a, b)| a == b)
            .count();
        while open.len() > keep {
            if let Some(m) = open.pop() {
                out.push_str(MARKS[m].1);
            }
        }
        out.push_str(&pending_ws);
        out.push_str(lead);
        pending_ws.clear();
        for &m in &want[keep..] {
            out.push_str(MARKS[m].0);
            open.push(m);
        }
        if span.style.code {
            let longest = core.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest + 1);
            let pad = if core.starts_with('`') || core.ends_with('`') {
                " "
            } else {
                ""
            };
            out.push_str(&format!("{fence}{pad}{core}{pad}{fence}"));
        } else {
            let mut lines = core.split('\n').peekable();
            while let Some(line) = lines.next() {
                escape_inline(line, out);
                if lines.peek().is_some() {
                    out.push('\n');
                }
            }
        }
        pending_ws.push_str(trail);
        i += 1;
    }
    close_all(&mut open, out);
    out.push_str(&pending_ws);
}

/// Whether Markdown needs a blank line between two blocks that a line-by-line text (an Etherpad
/// pad) has on consecutive lines: a line after a list item or a quote would continue it, and one
/// before a rule would become a heading.
pub fn needs_blank_line(prev: &Block, next: &Block) -> bool {
    let both_items =
        matches!(prev.kind, Kind::Item { .. }) && matches!(next.kind, Kind::Item { .. });
    !both_items
        && (matches!(prev.kind, Kind::Item { .. }) && next.depth == 0
            || next.quote < prev.quote
            || next.kind == Kind::Rule)
}

/// Writes blocks as Markdown. With `lines`, blocks follow each other line by line, as in a pad
/// where each line was one Etherpad line (an empty paragraph is an empty line); otherwise
/// paragraphs are separated by blank lines, list items of one list are not.
pub fn to_markdown(blocks: &[Block], lines: bool) -> String {
    let mut out = String::new();
    // Width of the marker of the last item at each depth: a nested item is indented to its
    // parent's text.
    let mut widths: Vec<usize> = Vec::new();
    let mut prev: Option<&Block> = None;
    for b in blocks {
        let indent_for = |depth: usize, widths: &[usize]| -> usize {
            widths.iter().take(depth.saturating_sub(1)).sum()
        };
        let quote = "> ".repeat(b.quote);
        if let Some(p) = prev {
            let both_items =
                matches!(p.kind, Kind::Item { .. }) && matches!(b.kind, Kind::Item { .. });
            let breaks_out = needs_blank_line(p, b);
            if both_items || (lines && !breaks_out) {
                out.push('\n');
            } else if p.quote == b.quote && b.quote > 0 {
                // Two paragraphs of one quote: an empty quoted line between them.
                out.push('\n');
                out.push_str(quote.trim_end());
                out.push('\n');
            } else {
                out.push_str("\n\n");
            }
        }
        let mut body = String::new();
        let first_prefix: String;
        let next_prefix: String;
        match b.kind {
            Kind::Heading(level) => {
                inline_markdown(&b.spans, &mut body);
                // A heading is one line.
                body = body.replace('\n', " ");
                first_prefix = format!("{} ", "#".repeat(level.clamp(1, 6) as usize));
                next_prefix = String::new();
            }
            Kind::Item { number, task } => {
                let depth = b.depth.max(1);
                widths.truncate(depth - 1);
                while widths.len() < depth - 1 {
                    widths.push(2);
                }
                let marker = match number {
                    Some(n) => format!("{n}. "),
                    None => "- ".to_string(),
                };
                let pad = " ".repeat(indent_for(depth, &widths));
                widths.push(marker.chars().count());
                let check = match task {
                    Some(true) => "[x] ",
                    Some(false) => "[ ] ",
                    None => "",
                };
                inline_markdown(&b.spans, &mut body);
                first_prefix = format!("{pad}{marker}{check}");
                next_prefix = " ".repeat(pad.len() + marker.chars().count());
            }
            Kind::Code => {
                let text = b.plain_text();
                let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                body = format!("{fence}\n{text}\n{fence}");
                let pad = " ".repeat(indent_for(b.depth + 1, &widths));
                first_prefix = pad.clone();
                next_prefix = pad;
            }
            Kind::Rule => {
                body = "---".into();
                first_prefix = String::new();
                next_prefix = String::new();
            }
            Kind::Paragraph => {
                inline_markdown(&b.spans, &mut body);
                let pad = " ".repeat(indent_for(b.depth + 1, &widths));
                first_prefix = pad.clone();
                next_prefix = pad;
            }
        }
        for (n, line) in body.split('\n').enumerate() {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&quote);
            if n == 0 {
                out.push_str(&first_prefix);
            } else {
                out.push_str(&next_prefix);
            }
            if matches!(b.kind, Kind::Paragraph | Kind::Item { .. }) && b.kind != Kind::Code {
                out.push_str(&escape_line_start(line));
            } else {
                out.push_str(line);
            }
        }
        if !matches!(b.kind, Kind::Item { .. }) && b.depth == 0 {
            widths.clear();
        }
        prev = Some(b);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(md: &str) -> String {
        to_markdown(&from_markdown(md).unwrap_or_default(), false)
    }

    #[test]
    fn reads_the_pad_markdown() {
        let blocks = from_markdown(
            "# Titre\n\nUn **gras** et _italique_, ~~barré~~, <u>souligné</u>, `code`, [lien](https://a.example/).\n\n- un\n  - deux\n1. trois\n2. quatre\n- [x] fait\n\n> cité\n\n---\n",
        )
        .unwrap_or_default();
        assert_eq!(blocks[0].kind, Kind::Heading(1));
        let p = &blocks[1];
        let styled = |t: &str| p.spans.iter().find(|s| s.text == t).map(|s| s.style);
        assert!(styled("gras").is_some_and(|s| s.bold));
        assert!(styled("italique").is_some_and(|s| s.italic));
        assert!(styled("barré").is_some_and(|s| s.strike));
        assert!(styled("souligné").is_some_and(|s| s.underline));
        assert!(styled("code").is_some_and(|s| s.code));
        assert!(p
            .spans
            .iter()
            .any(|s| s.link.as_deref() == Some("https://a.example/")));
        assert_eq!(
            blocks[2].kind,
            Kind::Item {
                number: None,
                task: None
            }
        );
        assert_eq!((blocks[3].depth, &blocks[3].plain_text()[..]), (2, "deux"));
        assert_eq!(
            blocks[5].kind,
            Kind::Item {
                number: Some(2),
                task: None
            }
        );
        assert_eq!(
            blocks[6].kind,
            Kind::Item {
                number: None,
                task: Some(true)
            }
        );
        assert_eq!(blocks[7].quote, 1);
        assert_eq!(blocks[8].kind, Kind::Rule);
    }

    #[test]
    fn writes_markdown_that_reads_back_the_same() {
        for md in [
            "# Titre\n\nUn **gras** et *italique*, ~~barré~~, <u>souligné</u>, `code`, [lien **fort**](https://a.example/).\n",
            "- un\n  - deux\n    - trois\n- quatre\n",
            "1. un\n   1. deux\n2. trois\n",
            "- [ ] à faire\n- [x] fait\n",
            "> cité\n> encore\n\ntexte\n",
            "```\nfn main() {}\n```\n",
            "***gras italique*** puis **gras *et italique* gras**\n",
            "a * b, 2 < 3, snake_case, _x_, \\\n",
            "1\\. pas une liste\n\n\\# pas un titre\n",
        ] {
            let once = round_trip(md);
            assert_eq!(
                from_markdown(&once).unwrap_or_default(),
                from_markdown(md).unwrap_or_default(),
                "{md:?} → {once:?}"
            );
        }
    }
}
