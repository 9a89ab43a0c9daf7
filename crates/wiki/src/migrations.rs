use nichoir_storage::{Migration, MigrationSet};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "wiki",
    migrations: &[Migration {
        version: 1,
        name: "wikis_pages_revisions_links_search",
        sql: r#"
CREATE TABLE wikis (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    visibility TEXT NOT NULL,
    edit_policy TEXT NOT NULL,
    theme_color TEXT NOT NULL,
    home_page TEXT NOT NULL,
    menu TEXT NOT NULL,
    comments_enabled INTEGER NOT NULL DEFAULT 1,
    locked INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE wiki_members (
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (wiki_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX wiki_members_by_user ON wiki_members (user_id);

CREATE TABLE wiki_pages (
    id INTEGER PRIMARY KEY,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    rev INTEGER NOT NULL,
    text TEXT NOT NULL,
    -- Rendered HTML of the current text; NULL when a linked page appeared or went (re-rendered
    -- on the next view).
    html TEXT,
    toc TEXT,
    view_rule TEXT NOT NULL DEFAULT 'inherit',
    edit_rule TEXT NOT NULL DEFAULT 'inherit',
    deleted INTEGER NOT NULL DEFAULT 0,
    -- A renamed page leaves its old name behind as a redirect to the new key.
    redirect_to TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (wiki_id, key)
) STRICT;

CREATE TABLE wiki_revisions (
    page_id INTEGER NOT NULL REFERENCES wiki_pages (id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL,
    kind TEXT NOT NULL,
    author_id TEXT,
    author_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (page_id, rev)
) STRICT, WITHOUT ROWID;

-- Recent changes of a wiki, newest first.
CREATE TABLE wiki_changes (
    id INTEGER PRIMARY KEY,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    page_id INTEGER NOT NULL REFERENCES wiki_pages (id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX wiki_changes_by_wiki ON wiki_changes (wiki_id, id);

CREATE TABLE wiki_links (
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    from_page INTEGER NOT NULL REFERENCES wiki_pages (id) ON DELETE CASCADE,
    to_key TEXT NOT NULL,
    PRIMARY KEY (from_page, to_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX wiki_links_by_target ON wiki_links (wiki_id, to_key);

CREATE VIRTUAL TABLE wiki_search USING fts5 (
    name, text, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE wiki_files (
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (wiki_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE wiki_comments (
    id INTEGER PRIMARY KEY,
    page_id INTEGER NOT NULL REFERENCES wiki_pages (id) ON DELETE CASCADE,
    author_id TEXT,
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX wiki_comments_by_page ON wiki_comments (page_id, id);

-- page_id 0 = the whole wiki.
CREATE TABLE wiki_watches (
    user_id TEXT NOT NULL,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    page_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, wiki_id, page_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX wiki_watches_by_wiki ON wiki_watches (wiki_id, page_id);

CREATE TABLE wiki_notifications (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    page_name TEXT NOT NULL,
    rev INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    summary TEXT NOT NULL,
    diff TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX wiki_notifications_by_user ON wiki_notifications (user_id, id);
"#,
    }],
};
