//! The route table. Every HTTP endpoint is declared once here, with its documentation; the same
//! declaration registers the actix route and produces the OpenAPI document, so the document cannot
//! miss an endpoint.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder};
use schemars::{generate::SchemaSettings, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use nichoir_auth::{GUEST_COOKIE, SESSION_COOKIE};

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

/// The shape of an endpoint's error answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `{"error":{"code","message"}}` (`ApiError`).
    Api,
    /// Etherpad's `{"code","message","data"}`, for the compatibility API.
    Etherpad,
}

/// The JSON Schema of a Rust type, made by the document's one generator so that every named type
/// lands once in `components.schemas` and is referred to from there.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_fn<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What the request carries as its body.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    /// JSON; `required`: a missing body is refused. Described by its Rust type (`schema`), or,
    /// for a route not typed yet, by an example whose fields and value types become the schema.
    Json {
        example: Value,
        schema: Option<SchemaFn>,
        required: bool,
    },
    /// Raw bytes (an upload, an import) of this content type.
    Raw(&'static str),
}

#[derive(Debug, Clone)]
pub struct RouteDoc {
    pub method: Method,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub body: Body,
    /// Success status and content type of the answer.
    pub ok: (u16, &'static str),
    /// Other success answers (a page save answers 200, or 201 when it created the page).
    pub also: Vec<(u16, &'static str)>,
    /// Error statuses this endpoint answers beyond those its shape implies (see `statuses`).
    pub errors: Vec<u16>,
    pub envelope: Envelope,
    /// The handler never looks at who asks (no 401/403 from the identity).
    pub no_identity: bool,
    /// The type of the JSON success answer (`answers::<T>()`).
    pub answer: Option<SchemaFn>,
    /// The type the query string is read into (`query::<T>()`): each of its fields is a parameter.
    pub query: Option<SchemaFn>,
}

/// Makes the actix route of one declared endpoint (a `Route` cannot be cloned, and each worker's
/// `App` needs its own).
type MakeRoute = Arc<dyn Fn() -> actix_web::Route + Send + Sync>;

#[derive(Clone, Default)]
pub struct Api {
    docs: Vec<RouteDoc>,
    routes: Vec<MakeRoute>,
    /// Each route's path as actix matches it, to tell a wrong method from an unknown path.
    patterns: Vec<ResourceDef>,
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
        self.patterns.push(ResourceDef::new(doc.path));
        self.docs.push(doc);
        self
    }

    pub fn docs(&self) -> &[RouteDoc] {
        &self.docs
    }

    /// The methods declared for the routes matching `path` (empty: no route has this path), for
    /// a 405 answer's `Allow` header.
    pub fn allowed_methods(&self, path: &str) -> Vec<Method> {
        let mut out: Vec<Method> = Vec::new();
        for (doc, pattern) in self.docs.iter().zip(&self.patterns) {
            if pattern.is_match(path) && !out.contains(&doc.method) {
                out.push(doc.method.clone());
            }
        }
        out
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

    /// The OpenAPI 3.1 document of every declared route, each with every status it answers.
    pub fn openapi(&self, title: &str, version: &str) -> Value {
        let mut generator = SchemaSettings::draft2020_12()
            .with(|s| {
                s.definitions_path = "/components/schemas".into();
                s.meta_schema = None;
            })
            .into_generator();
        let mut paths = Map::new();
        for d in &self.docs {
            let mut params: Vec<Value> = d
                .path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
                .collect();
            match d.query {
                Some(query) => params.extend(query_parameters(&mut generator, query)),
                None => params.extend(query_names(d.summary).into_iter().map(
                    |name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}}),
                )),
            }
            let mut responses = Map::new();
            for (status, content_type) in std::iter::once(&d.ok).chain(&d.also) {
                let content = match (status, *content_type) {
                    (101 | 204, _) | (_, "") => json!({}),
                    (_, ct @ "application/json") => match d.answer {
                        Some(answer) => json!({ct: {"schema": answer(&mut generator)}}),
                        None => json!({ct: {"schema": {}}}),
                    },
                    (_, ct) => json!({ct: {"schema": {}}}),
                };
                responses.insert(
                    status.to_string(),
                    json!({"description": success_text(*status), "content": content}),
                );
            }
            let error_schema = match d.envelope {
                Envelope::Api => "#/components/schemas/Error",
                Envelope::Etherpad => "#/components/schemas/EtherpadEnvelope",
            };
            for (status, why) in d.statuses() {
                let mut answer = json!({
                    "description": why,
                    "content": {"application/json": {"schema": {"$ref": error_schema}}}
                });
                if status == 429 {
                    answer["headers"] = json!({"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}});
                }
                responses.insert(status.to_string(), answer);
            }
            let mut op = json!({
                "summary": d.summary,
                "tags": [d.tag],
                "operationId": format!("{}_{}", d.method.as_str().to_lowercase(),
                    d.path.trim_start_matches('/').replace(['/', '{', '}', '-', '.'], "_")),
                "responses": responses,
                "x-access": format!("{:?}", d.access).to_lowercase(),
            });
            if !params.is_empty() {
                op["parameters"] = Value::Array(params);
            }
            match &d.body {
                Body::None => {}
                Body::Json {
                    example,
                    schema: Some(schema),
                    required,
                } => {
                    let mut content = json!({"schema": schema(&mut generator)});
                    if !example.is_null() {
                        content["example"] = example.clone();
                    }
                    op["requestBody"] = json!({
                        "required": required,
                        "content": {"application/json": content}
                    });
                }
                Body::Json {
                    example,
                    schema: None,
                    required,
                } => {
                    op["requestBody"] = json!({
                        "required": required,
                        "content": {"application/json": {"schema": schema_of(example), "example": example}}
                    });
                }
                Body::Raw(content_type) => {
                    op["requestBody"] = json!({
                        "required": true,
                        "content": {*content_type: {"schema": {"type": "string", "format": "binary"}}}
                    });
                }
            }
            op["security"] = security(d);
            let entry = paths
                .entry(d.path.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            entry[d.method.as_str().to_lowercase()] = op;
        }
        // Before the definitions are taken, so that `Invalid`, `Field` and `Rule` land with them.
        let invalid = generator.subschema_for::<nichoir_core::Invalid>();
        let mut schemas = generator.take_definitions(true);
        schemas.insert(
            "Error".into(),
            json!({
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                        "invalid": {"description": "validation_failed only, when the server can say which field broke which rule: clients word it in their own language", "allOf": [invalid]}}}}
            }),
        );
        schemas.insert(
            "EtherpadEnvelope".into(),
            json!({
                "type": "object",
                "required": ["code", "message", "data"],
                "properties": {"code": {"type": "integer", "description": "0 ok, 1 wrong parameters, 2 internal error, 3 no such function, 4 no or wrong API key"},
                    "message": {"type": "string"}, "data": {}}
            }),
        );
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": title,
                "version": version,
                "description": "Errors answer {\"error\":{\"code\",\"message\"}}, validation_failed ones often with \"invalid\":{\"field\",\"index\",\"rule\"} too (the Etherpad compatibility API: {\"code\",\"message\",\"data\"}). A known path asked with a method it does not take answers 405 method_not_allowed with an Allow header (components.responses.MethodNotAllowed)."
            },
            "paths": paths,
            "components": {
                "schemas": schemas,
                "responses": {
                    "MethodNotAllowed": {
                        "description": "the path exists, not with this method",
                        "headers": {"Allow": {"description": "the methods this path takes", "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                    }
                },
                "securitySchemes": {
                    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                        "description": "the session cookie a login sets (HttpOnly)"},
                    "guest": {"type": "apiKey", "in": "cookie", "name": GUEST_COOKIE,
                        "description": "a guest identity (a name without an account), for pads, polls and video"},
                    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                        "description": "with a cookie, every request but GET/HEAD/OPTIONS carries this header: the csrf_token of GET /api/v1/me, of the login answer or of the guest identity (an HMAC of the cookie); a request from another Origin is refused"},
                    "token": {"type": "http", "scheme": "bearer",
                        "description": "a personal API token (account page); needs no CSRF header"}
                }
            }
        })
    }
}

