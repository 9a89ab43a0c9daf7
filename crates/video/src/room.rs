//! Rooms' names, settings and their limits. Pure functions, no I/O. The room as stored is in
//! `model`, as requested and as answered in `api`.

use rand::Rng;

use nichoir_core::text::{has_refused_control, Lines};

use crate::error::VideoError;

pub use crate::api::{NewRoom, OpenRoom, RoomPatch, RoomView};
pub use crate::model::RoomRow;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Words that are pages of the video tool itself, never room names.
const RESERVED: &[&str] = &["new", "rooms", "api", "admin", "settings", "ice"];

/// A chosen room name: lower-case letters, digits and dashes, 3–64, starting with a letter or digit.
pub fn check_name(name: &str) -> Result<(), VideoError> {
    let ok_len = (3..=64).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_start = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(ok_len && ok_chars && ok_start) {
        return Err(VideoError::Invalid(
            "a room name has 3 to 64 lower-case letters, digits or dashes, and starts with a letter or digit".into(),
        ));
    }
    if RESERVED.contains(&name) {
        return Err(VideoError::Invalid(format!("\"{name}\" is reserved")));
    }
    Ok(())
}

/// An unguessable room name (16 characters of [a-z0-9], about 82 bits).
pub fn random_name() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

pub fn check_title(title: &str) -> Result<String, VideoError> {
    let t = title.trim();
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(VideoError::Invalid(format!(
            "a title has at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if has_refused_control(t, Lines::One) {
        return Err(VideoError::Invalid("title: no control characters".into()));
    }
    Ok(t.to_string())
}

pub fn check_password(p: &str) -> Result<(), VideoError> {
    if p.chars().count() > MAX_PASSWORD_CHARS {
        return Err(VideoError::Invalid(format!(
            "a password has at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

pub fn check_capacity(c: u32, max: u32) -> Result<u32, VideoError> {
    if !(2..=max).contains(&c) {
        return Err(VideoError::Invalid(format!(
            "a room holds between 2 and {max} people"
        )));
    }
    Ok(c)
}

/// A display name in a call: 1–64 characters once trimmed, no control characters.
pub fn check_display_name(name: &str) -> Result<String, VideoError> {
    let n = name.trim();
    if has_refused_control(n, Lines::One) {
        return Err(VideoError::Invalid("name: no control characters".into()));
    }
    if n.is_empty() || n.chars().count() > 64 {
        return Err(VideoError::Invalid("name: 1 to 64 characters".into()));
    }
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert!(check_name("asso-velo-ca").is_ok());
        assert!(check_name("abc").is_ok());
        for bad in [
            "ab",
            "-abc",
            "Abc",
            "a b",
            "a/b",
            "../x",
            "new",
            "été-2027",
            &"a".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let r = random_name();
        assert_eq!(r.len(), 16);
        assert!(check_name(&r).is_ok());
        assert_ne!(random_name(), random_name());
    }

    #[test]
    fn fields() {
        assert_eq!(check_title("  CA  ").ok().as_deref(), Some("CA"));
        assert!(check_title(&"x".repeat(121)).is_err());
        assert!(check_title("a\u{7}b").is_err());
        assert!(check_capacity(1, 12).is_err());
        assert!(check_capacity(13, 12).is_err());
        assert_eq!(check_capacity(12, 12).ok(), Some(12));
        assert!(check_display_name(" ").is_err());
        assert!(check_display_name(&"é".repeat(65)).is_err());
        assert_eq!(check_display_name(" Ana ").ok().as_deref(), Some("Ana"));
        assert!(check_password(&"p".repeat(129)).is_err());
    }

    proptest! {
        #[test]
        fn a_name_that_passes_is_safe_in_a_url(s in "\\PC{0,70}") {
            if check_name(&s).is_ok() {
                prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
                prop_assert!(!s.contains(".."));
            }
        }
    }
}
