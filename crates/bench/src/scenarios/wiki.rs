//! The wiki family, on a farm of `--wikis` wikis × 10 pages (built first through the API with an
//! API token of `--username`): `wiki-view` reads random pages as an anonymous visitor (rendered
//! HTML, table of contents, rights); `wiki-edit` has each worker save new revisions of its own
//! page. Run with `--wikis 10` and `--wikis 10000` to see whether the farm's size matters.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::header::AUTHORIZATION;
use reqwest::Client;
use serde_json::{json, Value};

use super::{Ctx, Outcome, Scenario};
use crate::load::drive;
use crate::target::Target;

pub const PAGES_PER_WIKI: usize = 10;

pub fn scenarios() -> Vec<Box<dyn Scenario>> {
    vec![Box::new(View), Box::new(Edit)]
}

/// A page of about 1 KB: headings, a list, links to the wiki's other pages.
fn page_text(wiki: usize, page: usize) -> String {
    let next = (page + 1) % PAGES_PER_WIKI;
    format!(
        "# Page {page} of wiki {wiki}\n\nThis page belongs to the benchmark farm. See [[Page {next}]] and [[Home]].\n\n\
         ## Agenda\n\n- budget for the year\n- the summer festival, volunteers and *programme*\n- **questions** from members\n\n\
         ## Notes\n\n{}\n\n| who | what |\n|---|---|\n| Ana | minutes |\n| Bob | room |\n",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt. ".repeat(6)
    )
}

fn slug(nonce: u64, i: usize) -> String {
    format!("wb{nonce:x}-{i}")
}

