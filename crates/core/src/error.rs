//! One error vocabulary for the whole product: stable snake_case codes that the UI translates, one
//! mapping to an HTTP status, and a message that never carries internal details for 5xx errors.

use serde::{Deserialize, Serialize};

/// Stable error codes. Adding one is fine; renaming one breaks clients.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "core/")]
pub enum ErrorCode {
    BadRequest,
    InvalidJson,
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    CsrfFailed,
    /// The instance requires two-factor sign-in and this account has not set it up yet.
    TwoFactorRequired,
    OriginRejected,
    RegistrationClosed,
    InviteRequired,
    PasswordRequired,
    NotFound,
    MethodNotAllowed,
    Conflict,
    UsernameTaken,
    /// The person keeps as many favourites as they may (`auth.max_favourites`): one must go
    /// before another is starred.
    TooManyFavourites,
    PayloadTooLarge,
    /// An upload or import would take its owner past their storage quota.
    QuotaExceeded,
    HeadersTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    RateLimited,
    Unavailable,
    /// A sign-in through an OpenID Connect provider did not prove who the person is (a forged,
    /// replayed or expired state, a token that does not verify, a refused account).
    SsoFailed,
    /// The LDAP directory does not answer: directory accounts cannot sign in for now.
    DirectoryUnavailable,
    /// The action needs a recent sign-in: the account has no password of Nichoir's to ask for.
    ReauthenticationRequired,
    /// Realtime (pads): the pad was deleted while open.
    PadDeleted,
    /// Realtime (pads): an edit or a request names a revision the pad does not have yet.
    RevFromFuture,
    /// Realtime (pads): an edit or a frame that cannot be read or does not fit the text.
    InvalidOp,
    /// Realtime (pads): one edit inserts or deletes more than an edit may.
    OpTooLarge,
    /// Realtime (pads): the edit would take the pad past its maximum size.
    PadTooLarge,
    /// Realtime (video): the call's media connection failed or moved to another server; the
    /// client joins again.
    MediaFailed,
    Internal,
}

impl ErrorCode {
    /// The code named `s` (`"not_found"`…), if there is one.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::TwoFactorRequired => "two_factor_required",
            ErrorCode::OriginRejected => "origin_rejected",
            ErrorCode::RegistrationClosed => "registration_closed",
            ErrorCode::InviteRequired => "invite_required",
            ErrorCode::PasswordRequired => "password_required",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::TooManyFavourites => "too_many_favourites",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::HeadersTooLarge => "headers_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::SsoFailed => "sso_failed",
            ErrorCode::DirectoryUnavailable => "directory_unavailable",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::PadDeleted => "pad_deleted",
            ErrorCode::RevFromFuture => "rev_from_future",
            ErrorCode::InvalidOp => "invalid_op",
            ErrorCode::OpTooLarge => "op_too_large",
            ErrorCode::PadTooLarge => "pad_too_large",
            ErrorCode::MediaFailed => "media_failed",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status for this code; the only place that decides it.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::InvalidJson | ErrorCode::SsoFailed => 400,
            ErrorCode::Unauthenticated
            | ErrorCode::InvalidCredentials
            | ErrorCode::ReauthenticationRequired => 401,
            ErrorCode::Forbidden
            | ErrorCode::CsrfFailed
            | ErrorCode::TwoFactorRequired
            | ErrorCode::OriginRejected
            | ErrorCode::RegistrationClosed
            | ErrorCode::InviteRequired
            | ErrorCode::PasswordRequired => 403,
            ErrorCode::NotFound | ErrorCode::PadDeleted => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict | ErrorCode::UsernameTaken | ErrorCode::TooManyFavourites => 409,
            ErrorCode::PayloadTooLarge
            | ErrorCode::QuotaExceeded
            | ErrorCode::OpTooLarge
            | ErrorCode::PadTooLarge => 413,
            ErrorCode::HeadersTooLarge => 431,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed | ErrorCode::RevFromFuture | ErrorCode::InvalidOp => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable | ErrorCode::DirectoryUnavailable | ErrorCode::MediaFailed => {
                503
            }
            ErrorCode::Internal => 500,
        }
    }
}

