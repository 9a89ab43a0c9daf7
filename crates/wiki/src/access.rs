//! Who may read, edit and administer a wiki or one of its pages: the permission matrix
//! (visibility × edit policy × role, with per-page overrides and the instance admin's lock) as
//! plain functions, tested on their own.

use nichoir_core::text_enum;

use crate::model::{PageRow, WikiRow};
use crate::service::WikiError;

text_enum!(
    ts("wiki/")
    /// Who may read the wiki.
    Visibility { Public = "public", Members = "members", Private = "private" }
);
text_enum!(
    ts("wiki/")
    /// Who may edit its pages.
    EditPolicy { Anyone = "anyone", Users = "users", Editors = "editors" }
);
text_enum!(
    ts("wiki/")
    /// A user's role in one wiki.
    Role { Admin = "admin", Editor = "editor" }
);
text_enum!(
    ts("wiki/")
    /// A page's own rule, overriding the wiki's: `inherit`, or only the wiki's editors.
    PageRule { Inherit = "inherit", Editors = "editors" }
);

/// The person asking, as far as rights go.
#[derive(Debug, Clone, Default)]
pub struct Who {
    /// Signed in with an account (not a guest, not anonymous).
    pub user: bool,
    pub instance_admin: bool,
    /// Their role in this wiki, if any.
    pub role: Option<Role>,
}

/// The wiki's settings that rights depend on.
#[derive(Debug, Clone, Copy)]
pub struct WikiRules {
    pub visibility: Visibility,
    pub edit_policy: EditPolicy,
    /// Locked by an instance admin: read-only for everyone but instance admins.
    pub locked: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct PageRules {
    pub view: PageRule,
    pub edit: PageRule,
}

impl Default for PageRules {
    fn default() -> Self {
        PageRules {
            view: PageRule::Inherit,
            edit: PageRule::Inherit,
        }
    }
}

fn is_editor(who: &Who) -> bool {
    who.role.is_some()
}

pub fn can_view_wiki(w: &WikiRules, who: &Who) -> bool {
    who.instance_admin
        || is_editor(who)
        || match w.visibility {
            Visibility::Public => true,
            Visibility::Members => who.user,
            Visibility::Private => false,
        }
}

pub fn can_view_page(w: &WikiRules, p: &PageRules, who: &Who) -> bool {
    can_view_wiki(w, who)
        && match p.view {
            PageRule::Inherit => true,
            PageRule::Editors => is_editor(who) || who.instance_admin,
        }
}

pub fn can_edit_page(w: &WikiRules, p: &PageRules, who: &Who) -> bool {
    if !can_view_page(w, p, who) {
        return false;
    }
    if w.locked {
        return who.instance_admin;
    }
    if is_editor(who) || who.instance_admin {
        return true;
    }
    if p.edit == PageRule::Editors {
        return false;
    }
    match w.edit_policy {
        EditPolicy::Anyone => true,
        EditPolicy::Users => who.user,
        EditPolicy::Editors => false,
    }
}

/// Settings, members, page rules, deleting pages for good.
pub fn can_admin(w: &WikiRules, who: &Who) -> bool {
    who.instance_admin || (who.role == Some(Role::Admin) && !w.locked)
}

/// The one place that decides who sees what in a wiki. `Sight` proves the asker may read the
/// wiki; `SeenPage` proves they may read one page; `Unseen` is a page row nobody has checked
/// yet. Their fields are private, so a page, its history, its backlinks, its comments or its
/// line in recent changes, search or a feed can only reach an answer through this decision.
/// A hidden page answers exactly as a missing one ([`WikiError::NoPage`]): no existence oracle.
#[derive(Debug, Clone)]
pub struct Sight {
    wiki: WikiRow,
    who: Who,
}

/// A page row read from the store, not yet shown to anyone.
#[derive(Debug, Clone)]
pub struct Unseen(Option<PageRow>);

/// A page the asker may read (it exists, is not a redirect unless asked, and its rules let them).
#[derive(Debug, Clone)]
pub struct SeenPage(PageRow);

impl Sight {
    /// May `who` read `wiki` at all? A private wiki answers as a missing one.
    pub(crate) fn decide(wiki: WikiRow, who: Who) -> Result<Sight, WikiError> {
        if can_view_wiki(&wiki.rules(), &who) {
            return Ok(Sight { wiki, who });
        }
        Err(if wiki.visibility == Visibility::Private {
            WikiError::NoWiki
        } else {
            WikiError::CannotView
        })
    }

