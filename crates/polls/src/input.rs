//! Request bodies and their validation: plain functions, no I/O. Every rule of the issue's "bad
//! input" list lives here, so a request is refused whole before anything is stored.

use std::collections::HashSet;

use nichoir_core::text::{has_refused_control, Lines};
use nichoir_core::{Error, Field, Rule};
use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use crate::model::{Answer, AnswerMode, EditMode, Kind, OptionSpec, Settings, Visibility};
use crate::zone;

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_NAME: usize = 64;
pub const MAX_LABEL: usize = 500;
pub const MAX_URL: usize = 2_000;
pub const MAX_COMMENT: usize = 2_000;
pub const MAX_YES_LIMIT: i64 = 100_000;

/// One option as sent when creating or editing a poll: a label (classic poll) or a day with
/// optional times (date poll).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/", optional_fields = nullable)]
pub struct OptionInput {
    /// An existing option kept by an edit (a new poll's options have none).
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
}

/// `POST /api/v1/polls`. The words (`kind`, `answers`, `results`, `edit_mode`) are read as text
/// and checked with the rest, so a wrong one is refused with the field's name.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/", optional_fields = nullable)]
pub struct NewPoll {
    #[schemars(with = "Kind")]
    #[ts(as = "Kind")]
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub author_name: String,
    #[serde(default)]
    pub author_email: Option<String>,
    /// An IANA zone (UTC when left out).
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<AnswerMode>")]
    #[ts(as = "Option<AnswerMode>")]
    pub answers: Option<String>,
    /// An RFC 3339 instant in the future.
    #[serde(default)]
    pub deadline: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<Visibility>")]
    #[ts(as = "Option<Visibility>")]
    pub results: Option<String>,
    #[serde(default)]
    pub max_yes: Option<i64>,
    #[serde(default)]
    pub one_choice: bool,
    #[serde(default)]
    #[schemars(with = "Option<EditMode>")]
    #[ts(as = "Option<EditMode>")]
    pub edit_mode: Option<String>,
    #[serde(default)]
    pub notify_votes: bool,
    #[serde(default)]
    pub notify_comments: bool,
    #[serde(default)]
    pub remind: bool,
    pub options: Vec<OptionInput>,
    /// The language of the page the poll is created in ("en" or "fr"): the mails to its author
    /// speak it (a signed-in author's own choice, when they made one, comes first). Left out:
    /// the request's `Accept-Language`, else the instance's language.
    #[serde(default)]
    pub language: Option<String>,
}

/// An admin's change: absent fields stay as they are. `Option<Option<_>>` tells "set to null"
/// (`"deadline": null`) from "not given".
#[derive(Debug, Deserialize, Default, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/", optional_fields)]
pub struct PollPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub author_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub author_email: Option<Option<String>>,
    pub timezone: Option<String>,
    #[schemars(with = "Option<AnswerMode>")]
    #[ts(as = "Option<AnswerMode>")]
    pub answers: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub deadline: Option<Option<String>>,
    /// A new password; null removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub password: Option<Option<String>>,
    #[schemars(with = "Option<Visibility>")]
    #[ts(as = "Option<Visibility>")]
    pub results: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub max_yes: Option<Option<i64>>,
    pub one_choice: Option<bool>,
    #[schemars(with = "Option<EditMode>")]
    #[ts(as = "Option<EditMode>")]
    pub edit_mode: Option<String>,
    pub notify_votes: Option<bool>,
    pub notify_comments: Option<bool>,
    pub remind: Option<bool>,
    /// Closes or reopens voting.
    pub closed: Option<bool>,
    /// The whole new list: options with an `id` are kept (with their answers), the others added,
    /// the missing ones removed.
    pub options: Option<Vec<OptionInput>>,
}

fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A row of answers (a vote, or a change of one).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/", optional_fields = nullable)]
pub struct Ballot {
    pub name: String,
    /// Option id (as a string, JSON object keys are strings) → "yes" | "maybe" | "no".
    #[schemars(with = "std::collections::BTreeMap<String, Answer>")]
    #[ts(as = "std::collections::BTreeMap<String, Answer>")]
    pub answers: std::collections::BTreeMap<String, String>,
    /// The row's personal edit token (changing a row on a poll whose rows are their owners').
    #[serde(default)]
    pub edit_token: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/")]
pub struct NewComment {
    pub author_name: String,
    pub text: String,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The error for `field`, or for the `index`th (1-based) item of a list when there is one.
fn bad(field: Field, index: Option<usize>, rule: Rule) -> Error {
    match index {
        // Only options' fields come with an index; the English says "option 3" as it always has.
        Some(n) => Error::validation(format!("option {n}: {}", rule.english()))
            .with_invalid(field, rule)
            .at(n),
        None => Error::invalid(field, rule),
    }
}

fn too_long(max: usize) -> Rule {
    Rule::TooLong { max: max as u64 }
}

/// A trimmed single-line text of 1..=max characters, without control characters.
pub fn line(field: Field, s: &str, max: usize) -> Result<String, Error> {
    line_at(field, None, s, max)
}

fn line_at(field: Field, index: Option<usize>, s: &str, max: usize) -> Result<String, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Err(bad(field, index, Rule::Required));
    }
    if chars(t) > max {
        return Err(bad(field, index, too_long(max)));
    }
    if has_refused_control(t, Lines::One) {
        return Err(bad(field, index, Rule::ControlCharacters));
    }
    Ok(t.to_string())
}

pub fn name(s: &str) -> Result<String, Error> {
    line(Field::Name, s, MAX_NAME)
}

pub fn description(s: &str) -> Result<String, Error> {
    if chars(s) > MAX_DESCRIPTION {
        return Err(Error::invalid(
            Field::Description,
            too_long(MAX_DESCRIPTION),
        ));
    }
    let t = s.replace("\r\n", "\n");
    nichoir_core::text::check_controls("description", &t, nichoir_core::text::Lines::Many)?;
    Ok(t.trim_end().to_string())
}

fn hh_mm() -> Rule {
    Rule::BadFormat {
        example: Some("14:30".into()),
    }
}

pub fn comment_text(s: &str) -> Result<String, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(Field::Text, Rule::Required));
    }
    if chars(t) > MAX_COMMENT {
        return Err(Error::invalid(Field::Text, too_long(MAX_COMMENT)));
    }
    let t = t.replace("\r\n", "\n");
    nichoir_core::text::check_controls("text", &t, nichoir_core::text::Lines::Many)?;
    Ok(t)
}

fn email(s: Option<&str>) -> Result<Option<String>, Error> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(e) if nichoir_mail::is_address(e) => Ok(Some(e.to_string())),
        Some(_) => Err(
            Error::validation("author_email: not a mail address").with_invalid(
                Field::AuthorEmail,
                Rule::BadFormat {
                    example: Some("name@example.org".into()),
                },
            ),
        ),
    }
}

/// The languages mails are written in.
const MAIL_LANGUAGES: [&str; 2] = ["en", "fr"];

/// The language a new poll's author used: the one the page sent, else the best of the
/// request's `Accept-Language` that mails are written in, else none (the instance's).
pub fn author_language(
    sent: Option<&str>,
    accept_language: Option<&str>,
) -> Result<Option<&'static str>, Error> {
    if let Some(l) = sent.map(str::trim).filter(|l| !l.is_empty()) {
        return match MAIL_LANGUAGES.iter().find(|m| **m == l) {
            Some(m) => Ok(Some(m)),
            None => Err(Error::invalid(
                Field::Language,
                Rule::NotOneOf {
                    allowed: MAIL_LANGUAGES.iter().map(|l| l.to_string()).collect(),
                },
            )),
        };
    }
    Ok(accept_language.and_then(preferred_language))
}

/// The first of `MAIL_LANGUAGES` by weight in an `Accept-Language` header ("fr-CH, fr;q=0.9,
/// en;q=0.8"), ties in the header's order; a tag weighted 0 is refused, a malformed one skipped.
fn preferred_language(header: &str) -> Option<&'static str> {
    let mut best: Option<(&'static str, u16)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        let Some(lang) = MAIL_LANGUAGES.iter().find(|m| **m == primary) else {
            continue;
        };
        let mut weight = 1000u16;
        for p in parts {
            if let Some(q) = p.trim().strip_prefix("q=") {
                weight = match q.trim().parse::<f32>() {
                    Ok(v) if (0.0..=1.0).contains(&v) => (v * 1000.0).round() as u16,
                    _ => 0,
                };
            }
        }
        if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
            best = Some((lang, weight));
        }
    }
    best.map(|(l, _)| l)
}

