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
    if let Some(user) = actor.as_ref().and_then(Actor::as_user) {
        if ctx.auth.must_set_up_two_factor(user) && !allowed_before_two_factor(req.path()) {
            return Err(ApiError::new(
                ErrorCode::TwoFactorRequired,
                "this instance requires two-factor sign-in: set it up first (account page)",
            ));
        }
    }
    req.extensions_mut().insert(Resolved(actor.clone()));
    Ok(actor)
}

/// What an account that must set up a second factor (and has not) may still do: see itself,
/// set the second factor up, and log out.
fn allowed_before_two_factor(path: &str) -> bool {
    path == "/api/v1/me"
        || path == "/api/v1/me/2fa"
        || path.starts_with("/api/v1/me/2fa/")
        || path.starts_with("/api/v1/auth/logout")
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
