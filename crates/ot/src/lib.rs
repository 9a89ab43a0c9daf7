//! Operational transformation for Nichoir's collaborative pads (the ot.js / Jupiter model).
//!
//! An [`Operation`] walks a document from start to end with three kinds of [`Component`]:
//! `Retain(n)` keeps `n` characters, `Insert(s)` inserts `s`, `Delete(n)` removes `n` characters.
//! Every length and position counts Unicode scalar values (Rust `char`s), never bytes or UTF-16
//! units, so the same operation means the same thing to the server and to the browser
//! (`web/src/pads/ot.ts` implements the same algorithms on code points).
//!
//! Operations are kept in a canonical form by the builders ([`Operation::retain`],
//! [`Operation::insert`], [`Operation::delete`]): no zero-length component, adjacent components of
//! the same kind merged, and an insert placed before a delete at the same position. Two
//! operations that do the same thing component by component therefore compare equal.
//!
//! JSON wire format (see [`parse_op`] for untrusted input): an array where a positive integer is a
//! retain, a negative integer a delete and a non-empty string an insert, e.g. `[5, "hé🙂", -3, 2]`.
//!
//! The crate is pure: no I/O, no clock, no async.

mod missed;
mod wire;

pub use missed::Missed;
pub use wire::{parse_op, MAX_COMPONENT_LEN};

use std::slice;

/// One step of an [`Operation`]. Lengths count `char`s.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// Keep the next `n` characters.
    Retain(usize),
    /// Insert this text at the current position.
    Insert(String),
    /// Remove the next `n` characters.
    Delete(usize),
}

/// Why an operation could not be built, parsed, applied, composed or transformed.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum OtError {
    /// The operation does not fit the document (or the other operation): lengths in `char`s.
    #[error("length mismatch: expected {expected} characters, got {got}")]
    LengthMismatch { expected: usize, got: usize },
    /// A component is not a non-zero integer of at most 2^32 or a non-empty string, or the
    /// operation is internally inconsistent.
    #[error("invalid operation component")]
    InvalidComponent,
    /// The operation is not a JSON array.
    #[error("an operation must be a JSON array")]
    NotAnArray,
    /// The operation has more components or inserts more characters than allowed.
    #[error("operation too large")]
    TooLarge,
}

/// A sequence of components over a document of `base_len` characters, producing a document of
/// `target_len` characters. Always in canonical form (see the crate documentation).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Operation {
    components: Vec<Component>,
    base_len: usize,
    target_len: usize,
}

/// Number of `char`s in `s`.
fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Splits `s` after its first `n` characters (all of `s` when it is shorter).
fn split_chars(s: &str, n: usize) -> (&str, &str) {
    let at = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(at)
}

/// A component being consumed by compose/transform: inserts borrow their text and carry their
/// length in characters so splitting does not re-count.
#[derive(Clone, Copy)]
enum Piece<'a> {
    Retain(usize),
    Insert(&'a str, usize),
    Delete(usize),
}

impl<'a> Piece<'a> {
    fn from(c: Option<&'a Component>) -> Option<Self> {
        c.map(|c| match c {
            Component::Retain(n) => Piece::Retain(*n),
            Component::Insert(s) => Piece::Insert(s, char_len(s)),
            Component::Delete(n) => Piece::Delete(*n),
        })
    }

    fn len(self) -> usize {
        match self {
            Piece::Retain(n) | Piece::Delete(n) | Piece::Insert(_, n) => n,
        }
    }

    /// Consumes `m` characters of this piece: what is left of it, or the next component.
    fn advance(self, m: usize, rest: &mut slice::Iter<'a, Component>) -> Option<Self> {
        match self {
            Piece::Retain(n) if n > m => Some(Piece::Retain(n - m)),
            Piece::Delete(n) if n > m => Some(Piece::Delete(n - m)),
            Piece::Insert(s, n) if n > m => Some(Piece::Insert(split_chars(s, m).1, n - m)),
            _ => Piece::from(rest.next()),
        }
    }
}

impl Operation {
    /// The empty operation (on the empty document).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends "keep `n` characters". Zero is ignored; merges with a preceding retain.
    pub fn retain(&mut self, n: usize) -> &mut Self {
        if n == 0 {
            return self;
        }
        self.base_len = self.base_len.saturating_add(n);
        self.target_len = self.target_len.saturating_add(n);
        if let Some(Component::Retain(last)) = self.components.last_mut() {
            *last = last.saturating_add(n);
        } else {
            self.components.push(Component::Retain(n));
        }
        self
    }

