//! The route table. Every HTTP endpoint is declared once here, with its documentation; the same
//! declaration registers the actix route and produces the OpenAPI document, so the document cannot
//! miss an endpoint.

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder};
use serde_json::{json, Map, Value};

use crate::Guarded;

/// Who may call an endpoint (documentation and the OpenAPI `security` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A signed-in user or a guest identity.
    Anyone,
    User,
    Admin,
}

#[derive(Debug, Clone)]
pub struct RouteDoc {
    pub method: Method,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// An example request body, if the endpoint takes JSON.
    pub body: Option<Value>,
    /// Success status and content type of the answer.
    pub ok: (u16, &'static str),
}

/// Makes the actix route of one declared endpoint (a `Route` cannot be cloned, and each worker's
/// `App` needs its own).
type MakeRoute = Arc<dyn Fn() -> actix_web::Route + Send + Sync>;

#[derive(Clone, Default)]
pub struct Api {
    docs: Vec<RouteDoc>,
    routes: Vec<MakeRoute>,
}

impl Api {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares `method path` handled by `handler`.
    pub fn route<F, Args>(mut self, doc: RouteDoc, handler: F) -> Self
    where
        F: Handler<Args> + Clone + Send + Sync + 'static,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let m = doc.method.clone();
        self.routes.push(Arc::new(move || {
            web::method(m.clone()).to(Guarded(handler.clone()))
        }));
        self.docs.push(doc);
        self
    }

    pub fn docs(&self) -> &[RouteDoc] {
        &self.docs
    }

    /// Registers every route, those of one `/api/v1/<area>` under one `web::scope`: actix tries
    /// routes in turn and each `{param}` path is a regex, so without scopes a chat request was
    /// matched against every account, pad and poll route first (8–11 % of the server's CPU in the
    /// chat bench); a scope's static prefix is one string comparison.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let mut scopes: Vec<(&str, Vec<(&str, &MakeRoute)>)> = Vec::new();
        for (doc, make) in self.docs.iter().zip(&self.routes) {
            match split_scope(doc.path) {
                Some((prefix, rest)) => match scopes.iter_mut().find(|(p, _)| *p == prefix) {
                    Some((_, routes)) => routes.push((rest, make)),
                    None => scopes.push((prefix, vec![(rest, make)])),
                },
                None => {
                    cfg.route(doc.path, make());
                }
            }
        }
        for (prefix, routes) in scopes {
            // Routes keep their declared order inside the scope (`/teams/open` before
            // `/teams/{team}`); an unmatched path falls through to the app's default service.
            let scope = routes
                .into_iter()
                .fold(web::scope(prefix), |scope, (rest, make)| {
                    scope.route(rest, make())
                });
            cfg.service(scope);
        }
    }

    /// The OpenAPI 3.1 document of every declared route.
    pub fn openapi(&self, title: &str, version: &str) -> Value {
        let mut paths = Map::new();
        for d in &self.docs {
            let params: Vec<Value> = d
                .path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
                .collect();
            let mut op = json!({
                "summary": d.summary,
                "tags": [d.tag],
                "operationId": format!("{}_{}", d.method.as_str().to_lowercase(),
                    d.path.trim_start_matches('/').replace(['/', '{', '}', '-', '.'], "_")),
                "responses": {
                    d.ok.0.to_string(): {
                        "description": "success",
                        "content": if d.ok.0 == 204 { json!({}) } else { json!({d.ok.1: {"schema": {}}}) }
                    },
                    "default": {
                        "description": "error",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                    }
                },
                "x-access": format!("{:?}", d.access).to_lowercase(),
            });
            if !params.is_empty() {
                op["parameters"] = Value::Array(params);
            }
            if let Some(body) = &d.body {
                op["requestBody"] = json!({
                    "required": true,
                    "content": {"application/json": {"schema": {"type": "object"}, "example": body}}
                });
            }
            match d.access {
                Access::Public => op["security"] = json!([]),
                _ => op["security"] = json!([{"session": []}, {"token": []}]),
            }
            let entry = paths
                .entry(d.path.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            entry[d.method.as_str().to_lowercase()] = op;
        }
        json!({
            "openapi": "3.1.0",
            "info": {"title": title, "version": version},
            "paths": paths,
            "components": {
                "schemas": {
                    "Error": {
                        "type": "object",
                        "required": ["error"],
                        "properties": {"error": {"type": "object", "required": ["code", "message"],
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}
                    }
                },
                "securitySchemes": {
                    "session": {"type": "apiKey", "in": "cookie", "name": "nichoir_session"},
                    "token": {"type": "http", "scheme": "bearer"}
                }
            }
        })
    }
}

/// `/api/v1/chat/teams/{team}` → (`/api/v1/chat`, `/teams/{team}`): the scope of a path whose
/// third segment is static, and the rest.
fn split_scope(path: &str) -> Option<(&str, &str)> {
    const API: &str = "/api/v1/";
    let rest = path.strip_prefix(API)?;
    let end = rest.find('/').unwrap_or(rest.len());
    let area = &rest[..end];
    if area.is_empty() || area.contains('{') {
        return None;
    }
    Some(path.split_at(API.len() + end))
}

/// Shorthand for a `RouteDoc` answering JSON 200.
pub fn doc(
    method: Method,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    access: Access,
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        tag,
        summary,
        access,
        body: None,
        ok: (200, "application/json"),
    }
}

