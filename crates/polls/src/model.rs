//! The words of a poll, as stored and as sent: kinds, answer modes, who sees results, who may
//! change rows, and the rows read back from the database.

use nichoir_core::text_enum;

text_enum!(
    ts("polls/")
    /// A date poll (days, with or without times) or a classic poll (free-text options).
    Kind { Date = "date", Classic = "classic" }
);
text_enum!(
    ts("polls/")
    /// Which answers a participant may give.
    AnswerMode { YesMaybeNo = "yes_maybe_no", YesNo = "yes_no" }
);
text_enum!(
    ts("polls/")
    /// Who sees the participants' answers and the totals.
    Visibility { Everyone = "everyone", AfterVoting = "after_voting", Admin = "admin" }
);
text_enum!(
    ts("polls/")
    /// Who may change a row once it is there (Framadate's modes).
    EditMode { Nobody = "none", Own = "own", Anyone = "anyone" }
);
text_enum!(
    ts("polls/")
    /// One cell of the grid.
    Answer { No = "no", Maybe = "maybe", Yes = "yes" }
);
text_enum!(
    ts("polls/")
    /// Why voting is closed: the admin closed it, or its deadline passed.
    ClosedReason { Closed = "closed", Deadline = "deadline" }
);

impl Answer {
    pub fn to_db(self) -> i64 {
        match self {
            Answer::No => 0,
            Answer::Maybe => 1,
            Answer::Yes => 2,
        }
    }

    pub fn from_db(v: i64) -> Option<Answer> {
        match v {
            0 => Some(Answer::No),
            1 => Some(Answer::Maybe),
            2 => Some(Answer::Yes),
            _ => None,
        }
    }

    /// Counts towards "one choice only" (an if-need-be is still a choice).
    pub fn is_choice(self) -> bool {
        self != Answer::No
    }
}

/// The settings of a poll, everything but its options.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub author_name: String,
    pub author_email: Option<String>,
    pub timezone: String,
    pub answers: AnswerMode,
    pub deadline: Option<i64>,
    pub results: Visibility,
    pub max_yes: Option<i64>,
    pub one_choice: bool,
    pub edit_mode: EditMode,
    pub notify_votes: bool,
    pub notify_comments: bool,
    pub remind: bool,
}

/// One option, validated. For a date poll `label` is empty and `date` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    /// The existing option this keeps (when editing), else a new one.
    pub id: Option<i64>,
    pub label: String,
    pub url: Option<String>,
    pub image_url: Option<String>,
    pub date: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A poll as stored (settings plus state).
#[derive(Debug, Clone)]
pub struct PollRow {
    pub id: String,
    pub admin_token: String,
    pub settings: Settings,
    pub owner_id: Option<String>,
    pub protected: bool,
    pub closed: bool,
    pub final_option: Option<i64>,
    pub reminder_sent: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The language ("en" or "fr") of the page the poll was created in: what a guest author's
    /// mails speak. None for polls older than it.
    pub author_language: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OptionRow {
    pub id: i64,
    pub spec: OptionSpec,
}

/// A participant's row.
#[derive(Debug, Clone)]
pub struct VoteRow {
    pub id: i64,
    pub name: String,
    pub actor_id: Option<String>,
    pub edit_token_hash: String,
    /// In the options' order.
    pub answers: Vec<Option<Answer>>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: i64,
    pub author_name: String,
    pub text: String,
    pub created_at: i64,
}

/// Everything about one poll, as the view and the exports need it.
#[derive(Debug, Clone)]
pub struct PollData {
    pub poll: PollRow,
    pub options: Vec<OptionRow>,
    pub votes: Vec<VoteRow>,
    pub comments: Vec<CommentRow>,
}