async fn ok_json(resp: reqwest::Result<reqwest::Response>, what: &str) -> Result<Value> {
    let resp = resp.with_context(|| what.to_string())?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "{what}: HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Builds the farm: `wikis` public wikis of 10 pages each. Returns the page URLs.
async fn build_farm(ctx: &Ctx, http: &Client, bearer: &str, nonce: u64) -> Result<Vec<String>> {
    let wikis = ctx.wiki.wikis;
    let target = &ctx.target;
    stream::iter(0..wikis)
        .map(|i| {
            let (http, bearer) = (http.clone(), bearer.to_string());
            async move { create_wiki(&http, target, &bearer, nonce, i).await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;
    let mut urls = Vec::with_capacity(wikis * PAGES_PER_WIKI);
    for i in 0..wikis {
        for p in 0..PAGES_PER_WIKI {
            let name = if p == 0 {
                "Home".to_string()
            } else {
                format!("Page_{p}")
            };
            urls.push(target.endpoint(&format!("/api/v1/wikis/{}/pages/{name}", slug(nonce, i))));
        }
    }
    Ok(urls)
}

async fn create_wiki(
    http: &Client,
    target: &Target,
    bearer: &str,
    nonce: u64,
    i: usize,
) -> Result<()> {
    let s = slug(nonce, i);
    ok_json(
        http.post(target.endpoint("/api/v1/wikis"))
            .header(AUTHORIZATION, bearer)
            .json(&json!({"slug": s, "title": format!("Bench wiki {i}"), "template": "blank", "visibility": "public"}))
            .send()
            .await,
        "creating a wiki",
    )
    .await?;
    ok_json(
        http.put(target.endpoint(&format!("/api/v1/wikis/{s}/pages/Home")))
            .header(AUTHORIZATION, bearer)
            .json(&json!({"text": page_text(i, 0), "base_rev": 1}))
            .send()
            .await,
        "writing Home",
    )
    .await?;
    for p in 1..PAGES_PER_WIKI {
        ok_json(
            http.put(target.endpoint(&format!("/api/v1/wikis/{s}/pages/Page_{p}")))
                .header(AUTHORIZATION, bearer)
                .json(&json!({"text": page_text(i, p), "base_rev": null}))
                .send()
                .await,
            "writing a page",
        )
        .await?;
    }
    Ok(())
}

async fn outcome(resp: reqwest::Result<reqwest::Response>) -> Result<(), String> {
    match resp {
        Ok(r) => {
            let status = r.status();
            match (status.is_success(), r.bytes().await) {
                (true, Ok(_)) => Ok(()),
                (true, Err(e)) => Err(format!("reading body: {e}")),
                (false, _) => Err(format!("HTTP {status}")),
            }
        }
        Err(e) => Err(format!("transport: {e}")),
    }
}

async fn token(ctx: &Ctx, http: &Client, nonce: u64) -> Result<String> {
    let creds = ctx.require_credentials("wiki")?;
    let (token, _) =
        super::pad::create_token(http, &ctx.target, &creds.username, &creds.password, nonce)
            .await?;
    Ok(format!("Bearer {token}"))
}

fn nonce() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
}

/// Anonymous page views spread over the whole farm.
pub struct View;

impl Scenario for View {
    fn name(&self) -> &'static str {
        "wiki-view"
    }
    fn description(&self) -> &'static str {
        "build a farm of --wikis public wikis x 10 pages, then GET random pages anonymously"
    }
    fn needs_credentials(&self) -> bool {
        true
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!(
            "{} workers, {} wikis x {PAGES_PER_WIKI} pages",
            ctx.load.concurrency, ctx.wiki.wikis
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let http = ctx.target.client_builder().build()?;
            let n = nonce();
            let bearer = token(ctx, &http, n).await?;
            let started = std::time::Instant::now();
            let urls = Arc::new(build_farm(ctx, &http, &bearer, n).await?);
            eprintln!(
                "nichoir-bench: wiki farm of {} pages built in {:.1} s",
                urls.len(),
                started.elapsed().as_secs_f64()
            );
            let next = Arc::new(AtomicU64::new(0));
            drive(
                ctx.load,
                |_| {
                    let state = (http.clone(), urls.clone(), next.clone());
                    async move { Ok(state) }
                },
                |(http, urls, next): (Client, Arc<Vec<String>>, Arc<AtomicU64>)| {
                    // A large odd stride visits every page in a scattered order.
                    let i = next
                        .fetch_add(1, Ordering::Relaxed)
                        .wrapping_mul(2_654_435_761) as usize
                        % urls.len().max(1);
                    let req = http.get(&urls[i]).send();
                    async move { outcome(req.await).await }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}

/// Each worker saves new revisions of its own page (no conflicts: this measures the write path).
pub struct Edit;

impl Scenario for Edit {
    fn name(&self) -> &'static str {
        "wiki-edit"
    }
    fn description(&self) -> &'static str {
        "build the farm, then each worker saves revisions of its own page (render, links, search index, history)"
    }
    fn needs_credentials(&self) -> bool {
        true
    }
    fn load_summary(&self, ctx: &Ctx) -> String {
        format!(
            "{} workers, {} wikis x {PAGES_PER_WIKI} pages",
            ctx.load.concurrency, ctx.wiki.wikis
        )
    }
    fn run<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, Result<Outcome>> {
        async move {
            let http = ctx.target.client_builder().build()?;
            let n = nonce();
            let bearer = token(ctx, &http, n).await?;
            let urls = build_farm(ctx, &http, &bearer, n).await?;
            let counter = Arc::new(AtomicU64::new(0));
            drive(
                ctx.load,
                |worker| {
                    let url = urls[worker % urls.len().max(1)].clone();
                    let (http, bearer) = (http.clone(), bearer.clone());
                    async move {
                        // Workers sharing a page would conflict; each starts from the page's revision.
                        let page = ok_json(http.get(&url).send().await, "reading a page").await?;
                        let rev = Arc::new(AtomicI64::new(page["page"]["rev"].as_i64().unwrap_or(1)));
                        Ok((http, bearer, format!("{url}?w={worker}"), url, rev))
                    }
                },
                move |(http, bearer, _tag, url, rev): (Client, String, String, String, Arc<AtomicI64>)| {
                    let k = counter.fetch_add(1, Ordering::Relaxed);
                    let base = rev.load(Ordering::Acquire);
                    let req = http
                        .put(&url)
                        .header(AUTHORIZATION, bearer)
                        .json(&json!({"text": format!("{}\nEdit {k}\n", page_text(0, 1)), "base_rev": base, "summary": "bench"}))
                        .send();
                    async move {
                        let resp = req.await.map_err(|e| format!("transport: {e}"))?;
                        let status = resp.status();
                        let v: Value = resp.json().await.map_err(|e| format!("body: {e}"))?;
                        if !status.is_success() {
                            return Err(format!("HTTP {status}"));
                        }
                        if let Some(r) = v["rev"].as_i64() {
                            rev.store(r, Ordering::Release);
                        }
                        Ok(())
                    }
                },
            )
            .await
            .map(Outcome::Load)
        }
        .boxed()
    }
}
