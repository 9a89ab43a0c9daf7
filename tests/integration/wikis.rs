//! Wikis over HTTP, as a YesWiki farm is used: create from a template, the permission matrix,
//! edits merged three-way or refused as conflicts, history, diff, revert, rename with redirects,
//! backlinks, delete/restore, search (never leaking private wikis), the Atom feed, bad input.

use nichoir_testkit::{Client, TestServer};
use serde_json::{json, Value};

async fn user(server: &TestServer, name: &str, admin: bool) -> anyhow::Result<Client> {
    server.login_as(name, admin).await
}

async fn create(c: &Client, body: Value) -> anyhow::Result<Value> {
    let r = c.post("/api/v1/wikis", body).await?;
    anyhow::ensure!(r.status == 201, "create wiki: {} {:?}", r.status, r.body);
    Ok(r.body)
}

fn page_url(slug: &str, name: &str) -> String {
    format!("/api/v1/wikis/{slug}/pages/{}", name.replace(' ', "_"))
}

async fn save(
    c: &Client,
    slug: &str,
    name: &str,
    text: &str,
    base: Option<i64>,
) -> anyhow::Result<nichoir_testkit::Reply> {
    c.put_json(
        &page_url(slug, name),
        json!({"text": text, "base_rev": base, "summary": "test"}),
    )
    .await
}

#[tokio::test]
async fn a_wiki_from_a_template_with_linked_pages_and_a_directory() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    let w = create(&ana, json!({"slug": "fete-du-quartier", "title": "Fête du quartier", "template": "event", "lang": "fr"})).await?;
    assert_eq!(w["my_role"], "admin");
    assert_eq!(w["can_admin"], true);
    let home = w["home_page"].as_str().unwrap_or("").to_string();
    assert!(!home.is_empty());
    let pages = ana.get("/api/v1/wikis/fete-du-quartier/pages").await?;
    assert!(
        pages.body.as_array().map_or(0, Vec::len) >= 4,
        "starter pages: {:?}",
        pages.body
    );
    let anon = server.client();
    let p = anon.get(&page_url("fete-du-quartier", &home)).await?;
    assert_eq!(p.status, 200, "{:?}", p.body);
    let html = p.body["page"]["html"].as_str().unwrap_or("");
    assert!(
        html.contains("class=\"wikilink\""),
        "template pages link to each other: {html}"
    );
    assert!(
        !html.contains("missing"),
        "every template link exists: {html}"
    );
    assert_eq!(
        p.body["can_edit"], false,
        "anonymous visitors cannot edit a users-only wiki"
    );

    let dir = anon.get("/api/v1/wikis?q=quartier").await?;
    assert_eq!(dir.body[0]["slug"], "fete-du-quartier");
    assert_eq!(
        anon.get("/api/v1/wikis?q=nothing-like-it").await?.body,
        json!([])
    );

    // Slugs: taken, reserved, malformed.
    let r = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": "fete-du-quartier", "title": "x"}),
        )
        .await?;
    assert_eq!((r.status, r.code()), (409, "conflict"));
    for slug in ["api", "new", "a", "Fête", "x/y", "-x", "../x"] {
        let r = ana
            .post("/api/v1/wikis", json!({"slug": slug, "title": "x"}))
            .await?;
        assert_eq!(r.status, 422, "{slug}: {:?}", r.body);
    }
    let r = ana
        .post(
            "/api/v1/wikis",
            json!({"slug": "ok-slug", "title": "x", "template": "nope"}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let guest = server.guest().await?;
    assert_eq!(
        guest
            .post("/api/v1/wikis", json!({"slug": "guest-wiki", "title": "x"}))
            .await?
            .status,
        401
    );
    let mine = ana.get("/api/v1/me/wikis").await?;
    assert_eq!(mine.body[0]["role"], "admin");
    Ok(())
}

/// Visibility × edit policy × role, over HTTP.
#[tokio::test]
async fn the_permission_matrix() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let owner = user(&server, "owner", false).await?;
    server
        .create_user("eddy", "password-of-eddy", false)
        .await?;
    let mut editor = server.client();
    editor.login("eddy", "password-of-eddy").await?;
    let member = user(&server, "mia", false).await?;
    let guest = server.guest().await?;
    let anon = server.client();
    let root = user(&server, "root", true).await?;
    let mut n = 0;
    for vis in ["public", "members", "private"] {
        for pol in ["anyone", "users", "editors"] {
            n += 1;
            let slug = format!("matrix-{n}");
            create(
                &owner,
                json!({"slug": slug, "title": "M", "visibility": vis, "edit_policy": pol}),
            )
            .await?;
            let r = owner
                .put_json(
                    &format!("/api/v1/wikis/{slug}/members/eddy"),
                    json!({"role": "editor"}),
                )
                .await?;
            assert_eq!(r.status, 204, "{:?}", r.body);
            let people: [(&str, &Client, bool, bool); 6] = [
                ("anonymous", &anon, false, false),
                ("guest", &guest, false, false),
                ("member", &member, true, false),
                ("editor", &editor, true, true),
                ("owner", &owner, true, true),
                ("instance admin", &root, true, true),
            ];
            for (who, c, user, role) in people {
                let staff = role;
                let view = staff || vis == "public" || (vis == "members" && user);
                let edit = view && (staff || pol == "anyone" || (pol == "users" && user));
                let r = c.get(&page_url(&slug, "Home")).await?;
                let expect_view = if view {
                    200
                } else if vis == "private" {
                    404
                } else {
                    403
                };
                assert_eq!(
                    r.status, expect_view,
                    "{vis}/{pol} {who} view: {:?}",
                    r.body
                );
                let r = save(c, &slug, &format!("By {who}"), "hello", None).await?;
                // Without any identity (not even a guest cookie) nothing can be written.
                let expect_edit = if who == "anonymous" {
                    401
                } else if edit {
                    201
                } else if !view && vis == "private" {
                    404
                } else {
                    403
                };
                assert_eq!(
                    r.status, expect_edit,
                    "{vis}/{pol} {who} edit: {:?}",
                    r.body
                );
                // Search never shows what one may not read.
                let s = c
                    .get(&format!("/api/v1/wikis/{slug}/search?q=hello"))
                    .await?;
                assert_eq!(
                    s.status == 200,
                    view,
                    "{vis}/{pol} {who} search: {}",
                    s.status
                );
            }
        }
    }
    // Only public wikis are found from outside.
    let all = anon.get("/api/v1/wiki-search?q=hello").await?;
    for hit in all.body.as_array().cloned().unwrap_or_default() {
        let slug = hit["wiki"].as_str().unwrap_or("");
        let n: usize = slug.trim_start_matches("matrix-").parse().unwrap_or(99);
        assert!(
            n <= 3,
            "a non-public wiki leaked into the cross-wiki search: {hit}"
        );
    }
    assert!(all.body.as_array().is_some_and(|a| !a.is_empty()));
    // Feeds and page lists of a private wiki are as closed as its pages.
    assert_eq!(
        anon.get("/api/v1/wikis/matrix-7/feed.atom").await?.status,
        404
    );
    assert_eq!(anon.get("/api/v1/wikis/matrix-7/pages").await?.status, 404);
    assert_eq!(
        anon.get("/api/v1/wikis/matrix-4/changes").await?.status,
        403
    );
    Ok(())
}

