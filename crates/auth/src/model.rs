use nichoir_core::time::serde_rfc3339;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_color: String,
    pub is_admin: bool,
    pub disabled: bool,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    /// Whether two-factor sign-in is on for this account.
    pub two_factor: bool,
    /// Whether the address was confirmed by its link (only then does it get reset links).
    pub email_verified: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Guest {
    pub id: String,
    pub display_name: String,
    pub avatar_color: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub id: String,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub last_seen_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub expires_at: i64,
    pub user_agent: String,
    pub ip: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InviteInfo {
    pub id: String,
    #[serde(with = "serde_rfc3339")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339")]
    pub expires_at: i64,
    #[serde(with = "serde_rfc3339::option")]
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub avatar_color: Option<String>,
}
