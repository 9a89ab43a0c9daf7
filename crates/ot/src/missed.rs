//! The revisions a late edit missed, composed into one, for rebasing many edits cheaply.
//!
//! A server rebases an edit made on revision r by transforming it against every revision after
//! r. With a thousand editors an edit misses hundreds of revisions, and every edit of a batch
//! misses nearly the same ones: transforming against their composition, computed once, costs
//! one walk instead of hundreds of transforms.
//!
//! The composition must give the very operation that transforming step by step gives (clients
//! transform step by step; anything else diverges from them), and an [`Operation`]'s canonical
//! form cannot: "insert A, delete x" is stored as insert-then-delete whichever came first, yet an
//! edit at the gap before x goes after A only if A was typed into that gap, not into the gap
//! after x that merged with it when x went. [`Missed`] keeps that order: an insert stays after
//! the deleted characters it was typed after, and text typed where characters had already gone
//! goes before them (it belongs to the first gap of the merged ones, as a tie there puts the
//! server's text first).

use crate::{compose_into, transform_into, Component, Operation, OtError, Sink};

/// Revisions composed in order, keeping where each insert sat among deleted characters.
/// Only for [`Missed::rebase`]: it is not an [`Operation`] and never goes on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Missed {
    components: Vec<Component>,
    base_len: usize,
    target_len: usize,
}

impl Missed {
    /// One revision.
    pub fn of(op: &Operation) -> Missed {
        Missed {
            components: op.components().to_vec(),
            base_len: op.base_len(),
            target_len: op.target_len(),
        }
    }

    /// The composition of `self` then `next` (which applies to the result of `self`).
    pub fn then(&self, next: &Operation) -> Result<Missed, OtError> {
        self.compose(next.components(), next.base_len())
    }

    /// The composition of `self` then `next`.
    pub fn then_all(&self, next: &Missed) -> Result<Missed, OtError> {
        self.compose(&next.components, next.base_len)
    }

    /// Length in characters of the document the first revision applied to.
    pub fn base_len(&self) -> usize {
        self.base_len
    }

    /// Length in characters of the document after the last revision.
    pub fn target_len(&self) -> usize {
        self.target_len
    }

    /// The same change as one canonical [`Operation`] (what applying these revisions in turn
    /// does to a text), the order of inserts among deleted text forgotten.
    pub fn to_operation(&self) -> Operation {
        self.components.iter().cloned().collect()
    }

    /// `op`, made on the document before these revisions, transformed to apply after them (their
    /// inserts go first at a tie): what transforming it against each revision in turn gives.
    pub fn rebase(&self, op: &Operation) -> Result<Operation, OtError> {
        let mut out = Operation::new();
        transform_into((&self.components, self.base_len), op, None, &mut out)?;
        Ok(out)
    }

    fn compose(&self, next: &[Component], next_base: usize) -> Result<Missed, OtError> {
        if self.target_len != next_base {
            return Err(OtError::LengthMismatch {
                expected: self.target_len,
                got: next_base,
            });
        }
        let mut out = Missed::default();
        compose_into(&self.components, next, &mut out)?;
        Ok(out)
    }

    /// Appends `c` (consuming `base` and producing `target` characters), merged with a last
    /// component of the same kind but never moved: the order of inserts and deletes is the point.
    fn push(&mut self, c: Component, base: usize, target: usize) {
        self.base_len = self.base_len.saturating_add(base);
        self.target_len = self.target_len.saturating_add(target);
        match (self.components.last_mut(), c) {
            (Some(Component::Retain(last)), Component::Retain(n))
            | (Some(Component::Delete(last)), Component::Delete(n)) => {
                *last = last.saturating_add(n);
            }
            (Some(Component::Insert(last)), Component::Insert(s)) => last.push_str(&s),
            (_, c) => self.components.push(c),
        }
    }
}

impl Sink for Missed {
    fn retain(&mut self, n: usize) {
        self.push(Component::Retain(n), n, n);
    }
    fn insert(&mut self, s: &str) {
        self.push(Component::Insert(s.to_owned()), 0, s.chars().count());
    }
    fn delete(&mut self, n: usize) {
        self.push(Component::Delete(n), n, 0);
    }
}
