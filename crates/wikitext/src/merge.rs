//! Three-way merge of concurrent page edits.
//!
//! Someone opened revision `base`, edited it into `theirs`, and meanwhile another person saved
//! `ours`. Changes to different lines combine; changes to the same lines become a conflict block
//! the editor resolves by hand:
//!
//! ```text
//! <<<<<<< current
//! the line as it is now saved
//! =======
//! the line as you wrote it
//! >>>>>>> yours
//! ```

use diffy::{ConflictStyle, IncompleteHunkStyle, MergeOptions};

/// Most lines, outside the lines every text shares at its start and end, that a merge diffs.
/// diffy's Myers diff has no deadline and costs up to the square of what differs (16 KB of
/// differing lines took 9 s, 64 KB 130 s, inside the single database writer); past this bound
/// the two versions are offered whole as one conflict, which the editor resolves by hand.
pub const MAX_MERGE_LINES: usize = 2_000;

/// Opens a conflict; what follows is the stored (current) text.
pub const MARKER_CURRENT: &str = "<<<<<<< current";
/// Separates the stored text from the editor's text.
pub const MARKER_SEPARATOR: &str = "=======";
/// Closes a conflict; what precedes it is the editor's text.
pub const MARKER_YOURS: &str = ">>>>>>> yours";

#[derive(Debug, Clone, PartialEq)]
pub enum MergeOutcome {
    Clean(String),
    Conflict {
        text_with_markers: String,
        conflicts: usize,
    },
}

/// Merges the editor's `theirs` (based on `base`) into the stored `ours`.
pub fn merge3(base: &str, ours: &str, theirs: &str) -> MergeOutcome {
    if ours == base || ours == theirs {
        return MergeOutcome::Clean(theirs.to_string());
    }
    if theirs == base {
        return MergeOutcome::Clean(ours.to_string());
    }

    if differing_lines(base, ours) > MAX_MERGE_LINES
        || differing_lines(base, theirs) > MAX_MERGE_LINES
    {
        return whole_conflict(ours, theirs);
    }

    // diffy labels its markers "ours"/"theirs" and offers no way to rename them. Markers one
    // character longer than any marker-like run already in the texts are unambiguous, so exactly
    // those lines are rewritten to the labelled seven-character markers afterwards.
    let len = marker_length(&[base, ours, theirs]);
    let mut options = MergeOptions::new();
    options
        .set_conflict_style(ConflictStyle::Merge)
        .set_conflict_marker_length(len)
        // Markers always start a line, even after a last line without a newline.
        .set_incomplete_hunk_style(IncompleteHunkStyle::Git);
    match options.merge(base, ours, theirs) {
        Ok(merged) => MergeOutcome::Clean(merged),
        Err(marked) => relabel(&marked, len),
    }
}

/// Lines of `a` and `b` left once the lines they share at the start and at the end are set
/// aside: what a diff of the two has to match (linear to count).
fn differing_lines(a: &str, b: &str) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_inclusive('\n').collect(),
        b.split_inclusive('\n').collect(),
    );
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a_rest, b_rest) = (
        a.get(prefix..).unwrap_or_default(),
        b.get(prefix..).unwrap_or_default(),
    );
    let suffix = a_rest
        .iter()
        .rev()
        .zip(b_rest.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    a_rest.len() + b_rest.len() - 2 * suffix
}

/// Both versions whole, as one conflict.
fn whole_conflict(ours: &str, theirs: &str) -> MergeOutcome {
    let line = |t: &str| {
        if t.is_empty() || t.ends_with('\n') {
            t.to_string()
        } else {
            format!("{t}\n")
        }
    };
    MergeOutcome::Conflict {
        text_with_markers: format!(
            "{MARKER_CURRENT}\n{}{MARKER_SEPARATOR}\n{}{MARKER_YOURS}\n",
            line(ours),
            line(theirs)
        ),
        conflicts: 1,
    }
}

