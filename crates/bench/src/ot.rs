//! A small, self-contained operational-transformation core for the pad load client (the bench
//! must not depend on the server's crates, so this mirrors the wire semantics on its own).
//!
//! Operations use the ot.js JSON wire format: an array where a positive integer retains, a
//! negative integer deletes and a non-empty string inserts, e.g. `[5, "hé🙂", -3, 2]`. Every
//! length and position counts Unicode scalar values (`char`s), as the server does.
//!
//! Operations are kept canonical (no empty component, neighbours of one kind merged, an insert
//! before a delete at the same position) so equal edits compare equal. `transform(a, b)` gives
//! `a`'s insert priority at equal positions, like the server, which transforms an incoming edit as
//! the second argument against the revisions it already has.

use std::fmt;

use serde_json::Value;

/// One step of an [`Op`]. Lengths count `char`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comp {
    Retain(usize),
    Insert(String),
    Delete(usize),
}

impl Comp {
    fn len(&self) -> usize {
        match self {
            Comp::Retain(n) | Comp::Delete(n) => *n,
            Comp::Insert(s) => char_len(s),
        }
    }
}

/// Why an operation could not be parsed, applied, composed or transformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtError(pub String);

impl fmt::Display for OtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OtError {}

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

/// A canonical operation over a document of `base_len` chars, producing `target_len` chars.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Op {
    comps: Vec<Comp>,
    base_len: usize,
    target_len: usize,
}

impl Op {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn base_len(&self) -> usize {
        self.base_len
    }

    pub fn target_len(&self) -> usize {
        self.target_len
    }

    pub fn retain(&mut self, n: usize) -> &mut Self {
        if n == 0 {
            return self;
        }
        self.base_len += n;
        self.target_len += n;
        match self.comps.last_mut() {
            Some(Comp::Retain(last)) => *last += n,
            _ => self.comps.push(Comp::Retain(n)),
        }
        self
    }

    pub fn insert(&mut self, s: &str) -> &mut Self {
        if s.is_empty() {
            return self;
        }
        self.target_len += char_len(s);
        let n = self.comps.len();
        match self.comps.as_mut_slice() {
            [.., Comp::Insert(last)] | [.., Comp::Insert(last), Comp::Delete(_)] => {
                last.push_str(s)
            }
            [.., Comp::Delete(_)] => self.comps.insert(n - 1, Comp::Insert(s.to_owned())),
            _ => self.comps.push(Comp::Insert(s.to_owned())),
        }
        self
    }

    pub fn delete(&mut self, n: usize) -> &mut Self {
        if n == 0 {
            return self;
        }
        self.base_len += n;
        match self.comps.last_mut() {
            Some(Comp::Delete(last)) => *last += n,
            _ => self.comps.push(Comp::Delete(n)),
        }
        self
    }

    fn push(&mut self, c: &Comp) {
        match c {
            Comp::Retain(n) => self.retain(*n),
            Comp::Insert(s) => self.insert(s),
            Comp::Delete(n) => self.delete(*n),
        };
    }

    #[cfg(test)]
    pub fn comps(&self) -> &[Comp] {
        &self.comps
    }

