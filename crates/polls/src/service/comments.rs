//! Comments: writing one (its owner told, by bell and mail) and the admin deleting one.

use super::*;

impl PollService {
    pub async fn comment(
        &self,
        poll_id: &str,
        actor: &Actor,
        body: NewComment,
    ) -> PollResult<PollComment> {
        let poll = self.open_for(poll_id, actor).await?;
        let name = input::name(&body.author_name)?;
        let text = input::comment_text(&body.text)?;
        let (id, who, n, t) = (
            poll.id.clone(),
            actor.id().to_string(),
            name.clone(),
            text.clone(),
        );
        let now = now_ms();
        let (comment_id, version) = self
            .db
            .write(move |c| {
                if store::poll(c, &id)?.is_none() {
                    return fail(PollError::NotFound);
                }
                let cid = store::insert_comment(c, &id, &n, Some(&who), &t, now)?;
                Ok((cid, store::touch(c, &id, now)?))
            })
            .await?;
        self.changed(&poll.id, Some(version));
        self.tell_owner(
            &poll,
            nichoir_core::notify::Kind::PollComment,
            &name,
            actor.id(),
            &text,
        );
        if poll.settings.notify_comments {
            if let Some(to) = &poll.settings.author_email {
                let lang = self.owner_language(&poll).await;
                let (subject, body) = mails::comment(
                    &lang,
                    &self.mailer.instance_name(),
                    &name,
                    &poll.settings.title,
                    &text,
                    &self.admin_url(&poll.admin_token),
                );
                self.mailer.send_later(Mail {
                    to: to.clone(),
                    subject,
                    body,
                });
            }
        }
        Ok(PollComment {
            id: comment_id,
            author_name: name,
            text,
            created_at: nichoir_core::time::rfc3339(now),
            deletable: false,
        })
    }

    pub async fn delete_comment(&self, token: &str, comment_id: i64) -> PollResult<()> {
        let poll = self.poll_by_admin(token).await?;
        let id = poll.id.clone();
        let version = self
            .db
            .write(move |c| {
                if !store::delete_comment(c, &id, comment_id)? {
                    return fail(PollError::Other(Error::not_found(
                        "no such comment in this poll",
                    )));
                }
                store::touch(c, &id, now_ms())
            })
            .await?;
        self.changed(&poll.id, Some(version));
        Ok(())
    }
}
