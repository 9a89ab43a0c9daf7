//! Joining a call: admission (capacity, password, lock, lobby), entering, the welcome.

use super::*;

impl VideoService {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn join(
        &self,
        room: &str,
        conn: ConnId,
        caller: &Caller,
        ip: &str,
        name: String,
        password: Option<String>,
        resume: Option<String>,
    ) -> VideoResult<()> {
        let call = self.call_for(room).await?;
        let result = self
            .join_call(&call, conn, caller, ip, name, password, resume)
            .await;
        self.drop_if_empty(&call);
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn join_call(
        &self,
        call: &Arc<Call>,
        conn: ConnId,
        caller: &Caller,
        ip: &str,
        name: String,
        password: Option<String>,
        resume: Option<String>,
    ) -> VideoResult<()> {
        let name = room::check_display_name(&name)?;
        if let Some(token) = resume.filter(|t| !t.is_empty()) {
            let found = call.participants().into_iter().find(|p| {
                p.actor_id == caller.id && bool::from(p.resume.as_bytes().ct_eq(token.as_bytes()))
            });
            // Also on the socket already in the call: after media_failed, a new peer connection.
            if let Some(p) = found {
                return self.resume(call, &p, conn).await;
            }
            // An expired resume token: join as someone new.
        }
        if call.by_conn(conn).is_some() || call.state.lock().lobby.iter().any(|k| k.conn == conn) {
            return Err(VideoError::Invalid(
                "this connection is already in the call".into(),
            ));
        }
        let row = call.state.lock().room.clone();
        let moderator = is_moderator(&row, &caller.id, caller.admin);
        let password_ok = match (&row.password_hash, moderator) {
            (Some(hash), false) => match password.filter(|p| !p.is_empty()) {
                Some(p) => self.auth.verify_secret_from(ip, p, hash.clone()).await?,
                None => false,
            },
            _ => true,
        };
        let in_call = call.state.lock().participants.len();
        let knock = Knock {
            id: format!("p{}", random_token(9)),
            conn,
            actor_id: caller.id.clone(),
            user_id: caller.user_id.clone(),
            name,
            moderator,
        };
        match admission(&row, in_call, moderator, password_ok) {
            Admission::Deny(reason) => {
                self.send_to_conn(&call.room_id, conn, &ServerFrame::Denied { reason });
                Ok(())
            }
            Admission::Wait => {
                let frame = ServerFrame::Knock {
                    participant: Knocker {
                        id: knock.id.clone(),
                        name: knock.name.clone(),
                    },
                };
                let knocker = knock.user_id.clone().unwrap_or_default();
                let name = knock.name.clone();
                call.state.lock().lobby.push(knock);
                self.send_to_conn(&call.room_id, conn, &ServerFrame::Waiting);
                self.to_moderators(call, &frame);
                // The owner hears of it even with the room closed (not when they knock).
                if knocker != row.owner_id {
                    self.notifier.notify(vec![nichoir_core::notify::Notice {
                        user_id: row.owner_id.clone(),
                        kind: nichoir_core::notify::Kind::LobbyKnock,
                        scope: format!("video:{}", row.id),
                        title: format!("{name} · {}", row.title),
                        body: String::new(),
                        url: format!("/video/{}", row.id),
                        actor_id: None,
                    }]);
                }
                Ok(())
            }
            Admission::Enter => self.enter(call, knock).await,
        }
    }

    /// Puts someone in the call: their peer connection, everything the others publish forwarded
    /// to them, and the first offer.
    pub(super) async fn enter(&self, call: &Arc<Call>, who: Knock) -> VideoResult<()> {
        let moderator = who.moderator;
        let p = Arc::new(Participant {
            id: who.id.clone(),
            actor_id: who.actor_id.clone(),
            user_id: who.user_id.clone(),
            moderator,
            resume: random_token(24),
            view: Mutex::new(ParticipantView {
                id: who.id.clone(),
                name: who.name.clone(),
                user_id: who.user_id.clone(),
                moderator,
                audio: true,
                video: true,
                screen: false,
                hand: false,
                quality: Quality::Unknown,
                connected: true,
            }),
            outbox: Arc::new(Outbox::new(
                self.hub.clone(),
                topic_of(&call.room_id),
                who.conn,
            )),
            link: Mutex::new(None),
            generation: AtomicU64::new(0),
        });
        {
            let mut s = call.state.lock();
            if s.participants.len() >= s.room.capacity as usize {
                drop(s);
                self.send_to_conn(
                    &call.room_id,
                    who.conn,
                    &ServerFrame::Denied {
                        reason: Denied::Full,
                    },
                );
                return Ok(());
            }
            s.participants.push(p.clone());
        }
        self.welcome(&p, call, moderator);
        if let Err(e) = self.attach(call, &p).await {
            self.remove(call, &p, None).await;
            return Err(e);
        }
        self.to_participants(
            call,
            &ServerFrame::ParticipantJoined {
                participant: p.view(),
            },
            Some(&p.id),
        );
        self.announce_room(&call.room_id);
        let room_id = call.room_id.clone();
        let now = now_ms();
        if let Err(e) = self.db.write(move |c| store::touch(c, &room_id, now)).await {
            tracing::debug!("video: last use not recorded: {e}");
        }
        Ok(())
    }

    pub(super) fn welcome(&self, p: &Participant, call: &Call, moderator: bool) {
        let servers = self.ice_servers_for(&p.actor_id);
        p.outbox.send(&ServerFrame::Joined {
            me: p.view(),
            resume: p.resume.clone(),
            moderator,
            ice_servers: servers,
            participants: call.participants().iter().map(|q| q.view()).collect(),
        });
        if moderator {
            let knocks: Vec<ServerFrame> = call
                .state
                .lock()
                .lobby
                .iter()
                .map(|k| ServerFrame::Knock {
                    participant: Knocker {
                        id: k.id.clone(),
                        name: k.name.clone(),
                    },
                })
                .collect();
            for k in knocks {
                p.outbox.send(&k);
            }
        }
    }
}
