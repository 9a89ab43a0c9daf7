//! Video HTTP routes (docs/video-api.md): rooms and ICE servers. The call itself is signalled
//! over the realtime socket (`topics.rs`).

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use nichoir_http::{doc, Access, AnyActor, Api, ApiResult, MaybeActor, SignedIn};

use crate::api::{IceServers, MyRooms, NewRoom, OpenRoom, RoomAnswer, RoomPatch, RoomView};
use crate::service::VideoService;

type Video = web::Data<Arc<VideoService>>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    api.route(doc(m("POST"), "/api/v1/video/rooms", "video", "Create a call room (a chosen name or a random one)", Access::Anyone)
            .takes::<NewRoom>().answers::<RoomAnswer>().ok(201, "application/json").errors(&[409]), create)
        .route(doc(m("GET"), "/api/v1/video/rooms", "video", "Rooms I created, newest first", Access::User)
            .answers::<MyRooms>(), mine)
        .route(doc(m("GET"), "/api/v1/video/rooms/{id}", "video", "A room: settings and how many people are in the call", Access::Public)
            .answers::<RoomView>(), view)
        .route(doc(m("PUT"), "/api/v1/video/rooms/{id}", "video", "Open a room by name: created with this title when missing (201, the caller owns it), else the room as it is (200)", Access::Anyone)
            .takes::<OpenRoom>().answers::<RoomAnswer>().ok(201, "application/json").also(200, "application/json"), open)
        .route(doc(m("PATCH"), "/api/v1/video/rooms/{id}", "video", "Change a room's settings (its moderator)", Access::Anyone)
            .takes::<RoomPatch>().answers::<RoomView>(), patch)
        .route(doc(m("DELETE"), "/api/v1/video/rooms/{id}", "video", "Delete a room and end its call (its moderator)", Access::Anyone).ok(204, ""), delete)
        .route(doc(m("GET"), "/api/v1/video/ice", "video", "STUN/TURN servers for the browser (TURN credentials when a shared secret is set)", Access::Anyone)
            .answers::<IceServers>(), ice)
}

async fn create(video: Video, who: AnyActor, body: web::Json<NewRoom>) -> ApiResult<HttpResponse> {
    let room = video.create(&who.0, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(RoomAnswer { room }))
}

async fn open(
    video: Video,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<OpenRoom>,
) -> ApiResult<HttpResponse> {
    let (room, created) = video
        .open_named(&who.0, &id, body.into_inner().title)
        .await?;
    let mut answer = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(answer.json(RoomAnswer { room }))
}

async fn mine(video: Video, who: SignedIn) -> ApiResult<HttpResponse> {
    let rooms = video.mine(&who.0).await?;
    Ok(HttpResponse::Ok().json(MyRooms { rooms }))
}

async fn view(video: Video, who: MaybeActor, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let room = video.page(&id, who.0.as_ref()).await?;
    Ok(HttpResponse::Ok().json(room))
}

async fn patch(
    video: Video,
    who: AnyActor,
    id: web::Path<String>,
    body: web::Json<RoomPatch>,
) -> ApiResult<HttpResponse> {
    let room = video.patch(&id, &who.0, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(room))
}

async fn delete(video: Video, who: AnyActor, id: web::Path<String>) -> ApiResult<HttpResponse> {
    video.delete(&id, &who.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn ice(video: Video, who: AnyActor) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(IceServers {
        ice_servers: video.ice_servers_for(who.0.id()),
    }))
}
