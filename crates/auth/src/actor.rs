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
        Actor::User(UserActor { user, session_id })
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

    pub fn require_admin(&self) -> Result<Admin, nichoir_core::Error> {
        match self {
            Actor::User(u) if u.user.is_admin && !u.user.disabled => Ok(Admin {
                user: u.user.clone(),
            }),
            _ => Err(nichoir_core::Error::forbidden("instance admins only")),
        }
    }
}

impl Admin {
    pub fn user(&self) -> &User {
        &self.user
    }
}
