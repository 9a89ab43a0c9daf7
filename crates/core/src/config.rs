//! The configuration: every key declared once here with its default, read from an optional TOML
//! file, overridden by `NICHOIR_*` environment variables, validated before anything starts.
//!
//! Environment names: `NICHOIR_<SECTION>_<KEY>` in upper case (`NICHOIR_AUTH_SESSION_IDLE_HOURS`),
//! plus the short forms `NICHOIR_LISTEN`, `NICHOIR_DATA_DIR` and `NICHOIR_BASE_URL`. Lists are
//! comma-separated.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("unknown config key `{0}`")]
    UnknownKey(String),
    #[error("unknown environment variable `{0}`: it names no config key")]
    UnknownEnv(String),
    #[error("bad value for `{key}`: {message}")]
    BadValue { key: String, message: String },
}

/// The configuration in force, which admins may change while the server runs (the instance
/// settings of the admin page): cheap to clone, read once per request by what an admin can
/// change (the instance's name, registration, the About page's facts, mail).
#[derive(Debug, Clone)]
pub struct LiveConfig(std::sync::Arc<std::sync::RwLock<std::sync::Arc<Config>>>);

impl LiveConfig {
    pub fn new(config: std::sync::Arc<Config>) -> LiveConfig {
        LiveConfig(std::sync::Arc::new(std::sync::RwLock::new(config)))
    }

    pub fn get(&self) -> std::sync::Arc<Config> {
        match self.0.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set(&self, config: std::sync::Arc<Config>) {
        match self.0.write() {
            Ok(mut c) => *c = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
    }
}

/// A list of IPs and CIDRs (`10.0.0.0/8`, `::1`).
fn parse_nets(key: &str, list: &[String]) -> Result<Vec<IpNet>, ConfigError> {
    list.iter()
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| bad(key, format!("`{s}` is not an IP or CIDR")))
        })
        .collect()
}

/// `http(s)://host[:port]` in lower case, nothing after: what a CSP source may hold without
/// widening it (no wildcard, path, quote or separator can reach the header).
pub fn is_origin(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    let port_ok = |p: Option<&str>| {
        p.is_none_or(|p| {
            p.len() <= 5
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n > 0)
        })
    };
    if let Some(v6) = rest.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return false,
            },
        };
        return addr.parse::<std::net::Ipv6Addr>().is_ok() && port_ok(port);
    }
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && port_ok(port)
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_string(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub instance: InstanceConfig,
    pub transparency: TransparencyConfig,
    pub storage: StorageConfig,
    pub cluster: ClusterConfig,
    pub auth: AuthConfig,
    pub realtime: RealtimeConfig,
    pub uploads: UploadsConfig,
    pub backup: BackupConfig,
    pub logging: LoggingConfig,
    pub smtp: SmtpConfig,
    pub video: VideoConfig,
    pub pads: PadsConfig,
    pub polls: PollsConfig,
    pub wikis: WikisConfig,
    pub chat: ChatConfig,
    pub push: PushConfig,
    pub metrics: MetricsConfig,
    pub limits: LimitsConfig,
    pub oidc: OidcConfig,
    pub ldap: LdapConfig,
    /// The keys (`section.key`) the file or the environment set: an admin's setting in the UI
    /// never overrides them (see `nichoir-web`'s settings).
    #[serde(skip)]
    pub explicit: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub trusted_proxies: Vec<String>,
    pub max_json_bytes: u64,
    pub max_header_bytes: u64,
    pub shutdown_timeout_secs: u64,
    pub workers: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            base_url: String::new(),
            data_dir: PathBuf::from("./data"),
            trusted_proxies: Vec::new(),
            max_json_bytes: 1024 * 1024,
            max_header_bytes: 16 * 1024,
            shutdown_timeout_secs: 10,
            workers: 0,
        }
    }
}

/// Who may create an account (`instance.registration`): anyone, those with an invitation, nobody.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "core/")]
pub enum Registration {
    Open,
    InviteOnly,
    Closed,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::InviteOnly => "invite-only",
            Registration::Closed => "closed",
        }
    }
}

/// Who must use two-factor sign-in (`auth.require_two_factor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequireTwoFactor {
    Off,
    Admins,
    Everyone,
}

impl RequireTwoFactor {
    /// Whether an account (an admin or not) must have a second factor.
    pub fn applies_to(self, is_admin: bool) -> bool {
        match self {
            RequireTwoFactor::Off => false,
            RequireTwoFactor::Admins => is_admin,
            RequireTwoFactor::Everyone => true,
        }
    }
}

/// Who may sign in with a password kept by Nichoir (`auth.password_login`). Directory (LDAP)
/// passwords are not Nichoir's and are not concerned.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "core/")]
pub enum PasswordLogin {
    /// Every account that has one.
    Everyone,
    /// Instance admins only, so that they can still sign in when the provider is down; nobody
    /// registers with a password.
    Admins,
    /// Nobody: every sign-in goes through the provider or the directory.
    Off,
}

impl PasswordLogin {
    /// Whether an account (an admin or not) may sign in with a password of Nichoir's.
    pub fn allows(self, is_admin: bool) -> bool {
        match self {
            PasswordLogin::Everyone => true,
            PasswordLogin::Admins => is_admin,
            PasswordLogin::Off => false,
        }
    }
}

/// Single sign-on with OpenID Connect providers (Keycloak, Authentik, LemonLDAP::NG, Nextcloud…).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    pub providers: Vec<OidcProviderConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// In this provider's URLs (`/api/v1/auth/oidc/<id>/callback`): lower-case letters, digits, `-`.
    pub id: String,
    /// The sign-in button's text.
    pub label: String,
    /// The issuer URL; its discovery document is `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// The claim a new account's username comes from.
    pub username_claim: String,
    /// The claim (a dotted path for nested ones, e.g. `realm_access.roles`) whose value or list
    /// makes an instance admin when it holds one of `admin_values`.
    pub admin_claim: String,
    /// Empty: the provider does not decide who is admin (Nichoir's admins do).
    pub admin_values: Vec<String>,
    /// A first sign-in whose verified e-mail address is that of an existing account links to it
    /// instead of creating a new one.
    pub link_by_email: bool,
    /// Whether a first sign-in creates an account; false: only linked accounts sign in.
    pub create_accounts: bool,
}

impl Default for OidcProviderConfig {
    fn default() -> Self {
        OidcProviderConfig {
            id: String::new(),
            label: String::new(),
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            username_claim: "preferred_username".into(),
            admin_claim: "groups".into(),
            admin_values: Vec::new(),
            link_by_email: false,
            create_accounts: true,
        }
    }
}

/// Sign-in against an LDAP directory (OpenLDAP, Active Directory, YunoHost).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LdapConfig {
    /// Empty: no directory. `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before sending any password.
    pub starttls: bool,
    /// A PEM file of the authority that signed the directory's certificate; empty: the system's.
    pub ca_file: String,
    /// The service account that searches for people; empty: bind as the person with `user_dn`.
    pub bind_dn: String,
    pub bind_password: String,
    /// Without a service account: the person's DN, `{username}` replaced (escaped).
    pub user_dn: String,
    /// Where people are searched.
    pub base_dn: String,
    /// Who may sign in: `{username}` replaced (escaped). Leave out disabled people here.
    pub user_filter: String,
    /// A stable identifier of the person (`entryUUID`; `objectGUID` on Active Directory).
    pub id_attribute: String,
    pub username_attribute: String,
    pub display_name_attribute: String,
    pub email_attribute: String,
    /// The DN of a group whose members are instance admins; empty: Nichoir's admins decide.
    pub admin_group: String,
    pub timeout_secs: u64,
}

