//! Bounded work for any input: nested and repetitive documents on every import and render path
//! answer a clean 4xx (or succeed, when legal) within a generous bound, and the server keeps
//! answering other requests meanwhile. The bounds are for hangs, not speed (benchmarks are).

use std::future::Future;
use std::time::{Duration, Instant};

use nichoir_core::limits::DEFAULT_MAX_NESTING as MAX;
use nichoir_testkit::{Client, Reply, TestServer};
use serde_json::{json, Value};

/// Long enough for a debug build on a loaded machine; a regression to quadratic time or a crash
/// is far beyond it.
const BOUND: Duration = Duration::from_secs(10);

fn nested_html(depth: usize) -> String {
    format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth))
}

fn nested_quotes(depth: usize) -> String {
    format!("{} deep\n", ">".repeat(depth))
}

fn nested_list(depth: usize) -> String {
    (0..depth)
        .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
        .collect()
}

/// Runs `request` while another client asks `/healthz` over and over: the bad request must finish
/// within [`BOUND`], and every health check within [`BOUND`] too (no worker or writer is held).
async fn while_serving<F>(server: &TestServer, request: F) -> anyhow::Result<Reply>
where
    F: Future<Output = anyhow::Result<Reply>>,
{
    let probe = server.client();
    let started = Instant::now();
    let mut request = std::pin::pin!(request);
    let mut probes = 0;
    let reply = loop {
        tokio::select! {
            reply = &mut request => break reply?,
            health = tokio::time::timeout(BOUND, probe.get("/healthz")) => {
                let health = health.map_err(|_| anyhow::anyhow!("the server stopped answering"))??;
                anyhow::ensure!(health.status == 200, "health: {}", health.status);
                probes += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        anyhow::ensure!(started.elapsed() < BOUND, "the request hung");
    };
    anyhow::ensure!(
        started.elapsed() < BOUND,
        "the request took {:?}",
        started.elapsed()
    );
    let _ = probes;
    Ok(reply)
}

fn refused(r: &Reply) -> bool {
    matches!(r.status, 413 | 422) && !r.code().is_empty()
}

async fn raw_post(c: &Client, path: &str, body: Vec<u8>) -> anyhow::Result<Reply> {
    c.send(
        c.http
            .post(c.url(path))
            .header("x-csrf-token", c.csrf.clone().unwrap_or_default())
            .body(body),
    )
    .await
}

#[tokio::test]
async fn pads_refuse_deep_imports_and_exports_quickly() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let guest = server.guest().await?;
    let pad = guest.post("/api/v1/pads", json!({})).await?;
    assert_eq!(pad.status, 201, "{:?}", pad.body);
    let id = pad.body["pad"]["id"].as_str().unwrap_or("").to_string();
    let import = |format: &str| format!("/api/v1/pads/{id}/import?format={format}");

    // The shape that used to abort the process: a few thousand nested elements from a guest.
    for html in [
        nested_html(5_000),
        "<blockquote>".repeat(5_000),
        "<b><i>".repeat(3_000),
    ] {
        let r = while_serving(
            &server,
            raw_post(&guest, &import("html"), html.into_bytes()),
        )
        .await?;
        assert!(refused(&r), "{} {:?}", r.status, r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&MAX.to_string())),
            "the message names the limit: {:?}",
            r.body
        );
    }
    // Just under the limit: converted.
    let r = raw_post(&guest, &import("html"), nested_html(MAX - 2).into_bytes()).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The size limit: one byte over is 413 naming it.
    let max_bytes = nichoir_core::limits::DEFAULT_MAX_RENDER_BYTES;
    let big = format!("<p>{}</p>", "a".repeat(max_bytes + 1 - 7));
    let r = while_serving(&server, raw_post(&guest, &import("html"), big.into_bytes())).await?;
    assert_eq!(
        (r.status, r.code()),
        (413, "payload_too_large"),
        "{:?}",
        r.body
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains(&max_bytes.to_string())));

    // Markdown import stores text as is; the HTML export renders it, and refuses it over the limit.
    let r = raw_post(&guest, &import("md"), nested_quotes(5_000).into_bytes()).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let export = format!("/api/v1/pads/{id}/export?format=html");
    let r = while_serving(&server, guest.get(&export)).await?;
    assert!(refused(&r), "{} {:?}", r.status, r.body);
    let r = raw_post(&guest, &import("md"), nested_list(MAX - 2).into_bytes()).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = guest.get(&export).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // Repetition is legal and linear.
    let r = raw_post(
        &guest,
        &import("md"),
        "# Same\n\n[[[[x]]]] *a _b\n\n".repeat(4_000).into_bytes(),
    )
    .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = while_serving(&server, guest.get(&export)).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // A .etherpad file nesting JSON deeply: serde_json's depth limit, on the work pool.
    let deep_json = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let r = while_serving(
        &server,
        raw_post(
            &guest,
            "/api/v1/pads/import-etherpad",
            deep_json.into_bytes(),
        ),
    )
    .await?;
    assert_eq!((r.status, r.code()), (400, "invalid_json"), "{:?}", r.body);
    Ok(())
}

