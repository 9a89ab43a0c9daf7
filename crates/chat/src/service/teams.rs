//! Teams: creating, joining and leaving them, their members and roles, guests.

use super::*;
use nichoir_core::{Field, Rule};

impl ChatService {
    pub(super) async fn team_for(
        &self,
        name: &str,
        user_id: &str,
    ) -> ChatResult<(TeamRow, Option<String>)> {
        let (n, u) = (name.to_string(), user_id.to_string());
        let r = self
            .db
            .read(move |c| {
                let Some(t) = store::team_by_name(c, &n)? else {
                    return Ok(None);
                };
                let role = store::team_role(c, &t.id, &u)?;
                Ok(Some((t, role)))
            })
            .await?;
        r.ok_or_else(|| not_found("no such team"))
    }

    pub(crate) async fn member_team(
        &self,
        name: &str,
        user_id: &str,
    ) -> ChatResult<(TeamRow, String)> {
        match self.team_for(name, user_id).await? {
            (t, Some(role)) => Ok((t, role)),
            (t, None) if t.open => Err(forbidden("join this team first")),
            _ => Err(not_found("no such team")),
        }
    }

    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        display: &str,
        description: &str,
        open: bool,
    ) -> ChatResult<Team> {
        let me = Self::me(actor)?;
        let team = TeamRow {
            id: new_id("t"),
            name: text::validate_name("name", name)?,
            display_name: text::line("display_name", display, 1, 64)?,
            description: text::line("description", description, 0, 500)?,
            open,
        };
        let (t, uid) = (team.clone(), me.id.clone());
        // The square's name is stored and shown as is to everyone (its admins may rename it): in
        // the instance's language as it is now.
        let square = if &*self.email.mailer.default_language() == "fr" {
            "Place du village"
        } else {
            "Town square"
        };
        let result = self
            .db
            .write(move |c| {
                let now = now_ms();
                store::insert_team(c, &t, &uid, now)?;
                store::set_team_member(c, &t.id, &uid, "admin", now)?;
                let id = new_id("c");
                store::insert_channel(
                    c,
                    &store::NewChannel {
                        id: &id,
                        team_id: Some(&t.id),
                        kind: Kind::Public,
                        name: "town-square",
                        display_name: square,
                        header: "",
                        purpose: "",
                        dm_key: None,
                        by: &uid,
                        now,
                    },
                )?;
                store::add_member(c, &id, &uid, "admin", now)?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => Ok(team_of(&team, Some("admin"))),
            Err(e) if is_unique_violation(&e) => Err(Error::new(
                ErrorCode::Conflict,
                format!("the team name {} is taken", team.name),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn my_teams(&self, actor: &Actor) -> ChatResult<Vec<Team>> {
        let u = Self::me(actor)?.id.clone();
        let rows = self.db.read(move |c| store::teams_of(c, &u)).await?;
        Ok(rows.iter().map(|(t, r)| team_of(t, Some(r))).collect())
    }

    pub async fn open_teams(&self, actor: &Actor) -> ChatResult<Vec<Team>> {
        let u = Self::me(actor)?.id.clone();
        let rows = self.db.read(move |c| store::open_teams(c, &u)).await?;
        Ok(rows.iter().map(|t| team_of(t, None)).collect())
    }

    /// Adds a user to a team and to its town square.
    pub(super) async fn add_to_team(
        &self,
        team: &TeamRow,
        user_id: &str,
        role: &str,
    ) -> ChatResult<()> {
        let (tid, uid, role) = (team.id.clone(), user_id.to_string(), role.to_string());
        self.db
            .write_then(
                move |c| {
                    let now = now_ms();
                    let mut out = Vec::new();
                    let before = store::team_role(c, &tid, &uid)?;
                    store::set_team_member(c, &tid, &uid, &role, now)?;
                    // A guest sees only the channels they are given, not even the town square; a
                    // guest made a member joins it as any newcomer does.
                    if matches!(before.as_deref(), None | Some("guest")) && role != "guest" {
                        if let Some(ts) = store::channel_by_name(c, &tid, "town-square")? {
                            if store::add_member(c, &ts.id, &uid, "member", now)? {
                                let joined = ChatEvent::MemberJoined {
                                    channel_id: ts.id.clone(),
                                    user_id: uid.clone(),
                                };
                                emit(c, Some(&ts.id), None, &joined, &mut out)?;
                            }
                        }
                    }
                    Ok(((), out))
                },
                self.pushed(),
            )
            .await?;
        Ok(())
    }

    pub async fn join_team(&self, actor: &Actor, name: &str) -> ChatResult<Team> {
        let me = Self::me(actor)?;
        let (team, role) = self.team_for(name, &me.id).await?;
        if let Some(r) = role {
            return Ok(team_of(&team, Some(&r)));
        }
        if !team.open {
            return Err(not_found("no such team"));
        }
        self.add_to_team(&team, &me.id, "member").await?;
        Ok(team_of(&team, Some("member")))
    }

    pub async fn leave_team(&self, actor: &Actor, name: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(name, &me.id).await?;
        self.keep_an_admin(&team, &me.id).await?;
        self.remove_from_team(&team, &me.id).await
    }

    /// Whether `user_id` administers the team of `ch` (false for a conversation outside teams).
    pub(crate) async fn is_team_admin(&self, ch: &ChannelRow, user_id: &str) -> ChatResult<bool> {
        let Some(tid) = ch.team_id.clone() else {
            return Ok(false);
        };
        let uid = user_id.to_string();
        Ok(self
            .db
            .read(move |c| store::team_role(c, &tid, &uid))
            .await?
            .as_deref()
            == Some("admin"))
    }

    /// A team keeps at least one admin: its last one cannot step down, leave, or become a guest
    /// (nobody could manage the team any more).
    pub(super) async fn keep_an_admin(&self, team: &TeamRow, user_id: &str) -> ChatResult<()> {
        let (tid, uid) = (team.id.clone(), user_id.to_string());
        let (role, others) = self
            .db
            .read(move |c| {
                Ok((
                    store::team_role(c, &tid, &uid)?,
                    store::other_admins(c, &tid, &uid)?,
                ))
            })
            .await?;
        if role.as_deref() == Some("admin") && others == 0 {
            return Err(Error::new(
                ErrorCode::Conflict,
                "a team needs an admin: make someone else admin first",
            ));
        }
        Ok(())
    }

    pub(super) async fn remove_from_team(&self, team: &TeamRow, user_id: &str) -> ChatResult<()> {
        let (tid, uid) = (team.id.clone(), user_id.to_string());
        self.db
            .write_then(
                move |c| {
                    let mut out = Vec::new();
                    for ch in store::remove_team_member(c, &tid, &uid)? {
                        emit_left(c, &ch, &uid, &mut out)?;
                    }
                    Ok(((), out))
                },
                self.pushed(),
            )
            .await?;
        Ok(())
    }

    pub async fn team_members(
        &self,
        actor: &Actor,
        name: &str,
        q: &str,
    ) -> ChatResult<Vec<TeamMember>> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(name, &me.id).await?;
        let tid = team.id.clone();
        let rows = self.db.read(move |c| store::team_members(c, &tid)).await?;
        let q = q.trim().to_lowercase();
        let mut out = Vec::new();
        for (uid, role) in rows {
            let u = self.user(&uid).await?;
            let matches = q.is_empty()
                || u.username.to_lowercase().starts_with(&q)
                || u.display_name
                    .to_lowercase()
                    .split_whitespace()
                    .any(|w| w.starts_with(&q));
            if matches {
                out.push(TeamMember { user: u, role });
            }
            if out.len() >= 100 {
                break;
            }
        }
        Ok(out)
    }

    pub async fn set_team_member(
        &self,
        actor: &Actor,
        name: &str,
        username: &str,
        role: Option<&str>,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (team, my_role) = self.member_team(name, &me.id).await?;
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let self_removal = role.is_none() && target.id == me.id;
        if my_role != "admin" && !self_removal {
            return Err(forbidden("only team admins manage members"));
        }
        match role {
            Some("admin") => self.add_to_team(&team, &target.id, "admin").await,
            Some("member") => {
                self.keep_an_admin(&team, &target.id).await?;
                self.add_to_team(&team, &target.id, "member").await
            }
            Some(_) => Err(
                Error::validation("role: admin, member or guest").with_invalid(
                    Field::Role,
                    Rule::NotOneOf {
                        allowed: vec!["admin".into(), "member".into(), "guest".into()],
                    },
                ),
            ),
            None => {
                self.keep_an_admin(&team, &target.id).await?;
                self.remove_from_team(&team, &target.id).await
            }
        }
    }

    /// Makes a user a guest of the team, limited to `channels` (names or ids of this team's).
    pub async fn add_guest(
        &self,
        actor: &Actor,
        name: &str,
        username: &str,
        channels: &[String],
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (team, my_role) = self.member_team(name, &me.id).await?;
        if my_role != "admin" {
            return Err(forbidden("only team admins invite guests"));
        }
        if channels.is_empty() || channels.len() > 50 {
            return Err(
                Error::validation("channels: one to fifty channels the guest may use")
                    .with_invalid(
                        Field::Channels,
                        if channels.is_empty() {
                            Rule::TooFew { min: 1 }
                        } else {
                            Rule::TooMany { max: 50 }
                        },
                    ),
            );
        }
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let (tid, list) = (team.id.clone(), channels.to_vec());
        let found: Vec<ChannelRow> = self
            .db
            .read(move |c| {
                let mut out = Vec::new();
                for n in &list {
                    match store::channel_by_name(c, &tid, n)?.or(store::channel(c, n)?
                        .filter(|ch| ch.team_id.as_deref() == Some(tid.as_str())))
                    {
                        Some(ch) => out.push(ch),
                        None => {
                            return Err(Error::validation(format!(
                                "channels: no channel {n} in this team"
                            ))
                            .with_invalid(Field::Channels, Rule::Unknown)
                            .into())
                        }
                    }
                }
                Ok(out)
            })
            .await?;
        self.keep_an_admin(&team, &target.id).await?;
        self.add_to_team(&team, &target.id, "guest").await?;
        for ch in &found {
            self.add_channel_member(ch, &target.id).await?;
        }
        Ok(())
    }
}