impl Default for LdapConfig {
    fn default() -> Self {
        LdapConfig {
            url: String::new(),
            starttls: false,
            ca_file: String::new(),
            bind_dn: String::new(),
            bind_password: String::new(),
            user_dn: String::new(),
            base_dn: String::new(),
            user_filter: "(&(objectClass=inetOrgPerson)(uid={username}))".into(),
            id_attribute: "entryUUID".into(),
            username_attribute: "uid".into(),
            display_name_attribute: "cn".into(),
            email_attribute: "mail".into(),
            admin_group: String::new(),
            timeout_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceConfig {
    pub name: String,
    pub registration: Registration,
    pub default_language: String,
    /// The sites that may show pads, polls and wiki pages in a frame (`https://wiki.example.org`):
    /// their `frame-ancestors`. Empty: no site may, as for every other page.
    pub embed_allowed_origins: Vec<String>,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            name: "Nichoir".into(),
            registration: Registration::InviteOnly,
            default_language: "en".into(),
            embed_allowed_origins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransparencyConfig {
    pub hosting_provider: String,
    pub hosting_country: String,
    pub data_location: String,
    pub backup_location: String,
    pub contact_email: String,
    pub contact_url: String,
    pub terms_of_service: String,
    pub privacy_policy: String,
    /// What the admins remove and how to report something, as plain text.
    pub moderation_policy: String,
    /// The legal notice (French law, LCEN art. 6: who publishes the service — name, address,
    /// director of publication — and who hosts it — name, address, phone), as plain text.
    pub legal_notice: String,
    /// Where the source code of the version running here can be downloaded (the AGPL's §13: the
    /// exact version, e.g. a release tag of the project or the host's own fork).
    pub source_url: String,
    pub authority_requests: Vec<AuthorityRequest>,
}

impl TransparencyConfig {
    /// The facts the About page must give and that have no default: an admin is asked for them
    /// until given (keys as in the configuration).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.hosting_provider.trim().is_empty() {
            out.push("transparency.hosting_provider");
        }
        if self.hosting_country.trim().is_empty() {
            out.push("transparency.hosting_country");
        }
        if self.contact_email.trim().is_empty() && self.contact_url.trim().is_empty() {
            out.push("transparency.contact_email");
        }
        if self.legal_notice.trim().is_empty() {
            out.push("transparency.legal_notice");
        }
        // Not `source_url`: without it the binary serves the exact source of its own build
        // (`/source.tar.gz`), which is what the AGPL's §13 asks; a public repository is a plus.
        out
    }
}

impl Default for TransparencyConfig {
    fn default() -> Self {
        TransparencyConfig {
            hosting_provider: String::new(),
            hosting_country: String::new(),
            data_location: String::new(),
            backup_location: String::new(),
            contact_email: String::new(),
            contact_url: String::new(),
            terms_of_service: "This instance is offered as is, free of charge, to the members of its \
                organisation. Be respectful of others. The host may suspend an account that breaks the \
                law or harms other users."
                .into(),
            privacy_policy: "Your data stays on this server. No tracker, no advertising, no \
                third-party request. Cookies are only those listed on this page. You can download all \
                your data from your account settings at any time."
                .into(),
            moderation_policy: "The admins remove content that breaks the law or these terms, and may \
                disable or delete the accounts that post it. Report something to the contact below; each \
                removal is recorded with its reason."
                .into(),
            legal_notice: String::new(),
            source_url: String::new(),
            authority_requests: Vec::new(),
        }
    }
}

/// One entry of the public register of requests from authorities.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRequest {
    pub date: String,
    pub authority: String,
    pub request: String,
    pub response: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Empty: SQLite under the data dir. `postgres://user:pass@host:port/db`: PostgreSQL.
    pub url: String,
    pub synchronous: Synchronous,
    pub busy_timeout_ms: u64,
    pub read_connections: u64,
    pub wal_checkpoint_secs: u64,
    /// SQLite's page size, in bytes, for a database created from now on (an existing one keeps
    /// its own). A page is what a commit writes for each place it changes (a busy pad's last
    /// revisions, a poll option's answers, a channel's counters), to the WAL and again at the
    /// checkpoint: 1 KiB pages wrote 57% fewer bytes per vote or chat message than SQLite's
    /// default 4 KiB, with the same read latency (BENCHMARKS.md, 2026-12-08).
    pub page_size: u64,
}

impl StorageConfig {
    /// Whether SQLite takes `n` as a page size: a power of two from 512 to 65536 (it ignores any
    /// other, silently).
    pub fn is_page_size(n: u64) -> bool {
        (512..=65536).contains(&n) && n.is_power_of_two()
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            url: String::new(),
            synchronous: Synchronous::Full,
            busy_timeout_ms: 5000,
            read_connections: 4,
            wal_checkpoint_secs: 300,
            page_size: 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub session_idle_hours: u64,
    pub session_absolute_days: u64,
    pub login_failures_per_account: u64,
    pub login_failures_per_ip: u64,
    pub login_window_secs: u64,
    pub invite_valid_hours: u64,
    pub guest_cookie_days: u64,
    pub max_concurrent_hashes: u64,
    /// Who must set up two-factor sign-in before using anything else.
    pub require_two_factor: RequireTwoFactor,
    /// Whether people without an account (guests) may create pads, polls and video rooms; they
    /// may always take part in those made by others.
    pub guests_can_create: bool,
    /// Whether a person deleting their account (or an admin deleting one) may also erase what
    /// they wrote that can go alone: chat messages and files, comments, poll answers.
    pub deletion_can_erase: bool,
    /// Who may sign in with a password kept by Nichoir (not with single sign-on).
    pub password_login: PasswordLogin,
    /// Items one account may star across the tools: the list is read whole on every page.
    pub max_favourites: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_idle_hours: 14 * 24,
            session_absolute_days: 90,
            login_failures_per_account: 5,
            login_failures_per_ip: 20,
            login_window_secs: 15 * 60,
            invite_valid_hours: 7 * 24,
            guest_cookie_days: 365,
            max_concurrent_hashes: 4,
            require_two_factor: RequireTwoFactor::Off,
            guests_can_create: true,
            deletion_can_erase: true,
            password_login: PasswordLogin::Everyone,
            max_favourites: 200,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeConfig {
    pub max_message_bytes: u64,
    pub messages_per_second: u64,
    pub burst: u64,
    pub heartbeat_secs: u64,
    pub idle_timeout_secs: u64,
    pub send_queue: u64,
    pub max_topics_per_connection: u64,
    /// The shortest time between two writes to a busy socket that reads batches: what piles up
    /// meanwhile goes out as one message.
    pub batch_interval_ms: u64,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            max_message_bytes: 64 * 1024,
            messages_per_second: 50,
            burst: 200,
            heartbeat_secs: 15,
            idle_timeout_secs: 60,
            send_queue: 512,
            max_topics_per_connection: 64,
            batch_interval_ms: 25,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadsConfig {
    pub max_file_bytes: u64,
    pub max_image_pixels: u64,
    pub quota_bytes_per_user: u64,
    /// Empty: files in the data dir's `uploads/`. `https://host:port`: an S3-compatible object
    /// store (Garage, MinIO) that every node of a cluster reaches.
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    /// `host/bucket/key` addresses (Garage and MinIO take them); false: `bucket.host/key`.
    pub s3_path_style: bool,
}

impl Default for UploadsConfig {
    fn default() -> Self {
        UploadsConfig {
            max_file_bytes: 10 * 1024 * 1024,
            max_image_pixels: 40_000_000,
            quota_bytes_per_user: 1024 * 1024 * 1024,
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "garage".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_path_style: true,
        }
    }
}

/// Several nodes over one PostgreSQL database and a NATS server (`crates/cluster`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Empty: one server alone (no bus). `nats://host:4222` (or `tls://…`): a node of a cluster.
    pub nats_url: String,
    /// Unique per node; empty: the machine's host name.
    pub node_name: String,
    /// The NATS subject prefix: two clusters sharing a NATS server need different ones.
    pub nats_subject: String,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            nats_url: String::new(),
            node_name: String::new(),
            nats_subject: "nichoir".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    pub interval_hours: u64,
    pub keep: u64,
    pub directory: PathBuf,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            interval_hours: 24,
            keep: 7,
            directory: PathBuf::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    pub level: String,
    pub format: String,
    pub directory: PathBuf,
    pub retention_days: u64,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".into(),
            format: "text".into(),
            directory: PathBuf::new(),
            retention_days: 14,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u64,
    pub username: String,
    pub password: String,
    pub from: String,
    /// Upgrade a plain connection with STARTTLS (port 587); refused mail if the server cannot.
    pub starttls: bool,
    /// TLS from the first byte (SMTPS, port 465); `starttls` is then not used.
    pub implicit_tls: bool,
    /// A PEM file of certificate authorities trusted beside the system's (a mail server with a
    /// certificate from a private authority). Empty: the system's store only.
    pub ca_file: String,
}

impl SmtpConfig {
    /// Whether the connection is encrypted (and the server's certificate checked).
    pub fn uses_tls(&self) -> bool {
        self.starttls || self.implicit_tls
    }

    /// A mail server on this machine (where a password in clear crosses no network).
    pub fn is_local(&self) -> bool {
        let host = self
            .host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 587,
            username: String::new(),
            password: String::new(),
            from: String::new(),
            starttls: true,
            implicit_tls: false,
            ca_file: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VideoConfig {
    pub stun_servers: Vec<String>,
    pub turn_servers: Vec<String>,
    pub turn_secret: String,
    pub udp_port: u64,
    pub udp_bind: String,
    pub public_ip: String,
    pub max_participants: u64,
    pub reconnect_grace_secs: u64,
}

impl Default for VideoConfig {
    fn default() -> Self {
        VideoConfig {
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            turn_secret: String::new(),
            udp_port: 0,
            udp_bind: "0.0.0.0".into(),
            public_ip: String::new(),
            max_participants: 12,
            reconnect_grace_secs: 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PadsConfig {
    pub max_pad_chars: u64,
    pub max_op_chars: u64,
    pub max_op_components: u64,
    pub ops_per_second: u64,
    pub snapshot_every: u64,
    pub expire_unused_days: u64,
    pub unload_idle_secs: u64,
    /// Largest image pasted or uploaded into a pad, in bytes.
    pub max_image_bytes: u64,
}

impl Default for PadsConfig {
    fn default() -> Self {
        PadsConfig {
            max_pad_chars: 2_000_000,
            max_op_chars: 200_000,
            max_op_components: 10_000,
            ops_per_second: 30,
            snapshot_every: 500,
            expire_unused_days: 0,
            unload_idle_secs: 600,
            max_image_bytes: 10 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollsConfig {
    pub purge_after_days: u64,
    pub reminder_hours: u64,
    pub max_options: u64,
}

impl Default for PollsConfig {
    fn default() -> Self {
        PollsConfig {
            purge_after_days: 180,
            reminder_hours: 24,
            max_options: 300,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WikisConfig {
    pub max_page_chars: u64,
    pub anonymous_edits_per_hour: u64,
}

impl Default for WikisConfig {
    fn default() -> Self {
        WikisConfig {
            max_page_chars: 200_000,
            anonymous_edits_per_hour: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatConfig {
    pub retention_days: u64,
    /// How often people are mailed about mentions and direct messages they have not seen, unless
    /// they chose otherwise: "immediately", "15min", "hourly" or "never".
    pub email_default: MissedMail,
    /// How long a mention or direct message stays unseen before it is mailed.
    pub email_after_minutes: u64,
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            retention_days: 0,
            email_default: MissedMail::FifteenMinutes,
            email_after_minutes: 10,
        }
    }
}

/// Web Push (RFC 8030, VAPID RFC 8292, payloads encrypted per RFC 8291): notifications reach the
/// devices of people who turned them on, through their browser maker's push service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    pub enabled: bool,
    /// Who push services may contact about this server (the VAPID `sub`): a `mailto:` or
    /// `https:` URL. Empty: the transparency contact address, else the public URL.
    pub contact: String,
    /// Devices one person may register.
    pub max_subscriptions_per_user: u64,
    /// Pushes sent at once.
    pub concurrency: u64,
    /// Time a push service gets to answer.
    pub timeout_secs: u64,
    /// Accept `http://` endpoints on loopback addresses (a push service run by the tests); real
    /// push services are always https.
    pub allow_loopback_http: bool,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            enabled: true,
            contact: String::new(),
            max_subscriptions_per_user: 10,
            concurrency: 16,
            timeout_secs: 10,
            allow_loopback_http: false,
        }
    }
}

/// A Prometheus `/metrics` endpoint for the host's monitoring. Off unless asked for; then read by
/// a scraper holding the token, or from the addresses listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    pub enabled: bool,
    /// A scraper sending `Authorization: Bearer <token>` may read from anywhere. Empty: no token.
    pub token: String,
    /// Addresses (IPs or CIDRs) that may read without the token. A request that came through a
    /// proxy counts as coming from the person behind it (see `server.trusted_proxies`), never
    /// from the proxy's own address.
    pub allow_from: Vec<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: false,
            token: String::new(),
            allow_from: vec!["127.0.0.1".into(), "::1".into()],
        }
    }
}

impl Config {
    /// The networks allowed to read `/metrics` without the token.
    pub fn metrics_allow_from(&self) -> Result<Vec<IpNet>, ConfigError> {
        parse_nets("metrics.allow_from", &self.metrics.allow_from)
    }

    /// The VAPID `sub` push services may use to reach the host.
    pub fn push_contact(&self) -> String {
        if !self.push.contact.is_empty() {
            self.push.contact.clone()
        } else if !self.transparency.contact_email.is_empty() {
            format!("mailto:{}", self.transparency.contact_email)
        } else {
            self.public_base_url()
        }
    }
}

/// How often a person is mailed about what they missed in chat (Mattermost's e-mail batching).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MissedMail {
    #[serde(rename = "immediately")]
    Immediately,
    #[serde(rename = "15min")]
    FifteenMinutes,
    #[serde(rename = "hourly")]
    Hourly,
    #[serde(rename = "never")]
    Never,
}

impl MissedMail {
    pub fn as_str(self) -> &'static str {
        match self {
            MissedMail::Immediately => "immediately",
            MissedMail::FifteenMinutes => "15min",
            MissedMail::Hourly => "hourly",
            MissedMail::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<MissedMail> {
        [
            MissedMail::Immediately,
            MissedMail::FifteenMinutes,
            MissedMail::Hourly,
            MissedMail::Never,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// The least time between two mails; None: no mail.
    pub fn period_ms(self) -> Option<i64> {
        match self {
            MissedMail::Immediately => Some(0),
            MissedMail::FifteenMinutes => Some(15 * 60_000),
            MissedMail::Hourly => Some(60 * 60_000),
            MissedMail::Never => None,
        }
    }
}

/// Bounded work on input (`nichoir_core::limits`, `nichoir_core::work`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Deepest nesting of lists, quotes or HTML elements a renderer or converter accepts.
    pub max_nesting: u64,
    /// Largest text a renderer or converter accepts, in bytes.
    pub max_render_bytes: u64,
    /// Deadline of one render, conversion or import parse.
    pub render_timeout_ms: u64,
    /// Threads of the work pool; 0 = half the cores, at least two.
    pub render_threads: u64,
    /// Renders and conversions per minute from one address without an account (wiki preview and
    /// old revisions, pad HTML export and imports); 0 = no limit.
    pub anonymous_renders_per_minute: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_nesting: crate::limits::DEFAULT_MAX_NESTING as u64,
            max_render_bytes: crate::limits::DEFAULT_MAX_RENDER_BYTES as u64,
            render_timeout_ms: 1000,
            render_threads: 0,
            anonymous_renders_per_minute: 60,
        }
    }
}

/// Keys whose values are secrets: never shown in the admin settings page or logs.
pub const SECRET_KEYS: &[&str] = &[
    "smtp.password",
    "video.turn_secret",
    "uploads.s3_secret_access_key",
    "storage.url",
    "cluster.nats_url",
    "ldap.bind_password",
    "metrics.token",
];

/// Keys that are not set from the environment (tables that need the file).
const FILE_ONLY_KEYS: &[&str] = &["transparency.authority_requests"];

const SHORT_ENV: &[(&str, &str)] = &[
    ("NICHOIR_LISTEN", "server.listen"),
    ("NICHOIR_DATA_DIR", "server.data_dir"),
    ("NICHOIR_BASE_URL", "server.base_url"),
    ("NICHOIR_DATABASE_URL", "storage.url"),
    ("NICHOIR_NATS_URL", "cluster.nats_url"),
];

impl Config {
    /// Loads the file (if any), applies the environment, validates.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut value = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let table: toml::Table =
                    text.parse()
                        .map_err(|e: toml::de::Error| ConfigError::Syntax {
                            path: path.to_path_buf(),
                            message: e.message().to_string(),
                        })?;
                toml::Value::Table(table)
            }
            None => toml::Value::Table(toml::Table::new()),
        };
        let defaults = Self::defaults_value();
        check_known(&value, &defaults, "")?;
        apply_env(&mut value, &defaults, env)?;
        let mut explicit = BTreeSet::new();
        if let toml::Value::Table(sections) = &value {
            for (section, v) in sections {
                if let toml::Value::Table(keys) = v {
                    explicit.extend(keys.keys().map(|k| format!("{section}.{k}")));
                }
            }
        }
        let mut config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let key = e.path().to_string();
            bad(&key, e.inner().to_string())
        })?;
        config.validate()?;
        config.explicit = explicit;
        Ok(config)
    }

    fn defaults_value() -> toml::Value {
        toml::Value::try_from(Config::default())
            .unwrap_or_else(|_| toml::Value::Table(toml::Table::new()))
    }

    /// Every leaf key (`section.key`) with its default, in declaration order of sections.
    pub fn keys() -> Vec<String> {
        let mut out = Vec::new();
        if let toml::Value::Table(t) = Self::defaults_value() {
            for (section, v) in t {
                if let toml::Value::Table(inner) = v {
                    for k in inner.keys() {
                        out.push(format!("{section}.{k}"));
                    }
                }
            }
        }
        out
    }

    /// The environment variable that overrides `key` (`server.listen` → `NICHOIR_SERVER_LISTEN`).
    pub fn env_name(key: &str) -> String {
        format!("NICHOIR_{}", key.replace('.', "_").to_uppercase())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        let url = &self.storage.url;
        if !(url.is_empty() || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad(
                "storage.url",
                "empty (SQLite in the data dir) or postgres://user:password@host:port/database",
            ));
        }
        let nats = &self.cluster.nats_url;
        if !nats.is_empty() {
            if !(nats.starts_with("nats://") || nats.starts_with("tls://")) {
                return Err(bad(
                    "cluster.nats_url",
                    "empty (one server alone) or nats://host:4222 (tls://… for TLS)",
                ));
            }
            if url.is_empty() {
                return Err(bad(
                    "cluster.nats_url",
                    "a cluster needs PostgreSQL: set storage.url (SQLite serves one node only)",
                ));
            }
        }
        let subject = &self.cluster.nats_subject;
        if subject.is_empty()
            || !subject
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad(
                "cluster.nats_subject",
                "letters, digits, - and _ (a NATS subject token)",
            ));
        }
        let push = &self.push;
        if !(push.contact.is_empty()
            || push.contact.starts_with("mailto:")
            || push.contact.starts_with("https://"))
        {
            return Err(bad(
                "push.contact",
                "empty, mailto:someone@example.org or https://…",
            ));
        }
        if !(1..=2000).contains(&self.auth.max_favourites) {
            return Err(bad("auth.max_favourites", "1 to 2000"));
        }
        if !(1..=1000).contains(&push.max_subscriptions_per_user) {
            return Err(bad("push.max_subscriptions_per_user", "1 to 1000"));
        }
        if !(1..=256).contains(&push.concurrency) {
            return Err(bad("push.concurrency", "1 to 256"));
        }
        if !(1..=120).contains(&push.timeout_secs) {
            return Err(bad("push.timeout_secs", "1 to 120"));
        }
        let u = &self.uploads;
        if !u.s3_endpoint.is_empty() {
            if !(u.s3_endpoint.starts_with("http://") || u.s3_endpoint.starts_with("https://")) {
                return Err(bad(
                    "uploads.s3_endpoint",
                    "empty (files in the data dir) or http(s)://host:port of an S3-compatible store",
                ));
            }
            for (key, value) in [
                ("uploads.s3_bucket", &u.s3_bucket),
                ("uploads.s3_region", &u.s3_region),
                ("uploads.s3_access_key_id", &u.s3_access_key_id),
                ("uploads.s3_secret_access_key", &u.s3_secret_access_key),
            ] {
                if value.is_empty() {
                    return Err(bad(key, "needed with uploads.s3_endpoint"));
                }
            }
        }
        for (key, url) in [
            ("transparency.contact_url", &self.transparency.contact_url),
            ("transparency.source_url", &self.transparency.source_url),
        ] {
            if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
                return Err(bad(key, "empty, or an address starting with https://"));
            }
        }
        let email = &self.transparency.contact_email;
        if !email.is_empty()
            && (email.len() > 254
                || email.split('@').filter(|p| !p.is_empty()).count() != 2
                || email.contains(char::is_whitespace))
        {
            return Err(bad(
                "transparency.contact_email",
                "empty, or a mail address",
            ));
        }
        let base = &self.server.base_url;
        if !(base.is_empty() || base.starts_with("http://") || base.starts_with("https://")) {
            return Err(bad(
                "server.base_url",
                "must start with http:// or https://",
            ));
        }
        if base.ends_with('/') {
            return Err(bad("server.base_url", "must not end with a slash"));
        }
        self.trusted_proxies()?;
        self.metrics_allow_from()?;
        let token = &self.metrics.token;
        if !token.is_empty() && (token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic())) {
            return Err(bad(
                "metrics.token",
                "empty, or at least 16 printable characters without spaces (a scraper's secret)",
            ));
        }
        self.validate_sso()?;
        if self.instance.name.trim().is_empty() {
            return Err(bad("instance.name", "must not be empty"));
        }
        if !["en", "fr"].contains(&self.instance.default_language.as_str()) {
            return Err(bad("instance.default_language", "must be \"en\" or \"fr\""));
        }
        if let Some(o) = self
            .instance
            .embed_allowed_origins
            .iter()
            .find(|o| !is_origin(o))
        {
            return Err(bad(
                "instance.embed_allowed_origins",
                format!(
                    "`{o}` is not an origin: https://host or https://host:port, without a path"
                ),
            ));
        }
        let positive: &[(&str, u64)] = &[
            ("server.max_json_bytes", self.server.max_json_bytes),
            ("server.max_header_bytes", self.server.max_header_bytes),
            ("storage.read_connections", self.storage.read_connections),
            ("auth.session_idle_hours", self.auth.session_idle_hours),
            (
                "auth.session_absolute_days",
                self.auth.session_absolute_days,
            ),
            (
                "auth.login_failures_per_account",
                self.auth.login_failures_per_account,
            ),
            (
                "auth.login_failures_per_ip",
                self.auth.login_failures_per_ip,
            ),
            ("auth.login_window_secs", self.auth.login_window_secs),
            ("auth.invite_valid_hours", self.auth.invite_valid_hours),
            (
                "auth.max_concurrent_hashes",
                self.auth.max_concurrent_hashes,
            ),
            (
                "realtime.max_message_bytes",
                self.realtime.max_message_bytes,
            ),
            (
                "realtime.messages_per_second",
                self.realtime.messages_per_second,
            ),
            ("realtime.burst", self.realtime.burst),
            ("realtime.heartbeat_secs", self.realtime.heartbeat_secs),
            ("realtime.send_queue", self.realtime.send_queue),
            (
                "realtime.max_topics_per_connection",
                self.realtime.max_topics_per_connection,
            ),
            ("uploads.max_file_bytes", self.uploads.max_file_bytes),
            ("backup.keep", self.backup.keep),
            ("pads.max_pad_chars", self.pads.max_pad_chars),
            ("pads.max_op_chars", self.pads.max_op_chars),
            ("pads.max_op_components", self.pads.max_op_components),
            ("pads.ops_per_second", self.pads.ops_per_second),
            ("pads.snapshot_every", self.pads.snapshot_every),
            ("pads.max_image_bytes", self.pads.max_image_bytes),
            ("polls.max_options", self.polls.max_options),
            ("wikis.max_page_chars", self.wikis.max_page_chars),
        ];
        for (key, v) in positive {
            if *v == 0 {
                return Err(bad(key, "must be greater than zero"));
            }
        }
        if self.realtime.idle_timeout_secs <= self.realtime.heartbeat_secs {
            return Err(bad(
                "realtime.idle_timeout_secs",
                "must be greater than realtime.heartbeat_secs",
            ));
        }
        if self.realtime.batch_interval_ms > 1000 {
            return Err(bad("realtime.batch_interval_ms", "at most 1000"));
        }
        if self.storage.read_connections > 64 {
            return Err(bad("storage.read_connections", "at most 64"));
        }
        if !StorageConfig::is_page_size(self.storage.page_size) {
            return Err(bad("storage.page_size", "a power of two from 512 to 65536"));
        }
        if !["trace", "debug", "info", "warn", "error"].contains(&self.logging.level.as_str()) {
            return Err(bad(
                "logging.level",
                "one of trace, debug, info, warn, error",
            ));
        }
        if !["text", "json"].contains(&self.logging.format.as_str()) {
            return Err(bad("logging.format", "\"text\" or \"json\""));
        }
        let smtp = &self.smtp;
        if smtp.port > 65535 {
            return Err(bad("smtp.port", "a port number, at most 65535"));
        }
        if !smtp.host.trim().is_empty() {
            if smtp.port == 465 && !smtp.implicit_tls {
                return Err(bad(
                    "smtp.implicit_tls",
                    "port 465 speaks TLS from the first byte (SMTPS): set smtp.implicit_tls = true",
                ));
            }
            if !smtp.username.is_empty() && !smtp.uses_tls() && !smtp.is_local() {
                return Err(bad(
                    "smtp.starttls",
                    "the mail password would cross the network in clear: turn on smtp.starttls \
                     or smtp.implicit_tls (plain SMTP with credentials only to this machine)",
                ));
            }
            if !smtp.ca_file.is_empty() && !Path::new(&smtp.ca_file).is_file() {
                return Err(bad(
                    "smtp.ca_file",
                    format!("`{}` is not a readable file", smtp.ca_file),
                ));
            }
        }
        if self.video.udp_port > 65535 {
            return Err(bad("video.udp_port", "a port number, at most 65535"));
        }
        if self.video.udp_bind.parse::<std::net::IpAddr>().is_err() {
            return Err(bad("video.udp_bind", "an IP address, e.g. \"0.0.0.0\""));
        }
        if !self.video.public_ip.is_empty()
            && self.video.public_ip.parse::<std::net::IpAddr>().is_err()
        {
            return Err(bad("video.public_ip", "an IP address, or \"\" for none"));
        }
        if !(4..=1000).contains(&self.limits.max_nesting) {
            return Err(bad("limits.max_nesting", "between 4 and 1000"));
        }
        if self.limits.max_render_bytes < 1024 {
            return Err(bad("limits.max_render_bytes", "at least 1024"));
        }
        if !(50..=60_000).contains(&self.limits.render_timeout_ms) {
            return Err(bad("limits.render_timeout_ms", "between 50 and 60000"));
        }
        if self.limits.render_threads > 256 {
            return Err(bad(
                "limits.render_threads",
                "at most 256 (0 = half the cores)",
            ));
        }
        if !(2..=50).contains(&self.video.max_participants) {
            return Err(bad("video.max_participants", "between 2 and 50"));
        }
        if !(1..=600).contains(&self.video.reconnect_grace_secs) {
            return Err(bad("video.reconnect_grace_secs", "between 1 and 600"));
        }
        for (i, url) in self.video.stun_servers.iter().enumerate() {
            if !url.starts_with("stun:") && !url.starts_with("stuns:") {
                return Err(bad(
                    &format!("video.stun_servers[{i}]"),
                    "must start with stun:",
                ));
            }
        }
        for (i, url) in self.video.turn_servers.iter().enumerate() {
            if !url.starts_with("turn:") && !url.starts_with("turns:") {
                return Err(bad(
                    &format!("video.turn_servers[{i}]"),
                    "must start with turn:",
                ));
            }
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.listen.parse().map_err(|_| {
            bad(
                "server.listen",
                "an address and port such as 127.0.0.1:8080",
            )
        })
    }

    pub fn trusted_proxies(&self) -> Result<Vec<IpNet>, ConfigError> {
        parse_nets("server.trusted_proxies", &self.server.trusted_proxies)
    }

    /// The public URL, or one derived from the listen address when none is configured.
    pub fn public_base_url(&self) -> String {
        if self.server.base_url.is_empty() {
            format!("http://{}", self.server.listen)
        } else {
            self.server.base_url.clone()
        }
    }

    pub fn is_https(&self) -> bool {
        self.server.base_url.starts_with("https://")
    }

    pub fn backup_dir(&self) -> PathBuf {
        if self.backup.directory.as_os_str().is_empty() {
            self.server.data_dir.join("backups")
        } else {
            self.backup.directory.clone()
        }
    }

    /// The configuration as JSON with secrets replaced, for the admin settings page.
    pub fn redacted_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        for key in SECRET_KEYS {
            if let Some((section, k)) = key.split_once('.') {
                if let Some(slot) = v.get_mut(section).and_then(|s| s.get_mut(k)) {
                    let set = slot.as_str().is_some_and(|s| !s.is_empty());
                    *slot = serde_json::Value::String(if set { "(set)" } else { "" }.into());
                }
            }
        }
        if let Some(list) = v
            .get_mut("oidc")
            .and_then(|o| o.get_mut("providers"))
            .and_then(|p| p.as_array_mut())
        {
            for provider in list {
                if let Some(slot) = provider.get_mut("client_secret") {
                    let set = slot.as_str().is_some_and(|s| !s.is_empty());
                    *slot = serde_json::Value::String(if set { "(set)" } else { "" }.into());
                }
            }
        }
        v
    }

    fn validate_sso(&self) -> Result<(), ConfigError> {
        let mut ids = BTreeSet::new();
        for (i, p) in self.oidc.providers.iter().enumerate() {
            let key = |k: &str| format!("oidc.providers[{i}].{k}");
            if p.id.is_empty()
                || p.id.len() > 32
                || !p
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(bad(&key("id"), "1 to 32 lower-case letters, digits and -"));
            }
            if !ids.insert(p.id.as_str()) {
                return Err(bad(&key("id"), format!("`{}` is used twice", p.id)));
            }
            if !(p.issuer.starts_with("https://") || p.issuer.starts_with("http://")) {
                return Err(bad(&key("issuer"), "the provider's issuer URL, https://…"));
            }
            if p.client_id.is_empty() {
                return Err(bad(&key("client_id"), "must not be empty"));
            }
            if !p.scopes.iter().any(|s| s == "openid") {
                return Err(bad(&key("scopes"), "must include \"openid\""));
            }
            if p.username_claim.is_empty() {
                return Err(bad(&key("username_claim"), "must not be empty"));
            }
        }
        let l = &self.ldap;
        if self.auth.password_login == PasswordLogin::Off
            && l.url.is_empty()
            && self.oidc.providers.is_empty()
        {
            return Err(bad(
                "auth.password_login",
                "\"off\" needs [[oidc.providers]] or [ldap]: nobody could sign in",
            ));
        }
        if l.url.is_empty() {
            return Ok(());
        }
        if !(l.url.starts_with("ldap://") || l.url.starts_with("ldaps://")) {
            return Err(bad(
                "ldap.url",
                "empty (no directory), ldap://host:389 or ldaps://host:636",
            ));
        }
        if l.starttls && l.url.starts_with("ldaps://") {
            return Err(bad(
                "ldap.starttls",
                "not with ldaps://, which is TLS already",
            ));
        }
        if !l.user_filter.contains("{username}") {
            return Err(bad("ldap.user_filter", "must contain {username}"));
        }
        if l.bind_dn.is_empty() {
            if !l.user_dn.contains("{username}") {
                return Err(bad(
                    "ldap.user_dn",
                    "without ldap.bind_dn, the person's DN with {username}, e.g. uid={username},ou=people,dc=example,dc=org",
                ));
            }
        } else if l.base_dn.is_empty() {
            return Err(bad(
                "ldap.base_dn",
                "needed with ldap.bind_dn: where people are searched",
            ));
        }
        for (key, v) in [
            ("ldap.id_attribute", &l.id_attribute),
            ("ldap.username_attribute", &l.username_attribute),
        ] {
            if v.is_empty() {
                return Err(bad(key, "must not be empty"));
            }
        }
        if !(1..=60).contains(&l.timeout_secs) {
            return Err(bad("ldap.timeout_secs", "between 1 and 60"));
        }
        Ok(())
    }
}

