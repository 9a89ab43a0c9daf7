//! A page's history: revisions, diffs, revert, and a wiki's recent changes.

use super::*;

impl WikiService {
    pub async fn history(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
        before: Option<i64>,
        limit: i64,
    ) -> WikiResult<History> {
        let (_, page) = self.page_for(slug, name, actor).await?;
        let (pid, before, limit) = (page.id, before.unwrap_or(i64::MAX), limit.clamp(1, 500));
        let revs = self
            .db
            .read(move |c| store::revisions(c, pid, before, limit))
            .await?;
        Ok(History {
            page: page.name.clone(),
            rev: page.rev,
            deleted: page.deleted,
            revisions: revs,
        })
    }

    pub async fn revision(
        &self,
        slug: &str,
        name: &str,
        rev: i64,
        actor: Option<&Actor>,
    ) -> WikiResult<RevisionText> {
        let (sight, page) = self.page_for(slug, name, actor).await?;
        let wiki = sight.wiki().clone();
        let (pid, base_url) = (page.id, self.base_url.clone());
        let cache = std::sync::Arc::clone(&self.render_cache);
        let (text, html) = self
            .db
            .read(move |c| {
                let Some(text) = store::revision_text(c, pid, rev)? else {
                    return fail(WikiError::Other(Error::not_found(format!(
                        "revision {rev} does not exist"
                    ))));
                };
                let html = cached_render(c, &cache, (wiki.id, pid, rev), &wiki, &text, &base_url)?;
                Ok((text, html))
            })
            .await?;
        Ok(RevisionText {
            page: page.name.clone(),
            rev,
            text,
            html,
        })
    }

    pub async fn diff(
        &self,
        slug: &str,
        name: &str,
        from: i64,
        to: i64,
        actor: Option<&Actor>,
    ) -> WikiResult<DiffAnswer> {
        let (_, page) = self.page_for(slug, name, actor).await?;
        let pid = page.id;
        let (old, new) = self
            .db
            .read(move |c| {
                let old = if from == 0 {
                    Some(String::new())
                } else {
                    store::revision_text(c, pid, from)?
                };
                let new = store::revision_text(c, pid, to)?;
                match (old, new) {
                    (Some(o), Some(n)) => Ok((o, n)),
                    _ => fail(WikiError::Other(Error::not_found(
                        "one of these revisions does not exist",
                    ))),
                }
            })
            .await?;
        // CPU work on two texts of up to a page each: on the work pool, not the async worker.
        let d = work::run(move || Ok(nichoir_wikitext::diff::diff(&old, &new, 3))).await?;
        Ok(DiffAnswer {
            page: page.name.clone(),
            from,
            to,
            diff: d,
        })
    }

    /// Writes an old revision's text as a new revision.
    pub async fn revert(&self, slug: &str, name: &str, rev: i64, actor: &Actor) -> WikiResult<i64> {
        let (sight, page) = self.page_for(slug, name, Some(actor)).await?;
        if !sight.can_edit(&page.rules()) {
            return Err(WikiError::CannotEdit);
        }
        let wiki = sight.wiki().clone();
        let (author_id, author_name, base_url) = (
            actor.id().to_string(),
            actor.display_name().to_string(),
            self.base_url.clone(),
        );
        let rev = self
            .db
            .write(move |c| {
                let Some(p) = store::page_by_id(c, page.id)? else {
                    return fail(WikiError::NoPage);
                };
                let Some(text) = store::revision_text(c, p.id, rev)? else {
                    return fail(WikiError::Other(Error::not_found(format!(
                        "revision {rev} does not exist"
                    ))));
                };
                let (html, toc, links) = render_with(c, &wiki, &text, &base_url)?;
                let summary = format!("Reverted to revision {rev}");
                let w = store::Write {
                    text: &text,
                    html: &html,
                    toc: &toc,
                    summary: &summary,
                    kind: "revert",
                    author_id: Some(&author_id),
                    author_name: &author_name,
                    now: now_ms(),
                };
                let was_deleted = p.deleted;
                let new_rev = store::update_page(c, &p, &p.name, &w)?;
                store::set_links(c, wiki.id, p.id, &links)?;
                if was_deleted {
                    refresh_linkers(c, &wiki, &p.key, &base_url)?;
                }
                Ok(new_rev)
            })
            .await?;
        Ok(rev)
    }

    pub async fn changes(
        &self,
        slug: &str,
        actor: Option<&Actor>,
        author: Option<String>,
        page: Option<String>,
        before: Option<i64>,
        limit: i64,
    ) -> WikiResult<(WikiRow, Vec<ChangeEntry>)> {
        let (sight, _) = self.load(slug, None, actor).await?;
        let id = sight.wiki().id;
        let page_key_filter = page.map(|p| page_key(&p));
        let limit = limit.clamp(1, 500);
        let rows = self
            .db
            .read(move |c| {
                store::changes(
                    c,
                    id,
                    &store::ChangeFilter {
                        author: author.as_deref(),
                        page_key: page_key_filter.as_deref(),
                        before_id: before.unwrap_or(i64::MAX),
                        limit,
                    },
                )
            })
            .await?;
        let out = rows
            .into_iter()
            .filter(|(_, _, rule)| sight.sees_rule(*rule))
            .map(|(id, change, _)| ChangeEntry { id, change })
            .collect();
        Ok((sight.wiki().clone(), out))
    }
}
