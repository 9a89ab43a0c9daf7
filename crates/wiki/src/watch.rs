//! Watching a page or a whole wiki: each change by someone else becomes an in-app notification
//! with the diff, and a mail when SMTP is configured and the watcher has a confirmed address.

use crate::access::{Sight, Who};
use crate::api::WikiNotification;
use crate::model::{PageRow, WikiRow};
use crate::service::{WikiResult, WikiService};
use crate::store;
use crate::watch_store;
use nichoir_auth::Actor;
use nichoir_core::time::now_ms;
use nichoir_core::Error;
use nichoir_mail::Mail;

const MAX_DIFF: usize = 20_000;

/// One change to tell watchers about.
pub struct Change<'a> {
    pub page: &'a PageRow,
    pub rev: i64,
    pub summary: &'a str,
    pub old: &'a str,
    pub new: &'a str,
}

/// What a watcher's mail about a change says.
struct ChangeMail<'a> {
    /// The watcher's language ("fr" or English).
    lang: &'a str,
    instance: &'a str,
    actor: &'a str,
    page: &'a str,
    wiki: &'a str,
    summary: &'a str,
    url: &'a str,
    diff: &'a str,
}

/// The subject and body of a watcher's mail about a change.
fn change_mail(m: &ChangeMail<'_>) -> (String, String) {
    let ChangeMail {
        instance,
        actor,
        page,
        wiki,
        summary,
        url,
        diff,
        ..
    } = m;
    let summary = summary.trim();
    if m.lang == "fr" {
        let said = if summary.is_empty() {
            String::new()
        } else {
            format!(" : {summary}")
        };
        (
            format!("[{instance}] {actor} a modifié « {page} » ({wiki})"),
            format!("{actor} a modifié « {page} » dans {wiki}{said}\n\n{url}\n\n{diff}\n"),
        )
    } else {
        let said = if summary.is_empty() {
            String::new()
        } else {
            format!(": {summary}")
        };
        (
            format!("[{instance}] {actor} changed \"{page}\" ({wiki})"),
            format!("{actor} changed \"{page}\" in {wiki}{said}\n\n{url}\n\n{diff}\n"),
        )
    }
}

impl WikiService {
    /// Watches (or stops watching) a page, or the whole wiki when `name` is None.
    pub async fn set_watch(
        &self,
        slug: &str,
        name: Option<&str>,
        actor: &Actor,
        on: bool,
    ) -> WikiResult<()> {
        let Some(user) = actor.as_user() else {
            return Err(Error::unauthenticated().into());
        };
        let page_id = match name {
            Some(n) => self.page_for(slug, n, Some(actor)).await?.1.id,
            None => 0,
        };
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        let (uid, wid) = (user.id.clone(), sight.wiki().id);
        self.db
            .write(move |c| {
                if on {
                    watch_store::watch(c, &uid, wid, page_id)
                } else {
                    watch_store::unwatch(c, &uid, wid, page_id)
                }
            })
            .await?;
        Ok(())
    }

    pub async fn is_watching(
        &self,
        actor: Option<&Actor>,
        wiki_id: i64,
        page_id: i64,
    ) -> WikiResult<bool> {
        let Some(uid) = actor.and_then(|a| a.as_user()).map(|u| u.id.clone()) else {
            return Ok(false);
        };
        Ok(self
            .db
            .read(move |c| watch_store::is_watching(c, &uid, wiki_id, page_id))
            .await?)
    }

    /// Tells the page's and the wiki's watchers (but the author) about a change.
    pub(crate) async fn notify(&self, wiki: &WikiRow, actor: &Actor, ch: Change<'_>) {
        if let Err(e) = self.notify_inner(wiki, actor, ch).await {
            tracing::warn!(wiki = %wiki.slug, "watch notifications failed: {e}");
        }
    }

