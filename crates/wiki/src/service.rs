//! The wiki service: the farm (create, settings, members, directory, lock, delete) and pages
//! (read, save with three-way merge, history, diff, revert, rename, delete, restore, backlinks,
//! recent changes, search). Rights are decided by `access`; text work by `nichoir-wikitext`.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nichoir_auth::{Actor, AuthService};
use nichoir_core::config::WikisConfig;
use nichoir_core::text::{check_controls, Lines};
use nichoir_core::time::now_ms;
use nichoir_core::{work, Error, ErrorCode};
use nichoir_storage::{is_unique_violation, Connection, Db, StorageError};
use nichoir_wikitext::merge::{merge3, MergeOutcome};
use nichoir_wikitext::names::{page_key, validate_page_name, validate_slug};
use nichoir_wikitext::render::{render, LinkTarget, RenderOptions};
use parking_lot::Mutex;

use crate::access::{self, EditPolicy, PageRule, Role, SeenPage, Sight, Unseen, Visibility, Who};
use crate::api::{
    Backlink, ChangeEntry, Conflict, ConflictBody, DiffAnswer, DirectoryEntry, ErrorDetail,
    History, Member, MyWiki, NewWiki, PageAnswer, PageInfo, PageListEntry, PageWiki, Preview,
    Renamed, RevisionText, SaveAnswer, SaveInput, SearchHit, Wiki, WikiPatch,
};
use crate::model::WikiRow;
use crate::store;

