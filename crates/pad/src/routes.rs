//! Pad HTTP routes. The pad id in the URL is the capability (as in Etherpad and Framapad).

use crate::api::{
    CreatedPad, EtherpadImportQuery, ImportedPad, MyPad, NewPad, PadChatLine, PadChatQuery,
    PadExportQuery, PadFacts, PadImportQuery, PadNewRev, PadPage, PadPassword, PadQuery,
    PadRestore, PadRevisionText, PadRevisionsQuery, PadSaveRevision,
};
use crate::chat::{ChatMessage, SavedRevision};
use crate::comments::{CommentList, CommentText, CommentThread, NewThread, Resolution};
use crate::comments_routes as comments;
use crate::images::PadImage;
use crate::model::RevisionInfo;
use crate::service::PadService;
use actix_web::http::{header, Method};
use actix_web::{web, HttpResponse};
use nichoir_http::{
    doc, Access, AnyActor, Api, ApiError, ApiResult, ClientIp, Ctx, MaybeActor, SignedIn,
};

type Pads = web::Data<std::sync::Arc<PadService>>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    api.route(doc(m("POST"), "/api/v1/pads", "pads", "Create a pad (random id, or a chosen name)", Access::Anyone)
            .takes::<NewPad>().answers::<CreatedPad>().ok(201, "application/json").errors(&[409]), create)
        .route(doc(m("GET"), "/api/v1/pads", "pads", "Pads I created or opened, most recent first", Access::User).answers::<Vec<MyPad>>(), mine)
        .route(doc(m("GET"), "/api/v1/pads/{id}", "pads", "A pad's text, revision and authors (id or read-only id; ?text=false: without text and authors)", Access::Public)
            .query::<PadQuery>().answers::<PadPage>(), get)
        .route(doc(m("DELETE"), "/api/v1/pads/{id}", "pads", "Delete a pad (its creator or an admin)", Access::Anyone).ok(204, ""), delete)
        .route(doc(m("GET"), "/api/v1/pads/{id}/export", "pads", "Download the text (?format=txt|md|html|docx|odt|etherpad, ?rev=N; html with ?print=1: a page to print)", Access::Public)
            .query::<PadExportQuery>().ok(200, "text/plain").errors(&[429]), export)
        .route(doc(m("GET"), "/api/v1/pads/{id}/revisions", "pads", "Revision list, newest first (?before=N&limit=M)", Access::Public)
            .query::<PadRevisionsQuery>().answers::<Vec<RevisionInfo>>(), revisions)
        .route(doc(m("GET"), "/api/v1/pads/{id}/revisions/{rev}", "pads", "Text and authorship at a revision (timeslider; 422 past the newest)", Access::Public)
            .answers::<PadRevisionText>().errors(&[422]), revision)
        .route(doc(m("POST"), "/api/v1/pads/{id}/restore", "pads", "Restore a revision (makes a new revision)", Access::Anyone)
            .takes::<PadRestore>().answers::<PadNewRev>(), restore)
        .route(doc(m("GET"), "/api/v1/pads/{id}/chat", "pads", "Pad chat, oldest first (?before=ID&limit=N)", Access::Public)
            .query::<PadChatQuery>().answers::<Vec<ChatMessage>>(), chat)
        .route(doc(m("POST"), "/api/v1/pads/{id}/chat", "pads", "Say something in the pad chat", Access::Anyone)
            .takes::<PadChatLine>().answers::<ChatMessage>().ok(201, "application/json"), post_chat)
        .route(doc(m("GET"), "/api/v1/pads/{id}/comments", "pads", "Comment threads on the text, anchors at the newest revision (id or read-only id)", Access::Public)
            .answers::<CommentList>(), comments::list)
        .route(doc(m("POST"), "/api/v1/pads/{id}/comments", "pads", "Comment on [start, end) of the text at revision rev (characters)", Access::Anyone)
            .takes::<NewThread>().answers::<CommentThread>().ok(201, "application/json").errors(&[409, 413]), comments::create)
        .route(doc(m("POST"), "/api/v1/pads/{id}/comments/{thread}/replies", "pads", "Reply in a comment thread", Access::Anyone)
            .takes::<CommentText>().answers::<CommentThread>().ok(201, "application/json").errors(&[413]), comments::reply)
        .route(doc(m("PUT"), "/api/v1/pads/{id}/comments/{thread}/resolved", "pads", "Resolve (true) or reopen (false) a comment thread", Access::Anyone)
            .takes::<Resolution>().answers::<CommentThread>(), comments::resolve)
        .route(doc(m("DELETE"), "/api/v1/pads/{id}/comments/{thread}", "pads", "Delete a comment thread (its author, the pad's creator or an admin)", Access::Anyone).ok(204, ""), comments::delete_thread)
        .route(doc(m("PATCH"), "/api/v1/pads/{id}/comments/{thread}/replies/{comment}", "pads", "Change one's own comment", Access::Anyone)
            .takes::<CommentText>().answers::<CommentThread>().errors(&[413]), comments::edit)
        .route(doc(m("DELETE"), "/api/v1/pads/{id}/comments/{thread}/replies/{comment}", "pads", "Delete a comment (its author, the pad's creator or an admin)", Access::Anyone).ok(204, ""), comments::delete)
        .route(doc(m("GET"), "/api/v1/pads/{id}/saved-revisions", "pads", "Saved, named revisions", Access::Public).answers::<Vec<SavedRevision>>(), saved)
        .route(doc(m("POST"), "/api/v1/pads/{id}/saved-revisions", "pads", "Save (star) a revision with a label", Access::Anyone)
            .takes::<PadSaveRevision>().answers::<SavedRevision>().ok(201, "application/json"), save)
        .route(doc(m("PUT"), "/api/v1/pads/{id}/password", "pads", "Set (or remove with null) the pad's password: creator or admin", Access::Anyone)
            .takes::<PadPassword>().ok(204, ""), set_password)
        .route(doc(m("POST"), "/api/v1/pads/{id}/import", "pads", "Replace the text with a file (?format=txt|md|html|docx|odt; the body is the file)", Access::Anyone)
            .query::<PadImportQuery>().raw_body("text/plain").answers::<PadNewRev>().errors(&[429]), import)
        .route(doc(m("POST"), "/api/v1/pads/import-etherpad", "pads", "Create a pad from an Etherpad .etherpad export, with its history (?name=)", Access::Anyone)
            .query::<EtherpadImportQuery>().raw_body("application/json").answers::<ImportedPad>().ok(201, "application/json").errors(&[429]), import_etherpad)
        .route(doc(m("POST"), "/api/v1/pads/{id}/unlock", "pads", "Give a protected pad's password (remembered for this person)", Access::Anyone)
            .takes::<PadPassword>().ok(204, "").errors(&[429]), unlock)
        .route(doc(m("POST"), "/api/v1/pads/{id}/images", "pads", "Add an image (the body: PNG, JPEG, GIF or WebP, as its Content-Type says); answers its URL", Access::Anyone)
            .raw_body("image/png").answers::<PadImage>().ok(201, "application/json").errors(&[413, 415, 429]), crate::images::routes::add)
        .route(doc(m("GET"), "/api/v1/pads/{id}/images/{image}", "pads", "An image of a pad (by the pad's id or read-only id)", Access::Public).ok(200, "image/png"), crate::images::routes::get)
        .route(doc(m("DELETE"), "/api/v1/pads/{id}/images/{image}", "pads", "Delete an image of a pad (who added it, the pad's creator or an admin; by the edit id)", Access::Anyone).ok(204, ""), crate::images::routes::delete)
}

