//! Reading: the public and admin views, the link card, "my polls", CSV and ICS exports.

use super::*;

impl PollService {
    /// The public view as JSON text.
    pub async fn view(
        &self,
        poll_id: &str,
        actor: Option<&Actor>,
        edit_token: Option<&str>,
    ) -> PollResult<JsonText<PollView>> {
        let r = self.rendered(poll_id).await?;
        self.check_access(&r.data.poll, actor).await?;
        let viewer = Viewer {
            actor_id: actor.map(Actor::id),
            ..Viewer::default()
        }
        .with_edit_token(edit_token);
        Ok(r.to_json(&viewer, None, now_ms()))
    }

    /// A short card of the poll (link previews), with the viewer's access checked.
    pub async fn card(&self, poll_id: &str, actor: Option<&Actor>) -> PollResult<PollCard> {
        let r = self.rendered(poll_id).await?;
        self.check_access(&r.data.poll, actor).await?;
        let p = &r.data.poll;
        Ok(PollCard {
            kind: "poll",
            url: format!("/poll/{}", p.id),
            title: p.settings.title.clone(),
            poll_kind: p.settings.kind,
            options: r.data.options.len(),
            participants: r.data.votes.len(),
            closed: closed_reason(p, now_ms()).is_some(),
        })
    }

    /// Of `ids`, the polls `actor` may read, with their titles, asked in one read (as
    /// [`PollService::card`] answers for one: a protected poll once its password was given).
    pub async fn readable_titles(
        &self,
        ids: Vec<String>,
        actor: &Actor,
    ) -> PollResult<std::collections::HashMap<String, String>> {
        let who = actor.id().to_string();
        let (polls, granted) = self
            .db
            .read(move |c| {
                let polls = store::polls_among(c, &ids)?;
                let protected: Vec<String> = polls
                    .iter()
                    .filter(|p| p.protected)
                    .map(|p| p.id.clone())
                    .collect();
                Ok((polls, store::granted_among(c, &who, &protected)?))
            })
            .await?;
        let granted: std::collections::HashSet<String> = granted.into_iter().collect();
        Ok(polls
            .into_iter()
            .filter(|p| !p.protected || granted.contains(&p.id))
            .map(|p| (p.id, p.settings.title))
            .collect())
    }

    fn purge_at(&self, poll: &PollRow) -> Option<i64> {
        (self.config.purge_after_days > 0).then(|| {
            poll.settings.deadline.unwrap_or(0).max(poll.updated_at)
                + self.config.purge_after_days as i64 * 86_400_000
        })
    }

    /// The admin view as JSON text.
    pub async fn admin_view(&self, token: &str) -> PollResult<JsonText<PollView>> {
        let poll = self.poll_by_admin(token).await?;
        let r = self.rendered(&poll.id).await?;
        let p = &r.data.poll;
        let admin = AdminInfo {
            author_email: p.settings.author_email.clone(),
            notify_votes: p.settings.notify_votes,
            notify_comments: p.settings.notify_comments,
            remind: p.settings.remind,
            purge_at: self.purge_at(p).map(nichoir_core::time::rfc3339),
            public_url: self.public_url(&p.id),
            admin_url: self.admin_url(&p.admin_token),
            mail_enabled: self.mailer.enabled(),
        };
        let viewer = Viewer {
            admin: true,
            ..Viewer::default()
        };
        Ok(r.to_json(&viewer, Some(&admin), now_ms()))
    }

    /// "My polls": what the person created or answered while signed in, latest activity first.
    /// Only a poll's creator gets its admin link; an answerer sees the participant count only
    /// where the poll shows the rows to its participants.
    pub async fn list_for(&self, user_id: &str) -> PollResult<Vec<MyPoll>> {
        self.list_up_to(user_id, 500).await
    }

    /// Every poll of `list_for`, however many (the data export must not stop at a page).
    pub async fn list_all_for(&self, user_id: &str) -> PollResult<Vec<MyPoll>> {
        self.list_up_to(user_id, i64::MAX).await
    }

    async fn list_up_to(&self, user_id: &str, limit: i64) -> PollResult<Vec<MyPoll>> {
        let u = user_id.to_string();
        let rows = self.db.read(move |c| store::mine(c, &u, limit)).await?;
        let now = now_ms();
        Ok(rows
            .into_iter()
            .map(|m| {
                let p = m.poll;
                let created = p.owner_id.as_deref() == Some(user_id);
                let counts = created || p.settings.results != Visibility::Admin;
                MyPoll {
                    url: self.public_url(&p.id),
                    admin_url: created.then(|| self.admin_url(&p.admin_token)),
                    role: if created {
                        MyRole::Created
                    } else {
                        MyRole::Answered
                    },
                    answered: m.answered,
                    participants: counts.then_some(m.participants),
                    activity_at: p.updated_at,
                    poll: PollSummary {
                        closed: closed_reason(&p, now).is_some(),
                        deadline: p.settings.deadline,
                        created_at: p.created_at,
                        final_option: p.final_option,
                        kind: p.settings.kind,
                        title: p.settings.title,
                        id: p.id,
                    },
                }
            })
            .collect())
    }

    pub async fn csv(&self, token: &str) -> PollResult<(String, Vec<u8>)> {
        let poll = self.poll_by_admin(token).await?;
        let r = self.rendered(&poll.id).await?;
        let bytes = crate::export::csv(&r.data, &r.totals).map_err(Error::internal)?;
        Ok((r.data.poll.settings.title.clone(), bytes))
    }

    pub async fn ics(&self, poll_id: &str, actor: Option<&Actor>) -> PollResult<(String, String)> {
        let r = self.rendered(poll_id).await?;
        self.check_access(&r.data.poll, actor).await?;
        if r.data.poll.settings.kind != Kind::Date {
            return Err(PollError::Other(Error::not_found(
                "only a date poll has a calendar event",
            )));
        }
        let text = crate::export::ics(&r.data, self.host(), &self.public_url(poll_id))
            .ok_or_else(|| PollError::Other(Error::not_found("no date has been chosen yet")))?;
        Ok((r.data.poll.settings.title.clone(), text))
    }
}
