use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::{Actor, Guest, ProfileUpdate, GUEST_COOKIE};
use nichoir_http::{embed_guest_cookie, guest_cookie, read_cookie, AnyActor, ApiResult, Ctx};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// My guest identity, and the CSRF token that goes with its cookie.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct GuestIdentity {
    pub id: String,
    pub display_name: String,
    pub avatar_color: String,
    pub csrf_token: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct GuestQuery {
    /// `1`: the page asking is shown in another site's frame (`?embed=1`), see
    /// `nichoir_http::embed_guest_cookie`.
    #[serde(default)]
    embed: Option<String>,
}

/// The guest identity behind the cookie, created on first call. Signed-in users get theirs too:
/// a person who signs in keeps a separate guest identity only if they had one.
pub async fn get(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    query: web::Query<GuestQuery>,
) -> ApiResult<HttpResponse> {
    let cookie = read_cookie(&req, GUEST_COOKIE);
    let (actor, new_cookie) = ctx.auth.guest(cookie.as_deref()).await?;
    let token = new_cookie.clone().or(cookie).unwrap_or_default();
    let Actor::Guest(g) = &actor else {
        return Ok(HttpResponse::InternalServerError().finish());
    };
    let mut resp = HttpResponse::Ok();
    // Only where some site may frame the tools: elsewhere no page needs a cookie sent to frames.
    let embed = query.embed.as_deref() == Some("1")
        && !ctx.live.get().instance.embed_allowed_origins.is_empty();
    if let Some(c) = new_cookie {
        if embed {
            resp.append_header((
                actix_web::http::header::SET_COOKIE,
                embed_guest_cookie(&c, ctx.secure_cookies(), ctx.config.auth.guest_cookie_days),
            ));
        } else {
            resp.cookie(guest_cookie(
                c,
                ctx.secure_cookies(),
                ctx.config.auth.guest_cookie_days,
            ));
        }
    }
    let guest = g.guest();
    Ok(resp.json(GuestIdentity {
        id: guest.id.clone(),
        display_name: guest.display_name.clone(),
        avatar_color: guest.avatar_color.clone(),
        csrf_token: ctx.auth.csrf().token_for(&token),
    }))
}

pub async fn update(
    ctx: web::Data<Ctx>,
    who: AnyActor,
    body: web::Json<ProfileUpdate>,
) -> ApiResult<HttpResponse> {
    let g: Guest = ctx.auth.update_guest(&who.0, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(g))
}
