//! Counting and ballot rules: totals per option, the best options, and whether a row of answers
//! is allowed (answer mode, one choice only, places left). Plain functions, no I/O.

use std::collections::BTreeMap;

use crate::model::{Answer, AnswerMode, OptionRow, OptionSpec, Settings, VoteRow};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub yes: u32,
    pub maybe: u32,
    pub no: u32,
}

pub fn totals(option_count: usize, votes: &[VoteRow]) -> Vec<Totals> {
    let mut out = vec![Totals::default(); option_count];
    for v in votes {
        for (t, a) in out.iter_mut().zip(&v.answers) {
            match a {
                Some(Answer::Yes) => t.yes += 1,
                Some(Answer::Maybe) => t.maybe += 1,
                Some(Answer::No) => t.no += 1,
                None => {}
            }
        }
    }
    out
}

/// The options with the most "yes" (all of them on a tie); none when nobody said yes. An
/// if-need-be does not break a tie: Framadate and Doodle rank by "yes" and show if-need-be apart.
pub fn best(options: &[OptionRow], totals: &[Totals]) -> Vec<i64> {
    let top = totals.iter().map(|t| t.yes).max().unwrap_or(0);
    if top == 0 {
        return Vec::new();
    }
    options
        .iter()
        .zip(totals)
        .filter(|(_, t)| t.yes == top)
        .map(|(o, _)| o.id)
        .collect()
}

