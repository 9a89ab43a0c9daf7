//! Differences between two revisions of a page: hunks of lines with word-level highlights for
//! the history view, and a plain unified diff for mails.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff};

/// A diff of huge or pathological texts gives up looking for the smallest edit after this long
/// (one deadline for the whole diff) and returns a correct but coarser one, so a diff stays well
/// within the work pool's deadline.
const DIFF_TIMEOUT: Duration = Duration::from_millis(400);

/// What became of a line.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "wiki/")]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Same,
    Added,
    Removed,
}

/// A run of a line's text, changed or not.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "wiki/")]
pub struct Segment {
    pub changed: bool,
    pub text: String,
}

/// A line of a hunk.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "wiki/")]
pub struct DiffLine {
    pub kind: LineKind,
    /// 1-based line number in the old text (None for an added line).
    pub old_line: Option<u32>,
    /// 1-based line number in the new text (None for a removed line).
    pub new_line: Option<u32>,
    /// The line without its '\n', cut into changed and unchanged runs.
    pub segments: Vec<Segment>,
    /// The last line of its text, with no '\n' after it ("\ No newline at end of file"). Without
    /// it a change that only adds or removes the final newline would show two identical lines.
    #[serde(default, skip_serializing_if = "is_false")]
    pub missing_newline: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl DiffLine {
    /// The line's text without its line ending.
    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.text.as_str()).collect()
    }
}

/// Changed lines with their context.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "wiki/")]
pub struct Hunk {
    /// 1-based number of the first old line the hunk covers.
    pub old_start: u32,
    /// 1-based number of the first new line the hunk covers.
    pub new_start: u32,
    pub lines: Vec<DiffLine>,
}

/// The differences between two texts.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "wiki/", rename = "WikiDiff")]
#[schemars(rename = "WikiDiff")]
pub struct Diff {
    pub hunks: Vec<Hunk>,
    /// Lines added in the whole text (not only what the hunks show).
    pub added: u32,
    /// Lines removed in the whole text.
    pub removed: u32,
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn text_diff<'a>(old: &'a str, new: &'a str, deadline: Instant) -> TextDiff<'a, 'a, 'a, str> {
    TextDiff::configure()
        .deadline(deadline)
        .diff_lines(old, new)
}

/// The changes from `old` to `new`, grouped in hunks with `context` unchanged lines around each
/// change. Identical texts give no hunk.
pub fn diff(old: &str, new: &str, context: usize) -> Diff {
    // One deadline for the whole diff: a timeout per word diff added up over many changed
    // blocks. Past it, similar returns a coarser diff and changed lines show whole.
    let deadline = Instant::now() + DIFF_TIMEOUT;
    let text_diff = text_diff(old, new, deadline);
    let (mut added, mut removed) = (0usize, 0usize);
    for op in text_diff.ops() {
        let (_, old_range, new_range) = op.as_tag_tuple();
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete { .. } => removed += old_range.len(),
            DiffOp::Insert { .. } => added += new_range.len(),
            DiffOp::Replace { .. } => {
                removed += old_range.len();
                added += new_range.len();
            }
        }
    }

    let old_lines = text_diff.old_slices();
    let new_lines = text_diff.new_slices();
    // similar doubles the context when grouping; "everything" is a context as long as the text.
    let context = context.min(old_lines.len().max(new_lines.len()) + 1);
    let mut hunks = Vec::new();
    for group in text_diff.grouped_ops(context) {
        if group.iter().all(|op| matches!(op, DiffOp::Equal { .. })) {
            continue;
        }
        let Some(first) = group.first() else {
            continue;
        };
        let mut lines = Vec::new();
        for op in &group {
            let (_, old_range, new_range) = op.as_tag_tuple();
            match op {
                DiffOp::Equal { .. } => {
                    for (o, n) in old_range.zip(new_range) {
                        let text = old_lines.get(o).copied().unwrap_or_default();
                        lines.push(line(LineKind::Same, Some(o), Some(n), whole(text, false)));
                    }
                }
                DiffOp::Delete { .. } => {
                    for o in old_range {
                        let text = old_lines.get(o).copied().unwrap_or_default();
                        lines.push(line(LineKind::Removed, Some(o), None, whole(text, true)));
                    }
                }
                DiffOp::Insert { .. } => {
                    for n in new_range {
                        let text = new_lines.get(n).copied().unwrap_or_default();
                        lines.push(line(LineKind::Added, None, Some(n), whole(text, true)));
                    }
                }
                DiffOp::Replace { .. } => {
                    let old_block = old_lines.get(old_range.clone()).unwrap_or_default();
                    let new_block = new_lines.get(new_range.clone()).unwrap_or_default();
                    let (removed_runs, added_runs) = inline_runs(old_block, new_block, deadline);
                    for (o, runs) in old_range.zip(removed_runs) {
                        lines.push(line(LineKind::Removed, Some(o), None, runs));
                    }
                    for (n, runs) in new_range.zip(added_runs) {
                        lines.push(line(LineKind::Added, None, Some(n), runs));
                    }
                }
            }
        }
        hunks.push(Hunk {
            old_start: line_number(first.old_range().start),
            new_start: line_number(first.new_range().start),
            lines,
        });
    }

