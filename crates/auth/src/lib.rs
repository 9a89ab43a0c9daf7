//! Accounts, sessions, API tokens, invitations, guests, CSRF tokens, login throttling and the
//! permission proofs (`Actor`, `Admin`) that the rest of the product asks for. No HTTP here: the
//! web layer turns cookies and headers into calls on [`AuthService`].

mod actor;
mod audit;
mod csrf;
mod departure;
mod email;
mod export;
mod external;
mod favourites;
mod ldap;
mod migrations;
mod model;
mod oidc;
mod password;
mod quota;
mod reset;
mod revocation;
mod service;
mod store;
mod throttle;
mod two_factor;
mod validate;

pub use actor::{Actor, Admin, GuestActor};
pub use audit::{AuditAction, AuditEntry};
pub use csrf::CsrfKey;
pub use departure::tombstone_username;
pub use email::{confirmation_mail, invite_mail, test_mail};
pub use export::AccountExport;
pub use external::{username_from, ExternalPerson, FirstSignIn, REAUTH_WINDOW_MS};
pub use favourites::Favourite;
pub use ldap::{Directory, DirectoryAnswer};
pub use migrations::MIGRATIONS;
pub use model::{
    Guest, InviteInfo, NewInvite, NewUser, ProfileUpdate, SessionInfo, TokenInfo, User,
    PASSWORD_SIGN_IN,
};
pub use oidc::{
    safe_return_to, OidcCallback, OidcStart, ProviderInfo, Sso, OIDC_COOKIE, PENDING_MS,
};
pub use reset::{reset_mail, ResetFor, RESET_VALID_MS};
pub use revocation::{Revocation, Revocations};
pub use service::{AuthService, Credentials, LoginOutcome, LoginStep, Registration};
pub use throttle::{LoginThrottle, ThrottleEvent, ThrottleLimits};
pub use two_factor::{SecondStep, TotpSetup, TwoFactorStatus, DEVICE_DAYS};

/// The names under which the throttles' counts travel between the nodes of a cluster: wrong
/// account passwords, wrong resource passwords (pads, polls, rooms), anonymous renders, password
/// reset links.
pub const THROTTLE_SIGNALS: [&str; 4] = [
    "auth.throttle.login",
    "auth.throttle.secret",
    "auth.throttle.render",
    "auth.throttle.reset",
];
pub use validate::{avatar_color_for, validate_password, validate_username};

/// Cookies this crate sets: the About page lists them, so the list lives beside the code that sets them.
pub const SESSION_COOKIE: &str = "nichoir_session";
pub const GUEST_COOKIE: &str = "nichoir_guest";
/// Set after a second step with "remember this device": the next logins skip that step.
pub const DEVICE_COOKIE: &str = "nichoir_device";

#[cfg(test)]
mod service_tests;
