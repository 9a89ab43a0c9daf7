//! A panic in a request handler answers that request with a 500 and nothing else: the worker
//! keeps serving, the client gets an answer instead of a cut connection. Every route of the
//! `Api` table is wrapped (`Guarded`). (A stack overflow cannot be caught: it is made impossible
//! where input is walked, with depth limits and known stacks.)

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use actix_web::{Handler, Responder};
use futures_util::FutureExt;
use nichoir_core::work::panic_text;
use nichoir_core::ErrorCode;

use crate::ApiError;

/// A handler whose panics become a 500 `internal` answer.
#[derive(Clone)]
pub struct Guarded<F>(pub F);

impl<F, Args> Handler<Args> for Guarded<F>
where
    F: Handler<Args>,
    F::Output: Responder + 'static,
    Args: 'static,
{
    type Output = Result<F::Output, ApiError>;
    type Future = Pin<Box<dyn Future<Output = Self::Output>>>;

    fn call(&self, args: Args) -> Self::Future {
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| self.0.call(args)));
        Box::pin(async move {
            let outcome = match started {
                Ok(fut) => AssertUnwindSafe(fut).catch_unwind().await,
                Err(panic) => Err(panic),
            };
            outcome.map_err(|panic| {
                tracing::error!("a request handler panicked: {}", panic_text(panic.as_ref()));
                ApiError::new(ErrorCode::Internal, "internal error, see the server log")
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test, web, App, HttpResponse};

    async fn boom() -> HttpResponse {
        let empty: Vec<HttpResponse> = Vec::new();
        // Indexing past the end: the kind of bug a handler can have.
        let at = empty.len();
        HttpResponse::Ok().body(format!("{:?}", empty[at].status()))
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_and_the_next_request_is_served() {
        let app = test::init_service(
            App::new()
                .route("/boom", web::get().to(Guarded(boom)))
                .route(
                    "/ok",
                    web::get().to(Guarded(|| async { HttpResponse::Ok().finish() })),
                ),
        )
        .await;
        let req = test::TestRequest::get().uri("/boom").to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status().as_u16(), 500);
        let body: serde_json::Value = test::read_body_json(resp).await;
        assert_eq!(body["error"]["code"], "internal");
        let req = test::TestRequest::get().uri("/ok").to_request();
        assert_eq!(test::call_service(&app, req).await.status().as_u16(), 200);
    }
}
