//! The decisions, with no I/O: does a notice pass a person's preferences, is it quiet time for
//! them, is a push subscription acceptable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use nichoir_core::notify::{Kind, Tool};
use nichoir_core::{Error, Field, Rule};

use crate::model::{Level, Preferences, Schedule};

/// A browser's push key that does not decode: only a broken browser sends one.
fn bad_key(field: Field, what: &str) -> Error {
    Error::validation(format!("{}: {what}", field.as_str()))
        .with_invalid(field, Rule::BadFormat { example: None })
}

/// Where a notice goes once preferences are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Nowhere: the person does not want it.
    Drop,
    /// The bell only, without a sound or a push (quiet hours).
    Quiet,
    /// The bell, an in-app alert and the person's devices.
    Loud,
}

/// `kind` for someone with `prefs` at `now_ms`.
pub fn route(prefs: &Preferences, kind: Kind, now_ms: i64) -> Route {
    let keep = match prefs.level(kind.tool()) {
        Level::None => false,
        Level::Mentions => kind.is_personal(),
        Level::All => true,
    };
    if !keep {
        Route::Drop
    } else if is_quiet(prefs, now_ms) {
        Route::Quiet
    } else {
        Route::Loud
    }
}

/// Do not disturb: until a moment the person chose, or within their weekly schedule.
pub fn is_quiet(prefs: &Preferences, now_ms: i64) -> bool {
    if prefs.dnd_until.is_some_and(|until| now_ms < until) {
        return true;
    }
    prefs
        .schedule
        .as_ref()
        .is_some_and(|s| in_schedule(s, now_ms))
}

/// Is `now_ms` inside the schedule, read in its zone? A window that ends before it starts runs
/// over midnight (22:00 → 07:00): its morning part belongs to the day it started.
pub fn in_schedule(s: &Schedule, now_ms: i64) -> bool {
    let Ok(zone) = jiff::tz::TimeZone::get(&s.zone) else {
        return false;
    };
    let Ok(ts) = jiff::Timestamp::from_millisecond(now_ms) else {
        return false;
    };
    let local = zone.to_datetime(ts);
    let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
    // 0 = Monday … 6 = Sunday.
    let day = local.weekday().to_monday_zero_offset();
    let on = |d: i8| s.days.contains(&(d as u8));
    let (start, end) = (i32::from(s.start), i32::from(s.end));
    if start == end {
        return false;
    }
    if start < end {
        on(day) && minute >= start && minute < end
    } else {
        (on(day) && minute >= start) || (on((day + 6) % 7) && minute < end)
    }
}

/// "22:30" → minutes after midnight.
pub fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The parts of a subscription, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub p256dh: String,
    pub auth: String,
}

const MAX_ENDPOINT: usize = 2048;

/// A browser's `PushSubscription`: an https URL of a push service (plain http only on loopback
/// when `loopback_http`), a P-256 public key (65 bytes, uncompressed) and a 16-byte secret, both
/// base64url. Never a URL naming a private or loopback address over https either: the server
/// would be made to post to its own network.
pub fn check_endpoint(
    url: &str,
    p256dh: &str,
    auth: &str,
    loopback_http: bool,
) -> Result<Endpoint, Error> {
    if url.len() > MAX_ENDPOINT {
        return Err(Error::validation("endpoint: at most 2048 characters")
            .with_invalid(Field::Endpoint, Rule::TooLong { max: 2048 }));
    }
    let bad_endpoint = |m: &str| {
        Error::validation(format!("endpoint: {m}")).with_invalid(
            Field::Endpoint,
            Rule::BadFormat {
                example: Some("https://push.example.org/…".into()),
            },
        )
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| bad_endpoint("not a URL"))?;
    let host = parsed.host().ok_or_else(|| bad_endpoint("no host"))?;
    let local = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        url::Host::Ipv6(ip) => {
            ip.is_loopback() || ip.is_unspecified() || (ip.segments()[0] & 0xfe00) == 0xfc00
        }
    };
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    // Push services have names (fcm.googleapis.com, updates.push.services.mozilla.com,
    // web.push.apple.com…): an address written as an IP is nobody's push service.
    let named = matches!(host, url::Host::Domain(_));
    match parsed.scheme() {
        "https" if !local && named => {}
        "http" | "https" if loopback_http && loopback => {}
        _ => return Err(bad_endpoint("the https address of a push service")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad_endpoint("no credentials in the URL"));
    }
    let key = URL_SAFE_NO_PAD
        .decode(p256dh.trim_end_matches('='))
        .map_err(|_| bad_key(Field::KeysP256dh, "base64url"))?;
    if key.len() != 65 || key[0] != 4 {
        return Err(bad_key(
            Field::KeysP256dh,
            "an uncompressed P-256 public key (65 bytes)",
        ));
    }
    if web_push_native::p256::PublicKey::from_sec1_bytes(&key).is_err() {
        return Err(bad_key(Field::KeysP256dh, "not a point of P-256"));
    }
    let secret = URL_SAFE_NO_PAD
        .decode(auth.trim_end_matches('='))
        .map_err(|_| bad_key(Field::KeysAuth, "base64url"))?;
    if secret.len() != 16 {
        return Err(bad_key(Field::KeysAuth, "16 bytes"));
    }
    Ok(Endpoint {
        url: parsed.to_string(),
        p256dh: URL_SAFE_NO_PAD.encode(&key),
        auth: URL_SAFE_NO_PAD.encode(&secret),
    })
}

