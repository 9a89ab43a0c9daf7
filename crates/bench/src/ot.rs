//! The pad load client's operational transformation: the algebra is the server's own
//! (`nichoir-ot`, whose shared vectors the browser's `ot.ts` is checked against too), so the
//! bench edits, transforms and composes exactly as the server and the browser do. This file adds
//! what only a load client needs around it: a chunked document to apply revisions to, a seeded
//! random generator and random typing.
//!
//! Operations use the ot.js JSON wire format: an array where a positive integer retains, a
//! negative integer deletes and a non-empty string inserts, e.g. `[5, "hé🙂", -3, 2]`. Every
//! length and position counts Unicode scalar values (`char`s), as the server does.

use std::fmt;

use serde_json::Value;

pub use nichoir_ot::{Component as Comp, Operation as Op};

/// Why a client could not apply an operation or follow the server (the algebra's errors, and
/// the client's own: an ack for an edit not in flight, a revision out of order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtError(pub String);

impl fmt::Display for OtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OtError {}

impl From<nichoir_ot::OtError> for OtError {
    fn from(e: nichoir_ot::OtError) -> Self {
        OtError(e.to_string())
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, OtError> {
    Err(OtError(msg.into()))
}

pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Splits `s` after its first `n` chars (all of `s` when shorter).
fn split_chars(s: &str, n: usize) -> (&str, &str) {
    let at = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(at)
}

/// The JSON wire form of an operation (`Null` only for a delete longer than `i64::MAX`, which
/// no document has).
pub fn to_json(op: &Op) -> Value {
    serde_json::to_value(op).unwrap_or(Value::Null)
}

/// Parses the JSON wire form from a `Value` (tests; frames are read with `Deserialize`).
#[cfg(test)]
pub fn from_json(v: &Value) -> Result<Op, OtError> {
    Ok(nichoir_ot::parse_op(v, usize::MAX, usize::MAX)?)
}

/// A document split into chunks of a bounded size, so that applying an operation costs
/// O(chunks + edited chunk) instead of O(document): every editor of a busy pad applies every
/// revision, and a plain `String` would make the load generator, not the server, the bottleneck.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Chunks with their length in chars; no empty chunk.
    chunks: Vec<(String, usize)>,
    len: usize,
}

/// Chunks are split when they grow beyond twice this many chars. Small, because finding a
/// char offset in a chunk walks its chars: with 500 editors each applying 1,250 revisions a
/// second, 1,024-char chunks made that walk a large share of the load generator's time.
const CHUNK: usize = 256;

impl Doc {
    pub fn new(text: &str) -> Doc {
        let mut doc = Doc::default();
        let mut rest = text;
        while !rest.is_empty() {
            let (head, tail) = split_chars(rest, CHUNK);
            doc.chunks.push((head.to_owned(), char_len(head)));
            doc.len += char_len(head);
            rest = tail;
        }
        doc
    }

    /// Length in chars.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn text(&self) -> String {
        self.chunks.iter().map(|(s, _)| s.as_str()).collect()
    }

    /// The chunk holding position `pos` (or the end of which is `pos`) and the offset in it.
    fn locate(&self, pos: usize) -> (usize, usize) {
        let mut start = 0;
        for (i, (_, n)) in self.chunks.iter().enumerate() {
            if pos <= start + n {
                return (i, pos - start);
            }
            start += n;
        }
        (self.chunks.len(), 0)
    }

    fn insert_at(&mut self, pos: usize, s: &str) {
        let added = char_len(s);
        let (i, off) = self.locate(pos);
        if i == self.chunks.len() {
            self.chunks.push((s.to_owned(), added));
        } else {
            let (text, n) = &mut self.chunks[i];
            let at = text.char_indices().nth(off).map_or(text.len(), |(b, _)| b);
            text.insert_str(at, s);
            *n += added;
            if *n > 2 * CHUNK {
                let (text, n) = std::mem::take(&mut self.chunks[i]);
                let (head, tail) = split_chars(&text, n / 2);
                let head_len = char_len(head);
                self.chunks[i] = (head.to_owned(), head_len);
                self.chunks.insert(i + 1, (tail.to_owned(), n - head_len));
            }
        }
        self.len += added;
    }

