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
    assert!(!all.body.as_array().map_or(true, Vec::is_empty));
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