    Diff {
        hunks,
        added: u32::try_from(added).unwrap_or(u32::MAX),
        removed: u32::try_from(removed).unwrap_or(u32::MAX),
    }
}

/// Runs of one line's text, each marked changed or not, the line ending included.
type Runs = Vec<(bool, String)>;

fn whole(text: &str, changed: bool) -> Runs {
    vec![(changed, text.to_string())]
}

/// Past this size a replaced block is shown as whole lines: word highlights over a rewritten
/// chapter help nobody and cost a second word diff of the whole text.
const MAX_INLINE_BYTES: usize = 64 * 1024;

/// Under this share of common words, a replaced block is shown as whole lines out and in: word
/// highlights over two unrelated lines are noise.
const MIN_WORD_RATIO: f32 = 0.5;

/// Word-level highlights for a block of old lines replaced by a block of new lines: one word diff
/// over each whole block, cut back into lines. Word boundaries fall around every '\n', so no
/// word spans two lines.
fn inline_runs(
    old_block: &[&str],
    new_block: &[&str],
    deadline: Instant,
) -> (Vec<Runs>, Vec<Runs>) {
    let old_text = old_block.concat();
    let new_text = new_block.concat();
    if old_text.len() + new_text.len() > MAX_INLINE_BYTES || Instant::now() >= deadline {
        return (
            old_block.iter().map(|l| whole(l, true)).collect(),
            new_block.iter().map(|l| whole(l, true)).collect(),
        );
    }
    let words = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .deadline(deadline)
        .diff_unicode_words(&old_text, &new_text);
    if words.ratio() < MIN_WORD_RATIO {
        return (
            old_block.iter().map(|l| whole(l, true)).collect(),
            new_block.iter().map(|l| whole(l, true)).collect(),
        );
    }
    let mut old_side = LineBuilder::default();
    let mut new_side = LineBuilder::default();
    for change in words.iter_all_changes() {
        let word = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                old_side.push(false, word);
                new_side.push(false, word);
            }
            ChangeTag::Delete => old_side.push(true, word),
            ChangeTag::Insert => new_side.push(true, word),
        }
    }
    (old_side.finish(), new_side.finish())
}

#[derive(Default)]
struct LineBuilder {
    lines: Vec<Runs>,
    current: Runs,
}

impl LineBuilder {
    fn push(&mut self, changed: bool, word: &str) {
        match self.current.last_mut() {
            Some((c, text)) if *c == changed => text.push_str(word),
            _ => self.current.push((changed, word.to_string())),
        }
        if word.ends_with('\n') {
            self.lines.push(std::mem::take(&mut self.current));
        }
    }

    fn finish(mut self) -> Vec<Runs> {
        if !self.current.is_empty() {
            self.lines.push(self.current);
        }
        self.lines
    }
}

fn line(kind: LineKind, old: Option<usize>, new: Option<usize>, runs: Runs) -> DiffLine {
    let (segments, missing_newline) = segments(runs, &kind);
    DiffLine {
        kind,
        old_line: old.map(line_number),
        new_line: new.map(line_number),
        segments,
        missing_newline,
    }
}

/// Merges runs into alternating changed/unchanged segments and takes the line's '\n' off.
fn segments(mut runs: Runs, kind: &LineKind) -> (Vec<Segment>, bool) {
    let mut missing_newline = true;
    if let Some((_, text)) = runs.last_mut() {
        if text.ends_with('\n') {
            text.pop();
            missing_newline = false;
        }
    }
    runs.retain(|(_, text)| !text.is_empty());
    // A changed line whose words all matched (only its line ending changed) is highlighted whole
    // rather than not at all.
    let whole_line = *kind != LineKind::Same && !runs.iter().any(|(changed, _)| *changed);
    let mut out: Vec<Segment> = Vec::new();
    for (changed, text) in runs {
        let changed = match kind {
            LineKind::Same => false,
            _ => whole_line || changed,
        };
        match out.last_mut() {
            Some(last) if last.changed == changed => last.text.push_str(&text),
            _ => out.push(Segment { changed, text }),
        }
    }
    if out.is_empty() {
        out.push(Segment {
            changed: false,
            text: String::new(),
        });
    }
    (out, missing_newline)
}

