//! The polls tables: every SQL statement of the tool, as functions over a connection. The
//! service calls them inside `Db::write` (one transaction, serialised with every other write,
//! which is what keeps a limited option from being over-filled) or `Db::read`.

use nichoir_storage::{
    in_chunks, params, values_placeholders, Connection, Dialect, OptionalExtension, Row, SResult,
    SqlError, StorageError, ToValue,
};

use crate::model::{
    Answer, AnswerMode, CommentRow, EditMode, Kind, OptionRow, OptionSpec, PollData, PollRow,
    Settings, Visibility, VoteRow,
};

const POLL_COLUMNS: &str = "id, admin_token, kind, title, description, author_name, author_email, owner_id, \
     timezone, answers, deadline, password_hash IS NOT NULL, results, max_yes, one_choice, edit_mode, \
     closed, final_option, notify_votes, notify_comments, remind, reminder_sent, version, created_at, updated_at, \
     author_language";

/// How many columns `POLL_COLUMNS` names (the next one is the first after the poll).
const POLL_COLUMN_COUNT: usize = 26;

fn bad(what: &str) -> SqlError {
    SqlError::invalid_column(what)
}

fn poll_from_row(r: &Row<'_>) -> Result<PollRow, SqlError> {
    let kind: String = r.get(2)?;
    let answers: String = r.get(9)?;
    let results: String = r.get(12)?;
    let edit: String = r.get(15)?;
    Ok(PollRow {
        id: r.get(0)?,
        admin_token: r.get(1)?,
        settings: Settings {
            kind: Kind::parse(&kind).ok_or_else(|| bad("kind"))?,
            title: r.get(3)?,
            description: r.get(4)?,
            author_name: r.get(5)?,
            author_email: r.get(6)?,
            timezone: r.get(8)?,
            answers: AnswerMode::parse(&answers).ok_or_else(|| bad("answers"))?,
            deadline: r.get(10)?,
            results: Visibility::parse(&results).ok_or_else(|| bad("results"))?,
            max_yes: r.get(13)?,
            one_choice: r.get(14)?,
            edit_mode: EditMode::parse(&edit).ok_or_else(|| bad("edit_mode"))?,
            notify_votes: r.get(18)?,
            notify_comments: r.get(19)?,
            remind: r.get(20)?,
        },
        owner_id: r.get(7)?,
        protected: r.get(11)?,
        closed: r.get(16)?,
        final_option: r.get(17)?,
        reminder_sent: r.get(21)?,
        version: r.get(22)?,
        created_at: r.get(23)?,
        updated_at: r.get(24)?,
        author_language: r.get(25)?,
    })
}

pub fn poll(c: &Connection, id: &str) -> SResult<Option<PollRow>> {
    Ok(
        c.prepare_cached(&format!("SELECT {POLL_COLUMNS} FROM polls WHERE id = ?1"))?
            .query_row([id], poll_from_row)
            .optional()?,
    )
}

pub fn poll_by_admin_token(c: &Connection, token: &str) -> SResult<Option<PollRow>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {POLL_COLUMNS} FROM polls WHERE admin_token = ?1"
    ))?
    .query_row([token], poll_from_row)
    .optional()?)
}