    /// Parses the JSON wire form from a `Value` (tests; frames are read with `Deserialize`).
    #[cfg(test)]
    pub fn from_json(v: &Value) -> Result<Op, OtError> {
        let Some(items) = v.as_array() else {
            return err("an operation must be a JSON array");
        };
        let mut op = Op::new();
        for item in items {
            match item {
                Value::String(s) if !s.is_empty() => op.insert(s),
                Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                    (Some(r), _) if r > 0 => op.retain(usize::try_from(r).map_err(too_big)?),
                    (_, Some(d)) if d < 0 => {
                        op.delete(usize::try_from(d.unsigned_abs()).map_err(too_big)?)
                    }
                    _ => return err(format!("invalid component {n}")),
                },
                other => return err(format!("invalid component {other}")),
            };
        }
        Ok(op)
    }

    /// The JSON wire form.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.comps
                .iter()
                .map(|c| match c {
                    Comp::Retain(n) => Value::from(*n as u64),
                    Comp::Insert(s) => Value::from(s.as_str()),
                    Comp::Delete(n) => Value::from(-(*n as i64)),
                })
                .collect(),
        )
    }

    /// Applies the operation to a string of exactly `base_len` chars (the reference the chunked
    /// [`Doc`] is tested against).
    #[cfg(test)]
    pub fn apply(&self, doc: &str) -> Result<String, OtError> {
        let got = char_len(doc);
        if got != self.base_len {
            return err(format!(
                "apply: op expects {} chars, doc has {got}",
                self.base_len
            ));
        }
        let mut out = String::with_capacity(doc.len());
        let mut rest = doc;
        for c in &self.comps {
            match c {
                Comp::Retain(n) => {
                    let (keep, r) = split_chars(rest, *n);
                    out.push_str(keep);
                    rest = r;
                }
                Comp::Insert(s) => out.push_str(s),
                Comp::Delete(n) => rest = split_chars(rest, *n).1,
            }
        }
        Ok(out)
    }

    /// `self` then `next` as one operation.
    pub fn compose(&self, next: &Op) -> Result<Op, OtError> {
        if self.target_len != next.base_len {
            return err(format!(
                "compose: first op yields {} chars, second expects {}",
                self.target_len, next.base_len
            ));
        }
        let mut out = Op::new();
        let (mut a, mut b) = (Reader::new(self), Reader::new(next));
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => return Ok(out),
                (Some(Comp::Delete(_)), _) => out.push(&a.take_all()),
                (_, Some(Comp::Insert(_))) => out.push(&b.take_all()),
                (Some(x), Some(y)) => {
                    let m = x.len().min(y.len());
                    match (a.take(m), b.take(m)) {
                        (Comp::Retain(_), Comp::Retain(_)) => {
                            out.retain(m);
                        }
                        (Comp::Retain(_), Comp::Delete(_)) => {
                            out.delete(m);
                        }
                        (Comp::Insert(s), Comp::Retain(_)) => {
                            out.insert(&s);
                        }
                        (Comp::Insert(_), Comp::Delete(_)) => {} // typed, then deleted
                        _ => return err("compose: inconsistent components"),
                    }
                }
                _ => return err("compose: operations of different lengths"),
            }
        }
    }

    /// `(a', b')` with `apply(apply(s, a), b') == apply(apply(s, b), a')`; `a` inserts first at
    /// equal positions.
    pub fn transform(a: &Op, b: &Op) -> Result<(Op, Op), OtError> {
        if a.base_len != b.base_len {
            return err(format!(
                "transform: ops on {} and {} chars",
                a.base_len, b.base_len
            ));
        }
        let (mut a2, mut b2) = (Op::new(), Op::new());
        let (mut ra, mut rb) = (Reader::new(a), Reader::new(b));
        loop {
            match (ra.peek(), rb.peek()) {
                (None, None) => return Ok((a2, b2)),
                (Some(Comp::Insert(_)), _) => {
                    let c = ra.take_all();
                    b2.retain(c.len());
                    a2.push(&c);
                }
                (_, Some(Comp::Insert(_))) => {
                    let c = rb.take_all();
                    a2.retain(c.len());
                    b2.push(&c);
                }
                (Some(x), Some(y)) => {
                    let m = x.len().min(y.len());
                    match (ra.take(m), rb.take(m)) {
                        (Comp::Retain(_), Comp::Retain(_)) => {
                            a2.retain(m);
                            b2.retain(m);
                        }
                        (Comp::Delete(_), Comp::Retain(_)) => {
                            a2.delete(m);
                        }
                        (Comp::Retain(_), Comp::Delete(_)) => {
                            b2.delete(m);
                        }
                        _ => {} // both deleted the same chars
                    }
                }
                _ => return err("transform: operations of different lengths"),
            }
        }
    }
}

/// Parses the wire form straight from the frame's text (no `serde_json::Value` in between): the
/// editors of a busy pad parse every revision, and the load generator shares the server's cores.
impl<'de> serde::Deserialize<'de> for Op {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Op, D::Error> {
        /// One component as it comes: a number or a string.
        enum Wire {
            Int(i64),
            Text(String),
        }
        impl<'de> serde::Deserialize<'de> for Wire {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Wire, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = Wire;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a retain, insert or delete component")
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Wire, E> {
                        Ok(Wire::Int(v))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Wire, E> {
                        i64::try_from(v)
                            .map(Wire::Int)
                            .map_err(|_| E::custom("component too large"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Wire, E> {
                        Ok(Wire::Text(v.to_owned()))
                    }
                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Wire, E> {
                        Ok(Wire::Text(v))
                    }
                }
                d.deserialize_any(V)
            }
        }
        struct Ops;
        impl<'de> serde::de::Visitor<'de> for Ops {
            type Value = Op;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an operation (a JSON array)")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Op, A::Error> {
                use serde::de::Error;
                let mut op = Op::new();
                while let Some(c) = seq.next_element::<Wire>()? {
                    match c {
                        Wire::Text(s) if !s.is_empty() => op.insert(&s),
                        Wire::Int(n) if n > 0 => {
                            op.retain(usize::try_from(n).map_err(A::Error::custom)?)
                        }
                        Wire::Int(n) if n < 0 => {
                            op.delete(usize::try_from(n.unsigned_abs()).map_err(A::Error::custom)?)
                        }
                        _ => return Err(A::Error::custom("empty component")),
                    };
                }
                Ok(op)
            }
        }
        d.deserialize_seq(Ops)
    }
}

#[cfg(test)]
fn too_big(_: std::num::TryFromIntError) -> OtError {
    OtError("component too large".into())
}

/// Walks an operation's components, splitting the current one on demand.
struct Reader<'a> {
    rest: std::slice::Iter<'a, Comp>,
    cur: Option<Comp>,
}

