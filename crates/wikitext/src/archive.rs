//! A wiki exported to, and imported from, a zip archive.
//!
//! Layout:
//!
//! ```text
//! wiki.json               title, description, home page, menu, theme colour, page order, files
//! pages/{segment}.md      current text of each page, for people
//! history/{segment}.json  every revision of the page ({"name", "revisions": [...]})
//! files/{name}            attachments
//! html/index.html         a static copy that browses offline from disk
//! html/{segment}.html
//! ```
//!
//! `{segment}` is [`page_url_segment`] of the page name. Reading trusts nothing: sizes are checked
//! before and while decompressing, names and revisions are validated, and nothing touches disk.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read, Write};

use nichoir_core::Error;
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::names::{
    name_from_url_segment, page_key, page_url_segment, validate_file_name, validate_page_name,
};
use crate::render::escape_html;

/// `format` in wiki.json.
pub const FORMAT: &str = "nichoir-wiki";
/// Version of the layout; a newer one is refused rather than half-read.
pub const FORMAT_VERSION: u32 = 1;

const DEFAULT_THEME_COLOR: &str = "#2f6f5e";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveRevision {
    pub rev: u64,
    pub text: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub author: String,
    /// 0 when unknown (a page imported from its Markdown alone).
    #[serde(default)]
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchivePage {
    pub name: String,
    /// Oldest first; the last is the current text.
    pub revisions: Vec<ArchiveRevision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveFile {
    pub name: String,
    pub content_type: String,
    /// Stored as its own zip entry, not in wiki.json.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WikiArchive {
    pub title: String,
    pub description: String,
    pub home_page: String,
    pub menu: String,
    pub theme_color: String,
    /// Who may read the wiki ("public", "members", "private"); empty in archives made before
    /// it was kept (their import is private).
    pub visibility: String,
    /// The wiki let search engines index it (a public wiki only); false in archives made
    /// before it was kept.
    pub search_indexable: bool,
    pub pages: Vec<ArchivePage>,
    pub files: Vec<ArchiveFile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Sum of the decompressed sizes of all entries.
    pub max_total_bytes: u64,
    pub max_entries: usize,
    /// Decompressed size of any one entry.
    pub max_file_bytes: u64,
}

#[derive(Serialize, Deserialize)]
struct WikiJson {
    #[serde(default)]
    format: String,
    #[serde(default = "first_version")]
    version: u32,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    home_page: String,
    #[serde(default)]
    menu: String,
    #[serde(default)]
    theme_color: String,
    // Both left out by the archives of older versions: read as "private" and not indexable,
    // written without a version change, as an older version reading them ignores them.
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    search_indexable: bool,
    /// Page names in the wiki's order; pages found in the archive but not listed come after.
    #[serde(default)]
    pages: Vec<String>,
    #[serde(default)]
    files: Vec<ArchiveFile>,
}

fn first_version() -> u32 {
    1
}

// ---------------------------------------------------------------------------------------------
// Checks shared by export and import, so that whatever is exported imports again.

/// Validates pages and files; page and file names are normalised to their display form.
fn check_contents(pages: &mut [ArchivePage], files: &mut [ArchiveFile]) -> Result<(), Error> {
    let mut keys = HashSet::new();
    for page in pages.iter_mut() {
        let name = validate_page_name(&page.name)
            .map_err(|e| Error::validation(format!("page \"{}\": {}", page.name, e.message)))?;
        if !keys.insert(page_key(&name)) {
            return Err(Error::validation(format!(
                "two pages are named \"{name}\" (names differing only in case or spacing are the \
                 same page)"
            )));
        }
        if page.revisions.is_empty() {
            return Err(Error::validation(format!(
                "page \"{name}\" has no revision"
            )));
        }
        if let Some(pair) = page.revisions.windows(2).find(|w| w[0].rev >= w[1].rev) {
            return Err(Error::validation(format!(
                "page \"{name}\": revisions must be in increasing order (rev {} comes after rev {})",
                pair[1].rev, pair[0].rev
            )));
        }
        page.name = name;
    }
    let mut file_names = HashSet::new();
    for file in files.iter_mut() {
        let name = validate_file_name(&file.name)
            .map_err(|e| Error::validation(format!("file \"{}\": {}", file.name, e.message)))?;
        if !file_names.insert(name.to_lowercase()) {
            return Err(Error::validation(format!(
                "two files are named \"{name}\" (names differing only in case clash on many disks)"
            )));
        }
        file.name = name;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Export.

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("writing the wiki archive: {e}"))
}

/// The archive of a wiki. `html(page name, markdown)` renders a page body (the service's
/// [`crate::render::render`] with its usual options); it is called with an empty name for the
/// menu. Its wiki links and attachment images are rewritten to work from disk.
pub fn write_zip(w: &WikiArchive, html: &dyn Fn(&str, &str) -> String) -> Result<Vec<u8>, Error> {
    let mut pages = w.pages.clone();
    let mut files = w.files.clone();
    check_contents(&mut pages, &mut files)?;

    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let put = |zip: &mut ZipWriter<Cursor<Vec<u8>>>, name: &str, bytes: &[u8]| {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(bytes).map_err(zip_error)
    };

    let manifest = WikiJson {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        title: w.title.clone(),
        description: w.description.clone(),
        home_page: w.home_page.clone(),
        menu: w.menu.clone(),
        theme_color: w.theme_color.clone(),
        visibility: w.visibility.clone(),
        search_indexable: w.search_indexable,
        pages: pages.iter().map(|p| p.name.clone()).collect(),
        files: files.clone(),
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(zip_error)?;
    put(&mut zip, "wiki.json", &manifest)?;

    let menu_html = offline_links(&html("", &w.menu));
    let site = Site {
        title: &w.title,
        color: theme_color(&w.theme_color),
        menu: &menu_html,
    };
    for page in &pages {
        let segment = page_url_segment(&page.name);
        let Some(current) = page.revisions.last() else {
            continue;
        };
        put(
            &mut zip,
            &format!("pages/{segment}.md"),
            current.text.as_bytes(),
        )?;
        let history = serde_json::to_vec_pretty(page).map_err(zip_error)?;
        put(&mut zip, &format!("history/{segment}.json"), &history)?;
        let body = offline_links(&html(&page.name, &current.text));
        let document = site.page(&page.name, current, &body);
        put(
            &mut zip,
            &format!("html/{segment}.html"),
            document.as_bytes(),
        )?;
    }
    for file in &files {
        put(&mut zip, &format!("files/{}", file.name), &file.bytes)?;
    }
    let index = site.index(&w.description, &w.home_page, &pages, &files);
    put(&mut zip, "html/index.html", index.as_bytes())?;

    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// The theme colour if it is a plain hex colour (it lands in a style sheet), else the default.
fn theme_color(color: &str) -> &str {
    let hex = color.strip_prefix('#').unwrap_or_default();
    if matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        color
    } else {
        DEFAULT_THEME_COLOR
    }
}

/// A file name as a relative URL: on disk the name is literal, so its '%' and anything a browser
/// would read as URL syntax must be encoded.
fn file_href(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, FILE_HREF).to_string()
}

const FILE_HREF: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn readable_date(ms: i64) -> String {
    let stamp = nichoir_core::time::rfc3339(ms);
    match (stamp.get(..10), stamp.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => String::new(),
    }
}

struct Site<'a> {
    title: &'a str,
    color: &'a str,
    menu: &'a str,
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1d2327;background:#fff}\
header{background:var(--theme);padding:.8rem 1.5rem}\
header a{color:#fff;font-weight:600;font-size:1.2rem;text-decoration:none}\
.layout{display:flex;flex-wrap:wrap;gap:2rem;max-width:72rem;margin:0 auto;padding:1.5rem}\
nav{flex:0 0 14rem}nav ul{list-style:none;padding:0;margin:0}nav li{margin:.3rem 0}\
main{flex:1 1 30rem;min-width:0}\
a{color:var(--theme)}a.missing{color:#b3261e;text-decoration:underline dotted}\
pre,code{background:#f3f4f5;border-radius:4px;font-family:ui-monospace,monospace;font-size:.92em}\
pre{padding:.8rem;overflow:auto}code{padding:.1em .3em}pre code{padding:0}\
table{border-collapse:collapse}th,td{border:1px solid #ccd0d4;padding:.3rem .6rem}\
img{max-width:100%}blockquote{margin:0;padding-left:1rem;border-left:4px solid #ccd0d4;color:#50575e}\
footer{max-width:72rem;margin:0 auto;padding:1rem 1.5rem;color:#646970;font-size:.85rem;border-top:1px solid #dcdcde}\
";

impl Site<'_> {
    fn document(&self, heading: &str, content: &str, footer: &str) -> String {
        let title = if heading.is_empty() || heading == self.title {
            escape_html(self.title)
        } else {
            format!("{} — {}", escape_html(heading), escape_html(self.title))
        };
        format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>:root{{--theme:{color}}}{STYLE}</style>\n</head>\n\
             <body>\n<header><a href=\"index.html\">{site}</a></header>\n\
             <div class=\"layout\">\n<nav>\n{menu}</nav>\n<main>\n{content}</main>\n</div>\n\
             <footer>{footer}</footer>\n</body>\n</html>\n",
            color = self.color,
            site = escape_html(self.title),
            menu = self.menu,
        )
    }

    fn page(&self, name: &str, current: &ArchiveRevision, body: &str) -> String {
        let mut footer = format!("rev. {}", current.rev);
        let date = readable_date(current.created_ms);
        if current.created_ms != 0 && !date.is_empty() {
            footer.push_str(&format!(" · {date}"));
        }
        if !current.author.is_empty() {
            footer.push_str(&format!(" · {}", escape_html(&current.author)));
        }
        let content = format!("<h1>{}</h1>\n{body}", escape_html(name));
        self.document(name, &content, &footer)
    }

    fn index(
        &self,
        description: &str,
        home: &str,
        pages: &[ArchivePage],
        files: &[ArchiveFile],
    ) -> String {
        let mut content = format!("<h1>{}</h1>\n", escape_html(self.title));
        if !description.is_empty() {
            content.push_str(&format!("<p>{}</p>\n", escape_html(description)));
        }
        let home_key = page_key(home);
        if let Some(home) = pages.iter().find(|p| page_key(&p.name) == home_key) {
            content.push_str(&format!(
                "<p><strong><a href=\"{}.html\">{}</a></strong></p>\n",
                file_href(&page_url_segment(&home.name)),
                escape_html(&home.name)
            ));
        }
        let mut names: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
        names.sort_by_key(|n| n.to_lowercase());
        content.push_str("<h2>Pages</h2>\n<ul>\n");
        for name in names {
            content.push_str(&format!(
                "<li><a href=\"{}.html\">{}</a></li>\n",
                file_href(&page_url_segment(name)),
                escape_html(name)
            ));
        }
        content.push_str("</ul>\n");
        if !files.is_empty() {
            content.push_str("<h2>Files</h2>\n<ul>\n");
            for file in files {
                content.push_str(&format!(
                    "<li><a href=\"../files/{}\">{}</a></li>\n",
                    file_href(&file.name),
                    escape_html(&file.name)
                ));
            }
            content.push_str("</ul>\n");
        }
        self.document("", &content, "")
    }
}

/// Rewrites rendered HTML for the offline copy: wiki links go to the sibling `.html` files and
/// attachment images to `../files/`. The input is sanitiser output (every '<' in text escaped,
/// attribute values quoted), so tags can be found by scanning.
fn offline_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(rest.get(..open).unwrap_or_default());
        let tag_and_after = rest.get(open..).unwrap_or_default();
        let Some(len) = tag_length(tag_and_after) else {
            out.push_str(tag_and_after);
            return out;
        };
        let tag = tag_and_after.get(..len).unwrap_or_default();
        out.push_str(&rewrite_tag(tag));
        rest = tag_and_after.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Length of the tag at the start of `s` (through its '>'), quotes respected.
fn tag_length(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

struct Attribute<'a> {
    name: &'a str,
    value: &'a str,
    /// Byte range of the value in the tag, quotes excluded, and whether it was quoted.
    span: (usize, usize, bool),
}

fn attributes(tag: &str) -> Vec<Attribute<'_>> {
    let bytes = tag.as_bytes();
    let mut out = Vec::new();
    // Skip "<name".
    let mut i = 1;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
        i += 1;
    }
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'>' {
            return out;
        }
        let name_start = i;
        while i < bytes.len()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let name = tag.get(name_start..i).unwrap_or_default();
        if bytes.get(i) != Some(&b'=') {
            out.push(Attribute {
                name,
                value: "",
                span: (i, i, false),
            });
            continue;
        }
        i += 1;
        let (start, end, quoted) = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let start = i + 1;
                let end = tag
                    .get(start..)
                    .and_then(|s| s.find(q as char))
                    .map_or(bytes.len(), |n| start + n);
                i = end + 1;
                (start, end, true)
            }
            _ => {
                let start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                (start, i, false)
            }
        };
        out.push(Attribute {
            name,
            value: tag.get(start..end).unwrap_or_default(),
            span: (start, end, quoted),
        });
    }
}

fn rewrite_tag(tag: &str) -> String {
    let name: String = tag
        .get(1..)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let attrs = attributes(tag);
    let find = |wanted: &str| attrs.iter().find(|a| a.name.eq_ignore_ascii_case(wanted));
    let replacement = match name.as_str() {
        "a" => {
            let is_wikilink = find("class")
                .is_some_and(|c| c.value.split_whitespace().any(|class| class == "wikilink"));
            match find("href") {
                Some(href) if is_wikilink && !href.value.starts_with('#') => {
                    let (path, fragment) = match href.value.split_once('#') {
                        Some((path, fragment)) => (path, format!("#{fragment}")),
                        None => (href.value, String::new()),
                    };
                    let segment = path.rsplit('/').next().unwrap_or_default();
                    // The segment is percent-encoded; on disk its '%' are literal characters.
                    Some((
                        href,
                        format!("{}.html{fragment}", segment.replace('%', "%25")),
                    ))
                }
                _ => None,
            }
        }
        "img" => find("src").and_then(|src| {
            let rest = match src.value.find("/_files/") {
                Some(i) => src.value.get(i + "/_files/".len()..),
                None => src.value.strip_prefix("_files/"),
            }?;
            Some((src, format!("../files/{rest}")))
        }),
        _ => None,
    };
    match replacement {
        Some((attr, value)) => {
            let (start, end, quoted) = attr.span;
            let value = value.replace('"', "&quot;");
            let value = if quoted {
                value
            } else {
                format!("\"{value}\"")
            };
            format!(
                "{}{value}{}",
                tag.get(..start).unwrap_or_default(),
                tag.get(end..).unwrap_or_default()
            )
        }
        None => tag.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Import.

/// Entry names that could point outside the archive's folder once extracted by some tool: they
/// never come from an export, so the archive was crafted.
fn check_entry_name(name: &str) -> Result<(), Error> {
    let drive = name
        .as_bytes()
        .get(1)
        .is_some_and(|&b| b == b':' && name.as_bytes()[0].is_ascii_alphabetic());
    if name.starts_with('/') || name.starts_with('\\') || drive {
        return Err(Error::validation(format!(
            "the archive entry \"{name}\" has an absolute path"
        )));
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Err(Error::validation(format!(
            "the archive entry \"{name}\" contains '..'"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::validation(
            "an archive entry name contains control characters",
        ));
    }
    Ok(())
}

struct Reader<'z> {
    zip: ZipArchive<Cursor<&'z [u8]>>,
    /// Entry name → index, files only.
    index: HashMap<String, usize>,
    /// Entry names in archive order, files only.
    order: Vec<String>,
    limits: ArchiveLimits,
    read_total: u64,
}

impl<'z> Reader<'z> {
    fn open(bytes: &'z [u8], limits: ArchiveLimits) -> Result<Self, Error> {
        let zip = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| Error::validation(format!("this is not a readable zip archive ({e})")))?;
        if zip.len() > limits.max_entries {
            return Err(Error::validation(format!(
                "the archive has {} entries, more than the limit of {}",
                zip.len(),
                limits.max_entries
            )));
        }
        let mut index = HashMap::new();
        let mut order = Vec::new();
        let mut declared_total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_data(i)
                .map_err(|e| Error::validation(format!("unreadable archive entry ({e})")))?;
            let name = entry
                .name()
                .map_err(|_| Error::validation("an archive entry name is not valid text"))?
                .to_string();
            check_entry_name(&name)?;
            if entry.enclosed_name().is_none() {
                return Err(Error::validation(format!(
                    "the archive entry \"{name}\" points outside the archive"
                )));
            }
            if entry.encrypted() {
                return Err(Error::validation(format!(
                    "the archive entry \"{name}\" is encrypted"
                )));
            }
            let size = entry.size();
            if size > limits.max_file_bytes {
                return Err(Error::validation(format!(
                    "the archive entry \"{name}\" is {size} bytes once decompressed, more than \
                     the limit of {} bytes",
                    limits.max_file_bytes
                )));
            }
            declared_total = declared_total.saturating_add(size);
            if declared_total > limits.max_total_bytes {
                return Err(Error::validation(format!(
                    "the archive is more than {} bytes once decompressed",
                    limits.max_total_bytes
                )));
            }
            if entry.is_dir() || entry.is_symlink() {
                continue;
            }
            if index.insert(name.clone(), i).is_some() {
                return Err(Error::validation(format!(
                    "the archive has two entries named \"{name}\""
                )));
            }
            order.push(name);
        }
        Ok(Reader {
            zip,
            index,
            order,
            limits,
            read_total: 0,
        })
    }

    /// Decompresses an entry, counting bytes as they come: declared sizes can lie.
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let Some(&i) = self.index.get(name) else {
            return Ok(None);
        };
        let left_in_total = self.limits.max_total_bytes.saturating_sub(self.read_total);
        let cap = self.limits.max_file_bytes.min(left_in_total);
        let entry = self
            .zip
            .by_index(i)
            .map_err(|e| Error::validation(format!("cannot read \"{name}\" ({e})")))?;
        let mut bytes = Vec::new();
        entry
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::validation(format!("\"{name}\" is damaged ({e})")))?;
        let len = bytes.len() as u64;
        if len > cap {
            return Err(Error::validation(if cap == self.limits.max_file_bytes {
                format!(
                    "\"{name}\" is more than {} bytes once decompressed",
                    self.limits.max_file_bytes
                )
            } else {
                format!(
                    "the archive is more than {} bytes once decompressed",
                    self.limits.max_total_bytes
                )
            }));
        }
        self.read_total += len;
        Ok(Some(bytes))
    }

    fn read_text(&mut self, name: &str) -> Result<Option<String>, Error> {
        match self.read(name)? {
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| Error::validation(format!("\"{name}\" is not UTF-8 text"))),
            None => Ok(None),
        }
    }
}