pub fn password_hash(c: &Connection, id: &str) -> SResult<Option<String>> {
    Ok(
        c.query_row("SELECT password_hash FROM polls WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten(),
    )
}

pub fn options(c: &Connection, poll_id: &str) -> SResult<Vec<OptionRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, label, url, image_url, day, start_time, end_time FROM poll_options
         WHERE poll_id = ?1 ORDER BY position, id",
    )?;
    let rows = st.query_map([poll_id], |r| {
        let id: i64 = r.get(0)?;
        Ok(OptionRow {
            id,
            spec: OptionSpec {
                id: Some(id),
                label: r.get(1)?,
                url: r.get(2)?,
                image_url: r.get(3)?,
                date: r.get(4)?,
                start: r.get(5)?,
                end: r.get(6)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every row of the poll with its answers in the options' order.
pub fn votes(c: &Connection, poll_id: &str, options: &[OptionRow]) -> SResult<Vec<VoteRow>> {
    let index: std::collections::HashMap<i64, usize> =
        options.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let mut st = c.prepare_cached(
        "SELECT id, name, actor_id, edit_token_hash, created_at, updated_at FROM poll_votes
         WHERE poll_id = ?1 ORDER BY id",
    )?;
    let mut votes: Vec<VoteRow> = st
        .query_map([poll_id], |r| {
            Ok(VoteRow {
                id: r.get(0)?,
                name: r.get(1)?,
                actor_id: r.get(2)?,
                edit_token_hash: r.get(3)?,
                answers: vec![None; options.len()],
                created_at: r.get(4)?,
                updated_at: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let by_id: std::collections::HashMap<i64, usize> =
        votes.iter().enumerate().map(|(i, v)| (v.id, i)).collect();
    let mut st = c.prepare_cached(
        "SELECT a.vote_id, a.option_id, a.answer FROM poll_answers a
         JOIN poll_votes v ON v.id = a.vote_id WHERE v.poll_id = ?1",
    )?;
    let mut rows = st.query([poll_id])?;
    while let Some(r) = rows.next()? {
        let (vote, option, answer): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if let (Some(&vi), Some(&oi)) = (by_id.get(&vote), index.get(&option)) {
            votes[vi].answers[oi] = Answer::from_db(answer);
        }
    }
    Ok(votes)
}

/// One row of the poll with its answers in the options' order.
pub fn vote(
    c: &Connection,
    poll_id: &str,
    vote_id: i64,
    options: &[OptionRow],
) -> SResult<Option<VoteRow>> {
    let row = c
        .prepare_cached(
            "SELECT id, name, actor_id, edit_token_hash, created_at, updated_at FROM poll_votes
             WHERE id = ?1 AND poll_id = ?2",
        )?
        .query_row(params![vote_id, poll_id], |r| {
            Ok(VoteRow {
                id: r.get(0)?,
                name: r.get(1)?,
                actor_id: r.get(2)?,
                edit_token_hash: r.get(3)?,
                answers: vec![None; options.len()],
                created_at: r.get(4)?,
                updated_at: r.get(5)?,
            })
        })
        .optional()?;
    let Some(mut row) = row else { return Ok(None) };
    let mut st =
        c.prepare_cached("SELECT option_id, answer FROM poll_answers WHERE vote_id = ?1")?;
    let mut rows = st.query([vote_id])?;
    while let Some(r) = rows.next()? {
        let (option, answer): (i64, i64) = (r.get(0)?, r.get(1)?);
        if let Some(i) = options.iter().position(|o| o.id == option) {
            row.answers[i] = Answer::from_db(answer);
        }
    }
    Ok(Some(row))
}

pub fn comments(c: &Connection, poll_id: &str) -> SResult<Vec<CommentRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, author_name, text, created_at FROM poll_comments
         WHERE poll_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([poll_id], |r| {
        Ok(CommentRow {
            id: r.get(0)?,
            author_name: r.get(1)?,
            text: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn load(c: &Connection, poll_id: &str) -> SResult<Option<PollData>> {
    let Some(poll) = poll(c, poll_id)? else {
        return Ok(None);
    };
    let options = options(c, poll_id)?;
    let votes = votes(c, poll_id, &options)?;
    let comments = comments(c, poll_id)?;
    Ok(Some(PollData {
        poll,
        options,
        votes,
        comments,
    }))
}

pub struct NewPollRow<'a> {
    pub id: &'a str,
    pub admin_token: &'a str,
    pub settings: &'a Settings,
    pub password_hash: Option<&'a str>,
    pub owner_id: Option<&'a str>,
    pub author_language: Option<&'a str>,
    pub now: i64,
}

pub fn insert_poll(c: &Connection, p: &NewPollRow<'_>, options: &[OptionSpec]) -> SResult<()> {
    let s = p.settings;
    c.execute(
        "INSERT INTO polls (id, admin_token, kind, title, description, author_name, author_email,
            owner_id, timezone, answers, deadline, password_hash, results, max_yes, one_choice,
            edit_mode, notify_votes, notify_comments, remind, created_at, updated_at, author_language)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20, ?21)",
        params![
            p.id,
            p.admin_token,
            s.kind.as_str(),
            s.title,
            s.description,
            s.author_name,
            s.author_email,
            p.owner_id,
            s.timezone,
            s.answers.as_str(),
            s.deadline,
            p.password_hash,
            s.results.as_str(),
            s.max_yes,
            s.one_choice,
            s.edit_mode.as_str(),
            s.notify_votes,
            s.notify_comments,
            s.remind,
            p.now,
            p.author_language
        ],
    )?;
    replace_options(c, p.id, options)
}

pub fn update_settings(c: &Connection, id: &str, s: &Settings) -> SResult<()> {
    c.execute(
        "UPDATE polls SET title = ?2, description = ?3, author_name = ?4, author_email = ?5,
            timezone = ?6, answers = ?7, deadline = ?8, results = ?9, max_yes = ?10, one_choice = ?11,
            edit_mode = ?12, notify_votes = ?13, notify_comments = ?14, remind = ?15,
            reminder_sent = CASE WHEN deadline IS NOT DISTINCT FROM ?8 THEN reminder_sent ELSE 0 END
         WHERE id = ?1",
        params![
            id,
            s.title,
            s.description,
            s.author_name,
            s.author_email,
            s.timezone,
            s.answers.as_str(),
            s.deadline,
            s.results.as_str(),
            s.max_yes,
            s.one_choice,
            s.edit_mode.as_str(),
            s.notify_votes,
            s.notify_comments,
            s.remind
        ],
    )?;
    Ok(())
}

/// Makes the poll's options exactly `specs`: those with an id that belongs to the poll are
/// updated in place (their answers stay), new ones are inserted, the rest are deleted with their
/// answers. An id that is not this poll's is refused.
pub fn replace_options(c: &Connection, poll_id: &str, specs: &[OptionSpec]) -> SResult<()> {
    let existing: Vec<i64> = {
        let mut st = c.prepare_cached("SELECT id FROM poll_options WHERE poll_id = ?1")?;
        let ids = st.query_map([poll_id], |r| r.get(0))?;
        ids.collect::<Result<_, _>>()?
    };
    for id in specs.iter().filter_map(|s| s.id) {
        if !existing.contains(&id) {
            return Err(StorageError::Domain(
                nichoir_core::Error::validation(format!(
                    "options: option id {id} is not an option of this poll"
                ))
                .with_invalid(nichoir_core::Field::Options, nichoir_core::Rule::Unknown),
            ));
        }
    }
    let kept: Vec<i64> = specs.iter().filter_map(|s| s.id).collect();
    for id in existing.iter().filter(|id| !kept.contains(id)) {
        c.execute("DELETE FROM poll_options WHERE id = ?1", [id])?;
        c.execute(
            "UPDATE polls SET final_option = NULL WHERE id = ?1 AND final_option = ?2",
            params![poll_id, id],
        )?;
    }
    for (position, s) in specs.iter().enumerate() {
        match s.id {
            Some(id) => c.execute(
                "UPDATE poll_options SET position = ?2, label = ?3, url = ?4, image_url = ?5, day = ?6,
                    start_time = ?7, end_time = ?8 WHERE id = ?1",
                params![id, position as i64, s.label, s.url, s.image_url, s.date, s.start, s.end],
            )?,
            None => c.execute(
                "INSERT INTO poll_options (poll_id, position, label, url, image_url, day, start_time, end_time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![poll_id, position as i64, s.label, s.url, s.image_url, s.date, s.start, s.end],
            )?,
        };
    }
    Ok(())
}

/// Marks a change: a new version (what live clients compare) and the last activity (purge).
pub fn touch(c: &Connection, poll_id: &str, now: i64) -> SResult<i64> {
    Ok(c.query_row(
        "UPDATE polls SET version = version + 1, updated_at = ?2 WHERE id = ?1 RETURNING version",
        params![poll_id, now],
        |r| r.get(0),
    )?)
}

/// `touch` that also reads the poll (its new version), for a job that checks the poll and
/// then changes it: one statement where a read and an update were two (each a round trip on
/// PostgreSQL). A job refused after it undoes the touch with the rest of its work.
pub fn touch_returning(c: &Connection, poll_id: &str, now: i64) -> SResult<Option<PollRow>> {
    Ok(c.prepare_cached(&format!(
        "UPDATE polls SET version = version + 1, updated_at = ?2 WHERE id = ?1
             RETURNING {POLL_COLUMNS}"
    ))?
    .query_row(params![poll_id, now], poll_from_row)
    .optional()?)
}

/// `touch_returning` with the poll's options, what a vote reads: on PostgreSQL in the same
/// statement (the options as one JSON array), since there each statement is a round trip of
/// the writer; on SQLite, where a statement costs no trip, as two.
pub fn touch_returning_with_options(
    c: &Connection,
    poll_id: &str,
    now: i64,
) -> SResult<Option<(PollRow, Vec<OptionRow>)>> {
    if c.dialect() != Dialect::Postgres {
        let Some(poll) = touch_returning(c, poll_id, now)? else {
            return Ok(None);
        };
        return Ok(Some((poll, options(c, poll_id)?)));
    }
    let sql = format!(
        "UPDATE polls SET version = version + 1, updated_at = ?2 WHERE id = ?1
         RETURNING {POLL_COLUMNS},
           (SELECT COALESCE(json_agg(json_build_array(o.id, o.label, o.url, o.image_url, o.day,
                   o.start_time, o.end_time) ORDER BY o.position, o.id), '[]')::text
            FROM poll_options o WHERE o.poll_id = polls.id)"
    );
    let row = c
        .prepare_cached(&sql)?
        .query_row(params![poll_id, now], |r| {
            let poll = poll_from_row(r)?;
            let options: String = r.get(POLL_COLUMN_COUNT)?;
            Ok((poll, options))
        })
        .optional()?;
    let Some((poll, options)) = row else {
        return Ok(None);
    };
    Ok(Some((poll, options_from_json(&options)?)))
}

/// The options of `touch_returning_with_options`'s JSON: `[[id, label, url, image_url, day,
/// start, end], …]`.
fn options_from_json(text: &str) -> SResult<Vec<OptionRow>> {
    type Cells = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Cells> = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|(id, label, url, image_url, date, start, end)| OptionRow {
            id,
            spec: OptionSpec {
                id: Some(id),
                label,
                url,
                image_url,
                date,
                start,
                end,
            },
        })
        .collect())
}

pub fn set_closed(c: &Connection, poll_id: &str, closed: bool) -> SResult<()> {
    c.execute(
        "UPDATE polls SET closed = ?2 WHERE id = ?1",
        params![poll_id, closed],
    )?;
    Ok(())
}

pub fn set_final(c: &Connection, poll_id: &str, option: Option<i64>) -> SResult<()> {
    c.execute(
        "UPDATE polls SET final_option = ?2, closed = CASE WHEN ?2 IS NULL THEN closed ELSE 1 END WHERE id = ?1",
        params![poll_id, option],
    )?;
    Ok(())
}

pub fn set_password(c: &Connection, poll_id: &str, hash: Option<&str>) -> SResult<()> {
    c.execute(
        "UPDATE polls SET password_hash = ?2 WHERE id = ?1",
        params![poll_id, hash],
    )?;
    // A new password (or none) takes back what the old one granted.
    c.execute("DELETE FROM poll_grants WHERE poll_id = ?1", [poll_id])?;
    Ok(())
}

pub fn delete_poll(c: &Connection, poll_id: &str) -> SResult<bool> {
    Ok(c.execute("DELETE FROM polls WHERE id = ?1", [poll_id])? > 0)
}

/// "Yes" answers per option (in `options` order) from every row but `except`.
pub fn yes_by_others(
    c: &Connection,
    options: &[OptionRow],
    except: Option<i64>,
) -> SResult<Vec<u32>> {
    let mut st = c.prepare_cached(
        "SELECT COUNT(*) FROM poll_answers WHERE option_id = ?1 AND answer = 2 AND vote_id IS DISTINCT FROM ?2",
    )?;
    options
        .iter()
        .map(|o| Ok(st.query_row(params![o.id, except], |r| r.get::<_, i64>(0))? as u32))
        .collect()
}

/// Inserts a row's answers (a new row has none yet; a changed one had them deleted first).
fn write_answers(
    c: &Connection,
    vote_id: i64,
    options: &[OptionRow],
    row: &[Option<Answer>],
) -> SResult<()> {
    let answers = answer_rows(vote_id, options, row);
    if answers.is_empty() {
        return Ok(());
    }
    // One statement for the row: on PostgreSQL each statement is a round trip inside the
    // writer's batch, and a row has up to one answer per option.
    let sql = format!(
        "INSERT INTO poll_answers (vote_id, option_id, answer) VALUES {}",
        nichoir_storage::values_placeholders(answers.len(), 3)
    );
    let values: Vec<&dyn ToValue> = answers
        .iter()
        .flatten()
        .map(|v| v as &dyn ToValue)
        .collect();
    c.execute(&sql, values.as_slice())?;
    Ok(())
}

/// (vote, option, answer) for each answered option.
fn answer_rows(vote_id: i64, options: &[OptionRow], row: &[Option<Answer>]) -> Vec<[i64; 3]> {
    options
        .iter()
        .zip(row)
        .filter_map(|(o, a)| a.map(|a| [vote_id, o.id, a.to_db()]))
        .collect()
}

pub struct NewVote<'a> {
    pub poll_id: &'a str,
    pub name: &'a str,
    pub actor_id: Option<&'a str>,
    pub edit_token_hash: &'a str,
    pub now: i64,
}

pub fn insert_vote(
    c: &Connection,
    v: &NewVote<'_>,
    options: &[OptionRow],
    row: &[Option<Answer>],
) -> SResult<i64> {
    if c.dialect() == Dialect::Postgres {
        // One statement for the row and its answers (PostgreSQL takes an INSERT in a WITH,
        // SQLite does not): a vote is a writer job, and there each statement is a round trip.
        let answers: Vec<[i64; 2]> = answer_rows(0, options, row)
            .into_iter()
            .map(|[_, option, answer]| [option, answer])
            .collect();
        let answers =
            serde_json::to_string(&answers).map_err(|e| SqlError::Param(e.to_string()))?;
        return Ok(c.query_row(
            "WITH v AS (
               INSERT INTO poll_votes (poll_id, name, actor_id, edit_token_hash, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id
             ), a AS (
               INSERT INTO poll_answers (vote_id, option_id, answer)
               SELECT v.id, (x ->> 0)::bigint, (x ->> 1)::bigint
               FROM v, json_array_elements(?6::json) AS x
             )
             SELECT id FROM v",
            params![v.poll_id, v.name, v.actor_id, v.edit_token_hash, v.now, answers],
            |r| r.get(0),
        )?);
    }
    let id: i64 = c.query_row(
        "INSERT INTO poll_votes (poll_id, name, actor_id, edit_token_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
        params![v.poll_id, v.name, v.actor_id, v.edit_token_hash, v.now],
        |r| r.get(0),
    )?;
    write_answers(c, id, options, row)?;
    Ok(id)
}

pub fn update_vote(
    c: &Connection,
    vote_id: i64,
    name: &str,
    options: &[OptionRow],
    row: &[Option<Answer>],
    now: i64,
) -> SResult<()> {
    c.execute(
        "UPDATE poll_votes SET name = ?2, updated_at = ?3 WHERE id = ?1",
        params![vote_id, name, now],
    )?;
    c.execute("DELETE FROM poll_answers WHERE vote_id = ?1", [vote_id])?;
    write_answers(c, vote_id, options, row)
}

pub fn delete_vote(c: &Connection, vote_id: i64) -> SResult<()> {
    c.execute("DELETE FROM poll_votes WHERE id = ?1", [vote_id])?;
    Ok(())
}

pub fn insert_comment(
    c: &Connection,
    poll_id: &str,
    author: &str,
    actor_id: Option<&str>,
    text: &str,
    now: i64,
) -> SResult<i64> {
    Ok(c.query_row(
        "INSERT INTO poll_comments (poll_id, author_name, actor_id, text, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![poll_id, author, actor_id, text, now],
        |r| r.get(0),
    )?)
}

pub fn delete_comment(c: &Connection, poll_id: &str, comment_id: i64) -> SResult<bool> {
    Ok(c.execute(
        "DELETE FROM poll_comments WHERE id = ?1 AND poll_id = ?2",
        params![comment_id, poll_id],
    )? > 0)
}

pub fn has_grant(c: &Connection, poll_id: &str, actor_id: &str) -> SResult<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM poll_grants WHERE poll_id = ?1 AND actor_id = ?2")?
            .exists(params![poll_id, actor_id])?,
    )
}

/// Of `ids`, the polls that exist, a query per list of [`in_chunks`].
pub fn polls_among(c: &Connection, ids: &[String]) -> SResult<Vec<PollRow>> {
    in_chunks(ids, |ids| {
        let values: Vec<&dyn ToValue> = ids.iter().map(|i| i as &dyn ToValue).collect();
        let mut st = c.prepare(&format!(
            "SELECT {POLL_COLUMNS} FROM polls WHERE id IN {}",
            values_placeholders(1, ids.len())
        ))?;
        let rows = st.query_map(values.as_slice(), poll_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

/// Of `poll_ids`, those whose password `actor_id` gave.
pub fn granted_among(c: &Connection, actor_id: &str, poll_ids: &[String]) -> SResult<Vec<String>> {
    in_chunks(poll_ids, |ids| {
        let mut values: Vec<&dyn ToValue> = vec![&actor_id];
        values.extend(ids.iter().map(|i| i as &dyn ToValue));
        let list = (2..ids.len() + 2)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = c.prepare(&format!(
            "SELECT poll_id FROM poll_grants WHERE actor_id = ?1 AND poll_id IN ({list})"
        ))?;
        let rows = st.query_map(values.as_slice(), |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

pub fn add_grant(c: &Connection, poll_id: &str, actor_id: &str, now: i64) -> SResult<()> {
    c.execute(
        "INSERT INTO poll_grants (poll_id, actor_id, granted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![poll_id, actor_id, now],
    )?;
    Ok(())
}

/// A poll of someone's "My polls": one they created, answered, or both.
pub struct MinePoll {
    pub poll: PollRow,
    pub participants: i64,
    pub answered: bool,
}

/// The polls a user created or answered (a row under their account), latest activity first.
/// A protected poll they only answered stays out once its password changed (the change drops
/// every grant): its title is then no longer theirs to read.
/// `limit`: the page's length (lists), or everything (the data export).
pub fn mine(c: &Connection, user: &str, limit: i64) -> SResult<Vec<MinePoll>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {POLL_COLUMNS},
           (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = polls.id),
           EXISTS (SELECT 1 FROM poll_votes v WHERE v.poll_id = polls.id AND v.actor_id = ?1)
         FROM polls
         WHERE id IN (SELECT id FROM polls WHERE owner_id = ?1
                      UNION SELECT poll_id FROM poll_votes WHERE actor_id = ?1)
           AND (owner_id = ?1 OR password_hash IS NULL
                OR EXISTS (SELECT 1 FROM poll_grants g WHERE g.poll_id = polls.id AND g.actor_id = ?1))
         ORDER BY updated_at DESC, id LIMIT ?2"
    ))?;
    let rows = st.query_map(params![user, limit], |r| {
        Ok(MinePoll {
            poll: poll_from_row(r)?,
            participants: r.get(POLL_COLUMN_COUNT)?,
            answered: r.get(POLL_COLUMN_COUNT + 1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Polls whose purge date (deadline, else last activity, plus `after_ms`) has passed.
pub fn expired(c: &Connection, now: i64, after_ms: i64) -> SResult<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT id FROM polls
         WHERE CASE WHEN COALESCE(deadline, 0) > updated_at THEN COALESCE(deadline, 0) ELSE updated_at END + ?2 < ?1
         LIMIT 1000",
    )?;
    let rows = st.query_map(params![now, after_ms], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Polls whose author asked for a reminder and whose deadline is within `window_ms`.
pub fn reminders_due(c: &Connection, now: i64, window_ms: i64) -> SResult<Vec<PollRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {POLL_COLUMNS} FROM polls WHERE remind = 1 AND reminder_sent = 0
           AND author_email IS NOT NULL AND deadline IS NOT NULL AND deadline > ?1 AND deadline <= ?1 + ?2
           AND closed = 0 LIMIT 1000"
    ))?;
    let rows = st.query_map(params![now, window_ms], poll_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Takes the poll's reminder for this sender: false when another took it first (the nodes of
/// a cluster all look for due reminders; one mail per poll).
pub fn claim_reminder(c: &Connection, poll_id: &str) -> SResult<bool> {
    Ok(c.execute(
        "UPDATE polls SET reminder_sent = 1 WHERE id = ?1 AND reminder_sent = 0",
        [poll_id],
    )? == 1)
}

/// The mail of a claimed reminder could not go: it is due again.
pub fn release_reminder(c: &Connection, poll_id: &str) -> SResult<()> {
    c.execute(
        "UPDATE polls SET reminder_sent = 0 WHERE id = ?1",
        [poll_id],
    )?;
    Ok(())
}

/// A deleted account: see `PollService::forget_user`. Answers the polls it touched, with their
/// version after the change.
pub fn forget_user(
    c: &Connection,
    user_id: &str,
    name: &str,
    voter: &str,
    now: i64,
) -> SResult<Vec<(String, i64)>> {
    let touched: Vec<String> = c
        .prepare(
            "SELECT id FROM polls WHERE owner_id = ?1
             UNION SELECT poll_id FROM poll_votes WHERE actor_id = ?1
             UNION SELECT poll_id FROM poll_comments WHERE actor_id = ?1",
        )?
        .query_map([user_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    c.execute(
        "UPDATE polls SET owner_id = NULL, author_name = ?2, author_email = NULL WHERE owner_id = ?1",
        params![user_id, name],
    )?;
    c.execute(
        "UPDATE poll_votes SET actor_id = NULL, name = ?2 WHERE actor_id = ?1",
        params![user_id, voter],
    )?;
    c.execute(
        "UPDATE poll_comments SET actor_id = NULL, author_name = ?2 WHERE actor_id = ?1",
        params![user_id, name],
    )?;
    c.execute("DELETE FROM poll_grants WHERE actor_id = ?1", [user_id])?;
    let mut out = Vec::with_capacity(touched.len());
    for id in touched {
        out.push((id.clone(), touch(c, &id, now)?));
    }
    Ok(out)
}

/// Erases a deleted account's answers and comments; answers the polls touched, with their new
/// version.
pub fn erase_user(c: &Connection, user_id: &str, now: i64) -> SResult<Vec<(String, i64)>> {
    let touched: Vec<String> = c
        .prepare(
            "SELECT poll_id FROM poll_votes WHERE actor_id = ?1
             UNION SELECT poll_id FROM poll_comments WHERE actor_id = ?1",
        )?
        .query_map([user_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    c.execute("DELETE FROM poll_votes WHERE actor_id = ?1", [user_id])?;
    c.execute("DELETE FROM poll_comments WHERE actor_id = ?1", [user_id])?;
    let mut out = Vec::with_capacity(touched.len());
    for id in touched {
        out.push((id.clone(), touch(c, &id, now)?));
    }
    Ok(out)
}

/// Polls whose title matches `pattern` (admin moderation's search), newest first.
pub fn moderation_search(
    c: &Connection,
    pattern: &str,
    limit: i64,
) -> SResult<Vec<(String, String, i64)>> {
    let mut st = c.prepare(
        "SELECT id, title, created_at FROM polls WHERE lower(title) LIKE ?1 ESCAPE '\\'
         ORDER BY created_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
