use nichoir_storage::{Migration, MigrationSet};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "chat",
    migrations: &[
        Migration {
            version: 1,
            name: "teams_channels_posts_events_search",
            after: None,
            sql: r#"
CREATE TABLE chat_teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    open INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE chat_team_members (
    team_id TEXT NOT NULL REFERENCES chat_teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX chat_team_members_by_user ON chat_team_members (user_id);

CREATE TABLE chat_channels (
    id TEXT PRIMARY KEY,
    team_id TEXT REFERENCES chat_teams (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    header TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    archived INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_post_at INTEGER NOT NULL,
    post_count INTEGER NOT NULL DEFAULT 0,
    -- Direct and group channels: the sorted member ids, so the same people get the same channel.
    dm_key TEXT UNIQUE
) STRICT;
CREATE UNIQUE INDEX chat_channels_by_name ON chat_channels (team_id, name) WHERE team_id IS NOT NULL;

CREATE TABLE chat_channel_members (
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    last_viewed_post INTEGER NOT NULL DEFAULT 0,
    viewed_count INTEGER NOT NULL DEFAULT 0,
    mentions INTEGER NOT NULL DEFAULT 0,
    muted INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX chat_channel_members_by_user ON chat_channel_members (user_id);

CREATE TABLE chat_posts (
    id INTEGER PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    root_id INTEGER,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    mentions TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    client_id TEXT,
    reply_count INTEGER NOT NULL DEFAULT 0,
    last_reply_at INTEGER
) STRICT;
CREATE INDEX chat_posts_by_channel ON chat_posts (channel_id, id);
CREATE INDEX chat_posts_by_root ON chat_posts (root_id, id) WHERE root_id IS NOT NULL;
CREATE INDEX chat_posts_by_client ON chat_posts (user_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE chat_reactions (
    post_id INTEGER NOT NULL REFERENCES chat_posts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    emoji TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id, emoji)
) STRICT, WITHOUT ROWID;

CREATE TABLE chat_thread_follows (
    user_id TEXT NOT NULL,
    root_id INTEGER NOT NULL REFERENCES chat_posts (id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL,
    following INTEGER NOT NULL DEFAULT 1,
    unread_replies INTEGER NOT NULL DEFAULT 0,
    unread_mentions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, root_id)
) STRICT, WITHOUT ROWID;

-- Every event a client must see, for catch-up after a reconnect: a channel's (its members') or
-- one user's. Kept for `chat.event_retention_days`.
CREATE TABLE chat_events (
    id INTEGER PRIMARY KEY,
    channel_id TEXT,
    user_id TEXT,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_events_by_channel ON chat_events (channel_id, id) WHERE channel_id IS NOT NULL;
CREATE INDEX chat_events_by_user ON chat_events (user_id, id) WHERE user_id IS NOT NULL;

CREATE VIRTUAL TABLE chat_search USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
"#,
            pg: concat!(
                nichoir_storage::pg_fts_function!(),
                r#"
CREATE TABLE chat_teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    open BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE chat_team_members (
    team_id TEXT NOT NULL REFERENCES chat_teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX chat_team_members_by_user ON chat_team_members (user_id);

CREATE TABLE chat_channels (
    id TEXT PRIMARY KEY,
    team_id TEXT REFERENCES chat_teams (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    header TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    archived BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_post_at BIGINT NOT NULL,
    post_count BIGINT NOT NULL DEFAULT 0,
    -- Direct and group channels: the sorted member ids, so the same people get the same channel.
    dm_key TEXT UNIQUE
);
CREATE UNIQUE INDEX chat_channels_by_name ON chat_channels (team_id, name) WHERE team_id IS NOT NULL;

CREATE TABLE chat_channel_members (
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    last_viewed_post BIGINT NOT NULL DEFAULT 0,
    viewed_count BIGINT NOT NULL DEFAULT 0,
    mentions BIGINT NOT NULL DEFAULT 0,
    muted BIGINT NOT NULL DEFAULT 0,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX chat_channel_members_by_user ON chat_channel_members (user_id);

CREATE TABLE chat_posts (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    root_id BIGINT,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    mentions TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0,
    pinned BIGINT NOT NULL DEFAULT 0,
    client_id TEXT,
    reply_count BIGINT NOT NULL DEFAULT 0,
    last_reply_at BIGINT
);
CREATE INDEX chat_posts_by_channel ON chat_posts (channel_id, id);
CREATE INDEX chat_posts_by_root ON chat_posts (root_id, id) WHERE root_id IS NOT NULL;
CREATE INDEX chat_posts_by_client ON chat_posts (user_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE chat_reactions (
    post_id BIGINT NOT NULL REFERENCES chat_posts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    emoji TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id, emoji)
);

CREATE TABLE chat_thread_follows (
    user_id TEXT NOT NULL,
    root_id BIGINT NOT NULL REFERENCES chat_posts (id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL,
    following BIGINT NOT NULL DEFAULT 1,
    unread_replies BIGINT NOT NULL DEFAULT 0,
    unread_mentions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, root_id)
);

-- Every event a client must see, for catch-up after a reconnect: a channel's (its members') or
-- one user's. Kept for `chat.event_retention_days`.
CREATE TABLE chat_events (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    channel_id TEXT,
    user_id TEXT,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX chat_events_by_channel ON chat_events (channel_id, id) WHERE channel_id IS NOT NULL;
CREATE INDEX chat_events_by_user ON chat_events (user_id, id) WHERE user_id IS NOT NULL;

-- Search: a plain table keyed by the post id, its words folded as FTS5's unicode61 tokenizer
-- with remove_diacritics folds them (nichoir_fts), in a GIN index.
CREATE TABLE chat_search (
    rowid BIGINT PRIMARY KEY,
    text TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (nichoir_fts(text)) STORED
);
CREATE INDEX chat_search_words ON chat_search USING GIN (tsv);
"#
            ),
        },
        Migration {
            version: 2,
            name: "files_webhooks_retention",
            after: None,
            sql: r#"
-- Extra facts of a post: {"from_webhook": true, "override_username": "CI"}, attachments…
ALTER TABLE chat_posts ADD COLUMN props TEXT NOT NULL DEFAULT '{}';
-- Per-channel retention in days (NULL: the instance's `chat.retention_days`).
ALTER TABLE chat_channels ADD COLUMN retention_days INTEGER;

CREATE TABLE chat_files (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    post_id INTEGER REFERENCES chat_posts (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    has_thumbnail INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX chat_files_by_post ON chat_files (post_id) WHERE post_id IS NOT NULL;

CREATE TABLE chat_webhooks (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
"#,
            pg: r#"
-- Extra facts of a post: {"from_webhook": true, "override_username": "CI"}, attachments…
ALTER TABLE chat_posts ADD COLUMN props TEXT NOT NULL DEFAULT '{}';
-- Per-channel retention in days (NULL: the instance's `chat.retention_days`).
ALTER TABLE chat_channels ADD COLUMN retention_days BIGINT;

CREATE TABLE chat_files (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    post_id BIGINT REFERENCES chat_posts (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    width BIGINT,
    height BIGINT,
    has_thumbnail BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX chat_files_by_post ON chat_files (post_id) WHERE post_id IS NOT NULL;

CREATE TABLE chat_webhooks (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
"#,
        },
        Migration {
            version: 3,
            name: "search_prefix_index",
            after: None,
            sql: r#"
-- Search adds `*` to the last word (results while typing). A short prefix such as "we*" made
-- FTS5 merge the lists of every word starting with it; prefix indexes of 2 and 3 characters
-- answer those from one list. The index is rebuilt from the posts that are not deleted (a
-- deleted post's text is emptied and its entry removed).
DROP TABLE chat_search;
CREATE VIRTUAL TABLE chat_search USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
INSERT INTO chat_search (rowid, text) SELECT id, text FROM chat_posts WHERE deleted = 0;
"#,
            pg: r#"
-- PostgreSQL matches prefixes (`word:*`) on the same GIN index: nothing to rebuild.
"#,
        },
        Migration {
            version: 4,
            name: "search_folded",
            after: Some(crate::store::refold_search),
            sql: r#"
-- The search entries hold the words folded by nichoir_storage::search::fold, one rule for both
-- engines (accents, ligatures, CJK characters one by one): rewritten by `after`.
"#,
            pg: r#"
-- The search entries hold the words folded by nichoir_storage::search::fold, one rule for both
-- engines (accents, ligatures, CJK characters one by one): rewritten by `after`.
"#,
        },
        Migration {
            version: 5,
            name: "files_by_uploader",
            after: None,
            sql: r#"
-- Quotas add up a person's files at each upload (nichoir_core::quota).
CREATE INDEX chat_files_by_user ON chat_files (user_id, size);
"#,
            pg: r#"
-- Quotas add up a person's files at each upload (nichoir_core::quota).
CREATE INDEX chat_files_by_user ON chat_files (user_id, size);
"#,
        },
        Migration {
            version: 6,
            name: "missed_activity_mail",
            after: None,
            // Mail about mentions and direct messages a person has not seen: how often they want
            // it (none: the instance's default), the last message mailed (never twice), when, and
            // the hash of the last mail's unsubscribe token.
            sql: r#"
CREATE TABLE chat_email (
    user_id TEXT PRIMARY KEY,
    cadence TEXT,
    mailed_up_to INTEGER NOT NULL DEFAULT 0,
    last_mailed_at INTEGER NOT NULL DEFAULT 0,
    unsubscribe_hash TEXT
) STRICT;
CREATE INDEX chat_email_unsubscribe ON chat_email (unsubscribe_hash);
"#,
            pg: r#"
CREATE TABLE chat_email (
    user_id TEXT PRIMARY KEY,
    cadence TEXT,
    mailed_up_to BIGINT NOT NULL DEFAULT 0,
    last_mailed_at BIGINT NOT NULL DEFAULT 0,
    unsubscribe_hash TEXT
);
CREATE INDEX chat_email_unsubscribe ON chat_email (unsubscribe_hash);
"#,
        },
        Migration {
            version: 7,
            name: "notify_every_message",
            after: None,
            // A member who wants a notification for every message of the channel, not only
            // mentions (muted stays "none"); few do, hence the partial index.
            sql: r#"
ALTER TABLE chat_channel_members ADD COLUMN notify_all INTEGER NOT NULL DEFAULT 0;
CREATE INDEX chat_members_notify_all ON chat_channel_members (channel_id) WHERE notify_all = 1;
"#,
            pg: r#"
ALTER TABLE chat_channel_members ADD COLUMN notify_all BIGINT NOT NULL DEFAULT 0;
CREATE INDEX chat_members_notify_all ON chat_channel_members (channel_id) WHERE notify_all = 1;
"#,
        },
        Migration {
            version: 8,
            name: "custom_status",
            after: None,
            // A person's status in chat ("🌴 On holiday until Monday"), cleared at expires_at;
            // and who muted a channel, read for each message that notifies someone.
            sql: r#"
CREATE TABLE chat_status (
    user_id TEXT PRIMARY KEY,
    emoji TEXT NOT NULL,
    text TEXT NOT NULL,
    expires_at INTEGER
) STRICT;
-- Who muted a channel, read for each message that notifies someone.
CREATE INDEX chat_members_muted ON chat_channel_members (channel_id) WHERE muted = 1;
"#,
            pg: r#"
CREATE TABLE chat_status (
    user_id TEXT PRIMARY KEY,
    emoji TEXT NOT NULL,
    text TEXT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX chat_members_muted ON chat_channel_members (channel_id) WHERE muted = 1;
"#,
        },
    ],
};
