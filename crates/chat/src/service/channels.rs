//! Channels and conversations: reading rights, creating, joining, members, archive, read marks and notification levels.

use super::*;
use nichoir_core::{Field, Rule};

impl ChatService {
    /// The channel as `user_id` sees it, with their counts.
    pub(super) async fn channel_view(
        &self,
        ch: &ChannelRow,
        member: Option<&MemberRow>,
        user_id: &str,
    ) -> ChatResult<Channel> {
        let id = ch.id.clone();
        let (count, others) = self
            .db
            .read(move |c| {
                let n = store::member_count(c, &id)?;
                let others = if n <= 8 {
                    store::member_ids(c, &id)?
                } else {
                    Vec::new()
                };
                Ok((n, others))
            })
            .await?;
        self.channel_view_of(ch, member, user_id, count, &others)
            .await
    }

    /// The channel as `user_id` sees it, its member count and (for a conversation) its members
    /// already read.
    async fn channel_view_of(
        &self,
        ch: &ChannelRow,
        member: Option<&MemberRow>,
        user_id: &str,
        count: i64,
        others: &[String],
    ) -> ChatResult<Channel> {
        let mut v = Channel {
            id: ch.id.clone(),
            team_id: ch.team_id.clone(),
            kind: ch.kind,
            name: ch.name.clone(),
            display_name: ch.display_name.clone(),
            header: ch.header.clone(),
            purpose: ch.purpose.clone(),
            archived: ch.archived,
            created_at: rfc3339(ch.created_at),
            last_post_at: rfc3339(ch.last_post_at),
            members: count,
            // Said to everyone who may read it: how long what they write here is kept.
            retention_days: ch.retention_days,
            default_retention_days: self.retention_days,
            me: member.map(|m| ChannelMe {
                role: m.role.clone(),
                unread: (ch.post_count - m.viewed_count).max(0),
                mentions: m.mentions,
                muted: m.muted,
                notify: crate::notices::level_of(m).to_string(),
                last_viewed_post: m.last_viewed_post,
            }),
            users: None,
        };
        if matches!(ch.kind, Kind::Direct | Kind::Group) {
            let mut users = Vec::new();
            let mut names = Vec::new();
            for u in others.iter().filter(|u| u.as_str() != user_id) {
                let uj = self.user(u).await?;
                names.push(uj.display_name.clone());
                users.push(uj);
            }
            if names.is_empty() {
                names.push(self.user(user_id).await?.display_name);
            }
            v.display_name = names.join(", ");
            v.users = Some(users);
        }
        Ok(v)
    }

