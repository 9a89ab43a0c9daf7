//! Structured adversarial inputs for the property and fuzz tests of every parser and renderer
//! (enabled by the `adversarial` feature, for tests only): the shapes that were once slow or
//! crashed — deep nesting of each kind, one construct repeated, unmatched openers — at chosen
//! depth and repetition, plus mixes of them, so a regression shows on the first run.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{work, Error, ErrorCode};

/// How long one input may take before a fuzz test fails: far above what any input takes once
/// linear (a few ms in release), far below the minutes the quadratic shapes took, so generous
/// for slow debug builds on a loaded machine (speed itself is for benchmarks).
pub const BOUND: Duration = Duration::from_secs(5);

/// The work pool for fuzz tests, its own deadline set long: slowness then shows as a failed
/// [`BOUND`] rather than hiding behind a 422.
pub fn fuzz_setup() {
    work::configure(work::PoolSettings {
        threads: 2,
        timeout: Duration::from_secs(60),
    });
}

/// The time-boxed fuzz run every decoder's tests share: `step` gets a [`Mixer`] seeded by
/// [`fuzz_seed`] (shapes up to three times the nesting limit, up to `max_bytes`) again and again
/// for [`fuzz_seconds`]; an error fails the test naming the seed and the run to replay.
pub fn time_boxed(
    what: &str,
    max_bytes: usize,
    mut step: impl FnMut(&mut Mixer) -> Result<(), String>,
) {
    fuzz_setup();
    let seed = fuzz_seed();
    let until = Instant::now() + Duration::from_secs_f64(fuzz_seconds());
    let mut mixer = Mixer::new(seed, 3 * crate::limits::max_nesting(), max_bytes);
    let mut runs = 0;
    while Instant::now() < until {
        if let Err(e) = step(&mut mixer) {
            panic!("seed {seed}, run {runs}: {e}");
        }
        runs += 1;
    }
    eprintln!("fuzzed {what} {runs} times (seed {seed})");
}

/// Runs `job` on the work pool; an error naming `what` when it took longer than [`BOUND`] or
/// failed as `internal` (a panic).
pub fn bounded<T: Send + 'static>(
    what: &str,
    job: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<(), String> {
    let started = Instant::now();
    let result = work::run_blocking(job);
    if started.elapsed() > BOUND {
        return Err(format!("{what} took {:?}", started.elapsed()));
    }
    match result {
        Err(e) if e.code == ErrorCode::Internal => Err(format!("{what}: {e:?}")),
        _ => Ok(()),
    }
}

/// Kinds of Markdown shapes [`markdown`] builds.
pub const MARKDOWN_KINDS: usize = 17;

/// One Markdown shape: `kind` (mod [`MARKDOWN_KINDS`]), nested `depth` levels deep, `repeat`
/// times.
pub fn markdown(kind: usize, depth: usize, repeat: usize) -> String {
    let repeat = repeat.max(1);
    match kind % MARKDOWN_KINDS {
        0 => format!("{} quote\n", ">".repeat(depth)).repeat(repeat),
        1 => (0..depth)
            .map(|i| format!("{}- item\n", "  ".repeat(i)))
            .collect::<String>()
            .repeat(repeat),
        2 => format!("{}x\n", "- ".repeat(depth)).repeat(repeat),
        3 => format!("{}x\n", "1. ".repeat(depth)).repeat(repeat),
        4 => "<div>\n\n".repeat(depth).repeat(repeat),
        5 => format!("x {}\n", "<span>".repeat(depth)).repeat(repeat),
        6 => format!("{}a{}\n", "*_".repeat(depth), "_*".repeat(depth)).repeat(repeat),
        7 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)).repeat(repeat),
        8 => "[[".repeat(depth.max(1)).repeat(repeat),
        9 => "# Same heading\n\n".repeat(repeat),
        10 => format!(
            "{}\n{}\n{}\n",
            "|a".repeat(depth.max(1)),
            "|-".repeat(depth.max(1)),
            "|b".repeat(depth.max(1))
        )
        .repeat(repeat),
        11 => "`a``".repeat(repeat),
        12 => (0..repeat)
            .map(|i| format!("[r{i}]: /u\n[r{i}]\n"))
            .collect(),
        13 => format!(
            "<!-- {} <script>{}",
            "<div>".repeat(depth),
            "<b>".repeat(depth)
        )
        .repeat(repeat),
        14 => format!("[[Home]] [[Page {}|label]] [[#x]]\n", depth).repeat(repeat),
        15 => format!("{}```\ncode\n", "> ".repeat(depth)).repeat(repeat),
        _ => format!("{}<b><i>x\n\n", "<p>".repeat(depth)).repeat(repeat),
    }
}

