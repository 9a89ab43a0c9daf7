//! The polls family: `polls-view` reads a 30-option poll that 200 people answered (what every
//! participant's page does on open and on each live update); `polls-vote` submits rows of 30
//! answers. Both run as guests (no account), as Framadate participants do.

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::Client;
use serde_json::{json, Map, Value};

use super::http::cookie_header;
use super::{Ctx, Outcome, Scenario};
use crate::load::drive;
use crate::target::Target;

pub const OPTIONS: usize = 30;
pub const PARTICIPANTS: usize = 200;

pub fn scenarios() -> Vec<Box<dyn Scenario>> {
    vec![Box::new(View), Box::new(Vote)]
}

/// A browser identity: the guest cookie and its CSRF token.
#[derive(Clone)]
struct Guest {
    cookie: String,
    csrf: String,
}

async fn guest(client: &Client, target: &Target) -> Result<Guest> {
    let url = target.endpoint("/api/v1/guest");
    let resp = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    let cookie = cookie_header(
        resp.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() || cookie.is_empty() {
        bail!("GET {url}: HTTP {status}");
    }
    let csrf = body["csrf_token"]
        .as_str()
        .context("the guest answer has no csrf_token")?
        .to_string();
    Ok(Guest { cookie, csrf })
}

async fn post(
    client: &Client,
    target: &Target,
    g: &Guest,
    path: &str,
    body: &Value,
) -> Result<Value> {
    let url = target.endpoint(path);
    let resp = client
        .post(&url)
        .header(COOKIE, &g.cookie)
        .header("X-CSRF-Token", &g.csrf)
        .json(body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "POST {url}: HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates a classic poll of [`OPTIONS`] options; returns its id and option ids.
async fn create_poll(client: &Client, target: &Target, g: &Guest) -> Result<(String, Vec<i64>)> {
    let options: Vec<Value> = (1..=OPTIONS)
        .map(|i| json!({"label": format!("Option {i}")}))
        .collect();
    let created = post(
        client,
        target,
        g,
        "/api/v1/polls",
        &json!({"kind": "classic", "title": "nichoir-bench poll", "author_name": "bench", "options": options}),
    )
    .await?;
    let id = created["poll"]["id"]
        .as_str()
        .context("no poll id")?
        .to_string();
    let url = target.endpoint(&format!("/api/v1/polls/{id}"));
    let view: Value = client
        .get(&url)
        .send()
        .await?
        .json()
        .await
        .context("poll view")?;
    let ids = view["options"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["id"].as_i64())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if ids.len() != OPTIONS {
        bail!("the new poll has {} options, not {OPTIONS}", ids.len());
    }
    Ok((id, ids))
}

/// A row of answers: a deterministic mix of yes, maybe and no.
fn ballot(name: &str, options: &[i64], seed: usize) -> Value {
    let answers: Map<String, Value> = options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let a = match (i * 7 + seed * 13) % 5 {
                0 | 1 => "yes",
                2 => "maybe",
                _ => "no",
            };
            (o.to_string(), json!(a))
        })
        .collect();
    json!({"name": name, "answers": answers})
}

async fn ok(result: reqwest::Result<reqwest::Response>) -> Result<(), String> {
    match result {
        Ok(resp) => {
            let status = resp.status();
            match (status.is_success(), resp.bytes().await) {
                (true, Ok(_)) => Ok(()),
                (true, Err(e)) => Err(format!("reading body: {e}")),
                (false, _) => Err(format!("HTTP {status}")),
            }
        }
        Err(e) => Err(format!("transport: {e}")),
    }
}

/// `GET /api/v1/polls/{id}` of a 30-option poll with 200 rows, each worker with its own guest.
pub struct View;

impl Scenario for View {
    fn name(&self) -> &'static str {
        "polls-view"
    }
    fn description(&self) -> &'static str {
        "GET a 30-option poll with 200 participants, as guests: the page and every live refresh"
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let client = ctx.target.client_builder().build().context("HTTP client")?;
            let author = guest(&client, &ctx.target).await?;
            let (id, options) = create_poll(&client, &ctx.target, &author).await?;
            let voter = guest(&client, &ctx.target).await?;
            for i in 0..PARTICIPANTS {
                post(
                    &client,
                    &ctx.target,
                    &voter,
                    &format!("/api/v1/polls/{id}/votes"),
                    &ballot(&format!("Participant {i}"), &options, i),
                )
                .await
                .with_context(|| format!("setting up participant {i}"))?;
            }
            let url = ctx.target.endpoint(&format!("/api/v1/polls/{id}"));
            drive(
                ctx.load,
                |_| {
                    let (client, target) = (client.clone(), ctx.target.clone());
                    async move { Ok((client.clone(), guest(&client, &target).await?)) }
                },
                move |(client, g): (Client, Guest)| {
                    let req = client.get(&url).header(COOKIE, g.cookie).send();
                    async move { ok(req.await).await }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}

/// `POST /api/v1/polls/{id}/votes` with 30 answers, each worker a different guest.
pub struct Vote;

impl Scenario for Vote {
    fn name(&self) -> &'static str {
        "polls-vote"
    }
    fn description(&self) -> &'static str {
        "POST rows of 30 answers to one poll, each worker a different guest: durable votes"
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let client = ctx.target.client_builder().build().context("HTTP client")?;
            let author = guest(&client, &ctx.target).await?;
            let (id, options) = create_poll(&client, &ctx.target, &author).await?;
            let url = ctx.target.endpoint(&format!("/api/v1/polls/{id}/votes"));
            drive(
                ctx.load,
                |worker| {
                    let (client, target) = (client.clone(), ctx.target.clone());
                    let body = ballot(&format!("Voter {worker}"), &options, worker);
                    async move { Ok((client.clone(), guest(&client, &target).await?, body)) }
                },
                move |(client, g, body): (Client, Guest, Value)| {
                    let req = client
                        .post(&url)
                        .header(COOKIE, g.cookie)
                        .header("X-CSRF-Token", g.csrf)
                        .json(&body)
                        .send();
                    async move { ok(req.await).await }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_answer_every_option_with_a_mix() {
        let b = ballot("x", &(1..=30).collect::<Vec<_>>(), 3);
        let answers = b["answers"].as_object().expect("object");
        assert_eq!(answers.len(), 30);
        for a in ["yes", "maybe", "no"] {
            assert!(answers.values().any(|v| v == a), "{a}");
        }
    }
}
