//! Pages: reading (one redirect followed), preview, save with three-way merge, delete, restore,
//! backlinks, the list of pages and a page's own rules.

use super::*;

/// The edit and what was saved since its base revision changed the same lines.
fn conflict(rev: i64, text: String) -> Saved {
    Saved::Conflict(ConflictBody {
        error: ErrorDetail {
            code: ErrorCode::Conflict.as_str().into(),
            message: "someone changed the same lines since you started: nothing was saved; \
                      resolve the marked conflicts and save again"
                .into(),
        },
        conflict: Conflict { rev, text },
    })
}

impl WikiService {
    /// A page for reading: rendered HTML (re-rendered and stored if a linked page came or went),
    /// its source, its table of contents. Follows one redirect.
    pub async fn page(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<PageAnswer> {
        let key = page_key(name);
        let (sight, row) = self.load(slug, Some(key), actor).await?;
        // A deleted page says so only to whom its history would show it (a hidden one stays
        // missing); a renamed page's old name is a redirect, never "deleted".
        let mut page = sight.page(row)?;
        if page.deleted {
            return Err(if page.redirect_to.is_none() {
                WikiError::DeletedPage
            } else {
                WikiError::NoPage
            });
        }
        let mut redirected_from = None;
        if let Some(target) = page.redirect_to.clone() {
            let wid = sight.wiki().id;
            let next = self.db.read(move |c| store::page(c, wid, &target)).await?;
            redirected_from = Some(page.name.clone());
            page =
                sight.page(Unseen::new(next).filter(|p| !p.deleted && p.redirect_to.is_none()))?;
        }
        let wiki = sight.wiki();
        let (html, toc) = match (&page.html, &page.toc) {
            (Some(h), Some(t)) => (h.clone(), t.clone()),
            _ => {
                let (w, pid) = (wiki.clone(), page.id);
                let base_url = self.base_url.clone();
                self.db
                    .write(move |c| {
                        let Some(p) = store::page_by_id(c, pid)? else {
                            return fail(WikiError::NoPage);
                        };
                        let (html, toc, _) = render_stored(c, &w, &p.text, &base_url)?;
                        store::store_render(c, pid, p.rev, &html, &toc)?;
                        Ok((html, toc))
                    })
                    .await?
            }
        };
        let watching = self.is_watching(actor, wiki.id, page.id).await?;
        Ok(PageAnswer {
            watching,
            wiki: PageWiki {
                slug: wiki.slug.clone(),
                title: wiki.title.clone(),
                theme_color: wiki.theme_color.clone(),
                home_page: wiki.home_page.clone(),
            },
            page: PageInfo {
                name: page.name.clone(),
                rev: page.rev,
                html,
                toc: parse_toc(&toc),
                created_at: page.created_at,
                updated_at: page.updated_at,
                view_rule: page.view_rule,
                edit_rule: page.edit_rule,
            },
            text: page.text.clone(),
            can_edit: sight.can_edit(&page.rules()),
            can_admin: sight.can_admin(),
            redirected_from,
        })
    }

    pub async fn preview(
        &self,
        slug: &str,
        actor: Option<&Actor>,
        text: &str,
    ) -> WikiResult<Preview> {
        self.check_size(text)?;
        let (sight, _) = self.load(slug, None, actor).await?;
        let wiki = sight.wiki().clone();
        let (text, base_url) = (text.to_string(), self.base_url.clone());
        let (html, toc, _) = self
            .db
            .read(move |c| render_with(c, &wiki, &text, &base_url))
            .await?;
        Ok(Preview {
            html,
            toc: parse_toc(&toc),
        })
    }

    fn check_size(&self, text: &str) -> Result<(), Error> {
        let max = self.config.max_page_chars as usize;
        if text.len() > max * 4 || text.chars().count() > max {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("a page holds at most {max} characters"),
            ));
        }
        Ok(())
    }

    /// Counts an edit by someone without an account against their address's hourly budget.
    pub(crate) fn throttle_anonymous(&self, actor: &Actor, ip: Option<IpAddr>) -> WikiResult<()> {
        let limit = self.config.anonymous_edits_per_hour as usize;
        let (true, Some(ip), true) = (actor.as_user().is_none(), ip, limit > 0) else {
            return Ok(());
        };
        let now = Instant::now();
        let hour = Duration::from_secs(3600);
        let mut map = self.anonymous.lock();
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < hour));
        }
        let q = map.entry(ip).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= hour) {
            q.pop_front();
        }
        if q.len() >= limit {
            let wait = q
                .front()
                .map(|t| hour.saturating_sub(now.duration_since(*t)).as_secs() + 1)
                .unwrap_or(60);
            return Err(WikiError::Throttled(wait));
        }
        q.push_back(now);
        Ok(())
    }

    /// Saves a page: creates it (`base_rev` null), or writes a new revision. An edit based on an
    /// older revision is merged three-way with what was saved since; when the same lines changed,
    /// nothing is stored and the editor gets the text with conflict markers.
    pub async fn save(
        &self,
        slug: &str,
        name: &str,
        actor: &Actor,
        ip: Option<IpAddr>,
        input: SaveInput,
    ) -> WikiResult<Saved> {
        if input.website.as_deref().is_some_and(|w| !w.is_empty()) {
            return Err(WikiError::Other(Error::validation(
                "website: this field must stay empty (it catches spam robots)",
            )));
        }
        self.check_size(&input.text)?;
        let display = validate_page_name(name)?;
        let summary = text_field(
            "summary",
            input.summary.as_deref().unwrap_or(""),
            0,
            MAX_SUMMARY,
        )?;
        let key = page_key(&display);
        let (sight, existing) = self.load(slug, Some(key.clone()), Some(actor)).await?;
        if !sight.can_edit(&existing.rules()) {
            return Err(WikiError::CannotEdit);
        }
        let wiki = sight.wiki().clone();
        self.throttle_anonymous(actor, ip)?;
        let text = input.text.replace("\r\n", "\n");
        check_controls("text", &text, Lines::Many)?;
        check_renders(&text).await?;
        let (author_id, author_name) = (actor.id().to_string(), actor.display_name().to_string());
        let base_rev = input.base_rev;
        let base_url = self.base_url.clone();
        let wiki_for_notify = wiki.clone();
        let saved = self
            .db
            .write(move |c| {
                let now = now_ms();
                let current = store::page(c, wiki.id, &key)?;
                let live = current
                    .as_ref()
                    .filter(|p| !p.deleted && p.redirect_to.is_none());
                let (final_text, merged) = match (live, base_rev) {
                    (None, _) => (text.clone(), false),
                    (Some(p), None) => return fail(WikiError::PageExists(p.name.clone())),
                    (Some(p), Some(b)) if b == p.rev => (text.clone(), false),
                    (Some(p), Some(b)) if b > p.rev || b < 1 => {
                        return fail(WikiError::Other(
                            Error::validation(format!("base_rev: revision {b} does not exist"))
                                .with_invalid(Field::BaseRev, Rule::Unknown),
                        ))
                    }
                    (Some(p), Some(b)) => {
                        let Some(base) = store::revision_text(c, p.id, b)? else {
                            return fail(WikiError::Other(
                                Error::validation(format!("base_rev: revision {b} does not exist"))
                                    .with_invalid(Field::BaseRev, Rule::Unknown),
                            ));
                        };
                        match merge3(&base, &p.text, &text) {
                            MergeOutcome::Clean(t) => (t, true),
                            MergeOutcome::Conflict {
                                text_with_markers, ..
                            } => return Ok((conflict(p.rev, text_with_markers), None)),
                        }
                    }
                };
                // Saving what is there already (a double click, an editor closed without a
                // change) makes no empty revision and tells no watcher.
                if let Some(p) = live.filter(|p| p.text == final_text && p.name == display) {
                    return Ok((
                        Saved::Done(SaveAnswer {
                            rev: p.rev,
                            merged,
                            created: false,
                            unchanged: true,
                        }),
                        None,
                    ));
                }
                let kind = if live.is_some() { "edit" } else { "create" };
                // Render against the pages as they will be (this one included).
                let (html, toc, links) = render_with_extra(c, &wiki, &final_text, &base_url, &key)?;
                let w = store::Write {
                    text: &final_text,
                    html: &html,
                    toc: &toc,
                    summary: &summary,
                    kind,
                    author_id: Some(&author_id),
                    author_name: &author_name,
                    now,
                };
                let (page_id, rev) = match &current {
                    Some(p) => (p.id, store::update_page(c, p, &display, &w)?),
                    None => (store::insert_page(c, wiki.id, &display, &key, &w)?, 1),
                };
                store::set_links(c, wiki.id, page_id, &links)?;
                if live.is_none() {
                    refresh_linkers(c, &wiki, &key, &base_url)?;
                }
                let old = live.map(|p| p.text.clone()).unwrap_or_default();
                let page = store::page_by_id(c, page_id)?;
                Ok((
                    Saved::Done(SaveAnswer {
                        rev,
                        merged,
                        created: live.is_none(),
                        unchanged: false,
                    }),
                    page.map(|p| (p, old, final_text, summary)),
                ))
            })
            .await?;
        let (saved, changed) = saved;
        if let Some((page, old, new, summary)) = changed {
            let rev = page.rev;
            self.notify(
                &wiki_for_notify,
                actor,
                crate::watch::Change {
                    page: &page,
                    rev,
                    summary: &summary,
                    old: &old,
                    new: &new,
                },
            )
            .await;
        }
        Ok(saved)
    }

    /// A page (deleted ones included, redirects not) that the asker may read, for its history,
    /// revisions, diffs, comments and the changes made to it.
    pub(crate) async fn page_for(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<(Sight, SeenPage)> {
        let (sight, row) = self.load(slug, Some(page_key(name)), actor).await?;
        let page = sight.page(row.filter(|p| p.redirect_to.is_none()))?;
        Ok((sight, page))
    }

    /// The live page `name` with its wiki, refused unless `actor` may edit it: where deleting
    /// and renaming start.
    pub(crate) async fn editable_page(
        &self,
        slug: &str,
        name: &str,
        actor: &Actor,
    ) -> WikiResult<(WikiRow, PageRow)> {
        let (sight, page) = self.page_for(slug, name, Some(actor)).await?;
        if page.deleted {
            return Err(WikiError::NoPage);
        }
        if !sight.can_edit(&page.rules()) {
            return Err(WikiError::CannotEdit);
        }
        Ok((sight.wiki().clone(), page.into_row()))
    }

    pub async fn delete_page(&self, slug: &str, name: &str, actor: &Actor) -> WikiResult<()> {
        let (wiki, page) = self.editable_page(slug, name, actor).await?;
        let starred = format!("{}/{}", wiki.slug, page.name);
        let (author_id, author_name) = (actor.id().to_string(), actor.display_name().to_string());
        let base_url = self.base_url.clone();
        self.db
            .write(move |c| {
                let w = store::Write {
                    text: &page.text,
                    html: "",
                    toc: "[]",
                    summary: "Deleted",
                    kind: "delete",
                    author_id: Some(&author_id),
                    author_name: &author_name,
                    now: now_ms(),
                };
                store::mark_deleted(c, &page, &w)?;
                refresh_linkers(c, &wiki, &page.key, &base_url)
            })
            .await?;
        // Its stars go at once, as a deleted wiki's (the hourly sweep catches a failure here):
        // a page made again under the name must not inherit them.
        if let Err(e) = self
            .auth
            .forget_deleted_item("wiki_page", &starred, None)
            .await
        {
            tracing::warn!(error = %e.message, page = %starred, "favourites of a deleted page kept");
        }
        Ok(())
    }

    /// Brings a deleted page back with its last text.
    pub async fn restore_page(&self, slug: &str, name: &str, actor: &Actor) -> WikiResult<i64> {
        let (_, page) = self.page_for(slug, name, Some(actor)).await?;
        if !page.deleted {
            return Err(WikiError::Other(Error::conflict(
                "this page is not deleted",
            )));
        }
        self.revert(slug, name, page.rev - 1, actor).await
    }

    pub async fn backlinks(
        &self,
        slug: &str,
        name: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<Vec<Backlink>> {
        // The links to a page are the page's own data: they answer only for a page the asker sees.
        let (sight, page) = self.page_for(slug, name, actor).await?;
        let (wid, key) = (sight.wiki().id, page.key.clone());
        let rows = self
            .db
            .read(move |c| store::backlinks(c, wid, &key))
            .await?;
        Ok(sight
            .visible(rows)
            .into_iter()
            .map(|p| Backlink {
                name: p.name.clone(),
                updated_at: p.updated_at,
            })
            .collect())
    }

    pub async fn pages(&self, slug: &str, actor: Option<&Actor>) -> WikiResult<Vec<PageListEntry>> {
        let (sight, _) = self.load(slug, None, actor).await?;
        let id = sight.wiki().id;
        let rows = self.db.read(move |c| store::pages(c, id)).await?;
        Ok(sight
            .visible(rows)
            .into_iter()
            .map(|p| PageListEntry {
                name: p.name.clone(),
                rev: p.rev,
                updated_at: p.updated_at,
            })
            .collect())
    }

    /// Sets a page's own rules (wiki admins).
    pub async fn set_page_rules(
        &self,
        slug: &str,
        name: &str,
        actor: &Actor,
        view: PageRule,
        edit: PageRule,
    ) -> WikiResult<()> {
        let (sight, page) = self.page_for(slug, name, Some(actor)).await?;
        if !sight.can_admin() {
            return Err(WikiError::NotAdmin);
        }
        self.db
            .write(move |c| store::set_page_rules(c, page.id, view, edit))
            .await?;
        Ok(())
    }
}
