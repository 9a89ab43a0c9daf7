//! Who wrote what: the pad's text as runs of (author, length in chars), moved through every edit
//! exactly as the text is. Pure, and checked against the text length by property tests.

use nichoir_ot::{Component, Operation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Authorship {
    spans: Vec<(String, usize)>,
}

fn push(out: &mut Vec<(String, usize)>, author: &str, n: usize) {
    if n == 0 {
        return;
    }
    match out.last_mut() {
        Some((a, len)) if a == author => *len += n,
        _ => out.push((author.to_string(), n)),
    }
}

impl Authorship {
    pub fn spans(&self) -> &[(String, usize)] {
        &self.spans
    }

    pub fn len(&self) -> usize {
        self.spans.iter().map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The authorship after `author` applied `op`; None if `op` does not fit this length.
    pub fn apply(&self, op: &Operation, author: &str) -> Option<Authorship> {
        if op.base_len() != self.len() {
            return None;
        }
        let mut out: Vec<(String, usize)> = Vec::with_capacity(self.spans.len() + 2);
        let mut spans = self.spans.iter();
        let mut current: Option<(&str, usize)> = None; // (author, chars left in this run)
        let mut take = |n: usize, keep: bool, out: &mut Vec<(String, usize)>| -> Option<()> {
            let mut left = n;
            while left > 0 {
                let (a, avail) = match current {
                    Some((a, avail)) if avail > 0 => (a, avail),
                    _ => {
                        let (a, len) = spans.next()?;
                        (a.as_str(), *len)
                    }
                };
                let used = avail.min(left);
                if keep {
                    push(out, a, used);
                }
                left -= used;
                current = Some((a, avail - used));
            }
            Some(())
        };
        for c in op.components() {
            match c {
                Component::Retain(n) => take(*n, true, &mut out)?,
                Component::Delete(n) => take(*n, false, &mut out)?,
                Component::Insert(s) => push(&mut out, author, s.chars().count()),
            }
        }
        Some(Authorship { spans: out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn op(build: impl FnOnce(&mut Operation)) -> Operation {
        let mut o = Operation::new();
        build(&mut o);
        o
    }

    #[test]
    fn tracks_who_wrote_what() {
        let a = Authorship::default()
            .apply(
                &op(|o| {
                    o.insert("hello");
                }),
                "alice",
            )
            .expect("fits");
        let b = a
            .apply(
                &op(|o| {
                    o.retain(2).insert("🙂🙂").retain(3);
                }),
                "bob",
            )
            .expect("fits");
        assert_eq!(
            b.spans(),
            &[
                ("alice".to_string(), 2),
                ("bob".to_string(), 2),
                ("alice".to_string(), 3)
            ]
        );
        let c = b
            .apply(
                &op(|o| {
                    o.retain(1).delete(2).retain(4);
                }),
                "carol",
            )
            .expect("fits");
        assert_eq!(
            c.spans(),
            &[
                ("alice".to_string(), 1),
                ("bob".to_string(), 1),
                ("alice".to_string(), 3)
            ]
        );
        assert!(
            c.apply(
                &op(|o| {
                    o.retain(9);
                }),
                "x"
            )
            .is_none(),
            "length mismatch"
        );
    }

    proptest! {
        #[test]
        fn length_follows_the_text(edits in proptest::collection::vec((0usize..40, 0usize..5, "[a-z🙂é]{0,4}", 0usize..3), 1..30)) {
            let mut text = String::new();
            let mut auth = Authorship::default();
            for (pos, del, ins, who) in edits {
                let len = text.chars().count();
                let pos = pos.min(len);
                let del = del.min(len - pos);
                let o = op(|o| { o.retain(pos).delete(del).insert(&ins).retain(len - pos - del); });
                text = o.apply(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                auth = auth.apply(&o, ["a", "b", "c"][who]).ok_or_else(|| TestCaseError::fail("mismatch"))?;
                prop_assert_eq!(auth.len(), text.chars().count());
                prop_assert!(auth.spans().windows(2).all(|w| w[0].0 != w[1].0), "runs are merged");
                prop_assert!(auth.spans().iter().all(|(_, n)| *n > 0));
            }
        }
    }
}
