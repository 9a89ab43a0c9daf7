//! The video tables: every SQL statement of the tool, as functions over a connection.

use nichoir_storage::{
    in_chunks, params, values_placeholders, Connection, OptionalExtension, Row, SResult, ToValue,
};

use crate::model::RoomRow;

const COLUMNS: &str = "id, title, owner_id, password_hash, lobby, capacity, locked, created_at";

fn from_row(r: &Row<'_>) -> nichoir_storage::SqlResult<RoomRow> {
    Ok(RoomRow {
        id: r.get(0)?,
        title: r.get(1)?,
        owner_id: r.get(2)?,
        password_hash: r.get(3)?,
        lobby: r.get(4)?,
        capacity: r.get(5)?,
        locked: r.get(6)?,
        created_at: r.get(7)?,
    })
}

pub fn insert(c: &Connection, room: &RoomRow, owner_is_user: bool) -> SResult<()> {
    c.execute(
        "INSERT INTO video_rooms (id, title, owner_id, owner_is_user, password_hash, lobby, capacity,
            locked, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            room.id,
            room.title,
            room.owner_id,
            owner_is_user,
            room.password_hash,
            room.lobby,
            room.capacity,
            room.locked,
            room.created_at
        ],
    )?;
    Ok(())
}

pub fn get(c: &Connection, id: &str) -> SResult<Option<RoomRow>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM video_rooms WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?)
}

/// Of `ids`, the rooms that exist: (id, title).
pub fn existing(c: &Connection, ids: &[String]) -> SResult<Vec<(String, String)>> {
    in_chunks(ids, |ids| {
        let values: Vec<&dyn ToValue> = ids.iter().map(|i| i as &dyn ToValue).collect();
        let mut st = c.prepare(&format!(
            "SELECT id, title FROM video_rooms WHERE id IN {}",
            values_placeholders(1, ids.len())
        ))?;
        let rows = st.query_map(values.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

pub fn list_by_owner(c: &Connection, owner: &str) -> SResult<Vec<RoomRow>> {
    let mut st = c.prepare(&format!(
        "SELECT {COLUMNS} FROM video_rooms WHERE owner_id = ?1 ORDER BY created_at DESC, id LIMIT 200"
    ))?;
    let rows = st.query_map([owner], from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Writes the settings of `room` (the id and owner never change).
pub fn update(c: &Connection, room: &RoomRow) -> SResult<()> {
    c.execute(
        "UPDATE video_rooms SET title = ?2, password_hash = ?3, lobby = ?4, capacity = ?5, locked = ?6
         WHERE id = ?1",
        params![
            room.id,
            room.title,
            room.password_hash,
            room.lobby,
            room.capacity,
            room.locked
        ],
    )?;
    Ok(())
}

pub fn touch(c: &Connection, id: &str, now: i64) -> SResult<()> {
    c.execute(
        "UPDATE video_rooms SET last_used_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

pub fn delete(c: &Connection, id: &str) -> SResult<bool> {
    Ok(c.execute("DELETE FROM video_rooms WHERE id = ?1", [id])? > 0)
}

/// A deleted account's rooms.
pub fn forget_user(c: &Connection, user_id: &str) -> SResult<()> {
    c.execute("DELETE FROM video_rooms WHERE owner_id = ?1", [user_id])?;
    Ok(())
}

/// Rooms whose name or title matches `pattern` (admin moderation's search), newest first.
pub fn moderation_search(
    c: &Connection,
    pattern: &str,
    limit: i64,
) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare(
        "SELECT id, title, created_at FROM video_rooms
         WHERE lower(id) LIKE ?1 ESCAPE '\\' OR lower(title) LIKE ?1 ESCAPE '\\'
         ORDER BY created_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