async fn create(
    pads: Pads,
    ctx: web::Data<Ctx>,
    who: AnyActor,
    body: web::Json<NewPad>,
) -> ApiResult<HttpResponse> {
    // `{}` asks for a random id; a missing or broken body is refused like on every route.
    let name = body.into_inner().name;
    let info = pads
        .create(&who.0, name.as_deref())
        .await
        .map_err(ApiError::from)?;
    let base = ctx.config.public_base_url();
    Ok(HttpResponse::Created().json(CreatedPad {
        url: format!("{base}/p/{}", info.id),
        readonly_url: format!("{base}/p/{}", info.readonly_id),
        pad: info,
    }))
}

async fn mine(pads: Pads, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(pads.list_for(who.0.id()).await.map_err(ApiError::from)?))
}

async fn get(
    pads: Pads,
    who: MaybeActor,
    id: web::Path<String>,
    q: web::Query<PadQuery>,
    req: actix_web::HttpRequest,
) -> ApiResult<HttpResponse> {
    // A group pad of Etherpad's API: the `sessionID` cookie the integration set lets this
    // person in (`etherpad/access.rs`).
    crate::etherpad::admit_from_request(&pads, &req, &id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    let (info, readonly) = pads
        .open(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    // The editor takes the text from its socket: its page asks for the rest only, and a large
    // pad does not come twice.
    let (rev, content) = if q.text.unwrap_or(true) {
        let (text, rev) = pads.current_text(&info.id).await.map_err(ApiError::from)?;
        let authors = pads.authors(&info.id).await.map_err(ApiError::from)?;
        (rev, Some((text, authors)))
    } else {
        (info.rev, None)
    };
    let (id, readonly_id, owner_id) = if readonly {
        (info.readonly_id, None, None)
    } else {
        (info.id, Some(info.readonly_id), Some(info.owner_id))
    };
    let pad = PadFacts {
        id,
        rev,
        created_at: nichoir_core::time::rfc3339(info.created_at),
        updated_at: nichoir_core::time::rfc3339(info.updated_at),
        readonly,
        protected: info.protected,
        readonly_id,
        owner_id,
    };
    let (text, authors) = content.unzip();
    Ok(HttpResponse::Ok().json(PadPage { pad, text, authors }))
}

async fn delete(pads: Pads, who: AnyActor, id: web::Path<String>) -> ApiResult<HttpResponse> {
    pads.delete(&id, &who.0).await.map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_document(title: &str, body_html: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{}</body></html>\n",
        escape(title),
        body_html
    )
}

async fn export(
    pads: Pads,
    ctx: web::Data<Ctx>,
    who: MaybeActor,
    ip: ClientIp,
    id: web::Path<String>,
    q: web::Query<PadExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = q.format.as_deref().unwrap_or("txt");
    // Rendering and building office files is work anyone may ask for.
    if matches!(format, "html" | "docx" | "odt" | "etherpad") {
        ctx.auth.throttle_anonymous_render(who.0.as_ref(), &ip.0)?;
    }
    let (info, readonly) = pads
        .open(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    let name = if readonly {
        info.readonly_id.clone()
    } else {
        info.id.clone()
    };
    if format == "etherpad" {
        if q.rev.is_some() {
            return Err(ApiError(nichoir_core::Error::validation(
                "an .etherpad file holds the whole history: export it without ?rev",
            )));
        }
        let body = pads
            .etherpad_export(&info.id, &name)
            .await
            .map_err(ApiError::from)?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.etherpad\""),
            ))
            .body(body));
    }
    let (text, rev) = match q.rev {
        Some(rev) => (
            pads.at_revision(&info.id, rev)
                .await
                .map_err(ApiError::from)?
                .0,
            rev,
        ),
        None => pads.current_text(&info.id).await.map_err(ApiError::from)?,
    };
    if format == "html" && q.print == Some(1) {
        let html = crate::formats::print::page(&name, text).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header(("Content-Security-Policy", crate::formats::print::csp()))
            .body(html));
    }
    let (body, mime, ext): (Vec<u8>, &str, &str) = match format {
        "txt" => (text.into_bytes(), "text/plain; charset=utf-8", "txt"),
        "md" => (text.into_bytes(), "text/markdown; charset=utf-8", "md"),
        "html" => (
            html_document(&name, &pads.export_html(&info, text).await?).into_bytes(),
            "text/html; charset=utf-8",
            "html",
        ),
        "docx" => (
            crate::formats::write_office(crate::formats::Office::Docx, name.clone(), text).await?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        "odt" => (
            crate::formats::write_office(crate::formats::Office::Odt, name.clone(), text).await?,
            "application/vnd.oasis.opendocument.text",
            "odt",
        ),
        other => {
            return Err(ApiError(nichoir_core::Error::validation(format!(
                "format `{other}`: use txt, md, html, docx, odt or etherpad"
            ))))
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}-r{rev}.{ext}\""),
        ))
        // An exported HTML file must not run anything if someone opens it from this origin; its
        // images are written in.
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; img-src data:; sandbox",
        ))
        .body(body))
}

