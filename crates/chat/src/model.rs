//! Chat rows as stored.

use serde::{Deserialize, Serialize};

/// A channel's kind: public and private channels of a team, direct and group conversations.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ChannelKind")]
#[ts(export, export_to = "chat/", rename = "ChannelKind")]
pub enum Kind {
    Public,
    Private,
    Direct,
    Group,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Public => "public",
            Kind::Private => "private",
            Kind::Direct => "direct",
            Kind::Group => "group",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "public" => Kind::Public,
            "private" => Kind::Private,
            "direct" => Kind::Direct,
            "group" => Kind::Group,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub open: bool,
}

#[derive(Debug, Clone)]
pub struct ChannelRow {
    pub id: String,
    pub team_id: Option<String>,
    pub kind: Kind,
    pub name: String,
    pub display_name: String,
    pub header: String,
    pub purpose: String,
    pub archived: bool,
    pub created_at: i64,
    pub last_post_at: i64,
    pub post_count: i64,
    /// Days its messages are kept; None: the instance's `chat.retention_days`.
    pub retention_days: Option<i64>,
}

/// My membership of a channel.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub role: String,
    pub last_viewed_post: i64,
    pub viewed_count: i64,
    pub mentions: i64,
    pub muted: bool,
    /// Notified of every message, not only mentions.
    pub notify_all: bool,
}

#[derive(Debug, Clone)]
pub struct PostRow {
    pub id: i64,
    pub channel_id: String,
    pub user_id: String,
    pub root_id: Option<i64>,
    pub text: String,
    pub html: String,
    pub mentions: Vec<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
    pub pinned: bool,
    pub reply_count: i64,
    pub last_reply_at: Option<i64>,
    pub props: crate::api::PostProps,
}

/// A reaction, aggregated per emoji.
#[derive(Debug, Clone)]
pub struct ReactionRow {
    pub emoji: String,
    pub count: usize,
    pub users: Vec<String>,
}
