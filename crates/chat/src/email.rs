//! Mail about what people missed: mentions and direct messages they have not seen within
//! `chat.email_after_minutes` are mailed in one batch, at most as often as each person chose
//! (`MissedMail`: immediately, every 15 minutes, hourly, never), to confirmed addresses only,
//! with a link to each message and a one-click unsubscribe. What was read meanwhile is not
//! mailed, nor anything twice (`chat_email.mailed_up_to`); when the mail server is down, the
//! watermark does not move and the next round tries again.

use std::collections::BTreeMap;

use nichoir_core::config::MissedMail;
use nichoir_core::ids::{hash_token, random_token};
use nichoir_core::time::now_ms;
use nichoir_core::Error;
use nichoir_mail::Mail;

use crate::service::{ChatResult, ChatService};
use crate::store::{self, Missed};

/// Messages older than this are not mailed any more (someone back from holidays reads them in
/// the app, not in a mail about last month).
const OLDEST_MS: i64 = 3 * 24 * 3_600_000;
/// The most messages one round looks at, and one mail lists.
const ROUND_LIMIT: i64 = 5_000;
const PER_MAIL: usize = 30;

/// A person's choice, and the instance's default.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "chat/")]
pub struct EmailChoice {
    /// `immediately`, `15min`, `hourly` or `never`.
    #[ts(as = "String")]
    pub cadence: &'static str,
    /// The instance's, for those who chose nothing.
    #[ts(as = "String")]
    pub default: &'static str,
}

/// A message as the mail quotes it: its words without Markdown marks, on one line, 200 characters.
fn excerpt(text: &str) -> String {
    nichoir_core::notify::excerpt_of(&nichoir_core::markdown::to_plain(text), 200)
}

/// The mail listing `missed` for `name`, in `lang` ("fr" or English).
pub fn missed_mail(
    lang: &str,
    instance: &str,
    base_url: &str,
    name: &str,
    missed: &[(String, &Missed)],
    token: &str,
) -> (String, String) {
    let fr = lang == "fr";
    let n = missed.len();
    let subject = match (fr, n) {
        (true, 1) => format!("[{instance}] 1 message manqué"),
        (true, _) => format!("[{instance}] {n} messages manqués"),
        (false, 1) => format!("[{instance}] 1 missed message"),
        (false, _) => format!("[{instance}] {n} missed messages"),
    };
    let mut body = if fr {
        format!("Bonjour {name},\n\nPendant votre absence, on vous a mentionné ou écrit directement sur {instance} :\n")
    } else {
        format!("Hello {name},\n\nWhile you were away, you were mentioned or sent a direct message on {instance}:\n")
    };
    for (author, m) in missed.iter().take(PER_MAIL) {
        // A deleted account's name is a marker, said in the reader's language.
        let author = match author.as_str() {
            nichoir_core::departure::DELETED_NAME if fr => "Utilisateur supprimé",
            other => other,
        };
        let place = match (&m.team, m.kind.as_str()) {
            (_, "direct" | "group") if fr => "en message direct".to_string(),
            (_, "direct" | "group") => "in a direct message".to_string(),
            _ if fr => format!("dans ~{}", m.channel_name),
            _ => format!("in ~{}", m.channel_name),
        };
        let link = match &m.team {
            Some(team) => format!("{base_url}/chat/{team}/pl/{}", m.post_id),
            None => format!("{base_url}/chat"),
        };
        body.push_str(&format!(
            "\n— {author} {place} :\n  {}\n  {link}\n",
            excerpt(&m.text)
        ));
    }
    if n > PER_MAIL {
        body.push_str(&if fr {
            format!("\n… et {} autres.\n", n - PER_MAIL)
        } else {
            format!("\n… and {} more.\n", n - PER_MAIL)
        });
    }
    body.push_str(&if fr {
        format!("\nPour recevoir ces messages moins souvent ou jamais : {base_url}/account#chat-email\nN'en plus recevoir (un clic) : {base_url}/unsubscribe#{token}\n")
    } else {
        format!("\nTo get these e-mails less often or never: {base_url}/account#chat-email\nStop them (one click): {base_url}/unsubscribe#{token}\n")
    });
    (subject, body)
}

impl ChatService {
    /// The person's choice of missed-activity mail.
    pub async fn email_choice(&self, user_id: &str) -> ChatResult<EmailChoice> {
        let uid = user_id.to_string();
        let stored = self.db.read(move |c| store::email_state(c, &uid)).await?;
        let cadence = stored
            .and_then(|s| s.cadence)
            .and_then(|c| MissedMail::parse(&c))
            .unwrap_or(self.email.default);
        Ok(EmailChoice {
            cadence: cadence.as_str(),
            default: self.email.default.as_str(),
        })
    }

    pub async fn set_email_choice(&self, user_id: &str, cadence: &str) -> ChatResult<EmailChoice> {
        let choice = MissedMail::parse(cadence).ok_or_else(|| {
            Error::validation("cadence: \"immediately\", \"15min\", \"hourly\" or \"never\"")
        })?;
        let uid = user_id.to_string();
        self.db
            .write(move |c| store::set_email_cadence(c, &uid, choice.as_str()))
            .await?;
        self.email_choice(user_id).await
    }

