//! The wiki service: the farm (create, settings, members, directory, lock, delete) and pages
//! (read, save with three-way merge, history, diff, revert, rename, delete, restore, backlinks,
//! recent changes, search). Rights are decided by `access`; text work by `nichoir-wikitext`.
//!
//! One file per concept: `farm` (create, settings, directory, lock, delete), `members`, `pages`
//! (read, preview, save, delete, restore, backlinks, page rules), `history` (revisions, diffs,
//! revert, recent changes), `rename`, `search`, `render` (rendering at save time, the linkers
//! re-rendered, the cache of stored text's renders); this one keeps the service, its errors and
//! what they all share.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nichoir_auth::{Actor, AuthService};
use nichoir_core::config::WikisConfig;
use nichoir_core::text::{check_controls, Lines};
use nichoir_core::time::now_ms;
use nichoir_core::{work, Error, ErrorCode, Field, Rule};
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
use crate::model::{PageRow, WikiRow};
use crate::store;

mod farm;
mod history;
mod members;
mod pages;
mod rename;
mod render;
mod search;

pub use crate::error::{WikiError, WikiResult};
pub use farm::wiki_answer;
use render::{
    cached_render, check_renders, parse_toc, refresh_linkers, render_with_extra, RenderCache,
};
pub use render::{render_stored, render_with};
// The store's tests build their queries as the search does.
#[cfg(test)]
pub use search::fts_query;

fn fail<T>(e: WikiError) -> Result<T, StorageError> {
    Err(StorageError::Domain(e.into()))
}

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
        return Err(Error::validation(format!("{field}: required"))
            .with_invalid_named(field, Rule::Required));
    }
    if n > max {
        return Err(
            Error::validation(format!("{field}: at most {max} characters"))
                .with_invalid_named(field, Rule::TooLong { max: max as u64 }),
        );
    }
    let t = t.replace("\r\n", "\n");
    check_controls(field, &t, lines)?;
    Ok(t)
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
}
