//! HTTP plumbing shared by every tool: the one error → HTTP mapping, the application context,
//! actor extractors (session cookie, bearer token, guest cookie), client address behind trusted
//! proxies, CSRF and Origin checks, JSON limits, security headers and cookies.

mod actor;
pub mod api;
mod body;
mod client_ip;
mod context;
mod cookies;
mod csrf;
mod download;
mod error;
mod json;
mod panic;
pub mod preview;
mod security;
pub mod tool;
mod typed_json;

pub use actor::{AnyActor, MaybeActor, SignedIn};
pub use api::{doc, Access, Api, Body, Envelope, RouteDoc};
pub use body::read_body;
pub use client_ip::{client_ip, ClientIp};
pub use context::Ctx;
pub use cookies::{
    clear_cookie, device_cookie, guest_cookie, oidc_cookie, read_cookie, session_cookie,
    CookieInfo, COOKIES,
};
pub use csrf::{csrf_guard, origin_allowed};
pub use download::file_download;
pub use error::{ApiError, ApiResult};
pub use json::{json_config, path_config, query_config};
pub use panic::Guarded;
pub use security::{embed_guest_cookie, embeddable_path, security_headers};
pub use tool::{Job, Tool, ToolDecl};
pub use typed_json::JsonText;
