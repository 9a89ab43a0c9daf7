//! Messages: pages of them, sending (mentions, files, threads), editing, deleting, reactions, pins and followed threads.

use super::*;
use nichoir_core::{Field, Rule};

impl ChatService {
    /// Posts as the API shows them (users, reactions, my reaction flags).
    pub async fn posts_view(&self, posts: &[PostRow], me: &str) -> ChatResult<Vec<Post>> {
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let (reactions, files) = self
            .db
            .read(move |c| Ok((store::reactions(c, &ids)?, store::files_of(c, &ids)?)))
            .await?;
        let mut out = Vec::with_capacity(posts.len());
        for p in posts {
            let rs: Vec<Reaction> = reactions
                .get(&p.id)
                .map(|list| {
                    list.iter()
                        .map(|r| Reaction {
                            emoji: r.emoji.clone(),
                            count: r.count,
                            users: r.users.clone(),
                            me: r.users.iter().any(|u| u == me),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let user = self.user(&p.user_id).await?;
            out.push(post_view(
                p,
                user,
                rs,
                files.get(&p.id).cloned().unwrap_or_default(),
            ));
        }
        Ok(out)
    }

    pub async fn posts(
        &self,
        actor: &Actor,
        id: &str,
        before: Option<i64>,
        after: Option<i64>,
        around: Option<i64>,
        limit: i64,
    ) -> ChatResult<Posts> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(id, &me.id).await?;
        let limit = limit.clamp(1, 200);
        let cid = ch.id.clone();
        if let Some(a) = around {
            let (mut before_rows, target, after_rows) = self
                .db
                .read(move |c| {
                    Ok((
                        store::posts_before(c, &cid, a, 26)?,
                        store::post(c, a)?,
                        store::posts_after(c, &cid, a, 26)?,
                    ))
                })
                .await?;
            let target = target
                .filter(|p| p.channel_id == ch.id)
                .ok_or_else(|| not_found("no such message in this channel"))?;
            let more_before = before_rows.len() > 25;
            let more_after = after_rows.len() > 25;
            before_rows.truncate(25);
            before_rows.reverse();
            let mut all = before_rows;
            all.push(target);
            all.extend(after_rows.into_iter().take(25));
            return Ok(Posts::Around(AroundPage {
                posts: self.posts_view(&all, &me.id).await?,
                more_before,
                more_after,
            }));
        }
        if let Some(a) = after {
            let rows = self
                .db
                .read(move |c| store::posts_after(c, &cid, a, limit + 1))
                .await?;
            let more = rows.len() as i64 > limit;
            let rows: Vec<PostRow> = rows.into_iter().take(limit as usize).collect();
            return Ok(Posts::Page(PostPage {
                posts: self.posts_view(&rows, &me.id).await?,
                more,
            }));
        }
        let before = before.unwrap_or(i64::MAX);
        let rows = self
            .db
            .read(move |c| store::posts_before(c, &cid, before, limit + 1))
            .await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<PostRow> = rows.into_iter().take(limit as usize).collect();
        Ok(Posts::Page(PostPage {
            posts: self.posts_view(&rows, &me.id).await?,
            more,
        }))
    }

    pub async fn create_post(
        &self,
        actor: &Actor,
        channel_id: &str,
        text_in: &str,
        root_id: Option<i64>,
        client_id: Option<&str>,
    ) -> ChatResult<Post> {
        self.create_post_with(
            actor,
            channel_id,
            text_in,
            root_id,
            client_id,
            &[],
            PostProps::default(),
        )
        .await
    }

    /// The members of `channel_id` that `text` mentions (by @name, @channel, or @here for those
    /// online now), its author aside.
    pub(super) async fn resolve_mentions(
        &self,
        channel_id: &str,
        text: &str,
        author: &str,
    ) -> ChatResult<Vec<String>> {
        let asked = text::mentions(text);
        let mut mentioned: Vec<String> = Vec::new();
        // Most messages mention nobody: then no read at all (the event's recipients are read
        // inside the write's transaction anyway).
        if asked.users.is_empty() && !asked.channel && !asked.here {
            return Ok(mentioned);
        }
        let cid = channel_id.to_string();
        let members = self.db.read(move |c| store::member_ids(c, &cid)).await?;
        for name in &asked.users {
            if let Some(u) = self.auth.user_by_username(name).await? {
                if members.contains(&u.id) && !mentioned.contains(&u.id) {
                    mentioned.push(u.id);
                }
            }
        }
        if asked.channel {
            mentioned.extend(
                members
                    .iter()
                    .filter(|u| !mentioned.contains(u))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        } else if asked.here {
            let online: Vec<String> = members
                .iter()
                .filter(|u| self.online.status(u) == Status::Online && !mentioned.contains(u))
                .cloned()
                .collect();
            mentioned.extend(online);
        }
        mentioned.retain(|u| u != author);
        Ok(mentioned)
    }

    /// A message with files already uploaded to the channel and extra props (webhooks).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_post_with(
        &self,
        actor: &Actor,
        channel_id: &str,
        text_in: &str,
        root_id: Option<i64>,
        client_id: Option<&str>,
        file_ids: &[String],
        props: PostProps,
    ) -> ChatResult<Post> {
        let me = Self::me(actor)?.clone();
        if file_ids.len() > 10 {
            return Err(Error::validation("file_ids: at most 10 files per message")
                .with_invalid(Field::FileIds, Rule::TooMany { max: 10 }));
        }
        let text = if file_ids.is_empty() || !text_in.trim().is_empty() {
            text::post_text(text_in)?
        } else {
            String::new()
        };
        let props_text = serde_json::to_string(&props).map_err(Error::internal)?;
        let files: Vec<String> = file_ids.to_vec();
        if client_id.is_some_and(|c| c.len() > 64) {
            return Err(Error::invalid(Field::ClientId, Rule::TooLong { max: 64 }));
        }
        let html = render_post(&text).await?;
        let mentioned = self.resolve_mentions(channel_id, &text, &me.id).await?;
        let chid2 = channel_id.to_string();
        let (uid, client) = (me.id.clone(), client_id.map(str::to_string));
        // The new post and its event go in one transaction: the event carries the post as
        // everyone sees it (no reactions yet; its author as cached). Whether the author may
        // write there is checked in that same transaction rather than by a read before it: one
        // trip to the database per message instead of two, and no window between the check and
        // the write.
        let author = self.user(&me.id).await?;
        let event_client = client_id.map(str::to_string);
        let written = self
            .db
            .write_then(
                move |c| {
                    may_post(c, &chid2, &uid)?;
                    let now = now_ms();
                    if let Some(cl) = &client {
                        if let Some(p) = store::post_by_client_id(c, &uid, cl, now - 60_000)? {
                            return Ok(((p, None), Vec::new()));
                        }
                    }
                    if let Some(r) = root_id {
                        match store::post(c, r)? {
                            Some(root)
                                if root.channel_id == chid2
                                    && root.root_id.is_none()
                                    && !root.deleted => {}
                            _ => {
                                return Err(Error::validation(
                                    "root_id: not a message of this channel",
                                )
                                .with_invalid(Field::RootId, Rule::Unknown)
                                .into())
                            }
                        }
                    }
                    let id = store::insert_post(
                        c,
                        &store::NewPost {
                            channel_id: &chid2,
                            user_id: &uid,
                            root_id,
                            text: &text,
                            html: &html,
                            mentions: &mentioned,
                            client_id: client.as_deref(),
                            props: &props_text,
                            now,
                        },
                    )?;
                    for f in &files {
                        if !store::attach_file(c, f, &chid2, &uid, id)? {
                            return Err(Error::validation(format!(
                                "file_ids: {f} is not a file you uploaded to this channel"
                            ))
                            .with_invalid(Field::FileIds, Rule::Unknown)
                            .into());
                        }
                    }
                    store::saw_own_post(c, &chid2, &uid, id)?;
                    store::add_mentions(c, &chid2, &mentioned)?;
                    if let Some(r) = root_id {
                        if let Some(root) = store::post(c, r)? {
                            store::follow_if_new(c, &root.user_id, r, &chid2)?;
                        }
                        store::follow_if_new(c, &uid, r, &chid2)?;
                        for u in &mentioned {
                            store::follow_if_new(c, u, r, &chid2)?;
                        }
                        store::bump_thread(c, r, &uid, &mentioned)?;
                    }
                    let Some(p) = store::post(c, id)? else {
                        return Err(Error::internal("the new message vanished").into());
                    };
                    // Most messages carry no file: no query for them.
                    let files = if files.is_empty() {
                        Vec::new()
                    } else {
                        store::files_of(c, &[id])?.remove(&id).unwrap_or_default()
                    };
                    let pj = post_view(&p, author, Vec::new(), files);
                    let mut out = Vec::new();
                    let posted = ChatEvent::Posted {
                        post: pj.clone(),
                        client_id: event_client,
                    };
                    emit(c, Some(&chid2), None, &posted, &mut out)?;
                    Ok(((p, Some(pj)), out))
                },
                self.pushed(),
            )
            .await?;
        let (post, fresh) = written;
        match fresh {
            Some(pj) => {
                // A call card rings on its own (`calls.rs`).
                if post.props.call.is_none() {
                    self.notify_posted(
                        post.id,
                        channel_id,
                        root_id,
                        (&me.id, &me.display_name),
                        &post.text,
                        post.mentions.clone(),
                        false,
                    );
                }
                Ok(pj)
            }
            // A resend of a message already stored: the same post, no second event.
            None => self.post_view_of(&post, &me.id).await,
        }
    }

    pub(super) async fn own_post(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ChatResult<(PostRow, ChannelRow, Option<MemberRow>)> {
        let me = Self::me(actor)?;
        let p = self
            .db
            .read(move |c| store::post(c, id))
            .await?
            .ok_or_else(|| not_found("no such message"))?;
        let (ch, m) = self
            .readable(&p.channel_id, &me.id)
            .await
            .map_err(|_| not_found("no such message"))?;
        Ok((p, ch, m))
    }

    /// One post as the API shows it to `me`.
    pub(super) async fn post_view_of(&self, p: &PostRow, me: &str) -> ChatResult<Post> {
        self.posts_view(std::slice::from_ref(p), me)
            .await?
            .pop()
            .ok_or_else(|| Error::internal("a message without its view"))
    }

    pub(super) async fn announce_post(
        &self,
        kind: Announce,
        post_id: i64,
        me: &str,
    ) -> ChatResult<()> {
        let p = self
            .db
            .read(move |c| store::post(c, post_id))
            .await?
            .ok_or_else(|| not_found("no such message"))?;
        let pj = self.post_view_of(&p, me).await?;
        let event = match kind {
            Announce::Deleted => ChatEvent::PostDeleted {
                post_id: p.id,
                channel_id: p.channel_id.clone(),
                root_id: p.root_id,
            },
            Announce::Reaction => ChatEvent::Reaction {
                post_id: p.id,
                channel_id: p.channel_id.clone(),
                reactions: pj.reactions,
            },
            Announce::Pinned => ChatEvent::Pinned {
                post_id: p.id,
                channel_id: p.channel_id.clone(),
                pinned: p.pinned,
            },
            Announce::Edited => ChatEvent::PostEdited { post: pj },
        };
        self.publish(Some(p.channel_id), None, event).await
    }

    pub async fn get_post(&self, actor: &Actor, id: i64) -> ChatResult<Post> {
        let (p, _, _) = self.own_post(actor, id).await?;
        self.post_view_of(&p, actor.id()).await
    }

    pub async fn edit_post(&self, actor: &Actor, id: i64, text_in: &str) -> ChatResult<Post> {
        let (p, ch, _) = self.own_post(actor, id).await?;
        if p.user_id != actor.id() {
            return Err(forbidden("only its author edits a message"));
        }
        if p.deleted || ch.archived {
            return Err(Error::new(
                ErrorCode::Conflict,
                "this message can no longer be edited",
            ));
        }
        let text = text::post_text(text_in)?;
        let html = render_post(&text).await?;
        // Who the new text mentions; those it did not mention before are told, as for a new
        // message (an edit that only fixes a typo tells nobody again).
        let mentions = self.resolve_mentions(&ch.id, &text, actor.id()).await?;
        let added: Vec<String> = mentions
            .iter()
            .filter(|u| !p.mentions.contains(u))
            .cloned()
            .collect();
        let (cid, counted, stored) = (ch.id.clone(), added.clone(), mentions);
        self.db
            .write(move |c| {
                store::update_post_text(c, id, &text, &html, &stored, now_ms())?;
                store::add_mentions(c, &cid, &counted)?;
                Ok(())
            })
            .await?;
        self.announce_post(Announce::Edited, id, actor.id()).await?;
        let post = self.get_post(actor, id).await?;
        if !added.is_empty() {
            let me = Self::me(actor)?;
            self.notify_posted(
                id,
                &ch.id,
                None,
                (&me.id, &me.display_name),
                &post.text,
                added,
                true,
            );
        }
        Ok(post)
    }

    pub async fn delete_post(&self, actor: &Actor, id: i64) -> ChatResult<()> {
        let (p, ch, m) = self.own_post(actor, id).await?;
        let admin = m.is_some_and(|m| m.role == "admin");
        if p.user_id != actor.id() && !admin {
            return Err(forbidden(
                "only its author or a channel admin deletes a message",
            ));
        }
        if ch.archived {
            return Err(Error::new(
                ErrorCode::Conflict,
                "this channel is archived: it is read-only",
            ));
        }
        if p.deleted {
            return Ok(());
        }
        let unused = self
            .db
            .write(move |c| store::mark_post_deleted(c, &p))
            .await?;
        self.drop_files(&unused).await;
        self.announce_post(Announce::Deleted, id, actor.id()).await
    }

    pub async fn thread(&self, actor: &Actor, id: i64) -> ChatResult<Thread> {
        let (p, _, _) = self.own_post(actor, id).await?;
        let root_id = p.root_id.unwrap_or(p.id);
        let uid = actor.id().to_string();
        let (root, replies, following) = self
            .db
            .read(move |c| {
                Ok((
                    store::post(c, root_id)?,
                    store::replies(c, root_id)?,
                    store::is_following(c, &uid, root_id)?,
                ))
            })
            .await?;
        let root = root.ok_or_else(|| not_found("no such message"))?;
        Ok(Thread {
            root: self.post_view_of(&root, actor.id()).await?,
            replies: self.posts_view(&replies, actor.id()).await?,
            following,
        })
    }

    pub async fn react(&self, actor: &Actor, id: i64, emoji_in: &str, on: bool) -> ChatResult<()> {
        let (p, ch, m) = self.own_post(actor, id).await?;
        if m.is_none() || p.deleted || ch.archived {
            return Err(forbidden("you cannot react to this message"));
        }
        let emoji = normalize_emoji(emoji_in).ok_or_else(|| {
            Error::validation("emoji: an emoji such as 👍 or a shortcode such as thumbsup")
                .with_invalid(
                    Field::Emoji,
                    Rule::BadFormat {
                        example: Some("👍".into()),
                    },
                )
        })?;
        let uid = actor.id().to_string();
        self.db
            .write(move |c| store::set_reaction(c, id, &uid, &emoji, on, now_ms()))
            .await?;
        self.announce_post(Announce::Reaction, id, actor.id()).await
    }

    pub async fn pin(&self, actor: &Actor, id: i64, pinned: bool) -> ChatResult<()> {
        let (p, ch, m) = self.own_post(actor, id).await?;
        if m.is_none() || p.deleted || ch.archived {
            return Err(forbidden("you cannot pin this message"));
        }
        self.db
            .write(move |c| store::set_pinned(c, id, pinned))
            .await?;
        self.announce_post(Announce::Pinned, id, actor.id()).await
    }

    pub async fn pinned(&self, actor: &Actor, channel_id: &str) -> ChatResult<Vec<Post>> {
        let me = Self::me(actor)?;
        let (ch, _) = self.readable(channel_id, &me.id).await?;
        let rows = self.db.read(move |c| store::pinned(c, &ch.id)).await?;
        self.posts_view(&rows, &me.id).await
    }

    pub async fn follow(&self, actor: &Actor, id: i64, following: bool) -> ChatResult<()> {
        let (p, _, m) = self.own_post(actor, id).await?;
        if m.is_none() {
            return Err(forbidden("join the channel first"));
        }
        let (root, uid, cid) = (
            p.root_id.unwrap_or(p.id),
            actor.id().to_string(),
            p.channel_id.clone(),
        );
        self.db
            .write(move |c| store::follow(c, &uid, root, &cid, following))
            .await?;
        Ok(())
    }

    pub async fn thread_viewed(&self, actor: &Actor, id: i64) -> ChatResult<()> {
        let (p, _, _) = self.own_post(actor, id).await?;
        let (root, uid) = (p.root_id.unwrap_or(p.id), actor.id().to_string());
        self.db
            .write(move |c| store::thread_viewed(c, &uid, root))
            .await?;
        Ok(())
    }

    pub async fn threads(&self, actor: &Actor, team: &str) -> ChatResult<Vec<FollowedThread>> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(team, &me.id).await?;
        let (uid, tid) = (me.id.clone(), team.id.clone());
        let rows = self
            .db
            .read(move |c| store::followed_threads(c, &uid, &tid))
            .await?;
        let mut out = Vec::new();
        for (p, unread, mentions) in rows {
            out.push(FollowedThread {
                root: self.post_view_of(&p, &me.id).await?,
                channel_id: p.channel_id.clone(),
                reply_count: p.reply_count,
                unread_replies: unread,
                unread_mentions: mentions,
                last_reply_at: p.last_reply_at.map(rfc3339),
            });
        }
        Ok(out)
    }
}
