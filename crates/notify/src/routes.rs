//! Notification and push routes. Signed-in people only; each sees and changes only their own.

use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use nichoir_http::{doc, Access, Api, ApiResult, SignedIn};

use crate::api::{
    MarkBody, NotificationPage, PageQuery, PreferencesBody, PreferencesView, PushKey,
    SubscribeBody, SubscriptionView, TestBody, Tested, Unread,
};
use crate::service::NotifyService;

type Notify = web::Data<NotifyService>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    let u = Access::User;
    api.route(doc(m("GET"), "/api/v1/notifications", "notifications", "My notifications across the tools, newest first (?before=ID&limit=), with the unread count", u).query::<PageQuery>().answers::<NotificationPage>(), page)
        .route(doc(m("POST"), "/api/v1/notifications/read", "notifications", "Mark some of mine read: ids, a place (scope) or all", u)
            .takes::<MarkBody>().answers::<Unread>(), mark)
        .route(doc(m("GET"), "/api/v1/notifications/preferences", "notifications", "My notification preferences per tool and my quiet hours", u).answers::<PreferencesView>(), preferences)
        .route(doc(m("PUT"), "/api/v1/notifications/preferences", "notifications", "Set my preferences: per tool all, mentions or none; do not disturb until; a weekly schedule", u)
            .takes::<PreferencesBody>().answers::<PreferencesView>(), set_preferences)
        .route(doc(m("GET"), "/api/v1/push/key", "notifications", "The server's VAPID public key for Web Push subscriptions", u).answers::<PushKey>(), key)
        .route(doc(m("GET"), "/api/v1/push/subscriptions", "notifications", "My devices that get push notifications", u).answers::<Vec<SubscriptionView>>(), subscriptions)
        .route(doc(m("POST"), "/api/v1/push/subscriptions", "notifications", "Turn push notifications on for this device (a browser's PushSubscription)", u)
            .takes::<SubscribeBody>().answers::<SubscriptionView>()
            .ok(201, "application/json").errors(&[403, 409]), subscribe)
        .route(doc(m("DELETE"), "/api/v1/push/subscriptions/{id}", "notifications", "Stop push notifications on one of my devices", u).ok(204, ""), unsubscribe)
        .route(doc(m("POST"), "/api/v1/push/test", "notifications", "Send a test notification to my devices", u)
            .takes::<TestBody>().answers::<Tested>().errors(&[403]), test)
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

async fn test(s: Notify, who: SignedIn, body: web::Json<TestBody>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let title = nichoir_core::notify::excerpt(b.title.as_deref().unwrap_or("Nichoir"));
    let text = nichoir_core::notify::excerpt(b.body.as_deref().unwrap_or("✓"));
    let devices = s.test_push(who.0.id(), &title, &text).await?;
    Ok(HttpResponse::Ok().json(Tested { devices }))
}
