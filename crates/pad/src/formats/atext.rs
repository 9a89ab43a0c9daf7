//! Etherpad's attributed text ("atext": the text plus an attribution string of `+` ops carrying
//! attribute numbers from the pad's pool) read into blocks, and blocks written as atext, with the
//! changeset assembly rules Etherpad checks on import (`checkRep`: merged, canonical ops).
//!
//! Line formatting lives on a line marker: a `*` at the start of the line carrying `lmkr=1`,
//! `insertorder=first` and the line attribute: `list` (`bullet1..8`, `number1..8`, `indent1..8`),
//! `start` (the first number of an ordered list) or `heading` (`h1`..`h4`, `code`, from the
//! ep_headings2 plugin). Character formatting is `bold`, `italic`, `underline` and
//! `strikethrough`, each `true`.

use std::collections::HashMap;

use super::model::{needs_blank_line, Block, Kind, Spaced, Style};

fn base36(s: &str) -> Option<usize> {
    usize::from_str_radix(s, 36).ok()
}

fn to36(mut n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[n % 36]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// An attribute pool: number → (key, value), as in `pool.numToAttrib`.
pub type Pool = HashMap<usize, (String, String)>;

pub fn read_pool(v: &serde_json::Value) -> Pool {
    let mut pool = Pool::new();
    if let Some(map) = v.get("numToAttrib").and_then(|m| m.as_object()) {
        for (k, a) in map {
            let (Ok(n), Some(key), Some(value)) = (
                k.parse::<usize>(),
                a.get(0).and_then(|x| x.as_str()),
                a.get(1).and_then(|x| x.as_str()),
            ) else {
                continue;
            };
            pool.insert(n, (key.to_string(), value.to_string()));
        }
    }
    pool
}

/// The attributes of each `+` op of an attribution string, as (UTF-16 length, attribute numbers).
pub(crate) fn attribution_runs(attribs: &str) -> Result<Vec<(usize, Vec<usize>)>, String> {
    let mut runs = Vec::new();
    let mut nums = Vec::new();
    let mut s = attribs;
    let number = |s: &mut &str| -> Result<usize, String> {
        let end = s
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(s.len());
        let n = base36(&s[..end]).ok_or("bad number in the attributes")?;
        *s = &s[end..];
        Ok(n)
    };
    while let Some(c) = s.chars().next() {
        s = &s[1..];
        match c {
            '*' => nums.push(number(&mut s)?),
            '|' => {
                number(&mut s)?;
            }
            '+' => {
                let n = number(&mut s)?;
                runs.push((n, std::mem::take(&mut nums)));
            }
            _ => return Err(format!("unexpected `{c}` in the attributes")),
        }
    }
    Ok(runs)
}

/// Reads an atext into blocks, one per Etherpad line. Unknown attributes are ignored, as is an
/// attribution that does not cover the text (the text is then read unformatted).
pub fn atext_to_blocks(text: &str, attribs: &str, pool: &Pool) -> Vec<Block> {
    let runs = attribution_runs(attribs).unwrap_or_default();
    // Attributes of each character, walked in UTF-16 units as Etherpad counts.
    let mut char_attrs: Vec<&[usize]> = Vec::with_capacity(text.len());
    let mut run_iter = runs.iter();
    let mut current: Option<(&(usize, Vec<usize>), usize)> = None;
    let mut covered = true;
    for c in text.chars() {
        let mut need = c.len_utf16();
        let mut attrs: &[usize] = &[];
        while need > 0 {
            match current {
                Some((run, left)) if left > 0 => {
                    let take = left.min(need);
                    attrs = &run.1;
                    need -= take;
                    current = Some((run, left - take));
                }
                _ => match run_iter.next() {
                    Some(run) => current = Some((run, run.0)),
                    None => {
                        covered = false;
                        break;
                    }
                },
            }
        }
        char_attrs.push(attrs);
    }
    let attr_of = |nums: &[usize], key: &str| -> Option<String> {
        if !covered {
            return None;
        }
        nums.iter().find_map(|n| {
            pool.get(n)
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
    };
    let mut blocks: Vec<Block> = Vec::new();
    let mut counters = [0u64; 9];
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0usize;
    let total = chars.len();
    // The text ends with Etherpad's final newline: no line after it.
    while start < total {
        let end = (start..total).find(|&i| chars[i] == '\n').unwrap_or(total);
        let mut from = start;
        let marker = chars.get(start) == Some(&'*')
            && attr_of(char_attrs[start], "lmkr").is_some()
            && end > start;
        let (list, heading, first_number) = if marker {
            from += 1;
            (
                attr_of(char_attrs[start], "list"),
                attr_of(char_attrs[start], "heading"),
                attr_of(char_attrs[start], "start").and_then(|s| s.parse::<u64>().ok()),
            )
        } else {
            (None, None, None)
        };
        let mut block = Block::new(Kind::Paragraph);
        let level = |name: &str, prefix: &str| -> Option<usize> {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
                .map(|n| n.clamp(1, 8))
        };
        let mut is_list = false;
        if let Some(list) = list.as_deref() {
            if let Some(d) = level(list, "bullet") {
                block.kind = Kind::Item {
                    number: None,
                    task: None,
                };
                block.depth = d;
                counters[d..].iter_mut().for_each(|c| *c = 0);
                is_list = true;
            } else if let Some(d) = level(list, "number") {
                // Etherpad repeats `start` on the lines of a list: it counts on its first line.
                counters[d] = match first_number {
                    Some(n) if counters[d] == 0 => n,
                    _ => counters[d] + 1,
                };
                counters[d + 1..].iter_mut().for_each(|c| *c = 0);
                block.kind = Kind::Item {
                    number: Some(counters[d]),
                    task: None,
                };
                block.depth = d;
                is_list = true;
            } else if let Some(d) = level(list, "indent") {
                block.quote = d;
            }
        }
        if !is_list {
            counters = [0; 9];
        }
        match heading.as_deref() {
            Some("code") => block.kind = Kind::Code,
            Some(h) => {
                if let Some(n) = h.strip_prefix('h').and_then(|n| n.parse::<u8>().ok()) {
                    block.kind = Kind::Heading(n.clamp(1, 6));
                }
            }
            None => {}
        }
        for i in from..end {
            let nums = char_attrs[i];
            let on = |k: &str| attr_of(nums, k).is_some_and(|v| v == "true");
            let style = Style {
                bold: on("bold"),
                italic: on("italic"),
                underline: on("underline"),
                strike: on("strikethrough"),
                code: false,
            };
            let mut buf = [0u8; 4];
            block.push(chars[i].encode_utf8(&mut buf), style, None);
        }
        let line = block.plain_text();
        if block.kind == Kind::Paragraph
            && block.quote == 0
            && line.len() >= 3
            && line.chars().all(|c| c == '-')
        {
            block = Block::new(Kind::Rule);
        }
        // Consecutive code lines make one block.
        if block.kind == Kind::Code {
            if let Some(prev) = blocks.last_mut().filter(|b| b.kind == Kind::Code) {
                prev.push("\n", Style::default(), None);
                prev.push(&line, Style::default(), None);
                start = end + 1;
                continue;
            }
            block.spans = vec![super::model::Span {
                text: line,
                style: Style::default(),
                link: None,
            }];
        }
        blocks.push(block);
        start = end + 1;
    }
    // Etherpad's final newline closes the last line; a trailing empty line is its own block.
    blocks
}

/// One Changeset op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub opcode: char,
    pub chars: usize,
    pub lines: usize,
    pub attribs: String,
}

/// Etherpad's merging assembler: consecutive ops with the same opcode and attributes are merged,
/// a multi-line op always ends at its last newline (the rest follows as a one-line op), and a
/// final keep without attributes is left implicit at the end of a document.
#[derive(Default)]
struct Merging {
    out: String,
    buf: Option<Op>,
    extra: usize,
}

impl Merging {
    fn write(out: &mut String, op: &Op) {
        out.push_str(&op.attribs);
        if op.lines > 0 {
            out.push('|');
            out.push_str(&to36(op.lines));
        }
        out.push(op.opcode);
        out.push_str(&to36(op.chars));
    }

    fn flush(&mut self, end: bool) {
        if let Some(b) = self.buf.take() {
            if end && b.opcode == '=' && b.attribs.is_empty() {
                return;
            }
            Self::write(&mut self.out, &b);
            if self.extra > 0 {
                let rest = Op {
                    chars: self.extra,
                    lines: 0,
                    ..b
                };
                Self::write(&mut self.out, &rest);
                self.extra = 0;
            }
        }
    }

    fn append(&mut self, op: Op) {
        if op.chars == 0 {
            return;
        }
        match self.buf.as_mut() {
            Some(b) if b.opcode == op.opcode && b.attribs == op.attribs => {
                if op.lines > 0 {
                    b.chars += self.extra + op.chars;
                    b.lines += op.lines;
                    self.extra = 0;
                } else if b.lines == 0 {
                    b.chars += op.chars;
                } else {
                    self.extra += op.chars;
                }
            }
            _ => {
                self.flush(false);
                self.buf = Some(op);
            }
        }
    }

    fn take(&mut self) -> String {
        self.flush(false);
        std::mem::take(&mut self.out)
    }
}

/// Etherpad's smart assembler: within a run of deletions and insertions, deletions come first.
#[derive(Default)]
pub struct Assembler {
    minus: Merging,
    plus: Merging,
    keep: Merging,
    out: String,
    last: char,
}

impl Assembler {
    pub fn append(&mut self, op: Op) {
        if op.chars == 0 {
            return;
        }
        match op.opcode {
            '-' | '+' => {
                if self.last == '=' {
                    let k = self.keep.take();
                    self.out.push_str(&k);
                }
                if op.opcode == '-' {
                    self.minus.append(op.clone());
                } else {
                    self.plus.append(op.clone());
                }
            }
            _ => {
                if self.last != '=' {
                    let m = self.minus.take();
                    let p = self.plus.take();
                    self.out.push_str(&m);
                    self.out.push_str(&p);
                }
                self.keep.append(op.clone());
            }
        }
        self.last = op.opcode;
    }

    /// Appends `text` as ops, one per line piece so the merging rules see every newline.
    pub fn append_text(&mut self, opcode: char, text: &str, attribs: &str) {
        for piece in text.split_inclusive('\n') {
            self.append(Op {
                opcode,
                chars: piece.encode_utf16().count(),
                lines: usize::from(piece.ends_with('\n')),
                attribs: attribs.to_string(),
            });
        }
    }

    /// The ops of a whole document (a final plain keep left implicit).
    pub fn finish(mut self) -> String {
        self.keep.flush(true);
        let m = self.minus.take();
        let p = self.plus.take();
        self.out.push_str(&m);
        self.out.push_str(&p);
        let k = self.keep.take();
        self.out.push_str(&k);
        self.out
    }
}

/// `Z:` header and char bank around assembled ops.
pub fn pack(old_len: usize, new_len: usize, ops: &str, bank: &str) -> String {
    let (sign, diff) = if new_len >= old_len {
        ('>', new_len - old_len)
    } else {
        ('<', old_len - new_len)
    };
    format!("Z:{}{sign}{}{ops}${bank}", to36(old_len), to36(diff))
}

/// An attribute pool being built: attributes numbered as they first appear.
#[derive(Default)]
pub struct PoolBuilder {
    pub attribs: Vec<(String, String)>,
}

impl PoolBuilder {
    pub fn num(&mut self, key: &str, value: &str) -> usize {
        if let Some(i) = self
            .attribs
            .iter()
            .position(|(k, v)| k == key && v == value)
        {
            return i;
        }
        self.attribs.push((key.to_string(), value.to_string()));
        self.attribs.len() - 1
    }

    /// An op's attribute string, in Etherpad's canonical order (by attribute key).
    pub fn attribs(&mut self, pairs: &[(&str, String)]) -> String {
        let mut sorted: Vec<&(&str, String)> = pairs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = String::new();
        for (k, v) in sorted {
            out.push('*');
            out.push_str(&to36(self.num(k, v)));
        }
        out
    }

    /// `attribs` (an op's attribute string of this pool) with `key` set to `value` too, in
    /// canonical order; numbers this pool does not know are dropped.
    pub fn with(&mut self, attribs: &str, key: &str, value: &str) -> String {
        let mut pairs: Vec<(String, String)> = attribs
            .split('*')
            .filter_map(base36)
            .filter_map(|n| self.attribs.get(n).cloned())
            .filter(|(k, _)| k != key)
            .collect();
        pairs.push((key.to_string(), value.to_string()));
        let borrowed: Vec<(&str, String)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.attribs(&borrowed)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let num_to_attrib: serde_json::Map<String, serde_json::Value> = self
            .attribs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| (i.to_string(), serde_json::json!([k, v])))
            .collect();
        serde_json::json!({"numToAttrib": num_to_attrib, "nextNum": self.attribs.len()})
    }
}

/// Formatted text for Etherpad: the text (ending with Etherpad's final newline) and the
/// `+` ops inserting it with its attributes (lines separated by `\n`; the final newline not
/// included in the ops).
pub struct Formatted {
    pub text: String,
    /// (text, attribute string) pieces in order, final newline excluded.
    pub pieces: Vec<(String, String)>,
}

/// Lays blocks out as Etherpad lines, one line per block (and per line break in it) as Etherpad
/// writes a pad, with a line marker carrying each line's list or heading attribute. An empty line
/// stands for each blank line of the Markdown source, except the one Markdown needs where
/// Etherpad has none (see `needs_blank_line`, which the import writes back): Etherpad → Nichoir →
/// Etherpad gives the same lines. Inline code has no Etherpad attribute and a link none either: a
/// link keeps its text followed by its address in parentheses.
pub fn blocks_to_formatted(spaced: &Spaced, pool: &mut PoolBuilder) -> Formatted {
    let blocks = &spaced.blocks;
    let mut pieces: Vec<(String, String)> = Vec::new();
    let mut prev: Option<&Block> = None;
    // The number the next item of an ordered list at each depth would get with no `start`.
    let mut expected = [0u64; 10];
    let empty_lines = |pieces: &mut Vec<(String, String)>, n: usize| {
        pieces.extend(std::iter::repeat_n(("\n".to_string(), String::new()), n));
    };
    for (i, b) in blocks.iter().enumerate() {
        let blank = spaced.blank_before.get(i).copied().unwrap_or(0);
        if let Some(p) = prev {
            let both_items =
                matches!(p.kind, Kind::Item { .. }) && matches!(b.kind, Kind::Item { .. });
            let empty = blank.saturating_sub(usize::from(needs_blank_line(p, b)));
            pieces.push(("\n".into(), String::new()));
            empty_lines(&mut pieces, empty);
            // The import counts a list again after any other line.
            if !both_items || empty > 0 {
                expected = [0; 10];
            }
        } else {
            empty_lines(&mut pieces, blank);
        }
        prev = Some(b);
        let depth = b.depth.clamp(1, 8);
        let mut line_attr: Vec<(&str, String)> = Vec::new();
        match b.kind {
            Kind::Heading(l) => line_attr.push(("heading", format!("h{}", l.clamp(1, 4)))),
            Kind::Code => line_attr.push(("heading", "code".into())),
            Kind::Item { number, .. } => match number {
                Some(n) => {
                    line_attr.push(("list", format!("number{depth}")));
                    if n != expected[depth] + 1 {
                        line_attr.push(("start", n.to_string()));
                    }
                    expected[depth] = n;
                    expected[depth + 1..].iter_mut().for_each(|e| *e = 0);
                }
                None => {
                    line_attr.push(("list", format!("bullet{depth}")));
                    expected[depth..].iter_mut().for_each(|e| *e = 0);
                }
            },
            Kind::Paragraph if b.quote > 0 || b.depth > 0 => {
                let d = (b.quote + b.depth).clamp(1, 8);
                line_attr.push(("list", format!("indent{d}")));
            }
            _ => {}
        }
        let marker = |pool: &mut PoolBuilder, line_attr: &[(&str, String)]| {
            let mut attrs: Vec<(&str, String)> = vec![
                ("insertorder", "first".to_string()),
                ("lmkr", "1".to_string()),
            ];
            attrs.extend(line_attr.iter().cloned());
            ("*".to_string(), pool.attribs(&attrs))
        };
        if !line_attr.is_empty() {
            pieces.push(marker(pool, &line_attr));
        }
        match b.kind {
            Kind::Rule => pieces.push(("---".into(), String::new())),
            Kind::Item {
                task: Some(done), ..
            } => pieces.push((if done { "[x] " } else { "[ ] " }.into(), String::new())),
            _ => {}
        }
        let mut spans = b.spans.iter().peekable();
        while let Some(s) = spans.next() {
            let mut attrs: Vec<(&str, String)> = Vec::new();
            if s.style.bold {
                attrs.push(("bold", "true".into()));
            }
            if s.style.italic {
                attrs.push(("italic", "true".into()));
            }
            if s.style.underline {
                attrs.push(("underline", "true".into()));
            }
            if s.style.strike {
                attrs.push(("strikethrough", "true".into()));
            }
            let a = pool.attribs(&attrs);
            let text = if matches!(b.kind, Kind::Heading(_)) {
                s.text.replace('\n', " ")
            } else {
                s.text.clone()
            };
            // A line break inside a formatted line starts a new line with the same marker.
            let mut parts = text.split('\n').peekable();
            while let Some(part) = parts.next() {
                pieces.push((part.to_string(), a.clone()));
                if parts.peek().is_some() {
                    pieces.push(("\n".into(), String::new()));
                    if !line_attr.is_empty() {
                        pieces.push(marker(pool, &line_attr));
                    }
                }
            }
            if let Some(url) = &s.link {
                let ends_link = spans.peek().is_none_or(|n| n.link.as_ref() != Some(url));
                if ends_link && s.text != *url {
                    pieces.push((format!(" ({url})"), String::new()));
                }
            }
        }
    }
    empty_lines(&mut pieces, spaced.blank_after);
    pieces.retain(|(t, _)| !t.is_empty());
    let mut text: String = pieces.iter().map(|(t, _)| t.as_str()).collect();
    text.push('\n');
    Formatted { text, pieces }
}

/// The attribution string of a whole atext: the pieces then the final newline.
pub fn attribution(f: &Formatted) -> String {
    let mut assem = Assembler::default();
    for (t, a) in &f.pieces {
        assem.append_text('+', t, a);
    }
    assem.append_text('+', "\n", "");
    assem.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::model::{from_markdown, from_markdown_spaced, to_markdown};

    #[test]
    fn assembles_as_etherpad_does() {
        let mut a = Assembler::default();
        a.append_text('=', "ab\ncd\n", "");
        a.append_text('+', "x", "*0");
        a.append_text('-', "ef", "");
        a.append_text('=', "g", "");
        // Deletions before insertions; the final keep left implicit.
        assert_eq!(a.finish(), "|2=6-2*0+1");
        let mut a = Assembler::default();
        a.append_text('+', "a\nb\nc", "");
        assert_eq!(a.finish(), "|2+4+1");
        assert_eq!(pack(1, 5, "+4", "abcd"), "Z:1>4+4$abcd");
        assert_eq!(to36(71), "1z");
    }

    /// Etherpad lines → Markdown (as the import writes it) → Etherpad lines: the same lines,
    /// with no empty line added between blocks and the pad's own empty lines kept.
    #[test]
    fn etherpad_lines_come_back_as_they_were() {
        let mut pool = PoolBuilder::default();
        let marker = |pool: &mut PoolBuilder, k: &str, v: &str| {
            pool.attribs(&[
                ("insertorder", "first".into()),
                ("lmkr", "1".into()),
                (k, v.into()),
            ])
        };
        let bold = pool.attribs(&[("bold", "true".into())]);
        let h1 = marker(&mut pool, "heading", "h1");
        let b1 = marker(&mut pool, "list", "bullet1");
        let n1 = marker(&mut pool, "list", "number1");
        let i1 = marker(&mut pool, "list", "indent1");
        let lines: Vec<Vec<(&str, &str)>> = vec![
            vec![("*", &h1), ("Title", "")],
            vec![("A ", ""), ("bold", &bold), (" line", "")],
            vec![("next line", "")],
            vec![],
            vec![("after an empty line", "")],
            vec![("*", &b1), ("one", "")],
            vec![("*", &b1), ("two", "")],
            vec![("*", &i1), ("indented", "")],
            vec![("*", &n1), ("first", "")],
            vec![("plain", "")],
            vec![],
            vec![],
            vec![("---", "")],
            vec![("end", "")],
            vec![],
        ];
        let mut text = String::new();
        let mut assem = Assembler::default();
        for l in &lines {
            for (t, a) in l {
                text.push_str(t);
                assem.append_text('+', t, a);
            }
            text.push('\n');
            assem.append_text('+', "\n", "");
        }
        let attribs = assem.finish();
        let pool = read_pool(&pool.to_json());
        let md = to_markdown(&atext_to_blocks(&text, &attribs, &pool), true);
        let spaced = from_markdown_spaced(&md).expect("reads");
        let mut out_pool = PoolBuilder::default();
        let f = blocks_to_formatted(&spaced, &mut out_pool);
        assert_eq!(f.text, text, "through {md:?}");
        let back = atext_to_blocks(&f.text, &attribution(&f), &read_pool(&out_pool.to_json()));
        assert_eq!(back, atext_to_blocks(&text, &attribs, &pool));
    }

    #[test]
    fn markdown_blank_lines_become_empty_lines() {
        let text = |md: &str| {
            let mut pool = PoolBuilder::default();
            blocks_to_formatted(&from_markdown_spaced(md).expect("reads"), &mut pool).text
        };
        // Markdown's blank line between paragraphs is an empty line in Etherpad; no blank line
        // gives none, even between blocks of different kinds.
        assert_eq!(text("# T\npara\n\nnext\n"), "*T\npara\n\nnext\n");
        assert_eq!(text("- a\n- b\n\nafter\n"), "*a\n*b\nafter\n");
        assert_eq!(text("```\nx\n\ny\n```\nz\n"), "*x\n*\n*y\nz\n");
        assert_eq!(text("\n\na\n\n"), "\n\na\n\n");
    }

    #[test]
    fn markdown_to_atext_and_back() {
        let md = "# Titre\n\nUn **gras** et *italique* <u>souligné</u> ~~barré~~ 🙂\n\n- un\n  - deux\n- trois\n\n1. un\n2. deux\n\n> retrait\n";
        let spaced = from_markdown_spaced(md).expect("reads");
        let mut pool = PoolBuilder::default();
        let f = blocks_to_formatted(&spaced, &mut pool);
        let attribs = attribution(&f);
        let pool_json = pool.to_json();
        let back = atext_to_blocks(&f.text, &attribs, &read_pool(&pool_json));
        let md2 = to_markdown(&back, true);
        assert_eq!(
            from_markdown(&md2).unwrap_or_default(),
            from_markdown(md).unwrap_or_default(),
            "{md2}"
        );
    }
}
