//! Who may enter a call and what the others see of a participant: plain rules, no I/O.

pub use crate::api::{Denied, ParticipantView};
use crate::model::RoomRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Enter,
    /// Waits in the lobby until a moderator admits or rejects.
    Wait,
    Deny(Denied),
}

/// The decision for someone who asks to join `room` while `in_call` people are in it.
/// Moderators pass the password, the lock and the lobby, but no one passes the capacity: it is
/// what the server and the uplinks were sized for.
pub fn admission(room: &RoomRow, in_call: usize, moderator: bool, password_ok: bool) -> Admission {
    if in_call >= room.capacity as usize {
        return Admission::Deny(Denied::Full);
    }
    if moderator {
        return Admission::Enter;
    }
    if room.protected() && !password_ok {
        return Admission::Deny(Denied::Password);
    }
    if room.locked {
        return Admission::Deny(Denied::Locked);
    }
    if room.lobby {
        return Admission::Wait;
    }
    Admission::Enter
}

/// Whether `actor_id` moderates `room`: its creator, or an instance admin.
pub fn is_moderator(room: &RoomRow, actor_id: &str, instance_admin: bool) -> bool {
    instance_admin || room.owner_id == actor_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> RoomRow {
        RoomRow {
            id: "r".into(),
            title: String::new(),
            owner_id: "u_owner".into(),
            password_hash: None,
            lobby: false,
            capacity: 3,
            locked: false,
            created_at: 0,
        }
    }

    #[test]
    fn an_open_room_lets_people_in_until_full() {
        let r = room();
        assert_eq!(admission(&r, 0, false, false), Admission::Enter);
        assert_eq!(admission(&r, 2, false, false), Admission::Enter);
        assert_eq!(
            admission(&r, 3, false, false),
            Admission::Deny(Denied::Full)
        );
        assert_eq!(admission(&r, 3, true, true), Admission::Deny(Denied::Full));
    }

    #[test]
    fn password_lock_and_lobby() {
        let mut r = room();
        r.password_hash = Some("$argon2id$…".into());
        assert_eq!(
            admission(&r, 0, false, false),
            Admission::Deny(Denied::Password)
        );
        assert_eq!(admission(&r, 0, false, true), Admission::Enter);
        assert_eq!(admission(&r, 0, true, false), Admission::Enter);
        r.locked = true;
        assert_eq!(
            admission(&r, 0, false, true),
            Admission::Deny(Denied::Locked)
        );
        assert_eq!(admission(&r, 0, true, false), Admission::Enter);
        r.locked = false;
        r.lobby = true;
        assert_eq!(admission(&r, 0, false, true), Admission::Wait);
        assert_eq!(admission(&r, 0, true, false), Admission::Enter);
    }

    #[test]
    fn moderators() {
        let r = room();
        assert!(is_moderator(&r, "u_owner", false));
        assert!(!is_moderator(&r, "g_someone", false));
        assert!(is_moderator(&r, "g_someone", true));
    }
}