async fn revisions(
    pads: Pads,
    who: MaybeActor,
    id: web::Path<String>,
    q: web::Query<PadRevisionsQuery>,
) -> ApiResult<HttpResponse> {
    pads.open(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    let list = pads
        .revisions(&id, q.before, q.limit.unwrap_or(100))
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(list))
}

async fn revision(
    pads: Pads,
    who: MaybeActor,
    path: web::Path<(String, u64)>,
) -> ApiResult<HttpResponse> {
    let (id, rev) = path.into_inner();
    let (info, _) = pads
        .open(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    let (text, authorship) = pads
        .at_revision(&info.id, rev)
        .await
        .map_err(ApiError::from)?;
    let authors = pads.authors(&info.id).await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(PadRevisionText {
        rev,
        text,
        authorship,
        authors,
    }))
}

async fn restore(
    pads: Pads,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<PadRestore>,
) -> ApiResult<HttpResponse> {
    let (info, readonly) = pads.open(&id, Some(&who.0)).await.map_err(ApiError::from)?;
    if readonly {
        return Err(ApiError(nichoir_core::Error::forbidden(
            "a read-only link cannot restore",
        )));
    }
    let (text, _) = pads
        .at_revision(&info.id, body.rev)
        .await
        .map_err(ApiError::from)?;
    let applied = pads
        .set_text(&info.id, &who.0, &text)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(PadNewRev { rev: applied.rev }))
}

