use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_core::ErrorCode;
use nichoir_http::{origin_allowed, AnyActor, ApiError, ClientIp, Ctx};
use serde::Deserialize;

/// What a client may say when it opens the socket.
#[derive(Deserialize)]
pub struct WsQuery {
    /// The client reads a JSON array of frames as those frames, in order: a busy socket then
    /// gets what piled up as one message instead of hundreds.
    #[serde(default)]
    batch: bool,
    // `room` (the first topic, the hint a proxy in front of a cluster routes by) is not read
    // here; other parameters are ignored, as before.
}

/// The realtime endpoint: same-origin browsers (or non-browser clients) with a session, token or
/// guest identity.
pub async fn upgrade(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Payload,
    who: AnyActor,
    ip: ClientIp,
    query: web::Query<WsQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    if !origin_allowed(&req, &ctx) {
        return Err(ApiError::new(
            ErrorCode::OriginRejected,
            "WebSocket from another origin refused",
        )
        .into());
    }
    // A request that is not a WebSocket handshake gets the JSON error every route answers,
    // not actix-ws's plain-text one.
    // (The handshake is the only thing that fails before the connection is served.)
    nichoir_realtime::serve_connection(&req, body, who.0, ip.0, ctx.hub.clone(), query.batch)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("not a WebSocket handshake: {e}"),
            )
            .into()
        })
}
