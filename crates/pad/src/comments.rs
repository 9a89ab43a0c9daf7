//! Comments on a pad's text (Etherpad's ep_comments_page): threads anchored to a range of the
//! text, with replies, resolved and reopened. Anyone who may edit the pad may comment, reply
//! and resolve; read-only links read them; a message's author, the pad's creator and admins may
//! delete it.
//!
//! Anchors are carried forward lazily: a thread stores its range as of a revision, and whoever
//! reads it moves the range through the revisions stored since (`Operation::transform_range`,
//! revision by revision), storing the result now and then. The edit path does not know about
//! comments, and any node of a cluster can read them, since the revisions are in the database
//! before anyone sees them.

use nichoir_auth::Actor;
use nichoir_core::export::{ExportContributor, ExportFile};
use nichoir_core::ids::random_token;
use nichoir_core::text::{check_controls, Lines};
use nichoir_core::time::{now_ms, serde_rfc3339};
use nichoir_core::{Error, ErrorCode, Field, Rule};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::PadEvent;
use crate::comments_store::{self as cs, CommentRow, ThreadRow};
use crate::model::{Author, PadInfo};
use crate::service::{edit_topic, view_topic, PadError, PadService};
use crate::store::{self, StoredRev};

/// Longest comment or reply, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Threads one pad may hold, and messages one thread.
const MAX_THREADS: u64 = 2_000;
const MAX_MESSAGES: u64 = 500;
/// A new thread's anchor may be this many revisions behind the head (a client reloads first).
const MAX_ANCHOR_AGE: u64 = 10_000;
/// The quoted text kept with a thread, in characters.
const MAX_QUOTE_CHARS: usize = 500;
/// Anchors this many revisions behind are stored again once carried forward: a reader does not
/// write for every edit, and no reader replays more than this and the newest revisions.
const STORE_AFTER_REVS: u64 = 64;
/// Revisions read at a time while carrying anchors forward.
const CHUNK: u64 = 2_000;

/// A thread's opening comment, anchored to `[start, end)` (characters) of the text at `rev`.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewPadThread")]
#[ts(export, export_to = "pads/")]
pub struct NewThread {
    pub start: u64,
    pub end: u64,
    pub rev: u64,
    pub text: String,
}

/// A reply, or a message's new text.
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PadCommentText")]
#[ts(export, export_to = "pads/")]
pub struct CommentText {
    pub text: String,
}