#[tokio::test]
async fn edits_merge_three_way_or_conflict_and_nothing_is_lost() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    create(
        &ana,
        json!({"slug": "merge", "title": "Merge", "edit_policy": "users"}),
    )
    .await?;
    let bob = user(&server, "bob", false).await?;
    let base = "line one\nline two\nline three\nline four\nline five\n";
    assert_eq!(save(&ana, "merge", "Notes", base, None).await?.status, 201);
    let r = save(&bob, "merge", "Notes", "again", None).await?;
    assert_eq!(
        r.status, 409,
        "creating an existing page is a conflict, not an overwrite: {:?}",
        r.body
    );
    // Both start from rev 1; Ana changes line one, Bob line five.
    let r = save(
        &ana,
        "merge",
        "Notes",
        &base.replace("line one", "LINE ONE"),
        Some(1),
    )
    .await?;
    assert_eq!((r.status, r.body["rev"].as_i64()), (200, Some(2)));
    let r = save(
        &bob,
        "merge",
        "Notes",
        &base.replace("line five", "LINE FIVE"),
        Some(1),
    )
    .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["merged"], true);
    let p = ana.get(&page_url("merge", "Notes")).await?;
    assert_eq!(
        p.body["text"],
        base.replace("line one", "LINE ONE")
            .replace("line five", "LINE FIVE")
    );
    // Both change line three from rev 3: the second gets the conflict, nothing is stored.
    let cur = p.body["page"]["rev"].as_i64().unwrap_or(0);
    let text = p.body["text"].as_str().unwrap_or("").to_string();
    assert_eq!(
        save(
            &ana,
            "merge",
            "Notes",
            &text.replace("line three", "Ana's three"),
            Some(cur)
        )
        .await?
        .status,
        200
    );
    let r = save(
        &bob,
        "merge",
        "Notes",
        &text.replace("line three", "Bob's three"),
        Some(cur),
    )
    .await?;
    assert_eq!((r.status, r.code()), (409, "conflict"), "{:?}", r.body);
    let markers = r.body["conflict"]["text"].as_str().unwrap_or("");
    assert!(
        markers.contains("Ana's three")
            && markers.contains("Bob's three")
            && markers.contains("<<<<<<<"),
        "{markers}"
    );
    assert_eq!(r.body["conflict"]["rev"], cur + 1);
    let p = ana.get(&page_url("merge", "Notes")).await?;
    assert!(p.body["text"]
        .as_str()
        .unwrap_or("")
        .contains("Ana's three"));
    assert!(
        !p.body["text"].as_str().unwrap_or("").contains("Bob's"),
        "the conflicting edit stored nothing"
    );
    // A base revision from the future is refused.
    assert_eq!(
        save(&bob, "merge", "Notes", "x", Some(99)).await?.status,
        422
    );
    Ok(())
}

