//! `/metrics`: off by default; on, readable with the scraper's token or from an allowed address
//! (never through a proxy that is not trusted), and counting what the instance does.

use std::time::Duration;

use nichoir_testkit::TestServer;

use crate::support::{recv_json, send_json, subscribe, ws_connect, WsAuth};

const TOKEN: &str = "scraper-secret-0123456789";

/// The value of the first line of `text` that starts with `series` (a name and its labels).
fn value_of(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let r = server.client().get("/metrics").await?;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    Ok(())
}

#[tokio::test]
async fn metrics_are_read_with_the_token_or_from_an_allowed_address() -> anyhow::Result<()> {
    // No address allowed: only the token opens it.
    let server = TestServer::start_with(|c| {
        c.metrics.enabled = true;
        c.metrics.token = TOKEN.into();
        c.metrics.allow_from = Vec::new();
    })?;
    let c = server.client();
    let read = |auth: Option<&'static str>| {
        let req = c.http.get(c.url("/metrics"));
        c.send(match auth {
            Some(a) => req.header("authorization", a),
            None => req,
        })
    };
    assert_eq!(read(None).await?.status, 403);
    assert_eq!(read(Some("Bearer not-the-token-at-all")).await?.status, 403);
    assert_eq!(read(Some("Basic c2NyYXBlcg==")).await?.status, 403);
    let ok = read(Some("Bearer scraper-secret-0123456789")).await?;
    assert_eq!(ok.status, 200);
    assert!(ok
        .header("content-type")
        .starts_with("application/openmetrics-text"));
    assert!(String::from_utf8_lossy(&ok.bytes).ends_with("# EOF\n"));

    // Loopback allowed (the default), no token: this machine reads it, a relayed request does not.
    let local = TestServer::start_with(|c| c.metrics.enabled = true)?;
    let c = local.client();
    assert_eq!(c.get("/metrics").await?.status, 200);
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
    ] {
        let r = c
            .send(c.http.get(c.url("/metrics")).header(name, value))
            .await?;
        assert_eq!(r.status, 403, "{name}");
    }
    // Behind a trusted proxy the person behind it counts, never the proxy.
    let proxied = TestServer::start_with(|c| {
        c.metrics.enabled = true;
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
        c.metrics.allow_from = vec!["10.0.0.0/8".into()];
    })?;
    let c = proxied.client();
    let from =
        |ip: &'static str| c.send(c.http.get(c.url("/metrics")).header("x-forwarded-for", ip));
    assert_eq!(from("10.1.2.3").await?.status, 200);
    assert_eq!(from("203.0.113.9").await?.status, 403);
    assert_eq!(
        c.get("/metrics").await?.status,
        403,
        "the proxy's own address"
    );
    Ok(())
}

#[tokio::test]
async fn metrics_count_requests_connections_topics_and_writes() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.metrics.enabled = true)?;
    let ana = server.login_as("ana", false).await?;
    let (token, pad) = crate::support::token_and_pad(&ana).await?;
    let wait = Duration::from_secs(10);
    let mut ws = ws_connect(server.addr, WsAuth::Bearer(&token), wait).await;
    send_json(&mut ws, &subscribe(&format!("pad:{pad}"))).await;
    // The pad's state arrives once the subscription is made.
    recv_json(&mut ws, wait).await;
    for _ in 0..3 {
        assert_eq!(ana.get(&format!("/api/v1/pads/{pad}")).await?.status, 200);
    }
    assert_eq!(ana.get("/api/v1/pads/no-such-pad").await?.status, 404);

    let text = String::from_utf8_lossy(&server.client().get("/metrics").await?.bytes).to_string();
    let v = |series: &str| value_of(&text, series).unwrap_or_else(|| panic!("{series} in\n{text}"));
    // One series per route, labelled with its pattern and tool, not the pad's name.
    assert_eq!(
        v(
            r#"nichoir_http_requests_total{tool="pads",method="GET",route="/api/v1/pads/{id}",status="200"}"#
        ),
        3.0
    );
    assert_eq!(
        v(
            r#"nichoir_http_requests_total{tool="pads",method="GET",route="/api/v1/pads/{id}",status="404"}"#
        ),
        1.0
    );
    assert!(!text.contains(&pad), "a pad's name leaked into the metrics");
    assert!(v(r#"nichoir_http_request_duration_seconds_count{tool="pads"}"#) >= 4.0);
    assert_eq!(v("nichoir_websocket_connections"), 1.0);
    assert_eq!(v(r#"nichoir_realtime_topics{tool="pad"}"#), 1.0);
    assert!(v("nichoir_realtime_frames_total") >= 1.0);
    assert!(v("nichoir_db_write_batches_total") >= 1.0);
    assert!(v("nichoir_db_write_queue") >= 0.0);
    assert!(v("nichoir_process_resident_memory_bytes") > 1e6);
    drop(ws);
    Ok(())
}