/// Reads an exported wiki. Everything is checked; the first problem is returned as a validation
/// error naming it.
pub fn read_zip(bytes: &[u8], limits: &ArchiveLimits) -> Result<WikiArchive, Error> {
    let mut reader = Reader::open(bytes, *limits)?;

    let manifest = reader.read_text("wiki.json")?.ok_or_else(|| {
        Error::validation("the archive has no wiki.json: it is not a Nichoir wiki export")
    })?;
    let manifest: WikiJson = serde_json::from_str(&manifest)
        .map_err(|e| Error::validation(format!("wiki.json is not valid: {e}")))?;
    if !manifest.format.is_empty() && manifest.format != FORMAT {
        return Err(Error::validation(format!(
            "wiki.json says the archive is \"{}\", not a Nichoir wiki",
            manifest.format
        )));
    }
    if manifest.version > FORMAT_VERSION {
        return Err(Error::validation(format!(
            "the archive was made by a newer version of Nichoir (format {}), update this one first",
            manifest.version
        )));
    }

    let mut pages = read_pages(&mut reader)?;
    let mut files = read_files(&mut reader, &manifest.files)?;
    check_contents(&mut pages, &mut files)?;

    // The wiki's order first, then whatever it did not list.
    let rank: HashMap<String, usize> = manifest
        .pages
        .iter()
        .enumerate()
        .map(|(i, name)| (page_key(name), i))
        .collect();
    pages.sort_by_key(|p| rank.get(&page_key(&p.name)).copied().unwrap_or(usize::MAX));

    let home_page = if manifest.home_page.trim().is_empty() {
        String::new()
    } else {
        validate_page_name(&manifest.home_page)
            .map_err(|e| Error::validation(format!("home page: {}", e.message)))?
    };

    Ok(WikiArchive {
        title: manifest.title,
        description: manifest.description,
        home_page,
        menu: manifest.menu,
        theme_color: manifest.theme_color,
        visibility: manifest.visibility,
        search_indexable: manifest.search_indexable,
        pages,
        files,
    })
}