/// Resolve (true) or reopen (false).
#[derive(Debug, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PadThreadResolution")]
#[ts(export, export_to = "pads/")]
pub struct Resolution {
    pub resolved: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[schemars(rename = "PadComment")]
#[ts(export, export_to = "pads/")]
pub struct Comment {
    pub id: String,
    pub author: Author,
    /// Empty once its author's account was erased.
    pub text: String,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    #[schemars(with = "Option<String>")]
    #[ts(type = "string | null")]
    pub edited_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[schemars(rename = "PadCommentResolver")]
#[ts(export, export_to = "pads/")]
pub struct Resolver {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[schemars(rename = "PadCommentThread")]
#[ts(export, export_to = "pads/")]
pub struct CommentThread {
    pub id: String,
    /// The anchor, in characters of the text at `rev`.
    pub start: u64,
    pub end: u64,
    pub rev: u64,
    /// The commented text was deleted: the anchor is collapsed where it was.
    pub detached: bool,
    /// The commented text when the thread was opened.
    pub quote: String,
    pub author: Author,
    #[serde(with = "serde_rfc3339")]
    #[schemars(with = "String")]
    #[ts(type = "string")]
    pub created_at: i64,
    pub resolved: bool,
    pub resolved_by: Option<Resolver>,
    #[serde(with = "serde_rfc3339::option")]
    #[schemars(with = "Option<String>")]
    #[ts(type = "string | null")]
    pub resolved_at: Option<i64>,
    /// The opening comment first.
    pub comments: Vec<Comment>,
}

/// A pad's threads with their anchors at `rev`.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[schemars(rename = "PadCommentList")]
#[ts(export, export_to = "pads/")]
pub struct CommentList {
    pub rev: u64,
    pub threads: Vec<CommentThread>,
}

fn comment(m: CommentRow) -> Comment {
    Comment {
        id: m.id,
        author: m.author,
        text: m.text,
        created_at: m.created_at,
        edited_at: m.edited_at,
    }
}

fn thread(t: ThreadRow, comments: Vec<Comment>) -> CommentThread {
    CommentThread {
        detached: t.start >= t.end,
        id: t.id,
        start: t.start,
        end: t.end,
        rev: t.rev,
        quote: t.quote,
        author: t.author,
        created_at: t.created_at,
        resolved: t.resolved_at.is_some(),
        resolved_by: t.resolved_by.map(|(id, name)| Resolver { id, name }),
        resolved_at: t.resolved_at,
        comments,
    }
}

/// Moves an anchor through stored revisions after its own (`revs` in order).
pub(crate) fn carry(revs: &[StoredRev], from_rev: u64, range: (u64, u64)) -> (u64, u64) {
    let (mut s, mut e) = (range.0 as usize, range.1 as usize);
    for r in revs.iter().filter(|r| r.rev > from_rev) {
        (s, e) = r.op.transform_range(s, e);
    }
    (s as u64, e as u64)
}

/// The text of a comment, trimmed and checked.
fn checked_text(text: &str) -> Result<String, PadError> {
    let text = text.trim();
    check_controls("comment", text, Lines::Many)?;
    let n = text.chars().count();
    if n == 0 {
        return Err(Error::validation("comment: write something")
            .with_invalid(Field::Comment, Rule::Required)
            .into());
    }
    if n > MAX_COMMENT_CHARS {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("comment: at most {MAX_COMMENT_CHARS} characters"),
        )
        .with_invalid(
            Field::Comment,
            Rule::TooLong {
                max: MAX_COMMENT_CHARS as u64,
            },
        )
        .into());
    }
    Ok(text.to_string())
}

fn author_of(actor: &Actor) -> Author {
    Author {
        id: actor.id().to_string(),
        name: actor.display_name().to_string(),
        color: actor.avatar_color().to_string(),
    }
}

fn no_thread() -> PadError {
    Error::not_found("no such comment thread on this pad").into()
}

impl PadService {
    /// A pad the actor may write comments on: opened (password) by its edit id.
    async fn commentable(&self, pad_id: &str, actor: &Actor) -> Result<PadInfo, PadError> {
        let (info, readonly) = self.open(pad_id, Some(actor)).await?;
        if readonly {
            return Err(Error::forbidden("a read-only link cannot comment").into());
        }
        Ok(info)
    }

    /// The pad's threads (or the one named), their anchors carried to the newest revision.
    async fn load_threads(&self, pad: &str, only: Option<&str>) -> Result<CommentList, PadError> {
        let (key, only) = (pad.to_string(), only.map(str::to_string));
        let (head, threads, mut comments, moved) = self
            .db()
            .read(move |c| {
                let head = store::true_head(c, &key)?.unwrap_or(0);
                let mut rows = cs::threads(c, &key, only.as_deref())?;
                let comments = cs::comments(c, &key, only.as_deref())?;
                let oldest = rows.iter().map(|t| t.rev).min().unwrap_or(head);
                let mut at = oldest;
                while at < head {
                    let upto = head.min(at.saturating_add(CHUNK));
                    let revs = store::revisions_between(c, &key, at, upto)?;
                    for t in rows.iter_mut().filter(|t| t.rev < upto) {
                        (t.start, t.end) = carry(&revs, t.rev, (t.start, t.end));
                        t.rev = upto;
                    }
                    at = upto;
                }
                let moved: Vec<(String, u64, u64)> =
                    if head.saturating_sub(oldest) >= STORE_AFTER_REVS {
                        rows.iter()
                            .map(|t| (t.id.clone(), t.start, t.end))
                            .collect()
                    } else {
                        Vec::new()
                    };
                Ok((head, rows, comments, moved))
            })
            .await?;
        if !moved.is_empty() {
            self.db()
                .write(move |tx| cs::move_anchors(tx, &moved, head))
                .await?;
        }
        let mut by_thread: std::collections::HashMap<String, Vec<Comment>> =
            std::collections::HashMap::new();
        for m in comments.drain(..) {
            by_thread
                .entry(m.thread_id.clone())
                .or_default()
                .push(comment(m));
        }
        let threads = threads
            .into_iter()
            .map(|t| {
                let list = by_thread.remove(&t.id).unwrap_or_default();
                thread(t, list)
            })
            .collect();
        Ok(CommentList { rev: head, threads })
    }

