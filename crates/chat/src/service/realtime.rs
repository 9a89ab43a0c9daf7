//! The event log's catch-up and pruning, and the signals not stored: typing and presence.

use super::*;

impl ChatService {
    /// The events after `after` for `user_id`, or None when they are no longer all kept.
    pub async fn catch_up(
        &self,
        user_id: &str,
        after: i64,
    ) -> ChatResult<Option<(Vec<String>, i64)>> {
        let uid = user_id.to_string();
        let (oldest, last, rows) = self
            .db
            .read(move |c| {
                let oldest = store::oldest_event(c)?;
                let last = store::last_event(c)?;
                let rows = store::events_after(c, &uid, after, 5_000)?;
                Ok((oldest, last, rows))
            })
            .await?;
        if after > 0 && oldest > 0 && after + 1 < oldest {
            return Ok(None);
        }
        if rows.len() == 5_000 {
            return Ok(None);
        }
        Ok(Some((
            rows.iter().map(|(id, p)| with_id(*id, p)).collect(),
            last.max(after),
        )))
    }

    pub async fn prune_events(&self) -> ChatResult<usize> {
        let before = now_ms() - EVENT_RETENTION_MS;
        Ok(self
            .db
            .write(move |c| store::prune_events(c, before))
            .await?)
    }

    /// Sends a typing or presence signal (not stored) to the members of a channel.
    pub async fn typing(
        &self,
        actor: &Actor,
        channel_id: &str,
        root_id: Option<i64>,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(channel_id, &me.id).await?;
        if m.is_none() {
            return Err(forbidden("join the channel first"));
        }
        let cid = ch.id.clone();
        let members = self.db.read(move |c| store::member_ids(c, &cid)).await?;
        let data = serde_json::to_string(&ChatSignal::Typing {
            channel_id: ch.id.clone(),
            root_id,
            user: self.user(&me.id).await?,
        })
        .map_err(Error::internal)?;
        let topics: Vec<String> = members
            .iter()
            .filter(|u| **u != me.id)
            .map(|u| topic(u))
            .collect();
        self.hub
            .broadcast_event_json_to(topics.iter().map(String::as_str), &data);
        Ok(())
    }

    /// The people who share a team with `user_id` (at most 5,000): who hears of their presence.
    pub async fn team_peers(&self, user_id: &str) -> ChatResult<Vec<String>> {
        let uid = user_id.to_string();
        Ok(self.db.read(move |c| store::team_peers(c, &uid)).await?)
    }

    /// Tells everyone who shares a team with `user_id` of their new presence.
    pub async fn presence(&self, user_id: &str, status: Status) -> ChatResult<()> {
        let peers = self.team_peers(user_id).await?;
        let data = serde_json::to_string(&ChatSignal::Presence {
            user_id: user_id.to_string(),
            status: status.into(),
        })
        .map_err(Error::internal)?;
        let topics: Vec<String> = peers.iter().map(|p| topic(p)).collect();
        self.hub
            .broadcast_event_json_to(topics.iter().map(String::as_str), &data);
        Ok(())
    }
}
