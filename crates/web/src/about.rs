//! "About this instance": the CHATONS transparency page, generated from the configuration, the
//! build's component list and the code's own facts (cookies, retention values the jobs use).

use nichoir_core::config::{Config, Registration, RequireTwoFactor};
use nichoir_http::COOKIES;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

const COMPONENTS: &str = include_str!(concat!(env!("OUT_DIR"), "/components.json"));

/// A software component of this build: a Rust crate linked in or an npm package bundled.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Component {
    pub name: String,
    pub version: String,
    pub license: Option<String>,
    /// "cargo" or "npm".
    pub ecosystem: String,
}

/// Every software component in this build: Rust crates linked in and npm packages bundled.
pub fn components() -> Vec<Component> {
    serde_json::from_str(COMPONENTS).unwrap_or_default()
}

/// A cookie this instance sets, and why.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Cookie {
    pub name: &'static str,
    pub purpose: &'static str,
    pub lifetime: String,
    /// The lifetime in days when a setting decides it (the guest cookie).
    pub lifetime_days: Option<u64>,
}

/// One entry of the public register of requests from authorities.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct AuthorityRequest {
    pub date: String,
    pub authority: String,
    pub request: String,
    pub response: String,
}

/// `GET /api/v1/about`: the transparency facts (CHATONS), from the configuration, the build
/// and the code. Empty texts are facts the host has not given yet (listed in `missing`).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct About {
    pub instance: AboutInstance,
    pub hosting: Hosting,
    pub contact: Contact,
    pub terms_of_service: String,
    pub privacy_policy: String,
    /// The built-in English texts: the page shows its own translation instead.
    pub terms_of_service_is_default: bool,
    pub privacy_policy_is_default: bool,
    pub moderation_policy_is_default: bool,
    /// Who publishes and who hosts the service (plain text; empty: not given yet).
    pub legal_notice: String,
    /// The source of the running version (AGPL §13).
    pub source: Source,
    /// Facts the host has not given yet (configuration keys).
    pub missing: Vec<&'static str>,
    pub components: Vec<Component>,
    pub cookies: Vec<Cookie>,
    pub retention: Retention,
    pub security: Security,
    pub sign_in: SignIn,
    /// What reaches people outside the page: mail about missed chat activity; push.
    pub notifications: Notifications,
    pub moderation: ModerationFacts,
    pub authority_requests: Vec<AuthorityRequest>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct AboutInstance {
    pub name: String,
    pub version: &'static str,
    pub base_url: String,
    pub registration: Registration,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Hosting {
    pub provider: String,
    pub country: String,
    pub data_location: String,
    pub backup_location: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Contact {
    pub email: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Source {
    /// The public repository the host names (may be empty).
    pub url: String,
    pub version: &'static str,
    pub license: &'static str,
    /// Where this binary serves its own source, and the archive's name (version and commit).
    pub download: &'static str,
    pub file_name: String,
    pub commit: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Retention {
    pub backup_interval_hours: u64,
    pub backup_keep: u64,
    /// Null when logs go to the service manager rather than to files.
    pub log_retention_days: Option<u64>,
    pub log_destination: String,
    pub log_to_files: bool,
    pub session_idle_hours: u64,
    pub session_absolute_days: u64,
    /// 0 keeps pads forever.
    pub pads_expire_unused_days: u64,
    /// 0 keeps polls forever.
    pub polls_purge_after_days: u64,
    /// 0 keeps chat messages until deleted (a channel may set its own period).
    pub chat_retention_days: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Security {
    pub password_hashing: &'static str,
    pub https: bool,
    pub csp: &'static str,
    pub session_cookie_flags: &'static str,
    pub login_throttling: String,
    pub third_party_requests: bool,
    pub login_throttle: LoginThrottle,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct LoginThrottle {
    pub per_account: u64,
    pub per_address: u64,
    pub window_minutes: u64,
}

/// Who must use a second factor, as the page words it in the reader's language.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "web/")]
pub enum TwoFactorRequired {
    Nobody,
    Admins,
    Everyone,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct SignIn {
    /// "password", "password-admins" (only admins have a Nichoir password), "ldap", and
    /// "oidc:<label> (<provider host>)" per provider.
    pub methods: Vec<String>,
    pub two_factor: &'static str,
    pub password_reset: &'static str,
    pub registration: Registration,
    pub guests_can_create: bool,
    /// The codes the page words in the reader's language (the two texts above are English).
    pub two_factor_required: TwoFactorRequired,
    pub password_reset_by_mail: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct Notifications {
    pub mail: bool,
    /// "immediately", "15min", "hourly" or "never".
    #[ts(type = "\"immediately\" | \"15min\" | \"hourly\" | \"never\"")]
    pub missed_mail_default: &'static str,
    pub missed_mail_after_minutes: u64,
    pub push: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "web/")]
pub struct ModerationFacts {
    pub policy: String,
    pub tools: &'static str,
    pub account_deletion: &'static str,
}

pub fn about(config: &Config) -> About {
    let t = &config.transparency;
    let defaults = nichoir_core::config::TransparencyConfig::default();
    let cookies: Vec<Cookie> = COOKIES
        .iter()
        .map(|c| {
            let lifetime = if c.lifetime == "auth.guest_cookie_days" {
                format!("{} days", config.auth.guest_cookie_days)
            } else {
                c.lifetime.to_string()
            };
            // The page says purpose and lifetime in the reader's language by the cookie's name;
            // the English here is for other readers of the API.
            let days =
                (c.lifetime == "auth.guest_cookie_days").then_some(config.auth.guest_cookie_days);
            Cookie {
                name: c.name,
                purpose: c.purpose,
                lifetime,
                lifetime_days: days,
            }
        })
        .collect();
    let logs_to_files = !config.logging.directory.as_os_str().is_empty();
    let mails = !config.smtp.host.trim().is_empty();
    About {
        instance: AboutInstance {
            name: config.instance.name.clone(),
            version: nichoir_core::VERSION,
            base_url: config.public_base_url(),
            registration: config.instance.registration,
        },
        hosting: Hosting {
            provider: t.hosting_provider.clone(),
            country: t.hosting_country.clone(),
            data_location: t.data_location.clone(),
            backup_location: t.backup_location.clone(),
        },
        contact: Contact {
            email: t.contact_email.clone(),
            url: t.contact_url.clone(),
        },
        terms_of_service: t.terms_of_service.clone(),
        privacy_policy: t.privacy_policy.clone(),
        // The built-in texts are English: the page shows its own translation of them instead.
        terms_of_service_is_default: t.terms_of_service == defaults.terms_of_service,
        privacy_policy_is_default: t.privacy_policy == defaults.privacy_policy,
        moderation_policy_is_default: t.moderation_policy == defaults.moderation_policy,
        legal_notice: t.legal_notice.clone(),
        source: Source {
            url: t.source_url.clone(),
            version: nichoir_core::VERSION,
            license: "AGPL-3.0-or-later",
            // The exact source of this build, served by the binary itself.
            download: crate::source::PATH,
            file_name: format!("{}.tar.gz", crate::source::stem()),
            commit: crate::source::commit().to_string(),
        },
        missing: t.missing(),
        components: components(),
        cookies,
        retention: Retention {
            backup_interval_hours: config.backup.interval_hours,
            backup_keep: config.backup.keep,
            log_retention_days: logs_to_files.then_some(config.logging.retention_days),
            // Codes for the page, which words them in the reader's language.
            log_to_files: logs_to_files,
            log_destination: if logs_to_files { "daily files on this server".to_string() } else { "stderr (kept by the host's service manager, e.g. journald)".to_string() },
            session_idle_hours: config.auth.session_idle_hours,
            session_absolute_days: config.auth.session_absolute_days,
            pads_expire_unused_days: config.pads.expire_unused_days,
            polls_purge_after_days: config.polls.purge_after_days,
            // 0: messages are kept until deleted (a channel may set its own period). What wikis,
            // files, calls and addresses keep is the code's rule, written by the page itself.
            chat_retention_days: config.chat.retention_days,
        },
        security: Security {
            password_hashing: "argon2id (m=19456 KiB, t=2, p=1)",
            https: config.is_https(),
            csp: "only this instance's own origin; no framing by other sites",
            session_cookie_flags: if config.is_https() { "HttpOnly; Secure; SameSite=Lax; __Host- prefix" } else { "HttpOnly; SameSite=Lax" },
            login_throttling: format!("{} failures per account, {} per address, per {} minutes; answered with 429, never a lock-out",
                config.auth.login_failures_per_account, config.auth.login_failures_per_ip, config.auth.login_window_secs / 60),
            third_party_requests: false,
            login_throttle: LoginThrottle {
                per_account: config.auth.login_failures_per_account,
                per_address: config.auth.login_failures_per_ip,
                window_minutes: config.auth.login_window_secs / 60,
            },
        },
        sign_in: SignIn {
            methods: sign_in_methods(config),
            two_factor: match config.auth.require_two_factor {
                RequireTwoFactor::Off => "optional: an authenticator app (TOTP), with recovery codes",
                RequireTwoFactor::Admins => "required for admins, optional for others: an authenticator app (TOTP)",
                RequireTwoFactor::Everyone => "required for everyone: an authenticator app (TOTP)",
            },
            password_reset: if mails {
                "by a link mailed to the account's address, valid one hour, once"
            } else {
                "not offered (this instance sends no mail): an admin sets a new password"
            },
            registration: config.instance.registration,
            guests_can_create: config.auth.guests_can_create,
            two_factor_required: match config.auth.require_two_factor {
                RequireTwoFactor::Off => TwoFactorRequired::Nobody,
                RequireTwoFactor::Admins => TwoFactorRequired::Admins,
                RequireTwoFactor::Everyone => TwoFactorRequired::Everyone,
            },
            password_reset_by_mail: mails,
        },
        // What reaches people outside the page: the app's own files on their device, and mail.
        notifications: Notifications {
            mail: mails,
            missed_mail_default: config.chat.email_default.as_str(),
            missed_mail_after_minutes: config.chat.email_after_minutes,
            push: config.push.enabled,
        },
        moderation: ModerationFacts {
            policy: t.moderation_policy.clone(),
            tools: "admins remove pads, polls, wikis, chat messages and video rooms, and archive chat channels, from their link; each removal is kept with its reason in an audit log that every admin reads",
            account_deletion: "anyone deletes their own account from its page: personal data goes, what they wrote with others stays under \"Deleted user\"",
        },
        authority_requests: t
            .authority_requests
            .iter()
            .map(|r| AuthorityRequest {
                date: r.date.clone(),
                authority: r.authority.clone(),
                request: r.request.clone(),
                response: r.response.clone(),
            })
            .collect(),
    }
}

/// How one signs in here, as the About page lists it: "password" (or "password-admins" when
/// only admins keep one), "ldap", and "oidc:<label> (<provider host>)" per provider, so people
/// see where their sign-in goes.
fn sign_in_methods(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = match config.auth.password_login {
        nichoir_core::config::PasswordLogin::Everyone => vec!["password".into()],
        nichoir_core::config::PasswordLogin::Admins => vec!["password-admins".into()],
        nichoir_core::config::PasswordLogin::Off => Vec::new(),
    };
    if !config.ldap.url.is_empty() {
        out.push("ldap".into());
    }
    for p in &config.oidc.providers {
        let host = p
            .issuer
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("");
        let label = if p.label.is_empty() { &p.id } else { &p.label };
        out.push(format!("oidc:{label} ({host})"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_list_our_dependencies_with_licences() {
        let list = components();
        let find = |name: &str| list.iter().find(|v| v.name == name).cloned();
        let actix = find("actix-web").expect("actix-web listed");
        assert!(!actix.license.unwrap_or_default().is_empty());
        assert_eq!(actix.ecosystem, "cargo");
        assert!(find("preact").is_some_and(|p| p.ecosystem == "npm"));
        assert!(
            find("proptest").is_none(),
            "dev-only crates are not part of the binary"
        );
    }

    #[test]
    fn about_reflects_config() {
        let mut c = Config::default();
        c.transparency.hosting_provider = "Assoc. Hébergeur".into();
        c.backup.keep = 3;
        let a = serde_json::to_value(about(&c)).expect("JSON");
        assert_eq!(a["hosting"]["provider"], "Assoc. Hébergeur");
        assert_eq!(a["retention"]["backup_keep"], 3);
        assert_eq!(a["cookies"][0]["name"], "nichoir_session");
        assert_eq!(a["security"]["third_party_requests"], false);
        // What the page words in the reader's language comes as codes too.
        assert_eq!(a["sign_in"]["two_factor_required"], "nobody");
        assert_eq!(a["sign_in"]["password_reset_by_mail"], false);
        assert_eq!(a["retention"]["log_to_files"], false);
        assert_eq!(
            a["security"]["login_throttle"]["window_minutes"],
            c.auth.login_window_secs / 60
        );
        assert_eq!(a["cookies"][1]["lifetime_days"], c.auth.guest_cookie_days);
    }
}
