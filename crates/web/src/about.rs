//! "About this instance": the CHATONS transparency page, generated from the configuration, the
//! build's component list and the code's own facts (cookies, retention values the jobs use).

use nichoir_core::config::{Config, RequireTwoFactor};
use nichoir_http::COOKIES;
use serde_json::{json, Value};

const COMPONENTS: &str = include_str!(concat!(env!("OUT_DIR"), "/components.json"));

/// Every software component in this build: Rust crates linked in and npm packages bundled.
pub fn components() -> Value {
    serde_json::from_str(COMPONENTS).unwrap_or(Value::Array(Vec::new()))
}

pub fn about(config: &Config) -> Value {
    let t = &config.transparency;
    let defaults = nichoir_core::config::TransparencyConfig::default();
    let cookies: Vec<Value> = COOKIES
        .iter()
        .map(|c| {
            let lifetime = if c.lifetime == "auth.guest_cookie_days" {
                format!("{} days", config.auth.guest_cookie_days)
            } else {
                c.lifetime.to_string()
            };
            // The page says purpose and lifetime in the reader's language by the cookie's name;
            // the English here is for other readers of the API.
            let days = (c.lifetime == "auth.guest_cookie_days").then_some(config.auth.guest_cookie_days);
            json!({"name": c.name, "purpose": c.purpose, "lifetime": lifetime, "lifetime_days": days})
        })
        .collect();
    json!({
        "instance": {
            "name": config.instance.name,
            "version": nichoir_core::VERSION,
            "base_url": config.public_base_url(),
            "registration": config.instance.registration.as_str(),
        },
        "hosting": {
            "provider": t.hosting_provider,
            "country": t.hosting_country,
            "data_location": t.data_location,
            "backup_location": t.backup_location,
        },
        "contact": {"email": t.contact_email, "url": t.contact_url},
        "terms_of_service": t.terms_of_service,
        "privacy_policy": t.privacy_policy,
        // The built-in texts are English: the page shows its own translation of them instead.
        "terms_of_service_is_default": t.terms_of_service == defaults.terms_of_service,
        "privacy_policy_is_default": t.privacy_policy == defaults.privacy_policy,
        "moderation_policy_is_default": t.moderation_policy == defaults.moderation_policy,
        "legal_notice": t.legal_notice,
        "source": {
            "url": t.source_url,
            "version": nichoir_core::VERSION,
            "license": "AGPL-3.0-or-later",
            // The exact source of this build, served by the binary itself.
            "download": crate::source::PATH,
            "file_name": format!("{}.tar.gz", crate::source::stem()),
            "commit": crate::source::commit(),
        },
        "missing": t.missing(),
        "components": components(),
        "cookies": cookies,
        "retention": {
            "backup_interval_hours": config.backup.interval_hours,
            "backup_keep": config.backup.keep,
            "log_retention_days": if config.logging.directory.as_os_str().is_empty() { Value::Null } else { json!(config.logging.retention_days) },
            // Codes for the page, which words them in the reader's language.
            "log_to_files": !config.logging.directory.as_os_str().is_empty(),
            "log_destination": if config.logging.directory.as_os_str().is_empty() { "stderr (kept by the host's service manager, e.g. journald)".to_string() } else { "daily files on this server".to_string() },
            "session_idle_hours": config.auth.session_idle_hours,
            "session_absolute_days": config.auth.session_absolute_days,
            "pads_expire_unused_days": config.pads.expire_unused_days,
            "polls_purge_after_days": config.polls.purge_after_days,
            // 0: messages are kept until deleted (a channel may set its own period). What wikis,
            // files, calls and addresses keep is the code's rule, written by the page itself.
            "chat_retention_days": config.chat.retention_days,
        },
        "security": {
            "password_hashing": "argon2id (m=19456 KiB, t=2, p=1)",
            "https": config.is_https(),
            "csp": "only this instance's own origin; no framing by other sites",
            "session_cookie_flags": if config.is_https() { "HttpOnly; Secure; SameSite=Lax; __Host- prefix" } else { "HttpOnly; SameSite=Lax" },
            "login_throttling": format!("{} failures per account, {} per address, per {} minutes; answered with 429, never a lock-out",
                config.auth.login_failures_per_account, config.auth.login_failures_per_ip, config.auth.login_window_secs / 60),
            "third_party_requests": false,
            "login_throttle": {
                "per_account": config.auth.login_failures_per_account,
                "per_address": config.auth.login_failures_per_ip,
                "window_minutes": config.auth.login_window_secs / 60,
            },
        },
        "sign_in": {
            "methods": sign_in_methods(config),
            "two_factor": match config.auth.require_two_factor {
                RequireTwoFactor::Off => "optional: an authenticator app (TOTP), with recovery codes",
                RequireTwoFactor::Admins => "required for admins, optional for others: an authenticator app (TOTP)",
                RequireTwoFactor::Everyone => "required for everyone: an authenticator app (TOTP)",
            },
            "password_reset": if config.smtp.host.trim().is_empty() {
                "not offered (this instance sends no mail): an admin sets a new password"
            } else {
                "by a link mailed to the account's address, valid one hour, once"
            },
            "registration": config.instance.registration.as_str(),
            "guests_can_create": config.auth.guests_can_create,
            "two_factor_required": match config.auth.require_two_factor {
                RequireTwoFactor::Off => "nobody",
                RequireTwoFactor::Admins => "admins",
                RequireTwoFactor::Everyone => "everyone",
            },
            "password_reset_by_mail": !config.smtp.host.trim().is_empty(),
        },
        // What reaches people outside the page: the app's own files on their device, and mail.
        "notifications": {
            "mail": !config.smtp.host.trim().is_empty(),
            "missed_mail_default": config.chat.email_default.as_str(),
            "missed_mail_after_minutes": config.chat.email_after_minutes,
            "push": config.push.enabled,
        },
        "moderation": {
            "policy": t.moderation_policy,
            "tools": "admins remove pads, polls, wikis, chat messages and video rooms, and archive chat channels, from their link; each removal is kept with its reason in an audit log that every admin reads",
            "account_deletion": "anyone deletes their own account from its page: personal data goes, what they wrote with others stays under \"Deleted user\"",
        },
        "authority_requests": t.authority_requests,
    })
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
        let c = components();
        let list = c.as_array().cloned().unwrap_or_default();
        let find = |name: &str| list.iter().find(|v| v["name"] == name).cloned();
        let actix = find("actix-web").expect("actix-web listed");
        assert!(!actix["license"].as_str().unwrap_or("").is_empty());
        assert_eq!(actix["ecosystem"], "cargo");
        assert!(find("preact").is_some_and(|p| p["ecosystem"] == "npm"));
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
        let a = about(&c);
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
