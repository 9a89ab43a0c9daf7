//! Participating: the password that opens a protected poll, and rows (vote, change, delete).

use super::*;

impl PollService {
    /// `ip`: the client's address, whose wrong guesses are throttled.
    pub async fn unlock(
        &self,
        poll_id: &str,
        actor: &Actor,
        ip: &str,
        password: String,
    ) -> PollResult<()> {
        let id = poll_id.to_string();
        let hash = self
            .db
            .read(move |c| {
                if store::poll(c, &id)?.is_none() {
                    return fail(PollError::NotFound);
                }
                store::password_hash(c, &id)
            })
            .await?;
        let Some(hash) = hash else { return Ok(()) };
        if password.len() > 1024 || !self.auth.verify_secret_from(ip, password, hash).await? {
            return Err(PollError::WrongPassword);
        }
        let (p, a) = (poll_id.to_string(), actor.id().to_string());
        self.db
            .write(move |c| store::add_grant(c, &p, &a, now_ms()))
            .await?;
        Ok(())
    }

    pub async fn vote(&self, poll_id: &str, actor: &Actor, ballot: Ballot) -> PollResult<Voted> {
        let poll = self.open_for(poll_id, actor).await?;
        let name = input::name(&ballot.name)?;
        let edit_token = random_token(18);
        let token_hash = hash_token(&edit_token);
        let (id, who) = (poll.id.clone(), actor.id().to_string());
        let (row, poll) = self
            .db
            .write(move |c| {
                let now = now_ms();
                // Touched first (a refused vote undoes it): the poll read with its new version.
                let Some((poll, options)) = store::touch_returning_with_options(c, &id, now)?
                else {
                    return fail(PollError::NotFound);
                };
                if let Some(reason) = closed_reason(&poll, now) {
                    return fail(if reason == ClosedReason::Deadline {
                        PollError::PastDeadline
                    } else {
                        PollError::Closed
                    });
                }
                let others = yes_counts(c, &poll, &options, None)?;
                let answers =
                    match check_ballot(&poll.settings, &options, &ballot.answers, &others, None) {
                        Ok(row) => row,
                        Err(e) => return fail(e.into()),
                    };
                let vote = store::NewVote {
                    poll_id: &id,
                    name: &name,
                    actor_id: Some(&who),
                    edit_token_hash: &token_hash,
                    now,
                };
                let vote_id = store::insert_vote(c, &vote, &options, &answers)?;
                let row = VoteRow {
                    id: vote_id,
                    name,
                    actor_id: Some(who),
                    edit_token_hash: token_hash,
                    answers,
                    created_at: now,
                    updated_at: now,
                };
                Ok((row, poll))
            })
            .await?;
        self.changed(&poll.id, Some(poll.version));
        self.tell_owner(
            &poll,
            nichoir_core::notify::Kind::PollVote,
            &row.name,
            actor.id(),
            "",
        );
        let s = &poll.settings;
        if let (true, Some(to)) = (s.notify_votes, &s.author_email) {
            let lang = self.owner_language(&poll).await;
            let (subject, body) = mails::vote(
                &lang,
                &self.mailer.instance_name(),
                &row.name,
                &s.title,
                &self.admin_url(&poll.admin_token),
            );
            self.mailer.send_later(Mail {
                to: to.clone(),
                subject,
                body,
            });
        }
        let viewer = Viewer {
            actor_id: Some(actor.id()),
            ..Viewer::default()
        };
        Ok(Voted {
            participant: participant(&poll, &row, &viewer, now_ms()),
            edit_token,
        })
    }

