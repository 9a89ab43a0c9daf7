//! Who wrote what: the pad's text as runs of (author, length in chars), moved through every edit
//! exactly as the text is. Pure, and checked against the text length by property tests.
//!
//! The runs are kept in chunks of a few dozen, with their lengths, and an edit changes them in
//! place: it touches the chunks it reaches, not a list as long as the pad's history. A busy pad
//! with hundreds of editors typing at random places has tens of thousands of runs; rebuilding
//! them (and cloning an author id per run) on every edit was the engine's largest cost.

use std::collections::HashMap;

use nichoir_ot::{Component, Operation};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A chunk is split when it holds more runs than this.
const MAX_RUNS: usize = 128;

#[derive(Debug, Clone, Default)]
struct Chunk {
    /// (index in `names`, length in chars); no empty run.
    runs: Vec<(u32, usize)>,
    len: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Authorship {
    /// Author ids, referred to by index in the runs.
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// No empty chunk.
    chunks: Vec<Chunk>,
    len: usize,
}

impl Authorship {
    /// The runs, neighbours by the same author merged (the wire and storage form).
    pub fn spans(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for &(a, n) in self.chunks.iter().flat_map(|c| &c.runs) {
            let name = &self.names[a as usize];
            match out.last_mut() {
                Some((last, len)) if last == name => *len += n,
                _ => out.push((name.clone(), n)),
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn author(&mut self, author: &str) -> u32 {
        if let Some(i) = self.index.get(author) {
            return *i;
        }
        // More than u32::MAX distinct authors cannot fit in a pad's size limits.
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(author.to_string());
        self.index.insert(author.to_string(), i);
        i
    }

    /// The authorship after `author` applied `op`; None if `op` does not fit this length.
    pub fn apply(&self, op: &Operation, author: &str) -> Option<Authorship> {
        let mut next = self.clone();
        next.apply_mut(op, author).then_some(next)
    }

    /// Applies `op` by `author` in place; false (and unchanged) if `op` does not fit this length.
    pub fn apply_mut(&mut self, op: &Operation, author: &str) -> bool {
        if op.base_len() != self.len {
            return false;
        }
        let mut pos = 0;
        let mut who: Option<u32> = None;
        for c in op.components() {
            match c {
                Component::Retain(n) => pos += n,
                Component::Delete(n) => self.delete_at(pos, *n),
                Component::Insert(s) => {
                    let k = s.chars().count();
                    let a = match who {
                        Some(a) => a,
                        None => *who.insert(self.author(author)),
                    };
                    self.insert_at(pos, a, k);
                    pos += k;
                }
            }
        }
        true
    }

    /// The chunk holding `pos` (a position at a chunk's end belongs to that chunk) and the
    /// offset in it. `pos <= self.len`, and there is at least one chunk.
    fn locate(&self, pos: usize) -> (usize, usize) {
        let mut start = 0;
        for (i, c) in self.chunks.iter().enumerate() {
            if pos <= start + c.len {
                return (i, pos - start);
            }
            start += c.len;
        }
        let last = self.chunks.len().saturating_sub(1);
        (last, self.chunks.get(last).map_or(0, |c| c.len))
    }

    fn insert_at(&mut self, pos: usize, a: u32, k: usize) {
        if k == 0 {
            return;
        }
        self.len += k;
        if self.chunks.is_empty() {
            self.chunks.push(Chunk {
                runs: vec![(a, k)],
                len: k,
            });
            return;
        }
        let (ci, mut off) = self.locate(pos);
        let chunk = &mut self.chunks[ci];
        chunk.len += k;
        let runs = &mut chunk.runs;
        let mut j = 0;
        while j + 1 < runs.len() && off > runs[j].1 {
            off -= runs[j].1;
            j += 1;
        }
        let (ra, rn) = runs[j];
        if ra == a {
            runs[j].1 += k;
        } else if off == 0 {
            if j > 0 && runs[j - 1].0 == a {
                runs[j - 1].1 += k;
            } else {
                runs.insert(j, (a, k));
            }
        } else if off >= rn {
            if runs.get(j + 1).is_some_and(|r| r.0 == a) {
                runs[j + 1].1 += k;
            } else {
                runs.insert(j + 1, (a, k));
            }
        } else {
            runs[j].1 = off;
            runs.splice(j + 1..j + 1, [(a, k), (ra, rn - off)]);
        }
        if runs.len() > MAX_RUNS {
            let tail = runs.split_off(runs.len() / 2);
            let tail_len: usize = tail.iter().map(|r| r.1).sum();
            chunk.len -= tail_len;
            self.chunks.insert(
                ci + 1,
                Chunk {
                    runs: tail,
                    len: tail_len,
                },
            );
        }
    }

    fn delete_at(&mut self, pos: usize, n: usize) {
        let mut left = n;
        if left == 0 || self.chunks.is_empty() {
            return;
        }
        let (mut ci, mut off) = self.locate(pos);
        while left > 0 && ci < self.chunks.len() {
            let chunk = &mut self.chunks[ci];
            if off >= chunk.len {
                ci += 1;
                off = 0;
                continue;
            }
            let runs = &mut chunk.runs;
            let (mut j, mut o) = (0, off);
            while o >= runs[j].1 {
                o -= runs[j].1;
                j += 1;
            }
            let take = (runs[j].1 - o).min(left);
            runs[j].1 -= take;
            chunk.len -= take;
            self.len -= take;
            left -= take;
            if runs[j].1 == 0 {
                runs.remove(j);
                // The neighbours of a removed run may be by the same author.
                if j > 0 && j < runs.len() && runs[j - 1].0 == runs[j].0 {
                    runs[j - 1].1 += runs[j].1;
                    runs.remove(j);
                }
            }
            if chunk.len == 0 {
                self.chunks.remove(ci);
                off = 0;
            }
        }
    }
}

impl PartialEq for Authorship {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.spans() == other.spans()
    }
}

impl Eq for Authorship {}

impl Serialize for Authorship {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.spans().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Authorship {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Authorship, D::Error> {
        let spans = Vec::<(String, usize)>::deserialize(d)?;
        let mut out = Authorship::default();
        for (author, n) in spans {
            let end = out.len;
            let a = out.author(&author);
            out.insert_at(end, a, n);
        }
        Ok(out)
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

    /// The plain list of runs, rebuilt on every edit: the reference the chunks are checked against.
    fn reference(spans: &[(String, usize)], op: &Operation, author: &str) -> Vec<(String, usize)> {
        let mut chars: Vec<String> = spans
            .iter()
            .flat_map(|(a, n)| std::iter::repeat_n(a.clone(), *n))
            .collect();
        let mut pos = 0;
        for c in op.components() {
            match c {
                Component::Retain(n) => pos += n,
                Component::Delete(n) => {
                    chars.drain(pos..pos + n);
                }
                Component::Insert(s) => {
                    let k = s.chars().count();
                    chars.splice(pos..pos, std::iter::repeat_n(author.to_string(), k));
                    pos += k;
                }
            }
        }
        let mut out: Vec<(String, usize)> = Vec::new();
        for a in chars {
            match out.last_mut() {
                Some((last, n)) if *last == a => *n += 1,
                _ => out.push((a, 1)),
            }
        }
        out
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
            vec![
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
            vec![
                ("alice".to_string(), 1),
                ("bob".to_string(), 1),
                ("alice".to_string(), 3)
            ]
        );
        let mut d = c.clone();
        assert!(
            !d.apply_mut(
                &op(|o| {
                    o.retain(9);
                }),
                "x"
            ),
            "length mismatch"
        );
        assert_eq!(d, c, "unchanged by a refused edit");
        // Deleting bob's char joins alice's runs again.
        assert!(d.apply_mut(
            &op(|o| {
                o.retain(1).delete(1).retain(3);
            }),
            "x"
        ));
        assert_eq!(d.spans(), vec![("alice".to_string(), 4)]);
    }

    #[test]
    fn the_wire_form_is_the_list_of_merged_runs() {
        let a: Authorship =
            serde_json::from_str(r#"[["u_a", 3], ["u_b", 2], ["u_a", 1]]"#).expect("parse");
        assert_eq!(a.len(), 6);
        assert_eq!(
            serde_json::to_string(&a).expect("json"),
            r#"[["u_a",3],["u_b",2],["u_a",1]]"#
        );
        let empty: Authorship = serde_json::from_str("[]").expect("parse");
        assert!(empty.is_empty());
        assert_eq!(serde_json::to_string(&empty).expect("json"), "[]");
    }

    #[test]
    fn many_runs_across_chunks() {
        // Thousands of runs (alternating authors typing at spread positions), then deletions
        // across chunk boundaries: always the same runs as the reference.
        let mut auth = Authorship::default();
        let mut spans: Vec<(String, usize)> = Vec::new();
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n.max(1)
        };
        for i in 0..3000 {
            let len = auth.len();
            let who = ["a", "b", "c", "d"][i % 4];
            let o = if i % 5 == 4 && len > 10 {
                let pos = next(len - 10);
                let del = 1 + next(9);
                op(|o| {
                    o.retain(pos).delete(del).retain(len - pos - del);
                })
            } else {
                let pos = next(len + 1);
                op(|o| {
                    o.retain(pos).insert("xy").retain(len - pos);
                })
            };
            spans = reference(&spans, &o, who);
            assert!(auth.apply_mut(&o, who));
            if i % 100 == 0 {
                assert_eq!(auth.spans(), spans, "edit {i}");
            }
        }
        assert!(auth.chunks.len() > 5, "{} chunks", auth.chunks.len());
        assert_eq!(auth.spans(), spans);
        // One edit deleting almost everything, across every chunk.
        let len = auth.len();
        let o = op(|o| {
            o.retain(1).delete(len - 2).insert("z").retain(1);
        });
        spans = reference(&spans, &o, "e");
        assert!(auth.apply_mut(&o, "e"));
        assert_eq!(auth.spans(), spans);
        assert_eq!(auth.len(), 3);
    }

    proptest! {
        #[test]
        fn length_follows_the_text(edits in proptest::collection::vec((0usize..40, 0usize..5, "[a-z🙂é]{0,4}", 0usize..3), 1..30)) {
            let mut text = String::new();
            let mut auth = Authorship::default();
            let mut spans: Vec<(String, usize)> = Vec::new();
            for (pos, del, ins, who) in edits {
                let len = text.chars().count();
                let pos = pos.min(len);
                let del = del.min(len - pos);
                let o = op(|o| { o.retain(pos).delete(del).insert(&ins).retain(len - pos - del); });
                text = o.apply(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let who = ["a", "b", "c"][who];
                spans = reference(&spans, &o, who);
                auth = auth.apply(&o, who).ok_or_else(|| TestCaseError::fail("mismatch"))?;
                prop_assert_eq!(auth.len(), text.chars().count());
                let got = auth.spans();
                prop_assert!(got.windows(2).all(|w| w[0].0 != w[1].0), "runs are merged");
                prop_assert!(got.iter().all(|(_, n)| *n > 0));
                prop_assert_eq!(got, spans.clone());
            }
        }
    }
}
