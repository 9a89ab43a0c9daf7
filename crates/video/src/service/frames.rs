//! What the server tells a room's subscribers and participants: the `room` frame, a
//! participant's new state, frames to one socket.

use super::*;

impl VideoService {
    /// The `room` frame for one subscriber of the topic.
    pub async fn room_frame_for(
        &self,
        room: &str,
        actor_id: &str,
        conn: ConnId,
    ) -> VideoResult<ServerFrame> {
        let call = self.calls.lock().get(room).cloned();
        let row = match &call {
            Some(c) => c.state.lock().room.clone(),
            None => self.load(room).await?,
        };
        Ok(self.room_frame(&row, call.as_deref(), actor_id, conn))
    }

    fn room_frame(
        &self,
        row: &RoomRow,
        call: Option<&Call>,
        actor_id: &str,
        conn: ConnId,
    ) -> ServerFrame {
        let people: Vec<Arc<Participant>> = call.map(Call::participants).unwrap_or_default();
        let inside = people.iter().any(|p| p.outbox.conn() == Some(conn));
        // A protected room shows who is in it only to those who are in it.
        let list: Vec<ParticipantView> = if row.protected() && !inside {
            Vec::new()
        } else {
            people.iter().map(|p| p.view()).collect()
        };
        let mut view = self.view_for(row, actor_id, false);
        view.participants = people.len();
        ServerFrame::Room {
            room: view,
            participants: list,
        }
    }

    /// Sends every subscriber of the room's topic its `room` frame.
    pub(super) fn announce_room(&self, room: &str) {
        let call = self.calls.lock().get(room).cloned();
        let Some(call) = call else {
            return;
        };
        let row = call.state.lock().room.clone();
        let topic = topic_of(room);
        for member in self.hub.members(&topic) {
            let frame = self.room_frame(&row, Some(&call), &member.id, member.conn);
            self.hub
                .send_event_to(member.conn, &topic, &frame.to_value());
        }
    }

    pub(super) fn to_participants(&self, call: &Call, frame: &ServerFrame, except: Option<&str>) {
        for p in call.participants() {
            if Some(p.id.as_str()) != except {
                p.outbox.send(frame);
            }
        }
    }

    /// Tells the participants (but `except`) how `p` is now: mute, hand, quality, connection.
    pub(super) fn announce_participant(&self, call: &Call, p: &Participant, except: Option<&str>) {
        let frame = ServerFrame::Participant {
            participant: p.view(),
        };
        self.to_participants(call, &frame, except);
    }

    pub(super) fn send_to_conn(&self, room: &str, conn: ConnId, frame: &ServerFrame) {
        self.hub
            .send_event_to(conn, &topic_of(room), &frame.to_value());
    }
}
