//! The cluster's tables: every SQL statement of the crate.

use nichoir_storage::{params, Connection, Migration, MigrationSet, OptionalExtension, SResult};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "cluster",
    migrations: &[Migration {
        version: 1,
        name: "nodes",
        after: None,
        sql: r#"
-- The nodes of a cluster (PostgreSQL only in use; the table exists on SQLite too so that one
-- schema serves both). `idx` is the node's number in its realtime connection ids.
CREATE TABLE cluster_nodes (
    name TEXT PRIMARY KEY,
    idx INTEGER NOT NULL UNIQUE,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
) STRICT;
"#,
        pg: r#"
CREATE TABLE cluster_nodes (
    name TEXT PRIMARY KEY,
    idx BIGINT NOT NULL UNIQUE,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
"#,
    }],
};

/// A node's registration, from its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The node's index (1…65535: 0 is a lone server's).
    Index(u16),
    /// Another running process uses this name (its heartbeat is recent).
    NameInUse,
    /// Every index is taken.
    Full,
}

/// Registers node `name`, keeping its index when it was here before; `alive_since`: a
/// heartbeat after it means the name belongs to a running node. A unique violation (another
/// node took the same free index at the same moment) fails the job: the caller tries again.
pub fn register(c: &Connection, name: &str, now: i64, alive_since: i64) -> SResult<Registered> {
    let row: Option<(i64, i64)> = c
        .query_row(
            "SELECT idx, heartbeat_at FROM cluster_nodes WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((idx, heartbeat)) = row {
        if heartbeat > alive_since {
            return Ok(Registered::NameInUse);
        }
        c.execute(
            "UPDATE cluster_nodes SET started_at = ?2, heartbeat_at = ?2 WHERE name = ?1",
            params![name, now],
        )?;
        return Ok(u16::try_from(idx).map_or(Registered::Full, Registered::Index));
    }
    let mut st = c.prepare_cached("SELECT idx FROM cluster_nodes ORDER BY idx")?;
    let taken: Vec<i64> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let Some(idx) = first_free(&taken) else {
        return Ok(Registered::Full);
    };
    c.execute(
        "INSERT INTO cluster_nodes (name, idx, started_at, heartbeat_at) VALUES (?1, ?2, ?3, ?3)",
        params![name, i64::from(idx), now],
    )?;
    Ok(Registered::Index(idx))
}

/// The smallest index from 1 that `taken` (sorted) does not hold.
pub fn first_free(taken: &[i64]) -> Option<u16> {
    let mut want = 1_i64;
    for &t in taken {
        if t == want {
            want += 1;
        } else if t > want {
            break;
        }
    }
    u16::try_from(want).ok()
}

pub fn heartbeat(c: &Connection, name: &str, now: i64) -> SResult<()> {
    c.execute(
        "UPDATE cluster_nodes SET heartbeat_at = ?2 WHERE name = ?1",
        params![name, now],
    )?;
    Ok(())
}

/// The node stopped: its name may be taken again at once.
pub fn stopped(c: &Connection, name: &str) -> SResult<()> {
    heartbeat(c, name, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_free_index_fills_gaps_from_one() {
        assert_eq!(first_free(&[]), Some(1));
        assert_eq!(first_free(&[1, 2, 3]), Some(4));
        assert_eq!(first_free(&[1, 3]), Some(2));
        assert_eq!(first_free(&[2, 3]), Some(1));
        let all: Vec<i64> = (1..=65535).collect();
        assert_eq!(first_free(&all), None);
    }

    #[test]
    fn a_name_keeps_its_index_and_a_live_one_is_refused() {
        let dbs = nichoir_storage::testing::store_connections(&[MIGRATIONS], false).expect("db");
        for c in dbs {
            assert_eq!(register(&c, "a", 100, 0).expect("a"), Registered::Index(1));
            assert_eq!(register(&c, "b", 100, 0).expect("b"), Registered::Index(2));
            assert_eq!(
                register(&c, "a", 200, 150).expect("a again"),
                Registered::Index(1),
                "a's heartbeat (100) is older than the limit: a restart"
            );
            heartbeat(&c, "a", 300).expect("beat");
            assert_eq!(
                register(&c, "a", 310, 290).expect("a twice"),
                Registered::NameInUse
            );
            stopped(&c, "a").expect("stop");
            assert_eq!(
                register(&c, "a", 320, 290).expect("a"),
                Registered::Index(1)
            );
        }
    }
}