    fn delete_at(&mut self, pos: usize, mut count: usize) {
        self.len -= count;
        let (mut i, mut off) = self.locate(pos);
        while count > 0 && i < self.chunks.len() {
            let (text, n) = &mut self.chunks[i];
            let take = count.min(*n - off);
            if take > 0 {
                let from = text.char_indices().nth(off).map_or(text.len(), |(b, _)| b);
                let to = text[from..]
                    .char_indices()
                    .nth(take)
                    .map_or(text.len(), |(b, _)| from + b);
                text.replace_range(from..to, "");
                *n -= take;
                count -= take;
            }
            if *n == 0 {
                self.chunks.remove(i);
            } else {
                i += 1;
            }
            off = 0;
        }
    }

    /// Applies `op`, which must expect exactly [`len`](Self::len) chars.
    pub fn apply(&mut self, op: &Op) -> Result<(), OtError> {
        if op.base_len() != self.len {
            return err(format!(
                "apply: op expects {} chars, doc has {}",
                op.base_len(),
                self.len
            ));
        }
        let mut pos = 0;
        for c in op.components() {
            match c {
                Comp::Retain(n) => pos += n,
                Comp::Insert(s) => {
                    self.insert_at(pos, s);
                    pos += char_len(s);
                }
                Comp::Delete(n) => self.delete_at(pos, *n),
            }
        }
        Ok(())
    }
}

/// A small deterministic PRNG (SplitMix64): seeded runs are reproducible, no dependency needed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

/// What the simulated authors type: mostly ASCII, some multi-byte and astral chars so that
/// counting in chars (not bytes, not UTF-16 units) is exercised end to end.
const ALPHABET: &[char] = &[
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's',
    't', 'u', 'v', 'w', 'x', 'y', 'z', ' ', ' ', ' ', '\n', 'é', 'ß', '€', '🙂',
];

