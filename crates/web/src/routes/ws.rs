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
    nichoir_realtime::serve_connection(&req, body, who.0, ip.0, ctx.hub.clone())
}