/// The input a `validation_failed` error is about, named as the API names it. A closed list, so
/// that the UI has a sentence in each language for every one (its TypeScript union keys a record).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "core/")]
pub enum Field {
    // People and accounts.
    Username,
    Password,
    DisplayName,
    Email,
    AvatarColour,
    ValidHours,
    MaxUses,
    Label,
    // Shared by several tools.
    Title,
    Name,
    AuthorName,
    Description,
    Text,
    Url,
    Language,
    Kind,
    /// An item's id (a favourite's).
    Id,
    /// A list of items (favourites to remove).
    Items,
    Timezone,
    Emoji,
    Role,
    Visibility,
    /// A search query.
    Q,
    Before,
    After,
    // Polls.
    AuthorEmail,
    Deadline,
    Answers,
    Results,
    EditMode,
    MaxYes,
    Options,
    OptionLabel,
    OptionDate,
    OptionStart,
    OptionEnd,
    OptionUrl,
    OptionImageUrl,
    // Chat.
    Purpose,
    Header,
    Usernames,
    Channels,
    Level,
    FileIds,
    ClientId,
    RootId,
    Minutes,
    // Wikis.
    PageName,
    FileName,
    Slug,
    ThemeColor,
    EditPolicy,
    Template,
    SearchIndexable,
    BaseRev,
    Menu,
    // Pads.
    Comment,
    Selection,
    Rev,
    File,
    Format,
    // Notifications.
    Endpoint,
    #[serde(rename = "keys.p256dh")]
    KeysP256dh,
    #[serde(rename = "keys.auth")]
    KeysAuth,
    Ids,
    Scope,
    Tools,
    DndUntil,
    #[serde(rename = "schedule.start")]
    ScheduleStart,
    #[serde(rename = "schedule.end")]
    ScheduleEnd,
    #[serde(rename = "schedule.days")]
    ScheduleDays,
    #[serde(rename = "schedule.zone")]
    ScheduleZone,
}

impl Field {
    /// The field whose API name is `s`, if it is one of the list.
    pub fn parse(s: &str) -> Option<Field> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// Its API name (`"display_name"`, `"schedule.start"`…), as in the English messages.
    pub fn as_str(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{self:?}"),
        }
    }
}

/// What is wrong with a field, in words no language owns: the UI turns it into a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, export_to = "core/")]
pub enum Rule {
    /// Missing or empty.
    Required,
    /// More than `max` characters.
    TooLong { max: u64 },
    /// Fewer than `min` characters.
    TooShort { min: u64 },
    /// Not `min` to `max` characters long.
    Length { min: u64, max: u64 },
    /// More than `max` items.
    TooMany { max: u64 },
    /// Fewer than `min` items.
    TooFew { min: u64 },
    /// A number outside `min..=max`.
    OutOfRange { min: i64, max: i64 },
    /// Not of the expected shape; `example` is a well-formed value (no words in it).
    BadFormat { example: Option<String> },
    /// Not one of the values `allowed` (API tokens, no words to translate).
    NotOneOf { allowed: Vec<String> },
    /// Holds control characters.
    ControlCharacters,
    /// Holds `character` (a character or a sequence), which this field may not.
    ForbiddenCharacter { character: String },
    /// Starts or ends with `character`, which it may not.
    BadEdge { character: String },
    /// Listed twice.
    Duplicate,
    /// A value kept for the product's own use.
    Reserved,
    /// Names something that does not exist, or not here.
    Unknown,
    /// A date that must be in the future and is not.
    NotInFuture,
    /// An end that is not after its start.
    EndsBeforeStart,
    /// Not allowed in this case (a classic poll's option with a date…).
    NotAllowed,
    /// Refers to a state too old to use: reload.
    TooOld,
    /// Nested deeper than `max` levels.
    TooDeep { max: u64 },
}

