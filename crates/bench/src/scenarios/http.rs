//! The plain HTTP family: health check, login, and an authenticated read.

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, Response};

use super::{Ctx, Outcome, Scenario};
use crate::load::drive;

pub const HEALTHZ: &str = "/healthz";
pub const LOGIN: &str = "/api/v1/auth/login";
pub const ME: &str = "/api/v1/me";

pub fn scenarios() -> Vec<Box<dyn Scenario>> {
    vec![Box::new(Health), Box::new(Login), Box::new(Me)]
}

/// `Ok` for a 2xx; otherwise a short description. The body is drained either way so the
/// connection can be reused.
async fn outcome(result: reqwest::Result<Response>) -> Result<(), String> {
    match result {
        Ok(resp) => {
            let status = resp.status();
            let body = resp.bytes().await;
            match (status.is_success(), body) {
                (true, Ok(_)) => Ok(()),
                (true, Err(e)) => Err(format!("reading body: {e}")),
                (false, _) => Err(format!("HTTP {status}")),
            }
        }
        Err(e) => Err(format!("transport: {e}")),
    }
}

fn client(ctx: &Ctx) -> Result<Client> {
    ctx.target
        .client_builder()
        .build()
        .context("building the HTTP client")
}

/// `GET /healthz`.
pub struct Health;

impl Scenario for Health {
    fn name(&self) -> &'static str {
        "http-health"
    }
    fn description(&self) -> &'static str {
        "GET /healthz (no auth): raw request overhead"
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let client = client(ctx)?;
            let url = ctx.target.endpoint(HEALTHZ);
            drive(
                ctx.load,
                |_| {
                    let client = client.clone();
                    async move { Ok(client) }
                },
                move |client: Client| {
                    let req = client.get(&url).send();
                    async move { outcome(req.await).await }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}

/// `POST /api/v1/auth/login` with the given account, every request (argon2 on the server).
pub struct Login;

impl Scenario for Login {
    fn name(&self) -> &'static str {
        "http-login"
    }
    fn description(&self) -> &'static str {
        "POST /api/v1/auth/login with --username/--password: password hashing cost"
    }
    fn needs_credentials(&self) -> bool {
        true
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let creds = ctx.require_credentials(self.name())?;
            let body = login_body(&creds.username, &creds.password);
            let client = client(ctx)?;
            let url = ctx.target.endpoint(LOGIN);
            // One login first so a wrong password fails fast instead of feeding the throttle.
            login_cookie(&client, &url, &body)
                .await
                .context("checking the credentials")?;
            drive(
                ctx.load,
                |_| {
                    let client = client.clone();
                    async move { Ok(client) }
                },
                move |client: Client| {
                    let req = client.post(&url).json(&body).send();
                    async move { outcome(req.await).await }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}

/// Login once per worker, then `GET /api/v1/me` with the session cookie.
pub struct Me;

impl Scenario for Me {
    fn name(&self) -> &'static str {
        "http-me"
    }
    fn description(&self) -> &'static str {
        "GET /api/v1/me with a session cookie (one login per worker first): session lookup"
    }
    fn needs_credentials(&self) -> bool {
        true
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let creds = ctx.require_credentials(self.name())?;
            let body = login_body(&creds.username, &creds.password);
            let client = client(ctx)?;
            let login_url = ctx.target.endpoint(LOGIN);
            let me_url = ctx.target.endpoint(ME);
            drive(
                ctx.load,
                |worker| {
                    let (client, login_url, body) =
                        (client.clone(), login_url.clone(), body.clone());
                    async move {
                        let cookie = login_cookie(&client, &login_url, &body)
                            .await
                            .with_context(|| format!("login of worker {worker}"))?;
                        Ok((client, cookie))
                    }
                },
                move |(client, cookie): (Client, String)| {
                    let req = client.get(&me_url).header(COOKIE, cookie).send();
                    async move { outcome(req.await).await }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}

pub fn login_body(username: &str, password: &str) -> serde_json::Value {
    serde_json::json!({ "username": username, "password": password })
}

/// Logs in and returns a `Cookie` header value carrying every cookie the server set.
///
/// The header is built by hand rather than with a cookie jar: the session cookie may be
/// `Secure` (when the server's base URL is https) and would then never be sent over plain
/// http to the loopback port.
pub async fn login_cookie(client: &Client, url: &str, body: &serde_json::Value) -> Result<String> {
    let resp = client
        .post(url)
        .json(body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    if !status.is_success() {
        let text = resp.text().await.unwrap_or_default();
        bail!(
            "login failed: HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    let cookie = cookie_header(
        resp.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    if cookie.is_empty() {
        bail!("login answered {status} but set no cookie");
    }
    Ok(cookie)
}

/// `name=value; name2=value2` from `Set-Cookie` header values (attributes dropped).
pub fn cookie_header<'a>(set_cookies: impl IntoIterator<Item = &'a str>) -> String {
    set_cookies
        .into_iter()
        .filter_map(|sc| {
            let pair = sc.split(';').next()?.trim();
            pair.contains('=').then_some(pair)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_cookie_header_from_set_cookie() {
        let h = cookie_header([
            "nichoir_session=abc123; Path=/; HttpOnly; SameSite=Lax; Secure",
            "other=x=y; Max-Age=10",
            "garbage",
        ]);
        assert_eq!(h, "nichoir_session=abc123; other=x=y");
        assert_eq!(cookie_header(std::iter::empty()), "");
    }

    #[test]
    fn login_body_is_the_documented_shape() {
        let b = login_body("alice", "pa\"ss");
        assert_eq!(
            b,
            serde_json::json!({"username": "alice", "password": "pa\"ss"})
        );
    }
}