    /// Appends "insert `s`". Empty is ignored; merges with a preceding insert, and goes before a
    /// delete that ends the operation (insert-then-delete is the canonical order).
    pub fn insert(&mut self, s: &str) -> &mut Self {
        if s.is_empty() {
            return self;
        }
        self.target_len = self.target_len.saturating_add(char_len(s));
        let n = self.components.len();
        match self.components.as_mut_slice() {
            [.., Component::Insert(last)] => last.push_str(s),
            [.., Component::Insert(prev), Component::Delete(_)] => prev.push_str(s),
            [.., Component::Delete(_)] => self
                .components
                .insert(n - 1, Component::Insert(s.to_owned())),
            _ => self.components.push(Component::Insert(s.to_owned())),
        }
        self
    }

    /// Appends "delete `n` characters". Zero is ignored; merges with a preceding delete.
    pub fn delete(&mut self, n: usize) -> &mut Self {
        if n == 0 {
            return self;
        }
        self.base_len = self.base_len.saturating_add(n);
        if let Some(Component::Delete(last)) = self.components.last_mut() {
            *last = last.saturating_add(n);
        } else {
            self.components.push(Component::Delete(n));
        }
        self
    }

    /// Appends a component through the normalising builders.
    pub fn push(&mut self, c: &Component) -> &mut Self {
        match c {
            Component::Retain(n) => self.retain(*n),
            Component::Insert(s) => self.insert(s),
            Component::Delete(n) => self.delete(*n),
        }
    }

    /// The components, in canonical form.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// Length in characters of the document this operation applies to.
    pub fn base_len(&self) -> usize {
        self.base_len
    }

    /// Length in characters of the document this operation produces.
    pub fn target_len(&self) -> usize {
        self.target_len
    }

    /// True when the operation changes nothing (only retains, or empty).
    pub fn is_noop(&self) -> bool {
        self.components
            .iter()
            .all(|c| matches!(c, Component::Retain(_)))
    }

    /// Number of characters this operation inserts.
    pub fn inserted_chars(&self) -> usize {
        self.components
            .iter()
            .map(|c| match c {
                Component::Insert(s) => char_len(s),
                _ => 0,
            })
            .fold(0, usize::saturating_add)
    }

    /// Number of characters this operation deletes.
    pub fn deleted_chars(&self) -> usize {
        self.components
            .iter()
            .map(|c| match c {
                Component::Delete(n) => *n,
                _ => 0,
            })
            .fold(0, usize::saturating_add)
    }

    /// Applies the operation to `doc`, which must have exactly [`base_len`](Self::base_len)
    /// characters.
    pub fn apply(&self, doc: &str) -> Result<String, OtError> {
        let got = char_len(doc);
        if got != self.base_len {
            return Err(OtError::LengthMismatch {
                expected: self.base_len,
                got,
            });
        }
        let mut out = String::with_capacity(doc.len());
        let mut rest = doc;
        for c in &self.components {
            match c {
                Component::Retain(n) => {
                    let (keep, r) = split_chars(rest, *n);
                    out.push_str(keep);
                    rest = r;
                }
                Component::Insert(s) => out.push_str(s),
                Component::Delete(n) => rest = split_chars(rest, *n).1,
            }
        }
        if !rest.is_empty() {
            return Err(OtError::InvalidComponent);
        }
        Ok(out)
    }

    /// Composes `self` then `next` into one operation:
    /// `apply(apply(s, self), next) == apply(s, self.compose(next))`.
    /// `next` must apply to the result of `self`.
    pub fn compose(&self, next: &Operation) -> Result<Operation, OtError> {
        if self.target_len != next.base_len {
            return Err(OtError::LengthMismatch {
                expected: self.target_len,
                got: next.base_len,
            });
        }
        let mut out = Operation::new();
        compose_into(&self.components, &next.components, &mut out)?;
        Ok(out)
    }

    /// Transforms two concurrent operations on the same document into `(a', b')` such that
    /// `apply(apply(s, a), b') == apply(apply(s, b), a')`. When both insert at the same position,
    /// `a`'s text goes first: pass as `a` the operation the server already has.
    pub fn transform(a: &Operation, b: &Operation) -> Result<(Operation, Operation), OtError> {
        let (mut a_prime, mut b_prime) = (Operation::new(), Operation::new());
        transform_into(
            (&a.components, a.base_len),
            b,
            Some(&mut a_prime),
            &mut b_prime,
        )?;
        Ok((a_prime, b_prime))
    }

