//! Shared test vectors (`tests/vectors.json`), also run by `web/test/ot.test.ts` so the Rust and
//! TypeScript implementations agree byte for byte.
//!
//! The file is an array of cases; every case has `kind` and `name`. Operations use the wire
//! format (`[5, "hé🙂", -3, 2]`), lengths and positions count code points. Kinds:
//!
//! - `apply`: `doc`, `op` (maybe not canonical) → `normalized` (canonical op), `result`.
//! - `compose`: `doc`, `a` (on `doc`), `b` (on `a_applied`) → `a_applied`, `composed`, `result`
//!   (= apply(doc, composed) = apply(a_applied, b)).
//! - `transform`: `doc`, `a`, `b` (both on `doc`; `a` is the server's, its insert goes first) →
//!   `a_applied`, `b_applied`, `a_prime`, `b_prime`, `result` (= apply(b_applied, a_prime) =
//!   apply(a_applied, b_prime)).
//! - `invert`: `doc`, `op` → `result` (= apply(doc, op)), `inverse` (apply(result, inverse) = doc).
//! - `transform_position`: `op`, `pos`, `own` → `result`.
//! - `diff`: `old`, `new` → `op` (common prefix/suffix diff; apply(old, op) = new).
//! - `mismatch`: well-formed ops whose lengths do not fit: `operation` is `apply` or `invert`
//!   (`doc`, `op`), `compose` or `transform` (`a`, `b`); each must fail.
//! - `invalid`: `op` is JSON that parsing must reject (zero, fraction, > 2^32, empty string,
//!   nested value, not an array…). Integral floats such as `1.0` are left out: JavaScript cannot
//!   tell them from integers.
//!
//! `NICHOIR_OT_WRITE_VECTORS=1 cargo test -p nichoir-ot --test vectors` rewrites the file from
//! the inputs below; review the diff before keeping it.

use nichoir_ot::{diff, Operation};
use serde_json::{json, Value};

const FAMILY: &str = "👩\u{200d}👩\u{200d}👧";

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors.json")
}

fn op(v: &Value) -> Operation {
    serde_json::from_value(v.clone()).expect("valid op in vector")
}

fn wire(o: &Operation) -> Value {
    serde_json::to_value(o).expect("serialise")
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: {key} must be a string", case["name"]))
}

