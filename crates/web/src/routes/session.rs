use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_auth::User;
use nichoir_auth::{
    Credentials, LoginOutcome, LoginStep, OidcCallback, Registration, DEVICE_COOKIE, OIDC_COOKIE,
    SESSION_COOKIE,
};
use nichoir_core::ErrorCode;
use nichoir_http::{
    clear_cookie, device_cookie, oidc_cookie, read_cookie, session_cookie, ApiResult, ClientIp,
    Ctx, SignedIn,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A new session (its cookie is set): the user, and the CSRF token for `X-CSRF-Token`.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct SessionAnswer {
    pub user: User,
    pub csrf_token: String,
}

/// The password was right; the account asks for a second factor (`/auth/login/second-factor`).
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct SecondFactorChallenge {
    /// Always "totp".
    #[ts(type = "\"totp\"")]
    pub second_factor: String,
    pub challenge: String,
}

/// A login's answer: a session, or a challenge to answer with a code.
#[derive(Serialize, JsonSchema, TS)]
#[serde(untagged)]
#[ts(export, export_to = "auth/")]
pub enum LoginAnswer {
    Session(SessionAnswer),
    SecondFactor(SecondFactorChallenge),
}

/// The same answer whether or not an account matched.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct ResetRequested {
    pub message: String,
}

/// After a sign-in at an OpenID provider offering it: where to sign out there too.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct ProviderLogout {
    pub provider_logout: String,
}

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
    .json(LoginAnswer::Session(SessionAnswer {
        user: out.user,
        csrf_token: out.csrf_token,
    }))
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
        LoginStep::Done(out) => *out,
        LoginStep::SecondFactor { challenge } => {
            return Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(LoginAnswer::SecondFactor(SecondFactorChallenge {
                    second_factor: "totp".into(),
                    challenge,
                })));
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
    let policy = ctx.live.get().instance.registration;
    let out = ctx
        .auth
        .register(policy, body.into_inner(), &ip.0, &user_agent(&req))
        .await?;
    tracing::info!(user = %out.user.username, "account registered");
    super::account::send_confirmation(&ctx, &out.user.id, &out.user.display_name).await?;
    Ok(session_response(&ctx, HttpResponse::Created(), out))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
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

/// Ends the session; one that came through an OpenID provider offering RP-initiated logout
/// answers where to sign out there too (`provider_logout`).
pub async fn logout(ctx: web::Data<Ctx>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let mut at_provider = None;
    if let Some(token) = read_cookie(&req, SESSION_COOKIE) {
        let source = ctx.auth.session_source(&token).await?;
        ctx.auth.logout(&token).await?;
        at_provider = ctx.auth.oidc_logout_url(&source).await;
    }
    let clear = clear_cookie(SESSION_COOKIE, ctx.secure_cookies());
    Ok(match at_provider {
        Some(url) => HttpResponse::Ok()
            .cookie(clear)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ProviderLogout {
                provider_logout: url,
            }),
        None => HttpResponse::NoContent().cookie(clear).finish(),
    })
}

#[derive(Deserialize, JsonSchema)]
pub struct OidcStartQuery {
    /// The page to come back to after the sign-in (a path of this site).
    return_to: Option<String>,
}

/// The login page after a failed sign-in at a provider, saying why.
fn sso_failure(ctx: &Ctx, provider: &str, e: &nichoir_core::Error) -> HttpResponse {
    tracing::info!(provider = %provider, code = e.code.as_str(), message = %e.message, "single sign-on refused");
    let query = serde_urlencoded::to_string([
        ("sso_error", e.code.as_str()),
        ("sso_message", e.message.as_str()),
    ])
    .unwrap_or_default();
    HttpResponse::SeeOther()
        .cookie(clear_cookie(OIDC_COOKIE, ctx.secure_cookies()))
        .insert_header((header::LOCATION, format!("/login?{query}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Sends the browser to provider `id`'s login page.
pub async fn oidc_start(
    ctx: web::Data<Ctx>,
    id: web::Path<String>,
    query: web::Query<OidcStartQuery>,
) -> ApiResult<HttpResponse> {
    match ctx.auth.oidc_start(&id, query.return_to.as_deref()).await {
        Ok(start) => Ok(HttpResponse::SeeOther()
            .cookie(oidc_cookie(start.browser_token, ctx.secure_cookies()))
            .insert_header((header::LOCATION, start.authorize_url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()),
        Err(e) if e.code == ErrorCode::SsoFailed => Ok(sso_failure(&ctx, &id, &e)),
        Err(e) => Err(e.into()),
    }
}

/// Where provider `id` sends the browser back: a session, then the page the sign-in started
/// from; or the login page saying what went wrong.
pub async fn oidc_callback(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    ip: ClientIp,
    id: web::Path<String>,
    answer: web::Query<OidcCallback>,
) -> ApiResult<HttpResponse> {
    let browser = read_cookie(&req, OIDC_COOKIE);
    let finished = ctx
        .auth
        .oidc_finish(
            &id,
            answer.into_inner(),
            browser.as_deref(),
            &ip.0,
            &user_agent(&req),
        )
        .await;
    match finished {
        Ok((out, return_to)) => {
            end_previous_session(&ctx, &req).await?;
            tracing::info!(user = %out.user.username, provider = %id, ip = %ip.0, "login");
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(
                    out.session_token,
                    ctx.secure_cookies(),
                    ctx.config.auth.session_absolute_days,
                ))
                .cookie(clear_cookie(OIDC_COOKIE, ctx.secure_cookies()))
                .insert_header((header::LOCATION, return_to))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(e) if matches!(e.code, ErrorCode::SsoFailed | ErrorCode::Conflict) => {
            Ok(sso_failure(&ctx, &id, &e))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout_all(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    ctx.auth.logout_everywhere(&who.0).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_cookie(SESSION_COOKIE, ctx.secure_cookies()))
        .finish())
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
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
    let live = ctx.live.get();
    let lang = body
        .lang
        .unwrap_or_else(|| live.instance.default_language.clone());
    for (person, token) in ctx.auth.request_password_reset(&body.login, &ip.0).await? {
        let url = format!("{}/reset-password#{token}", ctx.config.public_base_url());
        let mail = nichoir_auth::reset_mail(&lang, &live.instance.name, &person, &url);
        tracing::info!(user = %person.user_id, "password reset link sent");
        ctx.mailer.send_later(mail);
    }
    Ok(HttpResponse::Accepted().json(ResetRequested {
        message: "if an account with an e-mail address matches, a link is on its way".into(),
    }))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
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

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
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
