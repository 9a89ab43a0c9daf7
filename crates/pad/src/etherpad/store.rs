//! The SQL of Etherpad's API groups, authors, sessions and admissions (migration 5). A group's
//! pads are rows of `pads` whose id starts with `<group id>$` (no other pad id holds a `$`).

use nichoir_storage::{params, Connection, OptionalExtension, SResult};

/// What `getSessionInfo` tells of a session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: String,
    pub group_id: String,
    pub author_id: String,
    /// Unix seconds.
    pub valid_until: i64,
}

pub(crate) fn group_exists(c: &Connection, id: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM etherpad_groups WHERE id = ?1)",
        [id],
        |r| r.get::<_, bool>(0),
    )?)
}

pub(crate) fn insert_group(
    c: &Connection,
    id: &str,
    mapper: Option<&str>,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO etherpad_groups (id, mapper, created_at) VALUES (?1, ?2, ?3)",
        params![id, mapper, now],
    )?;
    Ok(())
}

pub(crate) fn group_by_mapper(c: &Connection, mapper: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT id FROM etherpad_groups WHERE mapper = ?1",
        [mapper],
        |r| r.get(0),
    )
    .optional()?)
}

pub(crate) fn all_groups(c: &Connection) -> SResult<Vec<String>> {
    let mut s = c.prepare("SELECT id FROM etherpad_groups ORDER BY created_at, id")?;
    let rows = s.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes a group with its sessions (and so their admissions); its pads are erased by the
/// engine first.
pub(crate) fn delete_group(c: &Connection, id: &str) -> SResult<bool> {
    c.execute("DELETE FROM etherpad_sessions WHERE group_id = ?1", [id])?;
    Ok(c.execute("DELETE FROM etherpad_groups WHERE id = ?1", [id])? == 1)
}

/// The live pads of a group, by id.
pub(crate) fn group_pads(c: &Connection, group_id: &str) -> SResult<Vec<String>> {
    let prefix = format!("{group_id}$");
    let mut s = c.prepare(
        "SELECT id FROM pads WHERE deleted_at IS NULL
           AND substr(id, 1, length(CAST(?1 AS TEXT))) = CAST(?1 AS TEXT)
         ORDER BY created_at, id",
    )?;
    let rows = s.query_map([prefix], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn author_exists(c: &Connection, id: &str) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM etherpad_authors WHERE id = ?1)",
        [id],
        |r| r.get::<_, bool>(0),
    )?)
}

pub(crate) fn insert_author(
    c: &Connection,
    id: &str,
    name: Option<&str>,
    mapper: Option<&str>,
    now: i64,
) -> SResult<()> {
    c.execute(
        "INSERT INTO etherpad_authors (id, name, mapper, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, name, mapper, now],
    )?;
    Ok(())
}

pub(crate) fn author_by_mapper(c: &Connection, mapper: &str) -> SResult<Option<String>> {
    Ok(c.query_row(
        "SELECT id FROM etherpad_authors WHERE mapper = ?1",
        [mapper],
        |r| r.get(0),
    )
    .optional()?)
}