    pub fn wiki(&self) -> &WikiRow {
        &self.wiki
    }

    pub fn who(&self) -> &Who {
        &self.who
    }

    /// Does the asker see a page with these rules?
    pub fn sees(&self, page: &PageRules) -> bool {
        can_view_page(&self.wiki.rules(), page, &self.who)
    }

    /// Does the asker see a page whose view rule is `rule` (rows that carry only that)?
    pub fn sees_rule(&self, rule: PageRule) -> bool {
        self.sees(&PageRules {
            view: rule,
            edit: PageRule::Inherit,
        })
    }

    /// The page, if it exists and the asker may read it; otherwise the same `NoPage` either way.
    pub fn page(&self, row: Unseen) -> Result<SeenPage, WikiError> {
        match row.0 {
            Some(p) if self.sees(&p.rules()) => Ok(SeenPage(p)),
            _ => Err(WikiError::NoPage),
        }
    }

    /// Keeps the rows the asker may read.
    pub fn visible(&self, rows: Vec<PageRow>) -> Vec<PageRow> {
        rows.into_iter().filter(|p| self.sees(&p.rules())).collect()
    }

    pub fn can_edit(&self, page: &PageRules) -> bool {
        can_edit_page(&self.wiki.rules(), page, &self.who)
    }

    pub fn can_admin(&self) -> bool {
        can_admin(&self.wiki.rules(), &self.who)
    }

    /// Member of the wiki (any role) or instance admin.
    pub fn is_editor(&self) -> bool {
        is_editor(&self.who) || self.who.instance_admin
    }
}

impl Unseen {
    pub(crate) fn new(row: Option<PageRow>) -> Unseen {
        Unseen(row)
    }

    /// The rules an edit is judged by (a new page inherits the wiki's); the row stays hidden.
    pub fn rules(&self) -> PageRules {
        self.0.as_ref().map(PageRow::rules).unwrap_or_default()
    }

