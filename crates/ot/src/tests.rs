use serde_json::json;

use super::*;

const FAMILY: &str = "👩\u{200d}👩\u{200d}👧"; // 5 chars: three emoji joined by two ZWJ
const E_ACUTE: &str = "e\u{301}"; // 2 chars: e + combining acute accent

fn op(v: serde_json::Value) -> Operation {
    serde_json::from_value(v).expect("valid op")
}

fn wire(o: &Operation) -> serde_json::Value {
    serde_json::to_value(o).expect("serialise")
}

#[test]
fn builders_normalise() {
    let mut o = Operation::new();
    o.retain(0)
        .retain(2)
        .retain(3)
        .insert("")
        .insert("ab")
        .insert("c");
    o.delete(0).delete(1).delete(2);
    assert_eq!(
        o.components(),
        &[
            Component::Retain(5),
            Component::Insert("abc".into()),
            Component::Delete(3)
        ]
    );
    assert_eq!((o.base_len(), o.target_len()), (8, 8));

    // Insert after a delete goes before it, and merges with an insert before the delete.
    let mut o = Operation::new();
    o.retain(1).delete(2).insert("x");
    assert_eq!(wire(&o), json!([1, "x", -2]));
    o.insert("🙂");
    assert_eq!(wire(&o), json!([1, "x🙂", -2]));
    o.delete(1).retain(1);
    assert_eq!(wire(&o), json!([1, "x🙂", -3, 1]));
    assert_eq!((o.base_len(), o.target_len()), (5, 4));

    let mut o = Operation::new();
    o.delete(1).insert("a");
    assert_eq!(wire(&o), json!(["a", -1]));

    let collected: Operation = [
        Component::Retain(0),
        Component::Delete(1),
        Component::Insert(String::new()),
        Component::Insert("z".into()),
    ]
    .into_iter()
    .collect();
    assert_eq!(wire(&collected), json!(["z", -1]));
}

#[test]
fn lengths_count_chars() {
    let o = op(json!([FAMILY, E_ACUTE, "日本語", "مرحبا", "שלום", "🙂"]));
    assert_eq!(o.base_len(), 0);
    assert_eq!(o.target_len(), 5 + 2 + 3 + 5 + 4 + 1);
    assert_eq!(o.inserted_chars(), 20);
    assert_eq!(o.deleted_chars(), 0);
    let o = op(json!([1, -5, "x", 2]));
    assert_eq!(o.inserted_chars(), 1);
    assert_eq!(o.deleted_chars(), 5);
}

#[test]
fn is_noop() {
    assert!(Operation::new().is_noop());
    assert!(op(json!([7])).is_noop());
    assert!(!op(json!([7, "a"])).is_noop());
    assert!(!op(json!([-1])).is_noop());
}

#[test]
fn apply_ascii_and_errors() {
    assert_eq!(
        op(json!([5, " world"])).apply("hello"),
        Ok("hello world".into())
    );
    assert_eq!(op(json!([1, -3, 1])).apply("hello"), Ok("ho".into()));
    assert_eq!(op(json!(["x"])).apply(""), Ok("x".into()));
    assert_eq!(Operation::new().apply(""), Ok(String::new()));
    assert_eq!(
        op(json!([4])).apply("hello"),
        Err(OtError::LengthMismatch {
            expected: 4,
            got: 5
        })
    );
    assert_eq!(
        Operation::new().apply("a"),
        Err(OtError::LengthMismatch {
            expected: 0,
            got: 1
        })
    );
}