impl RouteDoc {
    pub fn body(mut self, example: Value) -> Self {
        self.body = Some(example);
        self
    }
    pub fn ok(mut self, status: u16, content_type: &'static str) -> Self {
        self.ok = (status, content_type);
        self
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse};

    use super::*;

    #[test]
    fn the_scope_is_the_area_after_api_v1() {
        assert_eq!(
            split_scope("/api/v1/chat/teams/{team}"),
            Some(("/api/v1/chat", "/teams/{team}"))
        );
        assert_eq!(split_scope("/api/v1/ws"), Some(("/api/v1/ws", "")));
        assert_eq!(split_scope("/api/v1/{x}/y"), None);
        assert_eq!(split_scope("/w/{slug}/_files"), None);
        assert_eq!(split_scope("/api/v1/"), None);
    }

    fn answer(text: &'static str) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone {
        move || std::future::ready(HttpResponse::Ok().body(text))
    }

    /// Requests reach the route declared for them, in declared order, whether scoped or not, and
    /// a path or method no route takes reaches the app's default service.
    #[actix_web::test]
    async fn scoped_routes_answer_as_declared() {
        let get = |p| doc(Method::GET, p, "t", "", Access::Public);
        let api = Api::new()
            .route(get("/api/v1/chat/teams/open"), answer("open"))
            .route(get("/api/v1/chat/teams/{team}"), answer("team"))
            .route(get("/api/v1/pads"), answer("pads"))
            .route(
                doc(Method::POST, "/api/v1/pads", "t", "", Access::Public),
                answer("new pad"),
            )
            .route(get("/api/v1/chat/teams"), answer("teams"))
            .route(get("/healthz"), answer("ok"));
        let app = actix_test::init_service(
            App::new()
                .configure(|cfg| api.configure(cfg))
                .default_service(web::to(|| async {
                    HttpResponse::NotFound().body("default")
                })),
        )
        .await;
        for (method, path, expected) in [
            (Method::GET, "/api/v1/chat/teams/open", "open"),
            (Method::GET, "/api/v1/chat/teams/t1", "team"),
            (Method::GET, "/api/v1/chat/teams", "teams"),
            (Method::GET, "/api/v1/pads", "pads"),
            (Method::POST, "/api/v1/pads", "new pad"),
            (Method::GET, "/healthz", "ok"),
            (Method::GET, "/api/v1/chat/nothing", "default"),
            (Method::DELETE, "/api/v1/pads", "default"),
            (Method::GET, "/api/v1/chatter", "default"),
            (Method::GET, "/elsewhere", "default"),
        ] {
            let req = actix_test::TestRequest::default()
                .method(method.clone())
                .uri(path)
                .to_request();
            let body = actix_test::call_and_read_body(&app, req).await;
            assert_eq!(body, expected.as_bytes(), "{method} {path}");
        }
    }
}
