//! Etherpad's HTTP API, as integrations call it (Moodle's mod_etherpadlite, Nextcloud's ownpad,
//! YesWiki, Etherpad's client libraries): `GET /api` names the current version, and
//! `/api/<version>/<function>` (GET or POST, every version from 1 to 1.3.0) answers the functions
//! that version has, with Etherpad's envelope `{"code","message","data"}` and statuses: 0 ok,
//! 1 wrong parameters (HTTP 200, as Etherpad answers them), 2 internal error (500), 3 no such
//! function or version (404), 4 no or wrong API key (401). The API key is a personal API token of
//! an instance admin. Parameters come from the query string, a form body or a JSON object body,
//! the body winning, as in Etherpad.
//!
//! Pads are Nichoir's (their text is Markdown; `getHTML` writes it as Etherpad writes a pad, see
//! `html.rs`); groups, authors and sessions are in `groups.rs`, their SQL in `store.rs`, and
//! the `sessionID` cookie that opens a group pad in `access.rs`.

mod access;
mod groups;
mod html;
mod store;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::Actor;
use nichoir_core::Error;
use nichoir_http::{doc, Access, Api, Ctx, Envelope, RouteDoc};
use nichoir_storage::StorageError;
use serde_json::{json, Value};

use crate::api::EtherpadVersion;
use crate::service::{edit_topic, PadError, PadService};

pub use access::admit_from_request;
pub(crate) use access::{check as check_group_access, group_of};
pub(crate) use store::forget_actor;

type Pads = web::Data<Arc<PadService>>;
pub(crate) type Params = HashMap<String, String>;

/// The versions Etherpad answers, oldest first (src/node/handler/APIHandler.ts).
const VERSIONS: [&str; 14] = [
    "1", "1.1", "1.2", "1.2.1", "1.2.7", "1.2.8", "1.2.9", "1.2.10", "1.2.11", "1.2.12", "1.2.13",
    "1.2.14", "1.2.15", "1.3.0",
];
/// What `GET /api` answers.
const CURRENT_VERSION: &str = "1.3.0";

/// Each function answered here and the version (index in [`VERSIONS`]) that brought it: a call
/// through an older version is "no such function", as in Etherpad.
const FUNCTIONS: &[(&str, usize)] = &[
    ("createGroup", 0),
    ("createGroupIfNotExistsFor", 0),
    ("deleteGroup", 0),
    ("listPads", 0),
    ("createPad", 0),
    ("createGroupPad", 0),
    ("createAuthor", 0),
    ("createAuthorIfNotExistsFor", 0),
    ("listPadsOfAuthor", 0),
    ("createSession", 0),
    ("deleteSession", 0),
    ("getSessionInfo", 0),
    ("listSessionsOfGroup", 0),
    ("listSessionsOfAuthor", 0),
    ("getText", 0),
    ("setText", 0),
    ("getHTML", 0),
    ("setHTML", 0),
    ("getRevisionsCount", 0),
    ("getLastEdited", 0),
    ("deletePad", 0),
    ("getReadOnlyID", 0),
    ("listAuthorsOfPad", 0),
    ("padUsersCount", 0),
    ("getAuthorName", 1),
    ("listAllGroups", 1),
    ("checkToken", 2),
    ("listAllPads", 3),
    ("getChatHistory", 4),
    ("getChatHead", 4),
    ("getPadID", 7),
    ("restoreRevision", 8),
    ("appendText", 10),
];

/// Largest body read (a `setHTML` of a long pad fits; the pad's own size limit applies after).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

pub fn declare(api: Api) -> Api {
    let summary = "Etherpad HTTP API (groups, authors, sessions, pads: getText, setText, getHTML, setHTML, getChatHistory…), Etherpad's envelope; apikey: an admin's API token";
    let route = |method: Method, path: &'static str| -> RouteDoc {
        doc(method, path, "etherpad", summary, Access::Admin).envelope(Envelope::Etherpad)
    };
    let mut api = api.route(
        doc(
            Method::GET,
            "/api",
            "etherpad",
            "Etherpad's current API version: {\"currentVersion\":\"1.3.0\"}",
            Access::Public,
        )
        .answers::<EtherpadVersion>()
        .no_identity(),
        current_version,
    );
    for version in VERSIONS {
        // Leaked once per version at start-up: route paths are `&'static str`.
        let path: &'static str = Box::leak(format!("/api/{version}/{{function}}").into_boxed_str());
        api = api
            .route(route(Method::GET, path), handle)
            .route(route(Method::POST, path), handle)
    }
    api
}

