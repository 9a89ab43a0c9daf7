use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::{Actor, ProfileUpdate, GUEST_COOKIE};
use nichoir_http::{guest_cookie, read_cookie, AnyActor, ApiResult, Ctx};
use serde_json::json;

/// The guest identity behind the cookie, created on first call. Signed-in users get theirs too:
/// a person who signs in keeps a separate guest identity only if they had one.
pub async fn get(ctx: web::Data<Ctx>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let cookie = read_cookie(&req, GUEST_COOKIE);
    let (actor, new_cookie) = ctx.auth.guest(cookie.as_deref()).await?;
    let token = new_cookie.clone().or(cookie).unwrap_or_default();
    let Actor::Guest(g) = &actor else {
        return Ok(HttpResponse::InternalServerError().finish());
    };
    let mut resp = HttpResponse::Ok();
    if let Some(c) = new_cookie {
        resp.cookie(guest_cookie(
            c,
            ctx.secure_cookies(),
            ctx.config.auth.guest_cookie_days,
        ));
    }
    Ok(resp.json(json!({
        "id": g.guest().id,
        "display_name": g.guest().display_name,
        "avatar_color": g.guest().avatar_color,
        "csrf_token": ctx.auth.csrf().token_for(&token),
    })))
}

pub async fn update(
    ctx: web::Data<Ctx>,
    who: AnyActor,
    body: web::Json<ProfileUpdate>,
) -> ApiResult<HttpResponse> {
    let g = ctx.auth.update_guest(&who.0, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(g))
}
