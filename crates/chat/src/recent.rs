//! A person's channels and messages for the composition's recent items and search across
//! tools: typed answers, limited to the channels they are in (as the chat's own lists are).

use std::collections::HashMap;

use nichoir_auth::Actor;
use serde::Serialize;

use crate::model::{ChannelRow, Kind, MemberRow};
use crate::service::{ChatResult, ChatService};
use crate::{store, text};

/// A channel one is in, with what waits there.
#[derive(Debug, Clone, Serialize)]
pub struct RecentChannel {
    pub id: String,
    /// The channel's shown name (for a direct or group message: the other people's names).
    pub name: String,
    pub kind: &'static str,
    /// Its page in the app.
    pub path: String,
    /// The last message (ms), or the channel's creation.
    pub at: i64,
    pub unread: i64,
    pub mentions: i64,
}

/// A message found in a channel one may read.
#[derive(Debug, Clone, Serialize)]
pub struct ChatHit {
    pub post_id: i64,
    pub channel: String,
    pub author: String,
    pub at: i64,
    /// Words around the match (matches between `\u{2}` and `\u{3}`), plain text.
    pub snippet: String,
    /// The message's permalink in the app.
    pub path: String,
}

impl ChatService {
    /// Where a channel opens: a team's channel by name, a direct message by the other person,
    /// a group by id; direct and group messages belong to no team and open under `home_team`.
    async fn channel_place(
        &self,
        ch: &ChannelRow,
        team: Option<&str>,
        home_team: Option<&str>,
        me: &str,
    ) -> ChatResult<Option<(String, String)>> {
        // Team, channel and user names are slugs (as in the mails' and notices' links).
        let seg = |s: &str| s.to_string();
        Ok(match (ch.kind, team.or(home_team)) {
            (_, None) => None,
            (Kind::Public | Kind::Private, Some(t)) => Some((
                ch.display_name.clone(),
                format!("/chat/{}/{}", seg(t), seg(&ch.name)),
            )),
            (Kind::Direct | Kind::Group, Some(t)) => {
                let id = ch.id.clone();
                let members = self.db.read(move |c| store::member_ids(c, &id)).await?;
                let mut names = Vec::new();
                let mut other = None;
                for u in members.iter().filter(|u| u.as_str() != me) {
                    let uj = self.user(u).await?;
                    names.push(uj.display_name);
                    other = Some(uj.username);
                }
                if names.is_empty() {
                    names.push(self.user(me).await?.display_name);
                }
                let to = match (ch.kind, other) {
                    (Kind::Direct, Some(u)) => format!("@{u}"),
                    _ => ch.id.clone(),
                };
                Some((
                    names.join(", "),
                    format!("/chat/{}/messages/{}", seg(t), seg(&to)),
                ))
            }
        })
    }

    async fn home_team(&self, me: &str) -> ChatResult<Option<String>> {
        let u = me.to_string();
        let teams = self.db.read(move |c| store::teams_of(c, &u)).await?;
        Ok(teams.into_iter().next().map(|(t, _)| t.name))
    }