    /// One thread as it is now (not found if it is not on this pad).
    async fn one_thread(&self, pad: &str, id: &str) -> Result<CommentThread, PadError> {
        self.load_threads(pad, Some(id))
            .await?
            .threads
            .pop()
            .ok_or_else(no_thread)
    }

    /// Tells editors and read-only viewers.
    fn tell(&self, info: &PadInfo, ev: &PadEvent) {
        self.hub()
            .broadcast_event(&edit_topic(&info.id), None, ev, None);
        self.hub()
            .broadcast_event(&view_topic(&info.readonly_id), None, ev, None);
    }

    fn tell_thread(&self, info: &PadInfo, t: &CommentThread) {
        self.tell(info, &PadEvent::Comment { thread: t });
    }

    /// Threads of a pad (by its id or read-only id), anchors at the newest revision.
    pub async fn comments(
        &self,
        pad_id: &str,
        actor: Option<&Actor>,
    ) -> Result<CommentList, PadError> {
        let (info, _) = self.open(pad_id, actor).await?;
        self.load_threads(&info.id, None).await
    }

    /// Opens a thread on `[start, end)` of the text at `rev`, carried to the newest revision.
    pub async fn create_comment(
        &self,
        pad_id: &str,
        actor: &Actor,
        new: NewThread,
    ) -> Result<CommentThread, PadError> {
        let text = checked_text(&new.text)?;
        let info = self.commentable(pad_id, actor).await?;
        if new.start >= new.end {
            return Err(Error::validation("select some text to comment on")
                .with_invalid(Field::Selection, Rule::Required)
                .into());
        }
        let (current, head) = self.current_text(&info.id).await?;
        if new.rev > head {
            return Err(PadError::RevFromFuture(new.rev));
        }
        if head - new.rev > MAX_ANCHOR_AGE {
            return Err(Error::validation(format!(
                "revision {} is too old to anchor a comment: reload the pad",
                new.rev
            ))
            .with_invalid(Field::Rev, Rule::TooOld)
            .into());
        }
        let (key, from) = (info.id.clone(), new.rev);
        let (revs, count) = self
            .db()
            .read(move |c| {
                Ok((
                    store::revisions_between(c, &key, from, head)?,
                    cs::count_threads(c, &key)?,
                ))
            })
            .await?;
        if count >= MAX_THREADS {
            return Err(Error::new(
                ErrorCode::QuotaExceeded,
                format!("a pad holds at most {MAX_THREADS} comment threads"),
            )
            .into());
        }
        // The length of the text the client saw: the first revision after it starts from it.
        let len = match revs.first() {
            Some(r) => r.op.base_len(),
            None => current.chars().count(),
        } as u64;
        if new.end > len {
            return Err(Error::validation(format!(
                "range {}..{} is outside the text (0..{len} at revision {})",
                new.start, new.end, new.rev
            ))
            .with_invalid(
                Field::Selection,
                Rule::OutOfRange {
                    min: 0,
                    max: i64::try_from(len).unwrap_or(i64::MAX),
                },
            )
            .into());
        }
        let (start, end) = carry(&revs, new.rev, (new.start, new.end));
        if start >= end {
            return Err(Error::conflict("the selected text was deleted meanwhile").into());
        }
        let mut quote: String = current
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .take(MAX_QUOTE_CHARS)
            .collect();
        if end - start > MAX_QUOTE_CHARS as u64 {
            quote.push('…');
        }
        let row = ThreadRow {
            id: random_token(12),
            pad_id: info.id.clone(),
            start,
            end,
            rev: head,
            quote,
            author: author_of(actor),
            created_at: now_ms(),
            resolved_at: None,
            resolved_by: None,
        };
        let r = row.clone();
        self.db()
            .write(move |tx| cs::insert_thread(tx, &r, &text))
            .await?;
        let t = self.one_thread(&info.id, &row.id).await?;
        self.tell_thread(&info, &t);
        Ok(t)
    }

