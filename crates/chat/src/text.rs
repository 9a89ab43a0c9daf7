//! Message text, with no I/O: who a message mentions, the search language
//! (`in:channel from:user before:date after:date "phrase" words`), and names.

use nichoir_core::{Error, Field, Rule};

/// What a message's `@` words ask for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Lowercased usernames after `@`.
    pub users: Vec<String>,
    /// `@channel` or `@all`: every member.
    pub channel: bool,
    /// `@here`: the members online now.
    pub here: bool,
}

/// Finds `@name` outside code (inline `code` and fenced blocks are skipped): after the start or a
/// character that is not part of a word, then letters, digits, `.`, `_`, `-`.
pub fn mentions(text: &str) -> Mentions {
    let mut out = Mentions::default();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let mut in_code = false;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '`' {
                in_code = !in_code;
            } else if c == '@'
                && !in_code
                && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
            {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || "._-".contains(chars[j])) {
                    j += 1;
                }
                // A trailing dot or hyphen ends the sentence, not the name.
                while j > i + 1 && ".-".contains(chars[j - 1]) {
                    j -= 1;
                }
                let name: String = chars[i + 1..j].iter().collect::<String>().to_lowercase();
                match name.as_str() {
                    "" => {}
                    "channel" | "all" => out.channel = true,
                    "here" => out.here = true,
                    _ if !out.users.contains(&name) => out.users.push(name),
                    _ => {}
                }
                i = j;
                continue;
            }
            i += 1;
        }
    }
    out
}

/// The mentions a message shows its readers, of the members it mentioned (`mentioned`, as
/// stored: counters and notices use that). A message to the whole channel (`@channel`, `@all`,
/// `@here`) lists nobody: its text says it is for every reader, and listing every member made
/// it 28 KB in each of a 1,000-member channel's frames.
pub fn shown_mentions(text: &str, mentioned: &[String]) -> Vec<String> {
    if mentioned.is_empty() {
        return Vec::new();
    }
    let asked = mentions(text);
    if asked.channel || asked.here {
        Vec::new()
    } else {
        mentioned.to_vec()
    }
}

/// A parsed search.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Search {
    /// FTS5 query (words quoted, all required, the last as a prefix); empty when only filters.
    pub fts: String,
    pub in_channels: Vec<String>,
    pub from_users: Vec<String>,
    /// `YYYY-MM-DD`: before that day (exclusive) / after that day (exclusive), UTC.
    pub before: Option<String>,
    pub after: Option<String>,
}

fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Parses the search box. Words become an FTS5 query that cannot inject operators.
pub fn parse_search(q: &str) -> Result<Search, Error> {
    if q.chars().count() > 500 {
        return Err(Error::invalid(Field::Q, Rule::TooLong { max: 500 }));
    }
    let mut s = Search::default();
    let mut terms: Vec<String> = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let (phrase, after) = r.split_once('"').unwrap_or((r, ""));
            let clean: String = phrase.chars().filter(|c| *c != '"').collect();
            if !clean.trim().is_empty() {
                terms.push(format!("\"{}\"", clean.trim()));
            }
            rest = after.trim_start();
            continue;
        }
        let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        rest = after.trim_start();
        let lower = word.to_lowercase();
        if let Some(v) = lower.strip_prefix("in:") {
            s.in_channels.push(v.trim_start_matches('~').to_string());
        } else if let Some(v) = lower.strip_prefix("from:") {
            s.from_users.push(v.trim_start_matches('@').to_string());
        } else if let Some(v) = lower.strip_prefix("before:") {
            if !is_day(v) {
                return Err(
                    Error::validation("before: a date such as 2026-12-01").with_invalid(
                        Field::Before,
                        Rule::BadFormat {
                            example: Some("2026-12-01".into()),
                        },
                    ),
                );
            }
            s.before = Some(v.to_string());
        } else if let Some(v) = lower.strip_prefix("after:") {
            if !is_day(v) {
                return Err(
                    Error::validation("after: a date such as 2026-11-01").with_invalid(
                        Field::After,
                        Rule::BadFormat {
                            example: Some("2026-11-01".into()),
                        },
                    ),
                );
            }
            s.after = Some(v.to_string());
        } else {
            let clean: String = word
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-' || *c == '_')
                .collect();
            if !clean.is_empty() {
                terms.push(format!("\"{clean}\""));
            }
        }
    }
    if let Some(last) = terms.last_mut() {
        if !last.contains(' ') {
            last.push('*');
        }
    }
    s.fts = terms.join(" ");
    if s.fts.is_empty() && s.in_channels.is_empty() && s.from_users.is_empty() {
        return Err(
            Error::validation("q: give words to look for, or in:/from: filters")
                .with_invalid(Field::Q, Rule::Required),
        );
    }
    Ok(s)
}

/// A team or channel name: 2–64 of a–z, 0–9, `-`, `_`, starting with a letter or digit.
pub fn validate_name(field: &str, s: &str) -> Result<String, Error> {
    let n = s.trim().to_lowercase();
    let ok = (2..=64).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        let rule = if (2..=64).contains(&n.len()) {
            Rule::BadFormat {
                example: Some("team-2027".into()),
            }
        } else {
            Rule::Length { min: 2, max: 64 }
        };
        return Err(
            Error::validation(format!("{field}: 2 to 64 of a–z, 0–9, - and _"))
                .with_invalid_named(field, rule),
        );
    }
    Ok(n)
}

