//! Export of a whole wiki as a zip (Markdown, every revision, attachments, a static HTML copy
//! that browses offline) and import of such a zip into a new wiki, with its histories:
//! import(export(w)) has the same pages, revisions and files.

use crate::access::{EditPolicy, Role, Visibility, Who};
use crate::api::Wiki;
use crate::files::check_content;
use crate::files_store;
use crate::service::{wiki_answer, WikiError, WikiResult, WikiService};
use crate::store;
use nichoir_auth::Actor;
use nichoir_core::time::now_ms;
use nichoir_core::Error;
use nichoir_wikitext::archive::{
    read_zip, write_zip, ArchiveFile, ArchiveLimits, ArchivePage, ArchiveRevision, WikiArchive,
};
use nichoir_wikitext::names::{page_key, validate_page_name, validate_slug};
use nichoir_wikitext::render::{render, LinkTarget, RenderOptions};

impl WikiService {
    /// Largest import body: ten times the largest attachment.
    pub fn max_import_bytes(&self) -> u64 {
        self.max_file_bytes.saturating_mul(10)
    }

    pub async fn export(&self, slug: &str, actor: &Actor) -> WikiResult<(String, Vec<u8>)> {
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        // Exports carry every page, hidden ones included: only the wiki's admins take one.
        if !sight.can_admin() {
            return Err(WikiError::NotAdmin);
        }
        let wiki = sight.wiki().clone();
        let slug = wiki.slug.clone();
        Ok((slug, self.export_wiki(wiki).await?))
    }

    /// The zip of a wiki, whoever asks (callers check rights).
    pub(crate) async fn export_wiki(&self, wiki: crate::model::WikiRow) -> WikiResult<Vec<u8>> {
        let id = wiki.id;
        let (pages, keys) = self
            .db
            .read(move |c| {
                let mut out = Vec::new();
                for p in store::pages(c, id)? {
                    let revisions = store::full_history(c, p.id)?
                        .into_iter()
                        .map(|(r, text)| ArchiveRevision {
                            rev: r.rev as u64,
                            text,
                            summary: r.summary,
                            author: r.author_name,
                            created_ms: r.created_at,
                        })
                        .collect();
                    out.push(ArchivePage {
                        name: p.name,
                        revisions,
                    });
                }
                Ok((out, store::existing_keys(c, id)?))
            })
            .await?;
        let files = self
            .all_files(wiki.id)
            .await?
            .into_iter()
            .map(|(name, content_type, bytes)| ArchiveFile {
                name,
                content_type,
                bytes,
            })
            .collect();
        let archive = WikiArchive {
            title: wiki.title.clone(),
            description: wiki.description.clone(),
            home_page: wiki.home_page.clone(),
            menu: wiki.menu.clone(),
            theme_color: wiki.theme_color.clone(),
            visibility: wiki.visibility.as_str().to_string(),
            search_indexable: wiki.search_indexable && wiki.visibility == Visibility::Public,
            pages,
            files,
        };
        let base = format!("/w/{}", wiki.slug);
        let origin = self.base_url.clone();
        let keys = std::sync::Arc::new(keys);
        let bytes = tokio::task::spawn_blocking(move || {
            // Each page renders on the work pool, under its limits and deadline; a page saved
            // before the limits that they now refuse goes into the copy as plain text.
            let html = |_: &str, markdown: &str| {
                let (keys, base, origin, text) = (
                    std::sync::Arc::clone(&keys),
                    base.clone(),
                    origin.clone(),
                    markdown.to_string(),
                );
                nichoir_core::work::run_blocking(move || {
                    let exists = |k: &str| keys.contains(k);
                    render(
                        &text,
                        &RenderOptions {
                            wiki_base: &base,
                            instance_origin: &origin,
                            links: LinkTarget { exists: &exists },
                        },
                    )
                })
                .map(|r| r.html)
                .unwrap_or_else(|_| {
                    format!(
                        "<pre>{}</pre>",
                        markdown
                            .replace('&', "&amp;")
                            .replace('<', "&lt;")
                            .replace('>', "&gt;")
                    )
                })
            };
            write_zip(&archive, &html)
        })
        .await
        .map_err(Error::internal)??;
        Ok(bytes)
    }