    /// Adds a reply to a thread.
    pub async fn reply_comment(
        &self,
        pad_id: &str,
        actor: &Actor,
        thread_id: &str,
        body: CommentText,
    ) -> Result<CommentThread, PadError> {
        let text = checked_text(&body.text)?;
        let info = self.commentable(pad_id, actor).await?;
        let (key, tid) = (info.id.clone(), thread_id.to_string());
        let found = self
            .db()
            .read(move |c| {
                let exists = !cs::threads(c, &key, Some(&tid))?.is_empty();
                Ok(exists.then_some(cs::count_comments(c, &tid)?))
            })
            .await?;
        match found {
            None => return Err(no_thread()),
            Some(n) if n >= MAX_MESSAGES => {
                return Err(Error::new(
                    ErrorCode::QuotaExceeded,
                    format!("a thread holds at most {MAX_MESSAGES} messages"),
                )
                .into())
            }
            Some(_) => {}
        }
        let m = CommentRow {
            id: random_token(12),
            thread_id: thread_id.to_string(),
            author: author_of(actor),
            text,
            created_at: now_ms(),
            edited_at: None,
        };
        let pad = info.id.clone();
        self.db()
            .write(move |tx| cs::insert_comment(tx, &pad, &m))
            .await?;
        let t = self.one_thread(&info.id, thread_id).await?;
        self.tell_thread(&info, &t);
        Ok(t)
    }

    /// Changes one's own message.
    pub async fn edit_comment(
        &self,
        pad_id: &str,
        actor: &Actor,
        thread_id: &str,
        comment_id: &str,
        body: CommentText,
    ) -> Result<CommentThread, PadError> {
        let text = checked_text(&body.text)?;
        let info = self.commentable(pad_id, actor).await?;
        let author = self.comment_author(&info, thread_id, comment_id).await?;
        if author != actor.id() {
            return Err(Error::forbidden("only its author can change a comment").into());
        }
        let id = comment_id.to_string();
        self.db()
            .write(move |tx| cs::edit_comment(tx, &id, &text, now_ms()))
            .await?;
        let t = self.one_thread(&info.id, thread_id).await?;
        self.tell_thread(&info, &t);
        Ok(t)
    }

    async fn comment_author(
        &self,
        info: &PadInfo,
        thread_id: &str,
        comment_id: &str,
    ) -> Result<String, PadError> {
        let (key, tid, cid) = (
            info.id.clone(),
            thread_id.to_string(),
            comment_id.to_string(),
        );
        self.db()
            .read(move |c| cs::comment_author(c, &key, &tid, &cid))
            .await?
            .ok_or_else(|| Error::not_found("no such comment in this thread").into())
    }

    /// Resolves or reopens a thread.
    pub async fn resolve_comment(
        &self,
        pad_id: &str,
        actor: &Actor,
        thread_id: &str,
        resolved: bool,
    ) -> Result<CommentThread, PadError> {
        let info = self.commentable(pad_id, actor).await?;
        // Not found before any change.
        self.one_thread(&info.id, thread_id).await?;
        let (tid, who, name) = (
            thread_id.to_string(),
            actor.id().to_string(),
            actor.display_name().to_string(),
        );
        self.db()
            .write(move |tx| {
                let by = resolved.then(|| (who.as_str(), name.as_str(), now_ms()));
                cs::set_resolved(tx, &tid, by)
            })
            .await?;
        let t = self.one_thread(&info.id, thread_id).await?;
        self.tell_thread(&info, &t);
        Ok(t)
    }

    /// Deletes a message (its author, the pad's creator or an admin); deleting a thread's
    /// opening comment deletes the thread. Returns the thread left, if any.
    pub async fn delete_comment(
        &self,
        pad_id: &str,
        actor: &Actor,
        thread_id: &str,
        comment_id: &str,
    ) -> Result<Option<CommentThread>, PadError> {
        let info = self.commentable(pad_id, actor).await?;
        let author = self.comment_author(&info, thread_id, comment_id).await?;
        let may = author == actor.id()
            || info.owner_id.as_deref() == Some(actor.id())
            || actor.require_admin().is_ok();
        if !may {
            return Err(Error::forbidden(
                "only a comment's author or the pad's creator can delete it",
            )
            .into());
        }
        let (tid, cid) = (thread_id.to_string(), comment_id.to_string());
        let whole = tid == cid;
        self.db()
            .write(move |tx| {
                if whole {
                    cs::delete_thread(tx, &tid)
                } else {
                    cs::delete_comment(tx, &cid)
                }
            })
            .await?;
        if whole {
            self.tell(&info, &PadEvent::CommentDeleted { thread_id });
            return Ok(None);
        }
        let t = self.one_thread(&info.id, thread_id).await?;
        self.tell_thread(&info, &t);
        Ok(Some(t))
    }

