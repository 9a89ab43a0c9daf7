use nichoir_storage::{Migration, MigrationSet};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "auth",
    migrations: &[
        Migration {
            version: 1,
            name: "accounts_sessions_tokens_invites_guests",
            after: None,
            sql: r#"
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    avatar_color TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    used_at INTEGER
) STRICT;
CREATE TABLE guests (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    avatar_color TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
"#,
            pg: r#"
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    avatar_color TEXT NOT NULL,
    is_admin BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    used_at BIGINT
);
CREATE TABLE guests (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    avatar_color TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
-- SQLite compares usernames with COLLATE NOCASE; they are ASCII only (validate.rs), so
-- lower() agrees with it.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
"#,
        },
        Migration {
            version: 2,
            name: "username_lower_index",
            after: None,
            // Usernames are looked up as lower(username) = lower(?) on both engines (PostgreSQL has
            // no NOCASE collation): SQLite gets the index that lookup uses.
            sql: r#"
CREATE INDEX users_username_lower ON users (lower(username));
"#,
            pg: r#"
-- The unique index on lower(username) came with the first migration.
"#,
        },
        Migration {
            version: 3,
            name: "user_quota",
            after: None,
            // A person's own storage quota in bytes, set by an admin (NULL: the instance's
            // default, `uploads.quota_bytes_per_user`; 0: none). See nichoir_core::quota.
            sql: r#"
ALTER TABLE users ADD COLUMN quota_bytes INTEGER;
"#,
            pg: r#"
ALTER TABLE users ADD COLUMN quota_bytes BIGINT;
"#,
        },
        Migration {
            version: 4,
            name: "password_resets",
            after: None,
            // One row per reset link sent: the token's hash only, its expiry, and when it was
            // used (once). See reset.rs.
            sql: r#"
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) STRICT;
CREATE INDEX password_resets_by_user ON password_resets (user_id);
"#,
            pg: r#"
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
"#,
        },
        Migration {
            version: 5,
            name: "two_factor",
            after: None,
            // TOTP: the confirmed secret (NULL: off), one being set up, the last counter used
            // (a code works once); recovery codes (hashed); the challenge between the password
            // and the code; remembered devices. See two_factor.rs.
            sql: r#"
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_counter INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX trusted_devices_by_user ON trusted_devices (user_id);
"#,
            pg: r#"
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_counter BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_by_user ON trusted_devices (user_id);
"#,
        },
        Migration {
            version: 6,
            name: "deleted_accounts",
            after: None,
            // A deleted account stays as a tombstone ("Deleted user", no address, no password)
            // so that what it wrote with others keeps an author; see departure.rs.
            sql: r#"
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
"#,
            pg: r#"
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
"#,
        },
        Migration {
            version: 7,
            name: "audit_log",
            after: None,
            // What admins did, with the reason given for a removal (audit.rs). Names are copied:
            // the log stays readable when an account goes.
            sql: r#"
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    admin_id TEXT NOT NULL,
    admin_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_label TEXT NOT NULL,
    reason TEXT NOT NULL
) STRICT;
"#,
            pg: r#"
CREATE TABLE audit_log (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    admin_id TEXT NOT NULL,
    admin_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_label TEXT NOT NULL,
    reason TEXT NOT NULL
);
"#,
        },
        Migration {
            version: 8,
            name: "verified_emails",
            after: None,
            // Addresses given before verification existed count as confirmed: their owners keep
            // the password reset they had. See email.rs.
            sql: r#"
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
UPDATE users SET email_verified_at = created_at WHERE email IS NOT NULL;
CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX email_confirmations_by_user ON email_confirmations (user_id);
"#,
            pg: r#"
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at WHERE email IS NOT NULL;
CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX email_confirmations_by_user ON email_confirmations (user_id);
"#,
        },
        Migration {
            version: 9,
            name: "invites_label_email_uses",
            after: None,
            // An invitation has a label, may be mailed to an address (whoever registers with it
            // has it confirmed) and may serve several times; used_by is the last to use it.
            sql: r#"
ALTER TABLE invites ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN email TEXT;
ALTER TABLE invites ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invites ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;
UPDATE invites SET uses = 1 WHERE used_at IS NOT NULL;
"#,
            pg: r#"
ALTER TABLE invites ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN email TEXT;
ALTER TABLE invites ADD COLUMN max_uses BIGINT NOT NULL DEFAULT 1;
ALTER TABLE invites ADD COLUMN uses BIGINT NOT NULL DEFAULT 0;
UPDATE invites SET uses = 1 WHERE used_at IS NOT NULL;
"#,
        },
        Migration {
            version: 10,
            name: "single_sign_on",
            after: None,
            // Who signs in through a provider or a directory: (source, subject) names the person
            // there ("oidc:<provider id>" and its `sub`, "ldap" and its id attribute); `login`
            // is what they type (LDAP re-authentication). `auth_source` says how an account
            // signs in ("password", "ldap", "oidc:<id>"): those of a provider keep no password.
            // A session remembers its provider for logging out there too. Pending OpenID
            // Connect sign-ins keep state, nonce and PKCE verifier until the provider answers.
            sql: r#"
CREATE TABLE user_identities (
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    login TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    PRIMARY KEY (source, subject)
) STRICT;
CREATE INDEX user_identities_by_user ON user_identities (user_id);
ALTER TABLE users ADD COLUMN auth_source TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE TABLE oidc_pending (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
"#,
            pg: r#"
CREATE TABLE user_identities (
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    login TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (source, subject)
);
CREATE INDEX user_identities_by_user ON user_identities (user_id);
ALTER TABLE users ADD COLUMN auth_source TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE TABLE oidc_pending (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
"#,
        },
        Migration {
            version: 11,
            name: "user_language",
            after: None,
            // The language a person chose in the app ("en" or "fr"; none: the instance's): what
            // mail written to them later, without a request to read it from, is in.
            sql: "ALTER TABLE users ADD COLUMN language TEXT;",
            pg: "ALTER TABLE users ADD COLUMN language TEXT;",
        },
        Migration {
            version: 12,
            name: "favourites",
            after: None,
            // What a person starred across the tools. `kind` names the tool's item (pad, poll,
            // channel, wiki, wiki_page) and `item_id` its id there: the tools' tables live in
            // their own crates, so the web layer checks that the item still exists and may be
            // read whenever the list is shown.
            sql: r#"
CREATE TABLE favourites (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
) STRICT;
CREATE INDEX favourites_by_date ON favourites(user_id, created_at);
"#,
            pg: r#"
CREATE TABLE favourites (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
);
CREATE INDEX favourites_by_date ON favourites(user_id, created_at);
"#,
        },
        Migration {
            version: 13,
            name: "favourites_by_item",
            after: None,
            // The sweep of deleted items walks and removes favourites by item, everyone's at once.
            sql: "CREATE INDEX favourites_by_item ON favourites(kind, item_id);",
            pg: "CREATE INDEX favourites_by_item ON favourites(kind, item_id);",
        },
    ],
};
