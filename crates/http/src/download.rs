use actix_web::http::header;
use actix_web::HttpResponse;

/// A stored file sent back: images and PDFs shown in the page, anything else downloaded, under
/// an ASCII file name (a header cannot carry the rest safely), cached privately.
pub fn file_download(name: &str, content_type: String, bytes: Vec<u8>) -> HttpResponse {
    let inline = content_type.starts_with("image/") || content_type == "application/pdf";
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = if inline { "inline" } else { "attachment" };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{ascii}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(bytes)
}
