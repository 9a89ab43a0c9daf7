//! Every answer a test client receives is checked against the server's own OpenAPI document: a
//! status the document does not list for that operation fails the test where it happens.
//!
//! Schemathesis checks the same thing by fuzzing, with a random seed, so an undocumented status
//! on a rare path failed CI only now and then; the integration tests already walk those rare
//! paths (bad input of every kind), so they check it on every run.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::Method;
use serde_json::Value;

/// One operation: the path template's segments and the statuses it documents.
struct Operation {
    method: Method,
    segments: Vec<Segment>,
    statuses: BTreeSet<u16>,
    /// A `default` response: any status is documented.
    any: bool,
}

enum Segment {
    Literal(String),
    Parameter,
}

pub(crate) struct Contract {
    operations: Vec<Operation>,
}

impl Contract {
    pub(crate) fn parse(doc: &Value) -> Option<Contract> {
        let paths = doc.get("paths")?.as_object()?;
        let mut operations = Vec::new();
        for (template, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                    continue;
                };
                operations.push(Operation {
                    method,
                    segments: segments(template),
                    statuses: responses.keys().filter_map(|k| k.parse().ok()).collect(),
                    any: responses.contains_key("default"),
                });
            }
        }
        Some(Contract { operations })
    }

    /// `Err` naming the operation and what it documents when `status` is not among them; `Ok`
    /// also when no operation matches (a path the API does not have is not the contract's).
    pub(crate) fn check(&self, method: &Method, path: &str, status: u16) -> Result<(), String> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        // The most specific template wins (`/pads/import-etherpad` over `/pads/{id}`), as the
        // router registers literal routes first.
        let Some(op) = self
            .operations
            .iter()
            .filter(|op| op.method == method && matches(&op.segments, &parts))
            .max_by_key(|op| literal_count(&op.segments))
        else {
            return Ok(());
        };
        if op.any || op.statuses.contains(&status) {
            return Ok(());
        }
        Err(format!(
            "{method} {path} answered {status}, which the OpenAPI document does not list for this \
             operation (it lists {:?}): declare it in the route table or answer a listed status",
            op.statuses
        ))
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

fn matches(segments: &[Segment], parts: &[&str]) -> bool {
    segments.len() == parts.len()
        && segments.iter().zip(parts).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Parameter => !p.is_empty(),
        })
}

fn literal_count(segments: &[Segment]) -> usize {
    segments
        .iter()
        .filter(|s| matches!(s, Segment::Literal(_)))
        .count()
}

type Cache = Mutex<HashMap<String, Arc<Contract>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The contract of the server at `base`, fetched once per server; `None` when it cannot be had
/// (the server is stopped, or the test points the client elsewhere): then nothing is checked.
pub(crate) async fn of(base: &str) -> Option<Arc<Contract>> {
    if let Some(c) = cache().lock().ok()?.get(base) {
        return Some(c.clone());
    }
    let doc: Value = crate::http_builder()
        .build()
        .ok()?
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?
        .json()
        .await
        .ok()?;
    let contract = Arc::new(Contract::parse(&doc)?);
    cache()
        .lock()
        .ok()?
        .insert(base.to_string(), contract.clone());
    Some(contract)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contract() -> Contract {
        Contract::parse(&json!({"paths": {
            "/api/v1/pads/{id}": {"get": {"responses": {"200": {}, "404": {}}}},
            "/api/v1/pads/import-etherpad": {"post": {"responses": {"201": {}, "422": {}}}},
            "/api/v1/pads/{id}/revisions/{rev}": {"get": {"responses": {"200": {}}}},
            "/api/v1/anything": {"get": {"responses": {"default": {}}}},
        }}))
        .expect("a contract")
    }

    #[test]
    fn a_listed_status_passes_and_another_names_the_operation() {
        let c = contract();
        assert!(c.check(&Method::GET, "/api/v1/pads/abc", 404).is_ok());
        let e = c
            .check(&Method::GET, "/api/v1/pads/abc/revisions/9", 422)
            .expect_err("422 is not listed");
        assert!(
            e.contains("GET /api/v1/pads/abc/revisions/9 answered 422"),
            "{e}"
        );
    }

    #[test]
    fn the_literal_template_wins_and_unknown_operations_are_not_checked() {
        let c = contract();
        assert!(c
            .check(&Method::POST, "/api/v1/pads/import-etherpad", 422)
            .is_ok());
        assert!(c.check(&Method::DELETE, "/api/v1/pads/abc", 405).is_ok());
        assert!(c.check(&Method::GET, "/api/v1/nowhere", 404).is_ok());
        assert!(c.check(&Method::GET, "/api/v1/anything", 418).is_ok());
        assert!(c.check(&Method::GET, "/api/v1/pads/", 200).is_ok());
    }
}
