//! What the notification service stores, answers and sends: typed at every edge.

use std::collections::BTreeMap;

use nichoir_core::notify::Tool;
use serde::{Deserialize, Serialize};

/// Per tool: everything, only what is addressed to me, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    All,
    Mentions,
    None,
}

/// Quiet hours repeated each week, read in the person's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Minutes after midnight.
    pub start: u16,
    pub end: u16,
    /// 0 = Monday … 6 = Sunday: the days on which a window starts.
    pub days: Vec<u8>,
    /// An IANA zone ("Europe/Paris").
    pub zone: String,
}

/// A person's choices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preferences {
    /// By [`Tool::as_str`]; a tool not named is at [`Level::All`].
    pub tools: BTreeMap<&'static str, Level>,
    /// Do not disturb until then (ms since the epoch).
    pub dnd_until: Option<i64>,
    pub schedule: Option<Schedule>,
}

impl Preferences {
    pub fn level(&self, tool: Tool) -> Level {
        self.tools.get(tool.as_str()).copied().unwrap_or_default()
    }
}

/// One notification as the bell lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
#[derive(Debug, Clone, Serialize)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub unread: i64,
    /// Pass as `before` for the next page; null at the end.
    pub next_before: Option<i64>,
}

/// What is left unread after marking.
#[derive(Debug, Clone, Serialize)]
pub struct Unread {
    pub unread: i64,
}

/// Quiet hours as the API reads and writes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Per tool ("chat", "polls", "wikis", "pads", "video"): "all", "mentions" or "none".
    #[serde(default)]
    pub tools: BTreeMap<String, Level>,
    /// Do not disturb until this moment (RFC 3339), or null.
    #[serde(default)]
    pub dnd_until: Option<String>,
    #[serde(default)]
    pub schedule: Option<ScheduleBody>,
}

/// My preferences, and whether quiet hours are on right now.
#[derive(Debug, Clone, Serialize)]
pub struct PreferencesView {
    pub tools: BTreeMap<&'static str, Level>,
    pub dnd_until: Option<String>,
    pub schedule: Option<ScheduleBody>,
    pub quiet_now: bool,
}

/// The server's public VAPID key, for `pushManager.subscribe`.
#[derive(Debug, Clone, Serialize)]
pub struct PushKey {
    pub enabled: bool,
    /// Base64url, uncompressed P-256 point.
    pub public_key: String,
}

/// A browser's subscription (`PushSubscription.toJSON()`), plus a name for the device.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<serde_json::Number>,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// One of my devices.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionView {
    pub id: String,
    pub label: String,
    /// The push service's host (the browser maker's).
    pub service: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// What a device receives (encrypted; the service worker reads it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PushPayload {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub url: String,
    /// Notifications with the same tag replace each other on the device (one per place).
    pub tag: String,
    /// A call keeps ringing until answered or cancelled.
    pub ring: bool,
    /// A call was answered or cancelled elsewhere: close its notification.
    #[serde(default)]
    pub cancel: bool,
}

/// The realtime frames of `notify:<user id>`.
#[derive(Debug, Clone, Serialize)]
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