    /// A new wiki from an exported zip; the importer becomes its admin.
    pub async fn import(
        &self,
        actor: &Actor,
        slug: &str,
        title: Option<&str>,
        zip: &[u8],
    ) -> WikiResult<Wiki> {
        let Some(user) = actor.as_user() else {
            return Err(Error::unauthenticated().into());
        };
        let slug = validate_slug(slug)?;
        let limits = ArchiveLimits {
            max_total_bytes: self.max_import_bytes().saturating_mul(4),
            max_entries: 50_000,
            max_file_bytes: self.max_import_bytes(),
        };
        let bytes = zip.to_vec();
        let mut archive = tokio::task::spawn_blocking(move || read_zip(&bytes, &limits))
            .await
            .map_err(Error::internal)??;
        let title = title
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(&archive.title)
            .chars()
            .take(crate::service::MAX_TITLE)
            .collect::<String>();
        if title.trim().is_empty() {
            return Err(Error::validation("title: required").into());
        }
        let theme = Some(archive.theme_color.as_str())
            .filter(|c| {
                c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|c| c.is_ascii_hexdigit())
            })
            .unwrap_or("#2f855a")
            .to_string();
        let home = validate_page_name(&archive.home_page).unwrap_or_else(|_| "Home".to_string());
        // Who may read it and whether search engines may, as the exported wiki had them; an
        // archive that does not say (older versions wrote neither) makes a private wiki.
        let visibility = Visibility::parse(&archive.visibility).unwrap_or(Visibility::Private);
        let indexable = archive.search_indexable && visibility == Visibility::Public;
        // Check every attachment before anything is stored.
        let mut checked = Vec::new();
        for f in &archive.files {
            if f.bytes.len() as u64 > self.max_file_bytes {
                return Err(Error::validation(format!(
                    "file {}: larger than uploads.max_file_bytes",
                    f.name
                ))
                .into());
            }
            let ct = check_content(&f.content_type, &f.bytes)?;
            checked.push((nichoir_wikitext::names::validate_file_name(&f.name)?, ct));
        }
        // An archive's photos lose their metadata (where they were taken) as an uploaded
        // attachment's do: an import must not be the way around it. Off the runtime.
        let max_pixels = self.max_image_pixels;
        let archived = std::mem::take(&mut archive.files);
        let files = tokio::task::spawn_blocking(move || {
            archived
                .into_iter()
                .zip(checked)
                .map(|(f, (name, ct))| {
                    let bytes = if ct.starts_with("image/") {
                        nichoir_core::upload::clean_image(&ct, f.bytes, max_pixels).map_err(
                            |e| Error::new(e.code, format!("file {name}: {}", e.message)),
                        )?
                    } else {
                        f.bytes
                    };
                    Ok::<_, Error>((name, ct, bytes))
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .await
        .map_err(Error::internal)??;
        // The attachments become the importer's uploads.
        let attached: u64 = files.iter().map(|(_, _, b)| b.len() as u64).sum();
        self.quotas.check(&user.id, attached).await?;
        let uid = user.id.clone();
        let (desc, menu) = (
            archive
                .description
                .chars()
                .take(crate::service::MAX_DESCRIPTION)
                .collect::<String>(),
            archive
                .menu
                .chars()
                .take(crate::service::MAX_MENU)
                .collect::<String>(),
        );
        let pages = archive.pages.clone();
        let max_chars = self.config.max_page_chars as usize;
        // Pages are rendered when first shown, not here inside the single writer (an archive may
        // hold thousands); a text the renderer would refuse is refused now, by the linear checks,
        // and its links come from a parse without rendering.
        for p in &pages {
            if let Some(current) = p.revisions.last() {
                nichoir_core::limits::check_markdown(&current.text).map_err(|e| {
                    Error::new(e.code, format!("page \"{}\": {}", p.name, e.message))
                })?;
            }
        }
        let (s2, t2) = (slug.clone(), title.clone());
        let result = self
            .db
            .write(move |c| {
                let now = now_ms();
                let id = store::insert_wiki(
                    c,
                    &store::NewWiki {
                        slug: &s2,
                        title: &t2,
                        description: &desc,
                        visibility,
                        edit_policy: EditPolicy::Editors,
                        theme_color: &theme,
                        home_page: &home,
                        menu: &menu,
                        created_by: &uid,
                        now,
                    },
                )?;
                let Some(mut wiki) = store::wiki_by_id(c, id)? else {
                    return Err(Error::internal("the new wiki vanished").into());
                };
                if indexable {
                    wiki.search_indexable = true;
                    store::update_wiki(c, &wiki)?;
                }
                let mut ids = Vec::new();
                for p in &pages {
                    if p.revisions
                        .iter()
                        .any(|r| r.text.chars().count() > max_chars)
                    {
                        return Err(Error::validation(format!(
                            "page {}: a revision is over wikis.max_page_chars",
                            p.name
                        ))
                        .into());
                    }
                    let revs: Vec<store::ImportedRevision<'_>> = p
                        .revisions
                        .iter()
                        .map(|r| store::ImportedRevision {
                            rev: r.rev as i64,
                            text: &r.text,
                            summary: &r.summary,
                            author_name: if r.author.is_empty() { "?" } else { &r.author },
                            created_at: if r.created_ms > 0 { r.created_ms } else { now },
                        })
                        .collect();
                    let pid =
                        store::insert_imported_page(c, id, &p.name, &page_key(&p.name), &revs)?;
                    ids.push(pid);
                }
                for pid in ids {
                    let Some(p) = store::page_by_id(c, pid)? else {
                        continue;
                    };
                    let links: Vec<String> = nichoir_wikitext::render::linked_pages(&p.text)
                        .iter()
                        .map(|name| page_key(name))
                        .collect();
                    store::set_links(c, id, pid, &links)?;
                }
                Ok(wiki)
            })
            .await;
        let wiki = match result {
            Ok(w) => w,
            Err(e) if nichoir_storage::is_unique_violation(&e) => {
                return Err(WikiError::SlugTaken(slug))
            }
            Err(e) => return Err(e.into()),
        };
        for (name, ct, bytes) in files {
            let size = bytes.len() as i64;
            let sha = self.store_bytes(wiki.id, bytes).await?;
            let (wid, by) = (wiki.id, user.id.clone());
            self.db
                .write(move |c| {
                    files_store::insert_file_row(
                        c,
                        &files_store::FileRow {
                            wiki_id: wid,
                            name: &name,
                            content_type: &ct,
                            size,
                            sha256: &sha,
                            uploaded_by: &by,
                            now: now_ms(),
                        },
                    )
                })
                .await?;
        }
        let who = Who {
            user: true,
            instance_admin: actor.require_admin().is_ok(),
            role: Some(Role::Admin),
        };
        Ok(wiki_answer(&wiki, &who))
    }
}