/// Who may call a route, as OpenAPI security requirements: each object is one way in (its
/// schemes all required), the list the alternatives. A cookie needs the CSRF header on a change.
fn security(d: &RouteDoc) -> Value {
    let change = !matches!(d.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let cookie = |name: &str| match change {
        true => json!({name: [], "csrf": []}),
        false => json!({name: []}),
    };
    match d.access {
        Access::Public => json!([]),
        Access::Anyone => json!([cookie("session"), cookie("guest"), {"token": []}]),
        Access::User | Access::Admin => json!([cookie("session"), {"token": []}]),
    }
}

/// The query parameters of a typed query: one per property of its object schema (inlined: a
/// query string has no nested values).
fn query_parameters(generator: &mut SchemaGenerator, query: SchemaFn) -> Vec<Value> {
    let schema = query(generator);
    let mut object = schema.as_value().clone();
    // A named struct comes back as a `$ref`: look its definition up.
    if let Some(name) = object
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        object = generator
            .definitions()
            .get(name)
            .cloned()
            .unwrap_or(Value::Null);
    }
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, schema)| {
            let mut p = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": schema,
            });
            if let Some(description) = schema.get("description") {
                p["description"] = description.clone();
            }
            p
        })
        .collect()
}

/// The query parameters a summary names (`… (?q=&limit=)`), so the document lists them.
fn query_names(summary: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for (i, c) in summary.char_indices() {
        if c != '?' && c != '&' {
            continue;
        }
        let rest = &summary[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 && rest[end..].starts_with('=') && !out.contains(&&rest[..end]) {
            out.push(&rest[..end]);
        }
    }
    out
}

fn success_text(status: u16) -> &'static str {
    match status {
        101 => "switching to the WebSocket protocol",
        201 => "created",
        204 => "done, nothing to return",
        _ => "success",
    }
}

