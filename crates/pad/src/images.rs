//! Images in pads: pasted, dropped or chosen in the editor, which writes `![name](url)` into the
//! text. The URL is a path of this instance, `/api/v1/pads/{read-only id}/images/{image id}`:
//! the read-only id, since the text is shown to read-only viewers and must not hand them the
//! edit id. An image is checked (its bytes must be the PNG, JPEG, GIF or WebP it claims to be),
//! cleaned of its metadata (the GPS position of a photo) as wiki attachments are, counted in its
//! uploader's storage quota, and stored among the uploads (`nichoir_storage::Blobs`, the data
//! folder or S3) as `pad/<read-only id>/<sha256>`. It is served with the pad's read rights
//! (password included) and goes with the pad, or alone when the person who added it or the
//! pad's creator deletes it.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use nichoir_auth::Actor;
use nichoir_core::ids::random_token;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};
use nichoir_storage::{Blobs, Db};
use schemars::JsonSchema;
use serde::Serialize;
use ts_rs::TS;

use crate::images_store::{self, ImageRow};
use crate::model::PadInfo;
use crate::service::{PadError, PadService};

/// The types a pad shows: what browsers draw that cannot carry a script (no SVG).
pub const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The most bytes of images an HTML export writes in; the images past it stay links to their
/// address on this instance (a pad of 200 photos would otherwise be a download of gigabytes).
const EMBED_BUDGET: usize = 64 * 1024 * 1024;

/// Where pad images are kept, given by the composition (`PadService::with_images`).
pub(crate) struct ImageHome {
    blobs: Blobs,
    max_pixels: u64,
    /// One lock per pad with an image being added or deleted. Files are named by their bytes,
    /// an add writes the file then the row and a delete removes the row then the file: without
    /// it, a delete between an add's file and its row (the same bytes uploaded again) would
    /// take the file the new row names. Held over both steps of each, so they never interleave
    /// (on one node: see `ImageHome::lock`).
    locks: parking_lot::Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    /// Tests stop an add here, its file written and its row not yet.
    #[cfg(test)]
    after_put: Option<Arc<tests::Gate>>,
}

impl ImageHome {
    fn new(blobs: Blobs, max_pixels: u64) -> ImageHome {
        ImageHome {
            blobs,
            max_pixels,
            locks: parking_lot::Mutex::new(HashMap::new()),
            #[cfg(test)]
            after_put: None,
        }
    }

    /// Waits for the lock of `pad_id`'s images. Per node: in a cluster, two nodes adding and
    /// deleting the same bytes of one pad in the same instant can still leave a row without
    /// its file (its image answers 404, as a deleted one; uploading it again restores it).
    async fn lock(&self, pad_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock();
            // The entries of pads nobody holds go; few pads add or delete images at once.
            locks.retain(|_, l| l.strong_count() > 0);
            match locks.get(pad_id).and_then(Weak::upgrade) {
                Some(l) => l,
                None => {
                    let l = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(pad_id.to_string(), Arc::downgrade(&l));
                    l
                }
            }
        };
        lock.lock_owned().await
    }

    /// Stores `bytes` as an image of pad `pad_id` (`row` without its `sha256`): the file, then
    /// the row, unless the pad holds these bytes already; answers the row that names them.
    async fn store(
        &self,
        db: &Db,
        pad_id: &str,
        readonly_id: &str,
        mut row: ImageRow,
        bytes: Vec<u8>,
    ) -> Result<ImageRow, Error> {
        let _held = self.lock(pad_id).await;
        row.sha256 = self
            .blobs
            .put(&key_prefix(readonly_id), bytes)
            .await
            .map_err(Error::internal)?;
        #[cfg(test)]
        if let Some(gate) = &self.after_put {
            gate.reached.notify_one();
            gate.go.notified().await;
        }
        let pad = pad_id.to_string();
        Ok(db
            .write(move |c| images_store::insert(c, &pad, &row))
            .await?)
    }

    /// Removes image `image_id` of pad `pad_id`, whose file is `sha256`: the row, then the
    /// file; whether there was such a row.
    async fn remove(
        &self,
        db: &Db,
        pad_id: &str,
        readonly_id: &str,
        image_id: &str,
        sha256: &str,
    ) -> Result<bool, Error> {
        let _held = self.lock(pad_id).await;
        let (pad, image) = (pad_id.to_string(), image_id.to_string());
        if !db
            .write(move |c| images_store::delete(c, &pad, &image))
            .await?
        {
            return Ok(false);
        }
        // A pad holds one row per distinct bytes, and no add of this pad runs meanwhile, so no
        // image of it names this file. A failure leaves the file, unreferenced and out of every
        // quota, logged.
        if let Err(e) = self.blobs.delete(&blob_key(readonly_id, sha256)).await {
            tracing::warn!(error = %e, "pads: a deleted image's file stays");
        }
        Ok(true)
    }
}

