//! Input rules for account fields: plain functions, tested directly.

use nichoir_core::{Error, Field, Rule};

pub fn validate_username(u: &str) -> Result<String, Error> {
    let u = u.trim();
    let len = u.chars().count();
    if !(3..=32).contains(&len) {
        return Err(Error::validation("username: 3 to 32 characters")
            .with_invalid(Field::Username, Rule::Length { min: 3, max: 32 }));
    }
    if let Some(c) = u
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.' || *c == '-'))
    {
        return Err(
            Error::validation("username: letters, digits, '.', '_' and '-' only").with_invalid(
                Field::Username,
                Rule::ForbiddenCharacter {
                    character: c.to_string(),
                },
            ),
        );
    }
    if let Some(c) = u.chars().next().filter(|c| !c.is_ascii_alphanumeric()) {
        return Err(
            Error::validation("username: must start with a letter or digit").with_invalid(
                Field::Username,
                Rule::BadEdge {
                    character: c.to_string(),
                },
            ),
        );
    }
    Ok(u.to_string())
}

pub fn validate_password(p: &str) -> Result<(), Error> {
    let len = p.chars().count();
    if len < 8 {
        return Err(Error::validation("password: at least 8 characters")
            .with_invalid(Field::Password, Rule::TooShort { min: 8 }));
    }
    if p.len() > 1024 {
        return Err(Error::validation("password: at most 1024 bytes")
            .with_invalid(Field::Password, Rule::TooLong { max: 1024 }));
    }
    Ok(())
}

pub fn validate_display_name(d: &str) -> Result<String, Error> {
    let d = d.trim();
    let len = d.chars().count();
    if !(1..=64).contains(&len) {
        return Err(
            Error::validation("display name: 1 to 64 characters").with_invalid(
                Field::DisplayName,
                if len == 0 {
                    Rule::Required
                } else {
                    Rule::TooLong { max: 64 }
                },
            ),
        );
    }
    nichoir_core::text::check_controls("display name", d, nichoir_core::text::Lines::One)?;
    // The name deleted accounts leave behind is a marker the app shows in each reader's
    // language: nobody alive may wear it.
    if d.eq_ignore_ascii_case(nichoir_core::departure::DELETED_NAME) {
        return Err(
            Error::validation("display name: this name is reserved for deleted accounts")
                .with_invalid(Field::DisplayName, Rule::Reserved),
        );
    }
    Ok(d.to_string())
}

/// Empty means "no email". A light check: the address is the user's own business.
pub fn validate_email(e: &str) -> Result<Option<String>, Error> {
    let e = e.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        });
    if ok {
        Ok(Some(e.to_string()))
    } else {
        Err(Error::validation("email: not an address").with_invalid(
            Field::Email,
            Rule::BadFormat {
                example: Some("name@example.org".into()),
            },
        ))
    }
}

pub fn validate_color(c: &str) -> Result<String, Error> {
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(Error::validation("avatar colour: #rrggbb").with_invalid(
            Field::AvatarColour,
            Rule::BadFormat {
                example: Some("#2f855a".into()),
            },
        ))
    }
}

/// The web UI's palette (web/src/palette.ts, which says why these colours; its unit test keeps
/// the two lists equal).
const PALETTE: &[&str] = &[
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#332288", "#882255",
];

/// A stable, readable colour for a name, so people keep their colour across pads and chats.
pub fn avatar_color_for(seed: &str) -> String {
    let h = seed
        .bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    PALETTE[(h as usize) % PALETTE.len()].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames() {
        assert!(validate_username("alice").is_ok());
        assert!(validate_username("a.b-c_d9").is_ok());
        assert!(validate_username("ab").is_err());
        assert!(validate_username("_alice").is_err());
        assert!(validate_username("al ice").is_err());
        assert!(validate_username("élodie").is_err());
        assert!(validate_username(&"a".repeat(33)).is_err());
    }

    #[test]
    fn other_fields() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert_eq!(validate_email("").ok(), Some(None));
        assert!(validate_email("a@b.org").is_ok());
        assert!(validate_email("nope").is_err());
        assert!(validate_email("a@.org").is_err());
        assert_eq!(validate_color("#ABCDEF").ok().as_deref(), Some("#abcdef"));
        assert!(validate_color("red").is_err());
        assert!(validate_display_name("  Élodie  ").is_ok());
        assert!(validate_display_name("a\u{0}b").is_err());
        assert!(validate_display_name("   ").is_err());
        assert!(validate_display_name(" deleted USER ").is_err());
    }

    proptest! {
        #[test]
        fn validators_never_panic(s in ".{0,80}") {
            let _ = validate_username(&s);
            let _ = validate_password(&s);
            let _ = validate_email(&s);
            let _ = validate_color(&s);
            let _ = validate_display_name(&s);
            prop_assert!(avatar_color_for(&s).starts_with('#'));
        }
    }
}
