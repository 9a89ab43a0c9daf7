//! The instance settings an association acts on, edited by admins in the UI: name, registration,
//! language, the About page's facts, mail. Stored in `instance_settings` over the configuration:
//! the file's value (or the built-in default) until an admin sets one; a key the file or the
//! environment sets is the host's and stays read-only in the UI (shown as "set in the file").
//!
//! A change takes effect at once: readers take [`Settings::current`] for each request, and the
//! mailer every tool shares is reconfigured.

use std::collections::BTreeMap;
use std::sync::Arc;

use nichoir_core::config::{Config, LiveConfig};
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_mail::Mailer;
use nichoir_storage::{params, Db, Migration, MigrationSet};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "instance",
    migrations: &[Migration {
        version: 1,
        name: "instance_settings",
        sql: r#"
CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    -- JSON: a string, a number or a boolean, as the key's kind says. updated_at: ms.
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;
"#,
        pg: r#"
CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
"#,
        after: None,
    }],
};

/// How a setting is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "SettingKind")]
#[ts(export, export_to = "web/", rename = "SettingKind")]
pub enum Kind {
    /// One line of at most `max_length` characters.
    Text,
    /// Paragraphs (terms, policies, legal notice).
    LongText,
    /// One of `choices`.
    Choice,
    Bool,
    Port,
    /// Written, never shown back.
    Secret,
    /// Lines of at most `max_length` characters each (at most `MAX_LIST` of them).
    List,
}

const MAX_LIST: usize = 50;

/// The settings the UI offers, in the order it shows them, by group.
struct Editable {
    key: &'static str,
    group: &'static str,
    kind: Kind,
    max_length: usize,
    choices: &'static [&'static str],
}

const fn text(key: &'static str, group: &'static str, max_length: usize) -> Editable {
    Editable {
        key,
        group,
        kind: Kind::Text,
        max_length,
        choices: &[],
    }
}

const fn long(key: &'static str, group: &'static str) -> Editable {
    Editable {
        key,
        group,
        kind: Kind::LongText,
        max_length: 20_000,
        choices: &[],
    }
}

const fn of(key: &'static str, group: &'static str, kind: Kind) -> Editable {
    Editable {
        key,
        group,
        kind,
        max_length: 0,
        choices: &[],
    }
}

const EDITABLE: &[Editable] = &[
    text("instance.name", "instance", 64),
    Editable {
        key: "instance.registration",
        group: "instance",
        kind: Kind::Choice,
        max_length: 0,
        choices: &["open", "invite-only", "closed"],
    },
    Editable {
        key: "instance.default_language",
        group: "instance",
        kind: Kind::Choice,
        max_length: 0,
        choices: &["en", "fr"],
    },
    Editable {
        key: "instance.embed_allowed_origins",
        group: "instance",
        kind: Kind::List,
        max_length: 200,
        choices: &[],
    },
    text("transparency.hosting_provider", "about", 200),
    text("transparency.hosting_country", "about", 100),
    text("transparency.data_location", "about", 200),
    text("transparency.backup_location", "about", 200),
    text("transparency.contact_email", "about", 254),
    text("transparency.contact_url", "about", 500),
    text("transparency.source_url", "about", 500),
    long("transparency.legal_notice", "about"),
    long("transparency.terms_of_service", "about"),
    long("transparency.privacy_policy", "about"),
    long("transparency.moderation_policy", "about"),
    text("smtp.host", "mail", 253),
    of("smtp.port", "mail", Kind::Port),
    text("smtp.username", "mail", 254),
    of("smtp.password", "mail", Kind::Secret),
    text("smtp.from", "mail", 320),
    of("smtp.starttls", "mail", Kind::Bool),
    of("smtp.implicit_tls", "mail", Kind::Bool),
];

fn editable(key: &str) -> Option<&'static Editable> {
    EDITABLE.iter().find(|e| e.key == key)
}

/// Where a setting's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "SettingSource")]
#[ts(export, export_to = "web/", rename = "SettingSource")]
pub enum Source {
    /// Built in: nobody set it.
    Default,
    /// An admin set it in the UI.
    Admin,
    /// The configuration file or the environment set it: read-only here.
    File,
}