/// The pads' part of the storage quotas: the images each person uploaded.
pub fn image_usage(db: nichoir_storage::Db) -> nichoir_storage::StoredUsage {
    nichoir_storage::StoredUsage::new(
        db,
        "pads",
        images_store::bytes_of,
        images_store::bytes_by_user,
    )
}

/// The path of an image of the pad whose read-only id is `readonly_id`.
pub fn image_url(readonly_id: &str, image_id: &str) -> String {
    format!("/api/v1/pads/{readonly_id}/images/{image_id}")
}

/// The pad (id or read-only id) and the image that a pad image's URL names, as the editor
/// writes it (a path of this instance); None for any other URL.
pub fn parse_image_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("/api/v1/pads/")?;
    let (pad, image) = rest.split_once("/images/")?;
    (!pad.is_empty() && !pad.contains('/') && valid_image_id(image)).then_some((pad, image))
}

/// Image ids are `random_token`s: URL-safe base64.
fn valid_image_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where a pad's images are among the uploads. Read-only ids are made here (`r-` and a token),
/// but an id from elsewhere that could not be a file name is written out in hex.
fn key_prefix(readonly_id: &str) -> String {
    let plain = !readonly_id.is_empty()
        && !readonly_id.starts_with('.')
        && readonly_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        format!("pad/{readonly_id}")
    } else {
        let hex: String = readonly_id.bytes().map(|b| format!("{b:02x}")).collect();
        format!("pad/x{hex}")
    }
}

fn blob_key(readonly_id: &str, sha: &str) -> String {
    format!("{}/{sha}", key_prefix(readonly_id))
}

/// An image of a pad, as the API answers it.
#[derive(Debug, Clone, Serialize, JsonSchema, TS)]
#[ts(export, export_to = "pads/")]
pub struct PadImage {
    pub id: String,
    /// Where the editor and the preview find it (a path of this instance).
    pub url: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub created_at: String,
}

fn image_json(readonly_id: &str, row: &ImageRow) -> PadImage {
    PadImage {
        url: image_url(readonly_id, &row.id),
        id: row.id.clone(),
        content_type: row.content_type.clone(),
        size: row.size,
        created_at: nichoir_core::time::rfc3339(row.created_at),
    }
}

impl PadService {
    /// Where pad images are kept (`blobs`) and the most pixels one may have
    /// (`uploads.max_image_pixels`). Without it, pads take no images.
    pub fn with_images(mut self, blobs: Blobs, max_image_pixels: u64) -> PadService {
        self.images = Some(ImageHome::new(blobs, max_image_pixels));
        self
    }

    fn image_home(&self) -> Result<&ImageHome, PadError> {
        self.images.as_ref().ok_or_else(|| {
            PadError::Other(Error::new(
                ErrorCode::Unavailable,
                "this server keeps no images for pads",
            ))
        })
    }

