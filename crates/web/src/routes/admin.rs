use actix_web::{web, HttpResponse};
use nichoir_auth::{InviteInfo, User};
use nichoir_http::{ApiResult, Ctx, SignedIn};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An invitation just created: its link, shown this once.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct CreatedInvite {
    pub id: String,
    pub token: String,
    pub url: String,
    pub label: String,
    pub max_uses: u32,
    /// Whether the link was mailed to the address given.
    pub mailed: bool,
    pub expires_at: String,
}

pub async fn users(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let users: Vec<User> = ctx.auth.list_users(&admin).await?;
    Ok(HttpResponse::Ok().json(users))
}

/// What an admin changes of an account (a field left out stays).
#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/", optional_fields = nullable)]
pub struct UserChange {
    is_admin: Option<bool>,
    disabled: Option<bool>,
}

pub async fn update_user(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
    body: web::Json<UserChange>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let user = ctx
        .auth
        .admin_update_user(&admin, &id, body.is_admin, body.disabled)
        .await?;
    let actions = [
        body.is_admin
            .map(|a| if a { "make_admin" } else { "remove_admin" }),
        body.disabled.map(|d| if d { "disable" } else { "enable" }),
    ];
    for action in actions.into_iter().flatten() {
        audit_user(&ctx, &admin, action, &user.id, &user.username).await?;
    }
    Ok(HttpResponse::Ok().json(user))
}

pub async fn invites(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let invites: Vec<InviteInfo> = ctx.auth.list_invites(&admin).await?;
    Ok(HttpResponse::Ok().json(invites))
}

pub async fn create_invite(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<nichoir_auth::NewInvite>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let (token, info) = ctx.auth.create_invite(&admin, body.into_inner()).await?;
    let url = format!("{}/invite/{token}", ctx.config.public_base_url());
    let mailed = match &info.email {
        Some(to) if ctx.mailer.enabled() => {
            let live = ctx.live.get();
            ctx.mailer.send_later(nichoir_auth::invite_mail(
                &live.instance.default_language,
                &live.instance.name,
                &admin.user().display_name,
                to,
                &url,
            ));
            true
        }
        _ => false,
    };
    Ok(HttpResponse::Created().json(CreatedInvite {
        id: info.id,
        token,
        url,
        label: info.label,
        max_uses: info.max_uses,
        mailed,
        expires_at: nichoir_core::time::rfc3339(info.expires_at),
    }))
}

