//! What a viewer gets for a poll. The parts that do not depend on who is looking (options with
//! totals, every row, comments) are serialised once per poll version and cached by the service;
//! per request only the viewer's rights are applied: which rows they see and may change, whether
//! they see totals, and the admin block.

use nichoir_core::ids::hash_token;
use nichoir_core::time::rfc3339;
use nichoir_http::JsonText;
use serde::Serialize;

use crate::api::{AdminInfo, Participant, Poll, PollComment, PollOption, PollView};
use crate::model::{ClosedReason, EditMode, PollData, PollRow, Visibility, VoteRow};
use crate::tally::{best, totals, Totals};
use crate::zone;

/// Who is looking.
#[derive(Debug, Default)]
pub struct Viewer<'a> {
    pub actor_id: Option<&'a str>,
    /// The hash of a personal edit link's token, when the page was opened with one.
    pub edit_token_hash: Option<String>,
    pub admin: bool,
}

impl Viewer<'_> {
    pub fn with_edit_token(mut self, token: Option<&str>) -> Self {
        self.edit_token_hash = token.filter(|t| !t.is_empty()).map(hash_token);
        self
    }

    pub fn owns(&self, row: &VoteRow) -> bool {
        (self.actor_id.is_some() && row.actor_id.as_deref() == self.actor_id)
            || self.edit_token_hash.as_deref() == Some(row.edit_token_hash.as_str())
    }
}

/// Why voting is closed, if it is.
pub fn closed_reason(poll: &PollRow, now: i64) -> Option<ClosedReason> {
    if poll.closed {
        Some(ClosedReason::Closed)
    } else if poll.settings.deadline.is_some_and(|d| d <= now) {
        Some(ClosedReason::Deadline)
    } else {
        None
    }
}

/// May this viewer change or delete `row`?
pub fn may_edit(poll: &PollRow, viewer: &Viewer<'_>, row: &VoteRow, now: i64) -> bool {
    if viewer.admin {
        return true;
    }
    if closed_reason(poll, now).is_some() {
        return false;
    }
    match poll.settings.edit_mode {
        EditMode::Anyone => true,
        EditMode::Own => viewer.owns(row),
        EditMode::Nobody => false,
    }
}

pub fn results_visible(poll: &PollRow, viewer: &Viewer<'_>, has_row: bool) -> bool {
    viewer.admin
        || match poll.settings.results {
            Visibility::Everyone => true,
            Visibility::AfterVoting => has_row,
            Visibility::Admin => false,
        }
}

/// The cached, viewer-independent part of a poll.
pub struct Rendered {
    pub data: PollData,
    pub totals: Vec<Totals>,
    pub best: Vec<i64>,
    pub description_html: String,
    options_with_totals: String,
    options_without_totals: String,
    /// Each row as JSON up to (not including) its `editable` value and closing brace.
    row_prefixes: Vec<String>,
    comments_plain: String,
    comments_deletable: String,
}

/// The JSON text of a value of this module's types, which always serialise.
fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

fn option_view(
    data: &PollData,
    i: usize,
    t: Option<&Totals>,
    remaining: Option<i64>,
) -> PollOption {
    let o = &data.options[i];
    let tz = &data.poll.settings.timezone;
    let at = |time: &Option<String>| {
        o.spec
            .date
            .as_deref()
            .zip(time.as_deref())
            .and_then(|(d, t)| zone::instant_ms(d, t, tz))
            .map(rfc3339)
    };
    PollOption {
        id: o.id,
        label: o.spec.label.clone(),
        url: o.spec.url.clone(),
        image_url: o.spec.image_url.clone(),
        date: o.spec.date.clone(),
        start: o.spec.start.clone(),
        end: o.spec.end.clone(),
        starts_at: at(&o.spec.start),
        ends_at: at(&o.spec.end),
        yes: t.map(|t| t.yes),
        maybe: t.map(|t| t.maybe),
        no: t.map(|t| t.no),
        remaining,
    }
}

