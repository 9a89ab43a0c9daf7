//! Rebasing a late edit onto the head: against one composition of the revisions it missed,
//! cached per base revision, instead of against each of them.
//!
//! With a thousand editors on a pad an edit arrives a few hundred revisions late, and every edit
//! of a batch is late by nearly the same revisions (clients see whole batches, so their bases
//! are the last revisions of recent batches). Step by step that is hundreds of transforms per
//! edit, and the more the pad lags the more each edit costs, which makes it lag more. Here each
//! base revision in use has the composition of every revision since it, kept up to date as
//! batches land, and an edit costs one walk over it.
//!
//! Exact only for an edit that inserts or deletes, not both ([`nichoir_ot::Missed`] says why;
//! the property test in `crates/ot/tests/properties.rs` checks it): typing and erasing, nearly
//! every edit. Replacing a selection is transformed step by step, as before.

use std::collections::BTreeMap;

use nichoir_ot::{Missed, Operation, OtError};

use crate::window::Window;

/// Base revisions kept at most; the oldest goes first.
const MAX_BASES: usize = 32;
/// A base not asked for during this many batches is dropped.
const IDLE_BATCHES: u64 = 4;

/// Revisions an edit must have missed for the cache to be used: fewer are transformed step by
/// step, and a pad whose edits never miss that many (a few editors) keeps no compositions.
pub(crate) const WORTH_CACHING: u64 = 8;

/// True when `op` may be rebased through a composition (see the module).
pub(crate) fn composable(op: &Operation) -> bool {
    op.inserted_chars() == 0 || op.deleted_chars() == 0
}

/// `op` transformed against each of `missed` in turn (the edit made before all of them).
pub(crate) fn step_by_step<'a>(
    mut op: Operation,
    missed: impl IntoIterator<Item = &'a Operation>,
) -> Result<Operation, OtError> {
    for m in missed {
        op = Operation::transform(m, &op)?.1;
    }
    Ok(op)
}

/// One pad's compositions, per base revision, of every revision after it up to the head.
#[derive(Default)]
pub(crate) struct MissedSince {
    by_base: BTreeMap<u64, (Missed, u64)>,
    /// Batches landed since this pad was loaded: the clock of `IDLE_BATCHES`.
    batches: u64,
}

impl MissedSince {
    /// The revisions after `base` up to the head, composed, from the pad's recent ones. None
    /// when they do not reach back to `base`.
    pub(crate) fn since(&mut self, base: u64, recent: &Window) -> Result<Option<&Missed>, OtError> {
        if !self.by_base.contains_key(&base) {
            let Some(after) = recent.after(base) else {
                return Ok(None);
            };
            // From `base` up to the next cached base (or the head), then that one's composition.
            let next = self.by_base.range(base + 1..).next().map(|(b, _)| *b);
            let upto = next.unwrap_or(u64::MAX);
            let mut revs = after.take_while(|r| r.rev <= upto).map(|r| &r.op);
            let Some(start) = revs.next() else {
                return Ok(None);
            };
            let mut m = Missed::of(start);
            for op in revs {
                m = m.then(op)?;
            }
            if let Some((rest, _)) = next.and_then(|b| self.by_base.get(&b)) {
                m = m.then_all(rest)?;
            }
            if self.by_base.len() >= MAX_BASES {
                self.by_base.pop_first();
            }
            self.by_base.insert(base, (m, self.batches));
        }
        Ok(self.by_base.get_mut(&base).map(|(m, used)| {
            *used = self.batches;
            &*m
        }))
    }

    /// A batch landed on `old_head`: every composition grows by it, and `old_head` (the base of
    /// every client that had seen the previous batch) starts with it.
    pub(crate) fn landed(&mut self, old_head: u64, batch: &Missed) -> Result<(), OtError> {
        self.batches += 1;
        if self.by_base.is_empty() {
            // Not in use: nothing to keep up to date.
            return Ok(());
        }
        let now = self.batches;
        self.by_base
            .retain(|_, (_, used)| now.saturating_sub(*used) <= IDLE_BATCHES);
        for (m, _) in self.by_base.values_mut() {
            *m = m.then_all(batch)?;
        }
        if self.by_base.len() >= MAX_BASES {
            self.by_base.pop_first();
        }
        self.by_base.insert(old_head, (batch.clone(), now));
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_base.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoredRev;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn stored(rev: u64, op: Operation) -> Arc<StoredRev> {
        Arc::new(StoredRev {
            rev,
            op,
            author_id: "a".into(),
            client_id: "c".into(),
            seq: rev,
        })
    }

    /// An insert of `s` at `at` (clamped) or, when `s` is empty, a delete of up to 3 chars there.
    fn edit(len: usize, at: usize, s: &str) -> Operation {
        let at = at.min(len);
        let mut op = Operation::new();
        op.retain(at);
        if s.is_empty() {
            let n = (len - at).min(3);
            op.delete(n).retain(len - at - n);
        } else {
            op.insert(s).retain(len - at);
        }
        op
    }

    proptest! {
        /// A pad's life in batches: each edit, made on some earlier revision, is rebased through
        /// the cache and step by step; both must agree, and the pad's text with them.
        #[test]
        fn cached_compositions_rebase_as_step_by_step(
            batches in prop::collection::vec(
                prop::collection::vec((0usize..12, 0usize..30, "[ab🙂]{0,3}"), 1..6), 1..25)
        ) {
            let mut text = String::from("hello world");
            let mut log: Vec<Operation> = Vec::new(); // revision r is log[r - 1]
            let mut recent = Window::default();
            let mut cache = MissedSince::default();
            for batch in batches {
                let head = log.len() as u64;
                let mut landed: Option<Missed> = None;
                let mut len = text.chars().count();
                for (back, at, s) in batch {
                    let base = head.saturating_sub(back as u64);
                    // The document the editor saw at `base`: its length.
                    let base_len = log
                        .get(base as usize)
                        .map_or(text.chars().count(), Operation::base_len);
                    let op = edit(base_len, at, &s);
                    let expected = step_by_step(op.clone(), log[base as usize..].iter())
                        .expect("step");
                    let mut via = op;
                    if base < head {
                        let m = cache.since(base, &recent).expect("since").expect("recent");
                        via = m.rebase(&via).expect("rebase");
                    }
                    if let Some(b) = &landed {
                        via = b.rebase(&via).expect("rebase in batch");
                    }
                    prop_assert_eq!(&via, &expected);
                    prop_assert_eq!(via.base_len(), len);
                    len = via.target_len();
                    landed = Some(match landed {
                        None => Missed::of(&via),
                        Some(b) => b.then(&via).expect("then"),
                    });
                    log.push(via.clone());
                }
                for op in &log[head as usize..] {
                    text = op.apply(&text).expect("apply");
                }
                let landed_revs = log[head as usize..].iter().enumerate();
                recent.extend(
                    landed_revs.map(|(i, op)| stored(head + i as u64 + 1, op.clone())),
                    tokio::time::Instant::now(),
                );
                if let Some(b) = landed {
                    cache.landed(head, &b).expect("landed");
                }
                prop_assert!(cache.len() <= MAX_BASES);
            }
        }
    }
}
