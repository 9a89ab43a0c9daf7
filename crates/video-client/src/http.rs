//! Who the participant is to the server: a guest identity (`GET /api/v1/guest`) or any cookie the
//! caller already holds, with its CSRF token for the room API.

use anyhow::{bail, Context, Result};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::Value;

/// A cookie (`name=value; …`) and the CSRF token that goes with it.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Base URL of the server, without a trailing slash (`http://127.0.0.1:8080`).
    pub base_url: String,
    /// The `Cookie` header value.
    pub cookie: String,
    /// `X-CSRF-Token` for POST/PATCH/DELETE.
    pub csrf: Option<String>,
    http: reqwest::Client,
}

/// An HTTP answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// `name=value` pairs of the response's `Set-Cookie` headers, joined for a `Cookie` header.
fn cookies_of(resp: &reqwest::Response) -> String {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|kv| kv.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn trim_base(base_url: &str) -> String {
    base_url.trim_end_matches('/').to_string()
}

impl Identity {
    /// A new guest identity: its `nichoir_guest` cookie and CSRF token.
    pub async fn guest(base_url: &str) -> Result<Identity> {
        let base_url = trim_base(base_url);
        let http = reqwest::Client::new();
        let resp = http
            .get(format!("{base_url}/api/v1/guest"))
            .send()
            .await
            .context("GET /api/v1/guest")?;
        let status = resp.status();
        let cookie = cookies_of(&resp);
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("GET /api/v1/guest answered {status}: {body}");
        }
        if cookie.is_empty() {
            bail!("GET /api/v1/guest set no cookie");
        }
        Ok(Identity {
            base_url,
            cookie,
            csrf: body["csrf_token"].as_str().map(str::to_string),
            http,
        })
    }

    /// An identity from a cookie header value (`nichoir_session=…`) and its CSRF token.
    pub fn from_cookie(base_url: &str, cookie: &str, csrf: Option<&str>) -> Identity {
        Identity {
            base_url: trim_base(base_url),
            cookie: cookie.to_string(),
            csrf: csrf.map(str::to_string),
            http: reqwest::Client::new(),
        }
    }

    /// Sends `method path` with the cookie (and CSRF token, and a JSON body if given).
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .header(COOKIE, &self.cookie);
        if let Some(token) = &self.csrf {
            req = req.header("x-csrf-token", token);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        Ok(Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    pub async fn get(&self, path: &str) -> Result<Reply> {
        self.request(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Reply> {
        self.request(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Result<Reply> {
        self.request(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Result<Reply> {
        self.request(reqwest::Method::DELETE, path, None).await
    }

    /// `POST /api/v1/video/rooms` with `body`; the room's id when it answers 201.
    pub async fn create_room(&self, body: &Value) -> Result<String> {
        let r = self.post("/api/v1/video/rooms", body).await?;
        if r.status != 201 {
            bail!("creating a room answered {}: {}", r.status, r.body);
        }
        r.body["room"]["id"]
            .as_str()
            .map(str::to_string)
            .context("no room.id in the answer")
    }

    /// The WebSocket URL of the realtime endpoint.
    pub fn ws_url(&self) -> Result<String> {
        if let Some(rest) = self.base_url.strip_prefix("http://") {
            Ok(format!("ws://{rest}/api/v1/ws"))
        } else if self.base_url.starts_with("https://") {
            bail!("https is not supported by this client (loopback tests and benchmarks only)")
        } else {
            bail!("base URL must start with http://: {}", self.base_url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_url_from_base() {
        let id = Identity::from_cookie("http://127.0.0.1:80/", "a=b", None);
        assert_eq!(id.ws_url().expect("url"), "ws://127.0.0.1:80/api/v1/ws");
        assert!(Identity::from_cookie("https://x", "a=b", None)
            .ws_url()
            .is_err());
        assert!(Identity::from_cookie("ftp://x", "a=b", None)
            .ws_url()
            .is_err());
    }
}
