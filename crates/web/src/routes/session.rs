use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::{
    Credentials, LoginOutcome, LoginStep, Registration, DEVICE_COOKIE, SESSION_COOKIE,
};
use nichoir_http::{
    clear_cookie, device_cookie, read_cookie, session_cookie, ApiResult, ClientIp, Ctx, SignedIn,
};
use serde::Deserialize;
use serde_json::json;

fn user_agent(req: &HttpRequest) -> String {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn session_response(
    ctx: &Ctx,
    mut resp: actix_web::HttpResponseBuilder,
    out: LoginOutcome,
) -> HttpResponse {
    resp.cookie(session_cookie(
        out.session_token,
        ctx.secure_cookies(),
        ctx.config.auth.session_absolute_days,
    ))
    .insert_header((header::CACHE_CONTROL, "no-store"))
    .json(json!({"user": out.user, "csrf_token": out.csrf_token}))
}

/// Rotation: whatever session the browser had before a login is ended.
async fn end_previous_session(ctx: &Ctx, req: &HttpRequest) -> Result<(), nichoir_core::Error> {
    if let Some(old) = read_cookie(req, SESSION_COOKIE) {
        ctx.auth.logout(&old).await?;
    }
    Ok(())
}

pub async fn login(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    ip: ClientIp,
    body: web::Json<Credentials>,
) -> ApiResult<HttpResponse> {
    let device = read_cookie(&req, DEVICE_COOKIE);
    let step = ctx
        .auth
        .login_step(
            body.into_inner(),
            &ip.0,
            &user_agent(&req),
            device.as_deref(),
        )
        .await?;
    let out = match step {
        LoginStep::Done(out) => out,
        LoginStep::SecondFactor { challenge } => {
            return Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(json!({"second_factor": "totp", "challenge": challenge})));
        }
    };
    end_previous_session(&ctx, &req).await?;
    tracing::info!(user = %out.user.username, ip = %ip.0, "login");
    Ok(session_response(&ctx, HttpResponse::Ok(), out))
}

pub async fn register(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    ip: ClientIp,
    body: web::Json<Registration>,
) -> ApiResult<HttpResponse> {
    let policy = ctx.config.instance.registration;
    let out = ctx
        .auth
        .register(policy, body.into_inner(), &ip.0, &user_agent(&req))
        .await?;
    tracing::info!(user = %out.user.username, "account registered");
    super::account::send_confirmation(&ctx, &out.user.id, &out.user.display_name).await?;
    Ok(session_response(&ctx, HttpResponse::Created(), out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    token: String,
    username: String,
    password: String,
    display_name: String,
    #[serde(default)]
    email: Option<String>,
}

pub async fn setup(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    ip: ClientIp,
    body: web::Json<Setup>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let reg = Registration {
        username: b.username,
        password: b.password,
        display_name: b.display_name,
        email: b.email,
        invite: None,
    };
    let out = ctx
        .auth
        .complete_setup(&b.token, reg, &ip.0, &user_agent(&req))
        .await?;
    tracing::info!(user = %out.user.username, "first admin created");
    Ok(session_response(&ctx, HttpResponse::Created(), out))
}

pub async fn logout(ctx: web::Data<Ctx>, req: HttpRequest) -> ApiResult<HttpResponse> {
    if let Some(token) = read_cookie(&req, SESSION_COOKIE) {
        ctx.auth.logout(&token).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(SESSION_COOKIE, ctx.secure_cookies()))
        .finish())
}

pub async fn logout_all(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    ctx.auth.logout_everywhere(&who.0).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(SESSION_COOKIE, ctx.secure_cookies()))
        .finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetAsk {
    /// A username or an e-mail address.
    login: String,
    /// The language of the mail (`fr`, else English): the asker's, from the page.
    #[serde(default)]
    lang: Option<String>,
}

/// "Forgot my password": mails a link to each account that `login` names, and answers the same
/// whether or not one did.
pub async fn request_password_reset(
    ctx: web::Data<Ctx>,
    ip: ClientIp,
    body: web::Json<ResetAsk>,
) -> ApiResult<HttpResponse> {
    if !ctx.mailer.enabled() {
        // A 4xx, not 503: the instance works as configured, it does not do this.
        return Err(nichoir_core::Error::forbidden(
            "this instance sends no mail: an administrator can set a new password",
        )
        .into());
    }
    let body = body.into_inner();
    let lang = body
        .lang
        .unwrap_or_else(|| ctx.config.instance.default_language.clone());
    for (person, token) in ctx.auth.request_password_reset(&body.login, &ip.0).await? {
        let url = format!("{}/reset-password#{token}", ctx.config.public_base_url());
        let mail = nichoir_auth::reset_mail(&lang, &ctx.config.instance.name, &person, &url);
        tracing::info!(user = %person.user_id, "password reset link sent");
        ctx.mailer.send_later(mail);
    }
    Ok(HttpResponse::Accepted().json(json!({
        "message": "if an account with an e-mail address matches, a link is on its way"
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetDone {
    token: String,
    new_password: String,
}

pub async fn reset_password(
    ctx: web::Data<Ctx>,
    ip: ClientIp,
    body: web::Json<ResetDone>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    ctx.auth
        .reset_password(&body.token, body.new_password, &ip.0)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondFactor {
    challenge: String,
    /// A code from the authenticator app, or a recovery code.
    code: String,
    #[serde(default)]
    remember: bool,
}

/// The second step of a login with two-factor authentication.
pub async fn login_second_factor(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    ip: ClientIp,
    body: web::Json<SecondFactor>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let step = ctx
        .auth
        .login_second_factor(&b.challenge, &b.code, b.remember, &ip.0, &user_agent(&req))
        .await?;
    end_previous_session(&ctx, &req).await?;
    tracing::info!(user = %step.outcome.user.username, ip = %ip.0, "login with a second factor");
    let mut resp = HttpResponse::Ok();
    if let Some(token) = step.device_token {
        resp.cookie(device_cookie(token, ctx.secure_cookies()));
    }
    Ok(session_response(&ctx, resp, step.outcome))
}
