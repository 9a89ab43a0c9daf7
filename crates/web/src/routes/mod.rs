//! Account, instance and realtime routes, declared in one table (see `nichoir_http::Api`).

mod account;
mod admin;
mod guest;
mod moderation;
mod session;
mod system;
mod ws;

use actix_web::http::Method;
use nichoir_http::{doc, Access, Api};
use serde_json::json;

pub fn api() -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    Api::new()
        .route(doc(m("GET"), "/healthz", "system", "Liveness: 200 while the server runs", Access::Public).no_identity(), system::healthz)
        .route(doc(m("GET"), "/readyz", "system", "Readiness: 503 while stopping or without its database", Access::Public).no_identity(), system::readyz)
        .route(doc(m("GET"), "/api/v1/instance", "system", "Instance name, version, registration policy, whether setup is needed", Access::Public), system::instance)
        .route(doc(m("GET"), "/api/v1/about", "system", "About this instance: the transparency facts", Access::Public), system::about)
        .route(doc(m("GET"), "/api/v1/openapi.json", "system", "This OpenAPI document", Access::Public).no_identity(), system::openapi)
        .route(doc(m("GET"), "/api/v1/invites/{token}", "auth", "Is this invitation usable?", Access::Public), system::check_invite)
        .route(doc(m("POST"), "/api/v1/auth/login", "auth", "Log in; sets the session cookie", Access::Public)
            .body(json!({"username": "alice", "password": "…"})).errors(&[429]), session::login)
        .route(doc(m("POST"), "/api/v1/auth/login/second-factor", "auth", "Second step of a login with two-factor authentication: a code from the app or a recovery code", Access::Public)
            .body(json!({"challenge": "…", "code": "123456", "remember": false})).errors(&[401, 429]), session::login_second_factor)
        .route(doc(m("POST"), "/api/v1/auth/register", "auth", "Create an account (policy: open, invite-only, closed)", Access::Public)
            .body(json!({"username": "alice", "password": "…", "display_name": "Alice", "email": null, "invite": "…"})).ok(201, "application/json").errors(&[409, 429]).errors(&[404]), session::register)
        .route(doc(m("POST"), "/api/v1/setup", "auth", "Create the first admin with the one-time setup token", Access::Public)
            .body(json!({"token": "…", "username": "admin", "password": "…", "display_name": "Admin"})).ok(201, "application/json").errors(&[409, 429]), session::setup)
        .route(doc(m("POST"), "/api/v1/auth/password-reset", "auth", "Mail a link to choose a new password (the same answer whether or not an account matches)", Access::Public)
            .body(json!({"login": "alice", "lang": "fr"})).ok(202, "application/json").errors(&[403, 429]), session::request_password_reset)
        .route(doc(m("POST"), "/api/v1/auth/password-reset/confirm", "auth", "Set a new password with a reset link's token; ends every session", Access::Public)
            .body(json!({"token": "…", "new_password": "…"})).ok(204, "").errors(&[404, 422, 429]), session::reset_password)
        .route(doc(m("POST"), "/api/v1/auth/confirm-email", "auth", "Confirm an e-mail address with its link's token", Access::Public)
            .body(json!({"token": "…"})).ok(204, "").errors(&[404]), account::confirm_email)
        .route(doc(m("POST"), "/api/v1/auth/logout", "auth", "End this session; after a sign-in at an OpenID provider that offers it, answers where to sign out there too", Access::Public).ok(204, "").also(200, "application/json"), session::logout)
        .route(doc(m("GET"), "/api/v1/auth/oidc/{provider}/start", "auth", "Sign in with an OpenID Connect provider: redirects to its login page (?return_to=/path)", Access::Public).ok(303, ""), session::oidc_start)
        .route(doc(m("GET"), "/api/v1/auth/oidc/{provider}/callback", "auth", "Where the provider sends the browser back: a session and a redirect to the page the sign-in started from, or to the login page saying what failed", Access::Public).ok(303, ""), session::oidc_callback)
        .route(doc(m("POST"), "/api/v1/auth/logout-all", "auth", "End every session of the signed-in user", Access::User).ok(204, ""), session::logout_all)
        .route(doc(m("GET"), "/api/v1/me", "account", "The signed-in user and a CSRF token; 401 without a session", Access::User), account::me)
        .route(doc(m("PATCH"), "/api/v1/me", "account", "Change display name, email, avatar colour", Access::User)
            .body(json!({"display_name": "Alice", "email": "alice@example.org", "avatar_color": "#7c3aed"})), account::update_me)
        .route(doc(m("POST"), "/api/v1/me/password", "account", "Change password (ends the other sessions)", Access::User)
            .body(json!({"current_password": "…", "new_password": "…"})).ok(204, ""), account::change_password)
        .route(doc(m("GET"), "/api/v1/me/sessions", "account", "My active sessions", Access::User), account::sessions)
        .route(doc(m("DELETE"), "/api/v1/me/sessions/{id}", "account", "End one of my sessions", Access::User).ok(204, ""), account::revoke_session)
        .route(doc(m("GET"), "/api/v1/me/tokens", "account", "My personal API tokens", Access::User), account::tokens)
        .route(doc(m("POST"), "/api/v1/me/tokens", "account", "Create a personal API token (shown once)", Access::User)
            .body(json!({"name": "my script"})).ok(201, "application/json"), account::create_token)
        .route(doc(m("DELETE"), "/api/v1/me/tokens/{id}", "account", "Revoke a personal API token", Access::User).ok(204, ""), account::revoke_token)
        .route(doc(m("POST"), "/api/v1/me/email/resend", "account", "Mail a new confirmation link for my address", Access::User)
            .ok(202, "application/json").errors(&[403, 409]), account::resend_confirmation)
        .route(doc(m("GET"), "/api/v1/me/2fa", "account", "Whether my two-factor authentication is on, and recovery codes left", Access::User), account::two_factor)
        .route(doc(m("POST"), "/api/v1/me/2fa/setup", "account", "Start two-factor setup (password again): a secret, its otpauth link and QR code", Access::User)
            .body(json!({"password": "…"})).errors(&[401, 409]), account::begin_two_factor)
        .route(doc(m("POST"), "/api/v1/me/2fa/enable", "account", "Finish two-factor setup with a code from the app; answers the recovery codes, once", Access::User)
            .body(json!({"code": "123456"})).errors(&[401, 409]), account::enable_two_factor)
        .route(doc(m("POST"), "/api/v1/me/2fa/disable", "account", "Turn two-factor authentication off (password again)", Access::User)
            .body(json!({"password": "…"})).ok(204, "").errors(&[401]), account::disable_two_factor)
        .route(doc(m("POST"), "/api/v1/me/2fa/recovery-codes", "account", "New recovery codes (password again); the old ones stop working", Access::User)
            .body(json!({"password": "…"})).errors(&[401, 409]), account::new_recovery_codes)
        .route(doc(m("GET"), "/api/v1/me/usage", "account", "My storage: bytes used per tool and my quota", Access::User), account::usage)
        .route(doc(m("POST"), "/api/v1/me/delete", "account", "Delete my account (password again): sign-in and personal data go, what I wrote with others stays under \"Deleted user\", my votes stay anonymous", Access::User)
            .body(json!({"password": "…", "erase": false})).ok(204, "").errors(&[401, 403, 409]), account::delete_me)
        .route(doc(m("GET"), "/api/v1/me/export", "account", "Download all my data (tar.gz)", Access::User).ok(200, "application/gzip"), account::export)
        .route(doc(m("GET"), "/api/v1/guest", "guest", "My guest identity (created on first call) and a CSRF token", Access::Public), guest::get)
        .route(doc(m("PATCH"), "/api/v1/guest", "guest", "Change my guest name or colour", Access::Anyone)
            .body(json!({"display_name": "Zoé", "avatar_color": "#0891b2"})), guest::update)
        .route(doc(m("GET"), "/api/v1/admin/users", "admin", "All accounts", Access::Admin), admin::users)
        .route(doc(m("PATCH"), "/api/v1/admin/users/{id}", "admin", "Make admin / disable an account", Access::Admin)
            .body(json!({"is_admin": true, "disabled": false})), admin::update_user)
        .route(doc(m("DELETE"), "/api/v1/admin/users/{id}", "admin", "Delete an account (as the person would; again to finish a deletion)", Access::Admin).ok(204, "").errors(&[403, 404, 409]), admin::delete_user)
        .route(doc(m("PUT"), "/api/v1/admin/users/{id}/quota", "admin", "Set an account's own storage quota (null: the default; 0: none)", Access::Admin)
            .body(json!({"quota_bytes": 104857600})).ok(204, ""), admin::set_quota)
        .route(doc(m("POST"), "/api/v1/admin/users/{id}/2fa/reset", "admin", "Turn a member's two-factor authentication off", Access::Admin).ok(204, ""), admin::reset_two_factor)
        .route(doc(m("GET"), "/api/v1/admin/usage", "admin", "Storage used per account and in total, with quotas", Access::Admin), admin::usage)
        .route(doc(m("POST"), "/api/v1/admin/moderation/remove", "admin", "Remove a pad, poll, wiki, chat message or video room, or archive a chat channel, from its link; the reason goes to the audit log", Access::Admin)
            .body(json!({"link": "https://nichoir.example/p/notes", "reason": "reported as spam"})).errors(&[404, 422]), moderation::remove)
        .route(doc(m("GET"), "/api/v1/admin/audit", "admin", "The audit log, newest first (?before=ID&limit=N)", Access::Admin), moderation::audit_log)
        .route(doc(m("GET"), "/api/v1/admin/invites", "admin", "Invitations", Access::Admin), admin::invites)
        .route(doc(m("POST"), "/api/v1/admin/invites", "admin", "Create an invitation link", Access::Admin)
            .body(json!({"valid_hours": 168, "label": "Board 2027", "email": "new@example.org", "max_uses": 1})).ok(201, "application/json"), admin::create_invite)
        .route(doc(m("DELETE"), "/api/v1/admin/invites/{id}", "admin", "Revoke an invitation", Access::Admin).ok(204, ""), admin::revoke_invite)
        .route(doc(m("GET"), "/api/v1/admin/storage", "admin", "The database writer's work since start (batches, jobs, statements, time) and bytes written", Access::Admin), admin::storage)
        .route(doc(m("GET"), "/api/v1/admin/settings", "admin", "The effective configuration, secrets hidden", Access::Admin), admin::settings)
        .route(doc(m("GET"), "/api/v1/ws", "realtime", "WebSocket upgrade: topics, presence, events", Access::Anyone).ok(101, ""), ws::upgrade)
}
