//! Acknowledgements and broadcasts of a stored batch: one frame per connection, written once.

use super::*;

/// The `ops` frame of a stored batch, around its revisions already serialised (`list`, a JSON
/// array of [`WireRev`]): the list is written once and shared by every frame of the batch.
/// The same JSON as [`PadEvent::Ops`] (tested below).
fn ops_frame(list: &str) -> String {
    format!("{{\"type\":\"ops\",\"ops\":{list}}}")
}

/// The `ack` frame to an author of a batch, around the batch's `list` (see [`ops_frame`]); the
/// same JSON as [`PadEvent::Ack`].
fn ack_frame(rev: u64, client_id: &str, seq: u64, list: &str) -> String {
    let client_id = serde_json::to_string(client_id).unwrap_or_default();
    format!(
        "{{\"type\":\"ack\",\"rev\":{rev},\"client_id\":{client_id},\"seq\":{seq},\"ops\":{list}}}"
    )
}

impl PadService {
    /// Sends a stored batch: one frame per connection carrying every edit of the batch in order
    /// (`ops`), the same text for everyone but the authors, who get it as an `ack` naming their
    /// (last) edit in it; their own edit in the list is the acknowledgement, so it is never out
    /// of order with the others' edits. Batches longer than [`SYNC_CHUNK`] go in several frames.
    pub(super) fn send_batch(&self, topics: &[String; 2], accepted: &[Accepted]) {
        for chunk in accepted.chunks(SYNC_CHUNK) {
            let items: Vec<String> = chunk
                .iter()
                .map(|a| {
                    serde_json::to_string(&WireRev {
                        rev: a.rev,
                        op: &a.op,
                        author: &a.author.id,
                        client_id: &a.client_id,
                        seq: a.seq,
                    })
                    .unwrap_or_else(|_| "null".into())
                })
                .collect();
            let list = format!("[{}]", items.join(","));
            // Each author connection's last edit in this chunk (a connection may send several).
            let mut own: Vec<(ConnId, &Accepted)> = Vec::new();
            for a in chunk {
                let Some(conn) = a.origin else { continue };
                match own.iter_mut().find(|(c, _)| *c == conn) {
                    Some(slot) => slot.1 = a,
                    None => own.push((conn, a)),
                }
            }
            let shared = ops_frame(&list);
            let authors: Vec<ConnId> = own.iter().map(|(c, _)| *c).collect();
            self.hub
                .broadcast_event_json_except(&topics[0], &shared, &authors);
            for (conn, a) in own {
                let ack = ack_frame(a.rev, &a.client_id, a.seq, &list);
                self.hub.send_event_json_to(conn, &topics[0], &ack);
            }
            self.hub.broadcast_event_json(&topics[1], &shared);
        }
    }
}

#[cfg(test)]
mod frame_tests {
    use super::*;

    /// The batch frames written by hand are the typed events, byte for byte as JSON values.
    #[test]
    fn batch_frames_are_the_typed_events() {
        let mut op = Operation::new();
        op.retain(2).insert("é\"🙂").delete(1);
        let revs = [
            WireRev {
                rev: 7,
                op: &op,
                author: "u1",
                client_id: "c\"1",
                seq: 3,
            },
            WireRev {
                rev: 8,
                op: &op,
                author: "u2",
                client_id: "c2",
                seq: 9,
            },
        ];
        let list = serde_json::to_string(&revs).expect("list");
        let parsed = |s: String| serde_json::from_str::<Value>(&s).expect("json");
        assert_eq!(
            parsed(ops_frame(&list)),
            PadEvent::Ops { ops: &revs }.to_value()
        );
        let ack = PadEvent::Ack {
            rev: 8,
            client_id: "c\"1",
            seq: 3,
            ops: Some(&revs),
        };
        assert_eq!(parsed(ack_frame(8, "c\"1", 3, &list)), ack.to_value());
    }
}
