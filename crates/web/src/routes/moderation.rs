//! Admin moderation: remove a pad, poll, wiki, chat message or video room from its link, with a
//! reason that goes to the audit log. Each tool recognises its own links
//! (`nichoir_core::moderation::Moderation`).

use actix_web::{web, HttpResponse};
use nichoir_auth::AuditAction;
use nichoir_core::moderation::{like_pattern, link_path, Found, Target};
use nichoir_core::Error;
use nichoir_http::{ApiResult, Ctx, SignedIn};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest reason kept.
const MAX_REASON: usize = 500;

/// `POST /api/v1/admin/moderation/remove`.
#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "web/")]
pub struct Removal {
    /// The link as people paste it: `https://host/p/notes`, `/poll/abc`, `/chat/team/pl/42`.
    link: String,
    /// Why, kept in the audit log (one line, at most 500 characters).
    reason: String,
}

/// What a removal took down.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Removed {
    pub removed: Target,
}

/// What a moderation search found, newest first.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct ModerationResults {
    pub found: Vec<Found>,
}

pub async fn remove(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<Removal>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let Removal { link, reason } = body.into_inner();
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON
        || reason.chars().any(char::is_control)
    {
        return Err(Error::validation(format!(
            "reason: 1 to {MAX_REASON} characters on one line, kept in the audit log"
        ))
        .into());
    }
    let path = link_path(&link).ok_or_else(|| {
        Error::validation("link: a link of this instance, e.g. https://…/p/name or /poll/id")
    })?;
    for part in ctx.moderation.iter() {
        if let Some(target) = part.find(&path).await? {
            part.remove(&target).await?;
            ctx.auth
                .audit(
                    &admin,
                    AuditAction {
                        action: "remove",
                        target_kind: target.kind,
                        target_id: &target.id,
                        target_label: &target.label,
                        reason,
                    },
                )
                .await?;
            tracing::info!(admin = %admin.user().username, kind = target.kind, id = %target.id, "removed by moderation");
            return Ok(HttpResponse::Ok().json(Removed { removed: target }));
        }
    }
    Err(Error::not_found(
        "this link names no pad, poll, wiki, chat channel or message or video room here",
    )
    .into())
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// 2 to 100 characters.
    q: String,
}

/// Finds content by its name, title or (public) text across the tools, newest first: how an
/// admin finds what was reported without its link.
pub async fn search(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    q: web::Query<Search>,
) -> ApiResult<HttpResponse> {
    who.0.require_admin()?;
    let q = q.q.trim();
    let len = q.chars().count();
    if !(2..=100).contains(&len) || q.chars().any(char::is_control) {
        return Err(Error::validation("q: 2 to 100 characters on one line").into());
    }
    let pattern = like_pattern(q);
    let mut found = Vec::new();
    for part in ctx.moderation.iter() {
        found.extend(part.search(&pattern).await?);
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.created_at));
    Ok(HttpResponse::Ok().json(ModerationResults { found }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Lines before this id.
    before: Option<i64>,
    /// At most this many (100 when left out).
    limit: Option<u32>,
}

pub async fn audit_log(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let entries = ctx
        .auth
        .audit_log(&admin, q.before, q.limit.unwrap_or(100))
        .await?;
    Ok(HttpResponse::Ok().json(entries))
}
