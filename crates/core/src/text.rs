//! The one rule for control characters in what people type: names, titles, labels and texts.
//! NUL and the other C0 controls, DEL and the C1 controls (U+0080–U+009F) are refused
//! everywhere; line breaks and tabs only where text spans several lines. Such characters break
//! terminals, logs, CSV and XML exports and other people's screens, and never come from a keyboard.

use crate::error::Rule;
use crate::Error;

/// Single line (names, titles, labels) or several lines (descriptions, messages, pad text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Is `c` a control character that `lines` text may not carry?
pub fn is_refused_control(c: char, lines: Lines) -> bool {
    c.is_control() && !(lines == Lines::Many && (c == '\n' || c == '\t'))
}

/// Does `s` carry a control character that `lines` text may not?
pub fn has_refused_control(s: &str, lines: Lines) -> bool {
    s.chars().any(|c| is_refused_control(c, lines))
}

/// Refuses `s` with `validation_failed` naming `field` when it carries a refused control.
pub fn check_controls(field: &str, s: &str, lines: Lines) -> Result<(), Error> {
    if has_refused_control(s, lines) {
        let allowed = match lines {
            Lines::One => "",
            Lines::Many => " other than line breaks and tabs",
        };
        return Err(
            Error::validation(format!("{field}: no control characters{allowed}"))
                .with_invalid_named(field, Rule::ControlCharacters),
        );
    }
    Ok(())
}

/// `s` without the controls several-line text may not carry (imports, where refusing a whole
/// file for one stray byte would help nobody); `\r\n` and lone `\r` become `\n` first.
pub fn strip_controls(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    if !has_refused_control(&s, Lines::Many) {
        return s;
    }
    s.chars()
        .filter(|c| !is_refused_control(*c, Lines::Many))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_del_and_c1_are_refused_in_a_line() {
        for c in [
            '\0', '\u{1}', '\u{7}', '\u{1b}', '\n', '\t', '\r', '\u{7f}', '\u{80}', '\u{85}',
            '\u{9f}',
        ] {
            let s = format!("a{c}b");
            assert!(has_refused_control(&s, Lines::One), "{c:?}");
            let e = check_controls("title", &s, Lines::One).expect_err("refused");
            assert_eq!(e.code, crate::ErrorCode::ValidationFailed);
            assert!(e.message.starts_with("title: "), "{}", e.message);
        }
    }

    #[test]
    fn several_lines_keep_line_breaks_and_tabs_only() {
        assert!(check_controls("text", "a\nb\tc", Lines::Many).is_ok());
        for c in ['\0', '\r', '\u{b}', '\u{c}', '\u{7f}', '\u{9b}'] {
            assert!(
                check_controls("text", &format!("a{c}"), Lines::Many).is_err(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn ordinary_text_passes() {
        for s in [
            "Fête du quartier",
            "日本語",
            "emoji 🎉",
            "a\u{a0}b",
            "zero\u{200b}width",
            "ا",
        ] {
            assert!(check_controls("name", s, Lines::One).is_ok(), "{s}");
        }
    }

    #[test]
    fn imports_strip_what_is_refused() {
        assert_eq!(strip_controls("a\0b\r\nc\rd\u{85}e\tf\n"), "ab\nc\nde\tf\n");
        assert_eq!(strip_controls("plain\ntext"), "plain\ntext");
    }
}
