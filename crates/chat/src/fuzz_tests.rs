//! Property and fuzz tests of chat's decoders and text rules: Mattermost JSON lines, Slack zips
//! and markup, mentions, the search language and message rendering. A checked-in corpus
//! (`tests/corpus/`), proptest over structured shapes, and a time-boxed random run
//! (`NICHOIR_FUZZ_SECS`, default 2 s; `NICHOIR_FUZZ_SEED` replays one). Every input finishes
//! within a bound on the work pool, never with a panic (500).

use std::collections::HashMap;
use std::path::Path;

use nichoir_core::adversarial::{self, MARKDOWN_KINDS};
use proptest::prelude::*;

use crate::import::{read_mattermost, read_slack_zip, slack_to_markdown};
use crate::text::{mentions, parse_search, post_text};

/// Everything a text goes through when posted or imported.
fn check_text(text: &str) -> Result<(), String> {
    let owned = text.to_string();
    adversarial::bounded("text rules", move || {
        let users = HashMap::from([("U1".to_string(), "ana".to_string())]);
        let markdown = slack_to_markdown(&owned, &users);
        let _ = mentions(&markdown);
        let _ = parse_search(&owned);
        let _ = post_text(&owned);
        nichoir_core::markdown::to_page_html(&markdown)
    })
}

fn check_imports(bytes: &[u8]) -> Result<(), String> {
    let (a, b) = (bytes.to_vec(), bytes.to_vec());
    adversarial::bounded("mattermost", move || read_mattermost(&a).map(|_| ()))?;
    adversarial::bounded("slack", move || read_slack_zip(&b).map(|_| ()))
}

#[test]
fn the_corpus_is_bounded() {
    adversarial::fuzz_setup();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        let checked =
            check_imports(&bytes).and_then(|()| check_text(&String::from_utf8_lossy(&bytes)));
        if let Err(e) = checked {
            panic!("{}: {e}", entry.path().display());
        }
        n += 1;
    }
    assert!(n >= 4, "the corpus is missing");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn structured_messages_are_bounded(
        kind in 0..MARKDOWN_KINDS,
        depth in 0usize..300,
        repeat in 1usize..100,
    ) {
        adversarial::fuzz_setup();
        let text = adversarial::markdown(kind, depth, repeat);
        let checked = check_text(&text);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }

    #[test]
    fn any_text_is_bounded(text in "\\PC{0,2000}") {
        adversarial::fuzz_setup();
        prop_assert!(check_text(&text).is_ok());
    }

    #[test]
    fn json_lines_of_any_shape_are_bounded(
        lines in proptest::collection::vec(
            "\\{\"type\": ?\"(post|channel|version|user)\"(, ?\"[a-z]{1,8}\": ?(\\{|\\[|\"[a-z]*\"|[0-9]{1,3})){0,6}\\}?",
            0..30,
        ),
    ) {
        adversarial::fuzz_setup();
        prop_assert!(check_imports(lines.join("\n").as_bytes()).is_ok());
    }
}

#[test]
fn time_boxed_fuzz_of_chat_decoders() {
    adversarial::time_boxed("the chat decoders", 16 * 1024, |mixer| {
        check_text(&mixer.next_markdown())?;
        let mut bytes = b"{\"type\":\"version\",\"version\":1}\n".to_vec();
        bytes.extend(mixer.next_bytes());
        check_imports(&bytes)?;
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(mixer.next_bytes());
        check_imports(&zip)
    });
}