impl Rule {
    /// The English wording, for API clients and logs.
    pub fn english(&self) -> String {
        match self {
            Rule::Required => "required".into(),
            Rule::TooLong { max } => format!("at most {max} characters"),
            Rule::TooShort { min } => format!("at least {min} characters"),
            Rule::Length { min, max } => format!("{min} to {max} characters"),
            Rule::TooMany { max } => format!("at most {max}"),
            Rule::TooFew { min } => format!("at least {min}"),
            Rule::OutOfRange { min, max } => format!("{min} to {max}"),
            Rule::BadFormat { example: Some(e) } => format!("a value such as {e}"),
            Rule::BadFormat { example: None } => "not in the expected format".into(),
            Rule::NotOneOf { allowed } => format!("one of {}", allowed.join(", ")),
            Rule::ControlCharacters => "no control characters".into(),
            Rule::ForbiddenCharacter { character } => format!("cannot contain '{character}'"),
            Rule::BadEdge { character } => format!("cannot start or end with '{character}'"),
            Rule::Duplicate => "listed twice".into(),
            Rule::Reserved => "reserved, choose another one".into(),
            Rule::Unknown => "unknown here".into(),
            Rule::NotInFuture => "must be in the future".into(),
            Rule::EndsBeforeStart => "end must be after start".into(),
            Rule::NotAllowed => "not allowed here".into(),
            Rule::TooOld => "too old: reload".into(),
            Rule::TooDeep { max } => format!("nested deeper than {max} levels"),
        }
    }
}

/// The structured detail of a `validation_failed` error: which field broke which rule. It travels
/// beside the English message (`{"error":{"code","message","invalid"}}`) so that the UI can word it
/// in the page's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "core/")]
pub struct Invalid {
    pub field: Field,
    /// The 1-based position of the item in a list (the third option of a poll), when the field
    /// is one of a list's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub index: Option<u32>,
    pub rule: Rule,
}

/// An error that can travel from any layer up to the HTTP edge.
#[derive(Debug, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Error {
    pub code: ErrorCode,
    /// Shown to the client. For `Internal` this is always a generic sentence.
    pub message: String,
    /// Seconds after which a throttled client may retry.
    pub retry_after_secs: Option<u64>,
    /// For `validation_failed`: the field and rule, for clients that word errors themselves.
    /// Boxed so that `Result<T, Error>` stays small.
    pub invalid: Option<Box<Invalid>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            retry_after_secs: None,
            invalid: None,
        }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, m)
    }
    pub fn validation(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, m)
    }
    /// A `validation_failed` error with its structured detail; the English message is
    /// `"<field>: <rule>"` ("title: at most 200 characters").
    pub fn invalid(field: Field, rule: Rule) -> Self {
        let message = format!("{}: {}", field.as_str(), rule.english());
        Self::validation(message).with_invalid(field, rule)
    }
    /// The same as `invalid`, for the `index`th (1-based) item of a list ("option 3: …").
    pub fn invalid_item(field: Field, index: usize, rule: Rule) -> Self {
        let message = format!("{} {index}: {}", field.as_str(), rule.english());
        Self::validation(message)
            .with_invalid(field, rule)
            .at(index)
    }
    /// `with_invalid` for code that names fields by their API name: nothing is added when the
    /// name is not in `Field`'s list (the English message still says it all).
    pub fn with_invalid_named(self, field: &str, rule: Rule) -> Self {
        match Field::parse(&field.replace(' ', "_")) {
            Some(f) => self.with_invalid(f, rule),
            None => self,
        }
    }
    /// Says which (1-based) item of a list the detail is about.
    pub fn at(mut self, index: usize) -> Self {
        if let Some(i) = self.invalid.as_mut() {
            i.index = u32::try_from(index).ok();
        }
        self
    }
    /// Adds the structured detail to an error whose English message says more than
    /// `Error::invalid` would.
    pub fn with_invalid(mut self, field: Field, rule: Rule) -> Self {
        self.invalid = Some(Box::new(Invalid {
            field,
            index: None,
            rule,
        }));
        self
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, m)
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "sign in first")
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, m)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Error {
            code: ErrorCode::RateLimited,
            message: format!("too many attempts, retry in {retry_after_secs} s"),
            retry_after_secs: Some(retry_after_secs),
            invalid: None,
        }
    }
    /// The JSON object an answer or an error frame carries: `code`, `message` and, for a
    /// validation failure that has it, `invalid`.
    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({"code": self.code.as_str(), "message": self.message});
        if let Some(invalid) = &self.invalid {
            if let (Some(obj), Ok(v)) = (body.as_object_mut(), serde_json::to_value(invalid)) {
                obj.insert("invalid".into(), v);
            }
        }
        body
    }
    /// An internal failure: the cause is logged here and never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing_free_log(&cause.to_string());
        Self::new(ErrorCode::Internal, "internal error, see the server log")
    }
}

