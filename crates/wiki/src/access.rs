//! Who may read, edit and administer a wiki or one of its pages: the permission matrix
//! (visibility × edit policy × role, with per-page overrides and the instance admin's lock) as
//! plain functions, tested on their own.

use nichoir_core::text_enum;

text_enum!(
    /// Who may read the wiki.
    Visibility { Public = "public", Members = "members", Private = "private" }
);
text_enum!(
    /// Who may edit its pages.
    EditPolicy { Anyone = "anyone", Users = "users", Editors = "editors" }
);
text_enum!(
    /// A user's role in one wiki.
    Role { Admin = "admin", Editor = "editor" }
);
text_enum!(
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