/// Inputs of every case; outputs are computed by [`complete`].
fn inputs() -> Vec<Value> {
    let mut v = Vec::new();
    let mut apply = |name: &str, doc: &str, o: Value| {
        v.push(json!({"kind": "apply", "name": name, "doc": doc, "op": o}));
    };
    apply("insert into empty", "", json!(["hello"]));
    apply("append", "hello", json!([5, " world"]));
    apply("delete middle", "hello", json!([1, -3, 1]));
    apply("delete all", "abc", json!([-3]));
    apply("noop retain", "abc", json!([3]));
    apply("empty op on empty doc", "", json!([]));
    apply(
        "non-canonical input is normalised",
        "abcdef",
        json!([1, 1, -1, "x", "y", -1, 2]),
    );
    apply("emoji counts as one", "a🙂b", json!([1, -1, "🙃", 1]));
    apply(
        "zwj family is five code points",
        &format!("a{FAMILY}b"),
        json!([1, -5, 1]),
    );
    apply("split zwj sequence", FAMILY, json!([3, -2]));
    apply(
        "combining mark delete accent",
        "e\u{301}!",
        json!([1, -1, 1]),
    );
    apply("combining mark insert", "e", json!([1, "\u{301}"]));
    apply("cjk", "日本語", json!([1, "x", -1, 1]));
    apply("arabic", "مرحبا", json!([-2, 3, " بكم"]));
    apply("hebrew with rtl mark", "שלום", json!([4, "\u{200f} עולם"]));
    apply("astral and bmp mixed", "a𝄞b", json!([2, "é", 1]));

    let mut compose = |name: &str, doc: &str, a: Value, b: Value| {
        v.push(json!({"kind": "compose", "name": name, "doc": doc, "a": a, "b": b}));
    };
    compose("two inserts", "", json!(["ab"]), json!([1, "x", 1]));
    compose(
        "insert then delete it",
        "ab",
        json!([1, "🙂", 1]),
        json!([1, -1, 1]),
    );
    compose("delete then insert", "abc", json!([-1, 2]), json!(["z", 2]));
    compose("retain retain", "abc", json!([3]), json!([3]));
    compose(
        "replace accent",
        "e\u{301}x",
        json!([1, -1, 1]),
        json!([-1, "é", 1]),
    );
    compose(
        "typing a zwj family",
        "",
        json!(["👩\u{200d}"]),
        json!([2, "👩\u{200d}👧"]),
    );
    compose(
        "insert split by later delete",
        "xy",
        json!([1, "日本語", 1]),
        json!([2, -1, 2]),
    );
    compose("rtl edits", "שלום", json!([2, "מ", 2]), json!([-1, 4, "!"]));
    compose(
        "deletes both sides",
        "abcdef",
        json!([1, -2, 3]),
        json!([-1, 2, -1]),
    );
    compose("to empty", "ab🙂", json!([-3]), json!([]));

    let mut transform = |name: &str, doc: &str, a: Value, b: Value| {
        v.push(json!({"kind": "transform", "name": name, "doc": doc, "a": a, "b": b}));
    };
    transform(
        "same position inserts: a first",
        "",
        json!(["a"]),
        json!(["b"]),
    );
    transform(
        "inserts at different positions",
        "abcd",
        json!([1, "x", 3]),
        json!([3, "y", 1]),
    );
    transform("same delete", "abcd", json!([1, -2, 1]), json!([1, -2, 1]));
    transform(
        "overlapping deletes",
        "abcdef",
        json!([1, -3, 2]),
        json!([2, -3, 1]),
    );
    transform(
        "insert inside deleted range",
        "abcd",
        json!([-4]),
        json!([2, "مر", 2]),
    );
    transform(
        "delete vs insert at its start",
        "abc",
        json!([1, -2]),
        json!([1, "Z", 2]),
    );
    transform(
        "emoji vs emoji",
        "日本",
        json!([1, "🙂", 1]),
        json!([1, "ש", 1]),
    );
    transform(
        "zwj family deleted while accent added",
        &format!("x{FAMILY}e"),
        json!([1, -5, 1]),
        json!([7, "\u{301}"]),
    );
    transform(
        "half of a zwj sequence each",
        FAMILY,
        json!([-2, 3]),
        json!([2, -3]),
    );
    transform(
        "replace vs replace",
        "hello",
        json!([1, "E", -1, 3]),
        json!([1, "a", -1, 3]),
    );
    transform("noop vs edit", "abc", json!([3]), json!([-1, "x", 2]));
    transform(
        "rtl and cjk",
        "שלום日本",
        json!([4, " ", 2]),
        json!([4, -1, "語", 1]),
    );
    transform("both append", "ab", json!([2, "1"]), json!([2, "2"]));
    transform("both empty", "", json!([]), json!([]));

    let mut invert = |name: &str, doc: &str, o: Value| {
        v.push(json!({"kind": "invert", "name": name, "doc": doc, "op": o}));
    };
    invert("replace", "hello", json!([1, "é", -2, 2]));
    invert("insert only", "", json!(["abc"]));
    invert("delete zwj", &format!("{FAMILY}x"), json!([-5, "🙂", 1]));
    invert("hebrew", "שלום", json!([2, "日本", -2]));
    invert("combining mark", "e\u{301}", json!([1, -1, "\u{300}"]));
    invert("noop", "abc", json!([3]));

    let mut pos = |name: &str, o: Value, p: usize, own: bool| {
        v.push(json!({"kind": "transform_position", "name": name, "op": o, "pos": p, "own": own}));
    };
    pos("before insert", json!([2, "🙂🙂", 3]), 1, false);
    pos("at insert, other", json!([2, "🙂🙂", 3]), 2, false);
    pos("at insert, own", json!([2, "🙂🙂", 3]), 2, true);
    pos("after insert", json!([2, "🙂🙂", 3]), 3, false);
    pos("inside delete", json!([1, -3, 2]), 3, false);
    pos("end of delete", json!([1, -3, 2]), 4, true);
    pos("after delete", json!([1, -3, 2]), 6, false);
    pos("replace own caret", json!([1, FAMILY, -2, 1]), 1, true);
    pos("replace other caret", json!([1, FAMILY, -2, 1]), 1, false);
    pos("clamped past end", json!([2, "x"]), 9, false);
    pos("insert at end own", json!([2, "x"]), 2, true);

    let mut d = |name: &str, old: &str, new: &str| {
        v.push(json!({"kind": "diff", "name": name, "old": old, "new": new}));
    };
    d("identical", "same", "same");
    d("from empty", "", "abc");
    d("middle change", "hello", "help");
    d("emoji sharing utf8 prefix", "x🙂y", "x🙃y");
    d("add combining mark", "cafe", "cafe\u{301}");
    d("grow zwj sequence", "👩\u{200d}👩", FAMILY);
    d("rtl", "مرحبا", "مرحبا بكم");
    d("repeated chars", "aaa", "aa");

    let mut mismatch = |name: &str, operation: &str, x: Value| {
        let mut c = json!({"kind": "mismatch", "name": name, "operation": operation});
        for (k, val) in x.as_object().expect("object") {
            c[k] = val.clone();
        }
        v.push(c);
    };
    mismatch(
        "apply too short",
        "apply",
        json!({"doc": "🙂🙂", "op": [1]}),
    );
    mismatch("apply too long", "apply", json!({"doc": "ab", "op": [3]}));
    mismatch(
        "utf-8 bytes are not the length",
        "apply",
        json!({"doc": "é", "op": [2]}),
    );
    mismatch(
        "compose lengths",
        "compose",
        json!({"a": [2, "x"], "b": [2]}),
    );
    mismatch(
        "transform lengths",
        "transform",
        json!({"a": [2], "b": [3]}),
    );
    mismatch(
        "invert lengths",
        "invert",
        json!({"doc": "abc", "op": [-2]}),
    );

    for (name, bad) in [
        ("zero", json!([0])),
        ("negative zero", json!([-0.0])),
        ("fraction", json!([1.5])),
        ("negative fraction", json!([-2.5])),
        ("too large retain", json!([4294967297_u64])),
        ("too large delete", json!([-4294967297_i64])),
        ("huge float", json!([1e20])),
        ("empty insert", json!([1, ""])),
        ("nested array", json!([[1]])),
        ("object component", json!([{"insert": "x"}])),
        ("null component", json!([null])),
        ("boolean component", json!([true])),
        ("not an array", json!({"ops": [1]})),
        ("string instead of array", json!("abc")),
        ("number instead of array", json!(5)),
    ] {
        v.push(json!({"kind": "invalid", "name": name, "op": bad}));
    }
    v
}

