//! Background jobs: the purge of expired polls and the reminders mailed before a deadline.

use super::*;

impl PollService {
    /// Deletes polls past their purge date; returns how many.
    pub async fn purge_expired(&self) -> PollResult<usize> {
        if self.config.purge_after_days == 0 {
            return Ok(0);
        }
        let after = self.config.purge_after_days as i64 * 86_400_000;
        let ids = self
            .db
            .write(move |c| {
                let ids = store::expired(c, now_ms(), after)?;
                for id in &ids {
                    store::delete_poll(c, id)?;
                }
                Ok(ids)
            })
            .await?;
        for id in &ids {
            self.changed(id, None);
        }
        Ok(ids.len())
    }

    /// Mails the reminders that are due; returns how many were sent.
    pub async fn send_reminders(&self) -> PollResult<usize> {
        if !self.mailer.enabled() {
            return Ok(0);
        }
        let window = self.config.reminder_hours as i64 * 3_600_000;
        let due = self
            .db
            .read(move |c| store::reminders_due(c, now_ms(), window))
            .await?;
        let mut sent = 0;
        for poll in due {
            let Some(to) = poll.settings.author_email.clone() else {
                continue;
            };
            let deadline = poll
                .settings
                .deadline
                .map(nichoir_core::time::rfc3339)
                .unwrap_or_default();
            let lang = self.owner_language(&poll).await;
            let (subject, body) = mails::reminder(
                &lang,
                &self.mailer.instance_name(),
                &poll.settings.title,
                &deadline,
                &self.admin_url(&poll.admin_token),
            );
            let mail = Mail { to, subject, body };
            // Claimed before it is sent: one mail per poll even when several nodes look.
            let id = poll.id.clone();
            if !self
                .db
                .write(move |c| store::claim_reminder(c, &id))
                .await?
            {
                continue;
            }
            match self.mailer.send(mail).await {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(poll = %poll.id, "reminder not sent: {e}");
                    let id = poll.id.clone();
                    self.db
                        .write(move |c| store::release_reminder(c, &id))
                        .await?;
                }
            }
        }
        Ok(sent)
    }
}