impl<'a> Reader<'a> {
    fn new(op: &'a Op) -> Self {
        let mut rest = op.comps.iter();
        let cur = rest.next().cloned();
        Reader { rest, cur }
    }

    fn peek(&self) -> Option<&Comp> {
        self.cur.as_ref()
    }

    /// The whole current component (callers peek first: never called at the end).
    fn take_all(&mut self) -> Comp {
        let c = self.cur.take().unwrap_or(Comp::Retain(0));
        self.cur = self.rest.next().cloned();
        c
    }

    /// The first `m` chars of the current component (`m` at most its length).
    fn take(&mut self, m: usize) -> Comp {
        let Some(cur) = self.cur.as_mut() else {
            return Comp::Retain(0);
        };
        if cur.len() <= m {
            return self.take_all();
        }
        match cur {
            Comp::Retain(n) => {
                *n -= m;
                Comp::Retain(m)
            }
            Comp::Delete(n) => {
                *n -= m;
                Comp::Delete(m)
            }
            Comp::Insert(s) => {
                let (head, tail) = split_chars(s, m);
                let head = head.to_owned();
                *s = tail.to_owned();
                Comp::Insert(head)
            }
        }
    }
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
        if op.base_len != self.len {
            return err(format!(
                "apply: op expects {} chars, doc has {}",
                op.base_len, self.len
            ));
        }
        let mut pos = 0;
        for c in &op.comps {
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
        let op = Op::from_json(&v).expect("parse");
        assert_eq!((op.base_len(), op.target_len()), (10, 10));
        assert_eq!(op.to_json(), v);
        // Merged neighbours, insert moved before delete.
        let op = Op::from_json(&json!([1, 1, -1, "a", "b"])).expect("parse");
        assert_eq!(op.to_json(), json!([2, "ab", -1]));
        for bad in [
            json!({}),
            json!([0]),
            json!([""]),
            json!([1.5]),
            json!([null]),
        ] {
            assert!(Op::from_json(&bad).is_err(), "{bad}");
            assert!(serde_json::from_value::<Op>(bad.clone()).is_err(), "{bad}");
        }
        // Straight from the text, as the editors read frames: the same canonical op.
        let direct: Op = serde_json::from_str(r#"[1, 1, -1, "a", "b"]"#).expect("parse");
        assert_eq!(direct.to_json(), json!([2, "ab", -1]));
        let direct: Op = serde_json::from_str(r#"[5, "h\u00e9🙂", -3, 2]"#).expect("parse");
        assert_eq!(direct, Op::from_json(&v).expect("parse"));
    }

    #[test]
    fn apply_counts_chars_not_bytes() {
        let op = Op::from_json(&json!([1, "🙂", -1, 1])).expect("parse");
        assert_eq!(op.apply("é€ß").expect("apply"), "é🙂ß");
        assert!(op.apply("ab").is_err());
        let mut doc = Doc::new("é€ß");
        doc.apply(&op).expect("apply");
        assert_eq!(doc.text(), "é🙂ß");
        assert_eq!(doc.len(), 3);
    }

    #[test]
    fn transform_gives_the_first_op_priority() {
        let a = Op::from_json(&json!([1, "A", 1])).expect("a");
        let b = Op::from_json(&json!([1, "B", 1])).expect("b");
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
            .comps()
            .iter()
            .filter(|c| matches!(c, Comp::Insert(_)))
            .count();
        assert_eq!(inserts, 1);
        assert_eq!(Rng::new(9).next_u64(), Rng::new(9).next_u64());
    }
}
