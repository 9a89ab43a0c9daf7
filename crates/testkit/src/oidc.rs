//! A real OpenID Connect provider for the tests: panva's `oidc-provider` (OpenID certified, from
//! npm) run by `tests/browser/lib/oidc-provider.mjs` on a loopback port, with a plain HTML login
//! form; stopped when dropped. `scripts/test-all` installs it (`npm ci` in `tests/browser`).
//! Accounts: `ada` / `ada-password` (in the `nichoir-admins` group) and `grace` /
//! `grace-password`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use anyhow::{anyhow, bail, Result};

/// How the provider is started.
#[derive(Debug, Clone, Default)]
pub struct OidcOptions {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Publish a key other than the one that signs (tests that signatures are checked).
    pub publish_wrong_keys: bool,
    /// Put another nonce in the ID token than the one asked for.
    pub rewrite_nonce: bool,
}

pub struct OidcProvider {
    child: Child,
    pub issuer: String,
}

fn browser_tests() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

impl OidcProvider {
    /// A free loopback port: a server's config names the provider before either runs.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// Starts the provider on `port`; panics (a test's failure) when it cannot.
    pub fn start(port: u16, o: &OidcOptions) -> OidcProvider {
        let modules = browser_tests().join("node_modules/oidc-provider");
        assert!(
            modules.exists(),
            "oidc-provider is not installed: run `npm ci` in tests/browser (scripts/test-all does)"
        );
        let mut cmd = Command::new("node");
        cmd.arg(browser_tests().join("lib/oidc-provider.mjs"))
            .args(["--port", &port.to_string()])
            .args(["--client-id", &o.client_id])
            .args(["--client-secret", &o.client_secret]);
        for uri in &o.redirect_uris {
            cmd.args(["--redirect-uri", uri]);
        }
        for uri in &o.post_logout_redirect_uris {
            cmd.args(["--post-logout-redirect-uri", uri]);
        }
        if o.publish_wrong_keys {
            cmd.arg("--publish-wrong-keys");
        }
        if o.rewrite_nonce {
            cmd.arg("--rewrite-nonce");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (Node.js) runs the test OpenID provider");
        let what = format!("the test OpenID provider on port {port}");
        let issuer = crate::helper_started(&mut child, "issuer", &what);
        OidcProvider { child, issuer }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser's part at the provider: from the URL Nichoir redirected to, through the login form,
/// to the URL the provider sends the browser back to (not followed, so tests can replay or
/// tamper with it). `http` keeps cookies and follows no redirects.
pub async fn sign_in_at_provider(
    http: &reqwest::Client,
    authorize_url: &str,
    login: &str,
    password: &str,
) -> Result<String> {
    let absolute = |base: &str, location: &str| -> Result<String> {
        Ok(reqwest::Url::parse(base)?.join(location)?.to_string())
    };
    let mut url = authorize_url.to_string();
    for _ in 0..10 {
        let r = http.get(&url).send().await?;
        let status = r.status().as_u16();
        if (300..400).contains(&status) {
            let location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| anyhow!("a redirect without Location"))?
                .to_string();
            let next = absolute(&url, &location)?;
            if next.contains("/api/v1/auth/oidc/") {
                return Ok(next);
            }
            url = next;
            continue;
        }
        let page = r.text().await?;
        if !page.contains("name=\"password\"") {
            bail!("expected the provider's login form at {url}, got {status}: {page}");
        }
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| anyhow!("no form action in {page}"))?;
        let post = http
            .post(absolute(&url, action)?)
            .form(&[("login", login), ("password", password)])
            .send()
            .await?;
        let status = post.status().as_u16();
        if !(300..400).contains(&status) {
            bail!("the provider refused the login ({status})");
        }
        let location = post
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("a redirect without Location"))?
            .to_string();
        url = absolute(&url, &location)?;
        if url.contains("/api/v1/auth/oidc/") {
            return Ok(url);
        }
    }
    bail!("too many redirects at the provider")
}