/// One instance setting (`GET /api/v1/admin/instance-settings`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "web/", rename = "InstanceSetting")]
#[schemars(rename = "InstanceSetting")]
pub struct SettingView {
    pub key: &'static str,
    /// "instance", "about" or "mail".
    #[ts(type = "\"instance\" | \"about\" | \"mail\"")]
    pub group: &'static str,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max_length: Option<usize>,
    /// The values a `choice` may take (absent for the other kinds).
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    #[schemars(with = "Vec<String>")]
    #[ts(optional, as = "Option<Vec<String>>")]
    pub choices: &'static [&'static str],
    /// The value in force (absent for a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | number | boolean | Array<string>")]
    pub value: Option<Value>,
    /// What "back to the default" gives (the file's value, or the built-in one).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | number | boolean | Array<string>")]
    pub default: Option<Value>,
    /// For a secret: whether one is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub is_set: Option<bool>,
    /// "file": set by the configuration file, read-only here.
    pub source: Source,
}

/// `GET /api/v1/admin/instance-settings`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export, export_to = "web/", rename = "InstanceSettings")]
#[schemars(rename = "InstanceSettings")]
pub struct SettingsView {
    pub settings: Vec<SettingView>,
    /// Whether mail goes out (a host is set): poll and chat mail options depend on it.
    pub mail_enabled: bool,
    /// The About page's facts still to give (keys), see `TransparencyConfig::missing`.
    pub missing: Vec<&'static str>,
}

/// `PATCH` body: the keys to change; `null` puts a key back to its default.
#[derive(Debug, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "web/")]
pub struct SettingsChange {
    pub changes: BTreeMap<String, Value>,
}

pub struct Settings {
    /// The configuration as loaded (file, environment, built-in defaults).
    base: Arc<Config>,
    /// What admins set (key → JSON value), as stored.
    stored: RwLock<BTreeMap<String, Value>>,
    /// Shared with every reader (`Ctx::live`).
    current: LiveConfig,
    db: Db,
    mailer: Mailer,
}

fn to_json(config: &Config) -> Result<Value, Error> {
    serde_json::to_value(config).map_err(|e| Error::internal(format!("settings: {e}")))
}

fn get<'a>(json: &'a Value, key: &str) -> Option<&'a Value> {
    let (section, name) = key.split_once('.')?;
    json.get(section)?.get(name)
}

/// `base` with `stored` laid over it (forced keys skipped), checked as a whole.
fn compose(base: &Config, stored: &BTreeMap<String, Value>) -> Result<Config, Error> {
    let mut json = to_json(base)?;
    for (key, value) in stored {
        if base.explicit.contains(key) || editable(key).is_none() {
            continue;
        }
        if let Some((section, name)) = key.split_once('.') {
            if let Some(slot) = json.get_mut(section).and_then(|s| s.get_mut(name)) {
                *slot = value.clone();
            }
        }
    }
    let mut config: Config = serde_json::from_value(json)
        .map_err(|e| Error::new(ErrorCode::ValidationFailed, format!("settings: {e}")))?;
    config.explicit = base.explicit.clone();
    config
        .validate()
        .map_err(|e| Error::new(ErrorCode::ValidationFailed, e.to_string()))?;
    Ok(config)
}

/// Checks one value against its key's kind (the configuration's own checks follow).
fn check(e: &Editable, value: &Value) -> Result<(), Error> {
    let bad = |what: &str| {
        Err(Error::new(
            ErrorCode::ValidationFailed,
            format!("{}: {what}", e.key),
        ))
    };
    match e.kind {
        Kind::Text | Kind::LongText | Kind::Secret => match value.as_str() {
            Some(s) if e.kind != Kind::Secret && s.chars().count() > e.max_length => {
                bad(&format!("at most {} characters", e.max_length))
            }
            Some(s)
                if s.chars().any(|c| {
                    c.is_control() && !(e.kind == Kind::LongText && (c == '\n' || c == '\t'))
                }) =>
            {
                bad("no control characters")
            }
            Some(s) if e.kind == Kind::Secret && s.len() > 1024 => bad("at most 1024 bytes"),
            Some(_) => Ok(()),
            None => bad("a text"),
        },
        Kind::Choice => match value.as_str() {
            Some(s) if e.choices.contains(&s) => Ok(()),
            _ => bad(&format!("one of {}", e.choices.join(", "))),
        },
        Kind::Bool => match value {
            Value::Bool(_) => Ok(()),
            _ => bad("true or false"),
        },
        Kind::List => match value.as_array() {
            Some(items) if items.len() > MAX_LIST => bad(&format!("at most {MAX_LIST} lines")),
            Some(items)
                if items.iter().all(|i| {
                    i.as_str().is_some_and(|s| {
                        s.chars().count() <= e.max_length && !s.chars().any(char::is_control)
                    })
                }) =>
            {
                Ok(())
            }
            _ => bad(&format!(
                "a list of texts of at most {} characters",
                e.max_length
            )),
        },
        Kind::Port => match value.as_u64() {
            Some(1..=65535) => Ok(()),
            _ => bad("a port number, 1 to 65535"),
        },
    }
}

