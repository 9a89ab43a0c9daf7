//! Property and fuzz tests of the pad decoders: the HTML import (htmd), `.etherpad` files
//! (JSON, changesets, history replay), DOCX and ODT imports (zip, XML) and the HTML export. Checked-in corpora (`tests/corpus/`
//! here, the HTML shapes of `crates/core/tests/corpus/html`), proptest over structured shapes,
//! and a time-boxed random run (`NICHOIR_FUZZ_SECS`, default 2 s; `NICHOIR_FUZZ_SEED` replays one).
//! Every input finishes within a bound on the work pool, never with a panic (500).

use std::path::Path;

use nichoir_core::adversarial::{self, HTML_KINDS};
use nichoir_core::{limits, Error, ErrorCode};
use proptest::prelude::*;

use crate::etherpad_file::{changeset_to_op, read_export};
use crate::formats::{read_office, Office};
use crate::import::html_to_markdown;

fn check_html_import(html: &str) -> Result<(), String> {
    let owned = html.to_string();
    adversarial::bounded("html import", move || html_to_markdown(&owned))
}

fn check_etherpad(bytes: &[u8]) -> Result<(), String> {
    let owned = bytes.to_vec();
    adversarial::bounded("etherpad import", move || {
        let value: serde_json::Value = serde_json::from_slice(&owned)
            .map_err(|e| Error::new(ErrorCode::InvalidJson, e.to_string()))?;
        read_export(&value).map_err(|e| Error::validation(e.to_string()))
    })
}

fn corpus(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            Some((
                e.path().display().to_string(),
                std::fs::read(e.path()).ok()?,
            ))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_corpora_import_or_are_refused_within_the_bound() {
    adversarial::fuzz_setup();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let html = corpus(&root.join("../core/tests/corpus/html"));
    assert!(html.len() >= 5, "the html corpus is missing");
    for (name, bytes) in html {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = check_html_import(&text) {
            panic!("{name}: {e}");
        }
    }
    let etherpad = corpus(&root.join("tests/corpus"));
    assert!(etherpad.len() >= 4, "the etherpad corpus is missing");
    for (name, bytes) in etherpad {
        if let Err(e) = check_etherpad(&bytes) {
            panic!("{name}: {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn structured_html_imports_are_bounded(
        kind in 0..HTML_KINDS,
        depth in 0usize..3_000,
        repeat in 1usize..10,
    ) {
        adversarial::fuzz_setup();
        let html = adversarial::html(kind, depth, repeat);
        let checked = check_html_import(&html);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }

    #[test]
    fn html_within_the_limit_converts(kind in 0..HTML_KINDS) {
        adversarial::fuzz_setup();
        // A quarter of the limit: a table level is four elements (with the tbody a parser adds);
        // once, as repeating an unclosed shape nests it further.
        let html = adversarial::html(kind, limits::max_nesting() / 4, 1);
        let converted = html_to_markdown(&html);
        prop_assert!(converted.is_ok(), "{:?}", converted.err());
    }

    #[test]
    fn changesets_never_panic(doc in "\\PC{0,40}", cs in "(Z:[0-9a-z]{0,3}[<>][0-9a-z]{0,3}([*|=+-][0-9a-z]{0,3}){0,8}\\$\\PC{0,20})|\\PC{0,40}") {
        let _ = changeset_to_op(&doc, &cs);
    }

    #[test]
    fn exports_of_any_shape_are_bounded(
        head in 0u64..50,
        changesets in proptest::collection::vec("Z:[0-9a-z]{1,2}[<>][0-9a-z]{1,2}[=+-][0-9a-z]{1,2}\\$[a-z]{0,5}", 0..50),
    ) {
        adversarial::fuzz_setup();
        let mut file = serde_json::Map::new();
        file.insert("pad:p".into(), serde_json::json!({"head": head, "atext": {"text": ""}}));
        for (i, cs) in changesets.iter().enumerate() {
            file.insert(format!("pad:p:revs:{i}"), serde_json::json!({"changeset": cs}));
        }
        let bytes = serde_json::to_vec(&file).unwrap_or_default();
        prop_assert!(check_etherpad(&bytes).is_ok());
    }
}

fn check_office(bytes: &[u8]) -> Result<(), String> {
    for kind in [Office::Docx, Office::Odt] {
        let owned = bytes.to_vec();
        adversarial::bounded("office import", move || read_office(kind, &owned))?;
    }
    Ok(())
}

fn office_zip(name: &str, xml: &str) -> Vec<u8> {
    crate::formats::write_package(None, &[(name, xml.as_bytes())])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn office_files_of_any_shape_are_bounded(
        depth in 0usize..20_000,
        tag in "(w:p|w:r|w:hyperlink|text:list|text:list-item|text:span|text:p|x)",
        text in "\\PC{0,40}",
        raw in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        adversarial::fuzz_setup();
        let xml = format!("{}{}", format!("<{tag}>").repeat(depth), text);
        for name in ["word/document.xml", "content.xml"] {
            let checked = check_office(&office_zip(name, &xml));
            prop_assert!(checked.is_ok(), "{:?}", checked);
        }
        prop_assert!(check_office(&raw).is_ok());
    }

    #[test]
    fn markdown_of_any_shape_writes_office_files_that_read_back(md in "\\PC{0,200}") {
        adversarial::fuzz_setup();
        if let Ok(blocks) = crate::formats::model::from_markdown(&md) {
            let docx = crate::formats::docx::write(&blocks, "t");
            let odt = crate::formats::odt::write(&blocks, "t");
            prop_assert!(read_office(Office::Docx, &docx).is_ok());
            prop_assert!(read_office(Office::Odt, &odt).is_ok());
        }
    }
}

#[test]
fn time_boxed_fuzz_of_the_pad_decoders() {
    adversarial::time_boxed("the pad decoders", 64 * 1024, |mixer| {
        check_html_import(&mixer.next_html())?;
        let md = mixer.next_markdown();
        adversarial::bounded("html export", move || nichoir_core::markdown::to_html(&md))?;
        let mut bytes = br#"{"pad:p":{"head":1},"pad:p:revs:0":{"changeset":"Z:1>"#.to_vec();
        bytes.extend(mixer.next_bytes());
        check_etherpad(&bytes)?;
        check_office(&mixer.next_bytes())
    });
}