    pub async fn team_channels(&self, actor: &Actor, team: &str) -> ChatResult<Vec<Channel>> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(team, &me.id).await?;
        let (tid, uid) = (team.id.clone(), me.id.clone());
        let rows = self
            .db
            .read(move |c| store::my_channels(c, &tid, &uid))
            .await?;
        let mut out = Vec::new();
        for (ch, m) in &rows {
            out.push(self.channel_view(ch, Some(m), &me.id).await?);
        }
        Ok(out)
    }

    pub async fn browse(
        &self,
        actor: &Actor,
        team: &str,
        q: &str,
    ) -> ChatResult<Vec<BrowseChannel>> {
        let me = Self::me(actor)?;
        let (team, role) = self.member_team(team, &me.id).await?;
        if role == "guest" {
            return Ok(Vec::new());
        }
        let q: String = q.trim().chars().take(64).collect();
        let (tid, uid) = (team.id.clone(), me.id.clone());
        let rows = self.db.read(move |c| store::browse(c, &tid, &uid)).await?;
        let mut out = Vec::new();
        let found = rows.iter().filter(|(ch, _)| {
            nichoir_storage::search::folded_contains(&[&ch.name, &ch.display_name, &ch.purpose], &q)
        });
        for (ch, joined) in found.take(500) {
            out.push(BrowseChannel {
                channel: self.channel_view(ch, None, &me.id).await?,
                joined: *joined,
            });
        }
        Ok(out)
    }

    pub async fn create_channel(
        &self,
        actor: &Actor,
        team: &str,
        body: CreateChannelBody,
    ) -> ChatResult<Channel> {
        let me = Self::me(actor)?;
        let (team, role) = self.member_team(team, &me.id).await?;
        if role == "guest" {
            return Err(forbidden("guests do not create channels"));
        }
        let CreateChannelBody {
            name,
            display_name: display,
            kind,
            header,
            purpose,
        } = body;
        let kind = match kind.as_str() {
            "public" => Kind::Public,
            "private" => Kind::Private,
            _ => {
                return Err(Error::validation("kind: public or private").with_invalid(
                    Field::Kind,
                    Rule::NotOneOf {
                        allowed: vec!["public".into(), "private".into()],
                    },
                ))
            }
        };
        let display = text::line("display_name", &display, 1, 64)?;
        let name = text::validate_name("name", &name.unwrap_or_else(|| text::name_from(&display)))?;
        let header = text::line("header", &header, 0, 1024)?;
        let purpose = text::line("purpose", &purpose, 0, 250)?;
        let (id, tid, uid) = (new_id("c"), team.id.clone(), me.id.clone());
        let i2 = id.clone();
        let result = self
            .db
            .write(move |c| {
                let now = now_ms();
                store::insert_channel(
                    c,
                    &store::NewChannel {
                        id: &i2,
                        team_id: Some(&tid),
                        kind,
                        name: &name,
                        display_name: &display,
                        header: &header,
                        purpose: &purpose,
                        dm_key: None,
                        by: &uid,
                        now,
                    },
                )?;
                store::add_member(c, &i2, &uid, "admin", now)?;
                Ok(())
            })
            .await;
        match result {
            Ok(()) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "a channel of that name exists in this team",
                ))
            }
            Err(e) => return Err(e.into()),
        }
        // The creator's other devices learn about it too.
        self.announce_channel(&id).await?;
        self.channel_for(actor, &id).await.map(|(v, _, _)| v)
    }

    /// The channel, if the user may read it: its members, or any team member for a public one.
    pub(super) async fn readable(
        &self,
        channel_id: &str,
        user_id: &str,
    ) -> ChatResult<(ChannelRow, Option<MemberRow>)> {
        let (id, uid) = (channel_id.to_string(), user_id.to_string());
        let (ch, m, team_role) = self
            .db
            .read(move |c| {
                let Some(ch) = store::channel(c, &id)? else {
                    return Ok((None, None, None));
                };
                let m = store::membership(c, &id, &uid)?;
                let tr = match &ch.team_id {
                    Some(t) => store::team_role(c, t, &uid)?,
                    None => None,
                };
                Ok((Some(ch), m, tr))
            })
            .await?;
        let ch = ch.ok_or_else(|| not_found("no such channel"))?;
        // A guest of the team reads only the channels they were given.
        let ok =
            m.is_some() || (ch.kind == Kind::Public && team_role.is_some_and(|r| r != "guest"));
        if !ok {
            return Err(not_found("no such channel"));
        }
        Ok((ch, m))
    }

    pub async fn channel_for(
        &self,
        actor: &Actor,
        id: &str,
    ) -> ChatResult<(Channel, ChannelRow, Option<MemberRow>)> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        Ok((self.channel_view(&ch, m.as_ref(), &me.id).await?, ch, m))
    }

    /// Announces a channel change to its members, each seeing their own counts.
    pub(super) async fn announce_channel(&self, channel_id: &str) -> ChatResult<()> {
        let id = channel_id.to_string();
        // One read: every member is told the same state of the channel.
        let (ch, members) = self
            .db
            .read(move |c| Ok((store::channel(c, &id)?, store::memberships(c, &id)?)))
            .await?;
        let Some(ch) = ch else { return Ok(()) };
        let count = members.len() as i64;
        let ids: Vec<String> = if count <= 8 {
            members.iter().map(|(u, _)| u.clone()).collect()
        } else {
            Vec::new()
        };
        for (uid, m) in &members {
            let channel = self.channel_view_of(&ch, Some(m), uid, count, &ids).await?;
            self.publish(
                None,
                Some(uid.clone()),
                ChatEvent::ChannelUpdated { channel },
            )
            .await?;
        }
        Ok(())
    }

    pub async fn direct(&self, actor: &Actor, usernames: &[String]) -> ChatResult<Channel> {
        let me = Self::me(actor)?;
        if usernames.is_empty() || usernames.len() > 7 {
            let rule = if usernames.is_empty() {
                Rule::TooFew { min: 1 }
            } else {
                Rule::TooMany { max: 7 }
            };
            return Err(Error::validation("usernames: one to seven people")
                .with_invalid(Field::Usernames, rule));
        }
        let mut ids = vec![me.id.clone()];
        for n in usernames {
            let u = self
                .auth
                .user_by_username(n)
                .await?
                .ok_or_else(|| not_found(&format!("no user named {n}")))?;
            if !ids.contains(&u.id) {
                ids.push(u.id);
            }
        }
        ids.sort();
        let key = ids.join(",");
        let kind = if ids.len() <= 2 {
            Kind::Direct
        } else {
            Kind::Group
        };
        let (uid, k2, ids2) = (me.id.clone(), key.clone(), ids.clone());
        let (id, created) = self
            .db
            .write(move |c| {
                if let Some(ch) = store::channel_by_dm_key(c, &k2)? {
                    return Ok((ch.id, false));
                }
                let now = now_ms();
                let id = new_id("c");
                store::insert_channel(
                    c,
                    &store::NewChannel {
                        id: &id,
                        team_id: None,
                        kind,
                        name: &id,
                        display_name: "",
                        header: "",
                        purpose: "",
                        dm_key: Some(&k2),
                        by: &uid,
                        now,
                    },
                )?;
                for u in &ids2 {
                    store::add_member(c, &id, u, "member", now)?;
                }
                Ok((id, true))
            })
            .await?;
        // Opening a conversation that exists changes nothing the others see.
        if created {
            self.announce_channel(&id).await?;
        }
        self.channel_for(actor, &id).await.map(|(v, _, _)| v)
    }

    pub async fn patch_channel(
        &self,
        actor: &Actor,
        id: &str,
        display: Option<&str>,
        header: Option<&str>,
        purpose: Option<&str>,
    ) -> ChatResult<Channel> {
        let me = Self::me(actor)?;
        let (mut ch, m) = self.readable(id, &me.id).await?;
        let m = m.ok_or_else(|| forbidden("join the channel first"))?;
        if ch.archived {
            return Err(Error::new(ErrorCode::Conflict, "this channel is archived"));
        }
        if let Some(d) = display {
            if m.role != "admin" {
                return Err(forbidden("only channel admins rename a channel"));
            }
            ch.display_name = text::line("display_name", d, 1, 64)?;
        }
        if let Some(h) = header {
            ch.header = text::line("header", h, 0, 1024)?;
        }
        if let Some(p) = purpose {
            ch.purpose = text::line("purpose", p, 0, 250)?;
        }
        let c2 = ch.clone();
        self.db
            .write(move |c| store::update_channel(c, &c2))
            .await?;
        self.announce_channel(&ch.id).await?;
        self.channel_for(actor, id).await.map(|(v, _, _)| v)
    }

    pub async fn join_channel(&self, actor: &Actor, id: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_some() {
            return Ok(());
        }
        if ch.kind != Kind::Public {
            return Err(not_found("no such channel"));
        }
        self.add_channel_member(&ch, &me.id).await
    }

    pub(super) async fn add_channel_member(
        &self,
        ch: &ChannelRow,
        user_id: &str,
    ) -> ChatResult<()> {
        let (cid, uid) = (ch.id.clone(), user_id.to_string());
        self.db
            .write_then(
                move |c| {
                    let mut out = Vec::new();
                    if store::add_member(c, &cid, &uid, "member", now_ms())? {
                        let joined = ChatEvent::MemberJoined {
                            channel_id: cid.clone(),
                            user_id: uid.clone(),
                        };
                        emit(c, Some(&cid), None, &joined, &mut out)?;
                    }
                    Ok(((), out))
                },
                self.pushed(),
            )
            .await?;
        self.announce_channel(&ch.id).await
    }

    pub async fn leave_channel(&self, actor: &Actor, id: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() {
            return Ok(());
        }
        if ch.kind == Kind::Direct {
            return Err(Error::validation("a direct message cannot be left"));
        }
        if ch.name == "town-square" && ch.team_id.is_some() {
            return Err(Error::validation(
                "everyone in the team stays in its town square",
            ));
        }
        self.remove_channel_member(&ch, &me.id).await
    }

    pub(super) async fn remove_channel_member(
        &self,
        ch: &ChannelRow,
        user_id: &str,
    ) -> ChatResult<()> {
        let (cid, uid) = (ch.id.clone(), user_id.to_string());
        self.db
            .write_then(
                move |c| {
                    let mut out = Vec::new();
                    if store::remove_member(c, &cid, &uid)? {
                        emit_left(c, &cid, &uid, &mut out)?;
                    }
                    Ok(((), out))
                },
                self.pushed(),
            )
            .await?;
        Ok(())
    }

    pub async fn add_member_by_name(
        &self,
        actor: &Actor,
        id: &str,
        username: &str,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() || matches!(ch.kind, Kind::Direct | Kind::Group) {
            return Err(forbidden("only members of this channel add people to it"));
        }
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let (tid, uid) = (ch.team_id.clone().unwrap_or_default(), target.id.clone());
        let in_team = self
            .db
            .read(move |c| store::team_role(c, &tid, &uid))
            .await?
            .is_some();
        if !in_team {
            return Err(Error::validation(format!("{username} is not in this team"))
                .with_invalid(Field::Username, Rule::Unknown));
        }
        self.add_channel_member(&ch, &target.id).await
    }

    pub async fn remove_member_by_name(
        &self,
        actor: &Actor,
        id: &str,
        username: &str,
    ) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        let target = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| not_found("no such user"))?;
        let admin = m.as_ref().is_some_and(|m| m.role == "admin");
        if !(admin || target.id == me.id) || matches!(ch.kind, Kind::Direct | Kind::Group) {
            return Err(forbidden("only channel admins remove people"));
        }
        self.remove_channel_member(&ch, &target.id).await
    }

    pub async fn channel_members(&self, actor: &Actor, id: &str) -> ChatResult<Vec<ChannelMember>> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(id, &me.id).await?;
        let rows = self
            .db
            .read(move |c| store::members_with_roles(c, &ch.id))
            .await?;
        let mut out = Vec::new();
        for (uid, role) in rows.into_iter().take(1000) {
            let online = self.online.status(&uid) != Status::Offline;
            out.push(ChannelMember {
                user: self.user(&uid).await?,
                role,
                online,
            });
        }
        Ok(out)
    }

    pub async fn set_archived(&self, actor: &Actor, id: &str, archived: bool) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (mut ch, m) = self.readable(id, &me.id).await?;
        let team_admin = self.is_team_admin(&ch, &me.id).await?;
        if !(team_admin || m.is_some_and(|m| m.role == "admin")) || ch.team_id.is_none() {
            return Err(forbidden("only channel or team admins archive a channel"));
        }
        if ch.name == "town-square" {
            return Err(Error::validation("the town square cannot be archived"));
        }
        ch.archived = archived;
        let c2 = ch.clone();
        self.db
            .write(move |c| store::update_channel(c, &c2))
            .await?;
        self.announce_channel(&ch.id).await
    }

    pub async fn view(&self, actor: &Actor, id: &str, post_id: Option<i64>) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() {
            return Ok(());
        }
        let (cid, uid) = (ch.id.clone(), me.id.clone());
        self.db
            .write_then(
                move |c| {
                    let last = store::mark_viewed(c, &cid, &uid, post_id)?;
                    let mut out = Vec::new();
                    let read = ChatEvent::Read {
                        channel_id: cid.clone(),
                        last_viewed_post: last,
                    };
                    emit(c, None, Some(&uid), &read, &mut out)?;
                    Ok(((), out))
                },
                self.pushed(),
            )
            .await?;
        self.notifier.seen(&me.id, &crate::notices::scope(&ch.id));
        Ok(())
    }

    /// My notifications in a channel: "all" messages, "mentions" (and replies to threads I
    /// follow), or "none" (muted).
    pub async fn set_notify(&self, actor: &Actor, id: &str, level: &str) -> ChatResult<()> {
        let me = Self::me(actor)?;
        let (muted, all) = match level {
            "all" => (false, true),
            "mentions" => (false, false),
            "none" => (true, false),
            _ => {
                return Err(
                    Error::validation("level: \"all\", \"mentions\" or \"none\"").with_invalid(
                        Field::Level,
                        Rule::NotOneOf {
                            allowed: vec!["all".into(), "mentions".into(), "none".into()],
                        },
                    ),
                )
            }
        };
        let (ch, m) = self.readable(id, &me.id).await?;
        if m.is_none() {
            return Err(forbidden("join the channel first"));
        }
        let uid = me.id.clone();
        let cid = ch.id.clone();
        self.db
            .write(move |c| store::set_notify(c, &cid, &uid, muted, all))
            .await?;
        self.quiet_channels.forget(&ch.id);
        Ok(())
    }
}
