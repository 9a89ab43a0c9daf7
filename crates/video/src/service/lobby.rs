//! The lobby: knocks admitted, rejected or withdrawn, and what the moderators are told.

use super::*;

impl VideoService {
    pub(super) fn take_knock(&self, call: &Call, id: &str) -> VideoResult<Knock> {
        let knock = {
            let mut s = call.state.lock();
            let i = s.lobby.iter().position(|k| k.id == id).ok_or_else(|| {
                VideoError::Invalid("nobody with that id waits in the lobby".into())
            })?;
            s.lobby.remove(i)
        };
        self.to_moderators(call, &ServerFrame::KnockDone { id: id.to_string() });
        Ok(knock)
    }

    pub(super) fn leave_lobby(&self, call: &Call, conn: ConnId) {
        let gone: Vec<String> = {
            let mut s = call.state.lock();
            let ids = s
                .lobby
                .iter()
                .filter(|k| k.conn == conn)
                .map(|k| k.id.clone())
                .collect();
            s.lobby.retain(|k| k.conn != conn);
            ids
        };
        for id in gone {
            self.to_moderators(call, &ServerFrame::KnockDone { id });
        }
    }

    pub(super) fn to_moderators(&self, call: &Call, frame: &ServerFrame) {
        for p in call.participants() {
            if p.moderator {
                p.outbox.send(frame);
            }
        }
    }
}
