//! A compatibility layer for the core of Etherpad's HTTP API (`/api/1.2.15/<function>`), so that
//! integrations written for Etherpad keep working after a move. Parameters come from the query
//! string or a form body, `apikey` is a personal API token of an instance admin, and answers use
//! Etherpad's envelope `{"code","message","data"}` (0 ok, 1 wrong parameters, 3 no such function,
//! 4 no or wrong API key).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::Actor;
use nichoir_http::{doc, Access, Api, Ctx, Envelope, RouteDoc};
use serde_json::{json, Value};

use crate::engine::{edit_topic, PadError, PadService};

type Pads = web::Data<Arc<PadService>>;
type Params = HashMap<String, String>;

pub fn declare(api: Api) -> Api {
    let route = |method: Method, path: &'static str| -> RouteDoc {
        doc(method, path, "etherpad", "Etherpad HTTP API compatibility (createPad, getText, setText, appendText, getHTML, getRevisionsCount, getReadOnlyID, listAllPads, deletePad, padUsersCount, getLastEdited)", Access::Admin)
            .envelope(Envelope::Etherpad)
    };
    api.route(route(Method::GET, "/api/1.2.15/{function}"), handle)
        .route(route(Method::POST, "/api/1.2.15/{function}"), handle_form)
        .route(route(Method::GET, "/api/1/{function}"), handle)
        .route(route(Method::POST, "/api/1/{function}"), handle_form)
}

fn envelope(status: StatusCode, code: u8, message: &str, data: Value) -> HttpResponse {
    HttpResponse::build(status).json(json!({"code": code, "message": message, "data": data}))
}

fn ok(data: Value) -> HttpResponse {
    envelope(StatusCode::OK, 0, "ok", data)
}

fn wrong(message: &str) -> HttpResponse {
    envelope(StatusCode::BAD_REQUEST, 1, message, Value::Null)
}

async fn handle(
    ctx: web::Data<Ctx>,
    pads: Pads,
    function: web::Path<String>,
    q: web::Query<Params>,
) -> HttpResponse {
    dispatch(&ctx, &pads, &function, q.into_inner()).await
}

async fn handle_form(
    ctx: web::Data<Ctx>,
    pads: Pads,
    function: web::Path<String>,
    q: web::Query<Params>,
    req: HttpRequest,
    body: Result<web::Form<Params>, actix_web::Error>,
) -> HttpResponse {
    let mut params = q.into_inner();
    match body {
        Ok(form) => params.extend(form.into_inner()),
        // Parameters may all be in the query string; a body that is there but is no form is
        // refused rather than silently ignored.
        Err(_) if has_body(&req) => {
            return wrong("the body is not a form (application/x-www-form-urlencoded)")
        }
        Err(_) => {}
    }
    dispatch(&ctx, &pads, &function, params).await
}

fn has_body(req: &HttpRequest) -> bool {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || req.headers().contains_key(header::TRANSFER_ENCODING)
}

fn pad_error(e: PadError) -> HttpResponse {
    match e {
        PadError::NotFound | PadError::Deleted => wrong("padID does not exist"),
        PadError::NameTaken => wrong("padID does already exist"),
        PadError::Other(e) if e.code.http_status() >= 500 => envelope(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            "internal error",
            Value::Null,
        ),
        other => wrong(&other.to_string()),
    }
}

async fn dispatch(ctx: &Ctx, pads: &PadService, function: &str, p: Params) -> HttpResponse {
    const FUNCTIONS: &[&str] = &[
        "createPad",
        "getText",
        "setText",
        "appendText",
        "getHTML",
        "getRevisionsCount",
        "getReadOnlyID",
        "listAllPads",
        "deletePad",
        "padUsersCount",
        "getLastEdited",
    ];
    if !FUNCTIONS.contains(&function) {
        return envelope(StatusCode::NOT_FOUND, 3, "no such function", Value::Null);
    }
    let actor: Actor = match p.get("apikey") {
        Some(key) => match ctx.auth.resolve_token(key).await {
            Ok(Some(a)) if a.require_admin().is_ok() => a,
            _ => {
                return envelope(
                    StatusCode::UNAUTHORIZED,
                    4,
                    "no or wrong API Key",
                    Value::Null,
                )
            }
        },
        None => {
            return envelope(
                StatusCode::UNAUTHORIZED,
                4,
                "no or wrong API Key",
                Value::Null,
            )
        }
    };
    match run(pads, function, &p, &actor).await {
        Ok(resp) => resp,
        Err(e) => pad_error(e),
    }
}

fn pad_id(p: &Params) -> Result<&str, &'static str> {
    p.get("padID")
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("padID is required")
}

fn rev(p: &Params) -> Result<Option<u64>, &'static str> {
    match p.get("rev") {
        None => Ok(None),
        Some(r) => r
            .parse::<u64>()
            .map(Some)
            .map_err(|_| "rev is not a number"),
    }
}

async fn run(
    pads: &PadService,
    function: &str,
    p: &Params,
    actor: &Actor,
) -> Result<HttpResponse, PadError> {
    macro_rules! param {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(message) => return Ok(wrong(message)),
            }
        };
    }
    if function == "listAllPads" {
        let ids = pads.all_pad_ids().await?;
        return Ok(ok(json!({"padIDs": ids})));
    }
    let id = param!(pad_id(p));
    match function {
        "createPad" => {
            pads.create(actor, Some(id)).await?;
            if let Some(text) = p.get("text").filter(|t| !t.is_empty()) {
                pads.set_text(id, actor, text).await?;
            }
            Ok(ok(Value::Null))
        }
        "getText" | "getHTML" => {
            let (info, readonly) = pads.find(id).await?;
            if readonly {
                return Err(PadError::NotFound);
            }
            let text = match param!(rev(p)) {
                Some(r) => pads.at_revision(&info.id, r).await?.0,
                None => pads.current_text(&info.id).await?.0,
            };
            Ok(if function == "getText" {
                ok(json!({"text": text}))
            } else {
                ok(json!({"html": crate::import::markdown_to_html(text).await?}))
            })
        }
        "setText" | "appendText" => {
            let Some(text) = p.get("text") else {
                return Ok(wrong("text is required"));
            };
            let new = if function == "appendText" {
                format!("{}{text}", pads.current_text(id).await?.0)
            } else {
                text.clone()
            };
            pads.set_text(id, actor, &new).await?;
            Ok(ok(Value::Null))
        }
        "getRevisionsCount" => Ok(ok(json!({"revisions": pads.find(id).await?.0.rev}))),
        "getReadOnlyID" => Ok(ok(
            json!({"readOnlyID": pads.find(id).await?.0.readonly_id}),
        )),
        "getLastEdited" => Ok(ok(json!({"lastEdited": pads.find(id).await?.0.updated_at}))),
        "deletePad" => {
            pads.delete(id, actor).await?;
            Ok(ok(Value::Null))
        }
        "padUsersCount" => {
            let (info, _) = pads.find(id).await?;
            let mut people: Vec<String> = pads
                .hub()
                .members(&edit_topic(&info.id))
                .into_iter()
                .map(|m| m.id)
                .collect();
            people.sort();
            people.dedup();
            Ok(ok(json!({"padUsersCount": people.len()})))
        }
        _ => Ok(envelope(
            StatusCode::NOT_FOUND,
            3,
            "no such function",
            Value::Null,
        )),
    }
}
