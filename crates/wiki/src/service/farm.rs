//! The farm: creating a wiki from a template, its settings, the directory, a person's wikis,
//! locking and deleting.

use super::*;

fn color(s: Option<&str>) -> Result<String, Error> {
    let c = s.unwrap_or("#2f855a").trim();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(
            Error::validation("theme_color: a colour such as #2f855a").with_invalid(
                Field::ThemeColor,
                Rule::BadFormat {
                    example: Some("#2f855a".into()),
                },
            ),
        );
    }
    Ok(c.to_ascii_lowercase())
}

fn visibility(s: Option<&str>) -> Result<Visibility, Error> {
    match s {
        None => Ok(Visibility::Public),
        Some(v) => Visibility::parse(v).ok_or_else(|| {
            Error::validation("visibility: public, members or private").with_invalid(
                Field::Visibility,
                Rule::NotOneOf {
                    allowed: vec!["public".into(), "members".into(), "private".into()],
                },
            )
        }),
    }
}

fn edit_policy(s: Option<&str>) -> Result<EditPolicy, Error> {
    match s {
        None => Ok(EditPolicy::Users),
        Some(v) => EditPolicy::parse(v).ok_or_else(|| {
            Error::validation("edit_policy: anyone, users or editors").with_invalid(
                Field::EditPolicy,
                Rule::NotOneOf {
                    allowed: vec!["anyone".into(), "users".into(), "editors".into()],
                },
            )
        }),
    }
}

/// A wiki as the API shows it to `who`.
pub fn wiki_answer(w: &WikiRow, who: &Who) -> Wiki {
    let rules = w.rules();
    Wiki {
        slug: w.slug.clone(),
        title: w.title.clone(),
        description: w.description.clone(),
        visibility: w.visibility,
        edit_policy: w.edit_policy,
        theme_color: w.theme_color.clone(),
        home_page: w.home_page.clone(),
        menu: w.menu.clone(),
        comments_enabled: w.comments_enabled,
        search_indexable: w.search_indexable && w.visibility == Visibility::Public,
        locked: w.locked,
        created_at: w.created_at,
        updated_at: w.updated_at,
        my_role: who.role,
        can_edit: access::can_edit_page(&rules, &Default::default(), who),
        can_admin: access::can_admin(&rules, who),
        menu_html: None,
        watching: None,
    }
}

