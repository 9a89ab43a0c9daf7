use std::sync::Arc;

use ipnet::IpNet;
use nichoir_auth::AuthService;
use nichoir_core::config::Config;
use nichoir_core::export::ExportContributor;
use nichoir_realtime::Hub;
use nichoir_storage::{DataDir, Db};

/// What every handler can reach, shared by all workers (`web::Data<Ctx>`).
#[derive(Clone)]
pub struct Ctx {
    /// The configuration as loaded (file, environment, defaults). What admins may change while
    /// the server runs is read from `live`.
    pub config: Arc<Config>,
    /// The configuration in force, admins' instance settings included.
    pub live: nichoir_core::config::LiveConfig,
    pub data_dir: DataDir,
    pub db: Db,
    pub auth: AuthService,
    pub hub: Hub,
    pub trusted_proxies: Arc<Vec<IpNet>>,
    pub exporters: Arc<Vec<Arc<dyn ExportContributor>>>,
    /// What each tool does when an account is deleted (`nichoir_core::departure`).
    pub departures: Arc<Vec<Arc<dyn nichoir_core::departure::DepartureContributor>>>,
    /// The tools' parts of admin moderation (`nichoir_core::moderation`).
    pub moderation: Arc<Vec<Arc<dyn nichoir_core::moderation::Moderation>>>,
    /// Storage quotas across the tools.
    pub quotas: nichoir_core::quota::Quotas,
    /// Mail for accounts (password reset links); disabled without `[smtp]`.
    pub mailer: nichoir_mail::Mailer,
}

impl Ctx {
    /// `https://host` of the public URL, used to check `Origin`.
    pub fn public_origin(&self) -> String {
        origin_of(&self.config.public_base_url())
    }

    pub fn secure_cookies(&self) -> bool {
        self.config.is_https()
    }
}

pub(crate) fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or("");
    format!("{scheme}://{host}").to_ascii_lowercase()
}