    /// The operation that undoes `self`, given the document `self` applies to:
    /// `apply(apply(doc, op), op.invert(doc)) == doc`.
    pub fn invert(&self, doc: &str) -> Result<Operation, OtError> {
        let got = char_len(doc);
        if got != self.base_len {
            return Err(OtError::LengthMismatch {
                expected: self.base_len,
                got,
            });
        }
        let mut out = Operation::new();
        let mut rest = doc;
        for c in &self.components {
            match c {
                Component::Retain(n) => {
                    out.retain(*n);
                    rest = split_chars(rest, *n).1;
                }
                Component::Insert(s) => {
                    out.delete(char_len(s));
                }
                Component::Delete(n) => {
                    let (gone, r) = split_chars(rest, *n);
                    out.insert(gone);
                    rest = r;
                }
            }
        }
        Ok(out)
    }

    /// Moves a caret (a position in characters in the base document, clamped to
    /// [`base_len`](Self::base_len)) through this operation. Text inserted exactly at the caret
    /// goes before it when `own` is true (the author's caret, which follows what it typed) and
    /// after it otherwise (someone else's caret stays put). A caret inside a deleted range moves
    /// to where the range was. The result is at most [`target_len`](Self::target_len).
    pub fn transform_position(&self, pos: usize, own: bool) -> usize {
        let pos = pos.min(self.base_len);
        let mut consumed = 0usize;
        let mut new = pos;
        for c in &self.components {
            if consumed > pos {
                break;
            }
            match c {
                Component::Retain(n) => consumed = consumed.saturating_add(*n),
                Component::Insert(s) => {
                    if consumed < pos || own {
                        new = new.saturating_add(char_len(s));
                    }
                }
                Component::Delete(n) => {
                    if consumed < pos {
                        new = new.saturating_sub((*n).min(pos - consumed));
                    }
                    consumed = consumed.saturating_add(*n);
                }
            }
        }
        new.min(self.target_len)
    }

    /// Moves a range `[start, end)` of the base document (a comment's anchor) through this
    /// operation. The range keeps exactly those of its characters that survive, and whatever
    /// is inserted between them; text inserted at either edge stays outside. Its edges depend
    /// on which characters survive and nothing else, so moving a range through a composition
    /// gives what moving it through each operation in turn gives. When none of its characters
    /// survive, it collapses (`start == end`) where its text was (as
    /// [`transform_position`](Self::transform_position) moves the start, `own`), and from
    /// then on moves as that point: a point cannot tell which of the texts inserted and
    /// deleted at one place came first, so a collapsed range is only guaranteed to stay
    /// between the characters that surrounded its text.
    pub fn transform_range(&self, start: usize, end: usize) -> (usize, usize) {
        let start = start.min(self.base_len);
        let end = end.clamp(start, self.base_len);
        let (mut base, mut target) = (0usize, 0usize);
        let mut kept: Option<(usize, usize)> = None;
        for c in &self.components {
            if base >= end {
                break;
            }
            match c {
                Component::Retain(n) => {
                    let (lo, hi) = (start.max(base), end.min(base.saturating_add(*n)));
                    if lo < hi {
                        let first = kept.map_or(target + (lo - base), |k| k.0);
                        kept = Some((first, target + (hi - base)));
                    }
                    base = base.saturating_add(*n);
                    target = target.saturating_add(*n);
                }
                Component::Insert(s) => target = target.saturating_add(char_len(s)),
                Component::Delete(n) => base = base.saturating_add(*n),
            }
        }
        kept.unwrap_or_else(|| {
            let p = self.transform_position(start, true);
            (p, p)
        })
    }
}

impl FromIterator<Component> for Operation {
    /// Builds a canonical operation from components (zero lengths and empty inserts dropped).
    fn from_iter<I: IntoIterator<Item = Component>>(iter: I) -> Self {
        let mut op = Operation::new();
        for c in iter {
            op.push(&c);
        }
        op
    }
}