// core has no tracing dependency; internal causes are logged by the HTTP edge, which sees the
// error; this keeps the cause visible on stderr when no edge logs it.
fn tracing_free_log(cause: &str) {
    eprintln!("internal error: {cause}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_statuses_honest() {
        assert_eq!(ErrorCode::CsrfFailed.as_str(), "csrf_failed");
        assert_eq!(
            serde_json::to_string(&ErrorCode::UsernameTaken).unwrap_or_default(),
            "\"username_taken\""
        );
        assert_eq!(ErrorCode::ValidationFailed.http_status(), 422);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        // Every code's text is its serde name (the realtime frames and HTTP answers agree).
        for code in [
            ErrorCode::PadDeleted,
            ErrorCode::RevFromFuture,
            ErrorCode::InvalidOp,
            ErrorCode::OpTooLarge,
            ErrorCode::PadTooLarge,
            ErrorCode::MediaFailed,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(
            Error::internal("db exploded").message,
            "internal error, see the server log"
        );
    }

    #[test]
    fn a_validation_error_carries_its_field_and_rule_beside_the_english_message() {
        let e = Error::invalid(Field::Title, Rule::TooLong { max: 200 });
        assert_eq!(
            e.body(),
            serde_json::json!({"code": "validation_failed",
                "message": "title: at most 200 characters",
                "invalid": {"field": "title", "rule": {"kind": "too_long", "max": 200}}})
        );
        let e = Error::invalid_item(
            Field::OptionDate,
            3,
            Rule::BadFormat {
                example: Some("2026-12-01".into()),
            },
        );
        assert_eq!(
            e.body()["invalid"],
            serde_json::json!({"field": "option_date", "index": 3,
                "rule": {"kind": "bad_format", "example": "2026-12-01"}})
        );
        // Without a detail the body keeps its old shape.
        assert_eq!(
            Error::not_found("no such poll").body(),
            serde_json::json!({"code": "not_found", "message": "no such poll"})
        );
        // Field names round-trip, dotted ones included.
        assert_eq!(Field::parse("schedule.start"), Some(Field::ScheduleStart));
        assert_eq!(Field::ScheduleStart.as_str(), "schedule.start");
        assert_eq!(Field::DisplayName.as_str(), "display_name");
        assert_eq!(Field::parse("nonsense"), None);
        // Control characters name the field when it is one of the list.
        let e = crate::text::check_controls("display name", "a\u{7}", crate::text::Lines::One)
            .expect_err("refused");
        assert_eq!(
            e.invalid.as_deref().map(|i| (i.field, i.rule.clone())),
            Some((Field::DisplayName, Rule::ControlCharacters))
        );
    }
}