pub fn random_text(rng: &mut Rng, chars: usize) -> String {
    (0..chars)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

/// Inserts `chars` random chars at a random position of a document of `len` chars.
pub fn random_typing(rng: &mut Rng, len: usize, chars: usize) -> Op {
    let pos = rng.below(len + 1);
    let mut op = Op::new();
    op.retain(pos)
        .insert(&random_text(rng, chars))
        .retain(len - pos);
    op
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use serde_json::json;

    /// A random edit (retains, inserts, deletes) of a document of `len` chars.
    pub fn random_op(rng: &mut Rng, len: usize) -> Op {
        let mut op = Op::new();
        let mut left = len;
        while left > 0 {
            let n = 1 + rng.below(left.min(5));
            match rng.below(4) {
                0 => {
                    op.delete(n);
                }
                1 => {
                    let k = 1 + rng.below(3);
                    op.insert(&random_text(rng, k));
                    op.retain(n);
                }
                _ => {
                    op.retain(n);
                }
            }
            left -= n;
        }
        if rng.below(2) == 0 {
            op.insert(&random_text(rng, 2));
        }
        op
    }

    #[test]
    fn wire_format_round_trips_and_is_canonical() {
        let v = json!([5, "hé🙂", -3, 2]);
        let op = from_json(&v).expect("parse");
        assert_eq!((op.base_len(), op.target_len()), (10, 10));
        assert_eq!(to_json(&op), v);
        // Merged neighbours, insert moved before delete.
        let op = from_json(&json!([1, 1, -1, "a", "b"])).expect("parse");
        assert_eq!(to_json(&op), json!([2, "ab", -1]));
        for bad in [
            json!({}),
            json!([0]),
            json!([""]),
            json!([1.5]),
            json!([null]),
        ] {
            assert!(from_json(&bad).is_err(), "{bad}");
            assert!(serde_json::from_value::<Op>(bad.clone()).is_err(), "{bad}");
        }
        // Straight from the text, as the editors read frames: the same canonical op.
        let direct: Op = serde_json::from_str(r#"[1, 1, -1, "a", "b"]"#).expect("parse");
        assert_eq!(to_json(&direct), json!([2, "ab", -1]));
        let direct: Op = serde_json::from_str(r#"[5, "h\u00e9🙂", -3, 2]"#).expect("parse");
        assert_eq!(direct, from_json(&v).expect("parse"));
    }

    #[test]
    fn apply_counts_chars_not_bytes() {
        let op = from_json(&json!([1, "🙂", -1, 1])).expect("parse");
        assert_eq!(op.apply("é€ß").expect("apply"), "é🙂ß");
        assert!(op.apply("ab").is_err());
        let mut doc = Doc::new("é€ß");
        doc.apply(&op).expect("apply");
        assert_eq!(doc.text(), "é🙂ß");
        assert_eq!(doc.len(), 3);
    }

    #[test]
    fn transform_gives_the_first_op_priority() {
        let a = from_json(&json!([1, "A", 1])).expect("a");
        let b = from_json(&json!([1, "B", 1])).expect("b");
        let (a2, b2) = Op::transform(&a, &b).expect("transform");
        let left = b2.apply(&a.apply("xy").expect("a")).expect("b'");
        let right = a2.apply(&b.apply("xy").expect("b")).expect("a'");
        assert_eq!(left, "xABy");
        assert_eq!(left, right);
    }

    #[test]
    fn random_ops_converge_and_compose() {
        let mut rng = Rng::new(0x5eed);
        for _ in 0..2000 {
            let k = rng.below(30);
            let doc = random_text(&mut rng, k);
            let len = char_len(&doc);
            let a = random_op(&mut rng, len);
            let b = random_op(&mut rng, len);
            let (a2, b2) = Op::transform(&a, &b).expect("transform");
            let via_a = b2.apply(&a.apply(&doc).expect("a")).expect("b'");
            let via_b = a2.apply(&b.apply(&doc).expect("b")).expect("a'");
            assert_eq!(via_a, via_b, "doc {doc:?} a {a:?} b {b:?}");

            let c = random_op(&mut rng, a.target_len());
            let ac = a.compose(&c).expect("compose");
            let after_a = a.apply(&doc).expect("a");
            assert_eq!(ac.apply(&doc).expect("a;c"), c.apply(&after_a).expect("c"));
            // The chunked document agrees with the plain string.
            let mut d = Doc::new(&doc);
            d.apply(&ac).expect("doc apply");
            assert_eq!(d.text(), ac.apply(&doc).expect("a;c"));
            assert_eq!(d.len(), ac.target_len());
        }
    }

    #[test]
    fn chunked_doc_handles_long_texts() {
        let mut rng = Rng::new(7);
        let mut plain = random_text(&mut rng, 5000);
        let mut doc = Doc::new(&plain);
        for _ in 0..3000 {
            let op = if rng.below(3) == 0 {
                random_op(&mut rng, doc.len())
            } else {
                let k = 1 + rng.below(40);
                random_typing(&mut rng, doc.len(), k)
            };
            plain = op.apply(&plain).expect("apply");
            doc.apply(&op).expect("doc apply");
            assert_eq!(doc.len(), char_len(&plain));
        }
        assert_eq!(doc.text(), plain);
        assert!(doc.chunks.iter().all(|(s, n)| *n > 0 && char_len(s) == *n));
    }

    #[test]
    fn random_typing_is_one_insert() {
        let mut rng = Rng::new(1);
        let op = random_typing(&mut rng, 10, 4);
        assert_eq!((op.base_len(), op.target_len()), (10, 14));
        let inserts = op
            .components()
            .iter()
            .filter(|c| matches!(c, Comp::Insert(_)))
            .count();
        assert_eq!(inserts, 1);
        assert_eq!(Rng::new(9).next_u64(), Rng::new(9).next_u64());
    }
}
