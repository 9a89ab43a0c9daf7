//! What an uploaded file really is: its content is sniffed and must match the type it declares,
//! and only types that cannot carry scripts into our pages are accepted; an image loses what it
//! says about where and when it was taken. Shared by every tool that takes files (wiki
//! attachments, chat files).

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use img_parts::{Bytes, ImageEXIF};

use crate::{Error, ErrorCode};

/// Types accepted when the content proves them.
pub const ACCEPTED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/zip",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "audio/mpeg",
    "audio/ogg",
    "video/mp4",
    "video/webm",
];

/// Types with no magic number: accepted when the bytes are UTF-8 text.
pub const TEXT: &[&str] = &["text/plain", "text/markdown", "text/csv"];

fn unsupported(m: String) -> Error {
    Error::new(ErrorCode::UnsupportedMediaType, m)
}

/// The type to store for `bytes` declared as `declared` (a Content-Type, parameters ignored),
/// or a 415 that says why not.
pub fn check_content(declared: &str, bytes: &[u8]) -> Result<String, Error> {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let declared = if declared == "image/jpg" {
        "image/jpeg".to_string()
    } else {
        declared
    };
    if ["svg", "html", "xml", "javascript"]
        .iter()
        .any(|k| declared.contains(k))
    {
        return Err(unsupported(format!(
            "{declared} files are not accepted: they can carry scripts"
        )));
    }
    match infer::get(bytes).map(|k| k.mime_type()) {
        Some(sniffed) if sniffed != declared => Err(unsupported(format!(
            "the file's content is {sniffed}, not {declared}"
        ))),
        Some(sniffed) if !ACCEPTED.contains(&sniffed) => Err(unsupported(format!(
            "{sniffed} files are not accepted here"
        ))),
        Some(sniffed) => Ok(sniffed.to_string()),
        None if TEXT.contains(&declared.as_str()) => {
            if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
                return Err(unsupported(format!(
                    "the file is not {declared}: it is not UTF-8 text"
                )));
            }
            Ok(declared)
        }
        None => Err(unsupported(format!(
            "the file's content is not recognisable as {declared}"
        ))),
    }
}

/// An uploaded image as it is kept: refused above `max_pixels` (413); its metadata removed —
/// EXIF (camera, time, often the GPS position of the photo), XMP, IPTC, comments and text
/// chunks —; a photo taken sideways turned upright, since the orientation tag goes with the rest
/// (re-encoded then: JPEG at quality 92). Colour profiles stay. Other types pass unchanged, and
/// so does a file that cannot be parsed (its content was sniffed already).
/// CPU work: call it off the async runtime.
pub fn clean_image(content_type: &str, bytes: Vec<u8>, max_pixels: u64) -> Result<Vec<u8>, Error> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        "image/gif" => ImageFormat::Gif,
        _ => return Ok(bytes),
    };
    let unreadable = || unsupported("the image cannot be read".to_string());
    let turned = 'turned: {
        let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(512 * 1024 * 1024);
        reader.limits(limits);
        // A file this decoder cannot read (a variant it lacks, or damaged) is kept as before,
        // its metadata stripped where its container can be parsed.
        let Ok(mut decoder) = reader.into_decoder() else {
            break 'turned None;
        };
        let (w, h) = decoder.dimensions();
        if u64::from(w) * u64::from(h) > max_pixels {
            return Err(Error::new(
                ErrorCode::PayloadTooLarge,
                format!("an image has at most {max_pixels} pixels; this one has {w} × {h}"),
            ));
        }
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        if format != ImageFormat::Gif && orientation != Orientation::NoTransforms {
            let mut img = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
            img.apply_orientation(orientation);
            Some(img)
        } else {
            None
        }
    };
    if format == ImageFormat::Gif {
        return Ok(bytes);
    }
    if let Some(img) = turned {
        return encode(img, format).ok_or_else(unreadable);
    }
    let bytes = Bytes::from(bytes);
    let out = match format {
        ImageFormat::Jpeg => {
            let Ok(mut jpeg) = img_parts::jpeg::Jpeg::from_bytes(bytes.clone()) else {
                return Ok(bytes.to_vec());
            };
            use img_parts::jpeg::markers::{APP1, APP13, COM};
            jpeg.segments_mut()
                .retain(|s| !matches!(s.marker(), APP1 | APP13 | COM));
            jpeg.encoder().bytes()
        }
        ImageFormat::Png => {
            let Ok(mut png) = img_parts::png::Png::from_bytes(bytes.clone()) else {
                return Ok(bytes.to_vec());
            };
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"iTXt" | b"zTXt" | b"tIME"));
            png.encoder().bytes()
        }
        _ => {
            let Ok(mut webp) = img_parts::webp::WebP::from_bytes(bytes.clone()) else {
                return Ok(bytes.to_vec());
            };
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            webp.encoder().bytes()
        }
    };
    Ok(out.to_vec())
}

