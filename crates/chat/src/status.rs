//! A custom status in chat (Mattermost's, Slack's): an emoji and a few words, cleared after a
//! while or never, shown beside the person's name to everyone who shares a team with them.

use nichoir_auth::Actor;
use nichoir_core::text::{check_controls, Lines};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, Field, Rule};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::ChatSignal;

use crate::service::{topic, ChatResult, ChatService};
use crate::store;

const MAX_TEXT: usize = 100;
/// The longest a status may be set for: a year.
const MAX_FOR_MS: i64 = 366 * 24 * 3_600_000;

#[derive(Debug, Clone, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "chat/")]
pub struct StatusBody {
    /// One emoji, or none.
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub emoji: String,
    /// At most 100 characters, one line.
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub text: String,
    /// Cleared after this many minutes; none: until changed.
    #[serde(default)]
    #[ts(optional)]
    pub minutes: Option<i64>,
}

/// A custom status: an emoji and a line, until `expires_at` (RFC 3339) or changed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct ChatStatus {
    pub emoji: String,
    pub text: String,
    pub expires_at: Option<String>,
}

/// Checks a status: one emoji (a few code points: flags, skin tones, joiners) or none, a line
/// of text, a duration within a year; both empty is refused (clearing is DELETE).
pub fn check(body: &StatusBody, now: i64) -> Result<(String, String, Option<i64>), Error> {
    let emoji = body.emoji.trim().to_string();
    let text = body.text.trim().to_string();
    if emoji.is_empty() && text.is_empty() {
        return Err(Error::validation("emoji or text: say something")
            .with_invalid(Field::Text, Rule::Required));
    }
    if emoji.chars().count() > 8
        || emoji
            .chars()
            .any(|c| c.is_ascii_alphanumeric() || c.is_whitespace())
    {
        return Err(Error::validation("emoji: one emoji").with_invalid(
            Field::Emoji,
            Rule::BadFormat {
                example: Some("🌴".into()),
            },
        ));
    }
    check_controls("emoji", &emoji, Lines::One)?;
    check_controls("text", &text, Lines::One)?;
    if text.chars().count() > MAX_TEXT {
        return Err(Error::invalid(
            Field::Text,
            Rule::TooLong {
                max: MAX_TEXT as u64,
            },
        ));
    }
    let expires = match body.minutes {
        None => None,
        Some(m) if m > 0 && m.saturating_mul(60_000) <= MAX_FOR_MS => Some(now + m * 60_000),
        Some(_) => {
            return Err(
                Error::validation("minutes: 1 to 527040 (a year)").with_invalid(
                    Field::Minutes,
                    Rule::OutOfRange {
                        min: 1,
                        max: 527040,
                    },
                ),
            )
        }
    };
    Ok((emoji, text, expires))
}

impl ChatService {
    pub async fn my_status(&self, actor: &Actor) -> ChatResult<Option<ChatStatus>> {
        let uid = actor.id().to_string();
        Ok(self
            .db
            .read(move |c| store::status(c, &uid, now_ms()))
            .await?)
    }

    pub async fn set_status(
        &self,
        actor: &Actor,
        body: StatusBody,
    ) -> ChatResult<Option<ChatStatus>> {
        let me = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let (emoji, text, expires) = check(&body, now_ms())?;
        let uid = me.id.clone();
        let status = self
            .db
            .write(move |c| {
                store::set_status(c, &uid, &emoji, &text, expires)?;
                store::status(c, &uid, now_ms())
            })
            .await?;
        self.announce_status(&me.id, status.as_ref()).await?;
        Ok(status)
    }

    pub async fn clear_status(&self, actor: &Actor) -> ChatResult<()> {
        let uid = actor.id().to_string();
        let u2 = uid.clone();
        self.db.write(move |c| store::clear_status(c, &u2)).await?;
        self.announce_status(&uid, None).await
    }

    /// The user's cached short form goes stale; their team peers (and they) hear of it.
    async fn announce_status(&self, user_id: &str, status: Option<&ChatStatus>) -> ChatResult<()> {
        self.forget_user_cache(user_id);
        let mut peers = self.team_peers(user_id).await?;
        peers.push(user_id.to_string());
        let data = serde_json::to_string(&ChatSignal::Status {
            user_id: user_id.to_string(),
            status: status.cloned(),
        })
        .map_err(Error::internal)?;
        let topics: Vec<String> = peers.iter().map(|p| topic(p)).collect();
        self.hub
            .broadcast_event_json_to(topics.iter().map(String::as_str), &data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(emoji: &str, text: &str, minutes: Option<i64>) -> StatusBody {
        StatusBody {
            emoji: emoji.into(),
            text: text.into(),
            minutes,
        }
    }

    #[test]
    fn a_status_is_an_emoji_a_line_and_a_duration() {
        assert_eq!(
            check(&body("🌴", " On holiday ", Some(60)), 1_000).ok(),
            Some(("🌴".into(), "On holiday".into(), Some(3_601_000)))
        );
        assert!(check(&body("👩🏽‍💻", "", None), 0).is_ok());
        assert!(check(&body("", "", None), 0).is_err());
        assert!(check(&body("abc", "x", None), 0).is_err());
        assert!(check(&body("🌴", &"x".repeat(101), None), 0).is_err());
        assert!(check(&body("🌴", "a\nb", None), 0).is_err());
        assert!(check(&body("🌴", "x", Some(0)), 0).is_err());
        assert!(check(&body("🌴", "x", Some(i64::MAX)), 0).is_err());
    }
}
