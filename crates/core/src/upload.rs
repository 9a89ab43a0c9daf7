//! What an uploaded file really is: its content is sniffed and must match the type it declares,
//! and only types that cannot carry scripts into our pages are accepted. Shared by every tool
//! that takes files (wiki attachments, chat files).

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

#[cfg(test)]
mod tests {
    use super::*;

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