async fn chat(
    pads: Pads,
    who: MaybeActor,
    id: web::Path<String>,
    q: web::Query<PadChatQuery>,
) -> ApiResult<HttpResponse> {
    let (info, _) = pads
        .open(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    let list = pads
        .chat_history(&info.id, q.before, q.limit.unwrap_or(100))
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(list))
}

async fn post_chat(
    pads: Pads,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<PadChatLine>,
) -> ApiResult<HttpResponse> {
    pads.open(&id, Some(&who.0)).await.map_err(ApiError::from)?;
    let msg = pads
        .post_chat(&id, &who.0, &body.text)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(msg))
}

async fn saved(pads: Pads, who: MaybeActor, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let (info, _) = pads
        .open(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(
        pads.saved_revisions(&info.id)
            .await
            .map_err(ApiError::from)?,
    ))
}

async fn save(
    pads: Pads,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<PadSaveRevision>,
) -> ApiResult<HttpResponse> {
    pads.open(&id, Some(&who.0)).await.map_err(ApiError::from)?;
    let s = pads
        .save_revision(&id, &who.0, body.rev, &body.label)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(s))
}

async fn set_password(
    pads: Pads,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<PadPassword>,
) -> ApiResult<HttpResponse> {
    pads.set_password(&id, &who.0, body.into_inner().password)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn unlock(
    pads: Pads,
    who: AnyActor,
    ip: ClientIp,
    id: web::Path<String>,
    body: web::Json<PadPassword>,
) -> ApiResult<HttpResponse> {
    let password = body.into_inner().password.unwrap_or_default();
    pads.unlock(&id, &who.0, &ip.0, password)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn import(
    pads: Pads,
    ctx: web::Data<Ctx>,
    who: AnyActor,
    ip: ClientIp,
    id: web::Path<String>,
    q: web::Query<PadImportQuery>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    // Converting HTML and office files is the costly import, and a guest identity is free.
    if matches!(q.format.as_str(), "html" | "docx" | "odt") {
        ctx.auth.throttle_anonymous_render(Some(&who.0), &ip.0)?;
    }
    let (info, readonly) = pads.open(&id, Some(&who.0)).await.map_err(ApiError::from)?;
    if readonly {
        return Err(ApiError(nichoir_core::Error::forbidden(
            "a read-only link cannot import",
        )));
    }
    let bytes = nichoir_http::read_body(body, ctx.config.uploads.max_file_bytes as usize).await?;
    let applied = pads
        .import_text(&info.id, &who.0, &q.format, &bytes)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(PadNewRev { rev: applied.rev }))
}

async fn import_etherpad(
    pads: Pads,
    ctx: web::Data<Ctx>,
    who: AnyActor,
    ip: ClientIp,
    q: web::Query<EtherpadImportQuery>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    ctx.auth.throttle_anonymous_render(Some(&who.0), &ip.0)?;
    let bytes = nichoir_http::read_body(body, ctx.config.uploads.max_file_bytes as usize).await?;
    // Parsing and replaying the history is CPU work on input: the work pool's (serde_json stops
    // at 128 levels of nesting; the replay looks at the deadline between revisions).
    let imported = nichoir_core::work::run(move || {
        let file: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            nichoir_core::Error::new(
                nichoir_core::ErrorCode::InvalidJson,
                format!("not an Etherpad export (JSON): {e}"),
            )
        })?;
        crate::etherpad_file::read_export(&file).map_err(|e| match e {
            crate::etherpad_file::EtherpadFileError::OverBudget => nichoir_core::work::exceeded(),
            e => nichoir_core::Error::validation(e.to_string()),
        })
    })
    .await?;
    let info = pads
        .import_etherpad(&who.0, q.name.as_deref(), imported)
        .await
        .map_err(ApiError::from)?;
    let base = ctx.config.public_base_url();
    Ok(HttpResponse::Created().json(ImportedPad {
        url: format!("{base}/p/{}", info.id),
        pad: info,
    }))
}