async fn public_wiki(server: &TestServer, slug: &str) -> anyhow::Result<Client> {
    let ana = server.login_as("ana", false).await?;
    let r = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": slug, "title": "Open", "edit_policy": "anyone"}),
        )
        .await?;
    anyhow::ensure!(r.status == 201, "wiki: {} {:?}", r.status, r.body);
    Ok(ana)
}

#[tokio::test]
async fn wikis_refuse_deep_pages_and_render_repetition_linearly() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = public_wiki(&server, "open").await?;
    let anonymous = server.client();
    let preview =
        |text: String| anonymous.post("/api/v1/wikis/open/preview", json!({"text": text}));

    for text in [
        nested_quotes(MAX + 1),
        nested_list(MAX + 1),
        format!("x {}", "<span>".repeat(2 * MAX + 17)),
        nested_quotes(20_000),
    ] {
        let r = while_serving(&server, preview(text)).await?;
        assert!(refused(&r), "{} {:?}", r.status, r.body);
    }
    let r = preview(nested_quotes(MAX)).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = preview(nested_list(MAX)).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Shapes that were quadratic in our code: one heading repeated, unmatched "[[".
    let r = while_serving(&server, preview("# Same\n\n".repeat(8_000))).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["toc"].as_array().map(Vec::len), Some(8_000));
    assert_eq!(r.body["toc"][7_999]["id"], "same-8000");
    let r = while_serving(&server, preview("[[".repeat(50_000))).await?;
    assert_eq!(r.status, 200);

    // Saving: refused before anything is stored; the wiki keeps working.
    let save = |text: String| ana.put_json("/api/v1/wikis/open/pages/Deep", json!({"text": text}));
    let r = while_serving(&server, save(nested_quotes(5_000))).await?;
    assert!(refused(&r), "{} {:?}", r.status, r.body);
    assert_eq!(
        anonymous.get("/api/v1/wikis/open/pages/Deep").await?.status,
        404
    );
    let r = save(nested_list(MAX)).await?;
    assert!(r.status == 201 || r.status == 200, "{:?}", r.body);
    let page = anonymous.get("/api/v1/wikis/open/pages/Deep").await?;
    assert_eq!(page.status, 200);
    assert!(page.body["page"]["html"]
        .as_str()
        .is_some_and(|h| h.contains("<li>")));
    Ok(())
}

#[tokio::test]
async fn anonymous_renders_are_rate_limited_per_address() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.anonymous_renders_per_minute = 3)?;
    let ana = public_wiki(&server, "open").await?;
    let anonymous = server.client();
    for _ in 0..3 {
        let r = anonymous
            .post("/api/v1/wikis/open/preview", json!({"text": "# Hi"}))
            .await?;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let r = anonymous
        .post("/api/v1/wikis/open/preview", json!({"text": "# Hi"}))
        .await?;
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{:?}", r.body);
    assert!(r.headers.contains_key("retry-after"), "{:?}", r.headers);
    // A signed-in person answers for themselves and is not counted per address.
    let r = ana
        .post("/api/v1/wikis/open/preview", json!({"text": "# Hi"}))
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn chat_posts_and_imports_stay_bounded() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    let r = ana
        .post(
            "/api/v1/chat/teams",
            json!({"name": "deep", "display_name": "Deep"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let channels = ana.get("/api/v1/chat/teams/deep/channels").await?;
    let square = channels
        .body
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "town-square"))
        .and_then(|c| c["id"].as_str())
        .unwrap_or_default()
        .to_string();
    let posts = format!("/api/v1/chat/channels/{square}/posts");
    for text in [
        nested_quotes(3_000),
        format!("x {}", "<span>".repeat(1_000)),
    ] {
        let r = while_serving(&server, ana.post(&posts, json!({"text": text}))).await?;
        assert!(refused(&r), "{} {:?}", r.status, r.body);
    }
    let r = ana
        .post(&posts, json!({"text": nested_list(MAX - 1)}))
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = ana
        .post(&posts, json!({"text": "# a\n\n".repeat(500)}))
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // An import keeps a message the renderer refuses, as escaped text.
    let lines: Vec<Value> = vec![
        json!({"type": "version", "version": 1}),
        json!({"type": "channel", "channel": {"team": "deep", "name": "old", "display_name": "Old", "type": "O"}}),
        json!({"type": "post", "post": {"team": "deep", "channel": "old", "user": "ana",
            "message": nested_quotes(3_000), "create_at": 1_700_000_000_000i64}}),
        json!({"type": "post", "post": {"team": "deep", "channel": "old", "user": "ana",
            "message": "fine *text*", "create_at": 1_700_000_001_000i64}}),
    ];
    let body = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let r = while_serving(
        &server,
        raw_post(
            &ana,
            "/api/v1/chat/teams/deep/import/mattermost",
            body.into_bytes(),
        ),
    )
    .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["posts"], 2, "the refused message is kept, escaped");
    // Deep JSON lines stop at serde_json's depth limit with a 4xx.
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let r = while_serving(
        &server,
        raw_post(
            &ana,
            "/api/v1/chat/teams/deep/import/mattermost",
            deep.clone().into_bytes(),
        ),
    )
    .await?;
    assert!((400..500).contains(&r.status), "{} {:?}", r.status, r.body);
    let r = while_serving(
        &server,
        raw_post(
            &ana,
            "/api/v1/chat/teams/deep/import/slack",
            deep.into_bytes(),
        ),
    )
    .await?;
    assert!((400..500).contains(&r.status), "{} {:?}", r.status, r.body);
    Ok(())
}