#[tokio::test]
async fn history_diff_revert_rename_backlinks_delete_restore_and_feed() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    create(&ana, json!({"slug": "docs", "title": "Docs"})).await?;
    save(
        &ana,
        "docs",
        "Start",
        "Welcome. See [[Guide]] and [[Missing page|this]].",
        None,
    )
    .await?;
    let home = ana.get(&page_url("docs", "Start")).await?;
    let html = home.body["page"]["html"].as_str().unwrap_or("").to_string();
    assert!(
        html.contains("wikilink missing"),
        "Guide does not exist yet: {html}"
    );
    save(
        &ana,
        "docs",
        "Guide",
        "# Install\n\nstep one\n\n## Run\n\nstep two\n",
        None,
    )
    .await?;
    let home = ana.get(&page_url("docs", "Start")).await?;
    let html = home.body["page"]["html"].as_str().unwrap_or("").to_string();
    assert!(
        html.contains("href=\"/w/docs/Guide\" class=\"wikilink\"")
            || html.contains("class=\"wikilink\" href=\"/w/docs/Guide\""),
        "creating Guide turns its links into existing ones: {html}"
    );
    let guide = ana.get(&page_url("docs", "Guide")).await?;
    assert_eq!(guide.body["page"]["toc"][0]["text"], "Install");
    assert_eq!(guide.body["page"]["toc"][1]["level"], 2);
    save(
        &ana,
        "docs",
        "Guide",
        "# Install\n\nstep one, carefully\n\n## Run\n\nstep two\n",
        Some(1),
    )
    .await?;

    let h = ana
        .get(&format!("{}/history", page_url("docs", "Guide")))
        .await?;
    assert_eq!(h.body["revisions"].as_array().map(Vec::len), Some(2));
    assert_eq!(h.body["revisions"][0]["rev"], 2);
    assert_eq!(
        h.body["revisions"][0]["author_name"], "ANA",
        "the display name"
    );
    let d = ana
        .get(&format!("{}/diff?from=1&to=2", page_url("docs", "Guide")))
        .await?;
    assert_eq!(d.status, 200, "{:?}", d.body);
    assert_eq!(d.body["diff"]["added"], 1);
    assert_eq!(d.body["diff"]["removed"], 1);
    let r1 = ana
        .get(&format!("{}/revisions/1", page_url("docs", "Guide")))
        .await?;
    assert!(r1.body["text"]
        .as_str()
        .unwrap_or("")
        .contains("step one\n"));
    let r = ana
        .post(
            &format!("{}/revert", page_url("docs", "Guide")),
            json!({"rev": 1}),
        )
        .await?;
    assert_eq!(r.body["rev"], 3);
    assert_eq!(
        ana.get(&page_url("docs", "Guide")).await?.body["text"],
        "# Install\n\nstep one\n\n## Run\n\nstep two\n"
    );

    let b = ana
        .get(&format!("{}/backlinks", page_url("docs", "Guide")))
        .await?;
    assert_eq!(b.body[0]["name"], "Start");

    // Rename: the old name redirects; a page named like the new one blocks it.
    let r = ana
        .post(
            &format!("{}/rename", page_url("docs", "Guide")),
            json!({"name": "User guide"}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let old = ana.get(&page_url("docs", "Guide")).await?;
    assert_eq!(old.status, 200);
    assert_eq!(old.body["page"]["name"], "User guide");
    assert_eq!(old.body["redirected_from"], "Guide");
    save(&ana, "docs", "Other", "x", None).await?;
    let r = ana
        .post(
            &format!("{}/rename", page_url("docs", "Other")),
            json!({"name": "User guide"}),
        )
        .await?;
    assert_eq!(r.status, 409);

    // Delete and restore.
    assert_eq!(
        ana.delete(&page_url("docs", "User guide")).await?.status,
        204
    );
    assert_eq!(ana.get(&page_url("docs", "User guide")).await?.status, 404);
    let home = ana.get(&page_url("docs", "Start")).await?;
    assert!(home.body["page"]["html"]
        .as_str()
        .unwrap_or("")
        .contains("missing"));
    let r = ana
        .post(
            &format!("{}/restore", page_url("docs", "User guide")),
            json!({}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        ana.get(&page_url("docs", "User guide")).await?.body["text"],
        "# Install\n\nstep one\n\n## Run\n\nstep two\n"
    );

    // Recent changes, filters, and the Atom feed.
    let ch = ana
        .get("/api/v1/wikis/docs/changes?page=User_guide")
        .await?;
    assert!(ch.body.as_array().map_or(0, Vec::len) >= 5, "{:?}", ch.body);
    let ch = ana.get("/api/v1/wikis/docs/changes?author=nobody").await?;
    assert_eq!(ch.body, json!([]));
    let feed = server.client().get("/api/v1/wikis/docs/feed.atom").await?;
    assert_eq!(feed.status, 200);
    assert!(feed.headers["content-type"]
        .to_str()?
        .starts_with("application/atom+xml"));
    let xml = String::from_utf8(feed.bytes.clone())?;
    assert!(xml.contains("<feed") && xml.contains("User guide"), "{xml}");

    // Search within the wiki.
    let s = ana.get("/api/v1/wikis/docs/search?q=carefu").await?;
    assert_eq!(s.body, json!([]), "reverted text is no longer current");
    let s = ana.get("/api/v1/wikis/docs/search?q=step").await?;
    assert_eq!(s.body[0]["page"], "User guide");
    Ok(())
}

#[tokio::test]
async fn bad_input_is_refused_and_content_is_sanitised() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.wikis.anonymous_edits_per_hour = 3)?;
    let ana = user(&server, "ana", false).await?;
    create(
        &ana,
        json!({"slug": "open", "title": "Open", "edit_policy": "anyone"}),
    )
    .await?;
    let r = save(&ana, "open", "Evil", "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1)) ![t](https://tracker.example/p.gif)", None).await?;
    assert_eq!(r.status, 201);
    let html = ana.get(&page_url("open", "Evil")).await?.body["page"]["html"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // Raw HTML is kept as visible text at most; no element, handler or script link survives.
    for bad in ["<script", "<img", "onerror=\"", "href=\"javascript"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    for name in ["a%2Fb", "..", "a..b%2F", "%5B%5Bx%5D%5D"] {
        let r = ana
            .put_json(
                &format!("/api/v1/wikis/open/pages/{name}"),
                json!({"text": "x"}),
            )
            .await?;
        assert!(
            r.status == 422 || r.status == 404,
            "{name}: {} {:?}",
            r.status,
            r.body
        );
    }
    let r = ana
        .put_json(
            &page_url("open", "Spam"),
            json!({"text": "buy", "website": "http://spam.example"}),
        )
        .await?;
    assert_eq!(r.status, 422, "the honeypot field: {:?}", r.body);
    let r = save(&ana, "open", "Huge", &"x".repeat(200_001), None).await?;
    assert_eq!(r.status, 413);
    assert_eq!(
        ana.get(&page_url("open", "Spam")).await?.status,
        404,
        "nothing stored"
    );
    // Anonymous (guest) edits are throttled per address.
    let g = server.guest().await?;
    for i in 0..3 {
        assert_eq!(
            save(&g, "open", &format!("Anon {i}"), "hi", None)
                .await?
                .status,
            201
        );
    }
    let r = save(&g, "open", "Anon 4", "hi", None).await?;
    assert_eq!((r.status, r.code()), (429, "rate_limited"));
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(
        save(&ana, "open", "Signed in", "hi", None).await?.status,
        201,
        "accounts are not throttled"
    );
    let r = ana
        .patch("/api/v1/wikis/open", json!({"theme_color": "javascript:x"}))
        .await?;
    assert_eq!(r.status, 422);
    let r = ana
        .patch("/api/v1/wikis/open", json!({"home_page": "../etc"}))
        .await?;
    assert_eq!(r.status, 422);
    assert_eq!(
        g.patch("/api/v1/wikis/open", json!({"title": "mine"}))
            .await?
            .status,
        401
    );
    Ok(())
}

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];

async fn upload(
    c: &Client,
    slug: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> anyhow::Result<nichoir_testkit::Reply> {
    let url = c.url(&format!(
        "/api/v1/wikis/{slug}/files?name={}",
        name.replace(' ', "%20").replace('/', "%2F")
    ));
    let mut req = c
        .http
        .post(url)
        .header("content-type", content_type)
        .body(bytes.to_vec());
    if let Some(t) = &c.csrf {
        req = req.header("x-csrf-token", t);
    }
    c.send(req).await
}

#[tokio::test]
async fn attachments_are_checked_and_served_with_the_wiki_rights() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.uploads.max_file_bytes = 1_000)?;
    let ana = user(&server, "ana", false).await?;
    create(&ana, json!({"slug": "docs", "title": "Docs"})).await?;
    create(
        &ana,
        json!({"slug": "secret", "title": "Secret", "visibility": "private"}),
    )
    .await?;
    let r = upload(&ana, "docs", "logo image.png", "image/png", PNG).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let url = r.body["url"].as_str().unwrap_or("").to_string();
    assert_eq!(url, "/w/docs/_files/logo%20image.png");
    let got = server.client().get(&url).await?;
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, PNG);
    assert_eq!(got.headers["content-type"], "image/png");
    // A page may show its own attachments (and nothing from elsewhere).
    save(
        &ana,
        "docs",
        "Logo",
        "![logo](/w/docs/_files/logo%20image.png)",
        None,
    )
    .await?;
    let html = ana.get(&page_url("docs", "Logo")).await?.body["page"]["html"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(html.contains("<img"), "{html}");

    let refused = [
        ("fake.png", "image/png", b"not a png at all".to_vec(), 415),
        (
            "page.html",
            "text/html",
            b"<script>alert(1)</script>".to_vec(),
            415,
        ),
        (
            "x.svg",
            "image/svg+xml",
            b"<svg onload=alert(1)></svg>".to_vec(),
            415,
        ),
        ("../../x", "text/plain", b"x".to_vec(), 422),
        ("big.txt", "text/plain", vec![b'a'; 1_001], 413),
    ];
    for (name, ct, bytes, status) in refused {
        let r = upload(&ana, "docs", name, ct, &bytes).await?;
        assert_eq!(r.status, status, "{name}: {:?}", r.body);
    }
    assert_eq!(
        ana.get("/api/v1/wikis/docs/files")
            .await?
            .body
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing refused was stored"
    );
    let guest = server.guest().await?;
    assert_eq!(
        upload(&guest, "docs", "g.txt", "text/plain", b"hi")
            .await?
            .status,
        403,
        "only editors upload here"
    );

    // A private wiki's attachments are not reachable by outsiders.
    let r = upload(&ana, "secret", "plan.txt", "text/plain", b"the secret plan").await?;
    assert_eq!(r.status, 201);
    assert_eq!(
        server
            .client()
            .get("/w/secret/_files/plan.txt")
            .await?
            .status,
        404
    );
    assert_eq!(
        user(&server, "bob", false)
            .await?
            .get("/w/secret/_files/plan.txt")
            .await?
            .status,
        404
    );
    assert_eq!(
        ana.get("/w/secret/_files/plan.txt").await?.bytes,
        b"the secret plan"
    );
    assert_eq!(
        ana.delete("/api/v1/wikis/secret/files/plan.txt")
            .await?
            .status,
        204
    );
    assert_eq!(ana.get("/w/secret/_files/plan.txt").await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn comments_page_rules_lock_and_watches_with_mail() -> anyhow::Result<()> {
    let sink = nichoir_testkit::MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| crate::support::mail_to_sink(c, port))?;
    let ana = user(&server, "ana", false).await?;
    create(
        &ana,
        json!({"slug": "club", "title": "Club", "edit_policy": "anyone"}),
    )
    .await?;
    save(&ana, "club", "Rules", "Be kind.", None).await?;
    // Bob watches the page; his address gets the diff.
    server.create_user("bob", "password-of-bob", false).await?;
    let mut bob = server.client();
    bob.login("bob", "password-of-bob").await?;
    assert_eq!(
        bob.patch("/api/v1/me", json!({"email": "bob@example.org"}))
            .await?
            .status,
        200
    );
    // Only a confirmed address gets watch mail: Bob follows his confirmation link.
    let confirmation = sink
        .wait_for(1, std::time::Duration::from_secs(20))
        .await
        .first()
        .map(|m| crate::support::unquote(&m.data))
        .unwrap_or_default();
    let token: String = confirmation
        .split("/confirm-email#")
        .nth(1)
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(
        bob.post("/api/v1/auth/confirm-email", json!({"token": token}))
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.put_json(&format!("{}/watch", page_url("club", "Rules")), json!({}))
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.get(&page_url("club", "Rules")).await?.body["watching"],
        true
    );
    let r = save(&ana, "club", "Rules", "Be kind.\nBe on time.", Some(1)).await?;
    assert_eq!(r.status, 200);
    let n = bob.get("/api/v1/me/wiki-notifications").await?;
    assert_eq!(n.body[0]["page"], "Rules");
    assert_eq!(n.body[0]["read"], false);
    assert!(
        n.body[0]["diff"]
            .as_str()
            .unwrap_or("")
            .contains("+Be on time."),
        "{:?}",
        n.body
    );
    // Bob's new address got its confirmation link first; then the page's change.
    let mails: Vec<_> = sink
        .wait_for(2, std::time::Duration::from_secs(20))
        .await
        .into_iter()
        .filter(|m| !m.data.contains("Confirm your e-mail address"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<bob@example.org>".to_string()]);
    assert_eq!(
        bob.post("/api/v1/me/wiki-notifications/read", json!({"all": true}))
            .await?
            .status,
        204
    );
    assert_eq!(
        bob.get("/api/v1/me/wiki-notifications").await?.body[0]["read"],
        true
    );
    // Bob's own edits do not notify Bob.
    save(
        &bob,
        "club",
        "Rules",
        "Be kind.\nBe on time.\nBring cake.",
        Some(2),
    )
    .await?;
    assert_eq!(
        bob.get("/api/v1/me/wiki-notifications")
            .await?
            .body
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Comments, with the honeypot, deletion by author or admin, and the switch.
    let g = server.guest().await?;
    let r = g
        .post(
            &format!("{}/comments", page_url("club", "Rules")),
            json!({"text": "<b>Nice</b> rules"}),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let cid = r.body["id"].as_i64().unwrap_or(0);
    let r = g
        .post(
            &format!("{}/comments", page_url("club", "Rules")),
            json!({"text": "spam", "website": "x"}),
        )
        .await?;
    assert_eq!(r.status, 422);
    let list = ana
        .get(&format!("{}/comments", page_url("club", "Rules")))
        .await?;
    assert_eq!(list.body[0]["text"], "<b>Nice</b> rules");
    assert_eq!(list.body[0]["deletable"], true, "the wiki admin may delete");
    assert_eq!(
        bob.delete(&format!("/api/v1/wikis/club/comments/{cid}"))
            .await?
            .status,
        403
    );
    assert_eq!(
        g.delete(&format!("/api/v1/wikis/club/comments/{cid}"))
            .await?
            .status,
        204
    );
    ana.patch("/api/v1/wikis/club", json!({"comments_enabled": false}))
        .await?;
    assert_eq!(
        g.post(
            &format!("{}/comments", page_url("club", "Rules")),
            json!({"text": "hello"})
        )
        .await?
        .status,
        403
    );

    // A page only editors may change, then one only editors may read.
    let r = ana
        .put_json(
            &format!("{}/rules", page_url("club", "Rules")),
            json!({"view": "inherit", "edit": "editors"}),
        )
        .await?;
    assert_eq!(r.status, 204);
    assert_eq!(
        save(&g, "club", "Rules", "vandalised", Some(3))
            .await?
            .status,
        403
    );
    assert_eq!(
        bob.put_json(
            &format!("{}/rules", page_url("club", "Rules")),
            json!({"view": "editors", "edit": "editors"})
        )
        .await?
        .status,
        403
    );
    ana.put_json(
        &format!("{}/rules", page_url("club", "Rules")),
        json!({"view": "editors", "edit": "editors"}),
    )
    .await?;
    // Hidden from them, it answers as a missing page would: nothing tells it exists.
    assert_eq!(g.get(&page_url("club", "Rules")).await?.status, 404);
    assert_eq!(
        g.get("/api/v1/wikis/club/search?q=cake").await?.body,
        json!([]),
        "a private page is not found by search"
    );
    assert_eq!(
        ana.get("/api/v1/wikis/club/search?q=cake").await?.body[0]["page"],
        "Rules"
    );

    // An instance admin locks the wiki: read-only, even for its admin.
    let root = user(&server, "root", true).await?;
    assert_eq!(
        ana.put_json("/api/v1/wikis/club/lock", json!({"locked": true}))
            .await?
            .status,
        403
    );
    assert_eq!(
        root.put_json("/api/v1/wikis/club/lock", json!({"locked": true}))
            .await?
            .status,
        204
    );
    assert_eq!(save(&ana, "club", "New", "x", None).await?.status, 403);
    assert_eq!(
        ana.patch("/api/v1/wikis/club", json!({"title": "x"}))
            .await?
            .status,
        403
    );
    assert_eq!(root.delete("/api/v1/wikis/club").await?.status, 204);
    assert_eq!(ana.get("/api/v1/wikis/club").await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn export_then_import_keeps_pages_histories_and_files() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    create(
        &ana,
        json!({"slug": "source", "title": "Source", "template": "project"}),
    )
    .await?;
    save(&ana, "source", "Notes", "first", None).await?;
    save(&ana, "source", "Notes", "first\nsecond", Some(1)).await?;
    save(
        &ana,
        "source",
        "Notes",
        "first\nsecond\nthird [[Home]]",
        Some(2),
    )
    .await?;
    assert_eq!(
        upload(&ana, "source", "logo.png", "image/png", PNG)
            .await?
            .status,
        201
    );
    // A public wiki open to search engines: the copy is too.
    assert_eq!(
        ana.patch("/api/v1/wikis/source", json!({"search_indexable": true}))
            .await?
            .body["search_indexable"],
        true
    );
    let bob = user(&server, "bob", false).await?;
    assert_eq!(
        bob.get("/api/v1/wikis/source/export.zip").await?.status,
        403,
        "only its admins export a wiki"
    );
    let zip = ana.get("/api/v1/wikis/source/export.zip").await?;
    assert_eq!(zip.status, 200);
    assert_eq!(zip.headers["content-type"], "application/zip");

    let r = ana
        .send(
            ana.http
                .post(ana.url("/api/v1/wikis/import?slug=copy&title=Copy"))
                .header("x-csrf-token", ana.csrf.clone().unwrap_or_default())
                .body(zip.bytes.clone()),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["my_role"], "admin");
    assert_eq!(r.body["visibility"], "public");
    assert_eq!(r.body["search_indexable"], true);
    let robots = server.client().get("/robots.txt").await?;
    let robots = String::from_utf8_lossy(&robots.bytes).to_string();
    assert!(robots.contains("Allow: /w/copy/"), "{robots}");

    // An archive from before the wiki's visibility and indexing were kept: a private wiki that
    // no search engine may index.
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes.clone()))?;
    let mut old = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let mut entry = source.by_index(i)?;
        let name = entry.name()?.to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes)?;
        if name == "wiki.json" {
            let mut manifest: Value = serde_json::from_slice(&bytes)?;
            if let Some(m) = manifest.as_object_mut() {
                assert!(m.remove("visibility").is_some() && m.remove("search_indexable").is_some());
            }
            bytes = serde_json::to_vec(&manifest)?;
        }
        old.start_file(name, zip::write::SimpleFileOptions::default())?;
        std::io::Write::write_all(&mut old, &bytes)?;
    }
    let old = old.finish()?.into_inner();
    let r = ana
        .send(
            ana.http
                .post(ana.url("/api/v1/wikis/import?slug=older&title=Older"))
                .header("x-csrf-token", ana.csrf.clone().unwrap_or_default())
                .body(old),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["visibility"], "private");
    assert_eq!(r.body["search_indexable"], false);
    let list = |slug: &'static str| {
        let ana = &ana;
        async move {
            let mut names: Vec<String> = ana
                .get(&format!("/api/v1/wikis/{slug}/pages"))
                .await?
                .body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            names.sort();
            anyhow::Ok(names)
        }
    };
    assert_eq!(list("source").await?, list("copy").await?);
    let h1 = ana
        .get(&format!("{}/history", page_url("source", "Notes")))
        .await?;
    let h2 = ana
        .get(&format!("{}/history", page_url("copy", "Notes")))
        .await?;
    let strip = |v: &Value| -> Vec<(Value, Value)> {
        v["revisions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| (r["rev"].clone(), r["created_at"].clone()))
            .collect()
    };
    assert_eq!(
        strip(&h1.body),
        strip(&h2.body),
        "same revisions with the same dates"
    );
    assert_eq!(
        ana.get(&format!("{}/revisions/2", page_url("copy", "Notes")))
            .await?
            .body["text"],
        "first\nsecond"
    );
    assert_eq!(ana.get("/w/copy/_files/logo.png").await?.bytes, PNG);
    let html = ana.get(&page_url("copy", "Notes")).await?.body["page"]["html"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        html.contains("href=\"/w/copy/Home\""),
        "links point into the new wiki: {html}"
    );

    // Refusals: taken slug, not a zip, a zip with a path escaping its folder.
    let post = |slug: &str, body: Vec<u8>| {
        ana.send(
            ana.http
                .post(ana.url(&format!("/api/v1/wikis/import?slug={slug}")))
                .header("x-csrf-token", ana.csrf.clone().unwrap_or_default())
                .body(body),
        )
    };
    assert_eq!(post("copy", zip.bytes.clone()).await?.status, 409);
    assert_eq!(post("junk", b"not a zip".to_vec()).await?.status, 422);
    assert_eq!(
        ana.get("/api/v1/wikis/junk").await?.status,
        404,
        "nothing stored"
    );
    Ok(())
}

/// Watch mail goes to confirmed addresses only, by the rule every unasked mail follows
/// (`User::mail_address`): an address nobody confirmed may be anyone's, typed by someone else.
#[tokio::test]
async fn watch_mail_goes_to_confirmed_addresses_only() -> anyhow::Result<()> {
    let sink = nichoir_testkit::MailSink::start()?;
    let port = sink.port;
    let server = TestServer::start_with(|c| crate::support::mail_to_sink(c, port))?;
    let ana = crate::support::member_with_address(&server, "ana", false, true).await?;
    let cyd = crate::support::member_with_address(&server, "cyd", false, true).await?;
    let dan = crate::support::member_with_address(&server, "dan", false, false).await?;
    crate::support::open_wiki(&ana, "club").await?;
    save(&ana, "club", "Rules", "Be kind.", None).await?;
    for c in [&cyd, &dan] {
        assert_eq!(
            c.put_json(&format!("{}/watch", page_url("club", "Rules")), json!({}))
                .await?
                .status,
            204
        );
    }
    let r = save(&ana, "club", "Rules", "Be kind.\nBe on time.", Some(1)).await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // Both hear of it in the app; only Cyd's confirmed address is mailed.
    for c in [&cyd, &dan] {
        let n = c.get("/api/v1/me/wiki-notifications").await?;
        assert_eq!(n.body[0]["page"], "Rules", "{:?}", n.body);
    }
    let mails = sink.wait_for(1, std::time::Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<cyd@lilas.test>".to_string()]);
    // A mail to Dan would have been sent with Cyd's.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = sink.messages();
    assert_eq!(
        mails.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    Ok(())
}

/// Saving a page unchanged (a double click, an editor closed without a change) makes no new
/// revision.
#[tokio::test]
async fn saving_an_unchanged_page_makes_no_revision() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    create(&ana, json!({"slug": "calme", "title": "Calme"})).await?;
    let first = save(&ana, "calme", "Notes", "Une ligne.", None).await?;
    assert!(first.status < 300, "{:?}", first.body);
    assert_eq!(first.body["unchanged"], false, "{:?}", first.body);
    let again = save(&ana, "calme", "Notes", "Une ligne.", Some(1)).await?;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["rev"], 1);
    assert_eq!(again.body["unchanged"], true, "{:?}", again.body);
    assert_eq!(again.body["created"], false);
    // The same text sent with CRLF line ends (a form's textarea) is the same text.
    save(&ana, "calme", "Notes", "Une ligne.\nEt une autre.", Some(1)).await?;
    let crlf = save(
        &ana,
        "calme",
        "Notes",
        "Une ligne.\r\nEt une autre.",
        Some(2),
    )
    .await?;
    assert_eq!(
        (crlf.body["rev"].clone(), crlf.body["unchanged"].clone()),
        (json!(2), json!(true)),
        "{:?}",
        crlf.body
    );
    // An edit on an older revision that merges into the current text changes nothing either.
    let stale = save(&ana, "calme", "Notes", "Une ligne.\nEt une autre.", Some(1)).await?;
    assert_eq!(stale.body["rev"], 2, "{:?}", stale.body);
    assert_eq!(stale.body["unchanged"], true, "{:?}", stale.body);
    let h = ana
        .get(&format!("{}/history", page_url("calme", "Notes")))
        .await?;
    assert_eq!(
        h.body["revisions"].as_array().map(Vec::len),
        Some(2),
        "{:?}",
        h.body
    );
    let changed = save(&ana, "calme", "Notes", "Deux lignes.", Some(2)).await?;
    assert_eq!(changed.body["rev"], 3, "{:?}", changed.body);
    assert_eq!(changed.body["unchanged"], false, "{:?}", changed.body);
    Ok(())
}

/// A deleted page answers 404 saying so (one request lets the page view offer to restore it),
/// only to whom may read it: a hidden one answers exactly as a page that never existed.
#[tokio::test]
async fn a_deleted_page_says_so_only_to_its_readers() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    let bob = user(&server, "bob", false).await?;
    create(
        &ana,
        json!({"slug": "salle", "title": "Salle", "visibility": "public"}),
    )
    .await?;
    for name in ["Planning", "Coffre"] {
        let r = save(&ana, "salle", name, "Du texte.", None).await?;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let r = ana
        .put_json(
            &format!("{}/rules", page_url("salle", "Coffre")),
            json!({"view": "editors", "edit": "editors"}),
        )
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    for name in ["Planning", "Coffre"] {
        assert_eq!(ana.delete(&page_url("salle", name)).await?.status, 204);
    }
    let never = bob.get(&page_url("salle", "Jamais")).await?;
    assert_eq!(never.status, 404);
    assert_eq!(never.body.get("deleted"), None, "{:?}", never.body);
    let gone = bob.get(&page_url("salle", "Planning")).await?;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["deleted"], true, "{:?}", gone.body);
    assert_eq!(gone.body["error"]["code"], "not_found");
    let hidden = bob.get(&page_url("salle", "Coffre")).await?;
    assert_eq!(
        (hidden.status, &hidden.body),
        (404, &never.body),
        "a hidden deleted page is a page that never existed"
    );
    assert_eq!(
        ana.get(&page_url("salle", "Coffre")).await?.body["deleted"],
        true
    );
    Ok(())
}

/// Search excerpts are what a reader sees: the page's marks (emphasis, headings, links, tables)
/// are not in them, its words are.
#[tokio::test]
async fn search_snippets_are_plain_text() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    create(&ana, json!({"slug": "jardin", "title": "Jardin"})).await?;
    let text = "# Le **potager** partagé\n\n\
                Voir [[Calendrier des semis|le calendrier]] et [[Outils]], _arrosage_ le ~~lundi~~ mardi.\n\n\
                > Tomates et [courgettes](https://example.org/courgettes) au **potager**.\n\n\
                | Légume | Mois |\n|---|---|\n| Potager | mai |\n";
    let r = save(&ana, "jardin", "Potager", text, None).await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let s = ana.get("/api/v1/wikis/jardin/search?q=potager").await?;
    assert_eq!(s.status, 200, "{:?}", s.body);
    let snippet = s.body[0]["snippet"].as_str().unwrap_or("").to_string();
    let words = snippet.replace(['\u{2}', '\u{3}'], "");
    for mark in ["**", "[[", "]]", "# ", "> ", "](", "~~", "|", "_arrosage"] {
        assert!(!words.contains(mark), "{mark:?} in the snippet {snippet:?}");
    }
    assert!(
        words.contains("Le potager partagé") && words.contains("le calendrier et Outils"),
        "the words stay: {snippet:?}"
    );
    assert!(
        snippet.contains("\u{2}potager\u{3}"),
        "the match is still marked: {snippet:?}"
    );
    Ok(())
}