fn http_url(field: Field, index: usize, s: Option<&str>) -> Result<Option<String>, Error> {
    let Some(u) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let lower = u.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && u.len() <= MAX_URL
        && !u
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if !ok {
        let rule = if u.len() > MAX_URL {
            too_long(MAX_URL)
        } else {
            Rule::BadFormat {
                example: Some("https://example.org/".into()),
            }
        };
        return Err(Error::validation(format!(
            "option {index} {}: an http(s) link of at most {MAX_URL} characters",
            field.as_str().trim_start_matches("option_")
        ))
        .with_invalid(field, rule)
        .at(index));
    }
    Ok(Some(u.to_string()))
}

pub fn password(s: &str) -> Result<String, Error> {
    if chars(s) < 4 || s.len() > 1024 {
        return Err(Error::invalid(
            Field::Password,
            Rule::Length { min: 4, max: 1024 },
        ));
    }
    Ok(s.to_string())
}

/// An RFC 3339 instant, as ms since the epoch.
pub fn instant(field: Field, s: &str) -> Result<i64, Error> {
    let ts: jiff::Timestamp = s.parse().map_err(|_| {
        Error::validation(format!(
            "{}: an RFC 3339 date-time such as 2026-12-01T22:59:00Z",
            field.as_str()
        ))
        .with_invalid(
            field,
            Rule::BadFormat {
                example: Some("2026-12-01T22:59:00Z".into()),
            },
        )
    })?;
    let ms = ts.as_millisecond();
    let year = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).year();
    if !(1970..=2199).contains(&year) {
        return Err(
            Error::validation(format!("{}: out of range", field.as_str())).with_invalid(
                field,
                Rule::BadFormat {
                    example: Some("2026-12-01T22:59:00Z".into()),
                },
            ),
        );
    }
    Ok(ms)
}

