//! Files in chat: uploaded to a channel (size limit, content sniffed against the declared type,
//! no SVG or HTML), stored content-addressed as `chat/<sha256>` among the uploads (`nichoir_storage::Blobs`), images with a
//! thumbnail (at most 400 px) made on upload, served with the channel's read rights.

use std::io::Cursor;

use nichoir_auth::Actor;
use nichoir_core::ids::new_id;
use nichoir_core::time::now_ms;
use nichoir_core::{Error, ErrorCode};

use crate::api::ChatFile;
use crate::service::{ChatResult, ChatService};
use crate::store;

const THUMB: u32 = 400;
/// Where chat's files are among the uploads (`nichoir_storage::Blobs`).
const FILES: &str = "chat";

pub(crate) fn file_key(sha: &str) -> String {
    format!("{FILES}/{sha}")
}

pub(crate) fn thumb_key(sha: &str) -> String {
    format!("{FILES}/thumbs/{sha}.png")
}

pub use nichoir_core::upload::check_content;

/// The chat's part of the storage quotas: the files each person uploaded.
pub fn usage(db: nichoir_storage::Db) -> nichoir_storage::StoredUsage {
    nichoir_storage::StoredUsage::new(
        db,
        "chat",
        crate::store::file_bytes_of,
        crate::store::file_bytes_by_user,
    )
}

/// A file name as given, checked: no path, no control characters, at most 255 characters.
pub fn check_name(name: &str) -> ChatResult<String> {
    let n = name.trim();
    let bad = n.is_empty()
        || n.chars().count() > 255
        || n.starts_with('.')
        || n.contains("..")
        || n.chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | ':'));
    if bad {
        return Err(Error::validation(
            "name: a file name without /, \\, :, .. or control characters, at most 255 characters",
        ));
    }
    Ok(n.to_string())
}

/// A thumbnail (PNG, at most 400 px on its longer side) and the image's size, if it decodes.
pub fn thumbnail(bytes: &[u8]) -> Option<(Vec<u8>, u32, u32)> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = reader;
    reader.limits(limits);
    let img = reader.decode().ok()?;
    let (w, h) = (img.width(), img.height());
    let thumb = img.thumbnail(THUMB, THUMB);
    let mut out = Vec::new();
    thumb
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .ok()?;
    Some((out, w, h))
}

impl ChatService {
    pub async fn upload(
        &self,
        actor: &Actor,
        channel_id: &str,
        name: &str,
        declared: &str,
        bytes: Vec<u8>,
    ) -> ChatResult<ChatFile> {
        let me = actor
            .as_user()
            .ok_or_else(Error::unauthenticated)?
            .id
            .clone();
        let name = check_name(name)?;
        let (ch, m) = self.readable_channel(channel_id, &me).await?;
        if m.is_none() {
            return Err(Error::forbidden("join the channel to share files in it"));
        }
        if ch.archived {
            return Err(Error::new(
                ErrorCode::Conflict,
                "this channel is archived: it is read-only",
            ));
        }
        if bytes.len() as u64 > self.max_file_bytes {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("a file holds at most {} bytes", self.max_file_bytes),
            ));
        }
        let content_type = check_content(declared, &bytes)?;
        let is_image = content_type.starts_with("image/");
        // Decoding an image is CPU work: off the async runtime. What is kept of a photo has no
        // metadata (where it was taken) and stands upright.
        let (bytes, thumb) = if is_image {
            let (ct, max) = (content_type.clone(), self.max_image_pixels);
            tokio::task::spawn_blocking(move || {
                let bytes = nichoir_core::upload::clean_image(&ct, bytes, max)?;
                let t = thumbnail(&bytes);
                Ok::<_, Error>((bytes, t))
            })
            .await
            .map_err(Error::internal)??
        } else {
            (bytes, None)
        };
        self.quotas.check(&me, bytes.len() as u64).await?;
        let size = bytes.len() as i64;
        let sha = self
            .blobs
            .put(FILES, bytes)
            .await
            .map_err(Error::internal)?;
        let dims = match thumb {
            Some((png, w, h)) => self
                .blobs
                .put_at(&thumb_key(&sha), png)
                .await
                .ok()
                .map(|_| (w, h)),
            None => None,
        };
        let id = new_id("f");
        let (i2, n2, ct2, cid) = (
            id.clone(),
            name.clone(),
            content_type.clone(),
            ch.id.clone(),
        );
        let (w, h) = (dims.map(|d| d.0 as i64), dims.map(|d| d.1 as i64));
        self.db
            .write(move |c| {
                store::insert_file(
                    c,
                    &store::NewFile {
                        id: &i2,
                        channel_id: &cid,
                        user_id: &me,
                        name: &n2,
                        content_type: &ct2,
                        size,
                        sha256: &sha,
                        width: w,
                        height: h,
                        has_thumbnail: dims.is_some(),
                        created_at: now_ms(),
                    },
                )?;
                Ok(())
            })
            .await?;
        Ok(ChatFile::new(
            id,
            name,
            content_type,
            size,
            (w, h),
            dims.is_some(),
        ))
    }

    /// The file's bytes (or its thumbnail) and type, for someone who may read its channel.
    pub async fn file(
        &self,
        actor: &Actor,
        id: &str,
        thumb: bool,
    ) -> ChatResult<(String, String, Vec<u8>)> {
        let me = actor
            .as_user()
            .ok_or_else(Error::unauthenticated)?
            .id
            .clone();
        let i = id.to_string();
        let row = self.db.read(move |c| store::file_by_id(c, &i)).await?;
        let store::StoredFile {
            channel_id: channel,
            name,
            content_type: ct,
            sha256: sha,
            has_thumbnail: has_thumb,
        } = row.ok_or_else(|| Error::not_found("no such file"))?;
        self.readable_channel(&channel, &me)
            .await
            .map_err(|_| Error::not_found("no such file"))?;
        let (key, ct) = if thumb {
            if !has_thumb {
                return Err(Error::not_found("this file has no thumbnail"));
            }
            (thumb_key(&sha), "image/png".to_string())
        } else {
            (file_key(&sha), ct)
        };
        let bytes = self
            .blobs
            .get(&key)
            .await
            .map_err(Error::internal)?
            .ok_or_else(|| Error::not_found("the file is missing from the server"))?;
        Ok((name, ct, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert!(check_name("../../x").is_err());
        assert!(check_name("a/b.png").is_err());
        assert!(check_name(".htaccess").is_err());
        assert_eq!(
            check_name(" photo 1.png ").ok().as_deref(),
            Some("photo 1.png")
        );
        assert!(check_content("image/png", b"GIF89a").is_err());
        assert!(check_content("image/svg+xml", b"<svg/>").is_err());
        assert_eq!(
            check_content("text/plain", b"hello").ok().as_deref(),
            Some("text/plain")
        );
    }

    #[test]
    fn thumbnails_are_small_pngs() {
        let img = image::RgbImage::from_pixel(1200, 600, image::Rgb([200, 30, 30]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encode");
        let (thumb, w, h) = thumbnail(&png).expect("thumbnail");
        assert_eq!((w, h), (1200, 600));
        let t = image::load_from_memory(&thumb).expect("decode");
        assert_eq!((t.width(), t.height()), (400, 200));
        assert!(thumbnail(b"not an image").is_none());
    }
}
