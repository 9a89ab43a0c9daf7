//! The video tool's domain types: a room as stored.

/// A room as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomRow {
    pub id: String,
    pub title: String,
    pub owner_id: String,
    pub password_hash: Option<String>,
    pub lobby: bool,
    pub capacity: u32,
    pub locked: bool,
    pub created_at: i64,
}

impl RoomRow {
    pub fn protected(&self) -> bool {
        self.password_hash.is_some()
    }
}
