//! Pad batches of many pads in one write job.
//!
//! Each pad stores its batch under its own lock, and with a thousand busy pads the database
//! writer would get a job per pad: a savepoint and two statements each (on PostgreSQL each a
//! round trip on the writer's single connection), and the writer's rounds are capped in jobs, so
//! a slow disk capped the edits per second at jobs per round × rounds per second. Here the pads'
//! batches meet in one queue, and one job takes the queue *when the writer runs it*: every batch
//! that arrived while the job waited for its turn (the previous round's commit, typically) is in
//! it, with no wait added. One INSERT for every revision and one UPDATE for every head per round
//! however many pads: the slower the disk, the more each round carries.
//! If a combined job fails, each of its pads is tried alone, so one pad's failure (a constraint,
//! a bug) never costs the others their edits.

use std::sync::Arc;

use nichoir_ot::Operation;
use nichoir_storage::{Db, StorageError};
use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::authorship::Authorship;
use crate::model::Author;
use crate::store::{self, NewRev, PadRows};

/// One pad's batch, as the database must store it.
pub(crate) struct PadWrite {
    pub pad: String,
    /// (rev, op, author, client id, seq), in revision order.
    pub rows: Vec<(u64, Operation, Author, String, u64)>,
    /// Text, authorship and clients (JSON) at the last revision, when a snapshot is due there.
    pub snapshot: Option<(String, Authorship, String)>,
    /// Authors to record (new to the pad, or renamed), each with its first revision here.
    pub to_note: Vec<(Author, u64)>,
    pub now: i64,
    /// Whether the pad's row takes the new head and times now (it does every few seconds, and
    /// always with a snapshot; see `store::true_head`).
    pub head: bool,
}

/// What a stored batch gives back: the authors that are new to the pad.
type Stored = Result<Vec<Author>, StorageError>;

struct Waiting {
    write: PadWrite,
    reply: oneshot::Sender<Stored>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    /// A job that will take the queue is on its way to the writer: a new batch only joins it.
    submitted: bool,
}

#[derive(Clone)]
pub(crate) struct PadWriter {
    db: Db,
    queue: Arc<Mutex<Queue>>,
}

impl PadWriter {
    pub(crate) fn new(db: Db) -> PadWriter {
        PadWriter {
            db,
            queue: Arc::default(),
        }
    }

    /// Stores `write` (with whatever other pads' batches are waiting) and answers once it is
    /// committed.
    pub(crate) async fn write(&self, write: PadWrite) -> Stored {
        let (reply, answer) = oneshot::channel();
        let submit = {
            let mut q = self.queue.lock();
            q.waiting.push(Waiting { write, reply });
            !std::mem::replace(&mut q.submitted, true)
        };
        if submit {
            // The round runs apart from this request: a caller that goes away (a closed socket)
            // must not strand the batches of others that joined it.
            let me = self.clone();
            tokio::spawn(async move { me.round().await });
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StorageError::Invalid("the pad writer stopped".into())))
    }

    /// One writer job: takes the queue when it runs, stores it all, then answers each pad.
    async fn round(&self) {
        let taken: Arc<Mutex<Option<Vec<Waiting>>>> = Arc::default();
        let (queue, into) = (self.queue.clone(), taken.clone());
        let together = self
            .db
            .write(move |tx| {
                // Kept where `round` finds it even if storing fails or panics: the batches'
                // answers are in it.
                let mut kept = into.lock();
                let batch = kept.insert({
                    let mut q = queue.lock();
                    q.submitted = false;
                    std::mem::take(&mut q.waiting)
                });
                let writes: Vec<&PadWrite> = batch.iter().map(|w| &w.write).collect();
                store_all(tx, &writes)
            })
            .await;
        let batch = taken.lock().take().unwrap_or_else(|| {
            // The job never ran (the writer stopped), so no other took the queue since this one
            // was submitted: what waits would wait forever.
            let mut q = self.queue.lock();
            q.submitted = false;
            std::mem::take(&mut q.waiting)
        });
        let (writes, replies): (Vec<PadWrite>, Vec<oneshot::Sender<Stored>>) =
            batch.into_iter().map(|w| (w.write, w.reply)).unzip();
        match together {
            Ok(news) => {
                for (reply, new) in replies.into_iter().zip(news) {
                    let _ = reply.send(Ok(new));
                }
            }
            Err(e) if replies.len() <= 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                // One pad's batch may be at fault: each alone, so the others are kept.
                let writes = Arc::new(writes);
                for (i, reply) in replies.into_iter().enumerate() {
                    let writes = writes.clone();
                    let alone = self
                        .db
                        .write(move |tx| store_all(tx, &[&writes[i]]))
                        .await
                        .map(|mut news| news.pop().unwrap_or_default());
                    let _ = reply.send(alone);
                }
            }
        }
    }
}