/// A JSON Schema from an example body: its fields and their types (typed schemas come later);
/// unknown fields are refused, as the server's `deny_unknown_fields` does.
fn schema_of(v: &Value) -> Value {
    match v {
        Value::Null => json!({}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => match items.first() {
            Some(first) => json!({"type": "array", "items": schema_of(first)}),
            None => json!({"type": "array"}),
        },
        Value::Object(fields) => {
            let props: Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.clone(), schema_of(v)))
                .collect();
            json!({"type": "object", "properties": props, "additionalProperties": false})
        }
    }
}

/// `/api/v1/chat/teams/{team}` → (`/api/v1/chat`, `/teams/{team}`): the scope of a path whose
/// third segment is static, and the rest.
fn split_scope(path: &str) -> Option<(&str, &str)> {
    // `/api/v1/<area>`, and Etherpad's `/api/<version>` (`/api/1.2.15/{function}`): a route of
    // its own per version would be one more regex tried before every scope.
    let api = match path.strip_prefix("/api/") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => "/api/",
        _ => "/api/v1/",
    };
    let rest = path.strip_prefix(api)?;
    let end = rest.find('/').unwrap_or(rest.len());
    let area = &rest[..end];
    if area.is_empty() || area.contains('{') {
        return None;
    }
    Some(path.split_at(api.len() + end))
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
        body: Body::None,
        ok: (200, "application/json"),
        also: Vec::new(),
        errors: Vec::new(),
        envelope: Envelope::Api,
        no_identity: false,
        answer: None,
        query: None,
    }
}