/// A channel name from a display name ("Budget 2027" → "budget-2027").
pub fn name_from(display: &str) -> String {
    let mut s = String::new();
    for c in display.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').chars().take(64).collect()
}

/// One line of text (titles, headers): trimmed, bounded, no control characters.
pub fn line(field: &str, s: &str, min: usize, max: usize) -> Result<String, Error> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min || n > max {
        let rule = if n == 0 {
            Rule::Required
        } else if n > max {
            Rule::TooLong { max: max as u64 }
        } else {
            Rule::Length {
                min: min as u64,
                max: max as u64,
            }
        };
        return Err(
            Error::validation(format!("{field}: {min} to {max} characters"))
                .with_invalid_named(field, rule),
        );
    }
    nichoir_core::text::check_controls(field, t, nichoir_core::text::Lines::One)?;
    Ok(t.to_string())
}

pub const MAX_POST: usize = 16_000;

/// A message's text: 1–16,000 characters, not only spaces.
pub fn post_text(s: &str) -> Result<String, Error> {
    let t = s.replace("\r\n", "\n");
    let t = t.trim_end();
    if t.trim().is_empty() {
        return Err(Error::validation("text: a message cannot be empty")
            .with_invalid(Field::Text, Rule::Required));
    }
    if t.chars().count() > MAX_POST {
        return Err(Error::invalid(
            Field::Text,
            Rule::TooLong {
                max: MAX_POST as u64,
            },
        ));
    }
    nichoir_core::text::check_controls("text", t, nichoir_core::text::Lines::Many)?;
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_message_to_the_whole_channel_lists_nobody() {
        let ids = vec!["u_a".to_string(), "u_b".to_string()];
        assert_eq!(
            shown_mentions("@channel vote tonight", &ids),
            Vec::<String>::new()
        );
        assert_eq!(shown_mentions("@ana and @all", &ids), Vec::<String>::new());
        assert_eq!(shown_mentions("who is @here?", &ids), Vec::<String>::new());
        assert_eq!(shown_mentions("@ana @bob", &ids), ids);
        // In code, `@channel` asks for nothing: the list stays.
        assert_eq!(shown_mentions("@ana see `@channel`", &ids), ids);
        assert_eq!(shown_mentions("@channel", &[]), Vec::<String>::new());
    }

    #[test]
    fn finds_mentions_outside_code() {
        let m = mentions("Hi @Ana and @bob.martin, see `@carl` and\n```\n@dan\n```\n@here! mail me at x@example.org @all.");
        assert_eq!(m.users, vec!["ana", "bob.martin"]);
        assert!(m.here && m.channel);
        assert_eq!(mentions("@ana @ana").users, vec!["ana"]);
        assert_eq!(mentions("no one").users, Vec::<String>::new());
        assert_eq!(mentions("@").users, Vec::<String>::new());
    }

    #[test]
    fn parses_search_filters_and_quotes_words() {
        let s = parse_search("budget in:town-square from:@Ana before:2026-12-01 after:2026-11-01 \"summer fest\" vélo").expect("ok");
        assert_eq!(s.in_channels, vec!["town-square"]);
        assert_eq!(s.from_users, vec!["ana"]);
        assert_eq!(s.before.as_deref(), Some("2026-12-01"));
        assert_eq!(s.fts, "\"budget\" \"summer fest\" \"vélo\"*");
        assert!(parse_search("before:yesterday x").is_err());
        assert!(parse_search("   ").is_err());
        assert_eq!(
            parse_search("a\" OR b:c NEAR(x").expect("ok").fts,
            "\"a\" \"OR\" \"bc\" \"NEARx\"*"
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            validate_name("name", " Town-Square ").ok().as_deref(),
            Some("town-square")
        );
        assert!(validate_name("name", "a").is_err());
        assert!(validate_name("name", "-x").is_err());
        assert!(validate_name("name", "é-x").is_err());
        assert_eq!(name_from("Budget 2027 (draft)"), "budget-2027-draft");
        assert!(post_text("   \n ").is_err());
        assert!(post_text(&"x".repeat(16_001)).is_err());
        assert!(post_text(&"é".repeat(16_000)).is_ok());
    }

    proptest! {
        #[test]
        fn search_queries_never_carry_raw_operators(q in "\\PC{0,80}") {
            if let Ok(s) = parse_search(&q) {
                // Every term is a quoted string: no bare operator or column filter reaches FTS5.
                let mut inside = false;
                for c in s.fts.chars() {
                    if c == '"' { inside = !inside; continue; }
                    if !inside { prop_assert!(c == ' ' || c == '*', "{} in {}", c, s.fts); }
                }
                prop_assert!(!inside);
            }
        }

        #[test]
        fn mentions_never_panic(t in "\\PC{0,200}") {
            let _ = mentions(&t);
        }
    }
}
