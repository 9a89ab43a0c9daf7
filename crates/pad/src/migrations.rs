use nichoir_storage::{Migration, MigrationSet};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "pad",
    migrations: &[
        Migration {
            version: 1,
            name: "pads_revisions_snapshots_authors",
            after: None,
            sql: r#"
CREATE TABLE pads (
    id TEXT PRIMARY KEY,
    readonly_id TEXT NOT NULL UNIQUE,
    owner_id TEXT,
    rev INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
-- One row per accepted edit, as transformed onto the revision before it.
CREATE TABLE pad_revisions (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    op TEXT NOT NULL,
    author_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pad_id, rev)
) STRICT, WITHOUT ROWID;
-- Idempotent resend: one (client, seq) is applied once.
CREATE UNIQUE INDEX pad_revisions_client ON pad_revisions(pad_id, client_id, seq);
-- Full text (and authorship) every `pads.snapshot_every` revisions: open = snapshot + tail.
CREATE TABLE pad_snapshots (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    text TEXT NOT NULL,
    authorship TEXT NOT NULL,
    PRIMARY KEY (pad_id, rev)
) STRICT, WITHOUT ROWID;
CREATE TABLE pad_authors (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    color TEXT NOT NULL,
    first_rev INTEGER NOT NULL,
    PRIMARY KEY (pad_id, author_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE pad_visits (
    user_id TEXT NOT NULL,
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    visited_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, pad_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX pad_visits_recent ON pad_visits(user_id, visited_at DESC);
"#,
            pg: r#"
CREATE TABLE pads (
    id TEXT PRIMARY KEY,
    readonly_id TEXT NOT NULL UNIQUE,
    owner_id TEXT,
    rev BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    deleted_at BIGINT
);
-- One row per accepted edit, as transformed onto the revision before it.
CREATE TABLE pad_revisions (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    rev BIGINT NOT NULL,
    op TEXT NOT NULL,
    author_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (pad_id, rev)
);
-- Idempotent resend: one (client, seq) is applied once.
CREATE UNIQUE INDEX pad_revisions_client ON pad_revisions(pad_id, client_id, seq);
-- Full text (and authorship) every `pads.snapshot_every` revisions: open = snapshot + tail.
CREATE TABLE pad_snapshots (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    rev BIGINT NOT NULL,
    text TEXT NOT NULL,
    authorship TEXT NOT NULL,
    PRIMARY KEY (pad_id, rev)
);
CREATE TABLE pad_authors (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    color TEXT NOT NULL,
    first_rev BIGINT NOT NULL,
    PRIMARY KEY (pad_id, author_id)
);
CREATE TABLE pad_visits (
    user_id TEXT NOT NULL,
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    visited_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, pad_id)
);
CREATE INDEX pad_visits_recent ON pad_visits(user_id, visited_at DESC);
"#,
        },
        Migration {
            version: 2,
            name: "pad_chat_saved_revisions_passwords",
            after: None,
            sql: r#"
CREATE TABLE pad_chat (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    author_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    color TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pad_id, id)
) STRICT, WITHOUT ROWID;
CREATE TABLE pad_saved_revisions (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    label TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pad_id, rev)
) STRICT, WITHOUT ROWID;
ALTER TABLE pads ADD COLUMN password_hash TEXT;
-- Who has given a password-protected pad's password (users and guests alike).
CREATE TABLE pad_grants (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (pad_id, actor_id)
) STRICT, WITHOUT ROWID;
"#,
            pg: r#"
CREATE TABLE pad_chat (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    author_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    color TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (pad_id, id)
);
CREATE TABLE pad_saved_revisions (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    rev BIGINT NOT NULL,
    label TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (pad_id, rev)
);
ALTER TABLE pads ADD COLUMN password_hash TEXT;
-- Who has given a password-protected pad's password (users and guests alike).
CREATE TABLE pad_grants (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (pad_id, actor_id)
);
"#,
        },
        Migration {
            version: 3,
            name: "pad_snapshots_packed",
            after: None,
            sql: r#"
-- Deflated text + authorship; `text` and `authorship` stay for snapshots written before.
ALTER TABLE pad_snapshots ADD COLUMN packed BLOB;
"#,
            pg: r#"
-- Deflated text + authorship; `text` and `authorship` stay for snapshots written before.
ALTER TABLE pad_snapshots ADD COLUMN packed BYTEA;
"#,
        },
        Migration {
            version: 4,
            name: "pad_clients_in_snapshots",
            after: None,
            sql: CLIENTS_IN_SNAPSHOTS,
            pg: CLIENTS_IN_SNAPSHOTS,
        },
        Migration {
            version: 5,
            name: "etherpad_groups_authors_sessions",
            after: None,
            sql: ETHERPAD_API,
            pg: ETHERPAD_API_PG,
        },
        Migration {
            version: 6,
            name: "pad_comment_threads",
            after: None,
            sql: COMMENTS,
            pg: COMMENTS_PG,
        },
        Migration {
            version: 7,
            name: "pad_images",
            after: None,
            sql: PAD_IMAGES,
            pg: PAD_IMAGES_PG,
        },
    ],
};