pub(crate) fn set_author_name(c: &Connection, id: &str, name: &str) -> SResult<()> {
    c.execute(
        "UPDATE etherpad_authors SET name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}

/// None: no such author; Some(None): an author without a name.
pub(crate) fn author_name(c: &Connection, id: &str) -> SResult<Option<Option<String>>> {
    Ok(c.query_row(
        "SELECT name FROM etherpad_authors WHERE id = ?1",
        [id],
        |r| r.get::<_, Option<String>>(0),
    )
    .optional()?)
}

/// The live pads an API author wrote in (through the identities that brought its sessions).
pub(crate) fn pads_of_author(c: &Connection, author_id: &str) -> SResult<Vec<String>> {
    let mut s = c.prepare(
        "SELECT DISTINCT p.id, p.created_at FROM etherpad_author_actors m
         JOIN pad_authors pa ON pa.author_id = m.actor_id
         JOIN pads p ON p.id = pa.pad_id AND p.deleted_at IS NULL
         WHERE m.author_id = ?1 ORDER BY p.created_at, p.id",
    )?;
    let rows = s.query_map([author_id], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Who wrote in a pad: the API author an identity wrote as, else the identity itself.
pub(crate) fn authors_of_pad(c: &Connection, pad_id: &str) -> SResult<Vec<String>> {
    let mut s = c.prepare(
        "SELECT COALESCE(m.author_id, pa.author_id), MIN(pa.first_rev) AS first FROM pad_authors pa
         LEFT JOIN etherpad_author_actors m ON m.actor_id = pa.author_id
         WHERE pa.pad_id = ?1 GROUP BY COALESCE(m.author_id, pa.author_id) ORDER BY first, 1",
    )?;
    let rows = s.query_map([pad_id], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn insert_session(c: &Connection, s: &Session) -> SResult<()> {
    c.execute(
        "INSERT INTO etherpad_sessions (id, group_id, author_id, valid_until) VALUES (?1, ?2, ?3, ?4)",
        params![s.id, s.group_id, s.author_id, s.valid_until],
    )?;
    Ok(())
}

fn session_row(r: &nichoir_storage::Row<'_>) -> nichoir_storage::SqlResult<Session> {
    Ok(Session {
        id: r.get(0)?,
        group_id: r.get(1)?,
        author_id: r.get(2)?,
        valid_until: r.get(3)?,
    })
}

pub(crate) fn session(c: &Connection, id: &str) -> SResult<Option<Session>> {
    Ok(c.query_row(
        "SELECT id, group_id, author_id, valid_until FROM etherpad_sessions WHERE id = ?1",
        [id],
        session_row,
    )
    .optional()?)
}

pub(crate) fn delete_session(c: &Connection, id: &str) -> SResult<bool> {
    Ok(c.execute("DELETE FROM etherpad_sessions WHERE id = ?1", [id])? == 1)
}

/// Sessions of a group (`column` = "group_id") or of an author ("author_id").
pub(crate) fn sessions_by(
    c: &Connection,
    column: &'static str,
    value: &str,
) -> SResult<Vec<Session>> {
    let mut s = c.prepare(&format!(
        "SELECT id, group_id, author_id, valid_until FROM etherpad_sessions WHERE {column} = ?1
         ORDER BY id"
    ))?;
    let rows = s.query_map([value], session_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that `actor_id` brought the cookie of `session` (valid, checked by the caller): it may
/// open the session's group pads, and what it writes is the session author's.
pub(crate) fn admit(c: &Connection, session: &Session, actor_id: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO etherpad_admissions (session_id, actor_id, admitted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![session.id, actor_id, now],
    )?;
    c.execute(
        "INSERT INTO etherpad_author_actors (author_id, actor_id) VALUES (?1, ?2)
         ON CONFLICT DO NOTHING",
        params![session.author_id, actor_id],
    )?;
    Ok(())
}

/// Whether `actor_id` holds a session of `group_id` valid at `now_secs`.
pub(crate) fn admitted(
    c: &Connection,
    actor_id: &str,
    group_id: &str,
    now_secs: i64,
) -> SResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM etherpad_admissions a
           JOIN etherpad_sessions s ON s.id = a.session_id
           WHERE a.actor_id = ?1 AND s.group_id = ?2 AND s.valid_until > ?3)",
        params![actor_id, group_id, now_secs],
        |r| r.get::<_, bool>(0),
    )?)
}

/// A deleted account: its admissions and author links go.
pub(crate) fn forget_actor(c: &Connection, actor_id: &str) -> SResult<()> {
    c.execute(
        "DELETE FROM etherpad_admissions WHERE actor_id = ?1",
        [actor_id],
    )?;
    c.execute(
        "DELETE FROM etherpad_author_actors WHERE actor_id = ?1",
        [actor_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PadInfo;

    #[test]
    fn groups_sessions_and_admissions() {
        // SQLite, and PostgreSQL when a test server is configured.
        for c in nichoir_storage::testing::store_connections(&[crate::migrations::MIGRATIONS], true)
            .expect("db")
        {
            on(&c);
        }
    }

    fn on(c: &Connection) {
        insert_group(c, "g.one", Some("course-1"), 1).expect("group");
        insert_group(c, "g.two", None, 2).expect("group");
        assert_eq!(
            group_by_mapper(c, "course-1").expect("q"),
            Some("g.one".into())
        );
        assert_eq!(all_groups(c).expect("q"), vec!["g.one", "g.two"]);
        for (id, at) in [
            ("g.one$a", 1),
            ("g.one$b", 2),
            ("g.onex$c", 3),
            ("plain", 4),
        ] {
            let info = PadInfo {
                id: id.into(),
                readonly_id: format!("r-{id}"),
                owner_id: None,
                rev: 0,
                created_at: at,
                updated_at: at,
                protected: false,
            };
            crate::store::insert_pad(c, &info).expect("pad");
        }
        assert_eq!(
            group_pads(c, "g.one").expect("q"),
            vec!["g.one$a", "g.one$b"]
        );
        insert_author(c, "a.x", Some("Ada"), Some("u-1"), 1).expect("author");
        assert_eq!(author_name(c, "a.x").expect("q"), Some(Some("Ada".into())));
        assert_eq!(author_name(c, "a.none").expect("q"), None);
        let s = Session {
            id: "s.1".into(),
            group_id: "g.one".into(),
            author_id: "a.x".into(),
            valid_until: 100,
        };
        insert_session(c, &s).expect("session");
        admit(c, &s, "g_guest", 5).expect("admit");
        admit(c, &s, "g_guest", 6).expect("admit twice");
        assert!(admitted(c, "g_guest", "g.one", 99).expect("q"));
        assert!(!admitted(c, "g_guest", "g.one", 100).expect("q"), "expired");
        assert!(!admitted(c, "g_guest", "g.two", 50).expect("q"));
        assert!(!admitted(c, "g_other", "g.one", 50).expect("q"));
        assert_eq!(sessions_by(c, "group_id", "g.one").expect("q").len(), 1);
        assert!(delete_session(c, "s.1").expect("delete"));
        assert!(
            !admitted(c, "g_guest", "g.one", 50).expect("q"),
            "gone with it"
        );
        insert_session(
            c,
            &Session {
                id: "s.2".into(),
                ..s
            },
        )
        .expect("session");
        assert!(delete_group(c, "g.one").expect("delete"));
        assert!(session(c, "s.2").expect("q").is_none());
        assert!(!group_exists(c, "g.one").expect("q"));
    }
}