async fn current_version() -> HttpResponse {
    HttpResponse::Ok().json(EtherpadVersion {
        current_version: CURRENT_VERSION,
    })
}

fn envelope(status: StatusCode, code: u8, message: &str, data: Value) -> HttpResponse {
    HttpResponse::build(status).json(json!({"code": code, "message": message, "data": data}))
}

/// Why a call failed: wrong parameters (code 1) or an internal error (code 2).
#[derive(Debug)]
pub(crate) enum Failure {
    Wrong(String),
    Internal,
}

pub(crate) type Outcome = Result<Value, Failure>;

impl From<PadError> for Failure {
    fn from(e: PadError) -> Self {
        match e {
            PadError::NotFound | PadError::Deleted => Failure::Wrong("padID does not exist".into()),
            PadError::NameTaken => Failure::Wrong("padID does already exist".into()),
            PadError::Other(e) => e.into(),
            other => Failure::Wrong(other.to_string()),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        if e.code.http_status() >= 500 {
            Failure::Internal
        } else {
            Failure::Wrong(e.message)
        }
    }
}

impl From<StorageError> for Failure {
    fn from(e: StorageError) -> Self {
        PadError::from(e).into()
    }
}

/// A required parameter, with Etherpad's message when it is missing.
pub(crate) fn param(p: &Params, name: &str) -> Result<String, Failure> {
    p.get(name)
        .filter(|s| !s.is_empty())
        .cloned()
        .ok_or_else(|| Failure::Wrong(format!("{name} is not a string")))
}

async fn handle(
    ctx: web::Data<Ctx>,
    pads: Pads,
    req: HttpRequest,
    function: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    let version = req
        .path()
        .strip_prefix("/api/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    let Some(v) = VERSIONS.iter().position(|x| *x == version) else {
        return envelope(StatusCode::NOT_FOUND, 3, "no such api version", Value::Null);
    };
    if !FUNCTIONS
        .iter()
        .any(|(f, since)| *f == function.as_str() && v >= *since)
    {
        return envelope(StatusCode::NOT_FOUND, 3, "no such function", Value::Null);
    }
    let params = match read_params(&req, body).await {
        Ok(p) => p,
        Err(message) => return envelope(StatusCode::OK, 1, &message, Value::Null),
    };
    let actor = match api_key(&req, &params) {
        Some(key) => match ctx.auth.resolve_token(&key).await {
            Ok(Some(a)) if a.require_admin().is_ok() => Some(a),
            _ => None,
        },
        None => None,
    };
    let Some(actor) = actor else {
        return envelope(
            StatusCode::UNAUTHORIZED,
            4,
            "no or wrong API Key",
            Value::Null,
        );
    };
    match run(&pads, &function, &params, &actor).await {
        Ok(data) => envelope(StatusCode::OK, 0, "ok", data),
        Err(Failure::Wrong(message)) => envelope(StatusCode::OK, 1, &message, Value::Null),
        Err(Failure::Internal) => envelope(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            "internal error",
            Value::Null,
        ),
    }
}

/// `apikey` (or `api_key`) among the parameters, else the `Authorization` header (bare or
/// `Bearer`), as Etherpad looks for it.
fn api_key(req: &HttpRequest, p: &Params) -> Option<String> {
    if let Some(k) = p.get("apikey").or_else(|| p.get("api_key")) {
        return Some(k.clone());
    }
    let h = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let h = h.trim();
    Some(
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
            .unwrap_or(h)
            .trim()
            .to_string(),
    )
}

/// The query string's parameters, then the body's (a form or a JSON object) over them.
async fn read_params(req: &HttpRequest, body: web::Payload) -> Result<Params, String> {
    let mut params: Params = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| format!("the query string cannot be read: {e}"))?
        .into_inner()
        .into_iter()
        .collect();
    if req.method() != Method::POST {
        return Ok(params);
    }
    let bytes = nichoir_http::read_body(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| e.0.message)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = std::str::from_utf8(&bytes).map_err(|_| "the body is not UTF-8".to_string())?;
    if content_type.starts_with("application/json") {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err("the body is not a JSON object".into());
        };
        for (k, v) in map {
            let v = match v {
                Value::String(s) => s,
                Value::Null => continue,
                other => other.to_string(),
            };
            params.insert(k, v);
        }
    } else if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
    {
        let form = web::Query::<Vec<(String, String)>>::from_query(text)
            .map_err(|e| format!("the body is not a form: {e}"))?;
        params.extend(form.into_inner());
    } else {
        return Err(
            "send the parameters as a form (application/x-www-form-urlencoded), a JSON object or in the query string"
                .into(),
        );
    }
    Ok(params)
}

