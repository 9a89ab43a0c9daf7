//! `JsonText<T>`: an answer already serialized to JSON text, typed by what it is the JSON of.
//!
//! Some services assemble their answer from pre-serialized pieces (polls' views are cached per
//! poll version) and hand back text, not a struct: re-serializing would cost what the cache
//! saves. The type parameter keeps the answer's type visible where the text travels, so the
//! route table's `.answers::<T>()` and the service's signature name the same `T`; a test of the
//! service holds the text to `T` (it deserializes into it).

use std::fmt;
use std::marker::PhantomData;

use actix_web::body::BoxBody;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

/// JSON text known to be the JSON of a `T`. Answered as 200, `application/json`.
pub struct JsonText<T> {
    text: String,
    _of: PhantomData<fn() -> T>,
}

impl<T> JsonText<T> {
    /// Text known to be the JSON of a `T`: the caller vouches for it (a test should hold it to
    /// `T` by deserializing it).
    pub fn trusted(text: String) -> Self {
        JsonText {
            text,
            _of: PhantomData,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

impl<T: Serialize> JsonText<T> {
    /// `value` serialized. Plain data cannot fail to serialize; should it, the text is `null`.
    pub fn of(value: &T) -> Self {
        JsonText::trusted(serde_json::to_string(value).unwrap_or_else(|_| "null".into()))
    }
}

impl<T> Clone for JsonText<T> {
    fn clone(&self) -> Self {
        JsonText::trusted(self.text.clone())
    }
}

impl<T> fmt::Debug for JsonText<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonText").field(&self.text).finish()
    }
}

impl<T> AsRef<str> for JsonText<T> {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl<T> Responder for JsonText<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse<Self::Body> {
        HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use actix_web::http::{header, StatusCode};
    use actix_web::test::TestRequest;

    #[derive(Serialize)]
    struct Answer {
        n: i64,
    }

    #[actix_web::test]
    async fn answers_200_json() {
        let text = JsonText::of(&Answer { n: 3 });
        assert_eq!(text.as_str(), r#"{"n":3}"#);
        let resp = text.respond_to(&TestRequest::default().to_http_request());
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        let body = to_bytes(resp.into_body()).await.ok();
        assert_eq!(body.as_deref(), Some(&br#"{"n":3}"#[..]));
    }
}
