//! Notifications across the tools: a tool says who should learn of what ([`Notice`]) and the
//! notification service (`nichoir-notify`) decides, by each person's preferences and quiet hours,
//! whether it goes to their bell, to their devices by Web Push, or nowhere. Tools see only this
//! contract, so none depends on the notification crate, and tests can hand them [`Silent`].

text_enum!(
    ts("core/")
    /// Whether a page is looked at, as the page says on its person's topic: `away` once idle.
    PageStatus { Online = "online", Away = "away" }
);

text_enum!(
    /// The tool a notice comes from: the per-tool preference it answers to.
    Tool {
        Chat = "chat",
        Polls = "polls",
        Wikis = "wikis",
        Pads = "pads",
        Video = "video",
    }
);

text_enum!(
    /// What happened. Each kind belongs to one tool ([`Kind::tool`]).
    Kind {
        Mention = "mention",
        Direct = "direct",
        Reply = "reply",
        Message = "message",
        PollVote = "poll_vote",
        PollComment = "poll_comment",
        WikiChange = "wiki_change",
        PadMention = "pad_mention",
        LobbyKnock = "lobby_knock",
        Call = "call",
    }
);

impl Kind {
    pub fn tool(self) -> Tool {
        match self {
            Kind::Mention | Kind::Direct | Kind::Reply | Kind::Message | Kind::Call => Tool::Chat,
            Kind::PollVote | Kind::PollComment => Tool::Polls,
            Kind::WikiChange => Tool::Wikis,
            Kind::PadMention => Tool::Pads,
            Kind::LobbyKnock => Tool::Video,
        }
    }

    /// Is this addressed to the person (a mention, a direct message, a call), rather than news
    /// of a place they follow? "Mentions only" keeps these.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            Kind::Mention | Kind::Direct | Kind::PadMention | Kind::LobbyKnock | Kind::Call
        )
    }
}

/// One person to tell about one thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub user_id: String,
    pub kind: Kind,
    /// The place it happened, for "marked read there" and per-place preferences: a chat
    /// channel (`chat:<channel id>`), a poll (`poll:<id>`), a wiki page (`wiki:<wiki>/<page>`)…
    pub scope: String,
    /// One line: who did what where ("Alice in ~general").
    pub title: String,
    /// A short excerpt (the message, the comment), possibly empty.
    pub body: String,
    /// A path of this instance that opens the place (`/chat/club/pl/42`).
    pub url: String,
    /// Who caused it (never notified of their own doing).
    pub actor_id: Option<String>,
}

/// The most characters of [`Notice::body`] kept (a push message is small).
pub const BODY_CHARS: usize = 240;

/// `text` on one line, cut to [`BODY_CHARS`] with an ellipsis.
pub fn excerpt(text: &str) -> String {
    excerpt_of(text, BODY_CHARS)
}

/// `text` on one line, cut to `max` characters (the last one an ellipsis when cut).
pub fn excerpt_of(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        let mut s: String = line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// What the tools call. Both methods return at once: the work (database, push services) happens
/// in the background, so a chat message never waits for a push service.
pub trait Notifier: Send + Sync {
    fn notify(&self, notices: Vec<Notice>);
    /// The person has seen `scope` (opened the channel, the poll): its notices are read.
    fn seen(&self, user_id: &str, scope: &str);
    /// A call in a direct message ended or was answered: stop ringing on the person's devices.
    fn cancel(&self, _user_id: &str, _scope: &str) {}
}

/// Tells nobody (tests of one tool, tools built without the composition).
pub struct Silent;

impl Notifier for Silent {
    fn notify(&self, _notices: Vec<Notice>) {}
    fn seen(&self, _user_id: &str, _scope: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_belongs_to_a_tool_and_round_trips() {
        for k in [
            Kind::Mention,
            Kind::Direct,
            Kind::Reply,
            Kind::Message,
            Kind::PollVote,
            Kind::PollComment,
            Kind::WikiChange,
            Kind::PadMention,
            Kind::LobbyKnock,
            Kind::Call,
        ] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(Tool::parse(k.tool().as_str()), Some(k.tool()));
        }
        assert!(Kind::Mention.is_personal());
        assert!(!Kind::Reply.is_personal());
    }

    #[test]
    fn an_excerpt_is_one_short_line() {
        assert_eq!(excerpt("a\n\n b\tc"), "a b c");
        let long = "é".repeat(500);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), BODY_CHARS);
        assert!(e.ends_with('…'));
    }
}
