//! Search, written once for both engines. Stores build an FTS5 query of quoted terms
//! (`"budget" "summer fest" "vélo"*`: every term required, a quoted run of words a phrase, a
//! trailing `*` a prefix). Neither engine's own word rule decides what a word is: SQLite's FTS5
//! `unicode61` and PostgreSQL's `unaccent` + parser disagree on hundreds of letters (œ, ß, ø,
//! ё, decomposed accents, fullwidth forms, superscripts…) and both keep a run of Chinese or
//! Japanese as one word, so a word inside a sentence was found by neither. So the text the
//! search tables index and the words of every query go through [`fold`] first, here, on both
//! engines; what is left for FTS5 and for `nichoir_fts` (PostgreSQL) to do is a no-op on its
//! output, which `tests::fold_is_a_fixed_point_of_both_engines` checks for every character of the
//! first three planes. SQLite then takes the folded query as it is ([`fts5_match`]);
//! PostgreSQL gets the same words as a `tsquery` ([`tsquery_from_fts5`]).
//!
//! One difference is left: a `tsvector` keeps word positions up to 16,383, so in a text longer
//! than that many words (a long wiki page; a chat post is far shorter) a phrase, or a run of CJK
//! characters, lying past it is found by SQLite only. Single words are found on both.

mod skew;
mod unaccent;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longer words are cut into pieces of this many characters (a query word the same way, so it is
/// found as a phrase of pieces): PostgreSQL leaves out words past 2047 bytes, FTS5 does not.
const MAX_WORD: usize = 100;

/// The words of `text` as both engines index them, separated by single spaces: compatibility
/// forms unfolded (NFKD: `ﬁ` → `fi`, `²` → `2`, fullwidth → ASCII), marks dropped (`é` → `e`,
/// `ё` → `е`; in scripts that write vowels as marks, such as Devanagari or Thai, words then
/// match without them, where FTS5 alone used to split them there), lowercase, the letters
/// `unaccent` folds without a decomposition folded its way (`œ` → `oe`, `ß` → `ss`, `ø` → `o`),
/// final sigma as sigma (as FTS5 folds it). Words are runs of letters and digits; everything
/// else separates them. Each Chinese, Japanese or Korean character is a word of its own, so a
/// query finds any run of them inside a sentence written without spaces, as a phrase.
pub fn fold(text: &str) -> String {
    let mut w = Words::default();
    for c in text.chars() {
        fold_char(c, &mut w);
    }
    w.out
}

#[derive(Default)]
struct Words {
    out: String,
    /// Characters in the word being written; 0 between words.
    len: usize,
}

impl Words {
    fn push(&mut self, c: char) {
        if self.len == MAX_WORD {
            self.len = 0;
        }
        if self.len == 0 && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.out.push(c);
        self.len += 1;
    }

    fn end(&mut self) {
        self.len = 0;
    }

    fn single(&mut self, c: char) {
        self.end();
        self.push(c);
        self.end();
    }
}

fn fold_char(c: char, w: &mut Words) {
    if is_cjk(c) {
        // NFKC, not NFKD: a kana keeps its voicing mark (ガ is not カ), a Hangul syllable stays
        // one syllable; halfwidth forms become the usual ones.
        for k in c.nfkc() {
            if is_word_char(k) && !is_mark(k) {
                w.single(k);
            } else if !is_mark(k) {
                w.end();
            }
        }
        return;
    }
    for d in c.nfkd() {
        if is_mark(d) {
            continue;
        }
        if is_cjk(d) && is_word_char(d) {
            w.single(d);
            continue;
        }
        for l in d.to_lowercase() {
            if is_mark(l) {
                continue;
            }
            let l = if l == 'ς' { 'σ' } else { l };
            match unaccent::unaccent_letter(l) {
                Some(s) => {
                    for x in s.chars() {
                        if x == ' ' {
                            w.end();
                        } else {
                            w.push(x);
                        }
                    }
                }
                None if is_word_char(l) => w.push(l),
                None => w.end(),
            }
        }
    }
}

/// Marks, which folding drops; with the vowel signs that Unicode made letters after the tables of
/// FTS5's `unicode61` (New Tai Lue, two Vedic signs), which it still takes for marks.
fn is_mark(c: char) -> bool {
    is_combining_mark(c) || matches!(c, '\u{19B0}'..='\u{19C9}' | '\u{1CF2}'..='\u{1CF3}')
}

/// Letters and digits; not the negative circled and squared letters (🅐, 🅰), symbols that
/// Unicode counts as alphabetic, FTS5 as symbols, and that have no decomposition to fold them;
/// nor those PostgreSQL does not know (`skew`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !matches!(c, '\u{1F150}'..='\u{1F189}') && !skew::unknown_to_postgres(c)
}

/// Scripts written without spaces between words (and Korean, whose words carry their particles):
/// each character is indexed as a word.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF // Hangul Jamo
        | 0x2E80..=0x2FDF // CJK and Kangxi radicals
        | 0x3005 | 0x3006 | 0x3021..=0x3029 | 0x3031..=0x3035 | 0x303B | 0x303C
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3100..=0x31FF // Bopomofo, Hangul compatibility Jamo, Kanbun, Katakana extensions
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF // ideographs
        | 0xA960..=0xA97F | 0xAC00..=0xD7FF // Hangul
        | 0xFF66..=0xFFDC // halfwidth Katakana and Hangul
        | 0x20000..=0x3FFFF) // ideographs of the supplementary planes
}

