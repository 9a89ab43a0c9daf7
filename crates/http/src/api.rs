//! The route table. Every HTTP endpoint is declared once here, with its documentation; the same
//! declaration registers the actix route and produces the OpenAPI document, so the document cannot
//! miss an endpoint.

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder};
use serde_json::{json, Map, Value};

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

type Register = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

#[derive(Clone, Default)]
pub struct Api {
    docs: Vec<RouteDoc>,
    registers: Vec<Register>,
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
        let (m, p) = (doc.method.clone(), doc.path);
        self.registers
            .push(Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.route(p, web::method(m.clone()).to(handler.clone()));
            }));
        self.docs.push(doc);
        self
    }

    pub fn docs(&self) -> &[RouteDoc] {
        &self.docs
    }

    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        for r in &self.registers {
            r(cfg);
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