fn pad_id(p: &Params) -> Result<String, Failure> {
    param(p, "padID")
}

fn rev(p: &Params) -> Result<Option<u64>, Failure> {
    match p.get("rev").map(|r| r.trim()).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => r
            .parse::<u64>()
            .map(Some)
            .map_err(|_| Failure::Wrong("rev is not a number".into())),
    }
}

/// The pad's text (at `rev`), refusing a read-only id where Etherpad wants a pad id.
async fn text_of(pads: &PadService, id: &str, rev: Option<u64>) -> Result<String, Failure> {
    let (info, readonly) = pads.find(id).await?;
    if readonly {
        return Err(PadError::NotFound.into());
    }
    Ok(match rev {
        Some(r) if r > info.rev => {
            return Err(Failure::Wrong(
                "rev is higher than the head revision of the pad".into(),
            ))
        }
        Some(r) => pads.at_revision(&info.id, r).await?.0,
        None => pads.current_text(&info.id).await?.0,
    })
}

async fn run(pads: &PadService, function: &str, p: &Params, actor: &Actor) -> Outcome {
    let opt = |name: &str| p.get(name).cloned();
    match function {
        "checkToken" => Ok(Value::Null),
        "createGroup" => groups::create_group(pads, None).await,
        "createGroupIfNotExistsFor" => {
            let mapper = param(p, "groupMapper")?;
            groups::create_group(pads, Some(mapper)).await
        }
        "deleteGroup" => groups::delete_group(pads, p).await,
        "listPads" => groups::list_pads(pads, p).await,
        "listAllGroups" => groups::list_all_groups(pads).await,
        "createGroupPad" => groups::create_group_pad(pads, p, actor).await,
        "createAuthor" => groups::create_author(pads, None, opt("name")).await,
        "createAuthorIfNotExistsFor" => {
            let mapper = param(p, "authorMapper")?;
            groups::create_author(pads, Some(mapper), opt("name")).await
        }
        "getAuthorName" => groups::author_name(pads, p).await,
        "listPadsOfAuthor" => groups::pads_of_author(pads, p).await,
        "listAuthorsOfPad" => groups::authors_of_pad(pads, &pad_id(p)?).await,
        "createSession" => groups::create_session(pads, p).await,
        "deleteSession" => groups::delete_session(pads, p).await,
        "getSessionInfo" => groups::session_info(pads, p).await,
        "listSessionsOfGroup" => groups::list_sessions(pads, p, true).await,
        "listSessionsOfAuthor" => groups::list_sessions(pads, p, false).await,
        "listAllPads" => Ok(json!({"padIDs": pads.all_pad_ids().await?})),
        _ => pad_function(pads, function, p, actor).await,
    }
}

