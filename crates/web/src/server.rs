use std::future::Future;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{from_fn, Condition, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer, ResponseError};
use nichoir_auth::{AccountExport, AuthService};
use nichoir_core::config::Config;
use nichoir_core::export::ExportContributor;
use nichoir_core::ErrorCode;
use nichoir_http::{
    csrf_guard, json_config, path_config, query_config, security_headers, Api, ApiError, Ctx, Tool,
    ToolDecl,
};
use nichoir_realtime::{Hub, PresenceHandler};
use nichoir_storage::{DataDir, DataDirLock, Db, DbOptions, MigrationSet};
use tracing_actix_web::RequestId;

/// The OpenAPI document, made at its first request and then kept as bytes. Made at start-up, its
/// JSON tree (half a megabyte of text) stayed in memory on every server, and the schema code of
/// every type was run and kept resident, for a document most servers are never asked for.
pub struct OpenApiDoc {
    api: Arc<Api>,
    title: String,
    body: std::sync::OnceLock<web::Bytes>,
}

impl OpenApiDoc {
    pub fn new(api: Arc<Api>, title: String) -> Self {
        Self {
            api,
            title,
            body: std::sync::OnceLock::new(),
        }
    }

    /// The document's bytes, made on the first call (tens of milliseconds: call it off the
    /// async runtime).
    pub fn body(&self) -> web::Bytes {
        self.body
            .get_or_init(|| {
                let doc = self.api.openapi(&self.title, nichoir_core::VERSION);
                web::Bytes::from(doc.to_string())
            })
            .clone()
    }
}

/// The tools, in this order everywhere (migrations, routes, archives). Their running services
/// are listed once too, in `prepare`, in the same order (checked there).
pub const TOOLS: &[ToolDecl] = &[
    nichoir_pad::TOOL,
    nichoir_polls::TOOL,
    nichoir_chat::TOOL,
    nichoir_video::TOOL,
    nichoir_wiki::TOOL,
];

/// Every crate's migrations, in the order they run.
pub fn migrations() -> Vec<MigrationSet> {
    let mut sets = vec![nichoir_auth::MIGRATIONS];
    sets.extend(TOOLS.iter().map(|t| t.migrations));
    sets.extend([
        nichoir_cluster::MIGRATIONS,
        nichoir_notify::MIGRATIONS,
        crate::settings::MIGRATIONS,
    ]);
    sets
}

/// The whole HTTP API: accounts and instance, then each tool, then notifications.
pub fn api() -> Api {
    let api = TOOLS
        .iter()
        .fold(crate::routes::api(), |api, tool| (tool.routes)(api));
    nichoir_notify::api(api)
}

/// A server ready to serve: data folder locked, database migrated, services built.
pub struct Prepared {
    pub ctx: Ctx,
    pub pads: Arc<nichoir_pad::PadService>,
    pub polls: Arc<nichoir_polls::PollService>,
    pub wikis: Arc<nichoir_wiki::WikiService>,
    pub chat: Arc<nichoir_chat::ChatService>,
    pub video: Arc<nichoir_video::VideoService>,
    /// The same five services as tools, in the order of `TOOLS`.
    pub tools: Vec<Arc<dyn Tool>>,
    pub notify: nichoir_notify::NotifyService,
    /// What admins set in the UI over the configuration, in force now.
    pub settings: Arc<crate::settings::Settings>,
    /// Printed once at start when the instance has no admin yet.
    pub setup_url: Option<String>,
    /// This node in its cluster (`cluster.nats_url`); None for a server alone.
    pub cluster: Option<nichoir_cluster::Cluster>,
    _lock: DataDirLock,
}

pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// The configured database, migrated: SQLite under the data dir, or PostgreSQL at
/// `storage.url`. Blocking (run it on a blocking thread).
pub fn open_database(config: &Config) -> Result<Db, nichoir_storage::StorageError> {
    let mut opts = DbOptions::from(&config.storage);
    // Several nodes write to one database: their batches take turns (`DbOptions`).
    opts.serialize_writes = !config.cluster.nats_url.is_empty();
    let sets = migrations();
    if config.storage.url.is_empty() {
        let path = DataDir::new(config.server.data_dir.clone()).db_path();
        Db::open(&path, &opts, &sets)
    } else {
        Db::open_postgres(&config.storage.url, &opts, &sets)
    }
}

