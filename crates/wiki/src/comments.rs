//! Comments under a page (when the wiki has them on): anyone who may read the page and has an
//! identity may comment; its author or a wiki admin may delete it.

use std::net::IpAddr;

use crate::access::PageRule;
use crate::api::WikiComment;
use crate::comments_store;
use crate::service::{WikiError, WikiResult, WikiService};
use nichoir_auth::Actor;
use nichoir_core::time::now_ms;
use nichoir_core::Error;

pub const MAX_COMMENT: usize = 4_000;

impl WikiService {
    pub async fn comments(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<Vec<WikiComment>> {
        let (sight, page) = self.page_for(slug, name, actor).await?;
        if !sight.wiki().comments_enabled {
            return Ok(Vec::new());
        }
        let admin = sight.can_admin();
        let me = actor.map(|a| a.id().to_string());
        let pid = page.id;
        let rows: Vec<(i64, Option<String>, String, String, i64)> = self
            .db
            .read(move |c| comments_store::comments(c, pid))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, author, author_name, text, created_at)| WikiComment {
                deletable: admin || (me.is_some() && author == me),
                id,
                author_name,
                text,
                created_at,
            })
            .collect())
    }

    pub async fn comment(
        &self,
        slug: &str,
        name: &str,
        actor: &Actor,
        ip: Option<IpAddr>,
        text: &str,
        website: Option<&str>,
    ) -> WikiResult<WikiComment> {
        if website.is_some_and(|w| !w.is_empty()) {
            return Err(WikiError::Other(Error::validation(
                "website: this field must stay empty (it catches spam robots)",
            )));
        }
        let text = text.trim().replace("\r\n", "\n");
        nichoir_core::text::check_controls("text", &text, nichoir_core::text::Lines::Many)?;
        let n = text.chars().count();
        if n == 0 || n > MAX_COMMENT {
            return Err(WikiError::Other(Error::validation(format!(
                "text: 1 to {MAX_COMMENT} characters"
            ))));
        }
        let (sight, page) = self.page_for(slug, name, Some(actor)).await?;
        let wiki = sight.wiki();
        if !wiki.comments_enabled || page.deleted {
            return Err(WikiError::Other(Error::forbidden(
                "comments are off on this wiki",
            )));
        }
        if wiki.locked {
            return Err(WikiError::CannotEdit);
        }
        self.throttle_anonymous(actor, ip)?;
        let (pid, aid, aname, now) = (
            page.id,
            actor.id().to_string(),
            actor.display_name().to_string(),
            now_ms(),
        );
        let t = text.clone();
        let id: i64 = self
            .db
            .write(move |c| {
                comments_store::insert_comment(
                    c,
                    &comments_store::NewComment {
                        page_id: pid,
                        author_id: &aid,
                        author_name: &aname,
                        text: &t,
                        now,
                    },
                )
            })
            .await?;
        Ok(WikiComment {
            id,
            author_name: actor.display_name().to_string(),
            text,
            created_at: now,
            deletable: true,
        })
    }

    pub async fn delete_comment(&self, slug: &str, id: i64, actor: &Actor) -> WikiResult<()> {
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        let admin = sight.can_admin();
        let (wid, me) = (sight.wiki().id, actor.id().to_string());
        self.db
            .write(move |c| {
                let row = comments_store::comment_author_and_rule(c, id, wid)?;
                // A comment under a page the asker may not read does not exist for them.
                let seen = row.filter(|(_, rule)| {
                    PageRule::parse(rule).is_some_and(|rule| sight.sees_rule(rule))
                });
                let Some((author, _)) = seen else {
                    return Err(Error::not_found("no such comment in this wiki").into());
                };
                if !admin && author.as_deref() != Some(me.as_str()) {
                    return Err(Error::forbidden(
                        "only its author or a wiki admin deletes a comment",
                    )
                    .into());
                }
                comments_store::delete_comment(c, id)
            })
            .await?;
        Ok(())
    }
}
