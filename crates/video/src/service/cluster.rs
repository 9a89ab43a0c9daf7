//! In a cluster: the sockets on a node, and a call taken over by another node.

use super::*;

impl VideoService {
    /// The rooms and sockets of the participants and knocks whose socket is on node `node`.
    pub(crate) fn conns_on(&self, node: u16) -> Vec<(String, ConnId)> {
        let calls: Vec<Arc<Call>> = self.calls.lock().values().cloned().collect();
        let mut out = Vec::new();
        for call in calls {
            let s = call.state.lock();
            let conns = s
                .participants
                .iter()
                .filter_map(|p| p.outbox.conn())
                .chain(s.lobby.iter().map(|k| k.conn));
            for conn in conns.filter(|c| node_of(*c) == node) {
                out.push((call.room_id.clone(), conn));
            }
        }
        out
    }

    /// Another node took this room's call (this node lost its lease: it was paused or cut
    /// off): its participants are told to join again, which brings them to the new owner, and
    /// the call is dropped here without telling the others anyone left.
    pub(crate) async fn moved_away(&self, room: &str) {
        let Some(call) = self.calls.lock().remove(room) else {
            return;
        };
        let people = std::mem::take(&mut call.state.lock().participants);
        call.state.lock().lobby.clear();
        for p in people {
            p.outbox.send(&crate::owner::media_failed());
            p.outbox.set_conn(None);
            let link = p.link.lock().take();
            if let Some(link) = link {
                link.close().await;
            }
        }
    }
}
