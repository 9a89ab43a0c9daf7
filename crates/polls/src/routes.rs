//! Polls HTTP routes (docs/polls-api.md). The poll id in the public URL is the capability to view
//! and vote; the admin token is the capability to administer (as in Framadate).

use std::sync::Arc;

use actix_web::http::{header, Method};
use actix_web::{web, CustomizeResponder, HttpRequest, HttpResponse, Responder};
use nichoir_http::{
    doc, Access, AnyActor, Api, ApiError, ApiResult, ClientIp, JsonText, MaybeActor, SignedIn,
};
use schemars::JsonSchema;
use serde::Deserialize;
use ts_rs::TS;

use crate::api::{CreatedPoll, MyPoll, Participant, PollComment, PollView, VoteAnswer};
use crate::input::{Ballot, NewComment, NewPoll, PollPatch};
use crate::service::PollService;

type Polls = web::Data<Arc<PollService>>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    api.route(doc(m("POST"), "/api/v1/polls", "polls", "Create a date or classic poll; answers the public and the admin link", Access::Anyone)
            .takes::<NewPoll>().answers::<CreatedPoll>().ok(201, "application/json"), create)
        .route(doc(m("GET"), "/api/v1/polls", "polls", "Polls I created or answered, latest activity first", Access::User)
            .answers::<Vec<MyPoll>>(), mine)
        .route(doc(m("GET"), "/api/v1/polls/{id}", "polls", "A poll with its options, rows, totals and comments", Access::Public)
            .query::<EditQuery>().answers::<PollView>(), view)
        .route(doc(m("POST"), "/api/v1/polls/{id}/unlock", "polls", "Give a protected poll's password (remembered for this person)", Access::Anyone)
            .takes::<PollPassword>().ok(204, "").errors(&[429]), unlock)
        .route(doc(m("POST"), "/api/v1/polls/{id}/votes", "polls", "Answer the poll (one row)", Access::Anyone)
            .takes::<Ballot>().answers::<VoteAnswer>().ok(201, "application/json"), vote)
        .route(doc(m("PUT"), "/api/v1/polls/{id}/votes/{vote}", "polls", "Change a row (as the poll's edit mode allows)", Access::Anyone)
            .takes::<Ballot>().answers::<Participant>(), update_vote)
        .route(doc(m("DELETE"), "/api/v1/polls/{id}/votes/{vote}", "polls", "Delete a row (as the poll's edit mode allows)", Access::Anyone)
            .query::<EditQuery>().ok(204, ""), delete_vote)
        .route(doc(m("POST"), "/api/v1/polls/{id}/comments", "polls", "Comment under the poll", Access::Anyone)
            .takes::<NewComment>().answers::<PollComment>().ok(201, "application/json"), comment)
        .route(doc(m("GET"), "/api/v1/polls/{id}/final.ics", "polls", "The chosen date as an iCalendar event", Access::Public).ok(200, "text/calendar"), ics)
        .route(doc(m("GET"), "/api/v1/poll-admin/{token}", "polls", "The poll as its admin sees it", Access::Public)
            .answers::<PollView>(), admin_view)
        .route(doc(m("PATCH"), "/api/v1/poll-admin/{token}", "polls", "Change the poll's settings or options, close or reopen it", Access::Public)
            .takes::<PollPatch>().answers::<PollView>(), admin_patch)
        .route(doc(m("DELETE"), "/api/v1/poll-admin/{token}", "polls", "Delete the poll and all its answers", Access::Public).ok(204, ""), admin_delete)
        .route(doc(m("POST"), "/api/v1/poll-admin/{token}/finalise", "polls", "Choose the final option (null to undo); closes the poll", Access::Public)
            .takes::<Finalise>().answers::<PollView>(), admin_finalise)
        .route(doc(m("PUT"), "/api/v1/poll-admin/{token}/votes/{vote}", "polls", "Change any row", Access::Public)
            .takes::<Ballot>().answers::<Participant>(), admin_update_vote)
        .route(doc(m("DELETE"), "/api/v1/poll-admin/{token}/votes/{vote}", "polls", "Delete any row", Access::Public).ok(204, ""), admin_delete_vote)
        .route(doc(m("DELETE"), "/api/v1/poll-admin/{token}/comments/{comment}", "polls", "Delete a comment", Access::Public).ok(204, ""), admin_delete_comment)
        .route(doc(m("GET"), "/api/v1/poll-admin/{token}/export.csv", "polls", "Every answer as CSV", Access::Public).ok(200, "text/csv"), admin_csv)
}

/// A poll's view, never cached: it changes with every vote.
type ViewAnswer = CustomizeResponder<JsonText<PollView>>;

fn no_store(view: JsonText<PollView>) -> ViewAnswer {
    view.customize()
        .insert_header((header::CACHE_CONTROL, "no-store"))
}

/// A file name from a title: letters, digits and dashes only.
fn file_name(title: &str, ext: &str) -> String {
    let mut s: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let s: String = s.chars().take(60).collect();
    format!("{}.{ext}", if s.is_empty() { "poll" } else { &s })
}

