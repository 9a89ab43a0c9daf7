//! Rooms over HTTP: creating, reading, changing and deleting them; a deleted room's call ends.

use super::*;

impl VideoService {
    pub(super) async fn load(&self, id: &str) -> VideoResult<RoomRow> {
        let id = id.to_string();
        self.db
            .read(move |c| store::get(c, &id))
            .await?
            .ok_or(VideoError::NotFound)
    }

    pub(crate) fn in_call(&self, id: &str) -> usize {
        self.calls
            .lock()
            .get(id)
            .map(|c| c.state.lock().participants.len())
            .unwrap_or(0)
    }

    pub(super) fn view_for(&self, row: &RoomRow, actor_id: &str, admin: bool) -> RoomView {
        RoomView {
            id: row.id.clone(),
            title: row.title.clone(),
            protected: row.protected(),
            lobby: row.lobby,
            capacity: row.capacity,
            locked: row.locked,
            participants: self.in_call(&row.id),
            owner: row.owner_id == actor_id,
            moderator: is_moderator(row, actor_id, admin),
            created_at: rfc3339(row.created_at),
            url: self.room_url(&row.id),
        }
    }

    fn max_capacity(&self) -> u32 {
        u32::try_from(self.config.max_participants).unwrap_or(12)
    }

    pub async fn create(&self, actor: &Actor, body: NewRoom) -> VideoResult<RoomView> {
        self.auth.may_create(actor, "video rooms")?;
        let title = room::check_title(body.title.as_deref().unwrap_or(""))?;
        let capacity = room::check_capacity(
            body.capacity.unwrap_or(self.max_capacity()),
            self.max_capacity(),
        )?;
        let chosen = match body.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => {
                room::check_name(n)?;
                Some(n.to_string())
            }
            _ => None,
        };
        let password_hash = match body.password.as_deref() {
            Some(p) if !p.is_empty() => {
                room::check_password(p)?;
                Some(self.auth.hash_secret(p.to_string()).await?)
            }
            _ => None,
        };
        let row = RoomRow {
            id: chosen.clone().unwrap_or_else(room::random_name),
            title,
            owner_id: actor.id().to_string(),
            password_hash,
            lobby: body.lobby,
            capacity,
            locked: false,
            created_at: now_ms(),
        };
        let is_user = actor.as_user().is_some();
        let stored = row.clone();
        let result = self
            .db
            .write(move |c| store::insert(c, &stored, is_user))
            .await;
        match result {
            Ok(()) => {}
            Err(e) if is_unique_violation(&e) => return Err(VideoError::NameTaken),
            Err(e) => return Err(e.into()),
        }
        Ok(self.view_for(&row, actor.id(), false))
    }

    /// The room under a name that something else of the site derives (a poll's meeting): created
    /// with default settings by the first caller, who owns it, and given as it is to everyone after.
    /// `true` when this call created it.
    pub async fn open_named(
        &self,
        actor: &Actor,
        name: &str,
        title: Option<String>,
    ) -> VideoResult<(RoomView, bool)> {
        // An existing room is joined, whoever may not create one.
        if let Ok(view) = self.get(name, Some(actor)).await {
            return Ok((view, false));
        }
        let new = NewRoom {
            name: Some(name.to_string()),
            title,
            ..NewRoom::default()
        };
        match self.create(actor, new).await {
            Ok(view) => Ok((view, true)),
            Err(VideoError::NameTaken) => Ok((self.get(name, Some(actor)).await?, false)),
            Err(e) => Err(e),
        }
    }

    pub async fn get(&self, id: &str, actor: Option<&Actor>) -> VideoResult<RoomView> {
        let row = self.load(id).await?;
        Ok(match actor {
            Some(a) => self.view_for(&row, a.id(), a.require_admin().is_ok()),
            None => self.view_for(&row, "", false),
        })
    }

    /// A room's page: as `get`, with the people in its call counted wherever it runs (in a
    /// cluster, another node may hold it).
    pub async fn page(&self, id: &str, actor: Option<&Actor>) -> VideoResult<RoomView> {
        let mut view = self.get(id, actor).await?;
        view.participants = crate::owner::people_in(self, id).await;
        Ok(view)
    }

    /// Of `ids`, the rooms that exist, as (id, title), in one query: anyone who knows a room's
    /// name may open its page (a password or a lobby guards the call, not the room).
    pub async fn existing(&self, ids: Vec<String>) -> VideoResult<Vec<(String, String)>> {
        Ok(self.db.read(move |c| store::existing(c, &ids)).await?)
    }

    /// My rooms, each with the people in its call counted wherever it runs.
    pub async fn mine(&self, actor: &Actor) -> VideoResult<Vec<RoomView>> {
        let mut rooms = self.owned_by(actor.id()).await?;
        for r in rooms.iter_mut() {
            r.participants = crate::owner::people_in(self, &r.id).await;
        }
        Ok(rooms)
    }

    /// The rooms `owner` (an actor id) created, as their owner sees them.
    pub async fn owned_by(&self, owner: &str) -> VideoResult<Vec<RoomView>> {
        let id = owner.to_string();
        let rows = self.db.read(move |c| store::list_by_owner(c, &id)).await?;
        Ok(rows
            .iter()
            .map(|r| self.view_for(r, owner, false))
            .collect())
    }

    async fn require_moderator(&self, id: &str, actor: &Actor) -> VideoResult<RoomRow> {
        let row = self.load(id).await?;
        if !is_moderator(&row, actor.id(), actor.require_admin().is_ok()) {
            return Err(VideoError::NotModerator);
        }
        Ok(row)
    }

    pub async fn patch(&self, id: &str, actor: &Actor, patch: RoomPatch) -> VideoResult<RoomView> {
        let mut row = self.require_moderator(id, actor).await?;
        if let Some(t) = &patch.title {
            row.title = room::check_title(t)?;
        }
        if let Some(c) = patch.capacity {
            row.capacity = room::check_capacity(c, self.max_capacity())?;
        }
        if let Some(l) = patch.lobby {
            row.lobby = l;
        }
        if let Some(l) = patch.locked {
            row.locked = l;
        }
        match patch.password.as_deref() {
            Some("") => row.password_hash = None,
            Some(p) => {
                room::check_password(p)?;
                row.password_hash = Some(self.auth.hash_secret(p.to_string()).await?);
            }
            None => {}
        }
        self.save_settings(&row).await?;
        Ok(self.view_for(&row, actor.id(), actor.require_admin().is_ok()))
    }

    pub(super) async fn save_settings(&self, row: &RoomRow) -> VideoResult<()> {
        let stored = row.clone();
        self.db.write(move |c| store::update(c, &stored)).await?;
        let call = self.calls.lock().get(&row.id).cloned();
        if let Some(call) = call {
            call.state.lock().room = row.clone();
        }
        self.announce_room(&row.id);
        Ok(())
    }

    pub async fn delete(&self, id: &str, actor: &Actor) -> VideoResult<()> {
        self.require_moderator(id, actor).await?;
        let room_id = id.to_string();
        self.db.write(move |c| store::delete(c, &room_id)).await?;
        self.end_and_forget(id).await;
        Ok(())
    }

    /// After a room's row is gone: its call ends, and whoever still follows it stops.
    pub(super) async fn end_and_forget(&self, id: &str) {
        // Its name may be taken again at once: stars must not pass to the new room.
        if let Err(e) = self.auth.forget_deleted_item("video_room", id, None).await {
            tracing::warn!(error = %e.message, room = id, "favourites of a deleted room kept");
        }
        let call = self.calls.lock().remove(id);
        if let Some(call) = call {
            let me = self.me.clone();
            self.spawn(async move {
                if let Some(svc) = me.upgrade() {
                    svc.end_call(call).await;
                }
            });
        }
        self.hub.reauthorize(&topic_of(id)).await;
    }

    async fn end_call(&self, call: Arc<Call>) {
        let topic = topic_of(&call.room_id);
        let knocks: Vec<Knock> = std::mem::take(&mut call.state.lock().lobby);
        for k in knocks {
            self.hub.send_event_to(
                k.conn,
                &topic,
                &ServerFrame::Denied {
                    reason: Denied::Ended,
                }
                .to_value(),
            );
        }
        for p in call.participants() {
            self.remove(&call, &p, Some(Denied::Ended)).await;
        }
    }
}
