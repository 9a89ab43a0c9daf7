//! The client side of the pad protocol, as the browser does it (Jupiter / ot.js): at most one
//! edit in flight, later local edits composed into a buffer, remote revisions transformed
//! against both (the remote edit first: the server already has it, so its inserts win ties),
//! the buffer sent when the ack for the edit in flight arrives.
//!
//! Pure state machine, no I/O: the caller sends what [`Send`] values it returns.
//!
//! A client keeps either the whole text (a witness, whose text is compared with the server's at
//! the end) or only its length: with hundreds of editors on one pad, every editor applying every
//! revision to its own copy of the text was most of the load generator's work, and the server
//! sees exactly the same frames either way (positions depend only on the length).

use crate::ot::{Doc, Op, OtError};

/// An edit to send: `{"type":"op","client_id","seq","rev","op"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    pub seq: u64,
    pub rev: u64,
    pub op: Op,
}

#[derive(Debug, Clone)]
struct Inflight {
    seq: u64,
    op: Op,
}

/// What a client keeps of its document.
#[derive(Debug, Clone)]
enum Text {
    Whole(Doc),
    Length(usize),
}

impl Text {
    fn len(&self) -> usize {
        match self {
            Text::Whole(d) => d.len(),
            Text::Length(n) => *n,
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), OtError> {
        match self {
            Text::Whole(d) => d.apply(op),
            Text::Length(n) if op.base_len() == *n => {
                *n = op.target_len();
                Ok(())
            }
            Text::Length(n) => Err(OtError(format!(
                "apply: op expects {} chars, doc has {n}",
                op.base_len()
            ))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OtClient {
    /// The last server revision this document includes.
    rev: u64,
    doc: Text,
    inflight: Option<Inflight>,
    buffer: Option<Op>,
    next_seq: u64,
}

impl OtClient {
    /// A client that joined at revision `rev` with `text` (the `state` event), keeping the
    /// whole text.
    pub fn new(rev: u64, text: &str) -> OtClient {
        Self::with(rev, Text::Whole(Doc::new(text)))
    }

    /// A client that keeps only the length of its text.
    pub fn length_only(rev: u64, text: &str) -> OtClient {
        Self::with(rev, Text::Length(text.chars().count()))
    }

    fn with(rev: u64, doc: Text) -> OtClient {
        OtClient {
            rev,
            doc,
            inflight: None,
            buffer: None,
            next_seq: 1,
        }
    }

    pub fn rev(&self) -> u64 {
        self.rev
    }

    /// Length of the local document in chars.
    pub fn len(&self) -> usize {
        self.doc.len()
    }

    /// The whole text, for a client that keeps it.
    pub fn text(&self) -> Option<String> {
        match &self.doc {
            Text::Whole(d) => Some(d.text()),
            Text::Length(_) => None,
        }
    }

    /// True while an edit is in flight or buffered.
    pub fn pending(&self) -> bool {
        self.inflight.is_some()
    }

    /// Sequence number of the edit in flight.
    pub fn inflight_seq(&self) -> Option<u64> {
        self.inflight.as_ref().map(|i| i.seq)
    }

    fn send_next(&mut self, op: Op) -> Send {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.inflight = Some(Inflight {
            seq,
            op: op.clone(),
        });
        Send {
            seq,
            rev: self.rev,
            op,
        }
    }

    /// A local edit of the current document: applied now; returned to send if nothing is in
    /// flight, else composed into the buffer.
    pub fn local(&mut self, op: Op) -> Result<Option<Send>, OtError> {
        self.doc.apply(&op)?;
        if self.inflight.is_none() {
            return Ok(Some(self.send_next(op)));
        }
        self.buffer = Some(match self.buffer.take() {
            Some(b) => b.compose(&op)?,
            None => op,
        });
        Ok(None)
    }

    /// The edit in flight again, on the current revision (after the server refused it without
    /// applying it, e.g. rate limiting): same seq, so a duplicate would be recognised.
    pub fn resend(&self) -> Option<Send> {
        self.inflight.as_ref().map(|i| Send {
            seq: i.seq,
            rev: self.rev,
            op: i.op.clone(),
        })
    }

    /// `ack` for our edit `seq`, now revision `rev`: returns the buffer to send, if any.
    pub fn ack(&mut self, seq: u64, rev: u64) -> Result<Option<Send>, OtError> {
        match &self.inflight {
            Some(i) if i.seq == seq => {}
            Some(i) => {
                return Err(OtError(format!(
                    "ack for seq {seq} while seq {} is in flight",
                    i.seq
                )))
            }
            None => return Err(OtError(format!("ack for seq {seq} with nothing in flight"))),
        }
        if rev != self.rev + 1 {
            return Err(OtError(format!(
                "ack at rev {rev}, expected {}",
                self.rev + 1
            )));
        }
        self.rev = rev;
        self.inflight = None;
        Ok(self.buffer.take().map(|b| self.send_next(b)))
    }

    /// Revisions `first..=last` by others, for a client that keeps only its length and has
    /// nothing in flight: the length after them is all it needs (`base_len` is what the first
    /// expects, `target_len` what the last leaves). False (nothing done) for any other client,
    /// which must take them one by one with [`OtClient::remote`].
    pub fn skip_to(
        &mut self,
        (first, base_len): (u64, usize),
        (last, target_len): (u64, usize),
    ) -> Result<bool, OtError> {
        let Text::Length(n) = &mut self.doc else {
            return Ok(false);
        };
        if self.inflight.is_some() {
            return Ok(false);
        }
        if first != self.rev + 1 || last < first {
            return Err(OtError(format!(
                "remote ops at revs {first}..={last}, expected {}",
                self.rev + 1
            )));
        }
        if base_len != *n {
            return Err(OtError(format!(
                "apply: op expects {base_len} chars, doc has {n}"
            )));
        }
        *n = target_len;
        self.rev = last;
        Ok(true)
    }

    /// A revision by someone else.
    pub fn remote(&mut self, op: &Op, rev: u64) -> Result<(), OtError> {
        if rev != self.rev + 1 {
            return Err(OtError(format!(
                "remote op at rev {rev}, expected {}",
                self.rev + 1
            )));
        }
        let Some(inflight) = self.inflight.as_mut() else {
            self.doc.apply(op)?;
            self.rev = rev;
            return Ok(());
        };
        let (mut remote, i) = Op::transform(op, &inflight.op)?;
        inflight.op = i;
        if let Some(buffer) = self.buffer.as_mut() {
            let (r, b) = Op::transform(&remote, buffer)?;
            *buffer = b;
            remote = r;
        }
        self.doc.apply(&remote)?;
        self.rev = rev;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ot::tests::random_op;
    use crate::ot::{random_typing, Rng};
    use std::collections::VecDeque;

    /// The server's side, as in the pad engine: an edit made on revision r is transformed
    /// (as the second argument) against every revision after r, then applied.
    struct Server {
        text: String,
        history: Vec<Op>,
    }

    impl Server {
        fn receive(&mut self, s: &Send) -> Op {
            let mut op = s.op.clone();
            for past in &self.history[s.rev as usize..] {
                op = Op::transform(past, &op).expect("server transform").1;
            }
            self.text = op.apply(&self.text).expect("server apply");
            self.history.push(op.clone());
            op
        }
    }

    enum Down {
        Ack(u64, u64),
        Op(Op, u64),
    }

    /// Several clients editing at random with random network delays converge on the server's
    /// text; the ones keeping only a length end with the server's length.
    #[test]
    fn clients_converge_with_the_server() {
        for seed in 0..40u64 {
            let mut rng = Rng::new(seed);
            let n = 2 + rng.below(4);
            let mut server = Server {
                text: "start".into(),
                history: Vec::new(),
            };
            let mut clients: Vec<OtClient> = (0..n)
                .map(|k| {
                    if k % 2 == 0 {
                        OtClient::new(0, "start")
                    } else {
                        OtClient::length_only(0, "start")
                    }
                })
                .collect();
            let mut up: Vec<VecDeque<Send>> = (0..n).map(|_| VecDeque::new()).collect();
            let mut down: Vec<VecDeque<Down>> = (0..n).map(|_| VecDeque::new()).collect();
            for step in 0..600 {
                let c = rng.below(n);
                let typing = step < 400;
                match rng.below(3) {
                    0 if typing => {
                        let len = clients[c].len();
                        let op = if rng.below(2) == 0 {
                            let k = 1 + rng.below(4);
                            random_typing(&mut rng, len, k)
                        } else {
                            random_op(&mut rng, len)
                        };
                        if let Some(s) = clients[c].local(op).expect("local") {
                            up[c].push_back(s);
                        }
                    }
                    1 => {
                        if let Some(s) = up[c].pop_front() {
                            let applied = server.receive(&s);
                            let rev = server.history.len() as u64;
                            for (k, q) in down.iter_mut().enumerate() {
                                q.push_back(if k == c {
                                    Down::Ack(s.seq, rev)
                                } else {
                                    Down::Op(applied.clone(), rev)
                                });
                            }
                        }
                    }
                    _ => {
                        if let Some(d) = down[c].pop_front() {
                            let next = match d {
                                Down::Ack(seq, rev) => clients[c].ack(seq, rev).expect("ack"),
                                Down::Op(op, rev) => {
                                    clients[c].remote(&op, rev).expect("remote");
                                    None
                                }
                            };
                            up[c].extend(next);
                        }
                    }
                }
            }
            // Drain everything.
            for _ in 0..10_000 {
                let mut moved = false;
                for c in 0..n {
                    if let Some(s) = up[c].pop_front() {
                        moved = true;
                        let applied = server.receive(&s);
                        let rev = server.history.len() as u64;
                        for (k, q) in down.iter_mut().enumerate() {
                            q.push_back(if k == c {
                                Down::Ack(s.seq, rev)
                            } else {
                                Down::Op(applied.clone(), rev)
                            });
                        }
                    }
                    while let Some(d) = down[c].pop_front() {
                        moved = true;
                        match d {
                            Down::Ack(seq, rev) => {
                                up[c].extend(clients[c].ack(seq, rev).expect("ack"))
                            }
                            Down::Op(op, rev) => clients[c].remote(&op, rev).expect("remote"),
                        }
                    }
                }
                if !moved {
                    break;
                }
            }
            for (k, c) in clients.iter().enumerate() {
                assert!(!c.pending());
                assert_eq!(c.rev(), server.history.len() as u64);
                assert_eq!(c.len(), server.text.chars().count(), "seed {seed}");
                if k % 2 == 0 {
                    assert_eq!(
                        c.text().as_deref(),
                        Some(server.text.as_str()),
                        "seed {seed}"
                    );
                } else {
                    assert_eq!(c.text(), None);
                }
            }
        }
    }

    #[test]
    fn one_edit_in_flight_and_a_buffer() {
        let mut c = OtClient::new(3, "ab");
        let first = c
            .local(crate::ot::from_json(&serde_json::json!([1, "x", 1])).expect("op"))
            .expect("local")
            .expect("sent");
        assert_eq!((first.seq, first.rev), (1, 3));
        assert!(c
            .local(crate::ot::from_json(&serde_json::json!([3, "y"])).expect("op"))
            .expect("local")
            .is_none());
        assert!(c
            .local(crate::ot::from_json(&serde_json::json!(["z", 4])).expect("op"))
            .expect("local")
            .is_none());
        assert_eq!(c.text().as_deref(), Some("zaxby"));
        // Someone inserted at the very start: the remote text goes first.
        c.remote(
            &crate::ot::from_json(&serde_json::json!(["R", 2])).expect("op"),
            4,
        )
        .expect("remote");
        assert_eq!(c.text().as_deref(), Some("Rzaxby"));
        assert!(c.ack(2, 5).is_err()); // wrong seq
        let second = c.ack(1, 5).expect("ack").expect("buffer sent");
        assert_eq!((second.seq, second.rev), (2, 5));
        assert_eq!(second.op.apply("Raxb").expect("apply"), "Rzaxby");
        assert_eq!(c.resend(), Some(second));
        assert!(c.ack(2, 7).is_err()); // skipped a revision
        assert!(c.ack(2, 6).expect("ack").is_none());
        assert!(!c.pending() && c.rev() == 6);
        assert!(c.remote(&Op::new(), 8).is_err());
    }
}