impl Settings {
    /// Reads what admins set and lays it over `base`. A stored value the configuration no longer
    /// accepts (a newer file forced another key's value…) is left out, with a warning, rather
    /// than stopping the server.
    pub async fn load(
        base: Arc<Config>,
        live: LiveConfig,
        db: Db,
        mailer: Mailer,
    ) -> Result<Settings, Error> {
        let rows: Vec<(String, String)> = db
            .read(|c| {
                let mut st = c.prepare("SELECT key, value FROM instance_settings ORDER BY key")?;
                let rows = st
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        let mut stored = BTreeMap::new();
        for (key, text) in rows {
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => {
                    stored.insert(key, v);
                }
                Err(_) => tracing::warn!(%key, "instance setting unreadable, ignored"),
            }
        }
        let current = match compose(&base, &stored) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "the instance settings set in the UI do not fit the configuration; using the file's");
                stored.clear();
                (*base).clone()
            }
        };
        live.set(Arc::new(current));
        let me = Settings {
            base,
            stored: RwLock::new(stored),
            current: live,
            db,
            mailer,
        };
        let c = me.current();
        me.mailer.set_default_language(&c.instance.default_language);
        if c.smtp != me.base.smtp || c.instance.name != me.base.instance.name {
            me.mailer
                .reconfigure(&c.smtp, &c.instance.name)
                .map_err(|e| Error::new(ErrorCode::ValidationFailed, e.to_string()))?;
        }
        Ok(me)
    }

    /// The configuration in force now.
    pub fn current(&self) -> Arc<Config> {
        self.current.get()
    }

    pub fn view(&self) -> Result<SettingsView, Error> {
        let current = self.current();
        let now = to_json(&current)?;
        let base = to_json(&self.base)?;
        let stored = self.stored.read();
        let settings = EDITABLE
            .iter()
            .map(|e| {
                let source = if self.base.explicit.contains(e.key) {
                    Source::File
                } else if stored.contains_key(e.key) {
                    Source::Admin
                } else {
                    Source::Default
                };
                let secret = e.kind == Kind::Secret;
                SettingView {
                    key: e.key,
                    group: e.group,
                    kind: e.kind,
                    max_length: (e.max_length > 0).then_some(e.max_length),
                    choices: e.choices,
                    value: if secret {
                        None
                    } else {
                        get(&now, e.key).cloned()
                    },
                    default: if secret {
                        None
                    } else {
                        get(&base, e.key).cloned()
                    },
                    is_set: secret.then(|| {
                        get(&now, e.key)
                            .and_then(Value::as_str)
                            .is_some_and(|s| !s.is_empty())
                    }),
                    source,
                }
            })
            .collect();
        Ok(SettingsView {
            settings,
            mail_enabled: !current.smtp.host.trim().is_empty(),
            missing: current.transparency.missing(),
        })
    }

    /// Applies `change` as a whole or not at all: every key must be editable and not forced by
    /// the file, every value of its kind, and the resulting configuration valid (a mail setup
    /// that cannot work, a bad address…); then stored and in force.
    pub async fn update(
        &self,
        admin_id: &str,
        change: SettingsChange,
    ) -> Result<Vec<String>, Error> {
        if change.changes.is_empty() {
            return Err(Error::new(ErrorCode::ValidationFailed, "no change given"));
        }
        let mut stored = self.stored.read().clone();
        for (key, value) in &change.changes {
            let Some(e) = editable(key) else {
                return Err(Error::new(
                    ErrorCode::ValidationFailed,
                    format!("{key}: not a setting admins change here"),
                ));
            };
            if self.base.explicit.contains(key) {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("{key} is set in the configuration file: change it there"),
                ));
            }
            if value.is_null() {
                stored.remove(key);
            } else {
                check(e, value)?;
                stored.insert(key.clone(), value.clone());
            }
        }
        let fresh = compose(&self.base, &stored)?;
        // The mail settings are tried before anything is stored (a CA file that does not parse…).
        let probe = Mailer::disabled();
        probe
            .reconfigure(&fresh.smtp, &fresh.instance.name)
            .map_err(|e| Error::new(ErrorCode::ValidationFailed, e.to_string()))?;
        let writes: Vec<(String, Option<String>)> = change
            .changes
            .iter()
            .map(|(k, v)| (k.clone(), (!v.is_null()).then(|| v.to_string())))
            .collect();
        let by = admin_id.to_string();
        self.db
            .write(move |c| {
                let now = now_ms();
                for (key, value) in &writes {
                    match value {
                        Some(v) => {
                            c.execute(
                                "INSERT INTO instance_settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4) \
                                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                                params![key, v, now, by],
                            )?;
                        }
                        None => {
                            c.execute("DELETE FROM instance_settings WHERE key = ?1", params![key])?;
                        }
                    }
                }
                Ok(())
            })
            .await?;
        let mail_changed = {
            let old = self.current();
            old.smtp != fresh.smtp || old.instance.name != fresh.instance.name
        };
        *self.stored.write() = stored;
        self.current.set(Arc::new(fresh));
        self.mailer
            .set_default_language(&self.current().instance.default_language);
        if mail_changed {
            let c = self.current();
            self.mailer
                .reconfigure(&c.smtp, &c.instance.name)
                .map_err(|e| Error::new(ErrorCode::ValidationFailed, e.to_string()))?;
        }
        Ok(change.changes.into_keys().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_editable_key_is_a_configuration_key() {
        let keys = Config::keys();
        for e in EDITABLE {
            assert!(keys.iter().any(|k| k == e.key), "{}", e.key);
        }
    }

    #[test]
    fn values_are_checked_by_kind() {
        let name = editable("instance.name").expect("name");
        assert!(check(name, &Value::from("Asso")).is_ok());
        assert!(check(name, &Value::from("x".repeat(65))).is_err());
        assert!(check(name, &Value::from("a\u{7}b")).is_err());
        assert!(check(name, &Value::from(3)).is_err());
        let terms = editable("transparency.terms_of_service").expect("terms");
        assert!(check(terms, &Value::from("One.\n\nTwo.")).is_ok());
        let reg = editable("instance.registration").expect("registration");
        assert!(check(reg, &Value::from("invite-only")).is_ok());
        assert!(check(reg, &Value::from("sometimes")).is_err());
        let port = editable("smtp.port").expect("port");
        assert!(check(port, &Value::from(465)).is_ok());
        assert!(check(port, &Value::from(0)).is_err());
        assert!(check(port, &Value::from(70000)).is_err());
        assert!(check(port, &Value::from("465")).is_err());
        let sites = editable("instance.embed_allowed_origins").expect("sites");
        assert!(check(sites, &serde_json::json!(["https://wiki.example.org"])).is_ok());
        assert!(check(sites, &serde_json::json!([])).is_ok());
        assert!(check(sites, &Value::from("https://wiki.example.org")).is_err());
        assert!(check(sites, &serde_json::json!([3])).is_err());
        assert!(check(sites, &serde_json::json!(["a\nb"])).is_err());
        let tls = editable("smtp.starttls").expect("starttls");
        assert!(check(tls, &Value::from(false)).is_ok());
        assert!(check(tls, &Value::from("no")).is_err());
    }

    #[test]
    fn stored_values_lie_over_the_file_but_never_over_what_it_forces() {
        let mut base = Config::default();
        base.instance.name = "From the file".into();
        base.explicit.insert("instance.name".into());
        let mut stored = BTreeMap::new();
        stored.insert("instance.name".to_string(), Value::from("From the UI"));
        stored.insert(
            "transparency.hosting_country".to_string(),
            Value::from("France"),
        );
        stored.insert("no.such_key".to_string(), Value::from(1));
        let c = compose(&base, &stored).expect("composes");
        assert_eq!(c.instance.name, "From the file");
        assert_eq!(c.transparency.hosting_country, "France");
        assert!(c.explicit.contains("instance.name"));
        // The whole is checked: credentials in clear to another machine are refused.
        stored.insert("smtp.host".to_string(), Value::from("mail.example.org"));
        stored.insert("smtp.username".to_string(), Value::from("asso"));
        stored.insert("smtp.starttls".to_string(), Value::from(false));
        assert!(compose(&base, &stored).is_err());
    }
}