/// A baseline 8 × 8 grey JPEG carrying EXIF (orientation 1, a GPS pointer) and a comment naming a
/// place, as a camera leaves them; and the same file without them. Built by hand: the test crate
/// has no image library.
pub(crate) fn jpeg_with_exif() -> (Vec<u8>, Vec<u8>) {
    let segment = |marker: u8, body: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend(((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    // A big-endian TIFF with one IFD: Orientation (0x0112) = 1 and GPSInfo (0x8825).
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x02".to_vec();
    exif.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 1, 0, 0]);
    exif.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x26]);
    exif.extend([0, 0, 0, 0]);
    let mut dqt = vec![0u8];
    dqt.extend([1u8; 64]);
    // One code of length 1 in each table: DC difference 0, then end of block.
    let huffman = |class: u8| {
        let mut t = vec![class, 1];
        t.extend([0u8; 15]);
        t.push(0);
        t
    };
    let image = [
        segment(0xDB, &dqt),
        segment(0xC0, &[8, 0, 8, 0, 8, 1, 1, 0x11, 0]),
        segment(0xC4, &huffman(0x00)),
        segment(0xC4, &huffman(0x10)),
        segment(0xDA, &[1, 1, 0x00, 0, 63, 0]),
        // The one block: bits "00", padded with ones; then the end of the image.
        vec![0x3F, 0xFF, 0xD9],
    ]
    .concat();
    let with = [
        vec![0xFF, 0xD8],
        segment(0xE1, &exif),
        segment(0xFE, b"taken at 12 rue des Lilas"),
        image.clone(),
    ]
    .concat();
    let without = [vec![0xFF, 0xD8], image].concat();
    (with, without)
}