impl WikiService {
    pub async fn create(&self, actor: &Actor, body: NewWiki) -> WikiResult<Wiki> {
        let Some(user) = actor.as_user() else {
            return Err(WikiError::Other(Error::unauthenticated()));
        };
        let slug = validate_slug(&body.slug)?;
        let title = text_field("title", &body.title, 1, MAX_TITLE)?;
        let description = text_field("description", &body.description, 0, MAX_DESCRIPTION)?;
        let vis = visibility(body.visibility.as_deref())?;
        let policy = edit_policy(body.edit_policy.as_deref())?;
        let theme = color(body.theme_color.as_deref())?;
        let lang = body.lang.as_deref().unwrap_or("en").to_string();
        let template_name = body.template.as_deref().unwrap_or("blank").to_string();
        let template =
            nichoir_wikitext::templates::template(&template_name, &lang).ok_or_else(|| {
                Error::invalid(
                    Field::Template,
                    Rule::NotOneOf {
                        allowed: nichoir_wikitext::templates::TEMPLATE_NAMES
                            .iter()
                            .map(|t| t.to_string())
                            .collect(),
                    },
                )
            })?;
        let (uid, author) = (user.id.clone(), user.display_name.clone());
        let base_url = self.base_url.clone();
        let result = self
            .db
            .write(move |c| {
                let now = now_ms();
                let id = store::insert_wiki(
                    c,
                    &store::NewWiki {
                        slug: &slug,
                        title: &title,
                        description: &description,
                        visibility: vis,
                        edit_policy: policy,
                        theme_color: &theme,
                        home_page: template.home,
                        menu: template.menu,
                        created_by: &uid,
                        now,
                    },
                )?;
                let Some(wiki) = store::wiki_by_id(c, id)? else {
                    return fail(WikiError::NoWiki);
                };
                // Insert every page first so that the links between them render as existing.
                let mut ids = Vec::new();
                for p in template.pages {
                    let key = page_key(p.name);
                    let w = store::Write {
                        text: p.text,
                        html: "",
                        toc: "[]",
                        summary: "",
                        kind: "create",
                        author_id: Some(&uid),
                        author_name: &author,
                        now,
                    };
                    ids.push((store::insert_page(c, id, p.name, &key, &w)?, p.text));
                }
                for (pid, text) in ids {
                    let (html, toc, links) = render_with(c, &wiki, text, &base_url)?;
                    store::store_render(c, pid, 1, &html, &toc)?;
                    store::set_links(c, id, pid, &links)?;
                }
                Ok(wiki)
            })
            .await;
        let wiki = match result {
            Ok(w) => w,
            Err(e) if is_unique_violation(&e) => {
                return Err(WikiError::SlugTaken(body.slug.trim().to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let who = Who {
            user: true,
            instance_admin: actor.require_admin().is_ok(),
            role: Some(Role::Admin),
        };
        Ok(wiki_answer(&wiki, &who))
    }

    pub async fn get(&self, slug: &str, actor: Option<&Actor>) -> WikiResult<Wiki> {
        let (sight, _) = self.load(slug, None, actor).await?;
        let wiki = sight.wiki().clone();
        let mut v = wiki_answer(&wiki, sight.who());
        let w = wiki.clone();
        let base_url = self.base_url.clone();
        let cache = std::sync::Arc::clone(&self.render_cache);
        let menu_html = self
            .db
            .read(move |c| cached_render(c, &cache, (w.id, 0, 0), &w, &w.menu, &base_url))
            .await?;
        v.menu_html = Some(menu_html);
        v.watching = Some(self.is_watching(actor, wiki.id, 0).await?);
        Ok(v)
    }

    pub async fn directory(&self, q: &str) -> WikiResult<Vec<DirectoryEntry>> {
        let q = q.trim().chars().take(100).collect::<String>();
        let rows = self.db.read(move |c| store::directory(c, &q, 200)).await?;
        Ok(rows
            .into_iter()
            .map(|(w, pages)| DirectoryEntry {
                slug: w.slug,
                title: w.title,
                description: w.description,
                theme_color: w.theme_color,
                pages,
                updated_at: w.updated_at,
            })
            .collect())
    }

    /// The slugs of the wikis search engines may index (robots.txt).
    pub async fn indexable_slugs(&self) -> WikiResult<Vec<String>> {
        Ok(self.db.read(store::indexable_slugs).await?)
    }

    /// Whether search engines may index the wiki at `slug`: false for any other wiki, missing ones
    /// included.
    pub async fn is_indexable(&self, slug: &str) -> WikiResult<bool> {
        let slug = slug.to_string();
        let wiki = self.db.read(move |c| store::wiki_by_slug(c, &slug)).await?;
        Ok(wiki.is_some_and(|w| w.search_indexable && w.visibility == Visibility::Public))
    }

    pub async fn mine(&self, user_id: &str) -> WikiResult<Vec<MyWiki>> {
        let u = user_id.to_string();
        let rows = self.db.read(move |c| store::wikis_of(c, &u)).await?;
        Ok(rows
            .into_iter()
            .map(|(w, role)| MyWiki {
                slug: w.slug,
                title: w.title,
                role,
                visibility: w.visibility,
                updated_at: w.updated_at,
            })
            .collect())
    }

    pub async fn patch(&self, slug: &str, actor: &Actor, p: WikiPatch) -> WikiResult<Wiki> {
        let (mut wiki, who) = self.load_admin(slug, actor).await?;
        if let Some(t) = &p.title {
            wiki.title = text_field("title", t, 1, MAX_TITLE)?;
        }
        if let Some(d) = &p.description {
            wiki.description = text_field("description", d, 0, MAX_DESCRIPTION)?;
        }
        if let Some(v) = &p.visibility {
            wiki.visibility = visibility(Some(v))?;
        }
        if let Some(e) = &p.edit_policy {
            wiki.edit_policy = edit_policy(Some(e))?;
        }
        if let Some(c) = &p.theme_color {
            wiki.theme_color = color(Some(c))?;
        }
        if let Some(h) = &p.home_page {
            wiki.home_page = validate_page_name(h)?;
        }
        if let Some(m) = &p.menu {
            wiki.menu = text_field("menu", m, 0, MAX_MENU)?;
        }
        if let Some(c) = p.comments_enabled {
            wiki.comments_enabled = c;
        }
        match p.search_indexable {
            Some(true) if wiki.visibility != Visibility::Public => {
                return Err(Error::validation(
                    "search_indexable: only a public wiki can be open to search engines",
                )
                .with_invalid(Field::SearchIndexable, Rule::NotAllowed)
                .into());
            }
            Some(on) => wiki.search_indexable = on,
            // Made members-only or private: what was open to search engines closes with it, and
            // making it public again does not reopen it unasked.
            None if wiki.visibility != Visibility::Public => wiki.search_indexable = false,
            None => {}
        }
        wiki.updated_at = now_ms();
        let w = wiki.clone();
        self.db.write(move |c| store::update_wiki(c, &w)).await?;
        Ok(wiki_answer(&wiki, &who))
    }

    /// An instance admin locks (read-only) or unlocks a wiki.
    pub async fn set_locked(&self, slug: &str, actor: &Actor, locked: bool) -> WikiResult<()> {
        actor.require_admin()?;
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        let mut wiki = sight.wiki().clone();
        wiki.locked = locked;
        wiki.updated_at = now_ms();
        self.db.write(move |c| store::update_wiki(c, &wiki)).await?;
        Ok(())
    }

    pub async fn delete(&self, slug: &str, actor: &Actor) -> WikiResult<()> {
        let (wiki, _) = self.load_admin(slug, actor).await?;
        Ok(self.remove_wiki(wiki.id).await?)
    }

    /// Removes a wiki for good, its attachments included: the one way every deletion goes.
    async fn remove_wiki(&self, wiki_id: i64) -> Result<(), Error> {
        let slug = self
            .db
            .write(move |c| {
                let slug = store::wiki_by_id(c, wiki_id)?.map(|w| w.slug);
                store::delete_wiki(c, wiki_id)?;
                Ok(slug)
            })
            .await?;
        self.remove_files_of(wiki_id).await;
        // Its address may be taken again at once: stars must not pass to the new wiki.
        // The wiki is gone whatever happens here: a failure is logged, not answered (the hourly
        // sweep removes what is left).
        if let Some(slug) = slug {
            if let Err(e) = self
                .auth
                .forget_deleted_item("wiki", &slug, Some(("wiki_page", &format!("{slug}/"))))
                .await
            {
                tracing::warn!(error = %e.message, wiki = %slug, "favourites of a deleted wiki kept");
            }
        }
        Ok(())
    }

    /// The wiki a moderation link names (`/w/{slug}`, or any page of it): its id, slug and
    /// title.
    pub async fn moderation_target(&self, path: &str) -> Result<Option<(i64, String)>, Error> {
        let Some(slug) = nichoir_core::moderation::segments(path, "/w/").map(|s| s[0].to_string())
        else {
            return Ok(None);
        };
        let row = self.db.read(move |c| store::wiki_by_slug(c, &slug)).await?;
        Ok(row.map(|w| (w.id, format!("{} ({})", w.title, w.slug))))
    }

    /// Removes a whole wiki for good, attachments included (admin moderation).
    pub async fn remove_as_admin(&self, wiki_id: i64) -> Result<(), Error> {
        self.remove_wiki(wiki_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_fields() {
        assert_eq!(color(Some("#ABCDEF")).ok().as_deref(), Some("#abcdef"));
        assert!(color(Some("red")).is_err());
        assert!(color(Some("#12345g")).is_err());
        assert!(text_field("title", "", 1, 10).is_err());
        assert!(text_field("title", "x\u{7}", 1, 10).is_err());
        assert!(
            text_field("title", "a\nb", 1, 10).is_err(),
            "a title is one line"
        );
        assert!(text_field("menu", "a\nb", 1, 10).is_ok());
        assert!(text_field("menu", "a\u{0}b", 1, 10).is_err());
    }
}
