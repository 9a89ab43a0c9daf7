//! Extractors that turn a request into an `Actor`: a bearer token, else the session cookie, else
//! the guest cookie.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use nichoir_auth::{Actor, GUEST_COOKIE, SESSION_COOKIE};
use nichoir_core::{Error, ErrorCode};

use crate::{read_cookie, ApiError, Ctx};

/// The actor if any credential is valid. A presented but invalid bearer token is an error: a
/// client that meant to authenticate should hear that it failed.
pub struct MaybeActor(pub Option<Actor>);

/// A signed-in user (session or API token), else 401.
pub struct SignedIn(pub Actor);

/// A signed-in user or a guest, else 401.
pub struct AnyActor(pub Actor);

#[derive(Clone)]
struct Resolved(Option<Actor>);

async fn resolve(req: HttpRequest) -> Result<Option<Actor>, ApiError> {
    if let Some(Resolved(a)) = req.extensions().get::<Resolved>() {
        return Ok(a.clone());
    }
    let ctx = req
        .app_data::<web::Data<Ctx>>()
        .cloned()
        .ok_or_else(|| ApiError(Error::internal("no context")))?;
    let actor = if let Some(auth) = req.headers().get(header::AUTHORIZATION) {
        let value = auth.to_str().unwrap_or("");
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .unwrap_or("");
        match ctx.auth.resolve_token(token).await? {
            Some(a) => Some(a),
            None => {
                return Err(ApiError::new(
                    ErrorCode::Unauthenticated,
                    "the Authorization header holds no valid API token",
                ))
            }
        }
    } else if let Some(a) = match read_cookie(&req, SESSION_COOKIE) {
        Some(t) => ctx.auth.resolve_session(&t).await?,
        None => None,
    } {
        Some(a)
    } else if let Some(g) = read_cookie(&req, GUEST_COOKIE) {
        ctx.auth.resolve_guest(&g).await?
    } else {
        None
    };
    req.extensions_mut().insert(Resolved(actor.clone()));
    Ok(actor)
}

impl FromRequest for MaybeActor {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeActor(resolve(req).await?)) })
    }
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(req).await? {
                Some(a) if a.as_user().is_some() => Ok(SignedIn(a)),
                _ => Err(ApiError(Error::unauthenticated())),
            }
        })
    }
}

impl FromRequest for AnyActor {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(req).await? {
                Some(a) => Ok(AnyActor(a)),
                None => Err(ApiError::new(
                    ErrorCode::Unauthenticated,
                    "sign in, or get a guest identity first (GET /api/v1/guest)",
                )),
            }
        })
    }
}