#[test]
fn apply_unicode() {
    // Emoji and ZWJ sequences count as their scalar values.
    let doc = format!("a{FAMILY}b");
    assert_eq!(doc.chars().count(), 7);
    assert_eq!(op(json!([1, -5, 1])).apply(&doc), Ok("ab".into()));
    // Deleting part of a ZWJ sequence is allowed (char-level model): drop the last 👧 and ZWJ.
    assert_eq!(
        op(json!([4, -2, 1])).apply(&doc),
        Ok("a👩\u{200d}👩b".into())
    );
    assert_eq!(
        op(json!([3, "🙂", 4]))
            .apply(&doc)
            .map(|s| s.chars().count()),
        Ok(8)
    );
    // Combining mark: delete only the accent.
    assert_eq!(op(json!([1, -1])).apply(E_ACUTE), Ok("e".into()));
    assert_eq!(op(json!([1, "\u{301}"])).apply("e"), Ok(E_ACUTE.into()));
    // CJK, Arabic, Hebrew.
    assert_eq!(op(json!([1, "x", 2])).apply("日本語"), Ok("日x本語".into()));
    assert_eq!(op(json!([-2, 3])).apply("مرحبا"), Ok("حبا".into()));
    assert_eq!(
        op(json!([4, " עולם"])).apply("שלום"),
        Ok("שלום עולם".into())
    );
    assert_eq!(
        op(json!([1])).apply("日本"),
        Err(OtError::LengthMismatch {
            expected: 1,
            got: 2
        })
    );
}

#[test]
fn compose_basic_and_unicode() {
    let doc = "héllo";
    let a = op(json!([1, -1, "e🙂", 3]));
    let b = op(json!([2, -1, 3, "!"]));
    let ab = a.compose(&b).expect("compose");
    let seq = b.apply(&a.apply(doc).expect("a")).expect("b");
    assert_eq!(seq, "hello!");
    assert_eq!(ab.apply(doc), Ok(seq));
    assert_eq!(wire(&ab), json!([1, "e", -1, 3, "!"]));
    assert_eq!(ab.apply(doc), Ok("hello!".into()));

    // Insert then delete the same text cancels out.
    let a = op(json!([2, FAMILY]));
    let b = op(json!([2, -5]));
    assert_eq!(wire(&a.compose(&b).expect("compose")), json!([2]));

    // Delete of a combining mark composed with an insert of a precomposed letter.
    let a = op(json!([1, -1, 1])); // "e\u301x" -> "ex"
    let b = op(json!([-1, "é", 1])); // "ex" -> "éx"
    let ab = a.compose(&b).expect("compose");
    assert_eq!(ab.apply("e\u{301}x"), Ok("éx".into()));
    assert_eq!(wire(&ab), json!(["é", -2, 1]));

    assert_eq!(
        op(json!([3])).compose(&op(json!([2]))),
        Err(OtError::LengthMismatch {
            expected: 3,
            got: 2
        })
    );
}

#[test]
fn transform_converges_and_a_goes_first() {
    let doc = "日本";
    let a = op(json!([1, "🙂", 1]));
    let b = op(json!([1, "ש", 1]));
    let (a2, b2) = Operation::transform(&a, &b).expect("transform");
    let left = b2.apply(&a.apply(doc).expect("a")).expect("b'");
    let right = a2.apply(&b.apply(doc).expect("b")).expect("a'");
    assert_eq!(left, "日🙂ש本");
    assert_eq!(left, right);
    assert_eq!(wire(&a2), json!([1, "🙂", 2]));
    assert_eq!(wire(&b2), json!([2, "ש", 1]));

    // Overlapping deletes.
    let doc = format!("x{FAMILY}{E_ACUTE}");
    let a = op(json!([1, -5, 2])); // delete the family
    let b = op(json!([5, -3])); // delete "👧" and "é"
    let (a2, b2) = Operation::transform(&a, &b).expect("transform");
    let left = b2.apply(&a.apply(&doc).expect("a")).expect("b'");
    let right = a2.apply(&b.apply(&doc).expect("b")).expect("a'");
    assert_eq!(left, "x");
    assert_eq!(left, right);

    // Insert inside a range the other deletes survives.
    let a = op(json!([-4]));
    let b = op(json!([2, "مر", 2]));
    let (a2, b2) = Operation::transform(&a, &b).expect("transform");
    assert_eq!(
        b2.apply(&a.apply("abcd").expect("a")),
        a2.apply(&b.apply("abcd").expect("b"))
    );
    assert_eq!(a2.apply("abمرcd"), Ok("مر".into()));

    assert_eq!(
        Operation::transform(&op(json!([1])), &op(json!([2]))),
        Err(OtError::LengthMismatch {
            expected: 1,
            got: 2
        })
    );
}

