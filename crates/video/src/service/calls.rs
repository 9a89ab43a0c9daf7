//! Calls in memory and the signalling frames of their participants: one frame handled, a
//! refused frame answered with an `error`.

use super::*;

impl VideoService {
    pub(super) async fn call_for(&self, room: &str) -> VideoResult<Arc<Call>> {
        if let Some(c) = self.calls.lock().get(room).cloned() {
            return Ok(c);
        }
        let row = self.load(room).await?;
        let mut calls = self.calls.lock();
        Ok(calls
            .entry(room.to_string())
            .or_insert_with(|| {
                Arc::new(Call {
                    room_id: room.to_string(),
                    state: Mutex::new(CallState {
                        room: row,
                        participants: Vec::new(),
                        lobby: Vec::new(),
                    }),
                })
            })
            .clone())
    }

    /// Forgets a call nobody is in or waiting for.
    pub(super) fn drop_if_empty(&self, call: &Arc<Call>) {
        let mut calls = self.calls.lock();
        let empty = {
            let s = call.state.lock();
            s.participants.is_empty() && s.lobby.is_empty()
        };
        if empty
            && calls
                .get(&call.room_id)
                .is_some_and(|c| Arc::ptr_eq(c, call))
        {
            calls.remove(&call.room_id);
        }
    }

    /// One frame from the socket `conn` of `caller` (at address `ip`) on `video:{room}`.
    pub async fn handle(
        &self,
        room: &str,
        conn: ConnId,
        caller: &Caller,
        ip: &str,
        frame: ClientFrame,
    ) -> VideoResult<()> {
        if let ClientFrame::Join {
            name,
            password,
            resume,
        } = frame
        {
            return self
                .join(room, conn, caller, ip, name, password, resume)
                .await;
        }
        let call = self
            .calls
            .lock()
            .get(room)
            .cloned()
            .ok_or_else(|| VideoError::Invalid("join the call first".into()))?;
        if let ClientFrame::Leave {} = frame {
            self.leave_lobby(&call, conn);
            if let Some(p) = call.by_conn(conn) {
                self.remove(&call, &p, None).await;
            }
            self.drop_if_empty(&call);
            return Ok(());
        }
        let me = call
            .by_conn(conn)
            .ok_or_else(|| VideoError::Invalid("join the call first".into()))?;
        match frame {
            ClientFrame::Join { .. } | ClientFrame::Leave {} => Ok(()),
            ClientFrame::Answer { sdp } => match me.link() {
                Some(link) => link.answer(sdp).await,
                None => Err(VideoError::Invalid(
                    "no offer is waiting for an answer".into(),
                )),
            },
            ClientFrame::Candidate { candidate } => match me.link() {
                Some(link) => link.candidate(candidate).await,
                None => Ok(()),
            },
            ClientFrame::Media {
                audio,
                video,
                screen,
            } => {
                let started_screen = {
                    let mut v = me.view.lock();
                    let started = screen && !v.screen;
                    v.audio = audio;
                    v.video = video;
                    v.screen = screen;
                    started
                };
                if started_screen {
                    if let Some(p) = me.link().and_then(|l| l.published_source(Source::Screen)) {
                        p.request_keyframe().await;
                    }
                }
                self.announce_participant(&call, &me, None);
                Ok(())
            }
            ClientFrame::Hand { raised } => {
                me.view.lock().hand = raised;
                self.announce_participant(&call, &me, None);
                Ok(())
            }
            ClientFrame::Quality { level } => {
                let changed = {
                    let mut v = me.view.lock();
                    let changed = v.quality != level;
                    v.quality = level;
                    changed
                };
                if changed {
                    self.announce_participant(&call, &me, None);
                }
                Ok(())
            }
            ClientFrame::Chat { text, to } => {
                let from = ChatAuthor {
                    id: me.id.clone(),
                    name: me.view.lock().name.clone(),
                };
                let at = rfc3339(now_ms());
                let text = text.trim().to_string();
                match to {
                    None => {
                        let frame = ServerFrame::Chat {
                            from,
                            text,
                            at,
                            private: false,
                            to: None,
                        };
                        self.to_participants(&call, &frame, None);
                    }
                    Some(to) => {
                        let target = call
                            .by_id(&to)
                            .ok_or_else(|| VideoError::Invalid("no such participant".into()))?;
                        let frame = ServerFrame::Chat {
                            from,
                            text,
                            at,
                            private: true,
                            to: Some(to),
                        };
                        target.outbox.send(&frame);
                        if target.id != me.id {
                            me.outbox.send(&frame);
                        }
                    }
                }
                Ok(())
            }
            ClientFrame::Pause {
                participant,
                source,
                paused,
            } => {
                let sink = me
                    .link()
                    .and_then(|l| l.sink(&participant, source))
                    .ok_or_else(|| VideoError::Invalid("no such track is sent to you".into()))?;
                let was = sink.is_paused();
                sink.set_paused(paused);
                if was && !paused {
                    sink.request_keyframe().await;
                }
                Ok(())
            }
            ClientFrame::Admit { id } => {
                self.require_mod(&me)?;
                let knock = self.take_knock(&call, &id)?;
                self.enter(&call, knock).await
            }
            ClientFrame::Reject { id } => {
                self.require_mod(&me)?;
                let knock = self.take_knock(&call, &id)?;
                self.send_to_conn(
                    room,
                    knock.conn,
                    &ServerFrame::Denied {
                        reason: Denied::Rejected,
                    },
                );
                Ok(())
            }
            ClientFrame::Mute { id } => {
                self.require_mod(&me)?;
                let target = call
                    .by_id(&id)
                    .ok_or_else(|| VideoError::Invalid("no such participant".into()))?;
                target.view.lock().audio = false;
                let by = me.view.lock().name.clone();
                target.outbox.send(&ServerFrame::Muted { by });
                self.announce_participant(&call, &target, None);
                Ok(())
            }
            ClientFrame::Remove { id } => {
                self.require_mod(&me)?;
                let target = call
                    .by_id(&id)
                    .ok_or_else(|| VideoError::Invalid("no such participant".into()))?;
                self.remove(&call, &target, Some(Denied::Removed)).await;
                Ok(())
            }
            ClientFrame::Lock { locked } => {
                self.require_mod(&me)?;
                let mut row = call.state.lock().room.clone();
                row.locked = locked;
                self.save_settings(&row).await
            }
        }
    }

    fn require_mod(&self, p: &Participant) -> VideoResult<()> {
        if p.moderator {
            Ok(())
        } else {
            Err(VideoError::NotModerator)
        }
    }

    /// One frame published on `video:{room}`, handled on the SFU's runtime; a refused frame
    /// gets an `error` event on the topic and changes nothing.
    pub(crate) async fn take_frame(
        self: &Arc<Self>,
        room: &str,
        conn: ConnId,
        caller: Caller,
        ip: String,
        data: Value,
    ) {
        let result = match ClientFrame::parse(data) {
            Ok(frame) => {
                let (svc, room) = (self.clone(), room.to_string());
                match self
                    .on_media(async move { svc.handle(&room, conn, &caller, &ip, frame).await })
                    .await
                {
                    Ok(r) => r,
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            self.refused(room, conn, e.into());
        }
    }

    /// Tells socket `conn` that its frame on `video:{room}` was refused.
    pub(crate) fn refused(&self, room: &str, conn: ConnId, e: Error) {
        self.send_to_conn(
            room,
            conn,
            &ServerFrame::Error {
                code: e.code,
                message: e.message,
            },
        );
    }
}
