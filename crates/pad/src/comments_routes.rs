//! HTTP handlers of pad comments (declared with the other pad routes in `routes.rs`).

use actix_web::{web, HttpResponse};
use nichoir_http::{AnyActor, ApiError, ApiResult, MaybeActor};

use crate::comments::{CommentText, NewThread, Resolution};
use crate::service::PadService;

type Pads = web::Data<std::sync::Arc<PadService>>;

pub(crate) async fn list(
    pads: Pads,
    who: MaybeActor,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let list = pads
        .comments(&id, who.0.as_ref())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(list))
}

pub(crate) async fn create(
    pads: Pads,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<NewThread>,
) -> ApiResult<HttpResponse> {
    let t = pads
        .create_comment(&id, &who.0, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(t))
}

pub(crate) async fn reply(
    pads: Pads,
    who: AnyActor,
    path: web::Path<(String, String)>,
    body: web::Json<CommentText>,
) -> ApiResult<HttpResponse> {
    let (id, thread) = path.into_inner();
    let t = pads
        .reply_comment(&id, &who.0, &thread, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(t))
}

pub(crate) async fn resolve(
    pads: Pads,
    who: AnyActor,
    path: web::Path<(String, String)>,
    body: web::Json<Resolution>,
) -> ApiResult<HttpResponse> {
    let (id, thread) = path.into_inner();
    let t = pads
        .resolve_comment(&id, &who.0, &thread, body.resolved)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(t))
}

pub(crate) async fn delete_thread(
    pads: Pads,
    who: AnyActor,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, thread) = path.into_inner();
    pads.delete_thread(&id, &who.0, &thread)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn edit(
    pads: Pads,
    who: AnyActor,
    path: web::Path<(String, String, String)>,
    body: web::Json<CommentText>,
) -> ApiResult<HttpResponse> {
    let (id, thread, comment) = path.into_inner();
    let t = pads
        .edit_comment(&id, &who.0, &thread, &comment, body.into_inner())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(t))
}

pub(crate) async fn delete(
    pads: Pads,
    who: AnyActor,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, thread, comment) = path.into_inner();
    pads.delete_comment(&id, &who.0, &thread, &comment)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}
