//! The request log (tracing-actix-web's `TracingLogger`) for every request but a WebSocket's.
//!
//! `TracingLogger` wraps each response body so that its request's span is entered at every poll
//! of it. A WebSocket's response body is the socket itself, for hours, polled at each batch of
//! frames it writes: with thousands of sockets busy (a 1,000-member channel, 3,000 pads) the
//! span's enter and exit were 2–3% of the server's time, for a span that logs nothing more.
//! A WebSocket's upgrade is logged here instead, once, when it is answered.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header;
use actix_web::Error;
use tracing_actix_web::{DefaultRootSpanBuilder, StreamSpan, TracingLogger};

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Whether `req` asks to become a WebSocket.
fn is_websocket(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The middleware: `TracingLogger` around every request that is not a WebSocket upgrade.
pub struct RequestLog;

/// The wrapped service, shared by the logged road and the direct one.
struct Shared<S>(Rc<S>);

impl<S: Service<ServiceRequest>> Service<ServiceRequest> for Shared<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        self.0.call(req)
    }
}

type Logger = TracingLogger<DefaultRootSpanBuilder>;
type Logged<S> = <Logger as Transform<Shared<S>, ServiceRequest>>::Transform;

pub struct RequestLogService<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    inner: Rc<S>,
    logged: Logged<S>,
}

impl<S, B> Transform<S, ServiceRequest> for RequestLog
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<StreamSpan<B>, B>>;
    type Error = Error;
    type Transform = RequestLogService<S, B>;
    type InitError = ();
    type Future = LocalFuture<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let inner = Rc::new(service);
        let logged = Logger::default().new_transform(Shared(inner.clone()));
        Box::pin(async move {
            Ok(RequestLogService {
                inner,
                logged: logged.await?,
            })
        })
    }
}

impl<S, B> Service<ServiceRequest> for RequestLogService<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<StreamSpan<B>, B>>;
    type Error = Error;
    type Future = LocalFuture<Result<Self::Response, Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if !is_websocket(&req) {
            let answer = self.logged.call(req);
            return Box::pin(async move { answer.await.map(ServiceResponse::map_into_left_body) });
        }
        let path = req.path().to_string();
        let answer = self.inner.call(req);
        Box::pin(async move {
            let res = answer.await?;
            tracing::info!(
                http.target = %path,
                http.status_code = res.status().as_u16(),
                "websocket upgrade"
            );
            Ok(res.map_into_right_body())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test, web, App, HttpMessage, HttpRequest, HttpResponse};
    use tracing_actix_web::RequestId;

    /// What the handler saw: a request id (set by the logger) or none.
    async fn seen(req: HttpRequest) -> HttpResponse {
        let logged = req.extensions().get::<RequestId>().is_some();
        HttpResponse::Ok().body(if logged { "logged" } else { "direct" })
    }

    #[actix_web::test]
    async fn a_websocket_upgrade_goes_around_the_logger_and_the_rest_through_it() {
        let app =
            test::init_service(App::new().wrap(RequestLog).route("/", web::get().to(seen))).await;
        let plain =
            test::call_and_read_body(&app, test::TestRequest::get().uri("/").to_request()).await;
        assert_eq!(plain, "logged");
        // Any case, as browsers and proxies send it.
        for value in ["websocket", "WebSocket"] {
            let upgrade = test::TestRequest::get()
                .uri("/")
                .insert_header((header::UPGRADE, value))
                .to_request();
            assert_eq!(test::call_and_read_body(&app, upgrade).await, "direct");
        }
        let other = test::TestRequest::get()
            .uri("/")
            .insert_header((header::UPGRADE, "h2c"))
            .to_request();
        assert_eq!(test::call_and_read_body(&app, other).await, "logged");
    }
}
