//! Test support: a real Nichoir server on 127.0.0.1:0 with a temporary data folder, running in
//! its own thread (its own actix system), and HTTP clients that keep cookies and CSRF tokens.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, Result};
use nichoir_auth::NewUser;
use nichoir_core::config::Config;
use nichoir_http::Ctx;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use tempfile::TempDir;

mod contract;
mod ldap;
mod mail_sink;
mod nats;
mod oidc;
mod push;
pub use ldap::LdapServer;
pub use mail_sink::{MailSink, ReceivedMail, SinkTls, TestCa};
pub use nats::NatsServer;
pub use oidc::{sign_in_at_provider, OidcOptions, OidcProvider};
pub use push::{Device, PushService};

/// How long a test's request may wait for its answer: far above any answer of a loaded debug
/// build, far below CI's time.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// An HTTP client builder whose requests give up after [`REQUEST_TIMEOUT`]: a request that
/// never gets an answer fails its test, naming the URL, instead of holding the whole run until
/// CI's time runs out.
pub(crate) fn http_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(REQUEST_TIMEOUT)
}

/// How long a helper program (the OpenID provider, the push service) may take to say it
/// listens.
pub const HELPER_START_TIMEOUT: Duration = Duration::from_secs(60);

/// The text field `field` of the first line a helper program (`what`) prints on stdout, as
/// JSON. Read on a thread of its own, so that a helper that neither starts nor exits fails its
/// test after [`HELPER_START_TIMEOUT`] instead of holding the run; the helper is killed then.
pub(crate) fn helper_started(child: &mut std::process::Child, field: &str, what: &str) -> String {
    use std::io::{BufRead, BufReader};
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
    }
    let value = rx
        .recv_timeout(HELPER_START_TIMEOUT)
        .ok()
        .and_then(|line| serde_json::from_str::<Value>(&line).ok())
        .and_then(|v| v[field].as_str().map(str::to_string));
    value.unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "{what} did not start within {} s",
            HELPER_START_TIMEOUT.as_secs()
        )
    })
}

/// How long a test server may take to start (migrations of a new database on a loaded machine
/// take seconds).
pub const START_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a test server may take to stop: its own limit for open requests
/// (`server.shutdown_timeout_secs`, 10 s) and then some.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(60);

type Started = (
    Ctx,
    std::sync::Arc<nichoir_pad::PadService>,
    std::sync::Arc<nichoir_polls::PollService>,
    std::sync::Arc<nichoir_chat::ChatService>,
    Option<String>,
    nichoir_web::FavouritesSweep,
);

pub struct TestServer {
    pub url: String,
    pub addr: std::net::SocketAddr,
    pub ctx: Ctx,
    pub pads: std::sync::Arc<nichoir_pad::PadService>,
    pub polls: std::sync::Arc<nichoir_polls::PollService>,
    pub chat: std::sync::Arc<nichoir_chat::ChatService>,
    pub setup_url: Option<String>,
    /// The hourly job removing favourites of deleted items, for a test to run now.
    pub favourites_sweep: nichoir_web::FavouritesSweep,
    pub config: Config,
    data_dir: Option<TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The PostgreSQL database of a data dir (created on first use).
fn pg_database_for(data_dir: &std::path::Path) -> Result<String> {
    static BY_DIR: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, String>>,
    > = std::sync::OnceLock::new();
    let map = BY_DIR.get_or_init(Default::default);
    if let Some(url) = map.lock().map_err(|_| anyhow!("lock"))?.get(data_dir) {
        return Ok(url.clone());
    }
    // Off the caller's thread: the PostgreSQL client may not block inside a runtime.
    let url = std::thread::spawn(nichoir_storage::testing::fresh_pg_database)
        .join()
        .map_err(|_| anyhow!("creating a test database panicked"))??
        .ok_or_else(|| anyhow!("a PostgreSQL test server needs NICHOIR_TEST_PG_URL"))?;
    map.lock()
        .map_err(|_| anyhow!("lock"))?
        .insert(data_dir.to_path_buf(), url.clone());
    Ok(url)
}

/// The engine of a test server, for a test that compares both whatever
/// `NICHOIR_TEST_BACKEND` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestServer {
    pub fn start() -> Result<TestServer> {
        Self::start_with(|_| {})
    }

    /// Starts a server whose configuration `adjust` may change (data dir and listen are set).
    /// The engine is SQLite unless `adjust` sets `storage.url`, or `NICHOIR_TEST_BACKEND=postgres`
    /// (with a test server from `scripts/pg-server`) gives each data dir its own PostgreSQL
    /// database, the same one again when a test restarts a server on the same data dir.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Result<TestServer> {
        let backend = match std::env::var("NICHOIR_TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        Self::start_on(backend, adjust)
    }