/// Fills in the outputs of an input case using the Rust implementation.
fn complete(mut c: Value) -> Value {
    match c["kind"].as_str().expect("kind") {
        "apply" => {
            let o = op(&c["op"]);
            c["normalized"] = wire(&o);
            c["result"] = json!(o.apply(s(&c, "doc")).expect("apply"));
        }
        "compose" => {
            let (a, b) = (op(&c["a"]), op(&c["b"]));
            let ab = a.compose(&b).expect("compose");
            c["a_applied"] = json!(a.apply(s(&c, "doc")).expect("a"));
            c["result"] = json!(ab.apply(s(&c, "doc")).expect("ab"));
            c["composed"] = wire(&ab);
        }
        "transform" => {
            let (a, b) = (op(&c["a"]), op(&c["b"]));
            let (a2, b2) = Operation::transform(&a, &b).expect("transform");
            let doc = s(&c, "doc").to_owned();
            c["a_applied"] = json!(a.apply(&doc).expect("a"));
            c["b_applied"] = json!(b.apply(&doc).expect("b"));
            c["a_prime"] = wire(&a2);
            c["b_prime"] = wire(&b2);
            c["result"] = json!(b2.apply(s(&c, "a_applied")).expect("b'"));
        }
        "invert" => {
            let o = op(&c["op"]);
            c["result"] = json!(o.apply(s(&c, "doc")).expect("apply"));
            c["inverse"] = wire(&o.invert(s(&c, "doc")).expect("invert"));
        }
        "transform_position" => {
            let o = op(&c["op"]);
            let pos = c["pos"].as_u64().expect("pos") as usize;
            let own = c["own"].as_bool().expect("own");
            c["result"] = json!(o.transform_position(pos, own));
        }
        "diff" => {
            c["op"] = wire(&diff(s(&c, "old"), s(&c, "new")));
        }
        _ => {}
    }
    c
}

