//! The polls API's answers and realtime events, as sent (docs/polls-api.md). Request bodies are in
//! `input`. Every type here is described in the OpenAPI document and exported to TypeScript
//! (`web/src/generated/polls/`). Times are RFC 3339 texts.

use nichoir_core::time::serde_rfc3339;
use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use crate::model::{Answer, AnswerMode, ClosedReason, EditMode, Kind, Visibility};

/// A poll's settings and state, as every viewer sees them.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct Poll {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered to safe HTML.
    pub description_html: String,
    pub author_name: String,
    /// The IANA zone the dates and times of a date poll are in.
    pub timezone: String,
    pub answers: AnswerMode,
    pub deadline: Option<String>,
    pub results: Visibility,
    /// Places per option ("yes" answers), when limited.
    pub max_yes: Option<i64>,
    pub one_choice: bool,
    pub edit_mode: EditMode,
    /// Voting is closed (by the admin or by the deadline).
    pub closed: bool,
    pub closed_reason: Option<ClosedReason>,
    /// The option the admin chose.
    pub final_option: Option<i64>,
    /// A password is asked before the poll is shown.
    pub protected: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Bumped by every change (the `changed` event carries it).
    pub version: i64,
}

/// One option with its totals (null where the viewer may not see them).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct PollOption {
    pub id: i64,
    /// A classic poll's option; empty in a date poll.
    pub label: String,
    pub url: Option<String>,
    pub image_url: Option<String>,
    /// A date poll's day (YYYY-MM-DD) and times (HH:MM) in the poll's zone.
    pub date: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    /// The start and end as instants.
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub yes: Option<u32>,
    pub maybe: Option<u32>,
    pub no: Option<u32>,
    /// Places left, when places are limited (shown even when the answers are hidden).
    pub remaining: Option<i64>,
}

/// One participant's row of answers.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct Participant {
    pub id: i64,
    pub name: String,
    /// In the options' order; null where the row gave no answer.
    pub answers: Vec<Option<Answer>>,
    pub created_at: String,
    pub updated_at: String,
    // Kept last: the cached view appends it per viewer to the rest of the row.
    /// This viewer may change or delete the row.
    pub editable: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct PollComment {
    pub id: i64,
    pub author_name: String,
    pub text: String,
    pub created_at: String,
    /// The viewer is the poll's admin.
    pub deletable: bool,
}

/// What only the poll's admin sees.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct AdminInfo {
    pub author_email: Option<String>,
    pub notify_votes: bool,
    pub notify_comments: bool,
    pub remind: bool,
    /// When the poll will be deleted, if the instance purges old polls.
    pub purge_at: Option<String>,
    pub public_url: String,
    pub admin_url: String,
    /// The instance sends mail (notifications and reminders can work).
    pub mail_enabled: bool,
}

/// The viewer's own rows.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct MyRows {
    pub rows: Vec<i64>,
}

/// A poll as one viewer sees it (`GET /api/v1/polls/{id}`, and the admin's view).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
#[ts(export, export_to = "polls/")]
pub struct PollView {
    pub poll: Poll,
    pub options: Vec<PollOption>,
    /// The viewer sees every row and the totals.
    pub results_visible: bool,
    /// Every row when the results are visible, else the viewer's own.
    pub participants: Vec<Participant>,
    /// The options with the most "yes" (empty when hidden or when nobody said yes).
    pub best: Vec<i64>,
    pub comments: Vec<PollComment>,
    pub me: MyRows,
    /// Only in the admin's view.
    pub admin: Option<AdminInfo>,
}

/// `POST /api/v1/polls`: the new poll with its public and admin links.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "polls/")]
pub struct CreatedPoll {
    pub poll: Poll,
    pub url: String,
    pub admin_url: String,
    /// The secret that administers the poll (also the end of `admin_url`).
    pub admin_token: String,
}

/// `POST /api/v1/polls/{id}/votes`: the new row and its personal edit link.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "polls/")]
pub struct VoteAnswer {
    pub participant: Participant,
    /// Lets whoever holds it change the row later (`?edit=`).
    pub edit_token: String,
    pub edit_url: String,
}

/// A link preview card of a poll.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "polls/")]
pub struct PollCard {
    /// Always "poll".
    pub kind: &'static str,
    pub url: String,
    pub title: String,
    pub poll_kind: Kind,
    pub options: usize,
    pub participants: usize,
    pub closed: bool,
}

/// What `poll:{id}` tells its followers; they fetch the view again on `changed`.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export, export_to = "polls/")]
pub enum PollEvent {
    Changed { version: i64 },
    Deleted,
}

/// One poll of "My polls" (`GET /api/v1/polls`).
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "polls/")]
pub struct MyPoll {
    pub poll: PollSummary,
    pub url: String,
    /// The creator's only: an answerer never gets the admin link.
    pub admin_url: Option<String>,
    pub role: MyRole,
    /// Has a row under this account (the creator may have answered too).
    pub answered: bool,
    /// Null when only the poll's admin sees the rows and this person only answered.
    pub participants: Option<i64>,
    /// The poll's last change (a vote, a comment, an admin edit): the list's order.
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub activity_at: i64,
}

/// The poll's part of a "My polls" entry.
#[derive(Debug, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "polls/")]
pub struct PollSummary {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub closed: bool,
    #[serde(with = "serde_rfc3339::option")]
    #[schemars(with = "Option<String>")]
    #[ts(type = "string | null")]
    pub deadline: Option<i64>,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    pub final_option: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "polls/")]
pub enum MyRole {
    Created,
    Answered,
}