    /// Adds an image to a pad (an editor of it, not a read-only link): `declared` is the
    /// request's Content-Type, which the bytes must prove. The same bytes added twice are one
    /// image, answered again.
    pub async fn add_image(
        &self,
        id: &str,
        actor: &Actor,
        declared: &str,
        bytes: Vec<u8>,
    ) -> Result<PadImage, PadError> {
        let home = self.image_home()?;
        let (info, readonly) = self.open(id, Some(actor)).await?;
        if readonly {
            return Err(PadError::Other(Error::forbidden(
                "a read-only link cannot add images",
            )));
        }
        let max = self.config().max_image_bytes;
        if bytes.len() as u64 > max {
            return Err(PadError::Other(Error::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "an image in a pad is at most {}",
                    nichoir_core::quota::human_bytes(max)
                ),
            )));
        }
        let content_type = nichoir_core::upload::check_content(declared, &bytes)?;
        if !IMAGE_TYPES.contains(&content_type.as_str()) {
            return Err(PadError::Other(Error::new(
                ErrorCode::UnsupportedMediaType,
                format!("{content_type} is not an image a pad shows: use PNG, JPEG, GIF or WebP"),
            )));
        }
        // A photo is kept without where and when it was taken, upright; off the runtime.
        let (ct, max_pixels) = (content_type.clone(), home.max_pixels);
        let bytes = tokio::task::spawn_blocking(move || {
            nichoir_core::upload::clean_image(&ct, bytes, max_pixels)
        })
        .await
        .map_err(Error::internal)??;
        self.quotas().check(actor.id(), bytes.len() as u64).await?;
        let row = ImageRow {
            id: random_token(9),
            content_type,
            size: bytes.len() as i64,
            sha256: String::new(),
            uploaded_by: actor.id().to_string(),
            created_at: now_ms(),
        };
        let stored = home
            .store(self.db(), &info.id, &info.readonly_id, row, bytes)
            .await?;
        Ok(image_json(&info.readonly_id, &stored))
    }

    /// Deletes one image of a pad: by the person who added it, the pad's creator or an admin,
    /// through the pad's edit link. Its bytes leave the uploader's quota (the quota sums the
    /// rows) and the store; a reference left in the text then names a missing image (a 404, as
    /// any unknown image), which the editor and the exports show as they show a broken one.
    pub async fn delete_image(
        &self,
        id: &str,
        image_id: &str,
        actor: &Actor,
    ) -> Result<(), PadError> {
        let home = self.image_home()?;
        let (info, readonly) = self.open(id, Some(actor)).await?;
        if readonly {
            return Err(PadError::Other(Error::forbidden(
                "a read-only link cannot delete images",
            )));
        }
        let missing = || PadError::Other(Error::not_found("no such image in this pad"));
        if !valid_image_id(image_id) {
            return Err(missing());
        }
        let (pad, image) = (info.id.clone(), image_id.to_string());
        let row = self
            .db()
            .read(move |c| images_store::get(c, &pad, &image))
            .await?
            .ok_or_else(missing)?;
        let may = row.uploaded_by == actor.id()
            || info.owner_id.as_deref() == Some(actor.id())
            || actor.require_admin().is_ok();
        if !may {
            return Err(PadError::Other(Error::forbidden(
                "only who added an image or the pad's creator can delete it",
            )));
        }
        // Deleted meanwhile (and perhaps added again: a new row has a new id), it is missing.
        if !home
            .remove(
                self.db(),
                &info.id,
                &info.readonly_id,
                image_id,
                &row.sha256,
            )
            .await?
        {
            return Err(missing());
        }
        Ok(())
    }

    /// An image's type and bytes, for someone who may read the pad (`id`: its id or read-only
    /// id; a password-protected pad asks for its password as the pad does).
    pub async fn image(
        &self,
        id: &str,
        image_id: &str,
        actor: Option<&Actor>,
    ) -> Result<(String, Vec<u8>), PadError> {
        let (info, _) = self.open(id, actor).await?;
        let (bytes, content_type) = self
            .image_bytes(&info.id, image_id)
            .await?
            .ok_or_else(|| PadError::Other(Error::not_found("no such image in this pad")))?;
        Ok((content_type, bytes))
    }

    /// For exporters: the bytes and type of image `image_id` of the pad whose id is `pad_id`
    /// (not its read-only id), None when the pad has no such image. No access check: the
    /// caller decided that the asker may read the pad.
    pub async fn image_bytes(
        &self,
        pad_id: &str,
        image_id: &str,
    ) -> Result<Option<(Vec<u8>, String)>, PadError> {
        if !valid_image_id(image_id) {
            return Ok(None);
        }
        let home = self.image_home()?;
        let (pad, image) = (pad_id.to_string(), image_id.to_string());
        let Some(row) = self
            .db()
            .read(move |c| images_store::get(c, &pad, &image))
            .await?
        else {
            return Ok(None);
        };
        let (info, _) = self.find(pad_id).await?;
        let bytes = home
            .blobs
            .get(&blob_key(&info.readonly_id, &row.sha256))
            .await
            .map_err(Error::internal)?
            .ok_or_else(|| Error::not_found("the image is missing from the server"))?;
        Ok(Some((bytes, row.content_type)))
    }

    /// For exporters: the bytes and type of the image a URL in the text of pad `pad_id` names,
    /// when it is one of that pad's own (`/api/v1/pads/{its read-only id or id}/images/{id}`).
    /// Any other URL, another pad's images included, gives None: an export shows what its pad
    /// holds, never what another (perhaps password-protected) pad does.
    pub async fn image_of_url(
        &self,
        pad_id: &str,
        url: &str,
    ) -> Result<Option<(Vec<u8>, String)>, PadError> {
        let Some((pad, image)) = parse_image_url(url) else {
            return Ok(None);
        };
        let (info, _) = self.find(pad_id).await?;
        if pad != info.id && pad != info.readonly_id {
            return Ok(None);
        }
        self.image_bytes(&info.id, image).await
    }

    /// A pad's images, oldest first.
    pub async fn images_of(&self, pad_id: &str) -> Result<Vec<PadImage>, PadError> {
        let (info, _) = self.find(pad_id).await?;
        let pad = info.id.clone();
        let rows = self
            .db()
            .read(move |c| images_store::of_pad(c, &pad))
            .await?;
        Ok(rows
            .iter()
            .map(|r| image_json(&info.readonly_id, r))
            .collect())
    }

    /// The HTML export of `text` (pad `info`'s): its own images written in, no other image.
    pub(crate) async fn export_html(&self, info: &PadInfo, text: String) -> Result<String, Error> {
        let mut embedded: HashMap<String, (String, Vec<u8>)> = HashMap::new();
        if let Some(home) = self.images.as_ref() {
            let pad = info.id.clone();
            let rows = self
                .db()
                .read(move |c| images_store::of_pad(c, &pad))
                .await?;
            let mut budget = EMBED_BUDGET;
            for row in rows {
                let url = image_url(&info.readonly_id, &row.id);
                let size = usize::try_from(row.size).unwrap_or(usize::MAX);
                if !text.contains(&url) || size > budget {
                    continue;
                }
                // A file missing from the store leaves its image a link, as an unknown one.
                let key = blob_key(&info.readonly_id, &row.sha256);
                if let Some(bytes) = home.blobs.get(&key).await.map_err(Error::internal)? {
                    budget -= size;
                    embedded.insert(url, (row.content_type, bytes));
                }
            }
        }
        if embedded.is_empty() {
            return crate::import::markdown_to_html(text).await;
        }
        nichoir_core::work::run(move || {
            nichoir_core::markdown::to_html_with_images(&text, &embedded)
        })
        .await
    }

    /// Removes a deleted pad's image files (their rows went with the pad's content); a failure
    /// leaves them, logged.
    pub(crate) async fn remove_images_of(&self, readonly_id: &str) {
        let Some(home) = self.images.as_ref() else {
            return;
        };
        if let Err(e) = home.blobs.delete_all(&key_prefix(readonly_id)).await {
            tracing::warn!(error = %e, "pads: a deleted pad's images stay");
        }
    }

    /// The images `user_id` uploaded to pads still there, with their bytes (the data export):
    /// (path in the export, bytes), and their list.
    pub(crate) async fn images_uploaded_by(
        &self,
        user_id: &str,
    ) -> Result<(Vec<(String, Vec<u8>)>, Vec<PadImage>), PadError> {
        let Some(home) = self.images.as_ref() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let u = user_id.to_string();
        let rows = self
            .db()
            .read(move |c| images_store::of_uploader(c, &u))
            .await?;
        let (mut files, mut list) = (Vec::new(), Vec::new());
        for (readonly_id, row) in rows {
            let ext = row.content_type.trim_start_matches("image/");
            let key = blob_key(&readonly_id, &row.sha256);
            if let Some(bytes) = home.blobs.get(&key).await.map_err(Error::internal)? {
                files.push((format!("images/{readonly_id}/{}.{ext}", row.id), bytes));
            }
            list.push(image_json(&readonly_id, &row));
        }
        Ok((files, list))
    }
}