fn marker_length(texts: &[&str]) -> usize {
    let longest_run = texts
        .iter()
        .flat_map(|t| t.lines())
        .map(|line| {
            ['<', '=', '>']
                .iter()
                .map(|m| line.chars().take_while(|c| c == m).count())
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    longest_run.max(6) + 1
}

fn relabel(marked: &str, len: usize) -> MergeOutcome {
    let open = format!("{} ours", "<".repeat(len));
    let separator = "=".repeat(len);
    let close = format!("{} theirs", ">".repeat(len));
    let mut out = String::with_capacity(marked.len());
    let mut conflicts = 0;
    for line in marked.split_inclusive('\n') {
        let (content, ending) = match line.strip_suffix('\n') {
            Some(content) => (content, "\n"),
            None => (line, ""),
        };
        if content == open {
            conflicts += 1;
            out.push_str(MARKER_CURRENT);
        } else if content == separator {
            out.push_str(MARKER_SEPARATOR);
        } else if content == close {
            out.push_str(MARKER_YOURS);
        } else {
            out.push_str(content);
        }
        out.push_str(ending);
    }
    MergeOutcome::Conflict {
        text_with_markers: out,
        conflicts,
    }
}

/// Whether a text still holds conflict markers (the service can refuse to save it as is).
pub fn has_conflict_markers(text: &str) -> bool {
    let mut open = false;
    for line in text.lines() {
        if line == MARKER_CURRENT {
            open = true;
        } else if open && line == MARKER_YOURS {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn separate_edits_merge() {
        let base = "title\n\none\ntwo\nthree\nfour\nfive\n";
        let ours = "title\n\nONE\ntwo\nthree\nfour\nfive\n";
        let theirs = "title\n\none\ntwo\nthree\nfour\nFIVE\n";
        assert_eq!(
            merge3(base, ours, theirs),
            MergeOutcome::Clean("title\n\nONE\ntwo\nthree\nfour\nFIVE\n".into())
        );
    }

    #[test]
    fn same_line_edits_conflict_with_labels() {
        let base = "a\nb\nc\n";
        let ours = "a\nB-current\nc\n";
        let theirs = "a\nB-yours\nc\n";
        assert_eq!(
            merge3(base, ours, theirs),
            MergeOutcome::Conflict {
                text_with_markers:
                    "a\n<<<<<<< current\nB-current\n=======\nB-yours\n>>>>>>> yours\nc\n".into(),
                conflicts: 1,
            }
        );
    }

    #[test]
    fn counts_every_conflict() {
        let base = "1\n2\n3\n4\n5\n6\n7\n";
        let ours = "1\nx\n3\n4\n5\ny\n7\n";
        let theirs = "1\nX\n3\n4\n5\nY\n7\n";
        match merge3(base, ours, theirs) {
            MergeOutcome::Conflict {
                conflicts,
                text_with_markers,
            } => {
                assert_eq!(conflicts, 2);
                assert!(has_conflict_markers(&text_with_markers));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identical_edits_are_clean() {
        assert_eq!(
            merge3("a\nb\n", "a\nB\n", "a\nB\n"),
            MergeOutcome::Clean("a\nB\n".into())
        );
        assert_eq!(
            merge3("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nB\nc\nD\n"),
            MergeOutcome::Clean("a\nB\nc\nD\n".into())
        );
    }

    #[test]
    fn user_text_that_looks_like_markers_is_not_relabelled() {
        let base = "<<<<<<< ours\nx\n=======\n>>>>>>> theirs\nend\n";
        let ours = "<<<<<<< ours\nx1\n=======\n>>>>>>> theirs\nend\n";
        let theirs = "<<<<<<< ours\nx2\n=======\n>>>>>>> theirs\nend\n";
        match merge3(base, ours, theirs) {
            MergeOutcome::Conflict {
                text_with_markers,
                conflicts,
            } => {
                assert_eq!(conflicts, 1);
                assert!(text_with_markers.starts_with("<<<<<<< ours\n<<<<<<< current\nx1\n"));
                assert!(text_with_markers.contains("=======\n>>>>>>> theirs\nend\n"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_final_newline_keeps_markers_on_their_own_line() {
        match merge3("a\nb", "a\nc", "a\nd") {
            MergeOutcome::Conflict {
                text_with_markers, ..
            } => {
                assert!(
                    text_with_markers.contains("\n=======\n"),
                    "{text_with_markers:?}"
                );
                assert!(text_with_markers.contains(MARKER_YOURS));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rewrites_too_large_to_merge_are_one_whole_conflict_and_fast() {
        let lines = |n: usize, k: usize| -> String {
            (0..n).map(|i| format!("{}\n", (i * k + 1) % 13)).collect()
        };
        let (base, ours, theirs) = (lines(20_000, 1), lines(20_000, 3), lines(20_000, 5));
        let started = std::time::Instant::now();
        let merged = merge3(&base, &ours, &theirs);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        match merged {
            MergeOutcome::Conflict {
                text_with_markers,
                conflicts,
            } => {
                assert_eq!(conflicts, 1);
                assert!(text_with_markers.starts_with(&format!("{MARKER_CURRENT}\n{ours}")));
                assert!(text_with_markers.ends_with(&format!("{theirs}{MARKER_YOURS}\n")));
            }
            clean => panic!("{clean:?}"),
        }
        // Far-apart edits on a long page still merge: only what differs counts.
        let long = lines(50_000, 1);
        let ours = format!("EDIT\n{long}");
        let theirs = format!("{long}EDIT\n");
        assert_eq!(
            merge3(&long, &ours, &theirs),
            MergeOutcome::Clean(format!("EDIT\n{long}EDIT\n"))
        );
    }

    #[test]
    fn deletion_against_edit_conflicts() {
        let outcome = merge3("a\nb\nc\n", "a\nc\n", "a\nB\nc\n");
        assert!(matches!(
            outcome,
            MergeOutcome::Conflict { conflicts: 1, .. }
        ));
    }

    fn lines() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec("[a-z ]{0,8}", 0..20)
    }

    fn text(lines: &[String]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    proptest! {
        #[test]
        fn unchanged_current_gives_yours(b in "(?s).{0,80}", t in "(?s).{0,80}") {
            prop_assert_eq!(merge3(&b, &b, &t), MergeOutcome::Clean(t));
        }

        #[test]
        fn unchanged_yours_gives_current(b in "(?s).{0,80}", o in "(?s).{0,80}") {
            prop_assert_eq!(merge3(&b, &o, &b), MergeOutcome::Clean(o));
        }

        #[test]
        fn distant_edits_merge_clean(
            base in prop::collection::vec("[a-z]{1,6}", 12..40),
            i in 0usize..1000,
            gap in 4usize..1000,
        ) {
            // Unique lines: with repeated lines the diff may legitimately place an edit elsewhere.
            let base: Vec<String> = base.iter().enumerate().map(|(k, w)| format!("{k} {w}")).collect();
            let n = base.len();
            let i = i % (n - 4);
            let j = i + 4 + gap % (n - i - 4);
            let mut ours = base.clone();
            ours[i] = "OURS EDIT".into();
            let mut theirs = base.clone();
            theirs[j] = "THEIR EDIT".into();
            let mut both = base.clone();
            both[i] = "OURS EDIT".into();
            both[j] = "THEIR EDIT".into();
            prop_assert_eq!(
                merge3(&text(&base), &text(&ours), &text(&theirs)),
                MergeOutcome::Clean(text(&both))
            );
        }

        #[test]
        fn never_panics_and_counts_markers(b in lines(), o in lines(), t in lines()) {
            let (b, o, t) = (text(&b), text(&o), text(&t));
            if let MergeOutcome::Conflict { text_with_markers, conflicts } = merge3(&b, &o, &t) {
                prop_assert!(conflicts > 0);
                prop_assert_eq!(
                    text_with_markers.lines().filter(|l| *l == MARKER_CURRENT).count(),
                    conflicts
                );
            }
        }
    }
}