fn check_known(
    value: &toml::Value,
    defaults: &toml::Value,
    prefix: &str,
) -> Result<(), ConfigError> {
    let (toml::Value::Table(user), toml::Value::Table(known)) = (value, defaults) else {
        return Ok(());
    };
    for (k, v) in user {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match known.get(k) {
            None => return Err(ConfigError::UnknownKey(path)),
            Some(default @ toml::Value::Table(_)) => {
                if !matches!(v, toml::Value::Table(_)) {
                    return Err(bad(&path, "must be a table (a [section])"));
                }
                check_known(v, default, &path)?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn apply_env(
    value: &mut toml::Value,
    defaults: &toml::Value,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let toml::Value::Table(known) = defaults else {
        return Ok(());
    };
    let sections: BTreeSet<String> = known.keys().map(|s| s.to_uppercase()).collect();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("NICHOIR_") else {
            continue;
        };
        let key = if let Some((_, key)) = SHORT_ENV.iter().find(|(n, _)| *n == name) {
            key.to_string()
        } else {
            // Only variables that start with a section name are settings; others (NICHOIR_CONFIG,
            // NICHOIR_LOG, …) belong to other programs or to the CLI.
            let Some(section) = sections.iter().find(|s| rest.starts_with(&format!("{s}_"))) else {
                continue;
            };
            let field = rest[section.len() + 1..].to_lowercase();
            let key = format!("{}.{field}", section.to_lowercase());
            if FILE_ONLY_KEYS.contains(&key.as_str()) {
                return Err(bad(&key, "can only be set in the config file"));
            }
            key
        };
        let (section, field) = key.split_once('.').unwrap_or(("", ""));
        let Some(default) = known.get(section).and_then(|s| s.get(field)) else {
            return Err(ConfigError::UnknownEnv(name));
        };
        let parsed = parse_env_value(&key, default, &raw)?;
        if let toml::Value::Table(root) = value {
            let entry = root
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = entry {
                t.insert(field.to_string(), parsed);
            }
        }
    }
    Ok(())
}

fn parse_env_value(
    key: &str,
    default: &toml::Value,
    raw: &str,
) -> Result<toml::Value, ConfigError> {
    if key == "oidc.providers" {
        // A list of tables: the variable holds it as TOML, `[{id = "…", issuer = "…"}]`.
        let parsed: toml::Table = format!("v = {raw}").parse().map_err(|e: toml::de::Error| {
            bad(key, format!("not a TOML list of tables: {}", e.message()))
        })?;
        return parsed
            .get("v")
            .cloned()
            .ok_or_else(|| bad(key, "not a TOML list of tables"));
    }
    Ok(match default {
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| bad(key, format!("`{raw}` is not a whole number")))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(bad(key, format!("`{raw}` is not true or false"))),
        }),
        toml::Value::Float(_) => toml::Value::Float(
            raw.trim()
                .parse::<f64>()
                .map_err(|_| bad(key, format!("`{raw}` is not a number")))?,
        ),
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        ),
        _ => toml::Value::String(raw.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_about_pages_missing_facts_are_those_without_a_stand_in() {
        let mut t = TransparencyConfig::default();
        assert_eq!(
            t.missing(),
            [
                "transparency.hosting_provider",
                "transparency.hosting_country",
                "transparency.contact_email",
                "transparency.legal_notice",
            ]
        );
        t.hosting_provider = "Hébergeur Associatif".into();
        t.hosting_country = "France".into();
        t.contact_url = "https://asso.example.org/contact".into();
        t.legal_notice = "Publisher: Les Jardins.".into();
        // The binary serves its own source: no public repository is needed.
        assert!(t.source_url.is_empty());
        assert_eq!(t.missing(), Vec::<&str>::new());
    }

    #[test]
    fn embedding_sites_are_bare_origins() {
        for ok in [
            "https://wiki.example.org",
            "http://127.0.0.1:8080",
            "https://[::1]:8443",
            "https://moodle.asso-exemple.fr",
        ] {
            assert!(is_origin(ok), "{ok}");
        }
        for no in [
            "wiki.example.org",
            "https://wiki.example.org/",
            "https://wiki.example.org/page",
            "https://*.example.org",
            "https://Wiki.example.org",
            "https://wiki.example.org:0",
            "https://wiki.example.org:99999",
            "https://wiki example.org",
            "https://a.org; script-src *",
            "https://a.org 'unsafe-inline'",
            "ftp://a.org",
            "https://",
            "https://-a.org",
            "https://[nope]",
        ] {
            assert!(!is_origin(no), "{no}");
        }
        let c = Config::load(
            None,
            env(&[(
                "NICHOIR_INSTANCE_EMBED_ALLOWED_ORIGINS",
                "https://a.example, https://b.example:8443",
            )]),
        )
        .expect("loads");
        assert_eq!(
            c.instance.embed_allowed_origins,
            vec!["https://a.example", "https://b.example:8443"]
        );
        let err = Config::load(
            None,
            env(&[(
                "NICHOIR_INSTANCE_EMBED_ALLOWED_ORIGINS",
                "https://a.example,wiki.example.org/x",
            )]),
        )
        .expect_err("refused")
        .to_string();
        assert!(
            err.contains("instance.embed_allowed_origins") && err.contains("wiki.example.org/x"),
            "{err}"
        );
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    /// Every node setting of `deploy/compose-cluster.yaml` is a known key whose value passes
    /// validation, with the `${VAR:?…}` the host must set filled in as a host would.
    #[test]
    fn the_compose_file_s_settings_load() {
        let compose = include_str!("../../../deploy/compose-cluster.yaml");
        let fill = |v: &str| -> String {
            v.replace("${NICHOIR_PG_PASSWORD:?set NICHOIR_PG_PASSWORD}", "secret")
                .replace("${NICHOIR_PUBLIC_IP:?set NICHOIR_PUBLIC_IP}", "192.0.2.10")
        };
        let vars: Vec<(String, String)> = compose
            .lines()
            .filter_map(|l| l.trim().split_once(':'))
            .filter(|(k, _)| k.starts_with("NICHOIR_"))
            .map(|(k, v)| (k.to_string(), fill(v.trim().trim_matches('"'))))
            .collect();
        assert!(vars.len() >= 9, "the nodes' settings: {vars:?}");
        assert!(
            vars.iter().all(|(_, v)| !v.contains("${")),
            "a variable left unfilled: {vars:?}"
        );
        let config = Config::load(None, vars).expect("the compose file's settings load");
        assert_eq!(config.cluster.nats_url, "nats://nats:4222");
        assert_eq!(config.video.public_ip, "192.0.2.10");
    }

    fn load_str(toml_text: &str, e: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().map_err(|source| ConfigError::Read {
            path: PathBuf::new(),
            source,
        })?;
        let path = dir.path().join("c.toml");
        std::fs::write(&path, toml_text).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::load(Some(&path), env(e))
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::load(None, env(&[])).expect("defaults load");
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.server.data_dir, PathBuf::from("./data"));
        assert_eq!(c.storage.synchronous, Synchronous::Full);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = load_str("[server]\nlisten_addr = \"x\"\n", &[]).expect_err("unknown key");
        assert_eq!(err.to_string(), "unknown config key `server.listen_addr`");
        let err = load_str("[serveur]\n", &[]).expect_err("unknown section");
        assert!(err.to_string().contains("`serveur`"));
    }

    #[test]
    fn bad_value_is_named() {
        let err = load_str("[instance]\nregistration = \"sometimes\"\n", &[]).expect_err("bad");
        assert!(err.to_string().contains("instance.registration"), "{err}");
        let err = load_str("[server]\nlisten = \"nowhere\"\n", &[]).expect_err("bad");
        assert!(err.to_string().contains("server.listen"), "{err}");
        let err = load_str("[auth]\nsession_idle_hours = \"ten\"\n", &[]).expect_err("bad");
        assert!(err.to_string().contains("auth.session_idle_hours"), "{err}");
    }

    #[test]
    fn favourites_cap_is_a_key_with_bounds() {
        assert_eq!(
            load_str("", &[]).expect("defaults").auth.max_favourites,
            200
        );
        let c = load_str(
            "[auth]\nmax_favourites = 3\n",
            &[("NICHOIR_AUTH_MAX_FAVOURITES", "5")],
        )
        .expect("load");
        assert_eq!(c.auth.max_favourites, 5, "the environment wins");
        for bad in ["0", "2001"] {
            let err = load_str(&format!("[auth]\nmax_favourites = {bad}\n"), &[])
                .expect_err("out of bounds");
            assert!(err.to_string().contains("auth.max_favourites"), "{err}");
        }
    }

    #[test]
    fn page_size_is_a_power_of_two_sqlite_takes() {
        let c = load_str("", &[("NICHOIR_STORAGE_PAGE_SIZE", "4096")]).expect("load");
        assert_eq!(c.storage.page_size, 4096);
        for bad in ["256", "1000", "131072"] {
            let err = load_str(&format!("[storage]\npage_size = {bad}\n"), &[])
                .expect_err("not a page size");
            assert!(err.to_string().contains("storage.page_size"), "{err}");
        }
    }

    #[test]
    fn env_overrides_file() {
        let c = load_str(
            "[server]\nlisten = \"127.0.0.1:9000\"\n[instance]\nname = \"File\"\n",
            &[
                ("NICHOIR_LISTEN", "127.0.0.1:0"),
                ("NICHOIR_INSTANCE_NAME", "Env"),
                ("NICHOIR_SERVER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
                ("NICHOIR_SMTP_STARTTLS", "false"),
                ("NICHOIR_CONFIG", "ignored"),
            ],
        )
        .expect("load");
        assert_eq!(c.server.listen, "127.0.0.1:0");
        assert_eq!(c.instance.name, "Env");
        assert_eq!(c.server.trusted_proxies, vec!["127.0.0.1", "10.0.0.0/8"]);
        assert!(!c.smtp.starttls);
        assert_eq!(c.trusted_proxies().map(|v| v.len()).unwrap_or(0), 2);
    }

    #[test]
    fn mail_credentials_never_cross_the_network_in_clear() {
        let load = |toml: &str| {
            let dir = tempfile::tempdir().expect("dir");
            let path = dir.path().join("n.toml");
            std::fs::write(&path, toml).expect("write");
            Config::load(Some(&path), env(&[]))
        };
        let err = load("[smtp]\nhost = \"mail.example.org\"\nusername = \"u\"\npassword = \"p\"\nstarttls = false\n")
            .expect_err("clear text credentials");
        assert!(err.to_string().contains("smtp.starttls"), "{err}");
        // To this machine, or with TLS either way: fine.
        for ok in [
            "[smtp]\nhost = \"127.0.0.1\"\nusername = \"u\"\nstarttls = false\n",
            "[smtp]\nhost = \"localhost\"\nusername = \"u\"\nstarttls = false\n",
            "[smtp]\nhost = \"[::1]\"\nusername = \"u\"\nstarttls = false\n",
            "[smtp]\nhost = \"mail.example.org\"\nusername = \"u\"\n",
            "[smtp]\nhost = \"mail.example.org\"\nport = 465\nimplicit_tls = true\nstarttls = false\nusername = \"u\"\n",
            // No credentials: a relay that trusts this host's address.
            "[smtp]\nhost = \"relay.example.org\"\nport = 25\nstarttls = false\n",
        ] {
            load(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        let err =
            load("[smtp]\nhost = \"mail.example.org\"\nport = 465\n").expect_err("465 without TLS");
        assert!(err.to_string().contains("smtp.implicit_tls"), "{err}");
        let err = load("[smtp]\nhost = \"mail.example.org\"\nca_file = \"/nonexistent/ca.pem\"\n")
            .expect_err("missing CA file");
        assert!(err.to_string().contains("smtp.ca_file"), "{err}");
    }

    #[test]
    fn env_errors_are_named() {
        let err = Config::load(None, env(&[("NICHOIR_SERVER_LISTN", "x")])).expect_err("typo");
        assert!(err.to_string().contains("NICHOIR_SERVER_LISTN"), "{err}");
        let err = Config::load(None, env(&[("NICHOIR_AUTH_SESSION_IDLE_HOURS", "x")]))
            .expect_err("bad number");
        assert!(err.to_string().contains("auth.session_idle_hours"), "{err}");
    }

    #[test]
    fn every_key_is_in_the_example_file() {
        let example = include_str!("../../../config/nichoir.example.toml");
        let parsed: toml::Table = example.parse().expect("example parses");
        let value = toml::Value::Table(parsed);
        check_known(&value, &Config::defaults_value(), "").expect("example has only known keys");
        for key in Config::keys() {
            let (section, field) = key.split_once('.').unwrap_or_default();
            let header = format!("[{section}]");
            let start = example
                .find(&header)
                .unwrap_or_else(|| panic!("no {header} in example"));
            let body = &example[start..];
            assert!(
                body.contains(&format!("\n{field} =")) || body.contains(&format!("\n# {field} =")),
                "example lacks a line for {key}"
            );
            let env = Config::env_name(&key);
            assert!(
                FILE_ONLY_KEYS.contains(&key.as_str()) || example.contains(&env),
                "example lacks the env name {env}"
            );
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let mut c = Config::default();
        c.smtp.password = "hunter2".into();
        let v = c.redacted_json();
        assert_eq!(v["smtp"]["password"], "(set)");
        assert!(!v.to_string().contains("hunter2"));
    }
    #[test]
    fn oidc_providers_come_from_the_file_or_one_variable() {
        let c = load_str(
            "[[oidc.providers]]\nid = \"kc\"\nlabel = \"Keycloak\"\nissuer = \"https://sso.example.org/realms/asso\"\nclient_id = \"nichoir\"\nclient_secret = \"s3cret\"\nadmin_values = [\"admins\"]\n",
            &[],
        )
        .expect("loads");
        let p = &c.oidc.providers[0];
        assert_eq!((p.id.as_str(), p.scopes.len()), ("kc", 3));
        assert_eq!(p.username_claim, "preferred_username");
        let shown = c.redacted_json().to_string();
        assert!(
            !shown.contains("s3cret") && shown.contains("(set)"),
            "{shown}"
        );

        let c = Config::load(
            None,
            env(&[(
                "NICHOIR_OIDC_PROVIDERS",
                "[{id = \"kc\", issuer = \"https://sso.example.org\", client_id = \"n\"}]",
            )]),
        )
        .expect("loads");
        assert_eq!(c.oidc.providers[0].issuer, "https://sso.example.org");
        let err =
            Config::load(None, env(&[("NICHOIR_OIDC_PROVIDERS", "[{id = ")])).expect_err("refused");
        assert!(err.to_string().contains("oidc.providers"), "{err}");
    }

    #[test]
    fn a_bad_provider_is_named() {
        for (toml, named) in [
            (
                "id = \"KC\"\nissuer = \"https://a\"\nclient_id = \"n\"",
                "oidc.providers[0].id",
            ),
            (
                "id = \"kc\"\nissuer = \"a\"\nclient_id = \"n\"",
                "oidc.providers[0].issuer",
            ),
            (
                "id = \"kc\"\nissuer = \"https://a\"\nclient_id = \"\"",
                "oidc.providers[0].client_id",
            ),
            (
                "id = \"kc\"\nissuer = \"https://a\"\nclient_id = \"n\"\nscopes = [\"email\"]",
                "oidc.providers[0].scopes",
            ),
            (
                "id = \"kc\"\nissuer = \"https://a\"\nclient_id = \"n\"\nclient_sekret = \"x\"",
                "client_sekret",
            ),
        ] {
            let err = load_str(&format!("[[oidc.providers]]\n{toml}\n"), &[]).expect_err("refused");
            assert!(err.to_string().contains(named), "{named}: {err}");
        }
        let twice = "[[oidc.providers]]\nid = \"kc\"\nissuer = \"https://a\"\nclient_id = \"n\"\n";
        let err = load_str(&format!("{twice}{twice}"), &[]).expect_err("refused");
        assert!(err.to_string().contains("used twice"), "{err}");
    }

    #[test]
    fn ldap_settings_are_checked() {
        let ok = Config::load(
            None,
            env(&[
                ("NICHOIR_LDAP_URL", "ldap://127.0.0.1:389"),
                ("NICHOIR_LDAP_BIND_DN", "cn=reader,dc=example,dc=org"),
                ("NICHOIR_LDAP_BIND_PASSWORD", "pw"),
                ("NICHOIR_LDAP_BASE_DN", "ou=people,dc=example,dc=org"),
            ]),
        )
        .expect("loads");
        assert!(!ok.redacted_json().to_string().contains("\"pw\""));
        for (vars, named) in [
            (vec![("NICHOIR_LDAP_URL", "http://x")], "ldap.url"),
            (vec![("NICHOIR_LDAP_URL", "ldap://x")], "ldap.user_dn"),
            (
                vec![
                    ("NICHOIR_LDAP_URL", "ldap://x"),
                    ("NICHOIR_LDAP_BIND_DN", "cn=r"),
                ],
                "ldap.base_dn",
            ),
            (
                vec![
                    ("NICHOIR_LDAP_URL", "ldaps://x"),
                    ("NICHOIR_LDAP_STARTTLS", "true"),
                    ("NICHOIR_LDAP_USER_DN", "uid={username}"),
                ],
                "ldap.starttls",
            ),
            (
                vec![
                    ("NICHOIR_LDAP_URL", "ldap://x"),
                    ("NICHOIR_LDAP_USER_DN", "uid={username}"),
                    ("NICHOIR_LDAP_USER_FILTER", "(uid=*)"),
                ],
                "ldap.user_filter",
            ),
            (
                vec![("NICHOIR_AUTH_PASSWORD_LOGIN", "nobody")],
                "auth.password_login",
            ),
            (
                vec![("NICHOIR_AUTH_PASSWORD_LOGIN", "off")],
                "auth.password_login",
            ),
        ] {
            let err = Config::load(None, env(&vars)).expect_err("refused");
            assert!(err.to_string().contains(named), "{named}: {err}");
        }
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any value in any known setting's variable either loads or names the key: never a panic.
        #[test]
        fn env_values_load_or_name_the_key(idx in 0usize..64, value in ".{0,40}") {
            let keys: Vec<String> = Config::keys()
                .into_iter()
                .filter(|k| !FILE_ONLY_KEYS.contains(&k.as_str()))
                .collect();
            let key = &keys[idx % keys.len()];
            match Config::load(None, vec![(Config::env_name(key), value)]) {
                Ok(_) => {}
                Err(e) => prop_assert!(e.to_string().contains(key.as_str()), "{e} should name {key}"),
            }
        }
    }
}