/// Kinds of HTML shapes [`html`] builds.
pub const HTML_KINDS: usize = 9;

/// One HTML shape, as in [`markdown`].
pub fn html(kind: usize, depth: usize, repeat: usize) -> String {
    let repeat = repeat.max(1);
    match kind % HTML_KINDS {
        0 => format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth)).repeat(repeat),
        1 => "<blockquote>".repeat(depth).repeat(repeat),
        2 => format!("{}x", "<b><i>".repeat(depth)).repeat(repeat),
        3 => "<table><tr><td>".repeat(depth).repeat(repeat),
        4 => format!("<ul>{}</ul>", "<li>x".repeat(depth)).repeat(repeat),
        5 => format!("{}<p>x</p>", "<b class=a>".repeat(depth)).repeat(repeat),
        6 => "<p>".repeat(depth).repeat(repeat),
        7 => format!("<a title='{}'>x</a>", "<div>".repeat(depth)).repeat(repeat),
        _ => format!("<ol>{}", "<li><ol>".repeat(depth)).repeat(repeat),
    }
}

/// Random mixes of the shapes and of the characters Markdown and HTML give meaning to, seeded so
/// a failure can be replayed.
pub struct Mixer {
    rng: StdRng,
    max_depth: usize,
    max_bytes: usize,
}

const SPECIAL: &[&str] = &[
    "<", ">", "[", "]", "(", ")", "*", "_", "`", "#", "-", "|", "\\", "!", "&", ";", "\n", " ",
    "  ", "\t", "[[", "]]", "<div>", "</div>", "<b>", "</b>", "1. ", "> ", "- ", "```", "~~",
    "<!--", "-->", "é", "🙂", "\r\n", "&amp;", "<script>", "</", "'", "\"", "=",
];

impl Mixer {
    pub fn new(seed: u64, max_depth: usize, max_bytes: usize) -> Self {
        Mixer {
            rng: StdRng::seed_from_u64(seed),
            max_depth,
            max_bytes,
        }
    }

    fn cut(&self, mut s: String) -> String {
        if s.len() > self.max_bytes {
            let mut end = self.max_bytes;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
        }
        s
    }

    fn soup(&mut self) -> String {
        let len = self.rng.gen_range(0..self.max_bytes.clamp(1, 4096));
        let mut s = String::new();
        while s.len() < len {
            let i = self.rng.gen_range(0..SPECIAL.len());
            s.push_str(SPECIAL.get(i).copied().unwrap_or(" "));
            if self.rng.gen_bool(0.3) {
                s.push('a');
            }
        }
        s
    }

    /// The next Markdown input.
    pub fn next_markdown(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..self.rng.gen_range(1..4) {
            if self.rng.gen_bool(0.25) {
                s.push_str(&self.soup());
            } else {
                let kind = self.rng.gen_range(0..MARKDOWN_KINDS);
                let depth = self.rng.gen_range(0..=self.max_depth);
                let repeat = self.rng.gen_range(1..64);
                s.push_str(&markdown(kind, depth, repeat));
            }
        }
        self.cut(s)
    }

    /// The next HTML input.
    pub fn next_html(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..self.rng.gen_range(1..4) {
            if self.rng.gen_bool(0.25) {
                s.push_str(&self.soup());
            } else {
                let kind = self.rng.gen_range(0..HTML_KINDS);
                let depth = self.rng.gen_range(0..=self.max_depth);
                let repeat = self.rng.gen_range(1..16);
                s.push_str(&html(kind, depth, repeat));
            }
        }
        self.cut(s)
    }

    /// Random bytes, mostly the special characters, for binary decoders.
    pub fn next_bytes(&mut self) -> Vec<u8> {
        let mut b = self.soup().into_bytes();
        for _ in 0..self.rng.gen_range(0..8) {
            if !b.is_empty() {
                let i = self.rng.gen_range(0..b.len());
                if let Some(byte) = b.get_mut(i) {
                    *byte = self.rng.gen();
                }
            }
        }
        b
    }
}

/// Seconds each time-boxed fuzz target runs: `NICHOIR_FUZZ_SECS`, 2 by default.
pub fn fuzz_seconds() -> f64 {
    std::env::var("NICHOIR_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0)
}

/// A seed for a fuzz run: `NICHOIR_FUZZ_SEED` to replay one, else from the clock (printed by the
/// test so a failure can be replayed).
pub fn fuzz_seed() -> u64 {
    std::env::var("NICHOIR_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
}