/// One term of a query: its folded words (a phrase when more than one) and whether the last one
/// is a prefix.
#[derive(Debug, PartialEq, Eq)]
pub struct Term {
    pub words: Vec<String>,
    pub prefix: bool,
}

/// The terms of an FTS5 query of quoted terms, folded; a term left without words is dropped (as
/// FTS5 ignores an empty phrase).
pub fn terms(fts: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut rest = fts;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let (inside, tail) = after.split_once('"').unwrap_or((after, ""));
        let words: Vec<String> = fold(inside)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if !words.is_empty() {
            terms.push(Term {
                words,
                prefix: tail.starts_with('*'),
            });
        }
        rest = tail;
    }
    terms
}

/// The folded query for FTS5 `MATCH` (empty when no term has a word: the caller then finds
/// nothing rather than asking FTS5, which refuses an empty query).
pub fn fts5_match(fts: &str) -> String {
    terms(fts)
        .iter()
        .map(|t| {
            format!(
                "\"{}\"{}",
                t.words.join(" "),
                if t.prefix { "*" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same query limited to one column of an FTS5 table (`{name} : (…)`).
pub fn fts5_in_column(column: &str, fts: &str) -> String {
    format!("{{{column}}} : ({})", fts5_match(fts))
}

fn tsquery(terms: &[Term], label: &str) -> Vec<String> {
    terms
        .iter()
        .map(|t| {
            let last = t.words.len() - 1;
            let words: Vec<String> = t
                .words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let star = if t.prefix && i == last { "*" } else { "" };
                    if star.is_empty() && label.is_empty() {
                        format!("'{w}'")
                    } else {
                        format!("'{w}':{star}{label}")
                    }
                })
                .collect();
            words.join(" <-> ")
        })
        .collect()
}

fn group(parts: Vec<String>) -> String {
    parts
        .into_iter()
        .map(|p| if p.contains(' ') { format!("({p})") } else { p })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// `"a b" "c"*` → `('a' <-> 'b') & 'c':*`. Folded words are letters and digits only, so the text
/// needs no escaping; `to_tsquery('simple', unaccent(…))` finds nothing left to change.
pub fn tsquery_from_fts5(fts: &str) -> String {
    group(tsquery(&terms(fts), ""))
}

/// As [`tsquery_from_fts5`], for a `tsvector` made of a name weighted `A` and a text (weight
/// `D`) concatenated: a phrase must lie within one of them, as FTS5 keeps a phrase within one
/// column, not run from the end of the name into the text.
pub fn tsquery_per_column(fts: &str) -> String {
    let terms = terms(fts);
    let whole = tsquery(&terms, "");
    let (a, d) = (tsquery(&terms, "A"), tsquery(&terms, "D"));
    group(
        terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.words.len() > 1 {
                    format!("(({}) | ({}))", a[i], d[i])
                } else {
                    whole[i].clone()
                }
            })
            .collect(),
    )
}

/// The query limited to the words weighted `label` (the name of a wiki page: `A`).
pub fn tsquery_weighted(fts: &str, label: &str) -> String {
    group(tsquery(&terms(fts), label))
}

/// Whether `needle` occurs in one of `texts`, both folded: the rule of the searches by part of a
/// name (browsing channels, the wiki directory), in Rust because the engines' `lower` and `LIKE`
/// differ (SQLite's fold ASCII only, PostgreSQL's every letter) and neither folds accents. A
/// needle that folds to nothing (empty, punctuation) matches everything.
pub fn folded_contains(texts: &[&str], needle: &str) -> bool {
    let needle = fold(needle);
    needle.is_empty() || texts.iter().any(|t| fold(t).contains(&needle))
}

/// Where the words of `text` are: (byte start, byte end, folded word), cut as [`fold`] cuts.
fn spans(text: &str) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    let mut open = false;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let mut w = Words::default();
        fold_char(c, &mut w);
        if w.out.is_empty() {
            open = false;
            continue;
        }
        let folded: String = w.out.chars().filter(|x| *x != ' ').collect();
        match out.last_mut() {
            Some(last) if open && !is_cjk(c) => {
                last.1 = end;
                last.2.push_str(&folded);
            }
            _ => out.push((i, end, folded)),
        }
        open = !is_cjk(c);
    }
    out
}

/// Up to `words` words of `text` around the first one the query finds, those it finds between
/// `\u{2}` and `\u{3}`, `…` where text was left out. Made here rather than by FTS5's `snippet` or
/// `ts_headline`: the index holds folded text, and both engines then show the same excerpt.
pub fn snippet(text: &str, fts: &str, words: usize) -> String {
    let terms = terms(fts);
    let found = |w: &str| {
        terms.iter().any(|t| {
            let last = t.words.len() - 1;
            t.words
                .iter()
                .enumerate()
                .any(|(i, q)| w == q || (t.prefix && i == last && w.starts_with(q.as_str())))
        })
    };
    let spans = spans(text);
    let first = spans.iter().position(|s| found(&s.2)).unwrap_or(0);
    let start = first
        .saturating_sub(words / 4)
        .min(spans.len().saturating_sub(words));
    let end = (start + words).min(spans.len());
    let Some(from) = spans.get(start) else {
        return String::new();
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = from.0;
    for (s, e, w) in &spans[start..end] {
        out.push_str(text.get(at..*s).unwrap_or(""));
        let word = text.get(*s..*e).unwrap_or("");
        if found(w) {
            out.push('\u{2}');
            out.push_str(word);
            out.push('\u{3}');
        } else {
            out.push_str(word);
        }
        at = *e;
    }
    if end < spans.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
