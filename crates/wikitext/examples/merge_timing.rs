use std::time::Instant;
fn main() {
    for n in [2_000usize, 8_000, 32_000] {
        let base: String = (0..n).map(|i| format!("{}\n", i % 7)).collect();
        let ours: String = (0..n).map(|i| format!("{}\n", (i * 3 + 1) % 11)).collect();
        let theirs: String = (0..n).map(|i| format!("{}\n", (i * 5 + 2) % 13)).collect();
        let t = Instant::now();
        let r = nichoir_wikitext::merge::merge3(&base, &ours, &theirs);
        println!(
            "merge3 {n} lines ({} bytes): {:.3}s {}",
            base.len(),
            t.elapsed().as_secs_f64(),
            matches!(r, nichoir_wikitext::merge::MergeOutcome::Clean(_))
        );
        let t = Instant::now();
        let d = nichoir_wikitext::diff::diff(&base, &theirs, 3);
        println!(
            "diff   {n} lines: {:.3}s {}",
            t.elapsed().as_secs_f64(),
            std::mem::size_of_val(&d)
        );
    }
}