/// Pad images in a person's data export: those they uploaded, beside their pads' text
/// (`pads/images/<pad read-only id>/<image id>.<type>` and `pads/images.json`).
pub struct PadImageExport {
    pub service: std::sync::Arc<PadService>,
}

#[async_trait::async_trait]
impl nichoir_core::export::ExportContributor for PadImageExport {
    fn folder(&self) -> &'static str {
        "pads"
    }

    async fn export_user(
        &self,
        user_id: &str,
    ) -> Result<Vec<nichoir_core::export::ExportFile>, Error> {
        let (files, list) = self.service.images_uploaded_by(user_id).await?;
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let mut out: Vec<nichoir_core::export::ExportFile> = files
            .into_iter()
            .map(|(path, contents)| nichoir_core::export::ExportFile { path, contents })
            .collect();
        out.push(nichoir_core::export::ExportFile::json(
            "images.json",
            &list,
        )?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn image_urls_read_back_and_nothing_else_does() {
        let url = image_url("r-abc", "Xy_9-z");
        assert_eq!(url, "/api/v1/pads/r-abc/images/Xy_9-z");
        assert_eq!(parse_image_url(&url), Some(("r-abc", "Xy_9-z")));
        for other in [
            "https://elsewhere.example/api/v1/pads/r-abc/images/x",
            "/api/v1/pads//images/x",
            "/api/v1/pads/r-abc/images/",
            "/api/v1/pads/r-abc/images/x/../y",
            "/api/v1/pads/a/b/images/x",
            "/api/v1/pads/r-abc/images/x?y",
        ] {
            assert_eq!(parse_image_url(other), None, "{other}");
        }
    }

    /// Where a test holds an add (`ImageHome::store`) between its file and its row.
    #[derive(Default)]
    pub(super) struct Gate {
        pub(super) reached: tokio::sync::Notify,
        pub(super) go: tokio::sync::Notify,
    }

    fn row(id: &str) -> ImageRow {
        ImageRow {
            id: id.into(),
            content_type: "image/png".into(),
            size: 3,
            sha256: String::new(),
            uploaded_by: "u_1".into(),
            created_at: 1,
        }
    }

    /// The same bytes uploaded again while their image is deleted: the delete waits for the
    /// add (whose upload answers the image being deleted), or the add for the delete (a new
    /// image, its file written again); never a row whose file the delete took.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_delete_never_takes_the_file_of_an_add_of_the_same_bytes(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let opts = nichoir_storage::DbOptions::default();
        for (db, _dir) in nichoir_storage::testing::databases(&opts, &[crate::MIGRATIONS])? {
            db.write(|c| {
                c.execute(
                    "INSERT INTO pads (id, readonly_id, rev, created_at, updated_at, last_used_at)
                     VALUES ('p', 'r-p', 0, 0, 0, 0)",
                    [],
                )?;
                Ok(())
            })
            .await?;
            let files = tempfile::tempdir()?;
            let mut home = ImageHome::new(Blobs::in_dir(files.path()), 1 << 20);
            let bytes = b"png".to_vec();
            let first = home
                .store(&db, "p", "r-p", row("first"), bytes.clone())
                .await?;
            let gate = Arc::new(Gate::default());
            home.after_put = Some(gate.clone());
            let home = Arc::new(home);

            let adding = tokio::spawn({
                let (home, db) = (home.clone(), db.clone());
                async move { home.store(&db, "p", "r-p", row("again"), bytes).await }
            });
            gate.reached.notified().await;
            let mut removing = tokio::spawn({
                let (home, db, sha) = (home.clone(), db.clone(), first.sha256.clone());
                async move { home.remove(&db, "p", "r-p", "first", &sha).await }
            });
            // Unlocked, the delete would be done within this second: row and file gone before
            // the add writes its row.
            let early = tokio::time::timeout(Duration::from_secs(1), &mut removing).await;
            assert!(early.is_err(), "the delete waited for the add");
            gate.go.notify_one();
            assert_eq!(adding.await??.id, "first", "the add found its bytes there");
            assert!(removing.await??);

            let rows = db.read(|c| images_store::of_pad(c, "p")).await?;
            for r in &rows {
                let file = home.blobs.get(&blob_key("r-p", &r.sha256)).await?;
                assert!(file.is_some(), "image {} lost its file", r.id);
            }
            assert!(rows.is_empty());
            // Added once more (the gate let through at once), the image is new and whole.
            gate.go.notify_one();
            let back = home
                .store(&db, "p", "r-p", row("back"), b"png".to_vec())
                .await?;
            assert_eq!(back.id, "back");
            assert!(home
                .blobs
                .get(&blob_key("r-p", &back.sha256))
                .await?
                .is_some());
        }
        Ok(())
    }

    #[test]
    fn keys_stay_in_their_folder() {
        assert_eq!(key_prefix("r-Ab_1"), "pad/r-Ab_1");
        assert_eq!(key_prefix(".."), "pad/x2e2e");
        assert_eq!(key_prefix("a/b"), "pad/x612f62");
        assert_eq!(key_prefix(""), "pad/x");
    }
}

