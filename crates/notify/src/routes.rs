//! Notification and push routes. Signed-in people only; each sees and changes only their own.

use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use nichoir_http::{doc, Access, Api, ApiResult, SignedIn};
use serde::Deserialize;
use serde_json::json;

use crate::model::{PreferencesBody, SubscribeBody};
use crate::service::{MarkBody, NotifyService};

type Notify = web::Data<NotifyService>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    let u = Access::User;
    api.route(doc(m("GET"), "/api/v1/notifications", "notifications", "My notifications across the tools, newest first (?before=ID&limit=), with the unread count", u), page)
        .route(doc(m("POST"), "/api/v1/notifications/read", "notifications", "Mark some of mine read: ids, a place (scope) or all", u)
            .body(json!({"all": true})), mark)
        .route(doc(m("GET"), "/api/v1/notifications/preferences", "notifications", "My notification preferences per tool and my quiet hours", u), preferences)
        .route(doc(m("PUT"), "/api/v1/notifications/preferences", "notifications", "Set my preferences: per tool all, mentions or none; do not disturb until; a weekly schedule", u)
            .body(json!({"tools": {"chat": "mentions", "polls": "all"}, "dnd_until": null, "schedule": {"start": "22:00", "end": "07:00", "days": [0, 1, 2, 3, 4], "zone": "Europe/Paris"}})), set_preferences)
        .route(doc(m("GET"), "/api/v1/push/key", "notifications", "The server's VAPID public key for Web Push subscriptions", u), key)
        .route(doc(m("GET"), "/api/v1/push/subscriptions", "notifications", "My devices that get push notifications", u), subscriptions)
        .route(doc(m("POST"), "/api/v1/push/subscriptions", "notifications", "Turn push notifications on for this device (a browser's PushSubscription)", u)
            .body(json!({"endpoint": "https://push.example.net/wpush/v2/…", "keys": {"p256dh": "B…", "auth": "…"}, "label": "Firefox on Android"}))
            .ok(201, "application/json").errors(&[403, 409]), subscribe)
        .route(doc(m("DELETE"), "/api/v1/push/subscriptions/{id}", "notifications", "Stop push notifications on one of my devices", u).ok(204, ""), unsubscribe)
        .route(doc(m("POST"), "/api/v1/push/test", "notifications", "Send a test notification to my devices", u)
            .body(json!({"title": "Test", "body": "It works"})).errors(&[403]), test)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

async fn page(s: Notify, who: SignedIn, q: web::Query<PageQuery>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.page(who.0.id(), q.before, q.limit).await?))
}

async fn mark(s: Notify, who: SignedIn, body: web::Json<MarkBody>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.mark(who.0.id(), body.into_inner()).await?))
}

async fn preferences(s: Notify, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.preferences(who.0.id()).await?))
}

async fn set_preferences(
    s: Notify,
    who: SignedIn,
    body: web::Json<PreferencesBody>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.set_preferences(who.0.id(), body.into_inner()).await?))
}

async fn key(s: Notify, _who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.push_key()))
}

async fn subscriptions(s: Notify, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.subscriptions(who.0.id()).await?))
}

async fn subscribe(
    s: Notify,
    who: SignedIn,
    body: web::Json<SubscribeBody>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(s.subscribe(who.0.id(), body.into_inner()).await?))
}

async fn unsubscribe(s: Notify, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    s.unsubscribe(who.0.id(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(serde::Serialize)]
struct Tested {
    devices: usize,
}

async fn test(s: Notify, who: SignedIn, body: web::Json<TestBody>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let title = nichoir_core::notify::excerpt(b.title.as_deref().unwrap_or("Nichoir"));
    let text = nichoir_core::notify::excerpt(b.body.as_deref().unwrap_or("✓"));
    let devices = s.test_push(who.0.id(), &title, &text).await?;
    Ok(HttpResponse::Ok().json(Tested { devices }))
}
