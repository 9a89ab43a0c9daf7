//! What search engines may index: robots.txt opens a public wiki only once its admins opt in,
//! and every other page answers with `X-Robots-Tag: noindex`.

use nichoir_testkit::TestServer;
use serde_json::json;

use crate::support::{ok, open_wiki, private_wiki};

async fn robots(server: &TestServer) -> anyhow::Result<String> {
    let r = server.client().get("/robots.txt").await?;
    anyhow::ensure!(r.status == 200, "robots.txt: {}", r.status);
    Ok(String::from_utf8(r.bytes)?)
}

/// The header a crawler reads on `path`, asked anonymously.
async fn robots_tag(server: &TestServer, path: &str) -> anyhow::Result<(u16, String)> {
    let r = server.client().get(path).await?;
    Ok((r.status, r.header("x-robots-tag").to_string()))
}

#[tokio::test]
async fn a_public_wiki_opts_in_to_search_engines_and_out_again() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    open_wiki(&ana, "club").await?;
    open_wiki(&ana, "other").await?;
    ok(
        ana.put_json(
            "/api/v1/wikis/club/pages/Agenda",
            json!({"text": "Welcome to the club"}),
        )
        .await?,
        "page",
    )
    .await?;

    // Before: nothing of the wiki is open, and its pages say noindex.
    let before = robots(&server).await?;
    assert!(!before.contains("/w/"), "{before}");
    assert_eq!(before.lines().last(), Some("Disallow: /"), "{before}");
    assert_eq!(robots_tag(&server, "/w/club/Agenda").await?.1, "noindex");
    let wiki = ok(ana.get("/api/v1/wikis/club").await?, "wiki").await?;
    assert_eq!(wiki["search_indexable"], false, "off by default");

    let wiki = ok(
        ana.patch("/api/v1/wikis/club", json!({"search_indexable": true}))
            .await?,
        "opt in",
    )
    .await?;
    assert_eq!(wiki["search_indexable"], true);

    // After: the wiki is allowed before the catch-all Disallow, the other wiki is not.
    let after = robots(&server).await?;
    let lines: Vec<&str> = after.lines().collect();
    let allow = lines.iter().position(|l| *l == "Allow: /w/club/");
    let disallow = lines.iter().position(|l| *l == "Disallow: /");
    assert!(
        allow.is_some() && disallow.is_some() && allow < disallow,
        "{after}"
    );
    assert!(lines.contains(&"Allow: /api/v1/wikis/club/"), "{after}");
    assert!(!after.contains("/w/other"), "{after}");
    // Its pages and their API carry no noindex; the other wiki's and the tools' still do.
    let (status, tag) = robots_tag(&server, "/w/club/Agenda").await?;
    assert_eq!((status, tag.as_str()), (200, ""));
    let (status, tag) = robots_tag(&server, "/api/v1/wikis/club/pages/Agenda").await?;
    assert_eq!((status, tag.as_str()), (200, ""));
    assert_eq!(robots_tag(&server, "/w/other/Home").await?.1, "noindex");
    assert_eq!(robots_tag(&server, "/w/clubs/Home").await?.1, "noindex");
    for tool in [
        "/p/agenda",
        "/poll/abc",
        "/chat",
        "/video/room",
        "/pads",
        "/api/v1/wikis/other",
    ] {
        assert_eq!(robots_tag(&server, tool).await?.1, "noindex", "{tool}");
    }
    for page in ["/", "/about", "/terms"] {
        assert_eq!(robots_tag(&server, page).await?.1, "", "{page}");
    }

    // Made members-only, it closes to search engines, and stays closed when public again.
    ok(
        ana.patch("/api/v1/wikis/club", json!({"visibility": "members"}))
            .await?,
        "members only",
    )
    .await?;
    assert!(!robots(&server).await?.contains("/w/club"));
    assert_eq!(robots_tag(&server, "/w/club/Agenda").await?.1, "noindex");
    let wiki = ok(
        ana.patch("/api/v1/wikis/club", json!({"visibility": "public"}))
            .await?,
        "public again",
    )
    .await?;
    assert_eq!(wiki["search_indexable"], false);
    assert!(!robots(&server).await?.contains("/w/club"));
    Ok(())
}

#[tokio::test]
async fn a_private_wiki_cannot_open_to_search_engines() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let ana = server.login_as("ana", false).await?;
    private_wiki(&ana, "board", None).await?;
    let r = ana
        .patch("/api/v1/wikis/board", json!({"search_indexable": true}))
        .await?;
    assert_eq!(
        (r.status, r.code()),
        (422, "validation_failed"),
        "{:?}",
        r.body
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("public"),
        "{:?}",
        r.body
    );
    // Nor in the same request as making it private.
    open_wiki(&ana, "club").await?;
    let r = ana
        .patch(
            "/api/v1/wikis/club",
            json!({"visibility": "private", "search_indexable": true}),
        )
        .await?;
    assert_eq!(r.status, 422, "{:?}", r.body);
    // Someone who is not its admin cannot open it either.
    let bob = server.login_as("bob", false).await?;
    let r = bob
        .patch("/api/v1/wikis/club", json!({"search_indexable": true}))
        .await?;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let text = robots(&server).await?;
    assert!(!text.contains("/w/"), "{text}");
    Ok(())
}