fn read_pages(reader: &mut Reader<'_>) -> Result<Vec<ArchivePage>, Error> {
    let mut pages = Vec::new();
    let mut with_history = HashSet::new();
    let histories: Vec<String> = reader
        .order
        .iter()
        .filter(|n| n.starts_with("history/") && n.ends_with(".json"))
        .cloned()
        .collect();
    for entry in histories {
        let Some(text) = reader.read_text(&entry)? else {
            continue;
        };
        let page: ArchivePage = serde_json::from_str(&text)
            .map_err(|e| Error::validation(format!("\"{entry}\" is not valid: {e}")))?;
        if let Some(segment) = entry
            .strip_prefix("history/")
            .and_then(|s| s.strip_suffix(".json"))
        {
            with_history.insert(segment.to_string());
        }
        pages.push(page);
    }
    // A page with its Markdown but no history (an archive put together by hand) becomes a page
    // with one revision.
    let markdown: Vec<String> = reader
        .order
        .iter()
        .filter(|n| {
            n.strip_prefix("pages/")
                .and_then(|s| s.strip_suffix(".md"))
                .is_some_and(|segment| !with_history.contains(segment))
        })
        .cloned()
        .collect();
    for entry in markdown {
        let segment = entry
            .strip_prefix("pages/")
            .and_then(|s| s.strip_suffix(".md"))
            .unwrap_or_default();
        let name = name_from_url_segment(segment);
        let Some(text) = reader.read_text(&entry)? else {
            continue;
        };
        pages.push(ArchivePage {
            name,
            revisions: vec![ArchiveRevision {
                rev: 1,
                text,
                summary: String::new(),
                author: String::new(),
                created_ms: 0,
            }],
        });
    }
    Ok(pages)
}