    /// Deletes a thread with its replies (its author, the pad's creator or an admin).
    pub async fn delete_thread(
        &self,
        pad_id: &str,
        actor: &Actor,
        thread_id: &str,
    ) -> Result<(), PadError> {
        self.delete_comment(pad_id, actor, thread_id, thread_id)
            .await
            .map(|_| ())
    }
}

/// What a person wrote in pads' comments, in their data export (`pad-comments/comments.json`).
pub struct PadCommentExport {
    pub service: std::sync::Arc<PadService>,
}

/// A line of comments.json: a comment the person wrote, with the text it was written on.
#[derive(Serialize)]
struct CommentRecord {
    pad: String,
    thread: String,
    on_text: String,
    opens_thread: bool,
    text: String,
    #[serde(with = "serde_rfc3339")]
    created_at: i64,
    #[serde(with = "serde_rfc3339::option")]
    edited_at: Option<i64>,
}

#[async_trait::async_trait]
impl ExportContributor for PadCommentExport {
    fn folder(&self) -> &'static str {
        "pad-comments"
    }

    async fn export_user(&self, user_id: &str) -> Result<Vec<ExportFile>, Error> {
        let u = user_id.to_string();
        let rows = self
            .service
            .db()
            .read(move |c| cs::written_by(c, &u))
            .await?;
        let list: Vec<_> = rows
            .into_iter()
            .map(|(pad, quote, m)| CommentRecord {
                pad,
                opens_thread: m.id == m.thread_id,
                thread: m.thread_id,
                on_text: quote,
                text: m.text,
                created_at: m.created_at,
                edited_at: m.edited_at,
            })
            .collect();
        Ok(vec![ExportFile::json("comments.json", &list)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nichoir_ot::Operation;
    use serde_json::json;

    fn rev(n: u64, op: serde_json::Value) -> StoredRev {
        StoredRev {
            rev: n,
            op: serde_json::from_value::<Operation>(op).expect("op"),
            author_id: "a".into(),
            client_id: "c".into(),
            seq: n,
        }
    }

    #[test]
    fn anchors_follow_the_text_revision_by_revision() {
        // "Hello world", the anchor on "world".
        let revs = vec![
            rev(3, json!(["Oh! ", 11])),    // 15 chars
            rev(4, json!([12, "big ", 3])), // inside the anchor: joins it
            rev(5, json!([19, "!"])),       // at its end: stays out
        ];
        assert_eq!(carry(&revs, 2, (6, 11)), (10, 19));
        // Revisions the anchor already went through are skipped.
        assert_eq!(carry(&revs, 4, (10, 19)), (10, 19));
        // Deleted: collapsed where the text was, and it stays so.
        let gone = vec![rev(3, json!([6, -5])), rev(4, json!(["> ", 6]))];
        assert_eq!(carry(&gone, 2, (6, 11)), (8, 8));
    }

    #[test]
    fn comment_text_is_checked() {
        assert!(checked_text("  ").is_err());
        assert_eq!(checked_text(" ok \n").ok().as_deref(), Some("ok"));
        let long = "é".repeat(MAX_COMMENT_CHARS + 1);
        match checked_text(&long) {
            Err(PadError::Other(e)) => assert_eq!(e.code, ErrorCode::PayloadTooLarge),
            other => panic!("{other:?}"),
        }
        assert!(checked_text(&"é".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert!(checked_text("bell\u{7}").is_err());
    }

    #[test]
    fn a_thread_with_an_empty_range_is_detached() {
        let row = |s, e| ThreadRow {
            id: "t".into(),
            pad_id: "p".into(),
            start: s,
            end: e,
            rev: 1,
            quote: "q".into(),
            author: Author {
                id: "a".into(),
                name: "A".into(),
                color: "#000000".into(),
            },
            created_at: 0,
            resolved_at: None,
            resolved_by: None,
        };
        assert!(thread(row(4, 4), vec![]).detached);
        assert!(!thread(row(4, 5), vec![]).detached);
    }
}
