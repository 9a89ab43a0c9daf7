//! Property and fuzz tests of the Markdown renderers and the pre-scans: the checked-in corpus of
//! shapes that were once slow or crashed, proptest over structured shapes (kind × depth ×
//! repetition), and a time-boxed random run (`NICHOIR_FUZZ_SECS`, default 2 s;
//! `NICHOIR_FUZZ_SEED` replays one). Every input must finish well within a bound, without a
//! panic, either rendered or refused with a 413/422.

use std::path::Path;
use std::time::Instant;

use nichoir_core::adversarial::{self, HTML_KINDS, MARKDOWN_KINDS};
use nichoir_core::{limits, markdown, work, Error, ErrorCode};
use proptest::prelude::*;

fn acceptable(result: &Result<String, Error>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => matches!(
            e.code,
            ErrorCode::ValidationFailed | ErrorCode::PayloadTooLarge
        ),
    }
}

/// Renders `text` both ways on the pool; checks the time, the error kind, and that accepted
/// output stays within the generated-HTML bound.
fn check_markdown(text: &str) -> Result<(), String> {
    for page in [false, true] {
        let owned = text.to_string();
        let started = Instant::now();
        let result = work::run_blocking(move || {
            if page {
                markdown::to_page_html(&owned)
            } else {
                markdown::to_html(&owned)
            }
        });
        let took = started.elapsed();
        if took > adversarial::BOUND {
            return Err(format!("took {took:?} on {} bytes", text.len()));
        }
        if !acceptable(&result) {
            return Err(format!("{result:?}"));
        }
        if let Ok(html) = &result {
            let max = limits::generated_html_nesting();
            if limits::html_nesting(html, max) > max {
                return Err("accepted output nests past the bound".into());
            }
        }
    }
    Ok(())
}

fn check_html_scan(html: &str) -> Result<(), String> {
    let started = Instant::now();
    let _ = limits::check_html(html);
    let _ = limits::html_nesting(html, usize::MAX);
    let _ = limits::markdown_nesting(html);
    let took = started.elapsed();
    if took > adversarial::BOUND {
        return Err(format!("scan took {took:?} on {} bytes", html.len()));
    }
    Ok(())
}

fn corpus(kind: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let text = std::fs::read_to_string(e.path()).ok()?;
                    Some((e.file_name().to_string_lossy().into_owned(), text))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn the_corpus_renders_or_is_refused_within_the_bound() {
    adversarial::fuzz_setup();
    let md = corpus("markdown");
    assert!(md.len() >= 10, "the markdown corpus is missing");
    for (name, text) in md {
        if let Err(e) = check_markdown(&text) {
            panic!("{name}: {e}");
        }
    }
    let html = corpus("html");
    assert!(html.len() >= 5, "the html corpus is missing");
    for (name, text) in html {
        if let Err(e) = check_html_scan(&text).and_then(|()| check_markdown(&text)) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn limits_hold_exactly_at_the_edge() {
    adversarial::fuzz_setup();
    let max = limits::max_nesting();
    for kind in [0usize, 1, 2, 3] {
        let under = adversarial::markdown(kind, max, 1);
        let over = adversarial::markdown(kind, max + 1, 1);
        let under = markdown::to_page_html(&under);
        assert!(under.is_ok(), "kind {kind} at the limit: {under:?}");
        let over = markdown::to_page_html(&over).expect_err("over the limit");
        assert_eq!(over.code, ErrorCode::ValidationFailed, "kind {kind}");
        assert!(over.message.contains(&max.to_string()), "{}", over.message);
    }
    let size = limits::max_render_bytes();
    assert!(limits::check_size(size, "x").is_ok());
    assert_eq!(
        limits::check_size(size + 1, "x").map_err(|e| e.code),
        Err(ErrorCode::PayloadTooLarge)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn structured_markdown_is_bounded(
        kind in 0..MARKDOWN_KINDS,
        depth in 0usize..400,
        repeat in 1usize..80,
    ) {
        adversarial::fuzz_setup();
        let text = adversarial::markdown(kind, depth, repeat);
        prop_assert!(check_markdown(&text).is_ok(), "{:?}", check_markdown(&text));
    }

    #[test]
    fn structured_html_is_bounded(
        kind in 0..HTML_KINDS,
        depth in 0usize..2_000,
        repeat in 1usize..20,
    ) {
        adversarial::fuzz_setup();
        let html = adversarial::html(kind, depth, repeat);
        prop_assert!(check_html_scan(&html).is_ok());
        prop_assert!(check_markdown(&html).is_ok());
    }

    #[test]
    fn the_html_scan_never_under_counts_plain_nesting(depth in 0usize..300) {
        let html = adversarial::html(0, depth, 1);
        prop_assert_eq!(limits::html_nesting(&html, usize::MAX), depth);
    }

    #[test]
    fn any_text_is_bounded(text in "\\PC{0,2000}") {
        adversarial::fuzz_setup();
        prop_assert!(check_markdown(&text).is_ok());
        prop_assert!(check_html_scan(&text).is_ok());
    }
}

#[test]
fn time_boxed_fuzz_of_the_renderers() {
    adversarial::time_boxed("the renderers", 64 * 1024, |mixer| {
        check_markdown(&mixer.next_markdown())?;
        let html = mixer.next_html();
        check_html_scan(&html).and_then(|()| check_markdown(&html))
    });
}
