//! The cluster's tables: every SQL statement of the crate.

use nichoir_storage::{
    params, Connection, Dialect, Migration, MigrationSet, OptionalExtension, SResult,
};

pub const MIGRATIONS: MigrationSet = MigrationSet {
    component: "cluster",
    migrations: &[
        Migration {
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
        },
        Migration {
            version: 2,
            name: "leases",
            after: None,
            sql: r#"
-- What one node of a cluster does at a time ("scheduler": the background jobs), until
-- `expires_at` (ms) unless renewed.
CREATE TABLE cluster_leases (
    name TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
"#,
            pg: r#"
CREATE TABLE cluster_leases (
    name TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
"#,
        },
    ],
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

/// The advisory lock class of the nodes' live locks (a node holds `(LIVE_LOCK, its index)`).
pub const LIVE_LOCK: i32 = 0x4e43;

/// Takes or renews lease `lease` for `node` until `until`; whether `node` holds it. Another
/// node's lease is taken once it has expired, or once that node's heartbeat is older than
/// `dead_before` or its live lock is free (it died holding it).
pub fn hold_lease(
    c: &Connection,
    lease: &str,
    node: &str,
    now: i64,
    until: i64,
    dead_before: i64,
) -> SResult<bool> {
    // On PostgreSQL a node holds its live lock (`LIVE_LOCK`, its index) in a session of its
    // own: when that lock can be taken, the node's process or connection is gone, whatever its
    // heartbeat says (the lock taken here is released with this transaction).
    let sql = if c.dialect() == Dialect::Postgres {
        "INSERT INTO cluster_leases (name, node, expires_at) VALUES (?1, ?2, ?4)
         ON CONFLICT (name) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
         WHERE cluster_leases.node = excluded.node OR cluster_leases.expires_at < ?3
            OR cluster_leases.node IN
               (SELECT name FROM cluster_nodes WHERE heartbeat_at < ?5
                  OR pg_try_advisory_xact_lock(CAST(?6 AS integer), CAST(idx AS integer)))
         RETURNING node"
    } else {
        "INSERT INTO cluster_leases (name, node, expires_at) VALUES (?1, ?2, ?4)
         ON CONFLICT (name) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
         WHERE cluster_leases.node = excluded.node OR cluster_leases.expires_at < ?3
            OR cluster_leases.node IN
               (SELECT name FROM cluster_nodes WHERE heartbeat_at < ?5 OR ?6 IS NULL)
         RETURNING node"
    };
    let holder: Option<String> = c
        .query_row(
            sql,
            params![lease, node, now, until, dead_before, LIVE_LOCK],
            |r| r.get(0),
        )
        .optional()?;
    Ok(holder.as_deref() == Some(node))
}

/// The index of the node holding lease `lease`, if any.
pub fn lease_holder(c: &Connection, lease: &str) -> SResult<Option<u16>> {
    let idx: Option<i64> = c
        .query_row(
            "SELECT n.idx FROM cluster_leases l JOIN cluster_nodes n ON n.name = l.node
             WHERE l.name = ?1",
            [lease],
            |r| r.get(0),
        )
        .optional()?;
    Ok(idx.and_then(|i| u16::try_from(i).ok()))
}

/// Renews `node`'s leases among `leases` until `until`; returns those it no longer holds.
pub fn renew_leases(
    c: &Connection,
    node: &str,
    leases: &[String],
    until: i64,
) -> SResult<Vec<String>> {
    let mut lost = Vec::new();
    let mut st = c.prepare_cached(
        "UPDATE cluster_leases SET expires_at = ?3 WHERE name = ?1 AND node = ?2",
    )?;
    for lease in leases {
        if st.execute(params![lease, node, until])? == 0 {
            lost.push(lease.clone());
        }
    }
    Ok(lost)
}

/// Gives the lease up (the node stops).
pub fn release_lease(c: &Connection, lease: &str, node: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM cluster_leases WHERE name = ?1 AND node = ?2",
        params![lease, node],
    )?;
    Ok(())
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
    fn a_lease_is_held_by_one_node_until_it_expires_or_is_released() {
        let dbs = nichoir_storage::testing::store_connections(&[MIGRATIONS], false).expect("db");
        for c in dbs {
            assert!(hold_lease(&c, "scheduler", "a", 0, 100, 0).expect("a"));
            assert!(
                !hold_lease(&c, "scheduler", "b", 50, 150, 0).expect("b"),
                "a holds it"
            );
            assert!(hold_lease(&c, "scheduler", "a", 90, 190, 0).expect("a renews"));
            assert!(
                !hold_lease(&c, "scheduler", "b", 150, 250, 0).expect("b"),
                "renewed"
            );
            assert!(
                hold_lease(&c, "scheduler", "b", 200, 300, 0).expect("b"),
                "expired"
            );
            assert!(
                !hold_lease(&c, "scheduler", "a", 210, 310, 0).expect("a"),
                "lost"
            );
            release_lease(&c, "scheduler", "b").expect("release");
            assert!(hold_lease(&c, "scheduler", "a", 220, 320, 0).expect("a again"));
            // A dead holder's lease is taken before it expires; a renewal tells what was lost.
            register(&c, "a", 220, 0).expect("a registered");
            register(&c, "b", 220, 0).expect("b registered");
            assert_eq!(lease_holder(&c, "scheduler").expect("holder"), Some(1));
            // On PostgreSQL "alive" also takes a's live lock, which no session holds here
            // (the cluster tests hold it): a counts as dead there at once.
            let alive = c.dialect() == Dialect::Sqlite;
            assert_eq!(
                hold_lease(&c, "scheduler", "b", 230, 330, 200).expect("a is alive"),
                !alive
            );
            assert!(hold_lease(&c, "scheduler", "b", 240, 340, 225).expect("a died at 220"));
            assert_eq!(lease_holder(&c, "scheduler").expect("holder"), Some(2));
            assert_eq!(
                renew_leases(&c, "a", &["scheduler".to_string()], 400).expect("renew"),
                vec!["scheduler".to_string()]
            );
            assert!(renew_leases(&c, "b", &["scheduler".to_string()], 400)
                .expect("renew")
                .is_empty());
        }
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