/// A unified diff (`--- old_label` / `+++ new_label`, three lines of context), for mails.
/// Identical texts give an empty string.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    let text_diff = text_diff(old, new, Instant::now() + DIFF_TIMEOUT);
    if text_diff
        .ops()
        .iter()
        .all(|op| matches!(op, DiffOp::Equal { .. }))
    {
        return String::new();
    }
    text_diff
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rebuild(d: &Diff, keep: LineKind) -> String {
        let mut out = String::new();
        for line in d.hunks.iter().flat_map(|h| &h.lines) {
            if line.kind == LineKind::Same || line.kind == keep {
                out.push_str(&line.text());
                if !line.missing_newline {
                    out.push('\n');
                }
            }
        }
        out
    }

    #[test]
    fn identical_texts_have_no_hunk() {
        let d = diff("a\nb\n", "a\nb\n", 3);
        assert!(d.hunks.is_empty());
        assert_eq!((d.added, d.removed), (0, 0));
        assert_eq!(unified("a\n", "a\n", "old", "new"), "");
    }

    #[test]
    fn word_changes_are_highlighted() {
        let d = diff(
            "intro\nThe quick brown fox\noutro\n",
            "intro\nThe quick red fox\noutro\n",
            1,
        );
        assert_eq!((d.added, d.removed), (1, 1));
        assert_eq!(d.hunks.len(), 1);
        let hunk = &d.hunks[0];
        assert_eq!((hunk.old_start, hunk.new_start), (1, 1));
        let kinds: Vec<_> = hunk.lines.iter().map(|l| l.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                LineKind::Same,
                LineKind::Removed,
                LineKind::Added,
                LineKind::Same
            ]
        );
        let removed = &hunk.lines[1];
        assert_eq!(removed.old_line, Some(2));
        assert_eq!(removed.new_line, None);
        assert_eq!(
            removed.segments,
            vec![
                Segment {
                    changed: false,
                    text: "The quick ".into()
                },
                Segment {
                    changed: true,
                    text: "brown".into()
                },
                Segment {
                    changed: false,
                    text: " fox".into()
                },
            ]
        );
        let added = &hunk.lines[2];
        assert_eq!(added.new_line, Some(2));
        assert!(added.segments.iter().any(|s| s.changed && s.text == "red"));
        assert_eq!(
            hunk.lines[0].segments,
            vec![Segment {
                changed: false,
                text: "intro".into()
            }]
        );
    }

    #[test]
    fn context_splits_hunks() {
        let old: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 3\n", "line three\n")
            .replace("line 25\n", "");
        let d = diff(&old, &new, 2);
        assert_eq!(d.hunks.len(), 2);
        assert_eq!(d.hunks[0].old_start, 1);
        assert_eq!(d.hunks[1].old_start, 23);
        assert_eq!(d.hunks[1].new_start, 23);
        assert_eq!((d.added, d.removed), (1, 2));
        assert!(d.hunks[1]
            .lines
            .iter()
            .any(|l| l.kind == LineKind::Removed && l.text() == "line 25"));
    }

    #[test]
    fn final_newline_change_is_visible() {
        let d = diff("a", "a\n", 3);
        let lines = &d.hunks[0].lines;
        assert_eq!(lines.len(), 2);
        assert!(lines[0].missing_newline);
        assert!(!lines[1].missing_newline);
        let json = serde_json::to_value(&lines[1]).unwrap_or_default();
        assert_eq!(json["kind"], "added");
        assert!(json.get("missing_newline").is_none());
    }

    #[test]
    fn huge_context_is_the_whole_text() {
        let d = diff("a\nb\nc\n", "a\nB\nc\n", usize::MAX);
        assert_eq!(d.hunks.len(), 1);
        assert_eq!(d.hunks[0].lines.len(), 4);
    }

    #[test]
    fn unified_for_mail() {
        let u = unified("a\nb\nc\n", "a\nB\nc\n", "Home (rev 1)", "Home (rev 2)");
        assert!(
            u.starts_with("--- Home (rev 1)\n+++ Home (rev 2)\n@@ -1,3 +1,3 @@\n"),
            "{u}"
        );
        assert!(u.contains("\n-b\n+B\n"), "{u}");
    }

    proptest! {
        #[test]
        fn lines_rebuild_both_texts(
            old in prop::collection::vec("[ab ]{0,6}", 0..12),
            new in prop::collection::vec("[ab ]{0,6}", 0..12),
            old_nl in any::<bool>(),
            new_nl in any::<bool>(),
        ) {
            let join = |lines: &[String], nl: bool| {
                let mut s = lines.join("\n");
                if nl && !s.is_empty() { s.push('\n'); }
                s
            };
            let (old, new) = (join(&old, old_nl), join(&new, new_nl));
            let d = diff(&old, &new, 1_000_000);
            if old == new {
                prop_assert!(d.hunks.is_empty());
            } else {
                prop_assert_eq!(d.hunks.len(), 1);
                prop_assert_eq!(rebuild(&d, LineKind::Added), new.clone());
                prop_assert_eq!(rebuild(&d, LineKind::Removed), old.clone());
            }
            let lines: Vec<_> = d.hunks.iter().flat_map(|h| &h.lines).collect();
            let added = lines.iter().filter(|l| l.kind == LineKind::Added).count();
            let removed = lines.iter().filter(|l| l.kind == LineKind::Removed).count();
            prop_assert_eq!(d.added as usize, added);
            prop_assert_eq!(d.removed as usize, removed);
        }

        #[test]
        fn unified_never_panics(old in "(?s).{0,60}", new in "(?s).{0,60}") {
            let u = unified(&old, &new, "a", "b");
            prop_assert_eq!(u.is_empty(), old == new);
        }
    }
}
