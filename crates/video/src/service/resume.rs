//! Leaving and coming back: resume after a drop, removal, a socket gone (kept for the grace
//! period).

use super::*;

impl VideoService {
    pub(super) async fn resume(
        &self,
        call: &Arc<Call>,
        p: &Arc<Participant>,
        conn: ConnId,
    ) -> VideoResult<()> {
        p.generation.fetch_add(1, Ordering::SeqCst);
        p.outbox.set_conn(Some(conn));
        p.view.lock().connected = true;
        self.detach(call, p).await;
        self.welcome(p, call, p.moderator);
        self.attach(call, p).await?;
        self.announce_participant(call, p, Some(&p.id));
        self.announce_room(&call.room_id);
        Ok(())
    }

    /// Takes `p` out of the call; `reason` tells them why when they did not leave themselves.
    pub(super) async fn remove(
        &self,
        call: &Arc<Call>,
        p: &Arc<Participant>,
        reason: Option<Denied>,
    ) {
        let was_in = {
            let mut s = call.state.lock();
            let before = s.participants.len();
            s.participants.retain(|q| !Arc::ptr_eq(q, p));
            s.participants.len() != before
        };
        if let Some(reason) = reason {
            p.outbox.send(&ServerFrame::Denied { reason });
        }
        self.detach(call, p).await;
        if was_in {
            self.to_participants(
                call,
                &ServerFrame::ParticipantLeft { id: p.id.clone() },
                None,
            );
            self.announce_room(&call.room_id);
        }
        p.outbox.set_conn(None);
        self.drop_if_empty(call);
    }

    /// The socket `conn` left the room's topic: a participant is kept for the grace period (a
    /// reconnect resumes them), a lobby knock is dropped.
    pub async fn disconnected(&self, room: &str, conn: ConnId) {
        let call = self.calls.lock().get(room).cloned();
        let Some(call) = call else {
            return;
        };
        self.leave_lobby(&call, conn);
        let Some(p) = call.by_conn(conn) else {
            self.drop_if_empty(&call);
            return;
        };
        p.outbox.set_conn(None);
        let generation = p.generation.fetch_add(1, Ordering::SeqCst) + 1;
        p.view.lock().connected = false;
        self.announce_participant(&call, &p, None);
        let grace = Duration::from_secs(self.config.reconnect_grace_secs);
        let me = self.me.clone();
        self.spawn(async move {
            tokio::time::sleep(grace).await;
            let Some(svc) = me.upgrade() else {
                return;
            };
            if p.generation.load(Ordering::SeqCst) == generation && p.outbox.conn().is_none() {
                svc.remove(&call, &p, None).await;
            }
        });
    }
}