/// A description's HTML, rendered on the work pool. Saving checks the description the same way
/// ([`check_description`]), so only text stored before the limits can be refused here: it shows
/// escaped rather than breaking the poll's page. A busy pool is an error (not cached as escaped).
pub async fn render_description(text: &str) -> Result<String, nichoir_core::Error> {
    let owned = text.to_string();
    match nichoir_core::work::run(move || nichoir_core::markdown::to_page_html(&owned)).await {
        Ok(html) => Ok(html),
        Err(e) if e.code.http_status() < 500 => {
            let escaped = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            Ok(format!("<p>{escaped}</p>"))
        }
        Err(e) => Err(e),
    }
}

/// Refuses a description the renderer would refuse (nesting, deadline), before it is stored.
pub async fn check_description(text: &str) -> Result<(), nichoir_core::Error> {
    if text.is_empty() {
        return Ok(());
    }
    let owned = text.to_string();
    nichoir_core::work::run(move || nichoir_core::markdown::to_page_html(&owned).map(|_| ())).await
}

impl Rendered {
    /// `description_html`: the description rendered on the work pool ([`render_description`]).
    pub fn new(data: PollData, description_html: String) -> Rendered {
        let totals = totals(data.options.len(), &data.votes);
        let best = best(&data.options, &totals);
        let max = data.poll.settings.max_yes;
        let remaining = |i: usize| max.map(|m| (m - totals[i].yes as i64).max(0));
        let with: Vec<PollOption> = (0..data.options.len())
            .map(|i| option_view(&data, i, Some(&totals[i]), remaining(i)))
            .collect();
        // Places left are public even when answers are hidden: people must know before voting.
        let without: Vec<PollOption> = (0..data.options.len())
            .map(|i| option_view(&data, i, None, remaining(i)))
            .collect();
        let row_prefixes = data
            .votes
            .iter()
            .map(|v| {
                // `editable` is the row's last field: its value and the closing brace are
                // added per viewer.
                let mut s = to_text(&participant_view(v, false));
                s.truncate(s.len().saturating_sub("false}".len()));
                s
            })
            .collect();
        let comments = |deletable: bool| {
            let list: Vec<PollComment> = data
                .comments
                .iter()
                .map(|c| PollComment {
                    id: c.id,
                    author_name: c.author_name.clone(),
                    text: c.text.clone(),
                    created_at: rfc3339(c.created_at),
                    deletable,
                })
                .collect();
            to_text(&list)
        };
        Rendered {
            description_html,
            options_with_totals: to_text(&with),
            options_without_totals: to_text(&without),
            row_prefixes,
            comments_plain: comments(false),
            comments_deletable: comments(true),
            totals,
            best,
            data,
        }
    }

    pub fn poll_view(&self, now: i64) -> Poll {
        let p = &self.data.poll;
        let s = &p.settings;
        Poll {
            id: p.id.clone(),
            kind: s.kind,
            title: s.title.clone(),
            description: s.description.clone(),
            description_html: self.description_html.clone(),
            author_name: s.author_name.clone(),
            timezone: s.timezone.clone(),
            answers: s.answers,
            deadline: s.deadline.map(rfc3339),
            results: s.results,
            max_yes: s.max_yes,
            one_choice: s.one_choice,
            edit_mode: s.edit_mode,
            closed: closed_reason(p, now).is_some(),
            closed_reason: closed_reason(p, now),
            final_option: p.final_option,
            protected: p.protected,
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            version: p.version,
        }
    }

    /// The whole view for `viewer`: the JSON text of a [`PollView`], put together from the parts
    /// serialised once per poll version (`JsonText::trusted`: the test
    /// `the_assembled_view_is_a_poll_view` holds it to `PollView`). `admin`: the admin view's block.
    pub fn to_json(
        &self,
        viewer: &Viewer<'_>,
        admin: Option<&AdminInfo>,
        now: i64,
    ) -> JsonText<PollView> {
        let poll = &self.data.poll;
        let mine: Vec<i64> = self
            .data
            .votes
            .iter()
            .filter(|v| viewer.owns(v))
            .map(|v| v.id)
            .collect();
        let visible = results_visible(poll, viewer, !mine.is_empty());
        let mut out = String::with_capacity(
            256 + self.options_with_totals.len()
                + self.row_prefixes.iter().map(|r| r.len() + 8).sum::<usize>(),
        );
        out.push_str("{\"poll\":");
        out.push_str(&to_text(&self.poll_view(now)));
        out.push_str(",\"options\":");
        out.push_str(if visible {
            &self.options_with_totals
        } else {
            &self.options_without_totals
        });
        out.push_str(",\"results_visible\":");
        out.push_str(if visible { "true" } else { "false" });
        out.push_str(",\"participants\":[");
        let mut first = true;
        for (v, prefix) in self.data.votes.iter().zip(&self.row_prefixes) {
            if !visible && !mine.contains(&v.id) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(prefix);
            out.push_str(if may_edit(poll, viewer, v, now) {
                "true}"
            } else {
                "false}"
            });
        }
        out.push_str("],\"best\":");
        let best: &[i64] = if visible { &self.best } else { &[] };
        out.push_str(&to_text(&best));
        out.push_str(",\"comments\":");
        out.push_str(if viewer.admin {
            &self.comments_deletable
        } else {
            &self.comments_plain
        });
        out.push_str(",\"me\":");
        out.push_str(&to_text(&crate::api::MyRows { rows: mine }));
        out.push_str(",\"admin\":");
        out.push_str(&to_text(&admin));
        out.push('}');
        JsonText::trusted(out)
    }
}