#[derive(Debug, thiserror::Error)]
pub enum WikiError {
    #[error("no such wiki")]
    NoWiki,
    #[error("no page of that name in this wiki")]
    NoPage,
    /// A page the asker may read was deleted (its history is kept): answered as a missing page
    /// that says so, so the page view needs no second request to offer restoring it.
    #[error("this page was deleted; its history is kept")]
    DeletedPage,
    #[error("you may not read this wiki")]
    CannotView,
    #[error("you may not edit this page")]
    CannotEdit,
    #[error("only this wiki's admins may do this")]
    NotAdmin,
    #[error("the address /w/{0}/ is taken")]
    SlugTaken(String),
    #[error("a page named \"{0}\" exists already")]
    PageExists(String),
    #[error("too many edits from your address; wait a little")]
    Throttled(u64),
    #[error("{0}")]
    Other(#[from] Error),
}

impl From<WikiError> for Error {
    fn from(e: WikiError) -> Self {
        let code = match &e {
            WikiError::Other(_) => {
                return match e {
                    WikiError::Other(inner) => inner,
                    _ => Error::internal("unreachable"),
                }
            }
            WikiError::NoWiki | WikiError::NoPage | WikiError::DeletedPage => ErrorCode::NotFound,
            WikiError::CannotView | WikiError::CannotEdit | WikiError::NotAdmin => {
                ErrorCode::Forbidden
            }
            WikiError::SlugTaken(_) | WikiError::PageExists(_) => ErrorCode::Conflict,
            WikiError::Throttled(secs) => {
                let mut err = Error::new(ErrorCode::RateLimited, e.to_string());
                err.retry_after_secs = Some(*secs);
                return err;
            }
        };
        Error::new(code, e.to_string())
    }
}

impl From<StorageError> for WikiError {
    fn from(e: StorageError) -> Self {
        WikiError::Other(e.into())
    }
}

fn fail<T>(e: WikiError) -> Result<T, StorageError> {
    Err(StorageError::Domain(e.into()))
}

pub type WikiResult<T> = Result<T, WikiError>;

pub const MAX_TITLE: usize = 120;
pub const MAX_DESCRIPTION: usize = 1_000;
pub const MAX_MENU: usize = 5_000;
pub const MAX_SUMMARY: usize = 300;

/// What a page save answers: saved (200, or 201 when created), or refused with the conflict
/// markers (409).
pub enum Saved {
    Done(SaveAnswer),
    Conflict(ConflictBody),
}

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

pub struct WikiService {
    pub(crate) db: Db,
    pub(crate) auth: AuthService,
    pub(crate) mailer: nichoir_mail::Mailer,
    pub(crate) config: WikisConfig,
    /// Largest attachment, from `uploads.max_file_bytes`.
    pub(crate) max_file_bytes: u64,
    /// Largest image, in pixels (`uploads.max_image_pixels`).
    pub(crate) max_image_pixels: u64,
    /// Storage quotas, asked before an attachment is stored.
    pub(crate) quotas: nichoir_core::quota::Quotas,
    /// Where attachments are kept (`wiki/<wiki id>/<sha256>` among the uploads).
    pub(crate) blobs: nichoir_storage::Blobs,
    pub(crate) base_url: String,
    pub(crate) notifier: Arc<dyn nichoir_core::notify::Notifier>,
    /// Anonymous edits per address in the last hour.
    anonymous: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    /// Renders of stored text that is not stored rendered (each wiki's menu, old revisions), with
    /// the fingerprint of what they depend on: showing them again never re-renders.
    render_cache: RenderCache,
}

/// Key: (wiki id, page id or 0 for the menu, revision or 0); value: fingerprint and HTML.
type RenderCache = std::sync::Arc<Mutex<HashMap<(i64, i64, i64), (u64, String)>>>;

/// Renders kept; past this the cache starts over.
const RENDER_CACHE_MAX: usize = 1_000;

/// `text` rendered in `wiki`, from the cache when neither it nor the set of existing pages (which
/// decides the "missing" links) changed since.
fn cached_render(
    c: &Connection,
    cache: &RenderCache,
    key: (i64, i64, i64),
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
) -> Result<String, StorageError> {
    use std::hash::{Hash, Hasher};
    let mut keys: Vec<String> = store::existing_keys(c, wiki.id)?.into_iter().collect();
    keys.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (text, &wiki.slug, base_url, &keys).hash(&mut hasher);
    let fingerprint = hasher.finish();
    if let Some((f, html)) = cache.lock().get(&key) {
        if *f == fingerprint {
            return Ok(html.clone());
        }
    }
    let html = render_stored(c, wiki, text, base_url)?.0;
    let mut map = cache.lock();
    if map.len() >= RENDER_CACHE_MAX {
        map.clear();
    }
    map.insert(key, (fingerprint, html.clone()));
    Ok(html)
}

/// What the composition hands the service.
pub struct WikiDeps {
    pub db: Db,
    pub auth: AuthService,
    pub mailer: nichoir_mail::Mailer,
    pub config: WikisConfig,
    pub max_file_bytes: u64,
    pub max_image_pixels: u64,
    pub quotas: nichoir_core::quota::Quotas,
    /// Where uploaded files live.
    pub blobs: nichoir_storage::Blobs,
    pub base_url: String,
    /// Watchers' bells and devices.
    pub notifier: Arc<dyn nichoir_core::notify::Notifier>,
}

fn text_field(field: &str, s: &str, min: usize, max: usize) -> Result<String, Error> {
    // Titles and summaries are one line; descriptions and menus may span several.
    let lines = match field {
        "title" | "summary" => Lines::One,
        _ => Lines::Many,
    };
    let t = s.trim();
    let n = t.chars().count();
    if n < min {
        return Err(Error::validation(format!("{field}: required")));
    }
    if n > max {
        return Err(Error::validation(format!(
            "{field}: at most {max} characters"
        )));
    }
    let t = t.replace("\r\n", "\n");
    check_controls(field, &t, lines)?;
    Ok(t)
}

fn color(s: Option<&str>) -> Result<String, Error> {
    let c = s.unwrap_or("#2f855a").trim();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(Error::validation("theme_color: a colour such as #2f855a"));
    }
    Ok(c.to_ascii_lowercase())
}

fn visibility(s: Option<&str>) -> Result<Visibility, Error> {
    match s {
        None => Ok(Visibility::Public),
        Some(v) => Visibility::parse(v)
            .ok_or_else(|| Error::validation("visibility: public, members or private")),
    }
}

