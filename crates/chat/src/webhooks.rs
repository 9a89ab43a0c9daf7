//! Incoming webhooks (Slack / Mattermost compatible): a secret URL per channel; a POST of
//! `{"text", "username"?, "icon_url"?, "attachments"?}` becomes a message in that channel, shown
//! under the hook's name (or the payload's `username`), posted on behalf of its creator.

use nichoir_auth::Actor;
use nichoir_core::ids::{hash_token, new_id, random_token};
use nichoir_core::time::{now_ms, rfc3339};
use nichoir_core::Error;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use ts_rs::TS;

use crate::api::{CreatedWebhook, HookPosted, PostProps, Webhook};
use crate::service::{ChatResult, ChatService};
use crate::store;
use crate::text;

/// What a Slack or Mattermost integration posts to an incoming webhook (other fields are
/// ignored, as those services ignore them).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "chat/")]
pub struct HookPayload {
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub text: String,
    /// Shown as the author's name instead of the hook's.
    #[serde(default)]
    #[ts(optional)]
    pub username: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub icon_url: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub channel: Option<String>,
    /// Slack attachments: their `pretext`, `title`, `text` and `fallback` become Markdown.
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<Value>>")]
    pub attachments: Vec<Value>,
}

/// The message text of a payload: its text, then each attachment's pretext, title and text.
pub fn hook_text(p: &HookPayload) -> String {
    let mut parts = Vec::new();
    if !p.text.trim().is_empty() {
        parts.push(p.text.trim().to_string());
    }
    for a in &p.attachments {
        let field = |k: &str| {
            a[k].as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(pre) = field("pretext") {
            parts.push(pre);
        }
        match (field("title"), field("title_link")) {
            (Some(t), Some(l)) if l.starts_with("http") => parts.push(format!("**[{t}]({l})**")),
            (Some(t), _) => parts.push(format!("**{t}**")),
            _ => {}
        }
        if let Some(t) = field("text").or_else(|| field("fallback")) {
            parts.push(t);
        }
    }
    parts.join("\n\n")
}

impl ChatService {
    /// The channel, if `actor` is one of its admins; `refusal` otherwise.
    async fn channel_admin(
        &self,
        actor: &Actor,
        channel_id: &str,
        refusal: &str,
    ) -> ChatResult<(crate::model::ChannelRow, String)> {
        let me = actor
            .as_user()
            .ok_or_else(Error::unauthenticated)?
            .id
            .clone();
        let (ch, m) = self.readable_channel(channel_id, &me).await?;
        if m.is_some_and(|m| m.role == "admin") {
            return Ok((ch, me));
        }
        // A team's admins manage the integrations of every channel they can read in it.
        if !self.is_team_admin(&ch, &me).await? {
            return Err(Error::forbidden(refusal));
        }
        Ok((ch, me))
    }

    pub async fn create_webhook(
        &self,
        actor: &Actor,
        channel_id: &str,
        display_name: &str,
    ) -> ChatResult<CreatedWebhook> {
        let (ch, me) = self
            .channel_admin(
                actor,
                channel_id,
                "only channel or team admins add webhooks",
            )
            .await?;
        let name = text::line("display_name", display_name, 1, 64)?;
        let (id, secret) = (new_id("h"), random_token(24));
        let (i2, h, n2, cid) = (id.clone(), hash_token(&secret), name.clone(), ch.id.clone());
        self.db
            .write(move |c| {
                store::insert_webhook(c, &i2, &cid, &h, &n2, &me, now_ms())?;
                Ok(())
            })
            .await?;
        Ok(CreatedWebhook {
            id,
            channel_id: ch.id,
            display_name: name,
            url: format!("{}/hooks/{secret}", self.base_url),
        })
    }

    pub async fn webhooks(&self, actor: &Actor, channel_id: &str) -> ChatResult<Vec<Webhook>> {
        let (ch, _) = self
            .channel_admin(
                actor,
                channel_id,
                "only channel or team admins see webhooks",
            )
            .await?;
        let rows: Vec<Webhook> = self
            .db
            .read(move |c| {
                Ok(store::webhooks_of(c, &ch.id)?
                    .into_iter()
                    .map(|(id, display_name, created_at)| Webhook {
                        id,
                        display_name,
                        created_at: rfc3339(created_at),
                    })
                    .collect())
            })
            .await?;
        Ok(rows)
    }

    pub async fn delete_webhook(
        &self,
        actor: &Actor,
        channel_id: &str,
        hook_id: &str,
    ) -> ChatResult<()> {
        let (ch, _) = self
            .channel_admin(
                actor,
                channel_id,
                "only channel or team admins remove webhooks",
            )
            .await?;
        let h = hook_id.to_string();
        let n = self
            .db
            .write(move |c| store::delete_webhook(c, &h, &ch.id))
            .await?;
        if n == 0 {
            return Err(Error::not_found("no such webhook"));
        }
        Ok(())
    }

    /// Posts a webhook's payload. A wrong secret is 404, as if the URL did not exist.
    pub async fn receive_hook(&self, secret: &str, payload: HookPayload) -> ChatResult<HookPosted> {
        let h = hash_token(secret);
        let row: Option<(String, String, String)> = self
            .db
            .read(move |c| store::webhook_by_secret(c, &h))
            .await?;
        let (channel, name, creator) = row.ok_or_else(|| Error::not_found("no such webhook"))?;
        let text = hook_text(&payload);
        let actor = self
            .auth
            .actor_for_integration(&creator)
            .await?
            .ok_or_else(|| Error::forbidden("the webhook's creator can no longer post"))?;
        let username = payload
            .username
            .as_deref()
            .map(|u| u.trim().chars().take(64).collect::<String>())
            .filter(|u| !u.is_empty())
            .unwrap_or(name);
        let props = PostProps {
            from_webhook: Some(true),
            override_username: Some(username),
            ..PostProps::default()
        };
        let post = self
            .create_post_with(&actor, &channel, &text, None, None, &[], props)
            .await?;
        Ok(HookPosted { id: post.id })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn slack_attachments_become_markdown() {
        let p: HookPayload = serde_json::from_value(json!({"text": "Build finished", "attachments": [
            {"pretext": "CI", "title": "#42", "title_link": "https://ci.example/42", "text": "all green"},
            {"fallback": "only fallback"}
        ]})).expect("payload");
        assert_eq!(hook_text(&p), "Build finished\n\nCI\n\n**[#42](https://ci.example/42)**\n\nall green\n\nonly fallback");
        let p: HookPayload = serde_json::from_value(
            json!({"attachments": [{"title": "x", "title_link": "javascript:alert(1)"}]}),
        )
        .expect("payload");
        assert_eq!(hook_text(&p), "**x**");
    }
}