pub async fn revoke_invite(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    ctx.auth.revoke_invite(&admin, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The effective configuration (secrets hidden): an object of the configuration file's
/// sections and keys, as `nichoir.toml` documents them.
pub type ConfigObject = serde_json::Map<String, serde_json::Value>;

pub async fn settings(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    who.0.require_admin()?;
    Ok(HttpResponse::Ok().json(ctx.config.redacted_json()))
}

/// The settings an association acts on (name, registration, the About page, mail), where each
/// value comes from, and what the About page still lacks.
pub async fn instance_settings(
    settings: web::Data<crate::settings::Settings>,
    who: SignedIn,
) -> ApiResult<HttpResponse> {
    who.0.require_admin()?;
    Ok(HttpResponse::Ok().json(settings.view()?))
}

pub async fn change_instance_settings(
    ctx: web::Data<Ctx>,
    settings: web::Data<crate::settings::Settings>,
    who: SignedIn,
    body: web::Json<crate::settings::SettingsChange>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    let keys = settings.update(&admin.user().id, body.into_inner()).await?;
    tracing::info!(admin = %admin.user().username, keys = %keys.join(", "), "instance settings changed");
    ctx.auth
        .audit(
            &admin,
            nichoir_auth::AuditAction {
                action: "change_settings",
                target_kind: "instance",
                target_id: "settings",
                target_label: &keys.join(", "),
                reason: "",
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(settings.view()?))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "core/", optional_fields = nullable)]
pub struct TestMail {
    /// Where to send it; absent: the admin's own address.
    #[serde(default)]
    to: Option<String>,
}

/// What the mail server answered to a test mail.
#[derive(Serialize, JsonSchema, TS)]
#[ts(export, export_to = "core/")]
pub struct TestMailResult {
    to: String,
    sent: bool,
    /// The mail server's answer when it failed, as it gave it (for the admin to act on).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    error: Option<String>,
}

/// "Send a test mail": sends now and says what the mail server answered.
pub async fn test_mail(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    body: web::Json<TestMail>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    if !ctx.mailer.enabled() {
        return Err(nichoir_http::ApiError::new(
            nichoir_core::ErrorCode::Conflict,
            "mail is off: set a mail server (smtp.host) first",
        ));
    }
    let to = match body.into_inner().to.filter(|t| !t.trim().is_empty()) {
        Some(t) => t.trim().to_string(),
        None => admin.user().email.clone().unwrap_or_default(),
    };
    if !nichoir_mail::is_address(&to) {
        return Err(nichoir_http::ApiError::new(
            nichoir_core::ErrorCode::ValidationFailed,
            "to: a mail address (your account has none: give one)",
        ));
    }
    let live = ctx.live.get();
    let mail = nichoir_auth::test_mail(
        &ctx.mailer.language_for(admin.user().language.as_deref()),
        &live.instance.name,
        &admin.user().display_name,
        &to,
    );
    // Shorter than a client's patience (the API fuzzer waits 20 s): an unreachable mail server
    // is an answer too.
    let sent =
        tokio::time::timeout(std::time::Duration::from_secs(15), ctx.mailer.send(mail)).await;
    let (sent, error) = match sent {
        Ok(Ok(())) => (true, None),
        Ok(Err(e)) => (false, Some(e.to_string())),
        Err(_) => (
            false,
            Some("the mail server did not answer within 15 s".to_string()),
        ),
    };
    Ok(HttpResponse::Ok().json(TestMailResult { to, sent, error }))
}

/// What the database writer has done since start, and the bytes written for the database: how
/// an operator (and `nichoir-bench`, around a run) sees write amplification and a slow disk.
#[derive(serde::Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct StorageStats {
    /// "sqlite" or "postgres".
    backend: String,
    #[schemars(with = "WriterCounts")]
    #[ts(as = "WriterCounts")]
    writer: nichoir_storage::WriterStats,
    /// See `Db::bytes_written`: PostgreSQL's WAL bytes, or on SQLite this process's disk writes.
    bytes_written: Option<u64>,
}

/// `nichoir_storage::WriterStats` as the API shows it (the storage crate describes no schema).
#[derive(JsonSchema, TS)]
#[ts(export, export_to = "web/")]
#[allow(dead_code)]
pub struct WriterCounts {
    /// Transactions (each a batch of jobs, committed once).
    batches: u64,
    /// Jobs (each a caller's `write`).
    jobs: u64,
    /// Statements, the transaction's and savepoints' own included.
    statements: u64,
    /// Time running the jobs, in microseconds.
    run_us: u64,
    /// Time committing, in microseconds.
    commit_us: u64,
    /// Writes waiting for the writer now (not cumulative).
    queued: u64,
}

pub async fn storage(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    who.0.require_admin()?;
    let bytes_written = ctx
        .db
        .bytes_written()
        .await
        .map_err(nichoir_core::Error::from)?;
    Ok(HttpResponse::Ok().json(StorageStats {
        backend: ctx.db.backend().to_string(),
        writer: ctx.db.writer_stats(),
        bytes_written,
    }))
}

#[derive(Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/")]
pub struct QuotaChange {
    /// Bytes; null: back to the instance's default; 0: no limit.
    quota_bytes: Option<u64>,
}

pub async fn set_quota(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
    body: web::Json<QuotaChange>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    ctx.auth.set_quota(&admin, &id, body.quota_bytes).await?;
    let label = username_of(&ctx, &id).await?;
    audit_user(&ctx, &admin, "set_quota", &id, &label).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn usage(ctx: web::Data<Ctx>, who: SignedIn) -> ApiResult<HttpResponse> {
    who.0.require_admin()?;
    Ok(HttpResponse::Ok().json(ctx.quotas.report().await?))
}

/// Turns a member's second factor off (a lost phone, no recovery code left).
pub async fn reset_two_factor(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    ctx.auth.admin_reset_two_factor(&admin, &id).await?;
    let label = username_of(&ctx, &id).await?;
    audit_user(&ctx, &admin, "reset_two_factor", &id, &label).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// Also erase what the person wrote that can go alone (where the instance allows it).
    #[serde(default)]
    erase: bool,
}

/// An admin deletes an account (again, to finish a deletion that stopped half-way).
pub async fn delete_user(
    ctx: web::Data<Ctx>,
    who: SignedIn,
    id: web::Path<String>,
    q: web::Query<DeleteQuery>,
) -> ApiResult<HttpResponse> {
    let admin = who.0.require_admin()?;
    crate::departure::check_erase(&ctx, q.erase)?;
    // The name as it was, for the log: the account is about to lose it.
    let label = username_of(&ctx, &id).await?;
    ctx.auth.admin_delete_user(&admin, &id).await?;
    crate::departure::forget_everywhere(&ctx, &id, q.erase).await?;
    let action = if q.erase {
        "delete_account_and_erase"
    } else {
        "delete_account"
    };
    audit_user(&ctx, &admin, action, &id, &label).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn username_of(ctx: &Ctx, id: &str) -> Result<String, nichoir_core::Error> {
    Ok(ctx
        .auth
        .user_by_id(id)
        .await?
        .map(|u| u.username)
        .unwrap_or_else(|| id.to_string()))
}

/// An admin's action on an account, in the audit log.
async fn audit_user(
    ctx: &Ctx,
    admin: &nichoir_auth::Admin,
    action: &str,
    id: &str,
    username: &str,
) -> Result<(), nichoir_core::Error> {
    ctx.auth
        .audit(
            admin,
            nichoir_auth::AuditAction {
                action,
                target_kind: "user",
                target_id: id,
                target_label: username,
                reason: "",
            },
        )
        .await
}
