use nichoir_core::time::serde_rfc3339;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An account, as its owner and the admins see it.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_color: String,
    pub is_admin: bool,
    pub disabled: bool,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    /// Whether two-factor sign-in is on for this account.
    pub two_factor: bool,
    /// Whether the address was confirmed by its link (only then does it get reset links).
    pub email_verified: bool,
    /// How the account signs in: "password", "ldap" or "oidc:<provider id>" (no password of
    /// Nichoir's then).
    pub sign_in: String,
    /// The language chosen in the app ("en", "fr"); None: the instance's.
    pub language: Option<String>,
}

impl User {
    /// Where mail the person did not ask for at that moment (notifications, digests) may go:
    /// their address once they confirmed it by its link, while the account is enabled. An
    /// unconfirmed address may be anyone's, typed by someone else: mailing it would make the
    /// instance a way to send mail to strangers.
    pub fn mail_address(&self) -> Option<&str> {
        self.email
            .as_deref()
            .filter(|e| self.email_verified && !self.disabled && !e.trim().is_empty())
    }
}

/// `User::sign_in` of an account with a password kept by Nichoir.
pub const PASSWORD_SIGN_IN: &str = "password";

/// A person without an account, known by a cookie.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct Guest {
    pub id: String,
    pub display_name: String,
    pub avatar_color: String,
}

/// One of my sessions (a browser signed in).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct SessionInfo {
    pub id: String,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub last_seen_at: i64,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub expires_at: i64,
    pub user_agent: String,
    pub ip: String,
    pub current: bool,
}

/// A personal API token as listed (its secret is shown only when it is created).
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    #[schemars(with = "Option<String>")]
    #[ts(type = "string | null")]
    pub last_used_at: Option<i64>,
}

/// An invitation link as the admins list it.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "auth/")]
pub struct InviteInfo {
    pub id: String,
    /// What the admin called it ("Board members 2027").
    pub label: String,
    /// The address it was mailed to, if any.
    pub email: Option<String>,
    pub max_uses: u32,
    pub uses: u32,
    /// The display name of the last person who registered with it.
    pub used_by_name: Option<String>,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub expires_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    #[schemars(with = "Option<String>")]
    #[ts(type = "string | null")]
    pub used_at: Option<i64>,
    pub used_by: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
}

/// Changes to a profile; a field left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/", optional_fields = nullable)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub avatar_color: Option<String>,
    /// The language chosen in the app ("en" or "fr"), for mail written later.
    pub language: Option<String>,
}

/// What an admin asks for when creating an invitation.
#[derive(Debug, Clone, Default, serde::Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "auth/", optional_fields = nullable)]
pub struct NewInvite {
    pub valid_hours: Option<u64>,
    #[serde(default)]
    pub label: Option<String>,
    /// Mail the link to this address (and confirm it for whoever registers with it).
    #[serde(default)]
    pub email: Option<String>,
    /// How many accounts it may create (1 to 1000; 1 by default).
    #[serde(default)]
    pub max_uses: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_confirmed_address_of_an_enabled_account_is_mailed() {
        let mut u = User {
            id: "u1".into(),
            username: "ana".into(),
            display_name: "Ana".into(),
            email: Some("ana@lilas.test".into()),
            avatar_color: "#336699".into(),
            is_admin: false,
            disabled: false,
            created_at: 0,
            two_factor: false,
            email_verified: true,
            sign_in: PASSWORD_SIGN_IN.into(),
            language: None,
        };
        assert_eq!(u.mail_address(), Some("ana@lilas.test"));
        u.email_verified = false;
        assert_eq!(u.mail_address(), None);
        u.email_verified = true;
        u.disabled = true;
        assert_eq!(u.mail_address(), None);
        u.disabled = false;
        u.email = Some(" ".into());
        assert_eq!(u.mail_address(), None);
        u.email = None;
        assert_eq!(u.mail_address(), None);
    }
}
