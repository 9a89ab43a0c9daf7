use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::{
    ProfileUpdate, SessionInfo, TokenInfo, TotpSetup, TwoFactorStatus, User, SESSION_COOKIE,
};
use nichoir_http::{read_cookie, ApiResult, Ctx, SignedIn};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The signed-in user, and the CSRF token a cookie session sends back in `X-CSRF-Token`.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct Me {
    pub user: User,
    /// None for a client authenticated by an API token (no cookie to protect).
    pub csrf_token: Option<String>,
}

/// A personal API token just created: its secret, shown this once.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub token: String,
    pub created_at: String,
}

/// Recovery codes, shown once.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// A confirmation link was mailed.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct ConfirmationSent {
    /// Always true.
    pub sent: bool,
}

pub async fn me(ctx: web::Data<Ctx>, req: HttpRequest, who: SignedIn) -> ApiResult<HttpResponse> {
    // A token-authenticated client has no cookie to protect and gets no CSRF token.
    let csrf = read_cookie(&req, SESSION_COOKIE)
        .filter(|_| who.0.session_id().is_some())
        .map(|c| ctx.auth.csrf().token_for(&c));
    let user = who
        .0
        .as_user()
        .cloned()
        .ok_or_else(nichoir_core::Error::unauthenticated)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Me {
            user,
            csrf_token: csrf,
        }))
}

pub async fn update_me(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<ProfileUpdate>,
) -> ApiResult<HttpResponse> {
    let before = who.0.as_user().and_then(|u| u.email.clone());
    let user: User = ctx.auth.update_profile(&who.0, body.into_inner()).await?;
    if user.email.is_some() && user.email != before && !user.email_verified {
        send_confirmation(&ctx, &user.id, &user.display_name).await?;
    }
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    ctx.auth
        .change_password(&who.0, b.current_password, b.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn sessions(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    let sessions: Vec<SessionInfo> = ctx.auth.list_sessions(&who.0).await?;
    Ok(HttpResponse::Ok().json(sessions))
}

pub async fn revoke_session(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    ctx.auth.revoke_session(&who.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn tokens(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    let tokens: Vec<TokenInfo> = ctx.auth.list_tokens(&who.0).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct NewToken {
    name: String,
}

pub async fn create_token(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<NewToken>,
) -> ApiResult<HttpResponse> {
    let (token, info) = ctx.auth.create_token(&who.0, &body.name).await?;
    Ok(HttpResponse::Created().json(CreatedToken {
        id: info.id,
        name: info.name,
        token,
        created_at: nichoir_core::time::rfc3339(info.created_at),
    }))
}

pub async fn revoke_token(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    ctx.auth.revoke_token(&who.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn export(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    let archive = crate::export::build_archive(&ctx.exporters, who.0.id()).await?;
    let name = who
        .0
        .as_user()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/gzip"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"nichoir-export-{name}.tar.gz\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(archive))
}

pub async fn usage(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(ctx.quotas.usage(who.0.id()).await?))
}

pub async fn two_factor(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    let status: TwoFactorStatus = ctx.auth.two_factor_status(&who.0).await?;
    Ok(HttpResponse::Ok().json(status))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct PasswordAgain {
    password: String,
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct TotpCode {
    code: String,
}

pub async fn begin_two_factor(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<PasswordAgain>,
) -> ApiResult<HttpResponse> {
    let setup: TotpSetup = ctx
        .auth
        .begin_totp(&who.0, body.into_inner().password)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(setup))
}

pub async fn enable_two_factor(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<TotpCode>,
) -> ApiResult<HttpResponse> {
    let codes = ctx.auth.enable_totp(&who.0, &body.code).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodes {
            recovery_codes: codes,
        }))
}

pub async fn disable_two_factor(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<PasswordAgain>,
) -> ApiResult<HttpResponse> {
    ctx.auth
        .disable_totp(&who.0, body.into_inner().password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn new_recovery_codes(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<PasswordAgain>,
) -> ApiResult<HttpResponse> {
    let codes = ctx
        .auth
        .new_recovery_codes(&who.0, body.into_inner().password)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodes {
            recovery_codes: codes,
        }))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct Deletion {
    /// Empty for an account of an OpenID provider (a recent sign-in there stands for it).
    #[serde(default)]
    password: String,
    /// Also erase my messages, files, comments and poll answers (where the instance allows it).
    #[serde(default)]
    erase: bool,
}

/// The person deletes their account (their password again).
pub async fn delete_me(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<Deletion>,
) -> ApiResult<HttpResponse> {
    let id = who.0.id().to_string();
    let Deletion { password, erase } = body.into_inner();
    crate::departure::check_erase(&ctx, erase)?;
    ctx.auth.delete_own_account(&who.0, password).await?;
    crate::departure::forget_everywhere(&ctx, &id, erase).await?;
    Ok(HttpResponse::NoContent()
        .cookie(nichoir_http::clear_cookie(
            SESSION_COOKIE,
            ctx.secure_cookies(),
        ))
        .finish())
}

/// Mails a confirmation link for the person's address, when it is unconfirmed and mail is on.
pub(crate) async fn send_confirmation(
    ctx: &Ctx,
    user_id: &str,
    name: &str,
) -> Result<bool, nichoir_core::Error> {
    if !ctx.mailer.enabled() {
        return Ok(false);
    }
    let Some((email, token)) = ctx.auth.email_confirmation(user_id).await? else {
        return Ok(false);
    };
    let url = format!("{}/confirm-email#{token}", ctx.config.public_base_url());
    let live = ctx.live.get();
    let chosen = ctx.auth.user_by_id(user_id).await?.and_then(|u| u.language);
    ctx.mailer.send_later(nichoir_auth::confirmation_mail(
        &ctx.mailer.language_for(chosen.as_deref()),
        &live.instance.name,
        name,
        &email,
        &url,
    ));
    Ok(true)
}

/// A new confirmation link for my address.
pub async fn resend_confirmation(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    if !ctx.mailer.enabled() {
        return Err(nichoir_core::Error::forbidden("this instance sends no mail").into());
    }
    if !send_confirmation(&ctx, who.0.id(), who.0.display_name()).await? {
        return Err(nichoir_core::Error::conflict(
            "no address to confirm: none is set, or it is confirmed",
        )
        .into());
    }
    Ok(HttpResponse::Accepted().json(ConfirmationSent { sent: true }))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct EmailToken {
    token: String,
}

/// The page a confirmation link opens posts its token here (no session needed: the token is
/// the proof).
pub async fn confirm_email(
    ctx: web::Data<Ctx>,
    body: web::Json<EmailToken>,
) -> ApiResult<HttpResponse> {
    ctx.auth.confirm_email(&body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}