async fn pad_function(pads: &PadService, function: &str, p: &Params, actor: &Actor) -> Outcome {
    if function == "getPadID" {
        let ro = param(p, "roID")?;
        return match pads.find(&ro).await {
            Ok((info, true)) => Ok(json!({"padID": info.id})),
            _ => Err(Failure::Wrong("padID does not exist".into())),
        };
    }
    let id = pad_id(p)?;
    match function {
        "createPad" => {
            if id.contains('$') {
                return Err(Failure::Wrong("createPad can't create group pads".into()));
            }
            if id.contains(['/', '?', '&', '#']) {
                return Err(Failure::Wrong(
                    "malformed padID: Remove special characters".into(),
                ));
            }
            pads.create(actor, Some(&id)).await?;
            if let Some(text) = p.get("text").filter(|t| !t.is_empty()) {
                pads.set_text(&id, actor, text).await?;
            }
            Ok(Value::Null)
        }
        "getText" => Ok(json!({"text": text_of(pads, &id, rev(p)?).await?})),
        "getHTML" => {
            let text = text_of(pads, &id, rev(p)?).await?;
            let body = nichoir_core::work::run(move || html::to_etherpad_html(&text)).await?;
            Ok(json!({"html": html::document(&body)}))
        }
        "setText" | "appendText" | "setHTML" => {
            let field = if function == "setHTML" {
                "html"
            } else {
                "text"
            };
            let Some(given) = p.get(field).cloned() else {
                return Err(Failure::Wrong(format!("{field} is not a string")));
            };
            let (info, readonly) = pads.find(&id).await?;
            if readonly {
                return Err(PadError::NotFound.into());
            }
            let new = match function {
                "appendText" => format!("{}{given}", pads.current_text(&info.id).await?.0),
                "setHTML" => nichoir_core::work::run(move || html::from_etherpad_html(&given))
                    .await
                    .map_err(|e| match Failure::from(e) {
                        Failure::Wrong(m) => Failure::Wrong(format!("HTML is malformed: {m}")),
                        other => other,
                    })?,
                _ => given,
            };
            pads.set_text(&info.id, actor, &new).await?;
            Ok(Value::Null)
        }
        "restoreRevision" => {
            let Some(r) = rev(p)? else {
                return Err(Failure::Wrong("rev is not defined".into()));
            };
            let text = text_of(pads, &id, Some(r)).await?;
            pads.set_text(&id, actor, &text).await?;
            Ok(Value::Null)
        }
        "getRevisionsCount" => Ok(json!({"revisions": pads.find(&id).await?.0.rev})),
        "getReadOnlyID" => Ok(json!({"readOnlyID": pads.find(&id).await?.0.readonly_id})),
        "getLastEdited" => Ok(json!({"lastEdited": pads.find(&id).await?.0.updated_at})),
        "deletePad" => {
            pads.delete(&id, actor).await?;
            Ok(Value::Null)
        }
        "padUsersCount" => {
            let (info, _) = pads.find(&id).await?;
            let mut people: Vec<String> = pads
                .hub()
                .members(&edit_topic(&info.id))
                .into_iter()
                .map(|m| m.id)
                .collect();
            people.sort();
            people.dedup();
            Ok(json!({"padUsersCount": people.len()}))
        }
        "getChatHead" | "getChatHistory" => chat(pads, function, &id, p).await,
        _ => Err(Failure::Internal),
    }
}

/// Pad chat as Etherpad numbers it: messages 0 to `chatHead`, oldest first.
async fn chat(pads: &PadService, function: &str, id: &str, p: &Params) -> Outcome {
    /// Messages read back (a chat longer than this answers its latest ones).
    const MAX_MESSAGES: usize = 10_000;
    let (info, _) = pads.find(id).await?;
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = pads.chat_history(&info.id, before, 500).await?;
        let Some(first) = page.first() else { break };
        before = Some(first.id);
        let n = page.len();
        all.splice(0..0, page);
        if n < 500 || all.len() >= MAX_MESSAGES {
            break;
        }
    }
    let head = all.len() as i64 - 1;
    if function == "getChatHead" {
        return Ok(json!({"chatHead": head}));
    }
    let number = |name: &str| -> Result<Option<i64>, Failure> {
        match p.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Failure::Wrong(format!("{name} is not a number"))),
        }
    };
    let (start, end) = match (number("start")?, number("end")?) {
        (Some(s), Some(e)) => {
            if s < 0 {
                return Err(Failure::Wrong("start is below zero".into()));
            }
            if e < 0 {
                return Err(Failure::Wrong("end is below zero".into()));
            }
            if s > e {
                return Err(Failure::Wrong("start is higher than end".into()));
            }
            if s > head {
                return Err(Failure::Wrong(
                    "start is higher than the current chatHead".into(),
                ));
            }
            if e > head {
                return Err(Failure::Wrong(
                    "end is higher than the current chatHead".into(),
                ));
            }
            (s as usize, e as usize)
        }
        _ => (0, all.len().saturating_sub(1)),
    };
    let messages: Vec<Value> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| *i >= start && *i <= end)
        .map(|(_, m)| {
            json!({"text": m.text, "authorID": m.author_id, "time": m.created_at, "userName": m.name})
        })
        .collect();
    Ok(json!({"messages": messages}))
}