impl RouteDoc {
    /// A required JSON body, documented by an example.
    pub fn body(mut self, example: Value) -> Self {
        self.body = Body::Json {
            example,
            schema: None,
            required: true,
        };
        self
    }
    /// A JSON body that may be left out altogether.
    pub fn optional_body(mut self, example: Value) -> Self {
        self.body = Body::Json {
            example,
            schema: None,
            required: false,
        };
        self
    }
    /// A required JSON body of type `T` (what the handler's `Json<T>` reads).
    pub fn takes<T: JsonSchema>(mut self) -> Self {
        self.body = Body::Json {
            example: Value::Null,
            schema: Some(schema_fn::<T>),
            required: true,
        };
        self
    }
    /// A JSON body of type `T` that may be left out altogether.
    pub fn takes_optional<T: JsonSchema>(mut self) -> Self {
        self.body = Body::Json {
            example: Value::Null,
            schema: Some(schema_fn::<T>),
            required: false,
        };
        self
    }
    /// The JSON success answer is a `T`.
    pub fn answers<T: JsonSchema>(mut self) -> Self {
        self.answer = Some(schema_fn::<T>);
        self
    }
    /// The query string is read into a `T` (a struct of optional fields, as `web::Query<T>`).
    pub fn query<T: JsonSchema>(mut self) -> Self {
        self.query = Some(schema_fn::<T>);
        self
    }
    /// A raw body (a file) of this content type.
    pub fn raw_body(mut self, content_type: &'static str) -> Self {
        self.body = Body::Raw(content_type);
        self
    }
    pub fn ok(mut self, status: u16, content_type: &'static str) -> Self {
        self.ok = (status, content_type);
        self
    }
    /// Another success answer.
    pub fn also(mut self, status: u16, content_type: &'static str) -> Self {
        self.also.push((status, content_type));
        self
    }
    /// Error statuses the endpoint answers beyond those its shape implies.
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self
    }
    pub fn envelope(mut self, envelope: Envelope) -> Self {
        self.envelope = envelope;
        self
    }
    /// The handler never resolves who asks.
    pub fn no_identity(mut self) -> Self {
        self.no_identity = true;
        self
    }

    /// Every error status this endpoint can answer, with why: those that come with its shape
    /// (the middleware, who may call it, its path parameters and body) and the declared ones.
    pub fn statuses(&self) -> BTreeMap<u16, &'static str> {
        let mut out = BTreeMap::new();
        out.insert(400, "malformed request (query string, parameters)");
        out.insert(431, "request headers too large");
        out.insert(500, "internal error");
        out.insert(503, "the database is busy or the server is stopping");
        let unsafe_method = !matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !self.no_identity {
            out.insert(401, "no identity, or an invalid token");
            out.insert(403, "not allowed");
        }
        if unsafe_method {
            out.insert(403, "not allowed, or refused by the CSRF/Origin check");
        }
        if self.path.contains('{') {
            out.insert(404, "not found");
            // A path value can be refused for its form before anything is looked up (an emoji
            // that is none, a revision past the newest).
            out.insert(422, "a path value refused");
            if unsafe_method {
                // A change to something that exists can meet its current state (restore a page
                // that is not deleted, rename onto a taken name, demote the last admin).
                out.insert(409, "conflict with the current state");
            }
        }
        if self.query.is_some() || !query_names(self.summary).is_empty() {
            out.insert(422, "a query value refused");
        }
        match &self.body {
            Body::None => {}
            Body::Json { .. } => {
                out.insert(400, "malformed JSON");
                out.insert(413, "body too large");
                out.insert(415, "not JSON");
                out.insert(422, "JSON of the wrong shape, or a value refused");
            }
            Body::Raw(_) => {
                out.insert(413, "body too large");
                // An upload's bytes are checked against the type it declares.
                out.insert(415, "not of the declared or an accepted type");
                out.insert(422, "content refused");
            }
        }
        for s in &self.errors {
            out.entry(*s).or_insert(match s {
                401 => "no identity, or an invalid token",
                403 => "not allowed",
                404 => "not found",
                409 => "conflict with the current state",
                413 => "too large",
                415 => "unsupported media type",
                422 => "a value refused",
                429 => "too many attempts: wait Retry-After seconds",
                _ => "error",
            });
        }
        if self.envelope == Envelope::Etherpad {
            // Etherpad answers its own codes in the envelope, with these statuses (wrong
            // parameters are code 1 with 200, as Etherpad answers them).
            out.retain(|s, _| matches!(s, 401 | 404 | 431 | 500 | 503));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse};

    use super::*;

    #[test]
    fn query_parameters_come_from_the_summary() {
        assert_eq!(
            query_names("Recent changes (?author=&page=&before=&limit=)"),
            vec!["author", "page", "before", "limit"]
        );
        assert_eq!(
            query_names("Download the text (?format=txt|md|html, ?rev=N)"),
            vec!["format", "rev"]
        );
        assert_eq!(query_names("Is this usable?"), Vec::<&str>::new());
    }

    /// Every status a route's shape implies is declared, and nothing falls to a catch-all.
    #[test]
    fn statuses_follow_the_route_shape() {
        let d = doc(
            Method::POST,
            "/api/v1/pads/{id}/chat",
            "t",
            "",
            Access::Anyone,
        )
        .body(json!({"text": "x"}))
        .errors(&[429]);
        let s: Vec<u16> = d.statuses().into_keys().collect();
        assert_eq!(
            s,
            vec![400, 401, 403, 404, 409, 413, 415, 422, 429, 431, 500, 503]
        );
        let health = doc(Method::GET, "/healthz", "t", "", Access::Public).no_identity();
        let s: Vec<u16> = health.statuses().into_keys().collect();
        assert_eq!(s, vec![400, 431, 500, 503]);
        let api = Api::new().route(d, answer("x")).route(health, answer("ok"));
        let doc = api.openapi("t", "1");
        let op = &doc["paths"]["/api/v1/pads/{id}/chat"]["post"];
        assert!(op["responses"].get("default").is_none());
        assert_eq!(op["requestBody"]["required"], true);
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["properties"]["text"]
                ["type"],
            "string"
        );
        assert_eq!(
            api.allowed_methods("/api/v1/pads/abc/chat"),
            vec![Method::POST]
        );
        assert!(api.allowed_methods("/api/v1/pads/abc/nope").is_empty());
    }

    /// Typed routes: the body, the answer and the query come from their Rust types, each named
    /// type once in `components.schemas`.
    #[test]
    fn typed_routes_describe_their_types() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct NewNote {
            /// The note's text.
            text: String,
            pinned: Option<bool>,
        }
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Note {
            id: i64,
            text: String,
        }
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Page {
            /// Items after this id.
            after: Option<i64>,
            limit: u32,
        }
        let api = Api::new()
            .route(
                doc(Method::POST, "/api/v1/notes", "t", "", Access::User)
                    .takes::<NewNote>()
                    .answers::<Note>()
                    .ok(201, "application/json"),
                answer("x"),
            )
            .route(
                doc(Method::GET, "/api/v1/notes", "t", "", Access::User)
                    .query::<Page>()
                    .answers::<Vec<Note>>(),
                answer("x"),
            );
        let d = api.openapi("t", "1");
        let post = &d["paths"]["/api/v1/notes"]["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/NewNote"
        );
        assert_eq!(
            post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Note"
        );
        let get = &d["paths"]["/api/v1/notes"]["get"];
        assert_eq!(
            get["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
            "#/components/schemas/Note"
        );
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        let names: Vec<(&str, bool)> = params
            .iter()
            .map(|p| (p["name"].as_str().unwrap_or(""), p["required"] == true))
            .collect();
        assert_eq!(names, vec![("after", false), ("limit", true)]);
        assert_eq!(params[0]["description"], "Items after this id.");
        assert!(get["responses"].get("422").is_some());
        let schemas = &d["components"]["schemas"];
        assert_eq!(schemas["NewNote"]["required"], json!(["text"]));
        assert_eq!(schemas["Note"]["properties"]["id"]["type"], "integer");
        assert!(schemas.get("Error").is_some());
    }

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
        assert_eq!(
            split_scope("/api/1.2.15/{function}"),
            Some(("/api/1.2.15", "/{function}"))
        );
        assert_eq!(split_scope("/api"), None);
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
