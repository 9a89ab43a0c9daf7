//! Dates, times and time zones of date polls, with the bundled tz database (the server does not
//! depend on the host's zoneinfo). Options are stored as the author wrote them (a day and
//! wall-clock times in the poll's zone); instants are derived for browsers and calendars.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// Earliest and latest day a poll may offer.
const MIN_YEAR: i16 = 1970;
const MAX_YEAR: i16 = 2199;

pub fn is_known_zone(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && TimeZone::get(name).is_ok()
}

/// `YYYY-MM-DD` within the allowed years.
pub fn parse_day(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    let d: Date = s.parse().ok()?;
    (MIN_YEAR..=MAX_YEAR).contains(&d.year()).then_some(d)
}

/// `HH:MM`, 24-hour.
pub fn parse_time(s: &str) -> Option<Time> {
    let b = s.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let h = (b[0] - b'0') * 10 + (b[1] - b'0');
    let m = (b[3] - b'0') * 10 + (b[4] - b'0');
    Time::new(h as i8, m as i8, 0, 0).ok()
}

/// The instant (ms since the epoch) of a wall-clock time on a day in a zone. A time that falls
/// in a daylight-saving gap moves forward, as calendars do.
pub fn instant_ms(day: &str, time: &str, zone: &str) -> Option<i64> {
    let (d, t) = (parse_day(day)?, parse_time(time)?);
    let tz = TimeZone::get(zone).ok()?;
    Some(tz.to_timestamp(d.to_datetime(t)).ok()?.as_millisecond())
}

/// The day after `day` (`YYYY-MM-DD`), for all-day calendar events.
pub fn next_day(day: &str) -> Option<String> {
    parse_day(day)?.tomorrow().ok().map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert!(is_known_zone("Europe/Paris"));
        assert!(is_known_zone("UTC"));
        assert!(is_known_zone("America/Argentina/Buenos_Aires"));
        assert!(!is_known_zone("Mars/Olympus"));
        assert!(!is_known_zone(""));
        assert!(!is_known_zone("../../etc/passwd"));
    }

    #[test]
    fn days_and_times() {
        assert!(parse_day("2026-12-03").is_some());
        assert!(parse_day("2026-02-30").is_none());
        assert!(parse_day("1969-12-31").is_none());
        assert!(parse_day("2200-01-01").is_none());
        assert!(parse_day("2026-1-3").is_none());
        assert!(parse_time("18:30").is_some());
        assert!(parse_time("24:00").is_none());
        assert!(parse_time("7:30").is_none());
        assert!(parse_time("18:60").is_none());
        assert!(parse_time("１８:30").is_none());
    }

    #[test]
    fn instants_follow_the_zone_and_daylight_saving() {
        // Paris is UTC+1 in winter and UTC+2 in summer.
        assert_eq!(
            instant_ms("2026-12-03", "18:00", "Europe/Paris"),
            Some(1_796_317_200_000)
        );
        assert_eq!(
            instant_ms("2026-07-03", "18:00", "Europe/Paris"),
            Some(1_783_094_400_000)
        );
        assert_eq!(
            instant_ms("2026-12-03", "18:00", "UTC"),
            Some(1_796_320_800_000)
        );
        assert_eq!(next_day("2026-12-31").as_deref(), Some("2027-01-01"));
    }
}
