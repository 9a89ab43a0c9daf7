//! Pages, assets, security headers, the About page data and the OpenAPI document.

use nichoir_testkit::TestServer;

#[tokio::test]
async fn every_response_has_security_headers() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    for path in [
        "/",
        "/account",
        "/api/v1/instance",
        "/api/v1/nope",
        "/healthz",
    ] {
        let r = c.get(path).await?;
        let h = |n: &str| {
            r.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("http:") && !csp.contains("https:"),
            "no other origin allowed: {csp}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert!(!h("x-request-id").is_empty(), "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn the_app_shell_and_assets_are_served_from_the_binary() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    let health = c.get("/healthz").await?;
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    for path in ["/", "/login", "/account", "/about", "/pads", "/invite/abc"] {
        let r = c.get(path).await?;
        assert_eq!(r.status, 200, "{path}");
        let html = String::from_utf8_lossy(&r.bytes).to_string();
        assert!(
            html.contains("<!doctype html>") || html.contains("<!DOCTYPE html>"),
            "{path}"
        );
        assert!(html.contains("/assets/app-"), "{path}");
        for foreign in ["http://", "https://", "//cdn"] {
            assert!(
                !html.contains(foreign),
                "{path} references another origin ({foreign})"
            );
        }
    }
    let shell = String::from_utf8_lossy(&c.get("/").await?.bytes).to_string();
    let script = named_in(&shell, "/assets/app-", ".js");
    let sheet = named_in(&shell, "/assets/app-", ".css");
    let js = c.get(&script).await?;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").contains("javascript"));
    assert!(c.get(&sheet).await?.status == 200, "{sheet}");
    assert_eq!(c.get("/assets/missing.js").await?.status, 404);
    let cached = c
        .send(
            c.http
                .get(c.url(&script))
                .header("if-none-match", js.header("etag")),
        )
        .await?;
    assert_eq!(cached.status, 304);
    Ok(())
}

/// The first `prefix…suffix` path in a page (the build names its files after their content).
fn named_in(html: &str, prefix: &str, suffix: &str) -> String {
    html.match_indices(prefix)
        .map(|(at, _)| html[at..].split('"').next().unwrap_or_default())
        .find(|path| path.ends_with(suffix))
        .expect("the page names the file")
        .to_string()
}

#[tokio::test]
async fn static_files_go_out_compressed_and_hashed_ones_are_kept_for_good() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let c = server.client();
    let shell = c.get("/").await?;
    // The shell names this build's files: it must be asked for again each time.
    assert_eq!(shell.header("cache-control"), "no-cache");
    let html = String::from_utf8_lossy(&shell.bytes).to_string();
    for path in [
        named_in(&html, "/assets/app-", ".js"),
        named_in(&html, "/assets/app-", ".css"),
    ] {
        let get = |encoding: &'static str| {
            let req = c.http.get(c.url(&path));
            c.send(if encoding.is_empty() {
                req
            } else {
                req.header("accept-encoding", encoding)
            })
        };
        let plain = get("").await?;
        let brotli = get("gzip, deflate, br, zstd").await?;
        let gzip = get("gzip;q=1, br;q=0.5").await?;
        let refused = get("br;q=0, gzip;q=0").await?;
        let odd = get("br;q=abc, ;;gzip=").await?;
        for r in [&plain, &brotli, &gzip, &refused, &odd] {
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(
                r.header("cache-control"),
                "public, max-age=31536000, immutable",
                "{path}"
            );
            assert_eq!(r.header("vary"), "Accept-Encoding", "{path}");
        }
        assert_eq!(plain.header("content-encoding"), "", "{path}");
        assert_eq!(refused.header("content-encoding"), "", "{path}");
        assert_eq!(odd.header("content-encoding"), "", "{path}");
        assert_eq!(refused.bytes, plain.bytes);
        assert_eq!(brotli.header("content-encoding"), "br", "{path}");
        assert!(
            brotli.bytes.len() * 3 < plain.bytes.len(),
            "{path}: brotli saves little"
        );
        assert_eq!(gzip.header("content-encoding"), "gzip", "{path}");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gzip.bytes[..]),
            &mut unzipped,
        )?;
        assert_eq!(unzipped, plain.bytes, "{path}: the gzip copy is the file");
        // Each representation has its own tag: a cache never gives brotli to a gzip request.
        let tags = [&plain, &brotli, &gzip].map(|r| r.header("etag").to_string());
        assert!(
            tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
            "{tags:?}"
        );
        let again = c
            .send(
                c.http
                    .get(c.url(&path))
                    .header("accept-encoding", "br")
                    .header("if-none-match", &tags[1]),
            )
            .await?;
        assert_eq!(again.status, 304);
        assert!(again.bytes.is_empty());
    }
    // Files other pages and the manifest name as they are stay revalidated.
    for path in ["/assets/favicon.svg", "/assets/offline.html", "/sw.js"] {
        let r = c.get(path).await?;
        assert_eq!(
            (r.status, r.header("cache-control")),
            (200, "no-cache"),
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn about_this_instance_is_generated() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.instance.name = "Nichoir du Collectif".into();
        c.transparency.hosting_provider = "Assoc. Hébergement Libre".into();
        c.transparency.hosting_country = "France".into();
        c.transparency.authority_requests = vec![nichoir_core::config::AuthorityRequest {
            date: "2026-03-01".into(),
            authority: "Gendarmerie".into(),
            request: "Identity of a pad author".into(),
            response: "Refused: no court order".into(),
        }];
        c.backup.keep = 9;
    })?;
    let a = server.client().get("/api/v1/about").await?.body;
    assert_eq!(a["instance"]["name"], "Nichoir du Collectif");
    assert_eq!(a["hosting"]["provider"], "Assoc. Hébergement Libre");
    assert_eq!(a["retention"]["backup_keep"], 9);
    assert_eq!(
        a["authority_requests"][0]["response"],
        "Refused: no court order"
    );
    assert_eq!(a["security"]["third_party_requests"], false);
    let components = a["components"].as_array().cloned().unwrap_or_default();
    assert!(components.len() > 50, "cargo and npm components are listed");
    for eco in ["cargo", "npm"] {
        assert!(components
            .iter()
            .any(|c| c["ecosystem"] == eco && !c["license"].as_str().unwrap_or("").is_empty()));
    }
    assert_eq!(
        a["notifications"]["push"], true,
        "on unless [push] enabled = false"
    );
    assert_eq!(a["notifications"]["missed_mail_default"], "15min");
    let cookies: Vec<String> = a["cookies"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    assert_eq!(
        cookies,
        vec![
            "nichoir_session",
            "nichoir_guest",
            "nichoir_device",
            "nichoir_oidc"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn openapi_documents_every_endpoint() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let doc = server.client().get("/api/v1/openapi.json").await?.body;
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."));
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let documented: usize = paths
        .values()
        .map(|p| p.as_object().map(|o| o.len()).unwrap_or(0))
        .sum();
    assert_eq!(
        documented,
        nichoir_web::api().docs().len(),
        "one operation per declared route"
    );
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/me", "get"),
        ("/healthz", "get"),
        ("/api/v1/me/tokens/{id}", "delete"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    assert_eq!(
        doc["paths"]["/api/v1/me/tokens/{id}"]["delete"]["parameters"][0]["name"],
        "id"
    );
    Ok(())
}

/// Search engines may read the instance's own public pages only: pads, polls, chats, calls and
/// wikis are reached by link, and a link shared in one place must not become a search result.
#[tokio::test]
async fn robots_keep_the_tools_out_of_search_engines() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let r = server.client().get("/robots.txt").await?;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain"),
        "{:?}",
        r.headers
    );
    let text = String::from_utf8(r.bytes)?;
    assert!(text.contains("User-agent: *\n"), "{text}");
    assert!(text.lines().any(|l| l == "Disallow: /"), "{text}");
    for page in ["/about", "/terms", "/privacy"] {
        assert!(
            text.lines().any(|l| l == format!("Allow: {page}")),
            "{text}"
        );
    }
    for tool in ["/p/", "/poll", "/chat", "/video", "/w/", "/api"] {
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("Allow") && l.contains(tool)),
            "{tool}: {text}"
        );
    }
    Ok(())
}
