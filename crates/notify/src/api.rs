//! The edge of the notification service: the bodies, queries and answers of its routes and the
//! frames of `notify:<user id>`. Their JSON Schema feeds the OpenAPI document, their TypeScript
//! `web/src/generated/notify/`.

use std::collections::BTreeMap;

use nichoir_core::notify::PageStatus;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Per tool: everything, only what is addressed to me, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    All,
    Mentions,
    None,
}

/// One notification as the bell lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct NotificationView {
    pub id: i64,
    pub tool: &'static str,
    pub kind: &'static str,
    pub scope: String,
    pub title: String,
    pub body: String,
    pub url: String,
    pub actor_id: Option<String>,
    pub created_at: String,
    pub read: bool,
}

/// A page of the bell.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub unread: i64,
    /// Pass as `before` for the next page; null at the end.
    pub next_before: Option<i64>,
}

/// What is left unread after marking.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct Unread {
    pub unread: i64,
}

/// Quiet hours as the API reads and writes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// "22:00"
    pub start: String,
    /// "07:00"
    pub end: String,
    /// 0 = Monday … 6 = Sunday.
    pub days: Vec<u8>,
    pub zone: String,
}

/// Preferences as the API reads and writes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Per tool ("chat", "polls", "wikis", "pads", "video"): "all", "mentions" or "none".
    #[serde(default)]
    #[ts(optional, as = "Option<BTreeMap<String, Level>>")]
    pub tools: BTreeMap<String, Level>,
    /// Do not disturb until this moment (RFC 3339), or null.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub dnd_until: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub schedule: Option<ScheduleBody>,
}

/// My preferences, and whether quiet hours are on right now.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct PreferencesView {
    pub tools: BTreeMap<&'static str, Level>,
    pub dnd_until: Option<String>,
    pub schedule: Option<ScheduleBody>,
    pub quiet_now: bool,
}

/// The server's public VAPID key, for `pushManager.subscribe`.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct PushKey {
    pub enabled: bool,
    /// Base64url, uncompressed P-256 point.
    pub public_key: String,
}

/// A browser's subscription (`PushSubscription.toJSON()`), plus a name for the device.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    #[serde(default, rename = "expirationTime")]
    #[ts(optional = nullable)]
    pub expiration_time: Option<serde_json::Number>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// One of my devices.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct SubscriptionView {
    pub id: String,
    pub label: String,
    /// The push service's host (the browser maker's).
    pub service: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The realtime frames of `notify:<user id>`.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frame<'a> {
    /// A new notification; `quiet` during do-not-disturb (count it, no alert).
    New {
        notification: &'a NotificationView,
        quiet: bool,
    },
    /// Some were read (here or on another device): the unread count now.
    Read { unread: i64 },
    /// A call ended or was answered: stop ringing.
    Cancel { scope: &'a str },
}

/// What a page may say on `notify:<user id>`: only whether its person is idle.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BellClientFrame {
    Status { status: PageStatus },
}

/// Which of mine become read.
#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct MarkBody {
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<i64>>")]
    pub ids: Vec<i64>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub scope: Option<String>,
    #[serde(default)]
    #[ts(optional, as = "Option<bool>")]
    pub all: bool,
}

/// A page of the bell: older than `before` (an id), at most `limit`.
#[derive(Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[ts(optional)]
    pub before: Option<i64>,
    #[ts(optional)]
    pub limit: Option<i64>,
}

/// A test notification; both default ("Nichoir", "✓").
#[derive(Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub body: Option<String>,
}

/// How many of my devices the test was sent to.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "notify/")]
pub struct Tested {
    pub devices: usize,
}
