//! Embedding pads, polls and wiki pages in other sites: `instance.embed_allowed_origins` opens
//! the frame-ancestors of those pages only, live from the admin settings; the frame's guest gets
//! a cookie a cross-site frame keeps.

use nichoir_core::config::Config;
use nichoir_testkit::{Client, TestServer};
use serde_json::json;

/// The pages other sites may frame once allowed, and pages that stay unframeable whatever.
const EMBEDDABLE: &[&str] = &[
    "/p/notes",
    "/p/notes?embed=1",
    "/p/r-readonly?embed=1",
    "/poll/Ab12Cd?embed=1",
    "/w/asso",
    "/w/asso/Home_page?embed=1",
];
const NEVER: &[&str] = &[
    "/",
    "/admin",
    "/account",
    "/login",
    "/pads",
    "/poll/new",
    "/poll/admin/some-token",
    "/w/asso/_settings",
    "/w/asso/Home_page/edit",
    "/chat",
    "/api/v1/instance",
    "/api/v1/pads/notes",
    "/api/v1/nope",
    "/healthz",
];

async fn frame_headers(c: &Client, path: &str) -> anyhow::Result<(String, String)> {
    let r = c.get(path).await?;
    Ok((
        r.header("content-security-policy").to_string(),
        r.header("x-frame-options").to_string(),
    ))
}

async fn assert_unframeable(c: &Client, path: &str) -> anyhow::Result<()> {
    let (csp, xfo) = frame_headers(c, path).await?;
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert_eq!(xfo, "DENY", "{path}");
    Ok(())
}

async fn assert_framed_by(c: &Client, path: &str, ancestors: &str) -> anyhow::Result<()> {
    let (csp, xfo) = frame_headers(c, path).await?;
    assert!(
        csp.contains(&format!("frame-ancestors {ancestors};")),
        "{path}: {csp}"
    );
    assert!(!csp.contains("'none'; base-uri"), "{path}: {csp}");
    // The rest of the policy is unchanged: still only this origin for scripts and requests.
    assert!(
        csp.contains("script-src 'self';") && csp.contains("connect-src 'self';"),
        "{path}: {csp}"
    );
    assert_eq!(
        xfo, "",
        "{path}: no X-Frame-Options beside a frame-ancestors list"
    );
    Ok(())
}

#[tokio::test]
async fn nothing_is_embeddable_by_default() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    for path in EMBEDDABLE.iter().chain(NEVER) {
        assert_unframeable(&c, path).await?;
    }
    let i = c.get("/api/v1/instance").await?;
    assert_eq!(i.body["embed_allowed_origins"], json!([]));
    // A frame's guest asks for the embed cookie: nothing may frame, so it gets the usual one.
    let g = c.get("/api/v1/guest?embed=1").await?;
    let cookie = g.header("set-cookie");
    assert!(
        cookie.contains("SameSite=Lax") && !cookie.contains("Partitioned"),
        "{cookie}"
    );
    Ok(())
}

#[tokio::test]
async fn listed_sites_may_frame_pads_polls_and_wiki_pages_only() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.instance.embed_allowed_origins =
            vec!["https://a.example".into(), "http://127.0.0.1:9".into()];
    })?;
    let c = server.client();
    for path in EMBEDDABLE {
        assert_framed_by(&c, path, "https://a.example http://127.0.0.1:9").await?;
    }
    for path in NEVER {
        assert_unframeable(&c, path).await?;
    }
    // A method other than GET on a page path gets no frame permission either.
    let r = c.post("/p/notes", json!({})).await?;
    assert!(r
        .header("content-security-policy")
        .contains("frame-ancestors 'none'"));
    let i = c.get("/api/v1/instance").await?;
    assert_eq!(
        i.body["embed_allowed_origins"],
        json!(["https://a.example", "http://127.0.0.1:9"])
    );
    Ok(())
}