fn participant_view(v: &VoteRow, editable: bool) -> Participant {
    Participant {
        id: v.id,
        name: v.name.clone(),
        answers: v.answers.clone(),
        created_at: rfc3339(v.created_at),
        updated_at: rfc3339(v.updated_at),
        editable,
    }
}

/// A row as the API returns it after a vote or an edit.
pub fn participant(poll: &PollRow, row: &VoteRow, viewer: &Viewer<'_>, now: i64) -> Participant {
    participant_view(row, may_edit(poll, viewer, row, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Answer, AnswerMode, Kind, OptionRow, OptionSpec, Settings};
    use serde_json::{json, Value};

    fn data(results: Visibility, edit: EditMode) -> PollData {
        let settings = Settings {
            kind: Kind::Date,
            title: "<b>t</b>".into(),
            description: "**d** <script>x</script>".into(),
            author_name: "a".into(),
            author_email: None,
            timezone: "Europe/Paris".into(),
            answers: AnswerMode::YesMaybeNo,
            deadline: None,
            results,
            max_yes: Some(2),
            one_choice: false,
            edit_mode: edit,
            notify_votes: false,
            notify_comments: false,
            remind: false,
        };
        let vote = |id: i64, actor: &str, a: Answer| VoteRow {
            id,
            name: format!("n{id}"),
            actor_id: Some(actor.into()),
            edit_token_hash: hash_token(&format!("tok{id}")),
            answers: vec![Some(a)],
            created_at: 0,
            updated_at: 0,
        };
        PollData {
            poll: PollRow {
                id: "p".into(),
                admin_token: "adm".into(),
                settings,
                owner_id: None,
                protected: false,
                closed: false,
                final_option: None,
                reminder_sent: false,
                version: 1,
                created_at: 0,
                updated_at: 0,
                author_language: None,
            },
            options: vec![OptionRow {
                id: 7,
                spec: OptionSpec {
                    id: Some(7),
                    label: String::new(),
                    url: None,
                    image_url: None,
                    date: Some("2026-12-03".into()),
                    start: Some("18:00".into()),
                    end: None,
                },
            }],
            votes: vec![vote(1, "g_a", Answer::Yes), vote(2, "g_b", Answer::Maybe)],
            comments: vec![crate::model::CommentRow {
                id: 3,
                author_name: "c".into(),
                text: "hello".into(),
                created_at: 0,
            }],
        }
    }

    fn parse(r: &Rendered, v: &Viewer<'_>) -> Value {
        serde_json::from_str(r.to_json(v, None, 0).as_str()).expect("valid JSON")
    }

    /// The text put together from cached parts is exactly a `PollView` (no field more or
    /// less, the same nulls), for a voter, a holder of an edit link, a stranger to hidden
    /// results, and the admin; open, past its deadline, and closed.
    #[test]
    fn the_assembled_view_is_a_poll_view() {
        let admin = AdminInfo {
            author_email: None,
            notify_votes: true,
            notify_comments: false,
            remind: false,
            purge_at: Some(rfc3339(5)),
            public_url: "u".into(),
            admin_url: "a".into(),
            mail_enabled: false,
        };
        let results = [
            Visibility::Everyone,
            Visibility::AfterVoting,
            Visibility::Admin,
        ];
        for (results, closed) in results.into_iter().flat_map(|v| [(v, false), (v, true)]) {
            let mut d = data(results, EditMode::Own);
            d.poll.settings.deadline = Some(10);
            d.poll.closed = closed;
            let r = Rendered::new(d, "<p>d</p>".into());
            let owner = Viewer {
                actor_id: Some("g_a"),
                ..Viewer::default()
            };
            let by_link = Viewer::default().with_edit_token(Some("tok2"));
            let admin_viewer = Viewer {
                admin: true,
                ..Viewer::default()
            };
            for (viewer, block) in [
                (&owner, None),
                (&by_link, None),
                (&Viewer::default(), None),
                (&admin_viewer, Some(&admin)),
            ] {
                for now in [0, 11] {
                    let text = r.to_json(viewer, block, now);
                    let sent: Value = serde_json::from_str(text.as_str()).expect("valid JSON");
                    let typed: PollView = serde_json::from_str(text.as_str()).expect("a PollView");
                    assert_eq!(serde_json::to_value(&typed).ok(), Some(sent));
                }
            }
        }
    }

    #[test]
    fn everyone_sees_totals_and_only_own_rows_are_editable() {
        let r = Rendered::new(data(Visibility::Everyone, EditMode::Own), String::new());
        let v = parse(
            &r,
            &Viewer {
                actor_id: Some("g_a"),
                ..Viewer::default()
            },
        );
        assert_eq!(v["options"][0]["yes"], 1);
        assert_eq!(v["options"][0]["remaining"], 1);
        assert_eq!(v["options"][0]["starts_at"], "2026-12-03T17:00:00Z");
        assert_eq!(v["participants"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["participants"][0]["editable"], true);
        assert_eq!(v["participants"][1]["editable"], false);
        assert_eq!(v["me"]["rows"], json!([1]));
        assert_eq!(v["best"], json!([7]));
        assert!(!v["poll"]["description_html"]
            .as_str()
            .unwrap_or("")
            .contains("<script"));
        let by_link = parse(&r, &Viewer::default().with_edit_token(Some("tok2")));
        assert_eq!(by_link["participants"][1]["editable"], true);
    }

    #[test]
    fn hidden_results_show_only_own_rows() {
        let r = Rendered::new(data(Visibility::AfterVoting, EditMode::Own), String::new());
        let stranger = parse(&r, &Viewer::default());
        assert_eq!(stranger["results_visible"], false);
        assert_eq!(stranger["participants"], json!([]));
        assert_eq!(stranger["options"][0]["yes"], Value::Null);
        assert_eq!(stranger["best"], json!([]));
        let voter = parse(
            &r,
            &Viewer {
                actor_id: Some("g_b"),
                ..Viewer::default()
            },
        );
        assert_eq!(voter["results_visible"], true);
        let r = Rendered::new(data(Visibility::Admin, EditMode::Own), String::new());
        let voter = parse(
            &r,
            &Viewer {
                actor_id: Some("g_b"),
                ..Viewer::default()
            },
        );
        assert_eq!(voter["results_visible"], false);
        assert_eq!(voter["participants"].as_array().map(Vec::len), Some(1));
        let admin = parse(
            &r,
            &Viewer {
                admin: true,
                ..Viewer::default()
            },
        );
        assert_eq!(admin["results_visible"], true);
    }

    #[test]
    fn nobody_edits_in_none_mode_and_nobody_but_the_admin_once_closed() {
        let r = Rendered::new(data(Visibility::Everyone, EditMode::Nobody), String::new());
        let v = parse(
            &r,
            &Viewer {
                actor_id: Some("g_a"),
                ..Viewer::default()
            },
        );
        assert_eq!(v["participants"][0]["editable"], false);
        let mut d = data(Visibility::Everyone, EditMode::Anyone);
        d.poll.settings.deadline = Some(10);
        let r = Rendered::new(d, String::new());
        let v: Value =
            serde_json::from_str(r.to_json(&Viewer::default(), None, 11).as_str()).expect("json");
        assert_eq!(v["poll"]["closed_reason"], "deadline");
        assert_eq!(v["participants"][0]["editable"], false);
        let v: Value =
            serde_json::from_str(r.to_json(&Viewer::default(), None, 9).as_str()).expect("json");
        assert_eq!(v["participants"][0]["editable"], true);
    }
}
