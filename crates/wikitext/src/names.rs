//! Page names, their URL form, attachment names and wiki slugs.
//!
//! A page has a display name ("Réunion du Bureau") and a key (`page_key`: "réunion du bureau") that
//! links are matched on, so `[[réunion_du_bureau]]` finds the page whatever its case or spacing.

use nichoir_core::text::{has_refused_control, Lines};
use nichoir_core::{Error, Field, Rule};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Longest page name, in characters.
pub const MAX_PAGE_NAME_CHARS: usize = 200;
/// Longest attachment name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// Slugs that would shadow a route of the wiki farm or of the product, or mislead readers.
pub const RESERVED_SLUGS: &[&str] = &[
    "_files",
    "about",
    "account",
    "admin",
    "all",
    "api",
    "assets",
    "atom",
    "chat",
    "directory",
    "edit",
    "export",
    "farm",
    "feed",
    "files",
    "help",
    "history",
    "home",
    "import",
    "index",
    "invite",
    "login",
    "logout",
    "me",
    "new",
    "p",
    "pads",
    "poll",
    "polls",
    "privacy",
    "random",
    "recent",
    "register",
    "root",
    "rss",
    "search",
    "settings",
    "setup",
    "static",
    "system",
    "terms",
    "user",
    "users",
    "video",
    "w",
    "wiki",
    "wikis",
    "www",
];

/// What stays literal in a path segment: RFC 3986 unreserved characters. Everything else,
/// non-ASCII included, is percent-encoded as UTF-8.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn normalise_spaces(name: &str) -> String {
    name.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The identity of a page name for matching links: '_' is a space, spacing is collapsed and case
/// ignored.
pub fn page_key(name: &str) -> String {
    normalise_spaces(name).to_lowercase()
}

/// Checks a page name and returns its display form (trimmed, '_' as space, spacing collapsed,
/// case kept).
pub fn validate_page_name(name: &str) -> Result<String, Error> {
    let display = normalise_spaces(name);
    if display.is_empty() {
        return Err(Error::validation("a page name cannot be empty")
            .with_invalid(Field::PageName, Rule::Required));
    }
    let chars = display.chars().count();
    if chars > MAX_PAGE_NAME_CHARS {
        return Err(Error::validation(format!(
            "a page name is at most {MAX_PAGE_NAME_CHARS} characters (this one has {chars})"
        ))
        .with_invalid(
            Field::PageName,
            Rule::TooLong {
                max: MAX_PAGE_NAME_CHARS as u64,
            },
        ));
    }
    if has_refused_control(&display, Lines::One) {
        return Err(
            Error::validation("name: a page name cannot contain control characters")
                .with_invalid(Field::PageName, Rule::ControlCharacters),
        );
    }
    if let Some(c) = display.chars().find(|c| {
        matches!(
            c,
            '/' | '\\' | '[' | ']' | '|' | '#' | '<' | '>' | '{' | '}'
        )
    }) {
        return Err(Error::validation(format!(
            "a page name cannot contain '{c}' (forbidden: / \\ [ ] | # < > {{ }})"
        ))
        .with_invalid(
            Field::PageName,
            Rule::ForbiddenCharacter {
                character: c.to_string(),
            },
        ));
    }
    if display.contains("..") {
        return Err(
            Error::validation("a page name cannot contain '..'").with_invalid(
                Field::PageName,
                Rule::ForbiddenCharacter {
                    character: "..".into(),
                },
            ),
        );
    }
    if display.chars().all(|c| c == '.' || c == ' ') {
        return Err(
            Error::validation("a page name cannot be made only of dots and spaces")
                .with_invalid(Field::PageName, Rule::BadFormat { example: None }),
        );
    }
    if display.starts_with('.') {
        return Err(
            Error::validation("a page name cannot start with '.'").with_invalid(
                Field::PageName,
                Rule::BadEdge {
                    character: ".".into(),
                },
            ),
        );
    }
    Ok(display)
}

/// The page name as one URL path segment: spaces become '_', the rest is percent-encoded.
pub fn page_url_segment(name: &str) -> String {
    utf8_percent_encode(&name.replace(' ', "_"), SEGMENT).to_string()
}

/// The page name a URL segment stands for (inverse of [`page_url_segment`] for valid names).
pub fn name_from_url_segment(seg: &str) -> String {
    percent_decode_str(seg)
        .decode_utf8_lossy()
        .replace('_', " ")
}

/// Checks an attachment name: it becomes a URL segment and a file name in exported archives, so
/// nothing that could walk out of a folder or hide in a listing is allowed.
pub fn validate_file_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::validation("a file name cannot be empty")
            .with_invalid(Field::FileName, Rule::Required));
    }
    let chars = name.chars().count();
    if chars > MAX_FILE_NAME_CHARS {
        return Err(Error::validation(format!(
            "a file name is at most {MAX_FILE_NAME_CHARS} characters (this one has {chars})"
        ))
        .with_invalid(
            Field::FileName,
            Rule::TooLong {
                max: MAX_FILE_NAME_CHARS as u64,
            },
        ));
    }
    if has_refused_control(name, Lines::One) {
        return Err(
            Error::validation("name: a file name cannot contain control characters")
                .with_invalid(Field::FileName, Rule::ControlCharacters),
        );
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\' | ':')) {
        return Err(
            Error::validation(format!("a file name cannot contain '{c}'")).with_invalid(
                Field::FileName,
                Rule::ForbiddenCharacter {
                    character: c.to_string(),
                },
            ),
        );
    }
    if name.starts_with('.') {
        return Err(
            Error::validation("a file name cannot start with '.'").with_invalid(
                Field::FileName,
                Rule::BadEdge {
                    character: ".".into(),
                },
            ),
        );
    }
    Ok(name.to_string())
}