/// Stores pads' batches in one go: what each brings back.
fn store_all(
    tx: &nichoir_storage::Connection,
    writes: &[&PadWrite],
) -> Result<Vec<Vec<Author>>, StorageError> {
    let plain: Vec<PadRows<'_>> = writes.iter().map(|w| plain_rows(w)).collect();
    store::append_revisions(tx, &plain)?;
    writes.iter().map(|w| finish(tx, w)).collect()
}

/// A batch's revisions but the one that carries a snapshot (stored by [`finish`]).
fn plain_rows(w: &PadWrite) -> PadRows<'_> {
    let plain = w.rows.len() - usize::from(w.snapshot.is_some());
    PadRows {
        pad: &w.pad,
        rows: w.rows[..plain]
            .iter()
            .map(|(rev, op, author, client, seq)| (*rev, op, author, client.as_str(), *seq))
            .collect(),
        now: w.now,
        head: w.head && w.snapshot.is_none(),
    }
}

/// The snapshot revision (now and then, `snapshot_every`) and the authors of one pad's batch.
fn finish(tx: &nichoir_storage::Connection, w: &PadWrite) -> Result<Vec<Author>, StorageError> {
    if let (Some((text, authorship, clients)), Some((rev, op, author, client_id, seq))) =
        (&w.snapshot, w.rows.last())
    {
        store::insert_revision_row(
            tx,
            &NewRev {
                pad: &w.pad,
                rev: *rev,
                op,
                author,
                client_id,
                seq: *seq,
                now: w.now,
                snapshot: Some((text.as_str(), authorship, clients.as_str())),
            },
        )?;
        store::set_head(tx, &w.pad, *rev, w.now)?;
    }
    let mut new_authors = Vec::new();
    for (author, rev) in &w.to_note {
        if store::note_author(tx, &w.pad, author, *rev)? {
            new_authors.push(author.clone());
        }
    }
    Ok(new_authors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nichoir_storage::DbOptions;

    fn write(pad: &str, revs: std::ops::RangeInclusive<u64>, client: &str) -> PadWrite {
        let author = Author {
            id: "u_1".into(),
            name: "Ann".into(),
            color: "#123456".into(),
        };
        PadWrite {
            pad: pad.into(),
            rows: revs
                .map(|r| (r, Operation::default(), author.clone(), client.into(), r))
                .collect(),
            snapshot: None,
            to_note: vec![(author.clone(), 1)],
            now: 7,
            head: true,
        }
    }

    /// Several pads' batches in one job; one of them (a revision stored already) fails alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_bad_batch_costs_only_its_pad() -> Result<(), StorageError> {
        for (db, _dir) in
            nichoir_storage::testing::databases(&DbOptions::default(), &[crate::MIGRATIONS])?
        {
            db.write(|tx| {
                for p in ["a", "b", "c"] {
                    tx.execute(
                        "INSERT INTO pads (id, readonly_id, rev, created_at, updated_at, last_used_at)
                         VALUES (?1, ?1 || 'r', 0, 0, 0, 0)",
                        [p],
                    )?;
                }
                Ok(())
            })
            .await?;
            let writer = PadWriter::new(db.clone());
            writer.write(write("b", 1..=1, "x")).await?;
            let (a, b, c) = tokio::join!(
                writer.write(write("a", 1..=3, "x")),
                writer.write(write("b", 1..=1, "y")),
                writer.write(write("c", 1..=2, "x")),
            );
            assert_eq!(a?.len(), 1, "Ann is new to pad a");
            assert!(b.is_err(), "revision 1 of b exists");
            assert_eq!(c?.len(), 1);
            let heads: Vec<(String, i64, i64)> = db
                .read(|c| {
                    let mut st = c.prepare(
                        "SELECT p.id, p.rev, (SELECT COUNT(*) FROM pad_revisions r WHERE r.pad_id = p.id)
                         FROM pads p ORDER BY p.id",
                    )?;
                    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .await?;
            assert_eq!(
                heads,
                vec![("a".into(), 3, 3), ("b".into(), 1, 1), ("c".into(), 2, 2)]
            );
        }
        Ok(())
    }
}