#[test]
fn invert_restores() {
    for (doc, o) in [
        ("hello", json!([1, "é", -2, 2])),
        (&*format!("{FAMILY}x"), json!([-5, "🙂", 1])),
        ("שלום", json!([2, "日本", -2])),
        ("", json!(["abc"])),
        ("abc", json!([3])),
    ] {
        let o = op(o);
        let inv = o.invert(doc).expect("invert");
        let after = o.apply(doc).expect("apply");
        assert_eq!(inv.apply(&after), Ok(doc.to_string()), "{doc} {o:?}");
        assert_eq!(inv.base_len(), o.target_len());
    }
    assert_eq!(
        wire(&op(json!([1, "é", -2, 2])).invert("hello").expect("invert")),
        json!([1, "el", -1, 2])
    );
    assert_eq!(
        op(json!([2])).invert("a"),
        Err(OtError::LengthMismatch {
            expected: 2,
            got: 1
        })
    );
}

#[test]
fn transform_position_cases() {
    let o = op(json!([2, "🙂🙂", 3]));
    assert_eq!(o.transform_position(0, false), 0);
    assert_eq!(o.transform_position(2, false), 2);
    assert_eq!(o.transform_position(2, true), 4);
    assert_eq!(o.transform_position(3, false), 5);
    assert_eq!(o.transform_position(5, false), 7);
    assert_eq!(o.transform_position(99, false), 7); // clamped

    let o = op(json!([1, -3, 2])); // delete chars 1..4
    assert_eq!(o.transform_position(1, false), 1);
    assert_eq!(o.transform_position(2, false), 1);
    assert_eq!(o.transform_position(4, false), 1);
    assert_eq!(o.transform_position(5, false), 2);
    assert_eq!(o.transform_position(6, true), 3);

    // Replacement: the author's caret lands after the inserted text.
    let o = op(json!([1, FAMILY, -2, 1]));
    assert_eq!(o.transform_position(1, true), 6);
    assert_eq!(o.transform_position(1, false), 1);
    assert_eq!(o.transform_position(3, false), 6);
    assert_eq!(o.transform_position(3, true), 6);
    assert_eq!(o.transform_position(4, false), 7);

    // Insert at the end.
    let o = op(json!([2, "x"]));
    assert_eq!(o.transform_position(2, false), 2);
    assert_eq!(o.transform_position(2, true), 3);
    assert_eq!(Operation::new().transform_position(5, true), 0);
}

#[test]
fn transform_range_cases() {
    // "Hello world": the anchor is "world" (6..11).
    let ins_before = op(json!([2, "ab", 9]));
    assert_eq!(ins_before.transform_range(6, 11), (8, 13));
    // Text typed at either edge stays outside; inside, it joins the range.
    assert_eq!(op(json!([6, "X", 5])).transform_range(6, 11), (7, 12));
    assert_eq!(op(json!([11, "X"])).transform_range(6, 11), (6, 11));
    assert_eq!(op(json!([8, "X", 3])).transform_range(6, 11), (6, 12));
    // Deleting part of it shrinks it; deleting all of it collapses it where it was.
    assert_eq!(op(json!([4, -4, 3])).transform_range(6, 11), (4, 7));
    assert_eq!(op(json!([6, -5])).transform_range(6, 11), (6, 6));
    assert_eq!(op(json!([5, -6])).transform_range(6, 11), (5, 5));
    // Replaced: collapsed after the new text, which is not the commented one.
    assert_eq!(op(json!([6, "earth", -5])).transform_range(6, 11), (11, 11));
    // A collapsed range moves as a point, and out-of-range input is clamped.
    assert_eq!(op(json!(["abc", 11])).transform_range(6, 6), (9, 9));
    assert_eq!(op(json!([11])).transform_range(20, 30), (11, 11));
    assert_eq!(op(json!([11])).transform_range(8, 3), (8, 8));
}

