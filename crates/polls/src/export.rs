//! Downloads: every answer as CSV (for a spreadsheet), the chosen date as an iCalendar event.

use nichoir_core::time::now_ms;

use crate::model::{Answer, PollData};
use crate::tally::{option_title, Totals};
use crate::zone;

/// A header (Name, each option), a row per participant, then the totals. A cell that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is prefixed with `'`. The file starts
/// with a UTF-8 byte order mark: without it Excel reads "Béa" as "BÃ©a".
pub fn csv(data: &PollData, totals: &[Totals]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let mut header = vec!["Name".to_string()];
    header.extend(data.options.iter().map(|o| option_title(&o.spec)));
    w.write_record(header.iter().map(|s| defuse(s)))?;
    for v in &data.votes {
        let mut row = vec![defuse(&v.name)];
        row.extend(v.answers.iter().map(|a| {
            match a {
                Some(Answer::Yes) => "Yes",
                Some(Answer::Maybe) => "If need be",
                Some(Answer::No) => "No",
                None => "",
            }
            .to_string()
        }));
        w.write_record(&row)?;
    }
    let mut yes = vec!["Total yes".to_string()];
    yes.extend(totals.iter().map(|t| t.yes.to_string()));
    w.write_record(&yes)?;
    let mut maybe = vec!["Total if need be".to_string()];
    maybe.extend(totals.iter().map(|t| t.maybe.to_string()));
    w.write_record(&maybe)?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// RFC 5545 text escaping.
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn utc_stamp(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// The finalised option of a date poll as a one-event calendar; `None` if there is none.
pub fn ics(data: &PollData, host: &str, url: &str) -> Option<String> {
    let chosen = data.poll.final_option?;
    let o = data.options.iter().find(|o| o.id == chosen)?;
    let day = o.spec.date.as_deref()?;
    let tz = &data.poll.settings.timezone;
    let (start, end) = match (&o.spec.start, &o.spec.end) {
        (Some(s), e) => {
            let start = zone::instant_ms(day, s, tz)?;
            // A moment without an end is shown as one hour, as calendar apps default.
            let end = match e {
                Some(e) => zone::instant_ms(day, e, tz)?,
                None => start + 3_600_000,
            };
            (
                format!("DTSTART:{}", utc_stamp(start)),
                format!("DTEND:{}", utc_stamp(end)),
            )
        }
        (None, _) => (
            format!("DTSTART;VALUE=DATE:{}", day.replace('-', "")),
            format!("DTEND;VALUE=DATE:{}", zone::next_day(day)?.replace('-', "")),
        ),
    };
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Nichoir//Polls//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}-{}@{}", data.poll.id, o.id, ics_text(host)),
        format!("DTSTAMP:{}", utc_stamp(now_ms())),
        start,
        end,
        format!("SUMMARY:{}", ics_text(&data.poll.settings.title)),
        // Calendar apps show the description as plain text: the words, not the Markdown.
        format!(
            "DESCRIPTION:{}",
            ics_text(&nichoir_core::markdown::to_plain(
                &data.poll.settings.description
            ))
        ),
        format!("URL:{}", ics_text(url)),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ] {
        fold(&line, &mut out);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::tally::totals;

    fn data(start: Option<&str>, end: Option<&str>) -> PollData {
        PollData {
            poll: PollRow {
                id: "p1".into(),
                admin_token: "a".into(),
                settings: Settings {
                    kind: Kind::Date,
                    title: "Réunion; bureau, \"CA\"".into(),
                    description: "ligne 1\nligne 2 ".repeat(10),
                    author_name: "a".into(),
                    author_email: None,
                    timezone: "Europe/Paris".into(),
                    answers: AnswerMode::YesMaybeNo,
                    deadline: None,
                    results: Visibility::Everyone,
                    max_yes: None,
                    one_choice: false,
                    edit_mode: EditMode::Own,
                    notify_votes: false,
                    notify_comments: false,
                    remind: false,
                },
                owner_id: None,
                protected: false,
                closed: true,
                final_option: Some(3),
                reminder_sent: false,
                version: 1,
                created_at: 0,
                updated_at: 0,
                author_language: None,
            },
            options: vec![OptionRow {
                id: 3,
                spec: OptionSpec {
                    id: Some(3),
                    label: String::new(),
                    url: None,
                    image_url: None,
                    date: Some("2026-12-03".into()),
                    start: start.map(Into::into),
                    end: end.map(Into::into),
                },
            }],
            votes: vec![VoteRow {
                id: 1,
                name: "=HYPERLINK(\"x\")".into(),
                actor_id: None,
                edit_token_hash: String::new(),
                answers: vec![Some(Answer::Maybe)],
                created_at: 0,
                updated_at: 0,
            }],
            comments: vec![],
        }
    }

    #[test]
    fn ics_has_utc_times_escaped_text_and_folded_lines() {
        let text = ics(
            &data(Some("18:00"), Some("20:00")),
            "nichoir.example",
            "https://nichoir.example/poll/p1",
        )
        .expect("ics");
        assert!(text.contains("DTSTART:20261203T170000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20261203T190000Z\r\n"));
        assert!(text.contains("SUMMARY:Réunion\\; bureau\\, \"CA\""));
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
        assert!(text.contains("\\n"));
        let all_day = ics(&data(None, None), "h", "u").expect("ics");
        assert!(all_day.contains("DTSTART;VALUE=DATE:20261203"));
        assert!(all_day.contains("DTEND;VALUE=DATE:20261204"));
        let mut d = data(None, None);
        d.poll.settings.description = "**Bring** the [minutes](https://x.example/m)".into();
        let plain = ics(&d, "h", "u").expect("ics");
        assert!(
            plain.contains("DESCRIPTION:Bring the minutes\r\n"),
            "{plain}"
        );
        d.poll.final_option = None;
        assert!(ics(&d, "h", "u").is_none());
    }

    #[test]
    fn csv_defuses_formulas() {
        let d = data(None, None);
        let t = totals(1, &d.votes);
        let text = String::from_utf8(csv(&d, &t).expect("csv")).expect("utf8");
        assert!(text.starts_with("\u{feff}Name,2026-12-03\n"), "{text}");
        assert!(
            text.contains("\"'=HYPERLINK(\"\"x\"\")\",If need be"),
            "{text}"
        );
        assert!(text.contains("Total if need be,1"));
    }
}