fn edit_policy(s: Option<&str>) -> Result<EditPolicy, Error> {
    match s {
        None => Ok(EditPolicy::Users),
        Some(v) => EditPolicy::parse(v)
            .ok_or_else(|| Error::validation("edit_policy: anyone, users or editors")),
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
    pub fn new(d: WikiDeps) -> WikiService {
        WikiService {
            db: d.db,
            auth: d.auth,
            mailer: d.mailer,
            config: d.config,
            max_file_bytes: d.max_file_bytes,
            max_image_pixels: d.max_image_pixels,
            quotas: d.quotas,
            blobs: d.blobs,
            base_url: d.base_url,
            notifier: d.notifier,
            anonymous: Mutex::new(HashMap::new()),
            render_cache: std::sync::Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The wiki as the asker may see it (the decision of `access::Sight`), and (if `key` is
    /// given) the row under that key, still unseen: only the `Sight` can show it.
    pub async fn load(
        &self,
        slug: &str,
        key: Option<String>,
        actor: Option<&Actor>,
    ) -> WikiResult<(Sight, Unseen)> {
        let (slug, user_id) = (
            slug.to_string(),
            actor.and_then(|a| a.as_user()).map(|u| u.id.clone()),
        );
        let (wiki, role, page) = self
            .db
            .read(move |c| {
                let Some(wiki) = store::wiki_by_slug(c, &slug)? else {
                    return fail(WikiError::NoWiki);
                };
                let role = match &user_id {
                    Some(u) => store::role(c, wiki.id, u)?,
                    None => None,
                };
                let page = match &key {
                    Some(k) => store::page(c, wiki.id, k)?,
                    None => None,
                };
                Ok((wiki, role, page))
            })
            .await?;
        let who = Who {
            user: actor.and_then(|a| a.as_user()).is_some(),
            instance_admin: actor.is_some_and(|a| a.require_admin().is_ok()),
            role,
        };
        Ok((Sight::decide(wiki, who)?, Unseen::new(page)))
    }

    async fn load_admin(&self, slug: &str, actor: &Actor) -> WikiResult<(WikiRow, Who)> {
        let (sight, _) = self.load(slug, None, Some(actor)).await?;
        if !sight.can_admin() {
            return Err(WikiError::NotAdmin);
        }
        Ok((sight.wiki().clone(), sight.who().clone()))
    }

    // ---- the farm ---------------------------------------------------------------------------

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
                Error::validation(format!(
                    "template: one of {}",
                    nichoir_wikitext::templates::TEMPLATE_NAMES.join(", ")
                ))
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
        self.db
            .write(move |c| store::delete_wiki(c, wiki_id))
            .await?;
        self.remove_files_of(wiki_id).await;
        Ok(())
    }

    pub async fn members(&self, slug: &str, actor: &Actor) -> WikiResult<Vec<Member>> {
        let (wiki, _) = self.load_admin(slug, actor).await?;
        let id = wiki.id;
        let rows = self.db.read(move |c| store::members(c, id)).await?;
        let mut out = Vec::new();
        for (uid, role) in rows {
            let user = self.auth.user_by_id(&uid).await.ok().flatten();
            out.push(Member {
                username: user.as_ref().map(|u| u.username.clone()),
                display_name: user.as_ref().map(|u| u.display_name.clone()),
                user_id: uid,
                role,
            });
        }
        Ok(out)
    }

    pub async fn set_member(
        &self,
        slug: &str,
        actor: &Actor,
        username: &str,
        role: Option<Role>,
    ) -> WikiResult<()> {
        let (wiki, _) = self.load_admin(slug, actor).await?;
        let user = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| Error::not_found(format!("no user named {username}")))?;
        let (id, uid) = (wiki.id, user.id.clone());
        self.db
            .write(move |c| {
                let current = store::role(c, id, &uid)?;
                let demoting_admin = current == Some(Role::Admin) && role != Some(Role::Admin);
                if demoting_admin && store::admin_count(c, id)? <= 1 {
                    return fail(WikiError::Other(Error::conflict(
                        "a wiki keeps at least one admin",
                    )));
                }
                match role {
                    Some(r) => store::set_member(c, id, &uid, r),
                    None => store::remove_member(c, id, &uid).map(|_| ()),
                }
            })
            .await?;
        Ok(())
    }

    // ---- pages ------------------------------------------------------------------------------

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
                        return fail(WikiError::Other(Error::validation(format!(
                            "base_rev: revision {b} does not exist"
                        ))))
                    }
                    (Some(p), Some(b)) => {
                        let Some(base) = store::revision_text(c, p.id, b)? else {
                            return fail(WikiError::Other(Error::validation(format!(
                                "base_rev: revision {b} does not exist"
                            ))));
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

    /// Renames a page; the old name keeps working as a redirect unless `redirect` is false.
    pub async fn rename(
        &self,
        slug: &str,
        name: &str,
        new_name: &str,
        redirect: bool,
        actor: &Actor,
    ) -> WikiResult<Renamed> {
        let (sight, page) = self.page_for(slug, name, Some(actor)).await?;
        if page.deleted {
            return Err(WikiError::NoPage);
        }
        if !sight.can_edit(&page.rules()) {
            return Err(WikiError::CannotEdit);
        }
        let (wiki, page) = (sight.wiki().clone(), page.into_row());
        let display = validate_page_name(new_name)?;
        let new_key = page_key(&display);
        let (author_id, author_name) = (actor.id().to_string(), actor.display_name().to_string());
        let base_url = self.base_url.clone();
        let rev = self
            .db
            .write(move |c| {
                let now = now_ms();
                if new_key != page.key {
                    if let Some(other) = store::page(c, wiki.id, &new_key)? {
                        if !other.deleted && other.redirect_to.is_none() {
                            return fail(WikiError::PageExists(other.name));
                        }
                        // A deleted page or an old redirect under that name gives way.
                        store::unindex(c, other.id)?;
                        c.execute("DELETE FROM wiki_pages WHERE id = ?1", [other.id])?;
                    }
                }
                let summary = format!("Renamed from \"{}\"", page.name);
                let w = store::Write {
                    text: &page.text,
                    html: page.html.as_deref().unwrap_or(""),
                    toc: page.toc.as_deref().unwrap_or("[]"),
                    summary: &summary,
                    kind: "rename",
                    author_id: Some(&author_id),
                    author_name: &author_name,
                    now,
                };
                let rev = store::rename(c, &page, &display, &new_key, &w)?;
                if new_key != page.key {
                    if redirect {
                        store::insert_redirect(c, wiki.id, &page.name, &page.key, &new_key, now)?;
                    } else {
                        refresh_linkers(c, &wiki, &page.key, &base_url)?;
                    }
                    refresh_linkers(c, &wiki, &new_key, &base_url)?;
                    if page.key == page_key(&wiki.home_page) {
                        c.execute(
                            "UPDATE wikis SET home_page = ?2 WHERE id = ?1",
                            nichoir_storage::params![wiki.id, display],
                        )?;
                    }
                }
                Ok(rev)
            })
            .await?;
        Ok(Renamed {
            name: new_name.trim().to_string(),
            rev,
        })
    }

    pub async fn delete_page(&self, slug: &str, name: &str, actor: &Actor) -> WikiResult<()> {
        let (sight, page) = self.page_for(slug, name, Some(actor)).await?;
        if page.deleted {
            return Err(WikiError::NoPage);
        }
        if !sight.can_edit(&page.rules()) {
            return Err(WikiError::CannotEdit);
        }
        let (wiki, page) = (sight.wiki().clone(), page.into_row());
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

    /// Search in one wiki (what the asker may read) or, with no slug, across the public wikis.
    pub async fn search(
        &self,
        slug: Option<&str>,
        q: &str,
        actor: Option<&Actor>,
    ) -> WikiResult<Vec<SearchHit>> {
        let query = fts_query(q).ok_or_else(|| Error::validation("q: give at least one word"))?;
        let scope = match slug {
            Some(s) => Some(self.load(s, None, actor).await?),
            None => None,
        };
        let wiki_id = scope.as_ref().map(|(s, _)| s.wiki().id);
        let q2 = query.clone();
        let hits = self
            .db
            .read(move |c| store::search(c, &q2, wiki_id, 50))
            .await?;
        // Across wikis the query keeps to public wikis' ordinary pages; each hit still goes
        // through the same decision as a page read, with the asker's rights as a non-member.
        let anyone = Who {
            user: actor.and_then(|a| a.as_user()).is_some(),
            instance_admin: actor.is_some_and(|a| a.require_admin().is_ok()),
            role: None,
        };
        let mut sights: HashMap<i64, Option<Sight>> = HashMap::new();
        if let Some((s, _)) = scope {
            sights.insert(s.wiki().id, Some(s));
        }
        let mut seen = Vec::new();
        for h in hits {
            if let std::collections::hash_map::Entry::Vacant(e) = sights.entry(h.wiki_id) {
                let id = h.wiki_id;
                let w = self.db.read(move |c| store::wiki_by_id(c, id)).await?;
                e.insert(w.and_then(|w| Sight::decide(w, anyone.clone()).ok()));
            }
            let Some(Some(sight)) = sights.get(&h.wiki_id) else {
                continue;
            };
            if !sight.sees_rule(h.view_rule) {
                continue;
            }
            seen.push((sight.wiki().slug.clone(), sight.wiki().title.clone(), h));
        }
        // Excerpts only of what the asker may read; each parses a whole page, so on the pool.
        let out = nichoir_core::work::run(move || {
            Ok(seen
                .into_iter()
                .map(|(wiki, wiki_title, h)| SearchHit {
                    snippet: store::snippet(&h.text, &query),
                    wiki,
                    wiki_title,
                    page: h.page,
                })
                .collect())
        })
        .await?;
        Ok(out)
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

/// Pages re-rendered at once when a page they link to appears or goes; beyond this many, they
/// re-render on their next view.
const EAGER_RERENDER: usize = 200;
/// Nor more text than this in all (these renders hold the single writer).
const EAGER_RERENDER_BYTES: usize = 1024 * 1024;

/// A page appeared or went under `key`: re-render the pages linking to it now, inside the same
/// write, so that reading stays a pure read.
fn refresh_linkers(
    c: &Connection,
    wiki: &WikiRow,
    key: &str,
    base_url: &str,
) -> Result<(), StorageError> {
    let linkers = store::backlinks(c, wiki.id, key)?;
    let bytes: usize = linkers.iter().map(|p| p.text.len()).sum();
    if linkers.len() > EAGER_RERENDER || bytes > EAGER_RERENDER_BYTES {
        return store::invalidate_linkers(c, wiki.id, key);
    }
    for p in linkers {
        match render_stored(c, wiki, &p.text, base_url) {
            Ok((html, toc, _)) => store::store_render(c, p.id, p.rev, &html, &toc)?,
            // A busy work pool must not fail the save: the rest render on their next view.
            Err(StorageError::Domain(_)) => return store::invalidate_linkers(c, wiki.id, key),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Renders `text` in `wiki` (links to existing pages are plain, others "missing").
pub fn render_with(
    c: &Connection,
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
) -> Result<(String, String, Vec<String>), StorageError> {
    render_with_extra(c, wiki, text, base_url, "")
}

/// As [`render_with`], counting `extra_key` as existing (the page being created). The render
/// runs on the work pool (large stack, deadline); this thread waits for it.
fn render_with_extra(
    c: &Connection,
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
    extra_key: &str,
) -> Result<(String, String, Vec<String>), StorageError> {
    let keys = store::existing_keys(c, wiki.id)?;
    let base = format!("/w/{}", wiki.slug);
    let (text, base_url, extra_key) = (
        text.to_string(),
        base_url.to_string(),
        extra_key.to_string(),
    );
    let r = work::run_blocking(move || {
        let exists = |k: &str| k == extra_key || keys.contains(k);
        render(
            &text,
            &RenderOptions {
                wiki_base: &base,
                instance_origin: &base_url,
                links: LinkTarget { exists: &exists },
            },
        )
    })?;
    let toc = serde_json::to_string(&r.toc).unwrap_or_else(|_| "[]".into());
    Ok((r.html, toc, r.links))
}

/// Refuses, before the write, a text the renderer would refuse: the save renders again inside
/// the write (against the pages existing then), and a refusal found there would have kept every
/// other write of the instance waiting up to the deadline.
async fn check_renders(text: &str) -> Result<(), Error> {
    let text = text.to_string();
    work::run(move || {
        let missing = |_: &str| false;
        render(
            &text,
            &RenderOptions {
                wiki_base: "/w/check",
                instance_origin: "",
                links: LinkTarget { exists: &missing },
            },
        )
        .map(|_| ())
    })
    .await
}

/// As [`render_with`], for text already stored: text saved before the limits existed may now be
/// refused, and must not make the page (or a save that re-renders its linkers) fail, so it shows
/// as escaped preformatted text instead.
pub fn render_stored(
    c: &Connection,
    wiki: &WikiRow,
    text: &str,
    base_url: &str,
) -> Result<(String, String, Vec<String>), StorageError> {
    match render_with(c, wiki, text, base_url) {
        // Links are only kept from saves, which never take this path. Only a refusal of the
        // text falls back: a busy pool must not leave an escaped page stored.
        Err(StorageError::Domain(e))
            if matches!(
                e.code,
                ErrorCode::ValidationFailed | ErrorCode::PayloadTooLarge
            ) =>
        {
            Ok((plain_html(text), "[]".into(), Vec::new()))
        }
        other => other,
    }
}

/// A table of contents as stored (JSON text); one that does not parse shows none.
fn parse_toc(stored: &str) -> Vec<nichoir_wikitext::render::TocEntry> {
    serde_json::from_str(stored).unwrap_or_default()
}

fn plain_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<pre>{escaped}</pre>")
}

/// The words of a search as an FTS5 query: each word quoted (no operator injection), all
/// required, the last one as a prefix so results come while typing.
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split_whitespace()
        .take(12)
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-')
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    let (last, rest) = words.split_last()?;
    let mut parts = rest.to_vec();
    parts.push(format!("{last}*"));
    Some(parts.join(" "))
}

impl WikiService {
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
    fn search_queries_cannot_inject_fts_syntax() {
        assert_eq!(
            fts_query("réunion bud").as_deref(),
            Some("\"réunion\" \"bud\"*")
        );
        assert_eq!(
            fts_query("a\" OR x:y NEAR(").as_deref(),
            Some("\"a\" \"OR\" \"xy\" \"NEAR\"*")
        );
        assert_eq!(fts_query("  ** () "), None);
    }

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
