use nichoir_storage::{Migration, MigrationSet};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "polls",
    migrations: &[Migration {
        version: 1,
        name: "polls_options_votes_comments",
        sql: r#"
CREATE TABLE polls (
    id TEXT PRIMARY KEY,
    -- The admin link's secret. Kept readable so that a signed-in author's list can link to it
    -- (as Framadate does); it is as sensitive as the data it administers.
    admin_token TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT,
    owner_id TEXT,
    timezone TEXT NOT NULL,
    answers TEXT NOT NULL,
    deadline INTEGER,
    password_hash TEXT,
    results TEXT NOT NULL,
    max_yes INTEGER,
    one_choice INTEGER NOT NULL,
    edit_mode TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    final_option INTEGER,
    notify_votes INTEGER NOT NULL,
    notify_comments INTEGER NOT NULL,
    remind INTEGER NOT NULL,
    reminder_sent INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX polls_by_owner ON polls (owner_id, created_at);
CREATE INDEX polls_by_deadline ON polls (deadline) WHERE deadline IS NOT NULL;

CREATE TABLE poll_options (
    id INTEGER PRIMARY KEY,
    poll_id TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    url TEXT,
    image_url TEXT,
    day TEXT,
    start_time TEXT,
    end_time TEXT
) STRICT;
CREATE INDEX poll_options_by_poll ON poll_options (poll_id, position);

CREATE TABLE poll_votes (
    id INTEGER PRIMARY KEY,
    poll_id TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    actor_id TEXT,
    edit_token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX poll_votes_by_poll ON poll_votes (poll_id, id);

CREATE TABLE poll_answers (
    vote_id INTEGER NOT NULL REFERENCES poll_votes (id) ON DELETE CASCADE,
    option_id INTEGER NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    answer INTEGER NOT NULL CHECK (answer BETWEEN 0 AND 2),
    PRIMARY KEY (vote_id, option_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX poll_answers_by_option ON poll_answers (option_id, answer);

CREATE TABLE poll_comments (
    id INTEGER PRIMARY KEY,
    poll_id TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    author_name TEXT NOT NULL,
    actor_id TEXT,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX poll_comments_by_poll ON poll_comments (poll_id, id);

-- Who gave a protected poll's password (per browser identity), as for pads.
CREATE TABLE poll_grants (
    poll_id TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (poll_id, actor_id)
) STRICT, WITHOUT ROWID;
"#,
    }],
};