pub async fn prepare(config: Config) -> Result<Prepared, StartError> {
    let data_dir = DataDir::new(config.server.data_dir.clone());
    data_dir.prepare()?;
    let lock = data_dir.lock()?;
    let for_db = config.clone();
    let db = tokio::task::spawn_blocking(move || open_database(&for_db)).await??;
    tracing::info!(backend = db.backend(), "database ready");
    nichoir_core::limits::configure(
        config.limits.max_nesting as usize,
        config.limits.max_render_bytes as usize,
    );
    nichoir_core::work::configure(nichoir_core::work::PoolSettings {
        threads: match config.limits.render_threads {
            0 => nichoir_core::work::default_threads(),
            n => n as usize,
        },
        timeout: std::time::Duration::from_millis(config.limits.render_timeout_ms),
    });
    let blobs = nichoir_storage::Blobs::open(&config.uploads, &data_dir.uploads_dir())?;
    blobs
        .check()
        .await
        .map_err(|e| format!("uploads: the object store does not work ({blobs:?}): {e}"))?;
    let auth = AuthService::new(db.clone(), config.auth.clone())
        .await?
        .with_anonymous_render_limit(config.limits.anonymous_renders_per_minute)
        .with_instance_name(&config.instance.name)
        .with_sso(&config.oidc, &config.ldap, &config.public_base_url())?;
    if !config.oidc.providers.is_empty() && config.server.base_url.is_empty() {
        tracing::warn!(
            redirect = %format!("{}/api/v1/auth/oidc/<id>/callback", config.public_base_url()),
            "OpenID providers send people back to server.base_url, which is not set: set it to the address people use"
        );
    }
    let hub = Hub::new(config.realtime.clone());
    // Before any connection (the node's index goes into every connection id) and before the
    // tools' services start (chat's relay needs to know it is in a cluster).
    let cluster = if config.cluster.nats_url.is_empty() {
        None
    } else {
        Some(nichoir_cluster::join(&config, &db, &hub).await?)
    };
    if cluster.is_some() {
        // Wrong passwords count on every node: N nodes must not give N times the guesses.
        let to_others = hub.clone();
        auth.share_throttles(Arc::new(move |name, event| to_others.signal(name, &event)));
        for name in nichoir_auth::THROTTLE_SIGNALS {
            let from_others = auth.clone();
            hub.on_signal(
                name,
                Arc::new(move |event: &str| from_others.apply_shared_throttle(name, event)),
            );
        }
    }
    // A session, token or account that ends closes the sockets opened with it, before the
    // answer to the logout (or password change, or disable) leaves.
    let revoked = hub.clone();
    auth.revocations().listen(move |r| revoked.revoke(r));
    hub.register("presence", Arc::new(PresenceHandler));
    // A person is online while a page of any tool is open: every page holds the bell's topic,
    // chat's pages their chat topic too.
    let online = nichoir_realtime::Online::new(
        &hub,
        &["notify", "chat"],
        nichoir_realtime::online::OFFLINE_GRACE,
    );
    let notify = nichoir_notify::NotifyService::start(
        db.clone(),
        hub.clone(),
        config.push.clone(),
        config.push_contact(),
    )
    .await?;
    nichoir_notify::register_topics(&notify, &online);
    let notifier: Arc<dyn nichoir_core::notify::Notifier> = Arc::new(notify.clone());
    // Every tool that keeps people's uploads has a part here; accounts hold the own limits.
    let quotas = nichoir_core::quota::Quotas::new(
        config.uploads.quota_bytes_per_user,
        vec![
            Arc::new(nichoir_chat::file_usage(db.clone())),
            Arc::new(nichoir_wiki::file_usage(db.clone())),
            Arc::new(nichoir_pad::image_usage(db.clone())),
        ],
        Arc::new(auth.clone()),
    );
    let pads = Arc::new(
        nichoir_pad::PadService::new(db.clone(), hub.clone(), auth.clone(), config.pads.clone())
            .with_quotas(quotas.clone())
            .with_notifier(notifier.clone())
            .with_images(blobs.clone(), config.uploads.max_image_pixels),
    );
    let mailer = nichoir_mail::Mailer::from_config(&config.smtp, &config.instance.name)?;
    mailer.set_default_language(&config.instance.default_language);
    let polls = Arc::new(
        nichoir_polls::PollService::new(
            db.clone(),
            hub.clone(),
            auth.clone(),
            mailer.clone(),
            config.polls.clone(),
            config.public_base_url(),
        )
        .with_notifier(notifier.clone()),
    );
    let wikis = Arc::new(nichoir_wiki::WikiService::new(nichoir_wiki::WikiDeps {
        db: db.clone(),
        auth: auth.clone(),
        mailer: mailer.clone(),
        config: config.wikis.clone(),
        max_file_bytes: config.uploads.max_file_bytes,
        max_image_pixels: config.uploads.max_image_pixels,
        quotas: quotas.clone(),
        blobs: blobs.clone(),
        base_url: config.public_base_url(),
        notifier: notifier.clone(),
    }));
    let chat = Arc::new(nichoir_chat::ChatService::new(nichoir_chat::ChatDeps {
        db: db.clone(),
        hub: hub.clone(),
        auth: auth.clone(),
        blobs,
        max_file_bytes: config.uploads.max_file_bytes,
        max_image_pixels: config.uploads.max_image_pixels,
        quotas: quotas.clone(),
        retention_days: config.chat.retention_days,
        base_url: config.public_base_url(),
        email: nichoir_chat::EmailSettings {
            mailer: mailer.clone(),
            default: config.chat.email_default,
            after_minutes: config.chat.email_after_minutes,
        },
        // Chat shows cards for links to the tools built before it.
        previewers: [pads.clone() as Arc<dyn Tool>, polls.clone(), wikis.clone()]
            .into_iter()
            .filter_map(|tool| tool.link_preview())
            .collect(),
        notifier: notifier.clone(),
        online,
    }));
    let video = nichoir_video::VideoService::start(nichoir_video::VideoDeps {
        db: db.clone(),
        hub: hub.clone(),
        auth: auth.clone(),
        config: config.video.clone(),
        base_url: config.public_base_url(),
        // A local instance (no public address configured) is reached over loopback.
        include_loopback: config.server.base_url.is_empty(),
        notifier: notifier.clone(),
    })
    .await?;
    let tools: Vec<Arc<dyn Tool>> = vec![
        pads.clone(),
        polls.clone(),
        chat.clone(),
        video.clone(),
        wikis.clone(),
    ];
    let running: Vec<&str> = tools.iter().map(|t| t.name()).collect();
    let declared: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
    if running != declared {
        return Err(format!("the tools {running:?} are not those declared: {declared:?}").into());
    }
    for tool in &tools {
        tool.clone().register_topics();
    }
    let mut exporters: Vec<Arc<dyn ExportContributor>> =
        vec![Arc::new(AccountExport { auth: auth.clone() })];
    exporters.extend(tools.iter().flat_map(|t| t.clone().export_parts()));
    let mut departures: Vec<Arc<dyn nichoir_core::departure::DepartureContributor>> =
        tools.iter().map(|t| t.clone().departure()).collect();
    departures.push(Arc::new(nichoir_notify::NotifyDeparture {
        service: notify.clone(),
    }));
    let moderation: Vec<Arc<dyn nichoir_core::moderation::Moderation>> =
        tools.iter().map(|t| t.clone().moderation()).collect();
    // In a cluster, the first node to start issues the link; the others keep it valid.
    let keep_recent = cluster
        .as_ref()
        .map(|_| std::time::Duration::from_secs(3600));
    let setup_url = auth
        .issue_setup_token_unless(keep_recent)
        .await?
        .map(|t| format!("{}/setup?token={t}", config.public_base_url()));
    if keep_recent.is_some() && setup_url.is_none() && !auth.has_admin().await? {
        tracing::info!(
            "no admin account yet: the setup link is in the output of the node that started first"
        );
    }
    let config = Arc::new(config);
    let ctx = Ctx {
        trusted_proxies: Arc::new(config.trusted_proxies()?),
        live: nichoir_core::config::LiveConfig::new(config.clone()),
        config,
        data_dir,
        db,
        auth,
        hub,
        exporters: Arc::new(exporters),
        departures: Arc::new(departures),
        moderation: Arc::new(moderation),
        quotas,
        mailer,
    };
    let settings = Arc::new(
        crate::settings::Settings::load(
            ctx.config.clone(),
            ctx.live.clone(),
            ctx.db.clone(),
            ctx.mailer.clone(),
        )
        .await?,
    );
    Ok(Prepared {
        ctx,
        settings,
        pads,
        polls,
        wikis,
        chat,
        video,
        tools,
        notify,
        setup_url,
        cluster,
        _lock: lock,
    })
}