    /// As [`TestServer::start_with`] on the engine given, whatever `NICHOIR_TEST_BACKEND` says
    /// (PostgreSQL needs `NICHOIR_TEST_PG_URL`). A `storage.url` set by `adjust` wins.
    pub fn start_on(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Result<TestServer> {
        let dir = tempfile::tempdir()?;
        let mut config = Config::default();
        config.server.data_dir = dir.path().join("data");
        config.server.listen = "127.0.0.1:0".into();
        config.server.workers = 2;
        config.backup.interval_hours = 0;
        adjust(&mut config);
        if backend == Backend::Postgres && config.storage.url.is_empty() {
            config.storage.url = pg_database_for(&config.server.data_dir)?;
            // Many servers live in one test process: fewer connections each.
            config.storage.read_connections = 2;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        config.server.listen = addr.to_string();
        config.validate()?;
        let (ready_tx, ready_rx) = mpsc::channel::<Result<Started, String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let cfg = config.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match nichoir_web::prepare(cfg).await {
                    Ok(prepared) => {
                        let _ = ready_tx.send(Ok((
                            prepared.ctx.clone(),
                            prepared.pads.clone(),
                            prepared.polls.clone(),
                            prepared.chat.clone(),
                            prepared.setup_url.clone(),
                            prepared.favourites_sweep(),
                        )));
                        let shutdown = async move {
                            let _ = stop_rx.await;
                        };
                        if let Err(e) = nichoir_web::serve(prepared, listener, shutdown).await {
                            eprintln!("test server failed: {e}");
                        }
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                    }
                }
            });
        });
        let (ctx, pads, polls, chat, setup_url, favourites_sweep) = ready_rx
            .recv_timeout(START_TIMEOUT)
            .map_err(|e| match e {
                mpsc::RecvTimeoutError::Timeout => anyhow!(
                    "test server did not start within {} s",
                    START_TIMEOUT.as_secs()
                ),
                mpsc::RecvTimeoutError::Disconnected => anyhow!("test server thread died"),
            })?
            .map_err(|e| anyhow!("test server did not start: {e}"))?;
        Ok(TestServer {
            url: format!("http://{addr}"),
            addr,
            ctx,
            pads,
            polls,
            chat,
            setup_url,
            favourites_sweep,
            config,
            data_dir: Some(dir),
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.config.server.data_dir.clone()
    }

    /// A fresh client with its own cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// A fresh client holding a guest identity (cookie and CSRF token), as a browser without an
    /// account gets one.
    pub async fn guest(&self) -> Result<Client> {
        let mut c = self.client();
        let r = c.get("/api/v1/guest").await?;
        if r.status != 200 {
            return Err(anyhow!("GET /api/v1/guest answered {}", r.status));
        }
        c.csrf = r.body["csrf_token"].as_str().map(str::to_string);
        Ok(c)
    }

    /// Creates an account directly through the auth service.
    pub async fn create_user(&self, username: &str, password: &str, admin: bool) -> Result<Value> {
        let u = self
            .ctx
            .auth
            .create_user(NewUser {
                username: username.into(),
                password: password.into(),
                display_name: username.to_uppercase(),
                email: None,
                is_admin: admin,
            })
            .await
            .map_err(|e| anyhow!("{}", e.message))?;
        Ok(serde_json::to_value(u)?)
    }

    /// A client logged in as a new user (admin or not).
    pub async fn login_as(&self, username: &str, admin: bool) -> Result<Client> {
        self.create_user(username, "password-of-test", admin)
            .await?;
        let mut c = self.client();
        c.login(username, "password-of-test").await?;
        Ok(c)
    }

    /// Stops the server gracefully and waits for it: at most [`STOP_TIMEOUT`], after which the
    /// test fails saying so (a server that never stops would hold the whole run).
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let deadline = std::time::Instant::now() + STOP_TIMEOUT;
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if t.is_finished() {
                let _ = t.join();
            } else if !std::thread::panicking() {
                panic!(
                    "the test server at {} did not stop within {} s",
                    self.url,
                    STOP_TIMEOUT.as_secs()
                );
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        drop(self.data_dir.take());
    }
}

/// An HTTP client that keeps cookies, and the CSRF token once it has one.
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub csrf: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The error code of an error reply (`{"error":{"code"}}`), or "".
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// A response header as text, or "" when absent or not text.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = http_builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Client {
            base: base.to_string(),
            http,
            csrf: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends `req` and fails the test (a panic naming the operation) when the status is not one
    /// the server's OpenAPI document lists for it (see `contract`).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<Reply> {
        let (http, req) = req.build_split();
        let req = req?;
        let (method, path) = (req.method().clone(), req.url().path().to_string());
        let resp = http.execute(req).await?;
        let status = resp.status().as_u16();
        if let Some(contract) = contract::of(&self.base).await {
            if let Err(e) = contract.check(&method, &path, status) {
                panic!("{e}");
            }
        }
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?.to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
            bytes,
        })
    }

    fn with_csrf(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.csrf {
            Some(t) => req.header(
                "x-csrf-token",
                HeaderValue::from_str(t).unwrap_or(HeaderValue::from_static("")),
            ),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> Result<Reply> {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Reply> {
        self.send(self.with_csrf(self.http.post(self.url(path)).json(&body)))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Result<Reply> {
        self.send(self.with_csrf(self.http.patch(self.url(path)).json(&body)))
            .await
    }

    pub async fn put_json(&self, path: &str, body: Value) -> Result<Reply> {
        self.send(self.with_csrf(self.http.put(self.url(path)).json(&body)))
            .await
    }

    pub async fn delete(&self, path: &str) -> Result<Reply> {
        self.send(self.with_csrf(self.http.delete(self.url(path))))
            .await
    }

    /// Logs in and keeps the CSRF token.
    pub async fn login(&mut self, username: &str, password: &str) -> Result<Reply> {
        let r = self
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": password}),
            )
            .await?;
        if r.status == 200 {
            self.csrf = r.body["csrf_token"].as_str().map(str::to_string);
        }
        Ok(r)
    }
}