/// Migration 4, the same on both engines.
const CLIENTS_IN_SNAPSHOTS: &str = r#"
-- Each client's last edit as of the snapshot, {"client": [seq, rev]} (NULL before: found by a
-- scan). With the revisions after the snapshot it is what idempotent resend needs, where an
-- index entry per edit cost every busy pad a page write per batch.
ALTER TABLE pad_snapshots ADD COLUMN clients TEXT;
DROP INDEX pad_revisions_client;
"#;

/// Migration 6: comments on a pad's text (`comments.rs`). A thread's anchor is a range of
/// characters as of `anchor_rev`, carried forward through the revisions after it when read.
const COMMENTS: &str = r#"
CREATE TABLE pad_comment_threads (
    id TEXT PRIMARY KEY,
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    anchor_start INTEGER NOT NULL,
    anchor_end INTEGER NOT NULL,
    anchor_rev INTEGER NOT NULL,
    -- The commented text when the thread was opened (shown once that text is deleted).
    quote TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_color TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT,
    resolved_by_name TEXT
) STRICT;
CREATE INDEX pad_comment_threads_pad ON pad_comment_threads(pad_id, created_at);
CREATE INDEX pad_comment_threads_author ON pad_comment_threads(author_id);
-- A thread's messages, its opening comment first.
CREATE TABLE pad_comments (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES pad_comment_threads(id) ON DELETE CASCADE,
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_color TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at INTEGER
) STRICT;
CREATE INDEX pad_comments_pad ON pad_comments(pad_id, created_at);
CREATE INDEX pad_comments_thread ON pad_comments(thread_id, created_at);
CREATE INDEX pad_comments_author ON pad_comments(author_id);
"#;

/// Migration 6 on PostgreSQL.
const COMMENTS_PG: &str = r#"
CREATE TABLE pad_comment_threads (
    id TEXT PRIMARY KEY,
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    anchor_start BIGINT NOT NULL,
    anchor_end BIGINT NOT NULL,
    anchor_rev BIGINT NOT NULL,
    -- The commented text when the thread was opened (shown once that text is deleted).
    quote TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_color TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    resolved_by_name TEXT
);
CREATE INDEX pad_comment_threads_pad ON pad_comment_threads(pad_id, created_at);
CREATE INDEX pad_comment_threads_author ON pad_comment_threads(author_id);
-- A thread's messages, its opening comment first.
CREATE TABLE pad_comments (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES pad_comment_threads(id) ON DELETE CASCADE,
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_color TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT
);
CREATE INDEX pad_comments_pad ON pad_comments(pad_id, created_at);
CREATE INDEX pad_comments_thread ON pad_comments(thread_id, created_at);
CREATE INDEX pad_comments_author ON pad_comments(author_id);
"#;