    /// The channels `actor` is in, most recent message first, at most `limit`.
    pub async fn recent_channels(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> ChatResult<Vec<RecentChannel>> {
        let Some(me) = actor.as_user() else {
            return Ok(Vec::new());
        };
        let uid = me.id.clone();
        let rows = self
            .db
            .read(move |c| store::channels_of_user(c, &uid, limit))
            .await?;
        let home = self.home_team(&me.id).await?;
        let mut out = Vec::new();
        for (ch, m, team) in rows.iter().filter(|(ch, _, _)| !ch.archived) {
            if let Some(recent) = self
                .recent_channel(ch, m, team.as_deref(), home.as_deref(), &me.id)
                .await?
            {
                out.push(recent);
            }
        }
        Ok(out)
    }

    /// Messages matching `q` (the chat's search language) in every channel `actor` is in,
    /// newest first, at most `limit`.
    pub async fn search_everywhere(
        &self,
        actor: &Actor,
        q: &str,
        limit: i64,
    ) -> ChatResult<Vec<ChatHit>> {
        let Some(me) = actor.as_user() else {
            return Ok(Vec::new());
        };
        let s = text::parse_search(q)?;
        let uid = me.id.clone();
        let mine = self
            .db
            .read(move |c| store::channels_of_user(c, &uid, i64::MAX))
            .await?;
        let chosen: Vec<&(ChannelRow, _, Option<String>)> = mine
            .iter()
            .filter(|(c, _, _)| Self::named_in(&s, c))
            .collect();
        let ids: Vec<String> = chosen.iter().map(|(c, _, _)| c.id.clone()).collect();
        let rows = self.find_posts(&s, ids, limit).await?;
        let home = self.home_team(&me.id).await?;
        let by_id: HashMap<&str, &(ChannelRow, _, Option<String>)> =
            chosen.iter().map(|x| (x.0.id.as_str(), *x)).collect();
        let mut places: HashMap<String, Option<(String, String)>> = HashMap::new();
        let mut out = Vec::new();
        for p in rows.iter().filter(|p| !p.deleted) {
            let Some((ch, _, team)) = by_id.get(p.channel_id.as_str()) else {
                continue;
            };
            if !places.contains_key(&ch.id) {
                let place = self
                    .channel_place(ch, team.as_deref(), home.as_deref(), &me.id)
                    .await?;
                places.insert(ch.id.clone(), place);
            }
            let Some(Some((name, path))) = places.get(&ch.id) else {
                continue;
            };
            // The permalink lives under the channel's team (or the home team for messages).
            let team_path = path.split('/').take(3).collect::<Vec<_>>().join("/");
            out.push(ChatHit {
                post_id: p.id,
                channel: name.clone(),
                author: self.user(&p.user_id).await?.display_name,
                at: p.created_at,
                snippet: nichoir_storage::search::snippet(&p.text, &s.fts, 24),
                path: format!("{team_path}/pl/{}", p.id),
            });
        }
        Ok(out)
    }

    /// Of `ids`, the channels that exist (archived ones too: a team admin may bring them back).
    pub async fn existing_channels(&self, ids: Vec<String>) -> ChatResult<Vec<String>> {
        Ok(self
            .db
            .read(move |c| store::existing_channels(c, &ids))
            .await?)
    }

    /// A channel `actor` is in, named and placed as in their own lists (a favourite's line).
    /// None when it does not exist, is archived, or they are not (or no longer) in it: a
    /// public channel one left is readable still, but is no longer one of theirs.
    pub async fn member_channel(
        &self,
        actor: &Actor,
        channel_id: &str,
    ) -> ChatResult<Option<RecentChannel>> {
        Ok(self
            .member_channels(actor, vec![channel_id.to_string()])
            .await?
            .pop())
    }

    /// Of `ids`, the channels `actor` is in, as [`ChatService::member_channel`] answers for one:
    /// asked in one query (a few more for direct messages' names).
    pub async fn member_channels(
        &self,
        actor: &Actor,
        ids: Vec<String>,
    ) -> ChatResult<Vec<RecentChannel>> {
        let Some(me) = actor.as_user() else {
            return Ok(Vec::new());
        };
        let uid = me.id.clone();
        let mut rows = self
            .db
            .read(move |c| store::member_channels(c, &uid, &ids))
            .await?;
        rows.retain(|(ch, ..)| !ch.archived);
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let home = self.home_team(&me.id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (ch, m, team) in &rows {
            if let Some(c) = self
                .recent_channel(ch, m, team.as_deref(), home.as_deref(), &me.id)
                .await?
            {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// A channel as the recent and favourite lists show it; None when it has no page for `me`.
    async fn recent_channel(
        &self,
        ch: &ChannelRow,
        m: &MemberRow,
        team: Option<&str>,
        home_team: Option<&str>,
        me: &str,
    ) -> ChatResult<Option<RecentChannel>> {
        let Some((name, path)) = self.channel_place(ch, team, home_team, me).await? else {
            return Ok(None);
        };
        Ok(Some(RecentChannel {
            id: ch.id.clone(),
            name,
            kind: ch.kind.as_str(),
            path,
            at: ch.last_post_at.max(ch.created_at),
            unread: (ch.post_count - m.viewed_count).max(0),
            mentions: m.mentions,
        }))
    }
}