fn read_files(
    reader: &mut Reader<'_>,
    declared: &[ArchiveFile],
) -> Result<Vec<ArchiveFile>, Error> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for file in declared {
        let entry = format!("files/{}", file.name);
        let bytes = reader.read(&entry)?.ok_or_else(|| {
            Error::validation(format!(
                "wiki.json lists the file \"{}\" but the archive does not hold it",
                file.name
            ))
        })?;
        seen.insert(entry);
        let content_type = file.content_type.trim();
        files.push(ArchiveFile {
            name: file.name.clone(),
            content_type: if content_type.is_empty() {
                "application/octet-stream".into()
            } else {
                content_type.to_string()
            },
            bytes,
        });
    }
    let undeclared: Vec<String> = reader
        .order
        .iter()
        .filter(|n| n.starts_with("files/") && !seen.contains(*n))
        .cloned()
        .collect();
    for entry in undeclared {
        let name = entry.strip_prefix("files/").unwrap_or_default().to_string();
        if let Some(bytes) = reader.read(&entry)? {
            files.push(ArchiveFile {
                name,
                content_type: "application/octet-stream".into(),
                bytes,
            });
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{render, LinkTarget, RenderOptions};

    const LIMITS: ArchiveLimits = ArchiveLimits {
        max_total_bytes: 10_000_000,
        max_entries: 1000,
        max_file_bytes: 1_000_000,
    };

    fn rev(rev: u64, text: &str) -> ArchiveRevision {
        ArchiveRevision {
            rev,
            text: text.into(),
            summary: format!("edit {rev}"),
            author: "Camille".into(),
            created_ms: 1_700_000_000_000 + rev as i64,
        }
    }

    fn sample() -> WikiArchive {
        WikiArchive {
            title: "Club <des> \"amis\"".into(),
            description: "Notre wiki & nos notes".into(),
            home_page: "Accueil".into(),
            menu: "- [[Accueil]]\n- [[Réunion du Bureau]]\n".into(),
            theme_color: "#336699".into(),
            visibility: "public".into(),
            search_indexable: true,
            pages: vec![
                ArchivePage {
                    name: "Accueil".into(),
                    revisions: vec![
                        rev(1, "# Bonjour"),
                        rev(
                            2,
                            "# Bonjour\n\nVoir [[Réunion du Bureau#Ordre du jour|la réunion]], \
                             [[Absente]] et ![plan](/w/club/_files/plan%20v2.png).\n",
                        ),
                    ],
                },
                ArchivePage {
                    name: "Réunion du Bureau".into(),
                    revisions: vec![rev(3, "## Ordre du jour\n\n1. Budget\n")],
                },
                ArchivePage {
                    name: "100% fun?".into(),
                    revisions: vec![rev(1, "ok")],
                },
            ],
            files: vec![
                ArchiveFile {
                    name: "plan v2.png".into(),
                    content_type: "image/png".into(),
                    bytes: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3],
                },
                ArchiveFile {
                    name: "notes.txt".into(),
                    content_type: "text/plain".into(),
                    bytes: b"hello".to_vec(),
                },
            ],
        }
    }

    fn body(pages: &[ArchivePage]) -> impl Fn(&str, &str) -> String + '_ {
        move |_name, markdown| {
            let exists = |key: &str| pages.iter().any(|p| page_key(&p.name) == key);
            render(
                markdown,
                &RenderOptions {
                    wiki_base: "/w/club",
                    instance_origin: "",
                    links: LinkTarget { exists: &exists },
                },
            )
            .map(|r| r.html)
            .unwrap_or_default()
        }
    }

    fn write(w: &WikiArchive) -> Vec<u8> {
        match write_zip(w, &body(&w.pages)) {
            Ok(bytes) => bytes,
            Err(e) => panic!("{e}"),
        }
    }

    fn entries(zip: &[u8]) -> HashMap<String, Vec<u8>> {
        let mut out = HashMap::new();
        let Ok(mut archive) = ZipArchive::new(Cursor::new(zip)) else {
            return out;
        };
        for i in 0..archive.len() {
            if let Ok(mut f) = archive.by_index(i) {
                let name = f.name().map(|n| n.to_string()).unwrap_or_default();
                let mut bytes = Vec::new();
                let _ = f.read_to_end(&mut bytes);
                out.insert(name, bytes);
            }
        }
        out
    }

    /// A zip made of raw entries, for archives an export would never produce.
    fn craft(files: &[(&str, &[u8])]) -> Vec<u8> {
        let build = || -> Result<Vec<u8>, Box<dyn std::error::Error>> {
            let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
            let options =
                SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
            for (name, bytes) in files {
                zip.start_file(*name, options)?;
                zip.write_all(bytes)?;
            }
            Ok(zip.finish()?.into_inner())
        };
        match build() {
            Ok(bytes) => bytes,
            Err(e) => panic!("crafting a test zip: {e}"),
        }
    }

    fn refusal(bytes: &[u8], limits: &ArchiveLimits) -> String {
        match read_zip(bytes, limits) {
            Ok(w) => panic!("accepted: {w:?}"),
            Err(e) => {
                assert_eq!(
                    e.code,
                    nichoir_core::ErrorCode::ValidationFailed,
                    "{}",
                    e.message
                );
                e.message
            }
        }
    }

    const MANIFEST: &[u8] = br#"{"format":"nichoir-wiki","version":1,"title":"T"}"#;

    #[test]
    fn round_trip() {
        let w = sample();
        let back = read_zip(&write(&w), &LIMITS);
        assert_eq!(back.ok(), Some(w));
    }

    #[test]
    fn layout() {
        let files = entries(&write(&sample()));
        let mut names: Vec<&str> = files.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "files/notes.txt",
                "files/plan v2.png",
                "history/100%25_fun%3F.json",
                "history/Accueil.json",
                "history/R%C3%A9union_du_Bureau.json",
                "html/100%25_fun%3F.html",
                "html/Accueil.html",
                "html/R%C3%A9union_du_Bureau.html",
                "html/index.html",
                "pages/100%25_fun%3F.md",
                "pages/Accueil.md",
                "pages/R%C3%A9union_du_Bureau.md",
                "wiki.json",
            ]
        );
        let md = String::from_utf8_lossy(&files["pages/Accueil.md"]).to_string();
        assert!(md.starts_with("# Bonjour\n\nVoir [[Réunion du Bureau"));
        let manifest: serde_json::Value =
            serde_json::from_slice(&files["wiki.json"]).unwrap_or_default();
        assert_eq!(manifest["format"], "nichoir-wiki");
        assert_eq!(manifest["files"][0]["content_type"], "image/png");
        assert!(manifest["files"][0].get("bytes").is_none());
        assert_eq!(manifest["pages"][1], "Réunion du Bureau");
    }

    #[test]
    fn static_copy_browses_offline() {
        let files = entries(&write(&sample()));
        let page = String::from_utf8_lossy(&files["html/Accueil.html"]).to_string();
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(
            page.contains("<title>Accueil — Club &lt;des&gt; &quot;amis&quot;</title>"),
            "{page}"
        );
        assert!(page.contains("--theme:#336699"), "{page}");
        // Links go to sibling files; '%' in a file name is itself encoded.
        assert!(
            page.contains("href=\"R%25C3%25A9union_du_Bureau.html#ordre-du-jour\""),
            "{page}"
        );
        assert!(
            page.contains("href=\"Absente.html\" class=\"wikilink missing\""),
            "{page}"
        );
        assert!(page.contains("src=\"../files/plan%20v2.png\""), "{page}");
        // The menu is there too, rewritten.
        assert!(page.contains("<nav>"), "{page}");
        assert!(
            page.contains("href=\"Accueil.html\" class=\"wikilink\""),
            "{page}"
        );
        assert!(
            page.contains("rev. 2 · 2023-11-14 22:13 UTC · Camille"),
            "{page}"
        );
        assert!(!page.contains("/w/club"), "{page}");

        let index = String::from_utf8_lossy(&files["html/index.html"]).to_string();
        assert!(
            index.contains("<a href=\"Accueil.html\">Accueil</a>"),
            "{index}"
        );
        assert!(index.contains("href=\"100%2525_fun%253F.html\""), "{index}");
        assert!(index.contains("href=\"../files/plan%20v2.png\""), "{index}");
        assert!(index.contains("Notre wiki &amp; nos notes"), "{index}");
    }

    #[test]
    fn bad_theme_color_never_reaches_the_style() {
        let mut w = sample();
        w.theme_color = "red}body{background:url(https://evil.example/x)".into();
        let files = entries(&write(&w));
        let page = String::from_utf8_lossy(&files["html/Accueil.html"]).to_string();
        assert!(!page.contains("evil.example"));
        assert!(page.contains(DEFAULT_THEME_COLOR));
    }

    #[test]
    fn export_refuses_what_import_would() {
        let mut w = sample();
        w.pages[1].name = "accueil".into();
        assert!(write_zip(&w, &body(&[])).is_err());
        let mut w = sample();
        w.files[0].name = "../x".into();
        assert!(write_zip(&w, &body(&[])).is_err());
    }

    #[test]
    fn refuses_paths_out_of_the_archive() {
        for name in [
            "../evil.txt",
            "files/../../evil",
            "/etc/passwd",
            "\\evil",
            "C:/evil",
            "files\\..\\x",
        ] {
            let zip = craft(&[("wiki.json", MANIFEST), (name, b"x")]);
            let message = refusal(&zip, &LIMITS);
            assert!(
                message.contains("absolute") || message.contains(".."),
                "{name}: {message}"
            );
        }
    }

    #[test]
    fn refuses_too_many_entries() {
        let zip = craft(&[("wiki.json", MANIFEST), ("a", b""), ("b", b"")]);
        let limits = ArchiveLimits {
            max_entries: 2,
            ..LIMITS
        };
        assert!(refusal(&zip, &limits).contains("more than the limit of 2"));
    }

    #[test]
    fn refuses_zip_bombs() {
        let zeros = vec![0u8; 200_000];
        let zip = craft(&[("wiki.json", MANIFEST), ("files/zeros.bin", &zeros)]);
        assert!(zip.len() < 5_000, "deflate packs zeros");
        let per_file = ArchiveLimits {
            max_file_bytes: 100_000,
            ..LIMITS
        };
        assert!(refusal(&zip, &per_file).contains("more than the limit of 100000 bytes"));
        let total = ArchiveLimits {
            max_total_bytes: 150_000,
            ..LIMITS
        };
        assert!(refusal(&zip, &total).contains("more than 150000 bytes"));
    }

    /// An entry whose headers claim it is tiny: bytes are counted while decompressing.
    #[test]
    fn refuses_lying_sizes() {
        let zeros = vec![0u8; 200_000];
        let mut zip = craft(&[("wiki.json", MANIFEST), ("files/zeros.bin", &zeros)]);
        let mut patched = 0;
        // Uncompressed size: offset 22 in a local header, 24 in a central directory header.
        for (signature, offset) in [
            ([0x50, 0x4b, 0x03, 0x04], 22),
            ([0x50, 0x4b, 0x01, 0x02], 24),
        ] {
            let mut i = 0;
            while i + 4 <= zip.len() {
                if zip[i..i + 4] == signature {
                    let size = &mut zip[i + offset..i + offset + 4];
                    if u32::from_le_bytes([size[0], size[1], size[2], size[3]]) == 200_000 {
                        size.copy_from_slice(&10u32.to_le_bytes());
                        patched += 1;
                    }
                }
                i += 1;
            }
        }
        assert_eq!(patched, 2);
        let limits = ArchiveLimits {
            max_file_bytes: 1_000,
            ..LIMITS
        };
        let message = refusal(&zip, &limits);
        // zip notices the lie itself; the byte count while reading is the second fence.
        assert!(
            message.contains("more than 1000 bytes") || message.contains("damaged"),
            "{message}"
        );
    }

    #[test]
    fn refuses_missing_or_invalid_manifest() {
        let zip = craft(&[("pages/Home.md", b"x")]);
        assert!(refusal(&zip, &LIMITS).contains("no wiki.json"));
        let zip = craft(&[("wiki.json", b"{not json")]);
        assert!(refusal(&zip, &LIMITS).contains("wiki.json is not valid"));
        let zip = craft(&[("wiki.json", br#"{"format":"other","title":"T"}"#)]);
        assert!(refusal(&zip, &LIMITS).contains("not a Nichoir wiki"));
        let zip = craft(&[("wiki.json", br#"{"title":"T","version":99}"#)]);
        assert!(refusal(&zip, &LIMITS).contains("newer version"));
        assert!(refusal(b"not a zip at all", &LIMITS).contains("not a readable zip"));
        assert!(refusal(b"", &LIMITS).contains("not a readable zip"));
    }

    fn history(name: &str, revs: &[u64]) -> Vec<u8> {
        let page = ArchivePage {
            name: name.into(),
            revisions: revs.iter().map(|&r| rev(r, "text")).collect(),
        };
        serde_json::to_vec(&page).unwrap_or_default()
    }

    #[test]
    fn refuses_invalid_pages() {
        let zip = craft(&[
            ("wiki.json", MANIFEST),
            ("history/a.json", &history("a/b", &[1])),
        ]);
        assert!(refusal(&zip, &LIMITS).contains("cannot contain '/'"));
        let zip = craft(&[
            ("wiki.json", MANIFEST),
            ("history/Home.json", &history("Home", &[1])),
            ("history/home.json", &history("home ", &[1])),
        ]);
        assert!(refusal(&zip, &LIMITS).contains("two pages are named"));
        let zip = craft(&[
            ("wiki.json", MANIFEST),
            ("history/Home.json", &history("Home", &[1, 3, 2])),
        ]);
        assert!(refusal(&zip, &LIMITS).contains("increasing order"));
        let zip = craft(&[
            ("wiki.json", MANIFEST),
            ("history/Home.json", &history("Home", &[2, 2])),
        ]);
        assert!(refusal(&zip, &LIMITS).contains("increasing order"));
        let zip = craft(&[
            ("wiki.json", MANIFEST),
            ("history/Home.json", &history("Home", &[])),
        ]);
        assert!(refusal(&zip, &LIMITS).contains("no revision"));
        let zip = craft(&[("wiki.json", MANIFEST), ("history/Home.json", b"[]")]);
        assert!(refusal(&zip, &LIMITS).contains("is not valid"));
        let zip = craft(&[("wiki.json", MANIFEST), ("pages/a%2Fb.md", b"x")]);
        assert!(refusal(&zip, &LIMITS).contains("cannot contain '/'"));
        let zip = craft(&[("wiki.json", MANIFEST), ("pages/Home.md", &[0xff, 0xfe])]);
        assert!(refusal(&zip, &LIMITS).contains("not UTF-8"));
    }

    #[test]
    fn refuses_invalid_files() {
        let manifest = br#"{"title":"T","files":[{"name":"gone.png","content_type":"image/png"}]}"#;
        let zip = craft(&[("wiki.json", manifest)]);
        assert!(refusal(&zip, &LIMITS).contains("does not hold it"));
        let zip = craft(&[("wiki.json", MANIFEST), ("files/.htaccess", b"x")]);
        assert!(refusal(&zip, &LIMITS).contains("cannot start with '.'"));
    }

    #[test]
    fn hand_made_archives_import() {
        let zip = craft(&[
            (
                "wiki.json",
                br#"{"title":"T","home_page":"Home_page","pages":["Second","Home page"]}"#,
            ),
            ("pages/Home_page.md", b"# Hi [[Second]]"),
            ("history/Second.json", &history("Second", &[1, 2])),
            ("pages/Second.md", b"ignored: the history wins"),
            ("files/logo.svg", b"<svg/>"),
            ("html/index.html", b"ignored"),
        ]);
        let w = match read_zip(&zip, &LIMITS) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(w.home_page, "Home page");
        // Made before the wiki's visibility and indexing were kept: nothing opens it.
        assert_eq!((w.visibility.as_str(), w.search_indexable), ("", false));
        let names: Vec<_> = w.pages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Second", "Home page"]);
        assert_eq!(w.pages[0].revisions.len(), 2);
        assert_eq!(w.pages[1].revisions[0].text, "# Hi [[Second]]");
        assert_eq!(w.files[0].content_type, "application/octet-stream");
        assert_eq!(w.files[0].bytes, b"<svg/>");
    }

    #[test]
    fn offline_rewrite_keeps_other_tags() {
        let html = "<p>a &lt;b&gt; <a href=\"https://x.example/?a=1&amp;b=2\" rel=\"x\">ext</a> \
                    <a href=\"#top\" class=\"wikilink\">top</a> \
                    <a href=\"/w/s/Page_2#sec\" class=\"wikilink missing\" title=\"a > b\">p</a> \
                    <img src=\"https://x.example/i.png\"><img alt=\"x\" src=\"_files/a.png\"></p>";
        let out = offline_links(html);
        assert_eq!(
            out,
            "<p>a &lt;b&gt; <a href=\"https://x.example/?a=1&amp;b=2\" rel=\"x\">ext</a> \
             <a href=\"#top\" class=\"wikilink\">top</a> \
             <a href=\"Page_2.html#sec\" class=\"wikilink missing\" title=\"a > b\">p</a> \
             <img src=\"https://x.example/i.png\"><img alt=\"x\" src=\"../files/a.png\"></p>"
        );
        assert_eq!(offline_links("broken <a href=\"x"), "broken <a href=\"x");
    }
}
