//! Signing in with an LDAP directory's password (OpenLDAP, Active Directory, YunoHost), through
//! `ldap3`: search then bind with a service account, or bind with the person's DN; the
//! configured filter decides who may sign in (disabled people are left out there), and an
//! optional group makes instance admins. What the person types only ever reaches the directory
//! escaped (`ldap_escape` in filters, `dn_escape` in DNs).

use std::sync::Arc;
use std::time::Duration;

use ldap3::{
    dn_escape, ldap_escape, Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry,
};
use nichoir_core::config::LdapConfig;
use nichoir_core::{Error, ErrorCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::external::ExternalPerson;
use crate::store;
use crate::AuthService;

/// `User::sign_in` and the identity source of directory accounts.
pub const SOURCE: &str = "ldap";

/// LDAP's "invalid credentials" result code.
const INVALID_CREDENTIALS: u32 = 49;

/// A configured directory.
pub struct Directory {
    config: LdapConfig,
    tls: Arc<ClientConfig>,
}

/// What a sign-in attempt against the directory found.
#[derive(Debug)]
pub enum DirectoryAnswer {
    /// The password is right and the filter lets them in.
    Person(ExternalPerson),
    /// Unknown, left out by the filter, or a wrong password: not told apart.
    Refused,
}

fn unavailable(why: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %why, "the LDAP directory does not answer");
    Error::new(
        ErrorCode::DirectoryUnavailable,
        "the organisation's directory does not answer: try again later",
    )
}

/// What a person may type as a directory login: no control characters, a sane length.
fn acceptable_login(login: &str) -> bool {
    (1..=256).contains(&login.chars().count()) && !login.chars().any(char::is_control)
}

/// `template` with `{username}` replaced by `value`, escaped for where it goes.
pub fn fill(template: &str, value: &str, in_dn: bool) -> String {
    let escaped = if in_dn {
        dn_escape(value)
    } else {
        ldap_escape(value)
    };
    template.replace("{username}", &escaped)
}

impl Directory {
    pub fn new(config: &LdapConfig) -> Result<Directory, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        if config.ca_file.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        } else {
            let certs: Vec<CertificateDer<'static>> =
                CertificateDer::pem_file_iter(&config.ca_file)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| {
                        Error::internal(format!("ldap.ca_file {}: {e}", config.ca_file))
                    })?;
            for c in certs {
                roots.add(c).map_err(|e| {
                    Error::internal(format!("ldap.ca_file {}: {e}", config.ca_file))
                })?;
            }
        }
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::internal(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Directory {
            config: config.clone(),
            tls: Arc::new(tls),
        })
    }

    async fn connect(&self) -> Result<Ldap, Error> {
        let timeout = Duration::from_secs(self.config.timeout_secs);
        let settings = LdapConnSettings::new()
            .set_conn_timeout(timeout)
            .set_starttls(self.config.starttls)
            .set_config(self.tls.clone());
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.config.url)
            .await
            .map_err(unavailable)?;
        ldap3::drive!(conn);
        ldap.with_timeout(timeout);
        Ok(ldap)
    }

    /// Checks `login` and `password` against the directory.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<DirectoryAnswer, Error> {
        // An empty password would be an unauthenticated bind, which servers accept.
        if password.is_empty() || !acceptable_login(login) {
            return Ok(DirectoryAnswer::Refused);
        }
        let mut ldap = self.connect().await?;
        // `with_timeout` bounds one operation; a sign-in is several (binds and searches): the
        // whole of it has a deadline too.
        let deadline = Duration::from_secs(self.config.timeout_secs * 3);
        let answer =
            tokio::time::timeout(deadline, self.authenticate_on(&mut ldap, login, password))
                .await
                .unwrap_or_else(|_| Err(unavailable("no answer in time")));
        let _ = ldap.unbind().await;
        answer
    }

    async fn authenticate_on(
        &self,
        ldap: &mut Ldap,
        login: &str,
        password: &str,
    ) -> Result<DirectoryAnswer, Error> {
        let c = &self.config;
        let filter = fill(&c.user_filter, login, false);
        let entry = if c.bind_dn.is_empty() {
            let dn = fill(&c.user_dn, login, true);
            if !bind(ldap, &dn, password).await? {
                return Ok(DirectoryAnswer::Refused);
            }
            match self.find(ldap, &dn, Scope::Base, &filter).await? {
                Some(e) => e,
                None => return Ok(DirectoryAnswer::Refused),
            }
        } else {
            if !bind(ldap, &c.bind_dn, &c.bind_password).await? {
                return Err(unavailable(
                    "the service account (ldap.bind_dn) was refused",
                ));
            }
            let Some(entry) = self.find(ldap, &c.base_dn, Scope::Subtree, &filter).await? else {
                return Ok(DirectoryAnswer::Refused);
            };
            entry
        };
        // Membership is read before the person's bind, while the service account (which may
        // read groups) is bound.
        let is_admin = self.admin(ldap, &entry, login).await?;
        if !c.bind_dn.is_empty() && !bind(ldap, &entry.dn, password).await? {
            return Ok(DirectoryAnswer::Refused);
        }
        let Some(subject) = first_value(&entry, &c.id_attribute) else {
            return Err(unavailable(format!(
                "{} has no {} (ldap.id_attribute)",
                entry.dn, c.id_attribute
            )));
        };
        Ok(DirectoryAnswer::Person(ExternalPerson {
            source: SOURCE.to_string(),
            subject,
            login: login.to_string(),
            username: first_value(&entry, &c.username_attribute),
            display_name: first_value(&entry, &c.display_name_attribute),
            email: first_value(&entry, &c.email_attribute),
            // The directory is the organisation's own record of its people.
            email_verified: true,
            is_admin,
        }))
    }

    /// The one entry `filter` finds under `base`; none when zero or several match.
    async fn find(
        &self,
        ldap: &mut Ldap,
        base: &str,
        scope: Scope,
        filter: &str,
    ) -> Result<Option<SearchEntry>, Error> {
        let c = &self.config;
        let attrs = vec![
            c.id_attribute.as_str(),
            c.username_attribute.as_str(),
            c.display_name_attribute.as_str(),
            c.email_attribute.as_str(),
        ];
        let found = match ldap.search(base, scope, filter, attrs).await {
            Ok(r) => r,
            Err(e) => return Err(unavailable(e)),
        };
        let entries = match found.success() {
            Ok((entries, _)) => entries,
            // No such object (a DN that is not there) or no right to read it: nobody.
            Err(LdapError::LdapResult { result }) if matches!(result.rc, 32 | 50) => {
                return Ok(None)
            }
            Err(e) => return Err(unavailable(e)),
        };
        let mut entries = entries.into_iter().map(SearchEntry::construct);
        match (entries.next(), entries.next()) {
            (Some(one), None) => Ok(Some(one)),
            _ => Ok(None),
        }
    }

    /// Whether `entry` is in the admin group; None when no group is configured.
    async fn admin(
        &self,
        ldap: &mut Ldap,
        entry: &SearchEntry,
        login: &str,
    ) -> Result<Option<bool>, Error> {
        let group = &self.config.admin_group;
        if group.is_empty() {
            return Ok(None);
        }
        let filter = format!(
            "(|(member={dn})(uniqueMember={dn})(memberUid={uid}))",
            dn = ldap_escape(&entry.dn),
            uid = ldap_escape(
                first_value(entry, &self.config.username_attribute)
                    .as_deref()
                    .unwrap_or(login)
            ),
        );
        let found = ldap
            .search(group, Scope::Base, &filter, vec!["1.1"])
            .await
            .map_err(unavailable)?;
        Ok(Some(match found.success() {
            Ok((entries, _)) => !entries.is_empty(),
            Err(LdapError::LdapResult { result }) if matches!(result.rc, 32 | 50) => {
                tracing::warn!(group = %group, "ldap.admin_group cannot be read");
                false
            }
            Err(e) => return Err(unavailable(e)),
        }))
    }
}

