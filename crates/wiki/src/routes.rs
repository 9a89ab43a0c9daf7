//! Wiki HTTP routes (docs/wiki-api.md). Pages are addressed by name in the URL: spaces as `_`,
//! percent-encoded (`nichoir_wikitext::names::page_url_segment`).

use std::sync::Arc;

use actix_web::http::{header, Method};
use actix_web::{web, HttpResponse};
use nichoir_http::{
    doc, Access, AnyActor, Api, ApiError, ApiResult, ClientIp, Ctx, MaybeActor, SignedIn,
};
use nichoir_wikitext::names::name_from_url_segment;

use crate::access::{PageRule, Role};
use crate::api::{
    Backlink, ChangeEntry, ChangesQuery, CommentBody, DeletedBody, DiffAnswer, DiffQuery,
    DirectoryEntry, ErrorDetail, FileQuery, History, HistoryQuery, ImportQuery, LockBody, Member,
    MyWiki, NewWiki, PageAnswer, PageListEntry, Preview, PreviewBody, ReadBody, RenameBody,
    Renamed, RevAnswer, RevertBody, RevisionText, RoleBody, RulesBody, SaveAnswer, SaveInput,
    SearchHit, SearchQuery, Wiki, WikiComment, WikiFile, WikiNotification, WikiPatch,
};
use crate::service::{Saved, WikiError, WikiService};