fn enum_field<T>(
    field: Field,
    s: Option<&str>,
    default: T,
    parse: fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Result<T, Error> {
    match s {
        None => Ok(default),
        Some(v) => parse(v).ok_or_else(|| {
            Error::invalid(
                field,
                Rule::NotOneOf {
                    allowed: allowed.iter().map(|a| a.to_string()).collect(),
                },
            )
        }),
    }
}

pub fn kind(s: &str) -> Result<Kind, Error> {
    Kind::parse(s).ok_or_else(|| {
        Error::validation("kind: date or classic").with_invalid(
            Field::Kind,
            Rule::NotOneOf {
                allowed: vec!["date".into(), "classic".into()],
            },
        )
    })
}

pub fn answer_mode(s: Option<&str>) -> Result<AnswerMode, Error> {
    enum_field(
        Field::Answers,
        s,
        AnswerMode::YesMaybeNo,
        AnswerMode::parse,
        &["yes_maybe_no", "yes_no"],
    )
}

pub fn visibility(s: Option<&str>) -> Result<Visibility, Error> {
    enum_field(
        Field::Results,
        s,
        Visibility::Everyone,
        Visibility::parse,
        &["everyone", "after_voting", "admin"],
    )
}

pub fn edit_mode(s: Option<&str>) -> Result<EditMode, Error> {
    enum_field(
        Field::EditMode,
        s,
        EditMode::Own,
        EditMode::parse,
        &["none", "own", "anyone"],
    )
}

pub fn timezone(s: Option<&str>) -> Result<String, Error> {
    let tz = s.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("UTC");
    if !zone::is_known_zone(tz) {
        return Err(Error::validation(format!(
            "timezone: `{tz}` is not a known time zone (IANA name such as Europe/Paris)"
        ))
        .with_invalid(
            Field::Timezone,
            Rule::BadFormat {
                example: Some("Europe/Paris".into()),
            },
        ));
    }
    Ok(tz.to_string())
}

pub fn max_yes(v: Option<i64>) -> Result<Option<i64>, Error> {
    match v {
        Some(n) if !(1..=MAX_YES_LIMIT).contains(&n) => Err(Error::invalid(
            Field::MaxYes,
            Rule::OutOfRange {
                min: 1,
                max: MAX_YES_LIMIT,
            },
        )),
        other => Ok(other),
    }
}

/// Validates the option list of a poll of `kind`: 1..=max items, each well formed, no two alike.
/// Date options come back sorted by day and time, as a calendar reads.
pub fn options(kind: Kind, items: &[OptionInput], max: usize) -> Result<Vec<OptionSpec>, Error> {
    if items.is_empty() {
        return Err(Error::validation("options: at least one option")
            .with_invalid(Field::Options, Rule::TooFew { min: 1 }));
    }
    if items.len() > max {
        return Err(Error::invalid(
            Field::Options,
            Rule::TooMany { max: max as u64 },
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    let mut ids = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        if let Some(id) = item.id {
            if !ids.insert(id) {
                return Err(
                    Error::validation(format!("options: option id {id} is listed twice"))
                        .with_invalid(Field::Options, Rule::Duplicate)
                        .at(n),
                );
            }
        }
        let spec = match kind {
            Kind::Classic => {
                if item.date.is_some() || item.start.is_some() || item.end.is_some() {
                    return Err(Error::validation(format!(
                        "option {n}: a classic poll's options have a label, not a date"
                    ))
                    .with_invalid(Field::OptionDate, Rule::NotAllowed)
                    .at(n));
                }
                let label = line_at(
                    Field::OptionLabel,
                    Some(n),
                    item.label.as_deref().unwrap_or(""),
                    MAX_LABEL,
                )?;
                OptionSpec {
                    id: item.id,
                    label,
                    url: http_url(Field::OptionUrl, n, item.url.as_deref())?,
                    image_url: http_url(Field::OptionImageUrl, n, item.image_url.as_deref())?,
                    date: None,
                    start: None,
                    end: None,
                }
            }
            Kind::Date => {
                if item.label.as_deref().is_some_and(|l| !l.is_empty())
                    || item.url.is_some()
                    || item.image_url.is_some()
                {
                    return Err(Error::validation(format!(
                        "option {n}: a date poll's options have a date, not a label"
                    ))
                    .with_invalid(Field::OptionLabel, Rule::NotAllowed)
                    .at(n));
                }
                let day = item.date.as_deref().unwrap_or("");
                if zone::parse_day(day).is_none() {
                    return Err(Error::validation(format!(
                        "option {n}: date must be YYYY-MM-DD between 1970 and 2199"
                    ))
                    .with_invalid(
                        Field::OptionDate,
                        Rule::BadFormat {
                            example: Some("2026-12-01".into()),
                        },
                    )
                    .at(n));
                }
                let start = item.start.as_deref().filter(|s| !s.is_empty());
                let end = item.end.as_deref().filter(|s| !s.is_empty());
                let parsed_start = match start {
                    Some(s) => Some(zone::parse_time(s).ok_or_else(|| {
                        Error::validation(format!("option {n}: start must be HH:MM"))
                            .with_invalid(Field::OptionStart, hh_mm())
                            .at(n)
                    })?),
                    None => None,
                };
                if let Some(e) = end {
                    let e = zone::parse_time(e).ok_or_else(|| {
                        Error::validation(format!("option {n}: end must be HH:MM"))
                            .with_invalid(Field::OptionEnd, hh_mm())
                            .at(n)
                    })?;
                    match parsed_start {
                        None => {
                            return Err(Error::validation(format!(
                                "option {n}: an end time needs a start time"
                            ))
                            .with_invalid(Field::OptionStart, Rule::Required)
                            .at(n))
                        }
                        Some(s) if e <= s => {
                            return Err(Error::validation(format!(
                                "option {n}: end must be after start"
                            ))
                            .with_invalid(Field::OptionEnd, Rule::EndsBeforeStart)
                            .at(n))
                        }
                        _ => {}
                    }
                }
                OptionSpec {
                    id: item.id,
                    label: String::new(),
                    url: None,
                    image_url: None,
                    date: Some(day.to_string()),
                    start: start.map(str::to_string),
                    end: end.map(str::to_string),
                }
            }
        };
        let key = match kind {
            Kind::Classic => spec.label.to_lowercase(),
            Kind::Date => format!("{:?}|{:?}|{:?}", spec.date, spec.start, spec.end),
        };
        if !seen.insert(key) {
            return Err(
                Error::validation(format!("option {n}: the same option is listed twice"))
                    .with_invalid(Field::Options, Rule::Duplicate)
                    .at(n),
            );
        }
        out.push(spec);
    }
    if kind == Kind::Date {
        out.sort_by(|a, b| (&a.date, &a.start, &a.end).cmp(&(&b.date, &b.start, &b.end)));
    }
    Ok(out)
}

/// Validates a new poll's settings and options. `now` decides whether the deadline is past.
pub fn new_poll(
    p: &NewPoll,
    max_options: usize,
    now: i64,
) -> Result<(Settings, Vec<OptionSpec>), Error> {
    let kind = kind(&p.kind)?;
    let deadline = match p.deadline.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => {
            let ms = instant(Field::Deadline, d)?;
            if ms <= now {
                return Err(Error::invalid(Field::Deadline, Rule::NotInFuture));
            }
            Some(ms)
        }
        None => None,
    };
    if let Some(pw) = &p.password {
        password(pw)?;
    }
    let settings = Settings {
        kind,
        title: line(Field::Title, &p.title, MAX_TITLE)?,
        description: description(&p.description)?,
        author_name: line(Field::AuthorName, &p.author_name, MAX_NAME)?,
        author_email: email(p.author_email.as_deref())?,
        timezone: timezone(p.timezone.as_deref())?,
        answers: answer_mode(p.answers.as_deref())?,
        deadline,
        results: visibility(p.results.as_deref())?,
        max_yes: max_yes(p.max_yes)?,
        one_choice: p.one_choice,
        edit_mode: edit_mode(p.edit_mode.as_deref())?,
        notify_votes: p.notify_votes,
        notify_comments: p.notify_comments,
        remind: p.remind,
    };
    if p.options.iter().any(|o| o.id.is_some()) {
        return Err(
            Error::validation("options: a new poll's options have no id")
                .with_invalid(Field::Options, Rule::NotAllowed),
        );
    }
    let options = options(kind, &p.options, max_options)?;
    Ok((settings, options))
}

/// Applies an admin's patch to the settings (the options and `closed` are handled by the caller).
pub fn patch_settings(current: &Settings, p: &PollPatch) -> Result<Settings, Error> {
    let mut s = current.clone();
    if let Some(t) = &p.title {
        s.title = line(Field::Title, t, MAX_TITLE)?;
    }
    if let Some(d) = &p.description {
        s.description = description(d)?;
    }
    if let Some(a) = &p.author_name {
        s.author_name = line(Field::AuthorName, a, MAX_NAME)?;
    }
    if let Some(e) = &p.author_email {
        s.author_email = email(e.as_deref())?;
    }
    if let Some(tz) = &p.timezone {
        s.timezone = timezone(Some(tz))?;
    }
    if let Some(a) = &p.answers {
        s.answers = answer_mode(Some(a))?;
    }
    if let Some(d) = &p.deadline {
        s.deadline = match d.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(instant(Field::Deadline, d)?),
            None => None,
        };
    }
    if let Some(Some(pw)) = &p.password {
        password(pw)?;
    }
    if let Some(r) = &p.results {
        s.results = visibility(Some(r))?;
    }
    if let Some(m) = p.max_yes {
        s.max_yes = max_yes(m)?;
    }
    if let Some(o) = p.one_choice {
        s.one_choice = o;
    }
    if let Some(e) = &p.edit_mode {
        s.edit_mode = edit_mode(Some(e))?;
    }
    if let Some(v) = p.notify_votes {
        s.notify_votes = v;
    }
    if let Some(v) = p.notify_comments {
        s.notify_comments = v;
    }
    if let Some(v) = p.remind {
        s.remind = v;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authors_language_is_the_pages_else_the_browsers() {
        assert_eq!(
            author_language(Some("fr"), Some("en")).ok(),
            Some(Some("fr"))
        );
        assert_eq!(
            author_language(Some(" "), Some("fr-FR")).ok(),
            Some(Some("fr"))
        );
        assert!(author_language(Some("de"), None).is_err());
        assert_eq!(author_language(None, None).ok(), Some(None));
        let accept = |h: &str| author_language(None, Some(h)).ok().flatten();
        assert_eq!(accept("fr-CH, fr;q=0.9, en;q=0.8"), Some("fr"));
        assert_eq!(accept("de-DE, en;q=0.5, fr;q=0.7"), Some("fr"));
        assert_eq!(accept("en-GB,fr"), Some("en"));
        assert_eq!(accept("fr;q=0, en;q=0.1"), Some("en"));
        assert_eq!(accept("de, *;q=0.5"), None);
        assert_eq!(accept("fr;q=abc"), None);
        assert_eq!(accept(""), None);
    }

    fn date(d: &str, start: Option<&str>, end: Option<&str>) -> OptionInput {
        OptionInput {
            id: None,
            label: None,
            url: None,
            image_url: None,
            date: Some(d.into()),
            start: start.map(Into::into),
            end: end.map(Into::into),
        }
    }

    fn classic(label: &str) -> OptionInput {
        OptionInput {
            id: None,
            label: Some(label.into()),
            url: None,
            image_url: None,
            date: None,
            start: None,
            end: None,
        }
    }

    #[test]
    fn date_options_are_checked_and_sorted() {
        let got = options(
            Kind::Date,
            &[
                date("2026-12-04", None, None),
                date("2026-12-03", Some("18:00"), Some("20:00")),
                date("2026-12-03", Some("09:00"), None),
            ],
            300,
        )
        .expect("valid");
        let order: Vec<_> = got
            .iter()
            .map(|o| (o.date.clone().unwrap_or_default(), o.start.clone()))
            .collect();
        assert_eq!(order[0], ("2026-12-03".into(), Some("09:00".into())));
        assert_eq!(order[2].0, "2026-12-04");
        for bad in [
            vec![],
            vec![date("2026-13-01", None, None)],
            vec![date("1969-12-31", None, None)],
            vec![date("2026-12-01", None, Some("10:00"))],
            vec![date("2026-12-01", Some("10:00"), Some("09:00"))],
            vec![date("2026-12-01", Some("25:00"), None)],
            vec![
                date("2026-12-01", None, None),
                date("2026-12-01", None, None),
            ],
            vec![classic("Pizza")],
        ] {
            assert!(options(Kind::Date, &bad, 300).is_err(), "{bad:?}");
        }
        let many: Vec<_> = (0..301).map(|i| classic(&format!("o{i}"))).collect();
        assert!(options(Kind::Classic, &many, 300).is_err());
        assert!(options(Kind::Classic, &many[..300], 300).is_ok());
    }

    #[test]
    fn classic_options_reject_duplicates_and_bad_links() {
        assert!(options(Kind::Classic, &[classic("Pizza"), classic(" pizza ")], 300).is_err());
        assert!(options(Kind::Classic, &[classic("")], 300).is_err());
        let mut o = classic("Sushi");
        o.url = Some("javascript:alert(1)".into());
        assert!(options(Kind::Classic, &[o], 300).is_err());
        let mut o = classic("<b>Sushi</b>");
        o.image_url = Some("https://example.org/s.png".into());
        let got = options(Kind::Classic, &[o], 300).expect("valid");
        assert_eq!(
            got[0].label, "<b>Sushi</b>",
            "HTML is kept as text, escaped when shown"
        );
    }

    #[test]
    fn names_and_texts_have_limits() {
        assert!(name(&"x".repeat(64)).is_ok());
        assert!(name(&"x".repeat(65)).is_err());
        assert!(name("   ").is_err());
        assert!(name("a\u{0}b").is_err());
        assert!(description(&"é".repeat(10_000)).is_ok());
        assert!(description(&"é".repeat(10_001)).is_err());
        assert!(timezone(Some("Nowhere/Land")).is_err());
        assert!(instant(Field::Deadline, "tomorrow").is_err());
        assert!(instant(Field::Deadline, "2026-12-01T22:59:00Z").is_ok());
        assert!(instant(Field::Deadline, "2300-12-01T22:59:00Z").is_err());
        assert!(max_yes(Some(0)).is_err());
    }
}
