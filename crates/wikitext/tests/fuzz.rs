//! Property and fuzz tests of the wiki renderer and the archive reader: a checked-in corpus of
//! shapes that were slow in our own code (one heading repeated, unmatched `[[`), the shared
//! structured shapes of `nichoir_core::adversarial`, and a time-boxed random run
//! (`NICHOIR_FUZZ_SECS`, default 2 s; `NICHOIR_FUZZ_SEED` replays one). Every input finishes
//! within a bound, without a panic, rendered or refused with a 413/422; its plain text (search
//! excerpts) within the same bound.

use std::path::Path;
use std::time::Instant;

use nichoir_core::adversarial::{self, MARKDOWN_KINDS};
use nichoir_core::{limits, work, ErrorCode};
use nichoir_wikitext::archive::{read_zip, ArchiveLimits};
use nichoir_wikitext::render::{render, LinkTarget, RenderOptions};
use proptest::prelude::*;

fn check_render(text: &str) -> Result<(), String> {
    // Its plain text (search excerpts) too: no panic, within the same bound.
    let started = Instant::now();
    let _ = nichoir_wikitext::plain::to_plain(text);
    let took = started.elapsed();
    if took > adversarial::BOUND {
        return Err(format!("to_plain took {took:?} on {} bytes", text.len()));
    }
    let owned = text.to_string();
    let started = Instant::now();
    let result = work::run_blocking(move || {
        let exists = |key: &str| key.len().is_multiple_of(2);
        render(
            &owned,
            &RenderOptions {
                wiki_base: "/w/club",
                instance_origin: "https://nichoir.example",
                links: LinkTarget { exists: &exists },
            },
        )
    });
    let took = started.elapsed();
    if took > adversarial::BOUND {
        return Err(format!("took {took:?} on {} bytes", text.len()));
    }
    match result {
        Ok(r) => {
            let mut ids: Vec<&str> = r.toc.iter().map(|t| t.id.as_str()).collect();
            let count = ids.len();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() != count {
                return Err("heading ids are not unique".into());
            }
            Ok(())
        }
        Err(e)
            if matches!(
                e.code,
                ErrorCode::ValidationFailed | ErrorCode::PayloadTooLarge
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(format!("{e:?}")),
    }
}

fn check_zip(bytes: &[u8]) -> Result<(), String> {
    let limits = ArchiveLimits {
        max_total_bytes: 1 << 20,
        max_entries: 100,
        max_file_bytes: 1 << 18,
    };
    let started = Instant::now();
    let bytes = bytes.to_vec();
    let result = work::run_blocking(move || read_zip(&bytes, &limits).map(|_| ()));
    if started.elapsed() > adversarial::BOUND {
        return Err("the archive reader took too long".into());
    }
    match result {
        Err(e) if e.code == ErrorCode::Internal => Err(format!("{e:?}")),
        _ => Ok(()),
    }
}

#[test]
fn the_corpus_renders_or_is_refused_within_the_bound() {
    adversarial::fuzz_setup();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if let Err(e) = check_render(&text) {
            panic!("{}: {e}", entry.path().display());
        }
        n += 1;
    }
    assert!(n >= 8, "the corpus is missing");
}

#[test]
fn repeated_headings_number_in_order() {
    adversarial::fuzz_setup();
    let exists = |_: &str| true;
    let opts = RenderOptions {
        wiki_base: "/w/x",
        instance_origin: "",
        links: LinkTarget { exists: &exists },
    };
    let r = render("# a\n\n# a-3\n\n# a\n\n# a\n\n# a\n", &opts).map(|r| r.toc);
    let ids: Vec<String> = r.unwrap_or_default().into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["a", "a-3", "a-2", "a-4", "a-5"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn structured_pages_are_bounded(
        kind in 0..MARKDOWN_KINDS,
        depth in 0usize..300,
        repeat in 1usize..200,
    ) {
        adversarial::fuzz_setup();
        let text = adversarial::markdown(kind, depth, repeat);
        let checked = check_render(&text);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }

    #[test]
    fn pages_at_the_nesting_limit_render(kind in 0usize..4) {
        adversarial::fuzz_setup();
        let text = adversarial::markdown(kind, limits::max_nesting(), 3);
        let exists = |_: &str| false;
        let r = render(&text, &RenderOptions {
            wiki_base: "/w/x", instance_origin: "", links: LinkTarget { exists: &exists },
        });
        prop_assert!(r.is_ok(), "{:?}", r.err());
    }

    #[test]
    fn any_text_is_bounded(text in "\\PC{0,3000}") {
        adversarial::fuzz_setup();
        prop_assert!(check_render(&text).is_ok());
    }

    #[test]
    fn any_bytes_as_an_archive_are_refused_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        adversarial::fuzz_setup();
        prop_assert!(check_zip(&bytes).is_ok());
    }
}

#[test]
fn time_boxed_fuzz_of_the_wiki_renderer() {
    adversarial::time_boxed("the wiki renderer", 64 * 1024, |mixer| {
        check_render(&mixer.next_markdown())?;
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(mixer.next_bytes());
        check_zip(&zip)
    });
}
