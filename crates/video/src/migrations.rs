use nichoir_storage::{Migration, MigrationSet};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "video",
    migrations: &[Migration {
        version: 1,
        name: "video_rooms",
        after: None,
        sql: r#"
CREATE TABLE video_rooms (
    -- A chosen name or a random token: the room's link, and the capability to enter it.
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- The actor (user or guest id) who created it: the room's moderator.
    owner_id TEXT NOT NULL,
    owner_is_user INTEGER NOT NULL,
    password_hash TEXT,
    lobby INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX video_rooms_owner ON video_rooms(owner_id, created_at);
"#,
        pg: r#"
CREATE TABLE video_rooms (
    -- A chosen name or a random token: the room's link, and the capability to enter it.
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- The actor (user or guest id) who created it: the room's moderator.
    owner_id TEXT NOT NULL,
    owner_is_user BIGINT NOT NULL,
    password_hash TEXT,
    lobby BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    locked BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX video_rooms_owner ON video_rooms(owner_id, created_at);
"#,
    }],
};