/// The HTTP side: `POST /api/v1/pads/{id}/images`, `GET` and `DELETE
/// /api/v1/pads/{id}/images/{image}`.
pub(crate) mod routes {
    use actix_web::http::header;
    use actix_web::{web, HttpRequest, HttpResponse};
    use nichoir_http::{AnyActor, ApiError, ApiResult, ClientIp, Ctx, MaybeActor};

    type Pads = web::Data<std::sync::Arc<super::PadService>>;

    pub async fn add(
        pads: Pads,
        ctx: web::Data<Ctx>,
        who: AnyActor,
        ip: ClientIp,
        req: HttpRequest,
        id: web::Path<String>,
        body: web::Payload,
    ) -> ApiResult<HttpResponse> {
        // Checking and cleaning an image is work, and a guest identity is free to get.
        ctx.auth.throttle_anonymous_render(Some(&who.0), &ip.0)?;
        let declared = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let max = pads.config().max_image_bytes;
        // One byte over the limit is enough to know it is too big.
        let bytes = nichoir_http::read_body(body, (max as usize).saturating_add(1)).await?;
        let image = pads
            .add_image(&id, &who.0, &declared, bytes.to_vec())
            .await
            .map_err(ApiError::from)?;
        Ok(HttpResponse::Created().json(image))
    }

    pub async fn delete(
        pads: Pads,
        who: AnyActor,
        path: web::Path<(String, String)>,
    ) -> ApiResult<HttpResponse> {
        let (id, image) = path.into_inner();
        pads.delete_image(&id, &image, &who.0)
            .await
            .map_err(ApiError::from)?;
        Ok(HttpResponse::NoContent().finish())
    }

    pub async fn get(
        pads: Pads,
        who: MaybeActor,
        path: web::Path<(String, String)>,
    ) -> ApiResult<HttpResponse> {
        let (id, image) = path.into_inner();
        let (content_type, bytes) = pads
            .image(&id, &image, who.0.as_ref())
            .await
            .map_err(ApiError::from)?;
        Ok(HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CONTENT_DISPOSITION, "inline"))
            // An image's URL always names the same bytes; `private`: it is behind the pad's
            // access rules, which a shared cache would not apply.
            .insert_header((
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(bytes))
    }
}
