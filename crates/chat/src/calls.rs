//! Calls from chat: the call button of a channel or conversation opens the video room tied to
//! it (one name per channel, derived from its id, so the same room reopens) and posts a card
//! with its link; in a direct or group conversation it rings the others (the bell's banner and
//! a high-urgency push) until one of them answers or declines, or the caller gives up.

use nichoir_auth::Actor;
use nichoir_core::ids::hash_token;
use nichoir_core::notify::{Kind as NoticeKind, Notice};
use nichoir_core::Error;
use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use crate::api::{CallCard, Post, PostProps};
use crate::model::Kind;
use crate::service::{ChatResult, ChatService};
use crate::store;

/// The video room of a channel: a valid room name (lower-case, digits, dashes) that nobody
/// outside the channel can guess from what they see.
pub fn room_of(channel_id: &str) -> String {
    format!(
        "call-{}",
        &hash_token(&format!("nichoir-call:{channel_id}"))[..24]
    )
}

/// The scope of a ringing call: answering or declining stops it on every device.
pub fn ring_scope(channel_id: &str) -> String {
    format!("call:{channel_id}")
}

/// A call started: its room, and the card posted in the channel.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct CallStarted {
    pub room: String,
    /// The room's page (`/video/<room>`).
    pub url: String,
    /// The card posted in the channel.
    pub post: Post,
    /// How many people it rings (direct and group conversations).
    pub ringing: usize,
}

impl ChatService {
    /// Posts the call card and rings the other members of a direct or group conversation.
    pub async fn start_call(&self, actor: &Actor, channel_id: &str) -> ChatResult<CallStarted> {
        let me = actor.as_user().ok_or_else(Error::unauthenticated)?.clone();
        let (ch, m) = self.readable_channel(channel_id, &me.id).await?;
        if m.is_none() {
            return Err(Error::forbidden("join the channel first"));
        }
        let room = room_of(&ch.id);
        let url = format!("/video/{room}");
        let text = format!("📞 {}{url}", self.base_url);
        let post = self
            .create_post_with(
                actor,
                &ch.id,
                &text,
                None,
                None,
                &[],
                PostProps {
                    call: Some(CallCard {
                        room: room.clone(),
                        url: url.clone(),
                    }),
                    ..PostProps::default()
                },
            )
            .await?;
        let mut ringing = 0;
        if matches!(ch.kind, Kind::Direct | Kind::Group) {
            let (cid, uid) = (ch.id.clone(), me.id.clone());
            let others = self
                .db
                .read(move |c| {
                    Ok(store::notice_targets(c, &cid, &uid, None)?.map(|t| {
                        t.direct
                            .into_iter()
                            .filter(|u| !t.muted.contains(u))
                            .collect::<Vec<_>>()
                    }))
                })
                .await?
                .unwrap_or_default();
            ringing = others.len();
            self.notifier.notify(
                others
                    .into_iter()
                    .map(|user_id| Notice {
                        user_id,
                        kind: NoticeKind::Call,
                        scope: ring_scope(&ch.id),
                        title: me.display_name.clone(),
                        body: String::new(),
                        url: url.clone(),
                        actor_id: Some(me.id.clone()),
                    })
                    .collect(),
            );
        }
        Ok(CallStarted {
            room,
            url,
            post,
            ringing,
        })
    }

    /// Answered, declined or given up: the conversation's devices stop ringing.
    pub async fn stop_ringing(&self, actor: &Actor, channel_id: &str) -> ChatResult<()> {
        let me = actor.as_user().ok_or_else(Error::unauthenticated)?;
        let (ch, m) = self.readable_channel(channel_id, &me.id).await?;
        if m.is_none() {
            return Err(Error::forbidden("join the channel first"));
        }
        if !matches!(ch.kind, Kind::Direct | Kind::Group) {
            return Ok(());
        }
        let cid = ch.id.clone();
        let members = self.db.read(move |c| store::member_ids(c, &cid)).await?;
        for u in members {
            self.notifier.cancel(&u, &ring_scope(&ch.id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_has_one_stable_room_with_a_valid_name() {
        let a = room_of("c_LV4uBzajo8YyI70S");
        assert_eq!(a, room_of("c_LV4uBzajo8YyI70S"));
        assert_ne!(a, room_of("c_other"));
        assert!(a.len() <= 64 && a.starts_with("call-"));
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    }
}
