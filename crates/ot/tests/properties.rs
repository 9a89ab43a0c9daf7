//! Property tests: convergence (TP1), compose, invert, caret mapping, JSON round trip, diff, and
//! no panics on arbitrary input. Documents mix ASCII with multi-byte and multi-char text.

use nichoir_ot::{diff, parse_op, Component, Missed, Operation};
use proptest::prelude::*;

/// Characters and short clusters that exercise UTF-8 widths, ZWJ sequences, combining marks,
/// CJK and right-to-left scripts.
const PIECES: &[&str] = &[
    "a",
    "b",
    " ",
    "\n",
    "é",
    "e\u{301}",
    "🙂",
    "👩\u{200d}👩\u{200d}👧",
    "日",
    "本",
    "م",
    "ر",
    "ש",
    "ל",
    "\u{200f}",
    "ß",
];

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..max).prop_map(|v| v.concat())
}

/// Recipe for an operation: (kind, length, text) triples bent to fit a given base length.
type Recipe = Vec<(u8, usize, String)>;

fn recipe() -> impl Strategy<Value = Recipe> {
    prop::collection::vec((0u8..3, 1usize..6, text(4)), 0..8)
}

/// A valid operation on a document of `len` characters built from `r`.
fn build(len: usize, r: &Recipe) -> Operation {
    let mut op = Operation::new();
    let mut left = len;
    for (kind, n, s) in r {
        match kind {
            0 => {
                let k = (*n).min(left);
                op.retain(k);
                left -= k;
            }
            1 => {
                op.insert(s);
            }
            _ => {
                let k = (*n).min(left);
                op.delete(k);
                left -= k;
            }
        }
    }
    op.retain(left);
    op
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// For each base character, its index in the result if the op keeps it.
fn survivors(op: &Operation) -> Vec<Option<usize>> {
    let mut map = Vec::new();
    let mut out = 0;
    for c in op.components() {
        match c {
            Component::Retain(n) => {
                for _ in 0..*n {
                    map.push(Some(out));
                    out += 1;
                }
            }
            Component::Insert(s) => out += chars(s),
            Component::Delete(n) => map.extend(std::iter::repeat_n(None, *n)),
        }
    }
    map
}

proptest! {
    #[test]
    fn tp1_convergence(doc in text(20), ra in recipe(), rb in recipe()) {
        let n = chars(&doc);
        let (a, b) = (build(n, &ra), build(n, &rb));
        let (a2, b2) = Operation::transform(&a, &b).expect("transform");
        let left = b2.apply(&a.apply(&doc).expect("a")).expect("b'");
        let right = a2.apply(&b.apply(&doc).expect("b")).expect("a'");
        prop_assert_eq!(&left, &right);
        // Composition agrees too: a∘b' == b∘a'.
        prop_assert_eq!(a.compose(&b2).expect("a.b'"), b.compose(&a2).expect("b.a'"));
        // Transforming against a no-op changes nothing.
        let (a3, id) = Operation::transform(&a, &build(n, &vec![])).expect("transform");
        prop_assert_eq!(&a3, &a);
        prop_assert!(id.is_noop());
    }

    /// What the server does with a late edit: transforming it against the revisions it missed,
    /// composed (in any grouping), gives the same operation as transforming it against each in
    /// turn, as clients do; otherwise they would diverge from the server.
    #[test]
    fn rebase_on_missed_equals_step_by_step(doc in text(24), missed in prop::collection::vec(recipe(), 1..16), rc in recipe(), cut in 0usize..8, typing: bool) {
        // Only edits that insert or delete (typing, backspace): see `Missed` for why an edit
        // that does both in one place may not be rebased through a composition.
        let rc: Recipe = rc.into_iter().filter(|(k, _, _)| *k != if typing { 2 } else { 1 }).collect();
        let c = build(chars(&doc), &rc);
        let mut step = c.clone();
        let mut ops = Vec::new();
        let mut len = chars(&doc);
        for r in &missed {
            let o = build(len, r);
            len = o.target_len();
            step = Operation::transform(&o, &step).expect("transform").1;
            ops.push(o);
        }
        let all = |ops: &[Operation]| {
            let mut m = Missed::of(&ops[0]);
            for o in &ops[1..] {
                m = m.then(o).expect("then");
            }
            m
        };
        let whole = all(&ops);
        prop_assert_eq!(whole.rebase(&c).expect("rebase"), step.clone());
        // As an operation, the composition is the ordinary one.
        let composed = ops[1..].iter().try_fold(ops[0].clone(), |a, b| a.compose(b)).expect("compose");
        prop_assert_eq!(whole.to_operation(), composed);
        prop_assert_eq!((whole.base_len(), whole.target_len()), (chars(&doc), len));
        let cut = cut.min(ops.len() - 1).max(1);
        if cut < ops.len() {
            let halves = all(&ops[..cut]).then_all(&all(&ops[cut..])).expect("then_all");
            prop_assert_eq!(halves.rebase(&c).expect("rebase"), step);
        }
        // The wrong length is an error, not a panic.
        prop_assert!(whole.rebase(&build(chars(&doc) + 1, &rc)).is_err());
    }

    #[test]
    fn compose_matches_sequential_apply(doc in text(20), ra in recipe(), rb in recipe(), rc in recipe()) {
        let a = build(chars(&doc), &ra);
        let after_a = a.apply(&doc).expect("a");
        let b = build(chars(&after_a), &rb);
        let after_b = b.apply(&after_a).expect("b");
        let ab = a.compose(&b).expect("compose");
        prop_assert_eq!(ab.apply(&doc).expect("ab"), after_b.clone());
        prop_assert_eq!(ab.base_len(), a.base_len());
        prop_assert_eq!(ab.target_len(), b.target_len());
        // Associativity.
        let c = build(chars(&after_b), &rc);
        let left = ab.compose(&c).expect("(ab)c");
        let right = a.compose(&b.compose(&c).expect("bc")).expect("a(bc)");
        prop_assert_eq!(left, right);
    }

    #[test]
    fn invert_undoes(doc in text(20), ra in recipe()) {
        let a = build(chars(&doc), &ra);
        let after = a.apply(&doc).expect("a");
        let inv = a.invert(&doc).expect("invert");
        prop_assert_eq!(inv.apply(&after).expect("inverse"), doc.clone());
        prop_assert_eq!(a.compose(&inv).expect("compose").apply(&doc).expect("a.inv"), doc.clone());
        // Undo of an insert-only op is exactly a no-op once composed.
        if a.deleted_chars() == 0 {
            prop_assert!(a.compose(&inv).expect("compose").is_noop());
        }
        prop_assert_eq!(inv.inserted_chars(), a.deleted_chars());
        prop_assert_eq!(inv.deleted_chars(), a.inserted_chars());
    }

    #[test]
    fn transform_position_in_bounds_and_follows_text(doc in text(20), ra in recipe(), pos in 0usize..30, own: bool) {
        let a = build(chars(&doc), &ra);
        let p = a.transform_position(pos, own);
        prop_assert!(p <= a.target_len());
        let map = survivors(&a);
        let pos = pos.min(a.base_len());
        // The author's caret sits right before the character that followed it (when kept).
        if let Some(Some(to)) = map.get(pos) {
            prop_assert_eq!(a.transform_position(pos, true), *to);
        }
        // Another user's caret stays right after the character that preceded it (when kept).
        if pos > 0 {
            if let Some(to) = map[pos - 1] {
                prop_assert_eq!(a.transform_position(pos, false), to + 1);
            }
        }
        // Monotonic.
        if pos > 0 {
            prop_assert!(a.transform_position(pos - 1, own) <= a.transform_position(pos, own));
        }
    }

    /// A comment's anchor keeps exactly its surviving characters; with none left it collapses
    /// between the characters that surrounded its text.
    #[test]
    fn transform_range_keeps_surviving_text(doc in text(20), ra in recipe(), s in 0usize..25, w in 0usize..8) {
        let a = build(chars(&doc), &ra);
        let (s, e) = (s.min(a.base_len()), (s + w).min(a.base_len()));
        let (ns, ne) = a.transform_range(s, e);
        prop_assert!(ns <= ne && ne <= a.target_len());
        let map = survivors(&a);
        let kept: Vec<usize> = map[s..e].iter().flatten().copied().collect();
        match (kept.first(), kept.last()) {
            (Some(first), Some(last)) => prop_assert_eq!((ns, ne), (*first, last + 1)),
            _ => {
                prop_assert_eq!(ns, ne);
                let before = map[..s].iter().flatten().last().map_or(0, |i| i + 1);
                let after = map[e..].iter().flatten().next().copied().unwrap_or(a.target_len());
                prop_assert!(before <= ns && ns <= after, "{} not in [{}, {}]", ns, before, after);
            }
        }
    }

    /// Carrying an anchor forward through composed revisions gives a range within the one
    /// carried through each revision in turn: step by step, text typed inside the range joins
    /// it and may then be its edge, or all that is left of it (the server carries anchors one
    /// revision at a time, as the editor maps them); composed, only the range's own surviving
    /// characters count.
    #[test]
    fn transform_range_through_composition(doc in text(20), rs in prop::collection::vec(recipe(), 1..6), s in 0usize..25, w in 1usize..8) {
        let n = chars(&doc);
        let (s, e) = (s.min(n), (s + w).min(n));
        let mut ops = Vec::new();
        let mut len = n;
        for r in &rs {
            let o = build(len, r);
            len = o.target_len();
            ops.push(o);
        }
        let composed = ops[1..].iter().try_fold(ops[0].clone(), |a, b| a.compose(b)).expect("compose");
        let whole = composed.transform_range(s, e);
        let mut step = (s, e);
        for o in &ops {
            step = o.transform_range(step.0, step.1);
        }
        if whole.0 < whole.1 {
            prop_assert!(step.0 <= whole.0 && whole.1 <= step.1, "{:?} not within {:?}", whole, step);
        }
        // The same holds for the position of an anchor's start while its character is kept.
        let p = composed.transform_position(s, true);
        let mut q = s;
        for o in &ops {
            q = o.transform_position(q, true);
        }
        if survivors(&composed).get(s).copied().flatten().is_some() {
            prop_assert_eq!(p, q);
        }
    }

    #[test]
    fn json_round_trip(doc in text(20), ra in recipe()) {
        let a = build(chars(&doc), &ra);
        let s = serde_json::to_string(&a).expect("serialise");
        let back: Operation = serde_json::from_str(&s).expect("parse");
        prop_assert_eq!(&back, &a);
        let v = serde_json::to_value(&a).expect("value");
        prop_assert_eq!(parse_op(&v, 1000, 1000).expect("parse_op"), a);
    }

    #[test]
    fn diff_transforms(old in text(20), new in text(20), cut in 0usize..20) {
        let d = diff(&old, &new);
        prop_assert_eq!(d.apply(&old).expect("diff"), new.clone());
        // Also when the two share a long prefix cut at an arbitrary char.
        let prefix: String = old.chars().take(cut).collect();
        let new2 = format!("{prefix}{new}");
        prop_assert_eq!(diff(&old, &new2).apply(&old).expect("diff"), new2);
        prop_assert!(diff(&old, &old).is_noop());
    }

    #[test]
    fn apply_never_panics(doc in text(20), r in recipe(), len in 0usize..30, rb in recipe()) {
        let a = build(len, &r);
        let res = a.apply(&doc);
        prop_assert_eq!(res.is_ok(), a.base_len() == chars(&doc));
        let b = build(len / 2, &rb);
        let t = Operation::transform(&a, &b);
        prop_assert_eq!(t.is_ok(), a.base_len() == b.base_len());
        let c = a.compose(&b);
        prop_assert_eq!(c.is_ok(), a.target_len() == b.base_len());
        let i = a.invert(&doc);
        prop_assert_eq!(i.is_ok(), a.base_len() == chars(&doc));
    }

    #[test]
    fn parsing_never_panics(v in arbitrary_json()) {
        let parsed = parse_op(&v, 8, 16);
        let de = serde_json::from_value::<Operation>(v.clone());
        if let Ok(op) = &parsed {
            prop_assert_eq!(de.as_ref().ok(), Some(op));
        }
        if let Ok(op) = de {
            if let Some(doc_len) = Some(op.base_len()).filter(|n| *n < 100) {
                let doc = "x".repeat(doc_len);
                prop_assert!(op.apply(&doc).is_ok());
            }
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-10i64..10).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text(3).prop_map(Value::String),
    ];
    let elem = leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    });
    prop::collection::vec(elem, 0..10).prop_map(serde_json::Value::Array)
}