    async fn notify_inner(&self, wiki: &WikiRow, actor: &Actor, ch: Change<'_>) -> WikiResult<()> {
        let (wid, pid, me) = (wiki.id, ch.page.id, actor.id().to_string());
        let watchers: Vec<String> = self
            .db
            .read(move |c| watch_store::watchers(c, wid, pid, &me))
            .await?;
        if watchers.is_empty() {
            return Ok(());
        }
        let mut diff = nichoir_wikitext::diff::unified(
            ch.old,
            ch.new,
            &format!("revision {}", ch.rev - 1),
            &format!("revision {}", ch.rev),
        );
        if diff.len() > MAX_DIFF {
            let cut = (0..=MAX_DIFF)
                .rev()
                .find(|i| diff.is_char_boundary(*i))
                .unwrap_or(0);
            diff.truncate(cut);
            diff.push_str("\n…");
        }
        let url = format!(
            "{}/w/{}/{}",
            self.base_url,
            wiki.slug,
            nichoir_wikitext::names::page_url_segment(&ch.page.name)
        );
        for uid in watchers {
            let Some(user) = self.auth.user_by_id(&uid).await? else {
                continue;
            };
            if user.disabled {
                continue;
            }
            let (u2, w2) = (uid.clone(), wiki.id);
            let role = self.db.read(move |c| store::role(c, w2, &u2)).await?;
            let who = Who {
                user: true,
                instance_admin: user.is_admin,
                role,
            };
            let sees = Sight::decide(wiki.clone(), who).is_ok_and(|s| s.sees(&ch.page.rules()));
            if !sees {
                continue;
            }
            let (name, rev, summary, actor_name, d, now) = (
                ch.page.name.clone(),
                ch.rev,
                ch.summary.to_string(),
                actor.display_name().to_string(),
                diff.clone(),
                now_ms(),
            );
            let u3 = uid.clone();
            self.db
                .write(move |c| {
                    watch_store::insert_notification(
                        c,
                        &watch_store::NewNotification {
                            user_id: &u3,
                            wiki_id: w2,
                            page_name: &name,
                            rev,
                            actor_name: &actor_name,
                            summary: &summary,
                            diff: &d,
                            now,
                        },
                    )
                })
                .await?;
            self.notifier.notify(vec![nichoir_core::notify::Notice {
                user_id: uid.clone(),
                kind: nichoir_core::notify::Kind::WikiChange,
                scope: format!("wiki:{}/{}", wiki.id, ch.page.id),
                title: format!(
                    "{} · {} ({})",
                    actor.display_name(),
                    ch.page.name,
                    wiki.title
                ),
                body: nichoir_core::notify::excerpt(ch.summary),
                url: format!(
                    "/w/{}/{}",
                    wiki.slug,
                    nichoir_wikitext::names::page_url_segment(&ch.page.name)
                ),
                actor_id: Some(actor.id().to_string()),
            }]);
            if let Some(email) = user.mail_address() {
                let (subject, body) = change_mail(&ChangeMail {
                    lang: &self.mailer.language_for(user.language.as_deref()),
                    instance: &self.mailer.instance_name(),
                    actor: actor.display_name(),
                    page: &ch.page.name,
                    wiki: &wiki.title,
                    summary: ch.summary,
                    url: &url,
                    diff: &diff,
                });
                self.mailer.send_later(Mail {
                    to: email.to_string(),
                    subject,
                    body,
                });
            }
        }
        Ok(())
    }

    pub async fn notifications(&self, user_id: &str) -> WikiResult<Vec<WikiNotification>> {
        let u = user_id.to_string();
        let rows: Vec<WikiNotification> = self
            .db
            .read(move |c| watch_store::notifications(c, &u))
            .await?;
        Ok(rows)
    }

    pub async fn mark_read(&self, user_id: &str, ids: Vec<i64>, all: bool) -> WikiResult<()> {
        let u = user_id.to_string();
        self.db
            .write(move |c| {
                if all {
                    watch_store::mark_all_read(c, &u)
                } else {
                    watch_store::mark_read(c, &u, ids.iter().take(1000))
                }
            })
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_mail_speaks_the_watchers_language() {
        let mut m = ChangeMail {
            lang: "fr",
            instance: "Lilas",
            actor: "Ana",
            page: "Accueil",
            wiki: "Club",
            summary: "typo",
            url: "https://n.example/w/club/Accueil",
            diff: "-a\n+b",
        };
        let (subject, body) = change_mail(&m);
        assert_eq!(subject, "[Lilas] Ana a modifié « Accueil » (Club)");
        assert!(
            body.starts_with("Ana a modifié « Accueil » dans Club : typo\n"),
            "{body}"
        );
        m.lang = "en";
        m.summary = "";
        let (subject, body) = change_mail(&m);
        assert_eq!(subject, "[Lilas] Ana changed \"Accueil\" (Club)");
        assert!(
            body.starts_with("Ana changed \"Accueil\" in Club\n\nhttps://"),
            "{body}"
        );
    }
}