    /// Changes a row: by the admin (`admin` true), else under the poll's edit mode.
    pub async fn update_vote(
        &self,
        poll: &PollRow,
        vote_id: i64,
        actor: Option<&Actor>,
        admin: bool,
        ballot: Ballot,
    ) -> PollResult<Participant> {
        let name = input::name(&ballot.name)?;
        let token_hash = ballot.edit_token.as_deref().map(hash_token);
        let (id, who) = (poll.id.clone(), actor.map(|a| a.id().to_string()));
        let viewer_token = token_hash.clone();
        let (row, poll) = self
            .db
            .write(move |c| {
                let now = now_ms();
                let Some(poll) = store::poll(c, &id)? else {
                    return fail(PollError::NotFound);
                };
                let options = store::options(c, &id)?;
                let Some(mut current) = store::vote(c, &id, vote_id, &options)? else {
                    return fail(PollError::NoSuchVote);
                };
                let viewer = Viewer {
                    actor_id: who.as_deref(),
                    edit_token_hash: token_hash,
                    admin,
                };
                if !may_edit(&poll, &viewer, &current, now) {
                    return fail(match closed_reason(&poll, now) {
                        Some(ClosedReason::Deadline) => PollError::PastDeadline,
                        Some(_) => PollError::Closed,
                        None => PollError::Forbidden("this poll does not let you change this row"),
                    });
                }
                let others = yes_counts(c, &poll, &options, Some(vote_id))?;
                let answers = match check_ballot(
                    &poll.settings,
                    &options,
                    &ballot.answers,
                    &others,
                    Some(&current.answers),
                ) {
                    Ok(row) => row,
                    Err(e) => return fail(e.into()),
                };
                store::update_vote(c, vote_id, &name, &options, &answers, now)?;
                let version = store::touch(c, &id, now)?;
                current.name = name;
                current.answers = answers;
                current.updated_at = now;
                Ok((current, PollRow { version, ..poll }))
            })
            .await?;
        self.changed(&poll.id, Some(poll.version));
        let viewer = Viewer {
            actor_id: actor.map(Actor::id),
            edit_token_hash: viewer_token,
            admin,
        };
        Ok(participant(&poll, &row, &viewer, now_ms()))
    }

    pub async fn update_vote_public(
        &self,
        poll_id: &str,
        vote_id: i64,
        actor: &Actor,
        ballot: Ballot,
    ) -> PollResult<Participant> {
        let poll = self.open_for(poll_id, actor).await?;
        self.update_vote(&poll, vote_id, Some(actor), false, ballot)
            .await
    }

    pub async fn update_vote_admin(
        &self,
        token: &str,
        vote_id: i64,
        ballot: Ballot,
    ) -> PollResult<Participant> {
        let poll = self.poll_by_admin(token).await?;
        self.update_vote(&poll, vote_id, None, true, ballot).await
    }

    pub async fn delete_vote(
        &self,
        poll: &PollRow,
        vote_id: i64,
        actor: Option<&Actor>,
        admin: bool,
        edit_token: Option<&str>,
    ) -> PollResult<()> {
        let token_hash = edit_token.filter(|t| !t.is_empty()).map(hash_token);
        let (id, who) = (poll.id.clone(), actor.map(|a| a.id().to_string()));
        let version = self
            .db
            .write(move |c| {
                let now = now_ms();
                let Some(poll) = store::poll(c, &id)? else {
                    return fail(PollError::NotFound);
                };
                let options = store::options(c, &id)?;
                let Some(current) = store::vote(c, &id, vote_id, &options)? else {
                    return fail(PollError::NoSuchVote);
                };
                let viewer = Viewer {
                    actor_id: who.as_deref(),
                    edit_token_hash: token_hash,
                    admin,
                };
                if !may_edit(&poll, &viewer, &current, now) {
                    return fail(PollError::Forbidden(
                        "this poll does not let you delete this row",
                    ));
                }
                store::delete_vote(c, vote_id)?;
                store::touch(c, &id, now)
            })
            .await?;
        self.changed(&poll.id, Some(version));
        Ok(())
    }

    pub async fn delete_vote_public(
        &self,
        poll_id: &str,
        vote_id: i64,
        actor: &Actor,
        edit_token: Option<&str>,
    ) -> PollResult<()> {
        let poll = self.open_for(poll_id, actor).await?;
        self.delete_vote(&poll, vote_id, Some(actor), false, edit_token)
            .await
    }

    pub async fn delete_vote_admin(&self, token: &str, vote_id: i64) -> PollResult<()> {
        let poll = self.poll_by_admin(token).await?;
        self.delete_vote(&poll, vote_id, None, true, None).await
    }
}
