//! The timeslider and history: the text at a revision, the current text, authors, revisions.

use super::*;

impl PadService {
    /// The text and authorship as they were at `rev` (the timeslider).
    pub async fn at_revision(
        &self,
        pad_id: &str,
        rev: u64,
    ) -> Result<(String, Authorship), PadError> {
        let (info, _) = self.find(pad_id).await?;
        if rev > info.rev {
            return Err(PadError::RevFromFuture(rev));
        }
        let key = info.id.clone();
        let (snap, text, auth, tail) = self
            .db
            .read(move |c| {
                let (snap, text, auth, _) = store::snapshot_at(c, &key, rev)?;
                let tail = store::revisions_between(c, &key, snap, rev)?;
                Ok((snap, text, auth, tail))
            })
            .await?;
        let _ = snap;
        replay(text, auth, &tail).map_err(|e| PadError::Other(Error::internal(e)))
    }

    pub async fn current_text(&self, pad_id: &str) -> Result<(String, u64), PadError> {
        let (info, _) = self.find(pad_id).await?;
        if let Some(node) = owner::route(self, &info.id).await? {
            let v = owner::forward(self, node, owner::Call::Text { pad: info.id }).await?;
            return match (v[0].as_str(), v[1].as_u64()) {
                (Some(text), Some(rev)) => Ok((text.to_string(), rev)),
                _ => Err(Error::internal("owner's answer without text").into()),
            };
        }
        self.current_text_here(&info.id).await
    }

    /// `current_text` on the node that owns the pad (`pad_id`: its edit id).
    pub(crate) async fn current_text_here(&self, pad_id: &str) -> Result<(String, u64), PadError> {
        self.with_pad(pad_id, async |p| Ok((p.text.clone(), p.info.rev)))
            .await
    }

    pub async fn authors(&self, pad_id: &str) -> Result<Vec<Author>, PadError> {
        let key = pad_id.to_string();
        Ok(self.db.read(move |c| store::authors(c, &key)).await?)
    }

    pub async fn revisions(
        &self,
        pad_id: &str,
        before: Option<u64>,
        limit: u64,
    ) -> Result<Vec<RevisionInfo>, PadError> {
        let (info, _) = self.find(pad_id).await?;
        let before = before.unwrap_or(info.rev + 1);
        let key = info.id;
        Ok(self
            .db
            .read(move |c| store::revision_list(c, &key, before, limit.clamp(1, 1000)))
            .await?)
    }
}