fn encode(img: DynamicImage, format: ImageFormat) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
            rgb.write_with_encoder(enc).ok()?;
        }
        _ => img.write_to(&mut Cursor::new(&mut out), format).ok()?,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4 × 2 JPEG carrying EXIF (orientation `o`, a GPS pointer) and a comment.
    fn photo(o: u16) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(4, 2);
        let mut plain = Vec::new();
        img.write_to(&mut Cursor::new(&mut plain), ImageFormat::Jpeg)
            .expect("jpeg");
        // A big-endian TIFF with one IFD: Orientation (0x0112) and GPSInfo (0x8825).
        let mut tiff = b"MM\0*\0\0\0\x08\0\x02".to_vec();
        tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        tiff.extend(o.to_be_bytes());
        tiff.extend([0, 0]);
        tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x26]);
        tiff.extend([0, 0, 0, 0]);
        let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(plain)).expect("parts");
        jpeg.set_exif(Some(Bytes::from(tiff)));
        jpeg.segments_mut().insert(
            1,
            img_parts::jpeg::JpegSegment::new_with_contents(
                img_parts::jpeg::markers::COM,
                Bytes::from_static(b"taken at 12 rue des Lilas"),
            ),
        );
        jpeg.encoder().bytes().to_vec()
    }

    fn dims(bytes: &[u8]) -> (u32, u32) {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .expect("format")
            .into_dimensions()
            .expect("dimensions")
    }

    fn has(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn photos_lose_their_metadata_and_stand_upright() {
        let upright = photo(1);
        assert!(has(&upright, b"Exif\0\0") && has(&upright, b"rue des Lilas"));
        let clean = clean_image("image/jpeg", upright, 1_000).expect("clean");
        assert!(!has(&clean, b"Exif\0\0"), "no EXIF left");
        assert!(!has(&clean, b"rue des Lilas"), "no comment left");
        assert_eq!(dims(&clean), (4, 2));

        // Orientation 6: the camera was turned; the kept image is turned back, 2 × 4.
        let turned = clean_image("image/jpeg", photo(6), 1_000).expect("clean");
        assert!(!has(&turned, b"Exif\0\0"));
        assert_eq!(dims(&turned), (2, 4));
    }

    #[test]
    fn png_text_goes_and_pixels_are_capped() {
        let mut plain = Vec::new();
        DynamicImage::new_rgba8(3, 3)
            .write_to(&mut Cursor::new(&mut plain), ImageFormat::Png)
            .expect("png");
        let mut png = img_parts::png::Png::from_bytes(Bytes::from(plain)).expect("parts");
        png.chunks_mut().insert(
            1,
            img_parts::png::PngChunk::new(*b"tEXt", Bytes::from_static(b"Comment\0secret place")),
        );
        let with_text = png.encoder().bytes().to_vec();
        assert!(has(&with_text, b"secret place"));
        let clean = clean_image("image/png", with_text.clone(), 9).expect("clean");
        assert!(!has(&clean, b"secret place"));
        assert_eq!(dims(&clean), (3, 3));
        let too_big = clean_image("image/png", with_text, 8).expect_err("9 pixels > 8");
        assert_eq!(too_big.code, ErrorCode::PayloadTooLarge);
        // A damaged file is kept as it came (as before: only its thumbnail is missing).
        let bad = b"\x89PNG\r\n\x1a\nnot really".to_vec();
        assert_eq!(
            clean_image("image/png", bad.clone(), 100).expect("kept"),
            bad
        );
        // Other types are not touched.
        assert_eq!(
            clean_image("application/pdf", b"%PDF-1.7".to_vec(), 1).expect("pdf"),
            b"%PDF-1.7"
        );
    }

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];

    #[test]
    fn content_must_match_its_declared_type() {
        assert_eq!(
            check_content("image/png", PNG).ok().as_deref(),
            Some("image/png")
        );
        assert!(
            check_content("image/jpeg", PNG).is_err(),
            "a PNG is not a JPEG"
        );
        assert!(check_content("application/pdf", b"hello").is_err());
        assert_eq!(
            check_content("text/plain; charset=utf-8", "héllo".as_bytes())
                .ok()
                .as_deref(),
            Some("text/plain")
        );
        assert!(check_content("text/plain", &[0xff, 0xfe, 0]).is_err());
        assert!(check_content("image/svg+xml", b"<svg onload=alert(1)>").is_err());
        assert!(check_content("text/html", b"<script>").is_err());
        assert!(check_content("application/x-msdownload", b"MZ\x90\x00").is_err());
        assert!(check_content("image/png", b"GIF89a").is_err());
    }
}
