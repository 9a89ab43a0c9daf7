//! Time as the product stores it: milliseconds since the Unix epoch, shown as RFC 3339 in UTC.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// The instant an RFC 3339 date names, in ms since the epoch (the inverse of [`rfc3339`]).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Midnight UTC of a `YYYY-MM-DD` day, in ms since the epoch.
pub fn day_start_ms(day: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day, &format).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// Serde helpers so that API structs keep `i64` milliseconds and still emit RFC 3339.
pub mod serde_rfc3339 {
    pub fn serialize<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*ms))
    }
    pub mod option {
        pub fn serialize<S: serde::Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
            match ms {
                Some(ms) => s.serialize_str(&super::super::rfc3339(*ms)),
                None => s.serialize_none(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(super::day_start_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(super::day_start_ms("2026-02-30"), None);
        assert_eq!(super::parse_rfc3339(&super::rfc3339(1_500)), Some(1_500));
        assert_eq!(super::parse_rfc3339("yesterday"), None);
    }
}