/// A single-replacement operation turning `old` into `new`: keeps their common prefix and suffix
/// (in characters) and replaces the middle. Correct for any Unicode text; not a minimal diff.
pub fn diff(old: &str, new: &str) -> Operation {
    let prefix_bytes: usize = old
        .chars()
        .zip(new.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (old_mid, new_mid) = (&old[prefix_bytes..], &new[prefix_bytes..]);
    let suffix_bytes: usize = old_mid
        .chars()
        .rev()
        .zip(new_mid.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let old_changed = &old_mid[..old_mid.len() - suffix_bytes];
    let new_changed = &new_mid[..new_mid.len() - suffix_bytes];
    let mut op = Operation::new();
    op.retain(char_len(&old[..prefix_bytes]))
        .delete(char_len(old_changed))
        .insert(new_changed)
        .retain(char_len(&old_mid[old_mid.len() - suffix_bytes..]));
    op
}

#[cfg(test)]
mod tests;

/// The loop of [`Operation::transform`], for `a` given as its components and base length (a
/// [`Missed`] too); `a_prime` is skipped when the caller needs only `b'`.
fn transform_into(
    (a, a_base): (&[Component], usize),
    b: &Operation,
    mut a_prime: Option<&mut Operation>,
    b_prime: &mut Operation,
) -> Result<(), OtError> {
    if a_base != b.base_len {
        return Err(OtError::LengthMismatch {
            expected: a_base,
            got: b.base_len,
        });
    }
    let (mut ia, mut ib) = (a.iter(), b.components.iter());
    let (mut pa, mut pb) = (Piece::from(ia.next()), Piece::from(ib.next()));
    loop {
        match (pa, pb) {
            (None, None) => break,
            (Some(Piece::Insert(s, n)), _) => {
                if let Some(a2) = a_prime.as_deref_mut() {
                    a2.insert(s);
                }
                b_prime.retain(n);
                pa = Piece::from(ia.next());
            }
            (_, Some(Piece::Insert(s, n))) => {
                if let Some(a2) = a_prime.as_deref_mut() {
                    a2.retain(n);
                }
                b_prime.insert(s);
                pb = Piece::from(ib.next());
            }
            (None, _) | (_, None) => return Err(OtError::InvalidComponent),
            (Some(x), Some(y)) => {
                let m = x.len().min(y.len());
                match (x, y) {
                    (Piece::Retain(_), Piece::Retain(_)) => {
                        if let Some(a2) = a_prime.as_deref_mut() {
                            a2.retain(m);
                        }
                        b_prime.retain(m);
                    }
                    (Piece::Delete(_), Piece::Retain(_)) => {
                        if let Some(a2) = a_prime.as_deref_mut() {
                            a2.delete(m);
                        }
                    }
                    (Piece::Retain(_), Piece::Delete(_)) => {
                        b_prime.delete(m);
                    }
                    // Both deleted the same characters: nothing left to do.
                    _ => {}
                }
                pa = x.advance(m, &mut ia);
                pb = y.advance(m, &mut ib);
            }
        }
    }
    Ok(())
}

/// Where [`compose_into`] writes: an [`Operation`] (its builders keep it canonical) or a
/// [`Missed`] (which keeps the order it is given).
pub(crate) trait Sink {
    fn retain(&mut self, n: usize);
    fn insert(&mut self, s: &str);
    fn delete(&mut self, n: usize);
}

impl Sink for Operation {
    fn retain(&mut self, n: usize) {
        Operation::retain(self, n);
    }
    fn insert(&mut self, s: &str) {
        Operation::insert(self, s);
    }
    fn delete(&mut self, n: usize) {
        Operation::delete(self, n);
    }
}

/// The loop of composition: `a` then `b` (lengths checked by the caller). Text `b` inserts where
/// `a` deleted goes before those characters: an [`Operation`] puts it there anyway (its
/// canonical form), and a [`Missed`] needs it there.
pub(crate) fn compose_into(
    a: &[Component],
    b: &[Component],
    out: &mut impl Sink,
) -> Result<(), OtError> {
    let (mut ia, mut ib) = (a.iter(), b.iter());
    let (mut pa, mut pb) = (Piece::from(ia.next()), Piece::from(ib.next()));
    loop {
        match (pa, pb) {
            (None, None) => break,
            (_, Some(Piece::Insert(s, _))) => {
                out.insert(s);
                pb = Piece::from(ib.next());
            }
            (Some(Piece::Delete(n)), _) => {
                out.delete(n);
                pa = Piece::from(ia.next());
            }
            (None, _) | (_, None) => return Err(OtError::InvalidComponent),
            (Some(x), Some(y)) => {
                let m = x.len().min(y.len());
                match (x, y) {
                    (Piece::Retain(_), Piece::Retain(_)) => out.retain(m),
                    (Piece::Retain(_), Piece::Delete(_)) => out.delete(m),
                    (Piece::Insert(s, _), Piece::Retain(_)) => out.insert(split_chars(s, m).0),
                    // Inserted then deleted: nothing left of it. (Other pairs were handled
                    // above: a delete in `a` or an insert in `b` consume nothing.)
                    _ => {}
                }
                pa = x.advance(m, &mut ia);
                pb = y.advance(m, &mut ib);
            }
        }
    }
    Ok(())
}