/// How people read an option in a message: the label, or the day and times.
pub fn option_title(o: &OptionSpec) -> String {
    match (&o.date, &o.start, &o.end) {
        (Some(d), Some(s), Some(e)) => format!("{d} {s}–{e}"),
        (Some(d), Some(s), None) => format!("{d} {s}"),
        (Some(d), _, _) => d.clone(),
        _ => o.label.clone(),
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BallotError {
    #[error("answers: `{0}` is not an option of this poll")]
    UnknownOption(String),
    #[error("answers: `{0}` is not an answer (yes, maybe or no)")]
    BadAnswer(String),
    #[error("this poll's answers are yes or no: \"if need be\" is not offered")]
    MaybeNotOffered,
    #[error("this poll lets each participant choose only one option")]
    OneChoiceOnly,
    #[error("no place left for \"{0}\"")]
    Full(String),
}

/// Turns the submitted answers into a row in the options' order, checking every rule.
/// `yes_by_others[i]` counts the "yes" on option `i` from every other row; `previous` is the row's
/// current answers when it is being changed (a "yes" it already holds is kept even if the limit
/// was lowered since).
pub fn check_ballot(
    settings: &Settings,
    options: &[OptionRow],
    answers: &BTreeMap<String, String>,
    yes_by_others: &[u32],
    previous: Option<&[Option<Answer>]>,
) -> Result<Vec<Option<Answer>>, BallotError> {
    let mut row: Vec<Option<Answer>> = vec![None; options.len()];
    for (key, value) in answers {
        let index = key
            .parse::<i64>()
            .ok()
            .and_then(|id| options.iter().position(|o| o.id == id))
            .ok_or_else(|| BallotError::UnknownOption(key.chars().take(40).collect()))?;
        let answer = Answer::parse(value)
            .ok_or_else(|| BallotError::BadAnswer(value.chars().take(40).collect()))?;
        if answer == Answer::Maybe && settings.answers == AnswerMode::YesNo {
            return Err(BallotError::MaybeNotOffered);
        }
        row[index] = Some(answer);
    }
    if settings.one_choice && row.iter().flatten().filter(|a| a.is_choice()).count() > 1 {
        return Err(BallotError::OneChoiceOnly);
    }
    if let Some(max) = settings.max_yes {
        for (i, a) in row.iter().enumerate() {
            let held = previous.and_then(|p| p.get(i).copied().flatten()) == Some(Answer::Yes);
            let taken = yes_by_others.get(i).copied().unwrap_or(0) as i64;
            if *a == Some(Answer::Yes) && !held && taken >= max {
                return Err(BallotError::Full(option_title(&options[i].spec)));
            }
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EditMode, Kind, Visibility};
    use proptest::prelude::*;

    fn settings() -> Settings {
        Settings {
            kind: Kind::Classic,
            title: "t".into(),
            description: String::new(),
            author_name: "a".into(),
            author_email: None,
            timezone: "UTC".into(),
            answers: AnswerMode::YesMaybeNo,
            deadline: None,
            results: Visibility::Everyone,
            max_yes: None,
            one_choice: false,
            edit_mode: EditMode::Own,
            notify_votes: false,
            notify_comments: false,
            remind: false,
        }
    }

    fn opts(n: i64) -> Vec<OptionRow> {
        (1..=n)
            .map(|id| OptionRow {
                id,
                spec: OptionSpec {
                    id: Some(id),
                    label: format!("o{id}"),
                    url: None,
                    image_url: None,
                    date: None,
                    start: None,
                    end: None,
                },
            })
            .collect()
    }

    fn ballot(pairs: &[(i64, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn vote(answers: Vec<Option<Answer>>) -> VoteRow {
        VoteRow {
            id: 1,
            name: "n".into(),
            actor_id: None,
            edit_token_hash: String::new(),
            answers,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn rules() {
        let s = settings();
        let o = opts(3);
        let row = check_ballot(
            &s,
            &o,
            &ballot(&[(1, "yes"), (3, "maybe")]),
            &[0, 0, 0],
            None,
        )
        .expect("ok");
        assert_eq!(row, vec![Some(Answer::Yes), None, Some(Answer::Maybe)]);
        assert_eq!(
            check_ballot(&s, &o, &ballot(&[(9, "yes")]), &[0; 3], None),
            Err(BallotError::UnknownOption("9".into()))
        );
        assert_eq!(
            check_ballot(&s, &o, &ballot(&[(1, "oui")]), &[0; 3], None),
            Err(BallotError::BadAnswer("oui".into()))
        );
        let yes_no = Settings {
            answers: AnswerMode::YesNo,
            ..settings()
        };
        assert_eq!(
            check_ballot(&yes_no, &o, &ballot(&[(1, "maybe")]), &[0; 3], None),
            Err(BallotError::MaybeNotOffered)
        );
        let one = Settings {
            one_choice: true,
            ..settings()
        };
        assert_eq!(
            check_ballot(
                &one,
                &o,
                &ballot(&[(1, "yes"), (2, "maybe")]),
                &[0; 3],
                None
            ),
            Err(BallotError::OneChoiceOnly)
        );
        assert!(check_ballot(
            &one,
            &o,
            &ballot(&[(1, "yes"), (2, "no"), (3, "no")]),
            &[0; 3],
            None
        )
        .is_ok());
        let limited = Settings {
            max_yes: Some(2),
            ..settings()
        };
        assert_eq!(
            check_ballot(&limited, &o, &ballot(&[(2, "yes")]), &[0, 2, 0], None),
            Err(BallotError::Full("o2".into()))
        );
        assert!(check_ballot(&limited, &o, &ballot(&[(2, "maybe")]), &[0, 2, 0], None).is_ok());
        // A yes already held survives a lowered limit.
        let held = [None, Some(Answer::Yes), None];
        assert!(check_ballot(
            &limited,
            &o,
            &ballot(&[(2, "yes")]),
            &[0, 3, 0],
            Some(&held)
        )
        .is_ok());
    }

    #[test]
    fn totals_and_best() {
        let o = opts(3);
        let votes = vec![
            vote(vec![Some(Answer::Yes), Some(Answer::Yes), Some(Answer::No)]),
            vote(vec![Some(Answer::Yes), Some(Answer::Maybe), None]),
            vote(vec![
                Some(Answer::No),
                Some(Answer::Yes),
                Some(Answer::Maybe),
            ]),
        ];
        let t = totals(3, &votes);
        assert_eq!(
            t[0],
            Totals {
                yes: 2,
                maybe: 0,
                no: 1
            }
        );
        assert_eq!(
            t[1],
            Totals {
                yes: 2,
                maybe: 1,
                no: 0
            }
        );
        assert_eq!(
            t[2],
            Totals {
                yes: 0,
                maybe: 1,
                no: 1
            }
        );
        assert_eq!(best(&o, &t), vec![1, 2]);
        assert!(best(&o, &totals(3, &[])).is_empty());
    }

    proptest! {
        #[test]
        fn totals_add_up_and_best_has_the_max(rows in proptest::collection::vec(proptest::collection::vec(0i64..4, 5), 0..40)) {
            let o = opts(5);
            let votes: Vec<VoteRow> = rows.iter().map(|r| vote(r.iter().map(|v| Answer::from_db(*v)).collect())).collect();
            let t = totals(5, &votes);
            for (i, tot) in t.iter().enumerate() {
                let answered = rows.iter().filter(|r| r[i] < 3).count() as u32;
                prop_assert_eq!(tot.yes + tot.maybe + tot.no, answered);
            }
            let b = best(&o, &t);
            let max = t.iter().map(|t| t.yes).max().unwrap_or(0);
            for id in &b {
                prop_assert_eq!(t[(*id - 1) as usize].yes, max);
            }
            prop_assert_eq!(b.is_empty(), max == 0);
        }

        #[test]
        fn a_limited_option_never_accepts_more_yes_than_its_places(max in 1i64..5, taken in 0u32..8) {
            let s = Settings { max_yes: Some(max), ..settings() };
            let ok = check_ballot(&s, &opts(1), &ballot(&[(1, "yes")]), &[taken], None).is_ok();
            prop_assert_eq!(ok, (taken as i64) < max);
        }
    }
}