/// Binds; false for wrong credentials, an error when the directory fails otherwise.
async fn bind(ldap: &mut Ldap, dn: &str, password: &str) -> Result<bool, Error> {
    if password.is_empty() {
        return Ok(false);
    }
    match ldap.simple_bind(dn, password).await {
        Ok(r) if r.rc == 0 => Ok(true),
        // Wrong password, or a DN that does not parse or is not there.
        Ok(r) if matches!(r.rc, INVALID_CREDENTIALS | 32 | 34) => Ok(false),
        Ok(r) => Err(unavailable(format!("bind answered {}: {}", r.rc, r.text))),
        Err(e) => Err(unavailable(e)),
    }
}

/// An attribute's first value; binary ones (Active Directory's `objectGUID`) in hexadecimal.
fn first_value(entry: &SearchEntry, attribute: &str) -> Option<String> {
    let text = entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attribute))
        .and_then(|(_, v)| v.first().cloned());
    text.or_else(|| {
        entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(attribute))
            .and_then(|(_, v)| v.first())
            .map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect())
    })
    .filter(|v| !v.trim().is_empty())
}

impl AuthService {
    /// The directory password of a directory account (its re-authentication).
    pub(crate) async fn check_directory_password(
        &self,
        user_id: &str,
        password: String,
    ) -> Result<(), Error> {
        let wrong = || Error::new(ErrorCode::InvalidCredentials, "the password is wrong");
        let (Some(directory), Some(login)) = (
            self.directory(),
            self.external_login(user_id, SOURCE).await?,
        ) else {
            return Err(wrong());
        };
        match directory.authenticate(&login, &password).await? {
            DirectoryAnswer::Person(p) if self.is_identity_of(user_id, &p).await? => Ok(()),
            _ => Err(wrong()),
        }
    }

    async fn is_identity_of(&self, user_id: &str, person: &ExternalPerson) -> Result<bool, Error> {
        let (uid, source, subject) = (
            user_id.to_string(),
            person.source.clone(),
            person.subject.clone(),
        );
        Ok(self
            .db()
            .read(move |c| store::external::is_identity_of(c, &uid, &source, &subject))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_typed_is_escaped_where_it_goes() {
        let filter = "(&(objectClass=inetOrgPerson)(uid={username}))";
        assert_eq!(
            fill(filter, "alice)(uid=*", false),
            "(&(objectClass=inetOrgPerson)(uid=alice\\29\\28uid=\\2a))"
        );
        assert_eq!(
            fill(filter, "*", false),
            "(&(objectClass=inetOrgPerson)(uid=\\2a))"
        );
        let dn = "uid={username},ou=people,dc=example,dc=org";
        assert_eq!(
            fill(dn, "bob,ou=admins", true),
            "uid=bob\\2cou\\3dadmins,ou=people,dc=example,dc=org"
        );
        assert!(!acceptable_login("a\u{0}b"));
        assert!(!acceptable_login(""));
        assert!(acceptable_login("jean.dupont@asso.fr"));
    }
}