/// `scheme://host[:port]` of a URL (the VAPID audience).
pub fn origin(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let origin = u.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The host a subscription sends through, shown in the list of devices.
pub fn service_host(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// Tools whose level a person may set, in the order the UI shows them.
pub const TOOLS: [Tool; 5] = [
    Tool::Chat,
    Tool::Polls,
    Tool::Wikis,
    Tool::Pads,
    Tool::Video,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prefs() -> Preferences {
        Preferences::default()
    }

    // 2026-12-07 is a Monday; 12:00 UTC is 13:00 in Paris.
    const MONDAY_NOON_UTC: i64 = 1_796_644_800_000;

    #[test]
    fn levels_choose_what_passes() {
        let mut p = prefs();
        assert_eq!(route(&p, Kind::Reply, 0), Route::Loud);
        p.tools.insert("chat", Level::Mentions);
        assert_eq!(route(&p, Kind::Reply, 0), Route::Drop);
        assert_eq!(route(&p, Kind::Mention, 0), Route::Loud);
        assert_eq!(route(&p, Kind::Direct, 0), Route::Loud);
        p.tools.insert("chat", Level::None);
        assert_eq!(route(&p, Kind::Direct, 0), Route::Drop);
        assert_eq!(route(&p, Kind::PollVote, 0), Route::Loud);
    }

    #[test]
    fn do_not_disturb_until_makes_it_quiet_then_ends() {
        let mut p = prefs();
        p.dnd_until = Some(1_000);
        assert_eq!(route(&p, Kind::Mention, 999), Route::Quiet);
        assert_eq!(route(&p, Kind::Mention, 1_000), Route::Loud);
    }

    #[test]
    fn a_schedule_is_read_in_its_zone_and_may_run_over_midnight() {
        let s = Schedule {
            start: 12 * 60 + 30,
            end: 14 * 60,
            days: vec![0],
            zone: "Europe/Paris".into(),
        };
        assert!(in_schedule(&s, MONDAY_NOON_UTC)); // 13:00 in Paris
        let utc = Schedule {
            zone: "UTC".into(),
            ..s.clone()
        };
        assert!(!in_schedule(&utc, MONDAY_NOON_UTC)); // 12:00 UTC, before 12:30
        let night = Schedule {
            start: 22 * 60,
            end: 7 * 60,
            days: vec![6], // Sunday night
            zone: "UTC".into(),
        };
        // Monday 05:00 UTC belongs to Sunday's night.
        assert!(in_schedule(&night, MONDAY_NOON_UTC - 7 * 3_600_000));
        assert!(!in_schedule(&night, MONDAY_NOON_UTC));
        let unknown = Schedule {
            zone: "Mars/Olympus".into(),
            ..s
        };
        assert!(!in_schedule(&unknown, MONDAY_NOON_UTC));
    }

    #[test]
    fn the_audience_is_the_whole_origin() {
        assert_eq!(
            origin("https://push.example.net/wpush/v2/abc").as_deref(),
            Some("https://push.example.net")
        );
        assert_eq!(
            origin("http://127.0.0.1:4000/push/x").as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(origin("nonsense"), None);
    }

    #[test]
    fn clocks_parse_and_print() {
        assert_eq!(parse_clock("07:05"), Some(425));
        assert_eq!(parse_clock("7:05"), Some(425));
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("12:60"), None);
        assert_eq!(parse_clock("noon"), None);
        assert_eq!(clock(425), "07:05");
    }

    fn key() -> String {
        // A real P-256 public key (from RFC 8291's example).
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
            .into()
    }

    #[test]
    fn endpoints_must_be_https_push_services_with_real_keys() {
        let auth = "BTBZMqHH6r4Tts7J_aSIgg";
        let ok = check_endpoint("https://push.example.net/wpush/v2/abc", &key(), auth, false)
            .expect("accepted");
        assert_eq!(ok.url, "https://push.example.net/wpush/v2/abc");
        for bad in [
            "http://push.example.net/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://[::1]/x",
            "https://8.8.8.8/x",
            "https://localhost/x",
            "ftp://push.example.net/x",
            "https://user:pw@push.example.net/x",
            "not a url",
        ] {
            assert!(check_endpoint(bad, &key(), auth, false).is_err(), "{bad}");
        }
        assert!(check_endpoint("http://127.0.0.1:9/x", &key(), auth, true).is_ok());
        assert!(check_endpoint("http://10.0.0.1:9/x", &key(), auth, true).is_err());
        let long = format!("https://push.example.net/{}", "a".repeat(3000));
        assert!(check_endpoint(&long, &key(), auth, false).is_err());
        assert!(check_endpoint("https://p.example/x", &"A".repeat(87), auth, false).is_err());
        assert!(check_endpoint("https://p.example/x", &key(), "short", false).is_err());
        let oversized = URL_SAFE_NO_PAD.encode([4u8; 4096]);
        assert!(check_endpoint("https://p.example/x", &oversized, auth, false).is_err());
    }

    proptest! {
        #[test]
        fn no_input_makes_the_endpoint_check_panic(url in ".{0,300}", k in ".{0,120}", a in ".{0,40}") {
            let _ = check_endpoint(&url, &k, &a, true);
        }

        #[test]
        fn schedules_never_panic(start in 0u16..1440, end in 0u16..1440, now in 0i64..4_000_000_000_000) {
            let s = Schedule { start, end, days: vec![0, 1, 2, 3, 4, 5, 6], zone: "Europe/Paris".into() };
            let inside = in_schedule(&s, now);
            if start == end { prop_assert!(!inside); }
        }
    }
}