    /// Keeps only a row matching `keep` (deleted pages, redirects), before anyone sees it.
    pub fn filter(self, keep: impl FnOnce(&PageRow) -> bool) -> Unseen {
        Unseen(self.0.filter(keep))
    }
}

impl SeenPage {
    pub fn into_row(self) -> PageRow {
        self.0
    }
}

impl std::ops::Deref for SeenPage {
    type Target = PageRow;
    fn deref(&self) -> &PageRow {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIS: [Visibility; 3] = [Visibility::Public, Visibility::Members, Visibility::Private];
    const POL: [EditPolicy; 3] = [EditPolicy::Anyone, EditPolicy::Users, EditPolicy::Editors];

    fn people() -> Vec<(&'static str, Who)> {
        vec![
            ("anonymous", Who::default()),
            (
                "user",
                Who {
                    user: true,
                    ..Who::default()
                },
            ),
            (
                "editor",
                Who {
                    user: true,
                    role: Some(Role::Editor),
                    ..Who::default()
                },
            ),
            (
                "admin",
                Who {
                    user: true,
                    role: Some(Role::Admin),
                    ..Who::default()
                },
            ),
            (
                "instance admin",
                Who {
                    user: true,
                    instance_admin: true,
                    ..Who::default()
                },
            ),
        ]
    }

    /// The whole matrix, written out as the expected table.
    #[test]
    fn visibility_times_policy_times_role() {
        for v in VIS {
            for e in POL {
                let w = WikiRules {
                    visibility: v,
                    edit_policy: e,
                    locked: false,
                };
                for (name, who) in people() {
                    let member = who.role.is_some() || who.instance_admin;
                    let view =
                        member || v == Visibility::Public || (v == Visibility::Members && who.user);
                    let edit = view
                        && (member
                            || e == EditPolicy::Anyone
                            || (e == EditPolicy::Users && who.user));
                    let p = PageRules::default();
                    assert_eq!(can_view_page(&w, &p, &who), view, "{v:?} {e:?} {name} view");
                    assert_eq!(can_edit_page(&w, &p, &who), edit, "{v:?} {e:?} {name} edit");
                }
            }
        }
    }

    #[test]
    fn page_rules_override_the_wiki() {
        let w = WikiRules {
            visibility: Visibility::Public,
            edit_policy: EditPolicy::Anyone,
            locked: false,
        };
        let private = PageRules {
            view: PageRule::Editors,
            edit: PageRule::Inherit,
        };
        let protected = PageRules {
            view: PageRule::Inherit,
            edit: PageRule::Editors,
        };
        for (name, who) in people() {
            let member = who.role.is_some() || who.instance_admin;
            assert_eq!(can_view_page(&w, &private, &who), member, "{name}");
            assert!(can_view_page(&w, &protected, &who), "{name}");
            assert_eq!(can_edit_page(&w, &protected, &who), member, "{name}");
        }
    }

    fn wiki(visibility: Visibility) -> WikiRow {
        WikiRow {
            id: 1,
            slug: "w".into(),
            title: "W".into(),
            description: String::new(),
            visibility,
            edit_policy: EditPolicy::Anyone,
            theme_color: "#2f855a".into(),
            home_page: "Home".into(),
            menu: String::new(),
            comments_enabled: true,
            locked: false,
            search_indexable: false,
            created_by: "u".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn page(view: PageRule) -> PageRow {
        PageRow {
            id: 7,
            wiki_id: 1,
            name: "Secret".into(),
            key: "secret".into(),
            rev: 1,
            text: "x".into(),
            html: None,
            toc: None,
            view_rule: view,
            edit_rule: PageRule::Inherit,
            deleted: false,
            redirect_to: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    /// Through the one decision, a hidden page and a missing one are the same error.
    #[test]
    fn the_sight_answers_hidden_as_missing() {
        for (name, who) in people() {
            let member = who.role.is_some() || who.instance_admin;
            let Ok(sight) = Sight::decide(wiki(Visibility::Public), who) else {
                panic!("{name} reads a public wiki");
            };
            let hidden = sight.page(Unseen::new(Some(page(PageRule::Editors))));
            let missing = sight.page(Unseen::new(None));
            assert!(matches!(missing, Err(WikiError::NoPage)), "{name}");
            if member {
                assert!(hidden.is_ok(), "{name} sees it");
            } else {
                assert!(matches!(hidden, Err(WikiError::NoPage)), "{name}");
            }
            assert_eq!(
                sight
                    .visible(vec![page(PageRule::Editors), page(PageRule::Inherit)])
                    .len(),
                if member { 2 } else { 1 },
                "{name}"
            );
            assert_eq!(sight.sees_rule(PageRule::Editors), member, "{name}");
        }
        assert!(matches!(
            Sight::decide(wiki(Visibility::Private), Who::default()),
            Err(WikiError::NoWiki)
        ));
        assert!(matches!(
            Sight::decide(wiki(Visibility::Members), Who::default()),
            Err(WikiError::CannotView)
        ));
    }

    #[test]
    fn a_locked_wiki_is_read_only_but_for_instance_admins() {
        let w = WikiRules {
            visibility: Visibility::Public,
            edit_policy: EditPolicy::Anyone,
            locked: true,
        };
        for (name, who) in people() {
            assert!(can_view_wiki(&w, &who));
            assert_eq!(
                can_edit_page(&w, &PageRules::default(), &who),
                who.instance_admin,
                "{name}"
            );
            assert_eq!(can_admin(&w, &who), who.instance_admin, "{name}");
        }
    }
}