/// Checks one case against the implementation, plus the laws each kind must obey.
fn check(c: &Value) {
    let name = &c["name"];
    match c["kind"].as_str().expect("kind") {
        "invalid" => {
            assert!(
                serde_json::from_value::<Operation>(c["op"].clone()).is_err(),
                "{name}"
            );
            assert!(nichoir_ot::parse_op(&c["op"], 100, 100).is_err(), "{name}");
        }
        "mismatch" => {
            let failed = match c["operation"].as_str().expect("operation") {
                "apply" => op(&c["op"]).apply(s(c, "doc")).is_err(),
                "invert" => op(&c["op"]).invert(s(c, "doc")).is_err(),
                "compose" => op(&c["a"]).compose(&op(&c["b"])).is_err(),
                "transform" => Operation::transform(&op(&c["a"]), &op(&c["b"])).is_err(),
                other => panic!("{name}: unknown operation {other}"),
            };
            assert!(failed, "{name}");
        }
        "transform" => {
            let expected = complete(c.clone());
            assert_eq!(c, &expected, "{name}");
            let (a2, b2) = (op(&c["a_prime"]), op(&c["b_prime"]));
            assert_eq!(
                a2.apply(s(c, "b_applied")).as_deref(),
                Ok(s(c, "result")),
                "{name}"
            );
            assert_eq!(
                b2.apply(s(c, "a_applied")).as_deref(),
                Ok(s(c, "result")),
                "{name}"
            );
        }
        "compose" => {
            let expected = complete(c.clone());
            assert_eq!(c, &expected, "{name}");
            let b = op(&c["b"]);
            assert_eq!(
                b.apply(s(c, "a_applied")).as_deref(),
                Ok(s(c, "result")),
                "{name}"
            );
        }
        "invert" => {
            let expected = complete(c.clone());
            assert_eq!(c, &expected, "{name}");
            let inv = op(&c["inverse"]);
            assert_eq!(
                inv.apply(s(c, "result")).as_deref(),
                Ok(s(c, "doc")),
                "{name}"
            );
        }
        "diff" => {
            let expected = complete(c.clone());
            assert_eq!(c, &expected, "{name}");
            assert_eq!(
                op(&c["op"]).apply(s(c, "old")).as_deref(),
                Ok(s(c, "new")),
                "{name}"
            );
        }
        "apply" | "transform_position" => {
            let expected = complete(c.clone());
            assert_eq!(c, &expected, "{name}");
        }
        other => panic!("{name}: unknown kind {other}"),
    }
}

#[test]
fn vectors() {
    let cases: Vec<Value> = inputs().into_iter().map(complete).collect();
    if std::env::var_os("NICHOIR_OT_WRITE_VECTORS").is_some() {
        let mut text = String::from("[\n");
        for (i, c) in cases.iter().enumerate() {
            let sep = if i + 1 == cases.len() { "\n" } else { ",\n" };
            text.push_str("  ");
            text.push_str(&serde_json::to_string(c).expect("serialise"));
            text.push_str(sep);
        }
        text.push_str("]\n");
        std::fs::write(path(), text).expect("write vectors.json");
    }
    let stored: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path()).expect("read vectors.json"))
            .expect("vectors.json is JSON");
    assert_eq!(stored.len(), cases.len(), "vectors.json is out of date");
    let mut kinds = std::collections::BTreeMap::new();
    for (c, fresh) in stored.iter().zip(&cases) {
        assert_eq!(c, fresh, "vectors.json is out of date");
        check(c);
        *kinds.entry(c["kind"].as_str().unwrap_or("?")).or_insert(0) += 1;
    }
    assert!(stored.len() >= 60, "{kinds:?}");
}