#[tokio::test]
async fn poll_descriptions_are_checked_when_saved() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.guest().await?;
    let poll = |description: String| {
        json!({"kind": "classic", "title": "Deep", "description": description,
            "author_name": "Ana", "options": [{"label": "a"}, {"label": "b"}]})
    };
    let r = while_serving(&server, c.post("/api/v1/polls", poll(nested_quotes(5_000)))).await?;
    assert!(refused(&r), "{} {:?}", r.status, r.body);
    let r = c.post("/api/v1/polls", poll(nested_list(20))).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["poll"]["id"].as_str().unwrap_or("").to_string();
    let view = c.get(&format!("/api/v1/polls/{id}")).await?;
    assert!(view.body["poll"]["description_html"]
        .as_str()
        .is_some_and(|h| h.contains("<li>")));
    Ok(())
}

#[tokio::test]
async fn a_wiki_archive_with_a_deep_page_is_refused() -> anyhow::Result<()> {
    use std::io::{Read, Write};

    let server = TestServer::start()?;
    let ana = public_wiki(&server, "source").await?;
    let r = ana
        .put_json(
            "/api/v1/wikis/source/pages/Notes",
            json!({"text": "# Notes"}),
        )
        .await?;
    assert!(r.status < 300, "{:?}", r.body);
    let zip = ana.get("/api/v1/wikis/source/export.zip").await?;
    assert_eq!(zip.status, 200);

    // The same archive with every revision of every page made deep.
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes.clone()))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let mut entry = source.by_index(i)?;
        let name = entry.name()?.to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        if name.starts_with("history/") {
            let mut history: Value = serde_json::from_slice(&bytes)?;
            if let Some(revs) = history["revisions"].as_array_mut() {
                for rev in revs {
                    rev["text"] = json!(nested_quotes(3_000));
                }
            }
            bytes = serde_json::to_vec(&history)?;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())?;
        out.write_all(&bytes)?;
    }
    let deep = out.finish()?.into_inner();
    let r = while_serving(
        &server,
        raw_post(&ana, "/api/v1/wikis/import?slug=copy&title=Copy", deep),
    )
    .await?;
    assert!(refused(&r), "{} {:?}", r.status, r.body);
    let r = raw_post(
        &ana,
        "/api/v1/wikis/import?slug=copy2&title=Copy",
        zip.bytes.clone(),
    )
    .await?;
    assert_eq!(r.status, 201, "the untouched archive imports: {:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn merges_and_diffs_of_rewritten_pages_stay_bounded() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = public_wiki(&server, "open").await?;
    let lines = |n: usize, k: usize| -> String {
        (0..n).map(|i| format!("{}\n", (i * k + 1) % 13)).collect()
    };
    let page = "/api/v1/wikis/open/pages/Long";
    let r = ana.put_json(page, json!({"text": lines(8_000, 1)})).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = ana
        .put_json(page, json!({"text": lines(8_000, 3), "base_rev": 1}))
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // An edit of revision 1 rewriting every line: merging it inside the writer took minutes.
    let r = while_serving(
        &server,
        ana.put_json(page, json!({"text": lines(8_000, 5), "base_rev": 1})),
    )
    .await?;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = while_serving(&server, ana.get(&format!("{page}/diff?from=1&to=2"))).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn cached_menus_and_revisions_follow_the_pages_that_exist() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = public_wiki(&server, "open").await?;
    let r = ana
        .patch("/api/v1/wikis/open", json!({"menu": "[[Later]]"}))
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let menu = || async {
        let r = ana.get("/api/v1/wikis/open").await?;
        anyhow::Ok(r.body["menu_html"].as_str().unwrap_or_default().to_string())
    };
    let before = menu().await?;
    assert!(before.contains("missing"), "{before}");
    assert_eq!(menu().await?, before, "the same render, from the cache");
    let r = ana
        .put_json(
            "/api/v1/wikis/open/pages/Later",
            json!({"text": "[[Nowhere]]"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let after = menu().await?;
    assert!(!after.contains("missing"), "the page now exists: {after}");

    let revision = "/api/v1/wikis/open/pages/Later/revisions/1";
    let html = |r: Reply| r.body["html"].as_str().unwrap_or_default().to_string();
    assert!(html(ana.get(revision).await?).contains("missing"));
    let r = ana
        .put_json("/api/v1/wikis/open/pages/Nowhere", json!({"text": "here"}))
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(!html(ana.get(revision).await?).contains("missing"));
    Ok(())
}