#[test]
fn diff_unicode() {
    for (a, b) in [
        ("", ""),
        ("", "abc"),
        ("abc", ""),
        ("hello", "help"),
        ("hello", "hello"),
        ("aaa", "aa"),
        ("e", E_ACUTE),
        (E_ACUTE, "é"),
        ("👩\u{200d}👩", FAMILY),
        ("🙂🙃", "🙃🙂"),
        ("日本語", "日本人の語"),
        ("مرحبا", "مرحبا بكم"),
        ("שלום עולם", "שלום"),
        ("x🙂y", "x🙃y"), // same first bytes, different last byte
    ] {
        let d = diff(a, b);
        assert_eq!(d.apply(a), Ok(b.to_string()), "{a:?} -> {b:?}");
    }
    assert_eq!(wire(&diff("hello", "help")), json!([3, "p", -2]));
    assert_eq!(wire(&diff("x🙂y", "x🙃y")), json!([1, "🙃", -1, 1]));
    assert!(diff("same", "same").is_noop());
    assert_eq!(wire(&diff("aaa", "aa")), json!([2, -1]));
}

#[test]
fn json_round_trip_and_format() {
    let o = op(json!([5, "hé🙂", -3, 2]));
    assert_eq!(
        o.components(),
        &[
            Component::Retain(5),
            Component::Insert("hé🙂".into()),
            Component::Delete(3),
            Component::Retain(2)
        ]
    );
    let text = serde_json::to_string(&o).expect("serialise");
    assert_eq!(text, r#"[5,"hé🙂",-3,2]"#);
    let back: Operation = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, o);
    // Non-canonical input is normalised.
    assert_eq!(
        wire(&op(json!([1, 2, -1, "a", "b", 3]))),
        json!([3, "ab", -1, 3])
    );
    assert_eq!(wire(&op(json!([]))), json!([]));
    assert_eq!(wire(&op(json!([4294967296_u64]))), json!([4294967296_u64]));
}

#[test]
fn json_rejects_bad_input() {
    for bad in [
        "[0]",
        "[-0]",
        "[1.5]",
        "[1.0]",
        "[-2.0]",
        "[1e3]",
        "[4294967297]",
        "[-4294967297]",
        "[18446744073709551616]",
        "[1e400]",
        "[\"\"]",
        "[[1]]",
        "[{}]",
        "[null]",
        "[true]",
        "{}",
        "\"abc\"",
        "5",
        "null",
        "[1,",
    ] {
        assert!(serde_json::from_str::<Operation>(bad).is_err(), "{bad}");
    }
}

#[test]
fn parse_op_limits() {
    let v = json!([2, "abc", -1, "🙂"]);
    assert_eq!(parse_op(&v, 4, 4), Ok(op(v.clone())));
    assert_eq!(parse_op(&v, 3, 100), Err(OtError::TooLarge));
    assert_eq!(parse_op(&v, 10, 3), Err(OtError::TooLarge));
    assert_eq!(parse_op(&json!({}), 10, 10), Err(OtError::NotAnArray));
    assert_eq!(parse_op(&json!("x"), 10, 10), Err(OtError::NotAnArray));
    for bad in [
        json!([0]),
        json!([1.5]),
        json!([2.0]),
        json!([-1.0]),
        json!([4294967297_u64]),
        json!([-4294967297_i64]),
        json!([u64::MAX]),
        json!([i64::MIN]),
        json!([""]),
        json!([[1]]),
        json!([{"a": 1}]),
        json!([null]),
        json!([false]),
    ] {
        assert_eq!(
            parse_op(&bad, 10, 10),
            Err(OtError::InvalidComponent),
            "{bad}"
        );
    }
    assert_eq!(parse_op(&json!([]), 0, 0), Ok(Operation::new()));
    assert_eq!(
        parse_op(&json!([4294967296_u64, -4294967296_i64]), 2, 0).map(|o| o.base_len()),
        Ok(1 << 33)
    );
}

#[test]
fn saturating_builders_do_not_panic() {
    let mut o = Operation::new();
    o.retain(usize::MAX).retain(5).delete(usize::MAX).delete(1);
    assert_eq!(o.base_len(), usize::MAX);
    assert!(o.apply("abc").is_err());
    let mut p = Operation::new();
    p.delete(usize::MAX - 1).retain(10);
    let _ = Operation::transform(&o, &p);
    let _ = o.compose(&p);
    let _ = o.invert("");
    let _ = o.transform_position(usize::MAX, true);
    assert!(serde_json::to_string(&o).is_err());
}
