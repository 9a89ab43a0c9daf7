//! Times the renderers on adversarial Markdown shapes at growing sizes:
//! `cargo run -p nichoir-wikitext --example render_timing [--release] [max_bytes]`.

use std::time::Instant;

use nichoir_wikitext::render::{render, LinkTarget, RenderOptions};

fn shapes(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("same heading", "# a\n\n".repeat(n / 5)),
        (
            "nested list (indent)",
            (0..n)
                .map(|i| format!("{}- x\n", "  ".repeat(i)))
                .take_while({
                    let mut t = 0;
                    move |l: &String| {
                        t += l.len();
                        t < n
                    }
                })
                .collect(),
        ),
        ("nested list (one line)", format!("{}x", "- ".repeat(n / 2))),
        ("nested quote (one line)", format!("{} x", ">".repeat(n))),
        (
            "nested quote (10 lines)",
            format!("{} x\n", ">".repeat(n / 10)).repeat(10),
        ),
        ("html block divs", "<div>\n\n".repeat(n / 7)),
        ("inline spans", format!("x {}", "<span>".repeat(n / 6))),
        ("emphasis", "*a ".repeat(n / 3)),
        (
            "brackets",
            format!("{}{}", "[".repeat(n / 2), "]".repeat(n / 2)),
        ),
        ("wiki link opens", "[[".repeat(n / 2)),
        ("wiki links", "[[Home]] ".repeat(n / 9)),
        (
            "table columns",
            format!(
                "{}\n{}\n{}\n",
                "|a".repeat(n / 6),
                "|-".repeat(n / 6),
                "|b".repeat(n / 6)
            ),
        ),
        (
            "link refs",
            (0..n / 12).map(|i| format!("[a{i}]: /u\n")).collect(),
        ),
        ("backticks", "`a``".repeat(n / 4)),
        ("underscores", "_a".repeat(n / 2)),
    ]
}

fn main() {
    let max: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(40_000);
    let exists = |_: &str| true;
    let opts = RenderOptions {
        wiki_base: "/w/x",
        instance_origin: "",
        links: LinkTarget { exists: &exists },
    };
    let mut size = 5_000;
    while size <= max {
        for (name, text) in shapes(size) {
            let t = Instant::now();
            let events = pulldown_cmark::Parser::new(&text).count();
            let parse = t.elapsed();
            let t = Instant::now();
            let core = nichoir_core::markdown::to_page_html(&text).map_or_else(
                |e| format!("refused: {}", e.code.as_str()),
                |h| h.len().to_string(),
            );
            let core_t = t.elapsed();
            let t = Instant::now();
            let wiki = render(&text, &opts).map_or_else(
                |e| format!("refused: {}", e.code.as_str()),
                |r| r.html.len().to_string(),
            );
            let wiki_t = t.elapsed();
            println!(
                "{size:>7} {name:<26} bytes={:<7} events={events:<7} cmark={:>8.3}s core={:>8.3}s wiki={:>8.3}s (out {core}/{wiki})",
                text.len(),
                parse.as_secs_f64(),
                core_t.as_secs_f64(),
                wiki_t.as_secs_f64()
            );
            if wiki_t.as_secs() > 20 {
                return;
            }
        }
        size *= 2;
    }
}