#[tokio::test]
async fn the_frame_s_guest_gets_a_cookie_a_cross_site_frame_keeps() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.instance.embed_allowed_origins = vec!["https://a.example".into()];
    })?;
    let mut framed = server.client();
    let g = framed.get("/api/v1/guest?embed=1").await?;
    assert_eq!(g.status, 200);
    let cookie = g.header("set-cookie").to_string();
    for part in [
        "HttpOnly",
        "Secure",
        "SameSite=None",
        "Partitioned",
        "Path=/",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    // The cookie is a guest identity like any other: the same guest answers again, and it
    // writes with the CSRF token of that cookie.
    let again = framed.get("/api/v1/guest").await?;
    assert_eq!(again.body["id"], g.body["id"]);
    framed.csrf = again.body["csrf_token"].as_str().map(str::to_string);
    let renamed = framed
        .patch("/api/v1/guest", json!({"display_name": "Zoé du wiki"}))
        .await?;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let me = framed.get("/api/v1/guest").await?;
    assert_eq!(me.body["display_name"], "Zoé du wiki");
    // Outside a frame, the usual cookie.
    let plain = server.client().get("/api/v1/guest").await?;
    assert!(plain.header("set-cookie").contains("SameSite=Lax"));
    Ok(())
}

#[tokio::test]
async fn admins_allow_sites_and_the_pages_follow_at_once() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let admin = server.login_as("root", true).await?;
    let c = server.client();
    assert_unframeable(&c, "/p/notes?embed=1").await?;

    let view = admin.get("/api/v1/admin/instance-settings").await?;
    let setting = view.body["settings"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|s| s["key"] == "instance.embed_allowed_origins")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(setting["kind"], "list", "{setting}");
    assert_eq!(setting["value"], json!([]));

    let key = "instance.embed_allowed_origins";
    let r = admin
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {key: ["https://wiki.example.org"]}}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_framed_by(&c, "/p/notes?embed=1", "https://wiki.example.org").await?;
    assert_framed_by(&c, "/w/asso/Home_page", "https://wiki.example.org").await?;
    assert_unframeable(&c, "/admin").await?;

    // Not an origin: refused, naming it; what was in force stays.
    for bad in [
        json!(["https://wiki.example.org/page"]),
        json!(["wiki.example.org"]),
        json!(["https://a.org; script-src *"]),
        json!("https://wiki.example.org"),
    ] {
        let r = admin
            .patch(
                "/api/v1/admin/instance-settings",
                json!({"changes": {key: bad}}),
            )
            .await?;
        assert_eq!(r.code(), "validation_failed", "{bad}: {:?}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(key), "{message}");
        if let Some(first) = bad
            .as_array()
            .and_then(|l| l.first())
            .and_then(|v| v.as_str())
        {
            assert!(message.contains(first), "{message}");
        }
    }
    assert_framed_by(&c, "/p/notes?embed=1", "https://wiki.example.org").await?;

    // Back to the default: nothing may frame again.
    let r = admin
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {key: null}}),
        )
        .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_unframeable(&c, "/p/notes?embed=1").await?;
    Ok(())
}

#[tokio::test]
async fn an_invalid_site_stops_the_start_naming_it() -> anyhow::Result<()> {
    let err = TestServer::start_with(|c| {
        c.instance.embed_allowed_origins =
            vec!["https://ok.example".into(), "wiki.example.org".into()];
    })
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        err.contains("instance.embed_allowed_origins") && err.contains("`wiki.example.org`"),
        "{err}"
    );

    // The same from the configuration file.
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("nichoir.toml");
    std::fs::write(
        &file,
        "[instance]\nembed_allowed_origins = [\"https://wiki.example.org/Accueil\"]\n",
    )?;
    let err = Config::load(Some(&file), Vec::<(String, String)>::new())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("instance.embed_allowed_origins")
            && err.contains("https://wiki.example.org/Accueil"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn the_environment_lists_the_sites_and_admins_see_them_forced() -> anyhow::Result<()> {
    let env = vec![(
        "NICHOIR_INSTANCE_EMBED_ALLOWED_ORIGINS".to_string(),
        "https://wiki.example.org, https://moodle.example.org:8443".to_string(),
    )];
    let loaded = Config::load(None, env)?;
    let server = TestServer::start_with(|c| {
        c.instance = loaded.instance.clone();
        c.explicit = loaded.explicit.clone();
    })?;
    let c = server.client();
    assert_framed_by(
        &c,
        "/poll/Ab12Cd?embed=1",
        "https://wiki.example.org https://moodle.example.org:8443",
    )
    .await?;
    // Set by the host: read-only in the admin settings.
    let admin = server.login_as("root", true).await?;
    let r = admin
        .patch(
            "/api/v1/admin/instance-settings",
            json!({"changes": {"instance.embed_allowed_origins": []}}),
        )
        .await?;
    assert_eq!(r.code(), "conflict", "{:?}", r.body);
    Ok(())
}