impl Prepared {
    /// The hourly removal of favourites whose item no longer exists (run by the job
    /// scheduler; tests run it themselves).
    pub fn favourites_sweep(&self) -> crate::routes::favourites::Sweep {
        crate::routes::favourites::Sweep {
            auth: self.ctx.auth.clone(),
            tools: self.tools.clone(),
            chat: self.chat.clone(),
            video: self.video.clone(),
            wikis: self.wikis.clone(),
        }
    }
}

/// Serves until `shutdown` resolves: then stops accepting, closes WebSockets with a close frame,
/// lets open requests finish (up to `server.shutdown_timeout_secs`), and closes the database
/// after the last queued write.
pub async fn serve(
    mut prepared: Prepared,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + 'static,
) -> std::io::Result<()> {
    let ctx = prepared.ctx.clone();
    let config = ctx.config.clone();
    let api = Arc::new(api());
    let routes = web::Data::from(api.clone());
    let doc = web::Data::new(OpenApiDoc::new(
        api.clone(),
        format!("{} API", config.instance.name),
    ));
    let metrics = crate::metrics::Metrics::new(
        &config,
        &api,
        ctx.hub.clone(),
        ctx.db.clone(),
        ctx.trusted_proxies.clone(),
    )
    .map(web::Data::new);
    let data = web::Data::new(ctx.clone());
    let settings = web::Data::from(prepared.settings.clone());
    let tools = prepared.tools.clone();
    let notify = web::Data::new(prepared.notify.clone());
    let json_limit = config.server.max_json_bytes as usize;
    let header_limit = config.server.max_header_bytes as usize;
    let workers = match config.server.workers {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
        n => n as usize,
    };

    let server = HttpServer::new(move || {
        let api = api.clone();
        let counting = metrics.is_some();
        let metrics = metrics.clone();
        App::new()
            .app_data(data.clone())
            .app_data(settings.clone())
            .configure(|cfg| {
                for tool in &tools {
                    tool.clone().app_data(cfg);
                }
            })
            .app_data(notify.clone())
            .app_data(doc.clone())
            .app_data(routes.clone())
            .app_data(json_config(json_limit))
            .app_data(web::PayloadConfig::new(json_limit))
            .app_data(path_config())
            .app_data(query_config())
            .wrap(from_fn(csrf_guard))
            .wrap(from_fn(security_headers))
            .wrap(from_fn(crate::robots::noindex_header))
            .wrap(from_fn(move |req, next| {
                limit_headers(req, next, header_limit)
            }))
            .wrap(from_fn(request_id_header))
            .wrap(crate::request_log::RequestLog)
            .wrap(Condition::new(
                counting,
                from_fn(crate::metrics::count_requests),
            ))
            .configure(move |cfg| {
                if let Some(m) = metrics {
                    cfg.app_data(m);
                }
                api.configure(cfg)
            })
            .default_service(web::to(fallback))
    })
    .workers(workers)
    .shutdown_timeout(config.server.shutdown_timeout_secs)
    .disable_signals()
    .listen(listener)?
    .run();

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let runs_jobs = match &prepared.cluster {
        Some(cluster) => cluster.runs_jobs(),
        None => std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
    };
    crate::jobs::spawn_all(
        ctx.clone(),
        &prepared.tools,
        prepared.notify.clone(),
        prepared.favourites_sweep(),
        stop_rx,
        runs_jobs,
    );
    let handle = server.handle();
    let hub = ctx.hub.clone();
    let drainer = prepared.cluster.as_ref().map(|c| c.drainer());
    actix_web::rt::spawn(async move {
        shutdown.await;
        // In a cluster the rooms go first, while the sockets are still open: a call's people
        // are sent to the next owner, and edits meanwhile are refused as unavailable (the
        // editors resend them) rather than applied by a node about to vanish.
        if let Some(d) = drainer {
            d.drain().await;
        }
        tracing::info!("shutting down: closing realtime connections, finishing requests");
        let _ = stop_tx.send(true);
        hub.shutdown();
        // Give connection tasks a moment to send their close frames.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        handle.stop(true).await;
    });
    server.await?;
    if let Some(cluster) = prepared.cluster.take() {
        cluster.leave().await;
    }
    // Break the hub ↔ services cycles so the database connections close with the last handle.
    ctx.hub.unregister_all();
    ctx.auth.revocations().forget_listeners();
    let db = ctx.db.clone();
    let _ = tokio::task::spawn_blocking(move || db.close()).await;
    tracing::info!("stopped");
    drop(prepared);
    Ok(())
}