    /// One click in a mail: no more of them. Unknown tokens are answered the same (nothing to
    /// learn from trying).
    pub async fn unsubscribe(&self, token: &str) -> ChatResult<()> {
        let hash = hash_token(token.trim());
        self.db
            .write(move |c| store::unsubscribe_email(c, &hash))
            .await?;
        Ok(())
    }

    /// One round: mails each person who is due what they missed. Answers how many mails went.
    pub async fn mail_missed(&self) -> ChatResult<usize> {
        if !self.email.mailer.enabled() {
            return Ok(0);
        }
        let now = now_ms();
        let seen_by = now - self.email.after_minutes as i64 * 60_000;
        // What was missed, by person, with each person's mail state: one trip to the database.
        let by_user = self
            .db
            .read(move |c| {
                let mut by_user: BTreeMap<String, (Option<store::EmailState>, Vec<Missed>)> =
                    BTreeMap::new();
                for r in store::missed(c, seen_by, now - OLDEST_MS, ROUND_LIMIT)? {
                    if !by_user.contains_key(&r.user_id) {
                        let state = store::email_state(c, &r.user_id)?;
                        by_user.insert(r.user_id.clone(), (state, Vec::new()));
                    }
                    if let Some((_, list)) = by_user.get_mut(&r.user_id) {
                        list.push(r);
                    }
                }
                Ok(by_user)
            })
            .await?;
        let mut sent = 0;
        for (user_id, (state, missed)) in by_user {
            let cadence = state
                .as_ref()
                .and_then(|s| s.cadence.as_deref())
                .and_then(MissedMail::parse)
                .unwrap_or(self.email.default);
            let Some(period) = cadence.period_ms() else {
                continue;
            };
            if state
                .as_ref()
                .is_some_and(|s| now - s.last_mailed_at < period)
            {
                continue;
            }
            let Some(user) = self.auth.user_by_id(&user_id).await? else {
                continue;
            };
            let Some(address) = user.mail_address().map(str::to_string) else {
                continue;
            };
            let mut listed = Vec::with_capacity(missed.len());
            for m in &missed {
                let name = self.user(&m.author_id).await?.display_name;
                listed.push((name, m));
            }
            let token = random_token(24);
            // Theirs, else the instance's as an admin set it last (not as the server started).
            let lang = self.email.mailer.language_for(user.language.as_deref());
            let (subject, body) = missed_mail(
                &lang,
                &self.email.mailer.instance_name(),
                &self.base_url,
                &user.display_name,
                &listed,
                &token,
            );
            let one_click = format!(
                "{}/api/v1/chat/email/one-click?token={token}",
                self.base_url
            );
            if let Err(e) = self
                .email
                .mailer
                .send_unsubscribable(
                    Mail {
                        to: address,
                        subject,
                        body,
                    },
                    &one_click,
                )
                .await
            {
                // The mail server is down: nothing moves, the next round tries again.
                tracing::warn!(error = %e, "missed-activity mail not sent");
                continue;
            }
            let up_to = missed.iter().map(|m| m.post_id).max().unwrap_or(0);
            let hash = hash_token(&token);
            self.db
                .write(move |c| store::email_sent(c, &user_id, up_to, now, &hash))
                .await?;
            sent += 1;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missed(id: i64, kind: &str, text: &str) -> Missed {
        Missed {
            user_id: "u_a".into(),
            post_id: id,
            author_id: "u_b".into(),
            text: text.into(),
            kind: kind.into(),
            channel_name: "town-square".into(),
            team: (kind == "public").then(|| "club".to_string()),
        }
    }

    #[test]
    fn a_mail_lists_each_message_with_its_link_and_the_way_out() {
        let (a, b) = (
            missed(7, "public", "@ana   see\nthis"),
            missed(9, "direct", "hi"),
        );
        let list = vec![("Bob".to_string(), &a), ("Bob".to_string(), &b)];
        let (subject, body) = missed_mail("en", "Lilas", "https://n.example", "Ana", &list, "tok");
        assert_eq!(subject, "[Lilas] 2 missed messages");
        assert!(
            body.contains(
                "— Bob in ~town-square :\n  @ana see this\n  https://n.example/chat/club/pl/7"
            ),
            "{body}"
        );
        assert!(body.contains("Bob in a direct message"), "{body}");
        assert!(body.contains("https://n.example/unsubscribe#tok"), "{body}");
        let (subject, body) =
            missed_mail("fr", "Lilas", "https://n.example", "Ana", &list[..1], "tok");
        assert_eq!(subject, "[Lilas] 1 message manqué");
        assert!(body.contains("dans ~town-square"), "{body}");
        assert_eq!(excerpt(&"x".repeat(300)).chars().count(), 200);
        assert_eq!(excerpt("**Budget** at *8 pm*"), "Budget at 8 pm");
    }
}