fn download(
    content_type: &str,
    name: String,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

async fn create(
    req: HttpRequest,
    polls: Polls,
    who: AnyActor,
    body: web::Json<NewPoll>,
) -> ApiResult<HttpResponse> {
    let accept_language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let created = polls
        .create(&who.0, body.into_inner(), accept_language)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(CreatedPoll {
        poll: created.poll,
        url: polls.public_url(&created.id),
        admin_url: polls.admin_url(&created.admin_token),
        admin_token: created.admin_token,
    }))
}

async fn mine(polls: Polls, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(polls.list_for(who.0.id()).await.map_err(ApiError::from)?))
}

/// A personal edit link's token: the rows it opened become the viewer's own.
#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/", optional_fields)]
pub struct EditQuery {
    /// The token of a personal edit link (`?edit=`).
    #[serde(default)]
    edit: Option<String>,
    /// The same, under the name the vote's answer gives it.
    #[serde(default)]
    edit_token: Option<String>,
}

async fn view(
    polls: Polls,
    who: MaybeActor,
    id: web::Path<String>,
    q: web::Query<EditQuery>,
) -> ApiResult<ViewAnswer> {
    let token = q.edit.as_deref().or(q.edit_token.as_deref());
    Ok(no_store(
        polls
            .view(&id, who.0.as_ref(), token)
            .await
            .map_err(ApiError::from)?,
    ))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/")]
pub struct PollPassword {
    password: String,
}

async fn unlock(
    polls: Polls,
    who: AnyActor,
    ip: ClientIp,
    id: web::Path<String>,
    body: web::Json<PollPassword>,
) -> ApiResult<HttpResponse> {
    polls
        .unlock(&id, &who.0, &ip.0, body.into_inner().password)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn vote(
    polls: Polls,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<Ballot>,
) -> ApiResult<HttpResponse> {
    let voted = polls
        .vote(&id, &who.0, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(VoteAnswer {
        edit_url: format!("{}?edit={}", polls.public_url(&id), voted.edit_token),
        participant: voted.participant,
        edit_token: voted.edit_token,
    }))
}

async fn update_vote(
    polls: Polls,
    who: AnyActor,
    path: web::Path<(String, i64)>,
    body: web::Json<Ballot>,
) -> ApiResult<HttpResponse> {
    let (id, vote) = path.into_inner();
    let row = polls
        .update_vote_public(&id, vote, &who.0, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(row))
}

async fn delete_vote(
    polls: Polls,
    who: AnyActor,
    path: web::Path<(String, i64)>,
    q: web::Query<EditQuery>,
) -> ApiResult<HttpResponse> {
    let (id, vote) = path.into_inner();
    let token = q.edit_token.as_deref().or(q.edit.as_deref());
    polls
        .delete_vote_public(&id, vote, &who.0, token)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn comment(
    polls: Polls,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<NewComment>,
) -> ApiResult<HttpResponse> {
    let c = polls
        .comment(&id, &who.0, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(c))
}

async fn ics(polls: Polls, who: MaybeActor, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let (title, text) = polls
        .ics(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    Ok(download(
        "text/calendar; charset=utf-8",
        file_name(&title, "ics"),
        text,
    ))
}

async fn admin_view(polls: Polls, token: web::Path<String>) -> ApiResult<ViewAnswer> {
    Ok(no_store(
        polls.admin_view(&token).await.map_err(ApiError::from)?,
    ))
}

async fn admin_patch(
    polls: Polls,
    token: web::Path<String>,
    body: web::Json<PollPatch>,
) -> ApiResult<ViewAnswer> {
    Ok(no_store(
        polls
            .patch(&token, body.into_inner())
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn admin_delete(polls: Polls, token: web::Path<String>) -> ApiResult<HttpResponse> {
    polls.delete(&token).await.map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

/// The option the admin chooses; null undoes the choice.
#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "polls/")]
pub struct Finalise {
    option_id: Option<i64>,
}

async fn admin_finalise(
    polls: Polls,
    token: web::Path<String>,
    body: web::Json<Finalise>,
) -> ApiResult<ViewAnswer> {
    Ok(no_store(
        polls
            .finalise(&token, body.option_id)
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn admin_update_vote(
    polls: Polls,
    path: web::Path<(String, i64)>,
    body: web::Json<Ballot>,
) -> ApiResult<HttpResponse> {
    let (token, vote) = path.into_inner();
    let row = polls
        .update_vote_admin(&token, vote, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(row))
}

async fn admin_delete_vote(
    polls: Polls,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (token, vote) = path.into_inner();
    polls
        .delete_vote_admin(&token, vote)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn admin_delete_comment(
    polls: Polls,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (token, comment) = path.into_inner();
    polls
        .delete_comment(&token, comment)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn admin_csv(polls: Polls, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let (title, bytes) = polls.csv(&token).await.map_err(ApiError::from)?;
    Ok(download(
        "text/csv; charset=utf-8",
        file_name(&title, "csv"),
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            super::file_name("Réunion de décembre!", "ics"),
            "r-union-de-d-cembre.ics"
        );
        assert_eq!(super::file_name("\"; rm -rf", "csv"), "rm-rf.csv");
        assert_eq!(super::file_name("", "csv"), "poll.csv");
    }
}