async fn fallback(req: HttpRequest, routes: web::Data<Api>) -> HttpResponse {
    let path = req.path();
    // A declared path asked with another method: 405 naming the methods it takes.
    let allowed = routes.allowed_methods(path);
    if !allowed.is_empty() {
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut resp = ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("{} does not take {}; it takes {allow}", path, req.method()),
        )
        .error_response();
        if let Ok(v) = header::HeaderValue::from_str(&allow) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
        return resp;
    }
    if path.starts_with("/api/") || path == "/api" {
        return ApiError::new(
            ErrorCode::NotFound,
            format!("no route for {} {path}", req.method()),
        )
        .error_response();
    }
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return crate::assets::static_or_app(req).await;
    }
    let mut resp =
        ApiError::new(ErrorCode::MethodNotAllowed, "only GET works on pages").error_response();
    resp.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
    resp
}

async fn limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    limit: usize,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let size: usize = req.uri().to_string().len()
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if size > limit {
        let resp = ApiError::new(ErrorCode::HeadersTooLarge, "request headers are too large")
            .error_response();
        return Ok(req.into_response(resp));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|r| r.to_string());
    let mut resp = next.call(req).await?;
    if let Some(id) = id {
        if let Ok(v) = header::HeaderValue::from_str(&id) {
            resp.headers_mut()
                .insert(header::HeaderName::from_static("x-request-id"), v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_on_a_fresh_database_and_reopening_is_a_no_op() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("m.db");
        let sets = migrations();
        let names: Vec<&str> = sets.iter().map(|s| s.component).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "component names are unique");
        let db = Db::open(&path, &DbOptions::default(), &sets).expect("fresh database migrates");
        db.close();
        let db = Db::open(&path, &DbOptions::default(), &sets).expect("reopens");
        db.close();
    }

    /// The PostgreSQL text of every migration applies, and three nodes starting at once on one
    /// empty database apply each once (the advisory lock), when a test server is configured.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_migration_applies_on_postgres_once_when_nodes_start_together() {
        let Some(url) = tokio::task::spawn_blocking(nichoir_storage::testing::fresh_pg_database)
            .await
            .expect("no panic")
            .expect("test database")
        else {
            return;
        };
        let sets = migrations();
        let open = |url: String, sets: Vec<nichoir_storage::MigrationSet>| {
            tokio::task::spawn_blocking(move || {
                Db::open_postgres(&url, &DbOptions::default(), &sets)
            })
        };
        let starts: Vec<_> = (0..3).map(|_| open(url.clone(), sets.clone())).collect();
        for s in starts {
            s.await.expect("no panic").expect("migrates").close();
        }
        let db = open(url, sets.clone())
            .await
            .expect("no panic")
            .expect("reopens");
        let applied = db
            .read(|c| {
                Ok(c.query_row("SELECT COUNT(*) FROM _migrations", [], |r| {
                    r.get::<_, i64>(0)
                })?)
            })
            .await
            .expect("count");
        let expected: usize = sets.iter().map(|s| s.migrations.len()).sum();
        assert_eq!(applied, expected as i64, "each applied once");
    }
}

#[cfg(test)]
mod typed_routes {
    use nichoir_http::{Api, Body};

    /// The routes of `api` whose JSON answer or body has no declared type.
    fn untyped(api: &Api) -> Vec<String> {
        api.docs()
            .iter()
            .filter(|d| {
                let json_answer = std::iter::once(&d.ok)
                    .chain(&d.also)
                    .any(|(_, ct)| *ct == "application/json");
                (json_answer && d.answer.is_none())
                    || matches!(d.body, Body::Json { schema: None, .. })
            })
            .map(|d| format!("{} {}", d.method, d.path))
            .collect()
    }

    /// Every route of the composition's own table says what its JSON answer and body are
    /// (issue 21): the OpenAPI document describes no answer or body as "anything".
    #[test]
    fn every_json_answer_and_body_is_a_declared_type() {
        let untyped = untyped(&crate::routes::api());
        assert!(untyped.is_empty(), "untyped routes: {untyped:?}");
    }

    /// The same for the notification and push routes.
    #[test]
    fn every_notification_route_is_typed() {
        let untyped = untyped(&nichoir_notify::api(Api::new()));
        assert!(untyped.is_empty(), "untyped routes: {untyped:?}");
    }
}
