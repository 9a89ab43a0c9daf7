//! Permission proofs. An `Actor` can only be made by this crate, from a checked session, token or
//! guest cookie; an `Admin` only from an `Actor` that is an admin. Functions that need a signed-in
//! person or an admin take these types, so forgetting the check does not compile.

use crate::model::{Guest, User};

#[derive(Debug, Clone)]
pub enum Actor {
    User(UserActor),
    Guest(GuestActor),
}

#[derive(Debug, Clone)]
pub struct UserActor {
    pub(crate) user: User,
    pub(crate) session_id: Option<String>,
    /// The API token this request came with, if any.
    pub(crate) token_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GuestActor {
    pub(crate) guest: Guest,
}

impl GuestActor {
    pub fn guest(&self) -> &Guest {
        &self.guest
    }
}

#[derive(Debug, Clone)]
pub struct Admin {
    user: User,
}

impl Actor {
    pub(crate) fn user(user: User, session_id: Option<String>) -> Actor {
        Actor::User(UserActor {
            user,
            session_id,
            token_id: None,
        })
    }
    pub(crate) fn with_token(user: User, token_id: String) -> Actor {
        Actor::User(UserActor {
            user,
            session_id: None,
            token_id: Some(token_id),
        })
    }
    pub(crate) fn guest(guest: Guest) -> Actor {
        Actor::Guest(GuestActor { guest })
    }

    /// The signed-in user, if this actor is one.
    pub fn as_user(&self) -> Option<&User> {
        match self {
            Actor::User(u) => Some(&u.user),
            Actor::Guest(_) => None,
        }
    }

    /// The id shown as author of what this actor writes (`u_…` or `g_…`).
    pub fn id(&self) -> &str {
        match self {
            Actor::User(u) => &u.user.id,
            Actor::Guest(g) => &g.guest.id,
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Actor::User(u) => &u.user.display_name,
            Actor::Guest(g) => &g.guest.display_name,
        }
    }

    pub fn avatar_color(&self) -> &str {
        match self {
            Actor::User(u) => &u.user.avatar_color,
            Actor::Guest(g) => &g.guest.avatar_color,
        }
    }

    /// The session this request came through (None for API tokens and guests).
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Actor::User(u) => u.session_id.as_deref(),
            Actor::Guest(_) => None,
        }
    }

    /// The API token this request came with (None for sessions and guests).
    pub fn token_id(&self) -> Option<&str> {
        match self {
            Actor::User(u) => u.token_id.as_deref(),
            Actor::Guest(_) => None,
        }
    }

    /// Whether `revocation` ends this actor's access (a socket opened by it closes).
    pub fn is_revoked_by(&self, revocation: &crate::Revocation) -> bool {
        use crate::Revocation as R;
        let Actor::User(u) = self else {
            return false;
        };
        match revocation {
            R::Session(id) => u.session_id.as_deref() == Some(id.as_str()),
            R::SessionsOf { user_id, except } => {
                *user_id == u.user.id
                    && u.session_id.is_some()
                    && u.session_id.as_deref() != except.as_deref()
            }
            R::Token(id) => u.token_id.as_deref() == Some(id.as_str()),
            R::Account(user_id) | R::RightsChanged(user_id) => *user_id == u.user.id,
        }
    }

    pub fn require_admin(&self) -> Result<Admin, nichoir_core::Error> {
        match self {
            Actor::User(u) if u.user.is_admin && !u.user.disabled => Ok(Admin {
                user: u.user.clone(),
            }),
            _ => Err(nichoir_core::Error::forbidden("instance admins only")),
        }
    }
}

#[cfg(feature = "test-support")]
impl Actor {
    /// A signed-in user with the given session and token ids, for unit tests of other crates.
    pub fn test_user(id: &str, session_id: Option<&str>, token_id: Option<&str>) -> Actor {
        Actor::User(UserActor {
            user: User {
                id: id.into(),
                username: id.into(),
                display_name: id.into(),
                email: None,
                avatar_color: "#000000".into(),
                is_admin: false,
                disabled: false,
                created_at: 0,
                two_factor: false,
                email_verified: false,
                sign_in: crate::model::PASSWORD_SIGN_IN.into(),
                language: None,
            },
            session_id: session_id.map(str::to_string),
            token_id: token_id.map(str::to_string),
        })
    }
}

impl Admin {
    pub fn user(&self) -> &User {
        &self.user
    }
}
