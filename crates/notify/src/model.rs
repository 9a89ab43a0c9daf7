//! What the notification service stores, answers and sends: typed at every edge.

use std::collections::BTreeMap;

use nichoir_core::notify::Tool;
use serde::{Deserialize, Serialize};

pub use crate::api::{
    Frame, Level, NotificationPage, NotificationView, PreferencesBody, PreferencesView, PushKey,
    ScheduleBody, SubscribeBody, SubscriptionKeys, SubscriptionView, Unread,
};

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
