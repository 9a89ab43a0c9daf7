//! Creating and administering a poll: settings, options, password, final choice, deletion.

use super::*;

impl PollService {
    /// `accept_language`: the request's header, the author's language when the page sent none.
    pub async fn create(
        &self,
        actor: &Actor,
        body: NewPoll,
        accept_language: Option<&str>,
    ) -> PollResult<Created> {
        self.auth.may_create(actor, "polls")?;
        let now = now_ms();
        let (settings, options) = input::new_poll(&body, self.config.max_options as usize, now)?;
        let author_language = input::author_language(body.language.as_deref(), accept_language)?;
        view::check_description(&settings.description).await?;
        let password_hash = match body.password {
            Some(p) => Some(self.auth.hash_secret(p).await?),
            None => None,
        };
        let id = random_token(12);
        let admin_token = random_token(24);
        let owner = actor.as_user().map(|u| u.id.clone());
        let (i, t, s) = (id.clone(), admin_token.clone(), settings.clone());
        self.db
            .write(move |c| {
                store::insert_poll(
                    c,
                    &store::NewPollRow {
                        id: &i,
                        admin_token: &t,
                        settings: &s,
                        password_hash: password_hash.as_deref(),
                        owner_id: owner.as_deref(),
                        author_language,
                        now,
                    },
                    &options,
                )
            })
            .await?;
        if let Some(email) = &settings.author_email {
            let lang = self.mailer.language_for(
                actor
                    .as_user()
                    .and_then(|u| u.language.as_deref())
                    .or(author_language),
            );
            let (subject, body) = mails::ready(
                &lang,
                &self.mailer.instance_name(),
                &settings.title,
                &self.public_url(&id),
                &self.admin_url(&admin_token),
            );
            self.mailer.send_later(Mail {
                to: email.clone(),
                subject,
                body,
            });
        }
        let r = self.rendered(&id).await?;
        Ok(Created {
            poll: r.poll_view(now),
            id,
            admin_token,
        })
    }

    pub async fn patch(&self, token: &str, patch: PollPatch) -> PollResult<JsonText<PollView>> {
        let poll = self.poll_by_admin(token).await?;
        let settings = input::patch_settings(&poll.settings, &patch)?;
        if patch.description.is_some() {
            view::check_description(&settings.description).await?;
        }
        let options = match &patch.options {
            Some(list) => Some(input::options(
                poll.settings.kind,
                list,
                self.config.max_options as usize,
            )?),
            None => None,
        };
        let password = match patch.password {
            Some(Some(p)) => Some(Some(self.auth.hash_secret(p).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let (id, closed) = (poll.id.clone(), patch.closed);
        let password_changed = password.is_some();
        let version = self
            .db
            .write(move |c| {
                store::update_settings(c, &id, &settings)?;
                if let Some(options) = &options {
                    store::replace_options(c, &id, options)?;
                }
                if let Some(p) = &password {
                    store::set_password(c, &id, p.as_deref())?;
                }
                if let Some(closed) = closed {
                    store::set_closed(c, &id, closed)?;
                }
                store::touch(c, &id, now_ms())
            })
            .await?;
        self.changed(&poll.id, Some(version));
        if password_changed {
            // Followers who have not given the new password stop receiving the poll's events.
            self.hub.reauthorize(&topic(&poll.id)).await;
        }
        self.admin_view(token).await
    }

    pub async fn finalise(
        &self,
        token: &str,
        option: Option<i64>,
    ) -> PollResult<JsonText<PollView>> {
        let poll = self.poll_by_admin(token).await?;
        let id = poll.id.clone();
        let version = self
            .db
            .write(move |c| {
                if let Some(o) = option {
                    if !store::options(c, &id)?.iter().any(|x| x.id == o) {
                        return fail(PollError::Other(Error::validation(format!(
                            "option_id: {o} is not an option of this poll"
                        ))));
                    }
                }
                store::set_final(c, &id, option)?;
                store::touch(c, &id, now_ms())
            })
            .await?;
        self.changed(&poll.id, Some(version));
        self.admin_view(token).await
    }

    pub async fn delete(&self, token: &str) -> PollResult<()> {
        let poll = self.poll_by_admin(token).await?;
        let id = poll.id.clone();
        self.db.write(move |c| store::delete_poll(c, &id)).await?;
        self.changed(&poll.id, None);
        self.hub.reauthorize(&topic(&poll.id)).await;
        Ok(())
    }
}