/// An imported archive's photos lose their metadata, as uploaded attachments do.
#[tokio::test]
async fn imported_photos_lose_their_metadata() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = user(&server, "ana", false).await?;
    let (photo, clean) = jpeg_with_exif();
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(has(&photo, b"Exif\0\0") && has(&photo, b"rue des Lilas"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let manifest = json!({
        "format": "nichoir-wiki", "version": 1, "title": "Photos", "home_page": "Home",
        "pages": ["Home"], "files": [{"name": "local.jpg", "content_type": "image/jpeg"}],
    });
    w.start_file("wiki.json", opts)?;
    std::io::Write::write_all(&mut w, manifest.to_string().as_bytes())?;
    w.start_file("pages/Home.md", opts)?;
    std::io::Write::write_all(&mut w, b"![le local](/w/photos/_files/local.jpg)")?;
    w.start_file("files/local.jpg", opts)?;
    std::io::Write::write_all(&mut w, &photo)?;
    let zip = w.finish()?.into_inner();
    let r = ana
        .send(
            ana.http
                .post(ana.url("/api/v1/wikis/import?slug=photos"))
                .header("x-csrf-token", ana.csrf.clone().unwrap_or_default())
                .body(zip),
        )
        .await?;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let kept = ana.get("/w/photos/_files/local.jpg").await?;
    assert_eq!(kept.status, 200);
    assert!(!has(&kept.bytes, b"Exif\0\0"), "no EXIF left");
    assert!(!has(&kept.bytes, b"rue des Lilas"), "no comment left");
    assert_eq!(kept.bytes, clean, "the picture itself is untouched");
    let files = ana.get("/api/v1/wikis/photos/files").await?;
    assert_eq!(
        files.body[0]["size"],
        clean.len(),
        "the size is the kept file's: {:?}",
        files.body
    );
    Ok(())
}

/// The folders of wiki attachments left among the uploads (one per wiki that has any).
fn wiki_file_folders(server: &TestServer) -> anyhow::Result<usize> {
    let dir = server.data_dir().join("uploads").join("wiki");
    if !dir.exists() {
        return Ok(0);
    }
    Ok(std::fs::read_dir(dir)?.count())
}

/// Deleting a wiki removes its attachments whichever way it goes: by its admins or by an
/// instance admin's moderation.
#[tokio::test]
async fn a_deleted_wiki_leaves_no_files_behind() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let root = user(&server, "root", true).await?;
    let ana = user(&server, "ana", false).await?;
    for slug in ["kept", "dropped", "removed"] {
        create(&ana, json!({"slug": slug, "title": slug})).await?;
        let r = upload(&ana, slug, "logo.png", "image/png", PNG).await?;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    assert_eq!(wiki_file_folders(&server)?, 3);

    assert_eq!(ana.delete("/api/v1/wikis/dropped").await?.status, 204);
    assert_eq!(wiki_file_folders(&server)?, 2, "its admin deleted it");

    let r = root
        .post(
            "/api/v1/admin/moderation/remove",
            json!({"link": "/w/removed", "reason": "spam"}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(wiki_file_folders(&server)?, 1, "moderation removed it");
    assert_eq!(ana.get("/w/kept/_files/logo.png").await?.bytes, PNG);
    Ok(())
}