pub type Wikis = web::Data<Arc<WikiService>>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    let p = "/api/v1/wikis/{slug}/pages/{name}";
    api.route(doc(m("POST"), "/api/v1/wikis", "wikis", "Create a wiki (blank or from a template); its creator is its admin", Access::User)
            .takes::<NewWiki>().answers::<Wiki>().ok(201, "application/json").errors(&[409]), create)
        .route(doc(m("POST"), "/api/v1/wikis/import", "wikis", "Create a wiki from an exported zip (?slug=&title=; the body is the zip)", Access::User).raw_body("application/octet-stream")
            .query::<ImportQuery>().answers::<Wiki>().ok(201, "application/json").errors(&[409]), import)
        .route(doc(m("GET"), "/api/v1/wikis", "wikis", "Directory of the public wikis (?q= to search)", Access::Public)
            .query::<SearchQuery>().answers::<Vec<DirectoryEntry>>(), directory)
        .route(doc(m("GET"), "/api/v1/me/wikis", "wikis", "Wikis I am an admin or editor of", Access::User).answers::<Vec<MyWiki>>(), mine)
        .route(doc(m("GET"), "/api/v1/wiki-search", "wikis", "Search the pages of every public wiki (?q=)", Access::Public)
            .query::<SearchQuery>().answers::<Vec<SearchHit>>().errors(&[422]), search_all)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}", "wikis", "A wiki's settings, menu and my rights", Access::Public).answers::<Wiki>(), get)
        .route(doc(m("PATCH"), "/api/v1/wikis/{slug}", "wikis", "Change a wiki's settings (its admins)", Access::User)
            .takes::<WikiPatch>().answers::<Wiki>(), patch)
        .route(doc(m("DELETE"), "/api/v1/wikis/{slug}", "wikis", "Delete a wiki and all its pages (its admins, instance admins)", Access::User).ok(204, ""), delete)
        .route(doc(m("PUT"), "/api/v1/wikis/{slug}/lock", "wikis", "Lock (read-only) or unlock a wiki (instance admins)", Access::Admin)
            .takes::<LockBody>().ok(204, ""), lock)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/members", "wikis", "Admins and editors of a wiki", Access::User).answers::<Vec<Member>>(), members)
        .route(doc(m("PUT"), "/api/v1/wikis/{slug}/members/{username}", "wikis", "Make a user an admin or editor of the wiki", Access::User)
            .takes::<RoleBody>().ok(204, ""), set_member)
        .route(doc(m("DELETE"), "/api/v1/wikis/{slug}/members/{username}", "wikis", "Remove a user's role in the wiki", Access::User).ok(204, ""), remove_member)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/pages", "wikis", "Every page of the wiki that I may read", Access::Public).answers::<Vec<PageListEntry>>(), pages)
        .route(doc(m("POST"), "/api/v1/wikis/{slug}/preview", "wikis", "Render Markdown as this wiki would (edit preview)", Access::Public)
            .takes::<PreviewBody>().answers::<Preview>().errors(&[429]), preview)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/changes", "wikis", "Recent changes (?author=&page=&before=&limit=)", Access::Public)
            .query::<ChangesQuery>().answers::<Vec<ChangeEntry>>(), changes)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/feed.atom", "wikis", "Recent changes as an Atom feed", Access::Public).ok(200, "application/atom+xml"), feed)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/search", "wikis", "Full-text search in one wiki (?q=)", Access::Public)
            .query::<SearchQuery>().answers::<Vec<SearchHit>>().errors(&[422]), search)
        .route(doc(m("GET"), p, "wikis", "A page: rendered HTML, source, table of contents, my rights", Access::Public).answers::<PageAnswer>(), page)
        .route(doc(m("PUT"), p, "wikis", "Create or edit a page; an edit on an older revision is merged, or answered 409 with conflict markers", Access::Anyone)
            .takes::<SaveInput>().answers::<SaveAnswer>().also(201, "application/json").errors(&[409, 429]), save)
        .route(doc(m("DELETE"), p, "wikis", "Delete a page (it can be restored)", Access::Anyone).ok(204, ""), delete_page)
        .route(doc(m("POST"), "/api/v1/wikis/{slug}/pages/{name}/restore", "wikis", "Restore a deleted page", Access::Anyone).answers::<RevAnswer>(), restore_page)
        .route(doc(m("POST"), "/api/v1/wikis/{slug}/pages/{name}/rename", "wikis", "Rename a page (the old name redirects unless redirect is false)", Access::Anyone)
            .takes::<RenameBody>().answers::<Renamed>(), rename)
        .route(doc(m("POST"), "/api/v1/wikis/{slug}/pages/{name}/revert", "wikis", "Make an old revision current again (a new revision)", Access::Anyone)
            .takes::<RevertBody>().answers::<RevAnswer>(), revert)
        .route(doc(m("PUT"), "/api/v1/wikis/{slug}/pages/{name}/rules", "wikis", "A page's own rights: view and edit, inherit or editors (wiki admins)", Access::User)
            .takes::<RulesBody>().ok(204, ""), set_rules)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/pages/{name}/history", "wikis", "Revisions, newest first (?before=&limit=)", Access::Public)
            .query::<HistoryQuery>().answers::<History>(), history)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/pages/{name}/revisions/{rev}", "wikis", "A page's text and HTML at a revision", Access::Public).answers::<RevisionText>().errors(&[429]), revision)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/pages/{name}/diff", "wikis", "Compare two revisions (?from=&to=; from=0 is the empty page)", Access::Public)
            .query::<DiffQuery>().answers::<DiffAnswer>(), diff)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/pages/{name}/backlinks", "wikis", "Pages that link here", Access::Public).answers::<Vec<Backlink>>(), backlinks)
        .route(doc(m("POST"), "/api/v1/wikis/{slug}/files", "wikis", "Attach a file (?name=; the body is the file, with its Content-Type)", Access::Anyone).raw_body("application/octet-stream")
            .query::<FileQuery>().answers::<WikiFile>().ok(201, "application/json"), upload)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/files", "wikis", "The wiki's attachments", Access::Public).answers::<Vec<WikiFile>>(), files)
        .route(doc(m("DELETE"), "/api/v1/wikis/{slug}/files/{file}", "wikis", "Delete an attachment (editors)", Access::Anyone).ok(204, ""), delete_file)
        .route(doc(m("GET"), "/w/{slug}/_files/{file}", "wikis", "An attachment, with the wiki's read rights", Access::Public).ok(200, "application/octet-stream"), file)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/pages/{name}/comments", "wikis", "Comments under a page", Access::Public).answers::<Vec<WikiComment>>(), comments)
        .route(doc(m("POST"), "/api/v1/wikis/{slug}/pages/{name}/comments", "wikis", "Comment under a page", Access::Anyone)
            .takes::<CommentBody>().answers::<WikiComment>().ok(201, "application/json").errors(&[429]), comment)
        .route(doc(m("DELETE"), "/api/v1/wikis/{slug}/comments/{id}", "wikis", "Delete a comment (its author, wiki admins)", Access::Anyone).ok(204, ""), delete_comment)
        .route(doc(m("PUT"), "/api/v1/wikis/{slug}/watch", "wikis", "Watch the whole wiki", Access::User).ok(204, ""), watch_wiki)
        .route(doc(m("DELETE"), "/api/v1/wikis/{slug}/watch", "wikis", "Stop watching the wiki", Access::User).ok(204, ""), unwatch_wiki)
        .route(doc(m("PUT"), "/api/v1/wikis/{slug}/pages/{name}/watch", "wikis", "Watch a page", Access::User).ok(204, ""), watch_page)
        .route(doc(m("DELETE"), "/api/v1/wikis/{slug}/pages/{name}/watch", "wikis", "Stop watching a page", Access::User).ok(204, ""), unwatch_page)
        .route(doc(m("GET"), "/api/v1/wikis/{slug}/export.zip", "wikis", "The whole wiki as a zip: Markdown, every revision, attachments, static HTML (admins)", Access::User).ok(200, "application/zip"), export)
        .route(doc(m("GET"), "/api/v1/me/wiki-notifications", "wikis", "Changes to what I watch, newest first", Access::User).answers::<Vec<WikiNotification>>(), notifications)
        .route(doc(m("POST"), "/api/v1/me/wiki-notifications/read", "wikis", "Mark notifications read ({\"ids\"} or {\"all\": true})", Access::User)
            .takes::<ReadBody>().ok(204, ""), mark_read)
}

