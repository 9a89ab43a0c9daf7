use actix_web::{web, HttpRequest, HttpResponse};
use nichoir_core::ErrorCode;
use nichoir_http::{origin_allowed, AnyActor, ApiError, ClientIp, Ctx};

/// The realtime endpoint: same-origin browsers (or non-browser clients) with a session, token or
/// guest identity.
pub async fn upgrade(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    body: web::Payload,
    who: AnyActor,
    ip: ClientIp,
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
    nichoir_realtime::serve_connection(&req, body, who.0, ip.0, ctx.hub.clone()).map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("not a WebSocket handshake: {e}"),
        )
        .into()
    })
}