/// Checks a wiki slug (its URL name, `/w/{slug}`) and returns it trimmed and lowercased.
pub fn validate_slug(slug: &str) -> Result<String, Error> {
    let slug = slug.trim().to_ascii_lowercase();
    let len = slug.chars().count();
    if !(2..=63).contains(&len) {
        return Err(
            Error::validation("a wiki address is 2 to 63 characters long")
                .with_invalid(Field::Slug, Rule::Length { min: 2, max: 63 }),
        );
    }
    if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(Error::validation(format!(
            "a wiki address uses only letters a-z, digits and '-' (found '{c}')"
        ))
        .with_invalid(
            Field::Slug,
            Rule::ForbiddenCharacter {
                character: c.to_string(),
            },
        ));
    }
    if slug.starts_with('-') || slug.ends_with('-') {
        return Err(
            Error::validation("a wiki address cannot start or end with '-'").with_invalid(
                Field::Slug,
                Rule::BadEdge {
                    character: "-".into(),
                },
            ),
        );
    }
    if slug.contains("--") {
        return Err(
            Error::validation("a wiki address cannot contain two '-' in a row").with_invalid(
                Field::Slug,
                Rule::ForbiddenCharacter {
                    character: "--".into(),
                },
            ),
        );
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return Err(Error::validation(format!(
            "the wiki address '{slug}' is reserved, choose another one"
        ))
        .with_invalid(Field::Slug, Rule::Reserved));
    }
    Ok(slug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused(name: &str) -> String {
        match validate_page_name(name) {
            Ok(d) => panic!("{name:?} was accepted as {d:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn keys_ignore_case_underscores_and_spacing() {
        assert_eq!(
            page_key("Réunion  du_Bureau"),
            page_key("réunion du bureau")
        );
        assert_eq!(page_key("  ÉTÉ\t2025_ "), "été 2025");
    }

    #[test]
    fn display_names_keep_case() {
        assert_eq!(
            validate_page_name("  Réunion__du   Bureau ")
                .ok()
                .as_deref(),
            Some("Réunion du Bureau")
        );
        assert_eq!(
            validate_page_name("v1.2 notes").ok().as_deref(),
            Some("v1.2 notes")
        );
    }

    #[test]
    fn page_name_rules_are_named() {
        assert!(refused("").contains("empty"));
        assert!(refused(" _ ").contains("empty"));
        assert!(refused("a/b").contains("'/'"));
        assert!(refused("a\\b").contains("'\\'"));
        assert!(refused("a..b").contains(".."));
        assert!(refused("a\u{0}b").contains("control"));
        for bad in ["[a", "a]", "a|b", "a#b", "<a", "a>", "{a", "a}"] {
            assert!(refused(bad).contains("cannot contain"), "{bad}");
        }
        assert!(refused(".hidden").contains("start"));
        assert!(refused(". .").contains("dots"));
        assert!(refused(&"x".repeat(201)).contains("200"));
        assert!(validate_page_name(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn url_segments() {
        assert_eq!(
            page_url_segment("Réunion du Bureau"),
            "R%C3%A9union_du_Bureau"
        );
        assert_eq!(page_url_segment("a?b&c=d"), "a%3Fb%26c%3Dd");
        assert_eq!(
            name_from_url_segment("R%C3%A9union_du_Bureau"),
            "Réunion du Bureau"
        );
        assert_eq!(name_from_url_segment("bad%FFbyte"), "bad\u{fffd}byte");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            validate_file_name(" photo (1).jpg ").ok().as_deref(),
            Some("photo (1).jpg")
        );
        assert!(validate_file_name("../etc/passwd").is_err());
        assert!(validate_file_name("a\\b").is_err());
        assert!(validate_file_name(".htaccess").is_err());
        assert!(validate_file_name("C:x").is_err());
        assert!(validate_file_name("").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(
            validate_slug(" My-Wiki2 ").ok().as_deref(),
            Some("my-wiki2")
        );
        assert!(validate_slug("a").is_err());
        assert!(validate_slug(&"a".repeat(64)).is_err());
        assert!(validate_slug(&"a".repeat(63)).is_ok());
        assert!(validate_slug("-ab").is_err());
        assert!(validate_slug("ab-").is_err());
        assert!(validate_slug("a--b").is_err());
        assert!(validate_slug("a_b").is_err());
        assert!(validate_slug("été").is_err());
        for reserved in ["api", "admin", "feed", "farm", "www", "directory"] {
            let err = validate_slug(reserved)
                .err()
                .map(|e| e.message)
                .unwrap_or_default();
            assert!(err.contains("reserved"), "{reserved}: {err}");
        }
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9éÉçà€ _.?&%=+'\"-]{1,40}"
    }

    proptest! {
        #[test]
        fn segment_round_trip(raw in name_strategy()) {
            if let Ok(name) = validate_page_name(&raw) {
                let seg = page_url_segment(&name);
                prop_assert!(seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
                prop_assert_eq!(name_from_url_segment(&seg), name);
            }
        }

        #[test]
        fn key_is_stable(raw in name_strategy()) {
            let key = page_key(&raw);
            prop_assert_eq!(page_key(&key), key.clone());
            if let Ok(name) = validate_page_name(&raw) {
                prop_assert_eq!(page_key(&name), key);
            }
        }

        #[test]
        fn validation_is_idempotent(raw in "\\PC{0,60}") {
            if let Ok(name) = validate_page_name(&raw) {
                prop_assert_eq!(validate_page_name(&name).ok(), Some(name.clone()));
                prop_assert!(!name.starts_with(' ') && !name.ends_with(' '));
            }
        }
    }
}