/// Migration 5: Etherpad's HTTP API groups, authors and sessions (SQL in `etherpad/store.rs`);
/// a group's pads are the pads whose id starts with `<group id>$`.
const ETHERPAD_API: &str = r#"
CREATE TABLE etherpad_groups (
    id TEXT PRIMARY KEY,
    -- createGroupIfNotExistsFor's key (the integration's own id for the group).
    mapper TEXT UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE etherpad_authors (
    id TEXT PRIMARY KEY,
    name TEXT,
    mapper TEXT UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE etherpad_sessions (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES etherpad_groups(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES etherpad_authors(id) ON DELETE CASCADE,
    -- Unix time in seconds, as Etherpad has it.
    valid_until INTEGER NOT NULL
) STRICT;
CREATE INDEX etherpad_sessions_group ON etherpad_sessions(group_id);
CREATE INDEX etherpad_sessions_author ON etherpad_sessions(author_id);
-- Who (a user or a guest of this instance) brought a session's cookie: they may open the
-- session's group pads while it is valid. Gone with the session.
CREATE TABLE etherpad_admissions (
    session_id TEXT NOT NULL REFERENCES etherpad_sessions(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    admitted_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, actor_id)
) STRICT;
CREATE INDEX etherpad_admissions_actor ON etherpad_admissions(actor_id);
-- Which identities wrote as which API author (listPadsOfAuthor, listAuthorsOfPad): kept when
-- the session ends, as Etherpad keeps an author's pads.
CREATE TABLE etherpad_author_actors (
    author_id TEXT NOT NULL REFERENCES etherpad_authors(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    PRIMARY KEY (author_id, actor_id)
) STRICT;
CREATE INDEX etherpad_author_actors_actor ON etherpad_author_actors(actor_id);
"#;

/// Migration 5 on PostgreSQL.
const ETHERPAD_API_PG: &str = r#"
CREATE TABLE etherpad_groups (
    id TEXT PRIMARY KEY,
    -- createGroupIfNotExistsFor's key (the integration's own id for the group).
    mapper TEXT UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE etherpad_authors (
    id TEXT PRIMARY KEY,
    name TEXT,
    mapper TEXT UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE etherpad_sessions (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES etherpad_groups(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES etherpad_authors(id) ON DELETE CASCADE,
    -- Unix time in seconds, as Etherpad has it.
    valid_until BIGINT NOT NULL
);
CREATE INDEX etherpad_sessions_group ON etherpad_sessions(group_id);
CREATE INDEX etherpad_sessions_author ON etherpad_sessions(author_id);
-- Who (a user or a guest of this instance) brought a session's cookie: they may open the
-- session's group pads while it is valid. Gone with the session.
CREATE TABLE etherpad_admissions (
    session_id TEXT NOT NULL REFERENCES etherpad_sessions(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    admitted_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, actor_id)
);
CREATE INDEX etherpad_admissions_actor ON etherpad_admissions(actor_id);
-- Which identities wrote as which API author (listPadsOfAuthor, listAuthorsOfPad): kept when
-- the session ends, as Etherpad keeps an author's pads.
CREATE TABLE etherpad_author_actors (
    author_id TEXT NOT NULL REFERENCES etherpad_authors(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    PRIMARY KEY (author_id, actor_id)
);
CREATE INDEX etherpad_author_actors_actor ON etherpad_author_actors(actor_id);
"#;

/// Migration 7: images pasted or uploaded into a pad (`images.rs`, SQL in `images_store.rs`).
/// The bytes are among the uploads (`pad/<read-only id>/<sha256>`); a pad holds one row per
/// distinct image, and its uploader's quota counts it.
const PAD_IMAGES: &str = r#"
CREATE TABLE pad_images (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pad_id, id)
) STRICT, WITHOUT ROWID;
-- The same image pasted twice into a pad is one image.
CREATE UNIQUE INDEX pad_images_sha ON pad_images(pad_id, sha256);
-- Quotas add up a person's images at each upload (nichoir_core::quota).
CREATE INDEX pad_images_uploader ON pad_images(uploaded_by, size);
"#;

/// Migration 7 on PostgreSQL.
const PAD_IMAGES_PG: &str = r#"
CREATE TABLE pad_images (
    pad_id TEXT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (pad_id, id)
);
-- The same image pasted twice into a pad is one image.
CREATE UNIQUE INDEX pad_images_sha ON pad_images(pad_id, sha256);
-- Quotas add up a person's images at each upload (nichoir_core::quota).
CREATE INDEX pad_images_uploader ON pad_images(uploaded_by, size);
"#;