fn name_of(seg: &str) -> String {
    name_from_url_segment(seg)
}

async fn create(w: Wikis, who: SignedIn, body: web::Json<NewWiki>) -> ApiResult<HttpResponse> {
    let v = w
        .create(&who.0, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(v))
}

async fn directory(w: Wikis, q: web::Query<SearchQuery>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(w.directory(&q.q).await.map_err(ApiError::from)?))
}

async fn mine(w: Wikis, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(w.mine(who.0.id()).await.map_err(ApiError::from)?))
}

async fn search_all(
    w: Wikis,
    who: MaybeActor,
    q: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        w.search(None, &q.q, who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn search(
    w: Wikis,
    who: MaybeActor,
    slug: web::Path<String>,
    q: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        w.search(Some(&slug), &q.q, who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn get(w: Wikis, who: MaybeActor, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(w.get(&slug, who.0.as_ref()).await.map_err(ApiError::from)?))
}

async fn patch(
    w: Wikis,
    who: SignedIn,
    slug: web::Path<String>,
    body: web::Json<WikiPatch>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        w.patch(&slug, &who.0, body.into_inner())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn delete(w: Wikis, who: SignedIn, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    w.delete(&slug, &who.0).await.map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn lock(
    w: Wikis,
    who: SignedIn,
    slug: web::Path<String>,
    body: web::Json<LockBody>,
) -> ApiResult<HttpResponse> {
    w.set_locked(&slug, &who.0, body.locked)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn members(w: Wikis, who: SignedIn, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(w.members(&slug, &who.0).await.map_err(ApiError::from)?))
}

async fn set_member(
    w: Wikis,
    who: SignedIn,
    path: web::Path<(String, String)>,
    body: web::Json<RoleBody>,
) -> ApiResult<HttpResponse> {
    let (slug, username) = path.into_inner();
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError(nichoir_core::Error::validation("role: admin or editor")))?;
    w.set_member(&slug, &who.0, &username, Some(role))
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn remove_member(
    w: Wikis,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, username) = path.into_inner();
    w.set_member(&slug, &who.0, &username, None)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn pages(w: Wikis, who: MaybeActor, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        w.pages(&slug, who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn preview(
    w: Wikis,
    ctx: web::Data<Ctx>,
    who: MaybeActor,
    ip: ClientIp,
    slug: web::Path<String>,
    body: web::Json<PreviewBody>,
) -> ApiResult<HttpResponse> {
    ctx.auth.throttle_anonymous_render(who.0.as_ref(), &ip.0)?;
    Ok(HttpResponse::Ok().json(
        w.preview(&slug, who.0.as_ref(), &body.text)
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn changes(
    w: Wikis,
    who: MaybeActor,
    slug: web::Path<String>,
    q: web::Query<ChangesQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let (_, rows) = w
        .changes(
            &slug,
            who.0.as_ref(),
            q.author,
            q.page,
            q.before,
            q.limit.unwrap_or(50),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(rows))
}

async fn feed(w: Wikis, who: MaybeActor, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    let (wiki, rows) = w
        .changes(&slug, who.0.as_ref(), None, None, None, 50)
        .await
        .map_err(ApiError::from)?;
    let base = w.base_url();
    let site = format!("{base}/w/{}/", wiki.slug);
    let entries: Vec<_> = rows
        .iter()
        .map(|ChangeEntry { id, change: c }| {
            let url = format!(
                "{base}/w/{}/{}",
                wiki.slug,
                nichoir_wikitext::names::page_url_segment(&c.page)
            );
            nichoir_wikitext::atom::FeedEntry {
                id: format!("{url}?rev={}&change={id}", c.rev),
                title: format!("{} ({})", c.page, c.kind),
                url: format!("{url}?rev={}", c.rev),
                author: c.author_name.clone(),
                updated_ms: c.created_at,
                summary: c.summary.clone(),
            }
        })
        .collect();
    let updated = rows
        .first()
        .map(|e| e.change.created_at)
        .unwrap_or(wiki.updated_at);
    let xml = nichoir_wikitext::atom::feed(
        &wiki.title,
        &format!("{base}/api/v1/wikis/{}/feed.atom", wiki.slug),
        &site,
        updated,
        &entries,
    );
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(xml))
}

async fn page(
    w: Wikis,
    who: MaybeActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    match w.page(&slug, &name_of(&name), who.0.as_ref()).await {
        Ok(page) => Ok(HttpResponse::Ok().json(page)),
        // The page view offers to restore it from this one answer (docs/wiki-api.md).
        Err(WikiError::DeletedPage) => Ok(HttpResponse::NotFound().json(DeletedBody {
            error: ErrorDetail {
                code: nichoir_core::ErrorCode::NotFound.as_str().into(),
                message: WikiError::DeletedPage.to_string(),
            },
            deleted: true,
        })),
        Err(e) => Err(ApiError::from(e)),
    }
}

async fn save(
    w: Wikis,
    who: AnyActor,
    ip: ClientIp,
    path: web::Path<(String, String)>,
    body: web::Json<SaveInput>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    let addr = ip.0.parse().ok();
    match w
        .save(&slug, &name_of(&name), &who.0, addr, body.into_inner())
        .await
        .map_err(ApiError::from)?
    {
        Saved::Done(body) => Ok(if body.created {
            HttpResponse::Created().json(body)
        } else {
            HttpResponse::Ok().json(body)
        }),
        Saved::Conflict(body) => Ok(HttpResponse::Conflict().json(body)),
    }
}

async fn delete_page(
    w: Wikis,
    who: AnyActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    w.delete_page(&slug, &name_of(&name), &who.0)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn restore_page(
    w: Wikis,
    who: AnyActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    let rev = w
        .restore_page(&slug, &name_of(&name), &who.0)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(RevAnswer { rev }))
}

async fn rename(
    w: Wikis,
    who: AnyActor,
    path: web::Path<(String, String)>,
    body: web::Json<RenameBody>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        w.rename(&slug, &name_of(&name), &body.name, body.redirect, &who.0)
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn revert(
    w: Wikis,
    who: AnyActor,
    path: web::Path<(String, String)>,
    body: web::Json<RevertBody>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    let rev = w
        .revert(&slug, &name_of(&name), body.rev, &who.0)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(RevAnswer { rev }))
}

async fn set_rules(
    w: Wikis,
    who: SignedIn,
    path: web::Path<(String, String)>,
    body: web::Json<RulesBody>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    let parse = |s: &str, f: &str| {
        PageRule::parse(s).ok_or_else(|| {
            ApiError(nichoir_core::Error::validation(format!(
                "{f}: inherit or editors"
            )))
        })
    };
    let (view, edit) = (parse(&body.view, "view")?, parse(&body.edit, "edit")?);
    w.set_page_rules(&slug, &name_of(&name), &who.0, view, edit)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn history(
    w: Wikis,
    who: MaybeActor,
    path: web::Path<(String, String)>,
    q: web::Query<HistoryQuery>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        w.history(
            &slug,
            &name_of(&name),
            who.0.as_ref(),
            q.before,
            q.limit.unwrap_or(100),
        )
        .await
        .map_err(ApiError::from)?,
    ))
}

async fn revision(
    w: Wikis,
    ctx: web::Data<Ctx>,
    who: MaybeActor,
    ip: ClientIp,
    path: web::Path<(String, String, i64)>,
) -> ApiResult<HttpResponse> {
    // An old revision is rendered on each request (only the current one is stored rendered).
    ctx.auth.throttle_anonymous_render(who.0.as_ref(), &ip.0)?;
    let (slug, name, rev) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        w.revision(&slug, &name_of(&name), rev, who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn diff(
    w: Wikis,
    who: MaybeActor,
    path: web::Path<(String, String)>,
    q: web::Query<DiffQuery>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        w.diff(&slug, &name_of(&name), q.from, q.to, who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn backlinks(
    w: Wikis,
    who: MaybeActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        w.backlinks(&slug, &name_of(&name), who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn upload(
    w: Wikis,
    who: AnyActor,
    req: actix_web::HttpRequest,
    slug: web::Path<String>,
    q: web::Query<FileQuery>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // One byte over the limit is enough to know it is too big.
    let bytes =
        nichoir_http::read_body(body, (w.max_file_bytes as usize).saturating_add(1)).await?;
    let v = w
        .upload(&slug, &who.0, &q.name, &declared, bytes.to_vec())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(v))
}

async fn files(w: Wikis, who: MaybeActor, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        w.files(&slug, who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn delete_file(
    w: Wikis,
    who: AnyActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, file) = path.into_inner();
    w.delete_file(&slug, &file, &who.0)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn file(
    w: Wikis,
    who: MaybeActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    let (content_type, bytes) = w
        .file(&slug, &name, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    Ok(nichoir_http::file_download(&name, content_type, bytes))
}

async fn comments(
    w: Wikis,
    who: MaybeActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        w.comments(&slug, &name_of(&name), who.0.as_ref())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn comment(
    w: Wikis,
    who: AnyActor,
    ip: ClientIp,
    path: web::Path<(String, String)>,
    body: web::Json<CommentBody>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    let v = w
        .comment(
            &slug,
            &name_of(&name),
            &who.0,
            ip.0.parse().ok(),
            &body.text,
            body.website.as_deref(),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(v))
}

async fn delete_comment(
    w: Wikis,
    who: AnyActor,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    w.delete_comment(&slug, id, &who.0)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn watch_wiki(w: Wikis, who: SignedIn, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    w.set_watch(&slug, None, &who.0, true)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn unwatch_wiki(w: Wikis, who: SignedIn, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    w.set_watch(&slug, None, &who.0, false)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn watch_page(
    w: Wikis,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    w.set_watch(&slug, Some(&name_of(&name)), &who.0, true)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn unwatch_page(
    w: Wikis,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, name) = path.into_inner();
    w.set_watch(&slug, Some(&name_of(&name)), &who.0, false)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn notifications(w: Wikis, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(w.notifications(who.0.id()).await.map_err(ApiError::from)?))
}

async fn mark_read(w: Wikis, who: SignedIn, body: web::Json<ReadBody>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    w.mark_read(who.0.id(), b.ids, b.all)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn export(w: Wikis, who: SignedIn, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    let (slug, bytes) = w.export(&slug, &who.0).await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}.zip\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

async fn import(
    w: Wikis,
    who: SignedIn,
    q: web::Query<ImportQuery>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let bytes = nichoir_http::read_body(body, w.max_import_bytes() as usize).await?;
    let v = w
        .import(&who.0, &q.slug, q.title.as_deref(), &bytes)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(v))
}
