//! Pad file formats beyond plain text: the block model shared by all of them (`model`), Etherpad's
//! attributed text (`atext`), Word (`docx`) and OpenDocument (`odt`) files, written from the pad's
//! Markdown and read back into Markdown. Office files are zip packages of XML; both are read here
//! under limits (entry count, declared and actual decompressed sizes, XML nesting) and with any
//! DTD refused, so a crafted file is a clear validation error, never a panic or a blown memory.

pub mod atext;
pub mod docx;
pub mod model;
pub mod odt;
pub mod print;

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use nichoir_core::{limits, work, Error};
use quick_xml::events::{BytesRef, Event};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Office {
    Docx,
    Odt,
}

/// The pad's Markdown as an office file, built on the work pool.
pub async fn write_office(kind: Office, title: String, text: String) -> Result<Vec<u8>, Error> {
    work::run(move || {
        let blocks = model::from_markdown(&text)?;
        Ok(match kind {
            Office::Docx => docx::write(&blocks, &title),
            Office::Odt => odt::write(&blocks, &title),
        })
    })
    .await
}

/// An office file's text as Markdown (run it on the work pool).
pub fn read_office(kind: Office, bytes: &[u8]) -> Result<String, Error> {
    let blocks = match kind {
        Office::Docx => docx::read(bytes)?,
        Office::Odt => odt::read(bytes)?,
    };
    if work::over_budget() {
        return Err(work::exceeded());
    }
    Ok(model::to_markdown(&blocks, false))
}

/// Entries an office file may have (a real document has a dozen to a few hundred).
pub const MAX_ENTRIES: usize = 2_000;
/// Bytes the parts we read may decompress to, together.
pub const MAX_UNZIPPED_BYTES: u64 = 64 * 1024 * 1024;

/// An office package opened for reading: the entry list checked at once, each entry decompressed
/// with its real size counted (declared sizes can lie).
pub struct Package<'z> {
    zip: ZipArchive<Cursor<&'z [u8]>>,
    index: HashMap<String, usize>,
    read_total: u64,
}

impl<'z> Package<'z> {
    pub fn open(bytes: &'z [u8], what: &str) -> Result<Self, Error> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            Error::validation(format!(
                "this is not a {what} file (not a zip package: {e})"
            ))
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(Error::validation(format!(
                "the {what} file has {} parts, more than the limit of {MAX_ENTRIES}",
                zip.len()
            )));
        }
        let mut index = HashMap::new();
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_data(i)
                .map_err(|e| Error::validation(format!("unreadable {what} part ({e})")))?;
            declared = declared.saturating_add(entry.size());
            if declared > MAX_UNZIPPED_BYTES {
                return Err(Error::validation(format!(
                    "the {what} file is more than {MAX_UNZIPPED_BYTES} bytes once decompressed"
                )));
            }
            if let Ok(name) = entry.name() {
                index.insert(name.to_string(), i);
            }
        }
        Ok(Package {
            zip,
            index,
            read_total: 0,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// An entry as UTF-8 text, `None` when absent.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, Error> {
        let Some(&i) = self.index.get(name) else {
            return Ok(None);
        };
        let cap = MAX_UNZIPPED_BYTES.saturating_sub(self.read_total);
        let entry = self
            .zip
            .by_index(i)
            .map_err(|e| Error::validation(format!("cannot read \"{name}\" ({e})")))?;
        if entry.encrypted() {
            return Err(Error::validation(format!("\"{name}\" is encrypted")));
        }
        let mut bytes = Vec::new();
        entry
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::validation(format!("\"{name}\" is damaged ({e})")))?;
        if bytes.len() as u64 > cap {
            return Err(Error::validation(format!(
                "the file is more than {MAX_UNZIPPED_BYTES} bytes once decompressed"
            )));
        }
        self.read_total += bytes.len() as u64;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::validation(format!("\"{name}\" is not UTF-8 XML")))
    }
}

/// Writes a zip package: `first` stored uncompressed at the start (ODF's `mimetype` must be),
/// the other parts deflated.
pub fn write_package(first: Option<(&str, &[u8])>, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut write =
        |name: &str, data: &[u8], opts: SimpleFileOptions| -> zip::result::ZipResult<()> {
            zip.start_file(name, opts)?;
            zip.write_all(data)?;
            Ok(())
        };
    let mut ok = true;
    if let Some((name, data)) = first {
        ok &= write(name, data, stored).is_ok();
    }
    for (name, data) in parts {
        ok &= write(name, data, deflated).is_ok();
    }
    // Writing into memory only fails on a bug: an empty file then shows it.
    debug_assert!(ok);
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One XML event reduced to what the readers use, names without their namespace prefix kept
/// whole (`w:p`, `text:span`): office files use fixed prefixes in practice, and a reader that
/// only matches `w:`/`text:` names simply sees nothing in a file that renames them.
#[derive(Debug)]
pub enum Xml {
    Start(String, Vec<(String, String)>),
    /// An empty element (`<w:b/>`): a start immediately ended.
    Empty(String, Vec<(String, String)>),
    End(String),
    Text(String),
}

fn attrs(e: &quick_xml::events::BytesStart<'_>) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| Error::validation(format!("broken XML attribute ({e})")))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| Error::validation(format!("broken XML attribute value ({e})")))?
            .into_owned();
        out.push((key, value));
    }
    Ok(out)
}

fn entity(r: &BytesRef<'_>) -> Result<String, Error> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(Error::validation("broken XML character reference")),
        };
    }
    let name = r
        .decode()
        .map_err(|_| Error::validation("broken XML entity"))?;
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(s) => Ok(s.to_string()),
        None => Err(Error::validation(format!(
            "the XML uses the entity `&{name};`, which is not accepted (no DTD entities)"
        ))),
    }
}

/// Parses a whole XML part into events, refusing DTDs (so no entity expansion, no billion
/// laughs) and nesting deeper than the render limit, and looking at the work deadline.
pub fn parse_xml(xml: &str) -> Result<Vec<Xml>, Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let max_depth = limits::max_nesting().max(64) * 4;
    let mut depth = 0usize;
    let mut out = Vec::new();
    loop {
        if out.len() % 4096 == 4095 && work::over_budget() {
            return Err(work::exceeded());
        }
        let event = reader
            .read_event()
            .map_err(|e| Error::validation(format!("broken XML ({e})")))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > max_depth {
                    return Err(Error::validation(format!(
                        "the XML nests deeper than {max_depth} levels"
                    )));
                }
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                out.push(Xml::Start(name, attrs(&e)?));
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                out.push(Xml::Empty(name, attrs(&e)?));
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                out.push(Xml::End(
                    String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                ));
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| Error::validation(format!("broken XML text ({e})")))?;
                push_text(&mut out, &s);
            }
            Event::CData(t) => {
                let s = t
                    .decode()
                    .map_err(|e| Error::validation(format!("broken XML text ({e})")))?;
                push_text(&mut out, &s);
            }
            Event::GeneralRef(r) => {
                let s = entity(&r)?;
                push_text(&mut out, &s);
            }
            Event::DocType(_) => {
                return Err(Error::validation(
                    "the XML has a DTD (<!DOCTYPE>), which office files never need: refused",
                ))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn push_text(out: &mut Vec<Xml>, s: &str) {
    if let Some(Xml::Text(t)) = out.last_mut() {
        t.push_str(s);
    } else {
        out.push(Xml::Text(s.to_string()));
    }
}

pub fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>"#;
        let err = parse_xml(laughs).expect_err("refused");
        assert!(err.message.contains("DTD"), "{}", err.message);
        let err = parse_xml("<a>&lol;</a>").expect_err("refused");
        assert!(err.message.contains("entity"), "{}", err.message);
        let ok = parse_xml("<a b=\"&lt;\">x &amp; &#233;</a>").unwrap_or_default();
        assert!(matches!(&ok[1], Xml::Text(t) if t == "x & é"), "{ok:?}");
        assert!(parse_xml("<a><b></a>").is_err());
        let deep = "<a>".repeat(100_000);
        assert!(parse_xml(&deep).is_err());
    }

    #[test]
    fn packages_refuse_non_zip_and_bombs() {
        assert!(Package::open(b"not a zip at all", "DOCX").is_err());
        // 100 MB of zeros deflates to ~100 KB: refused from its declared size.
        let zeros = vec![0u8; 100 * 1024 * 1024];
        let bomb = write_package(None, &[("word/document.xml", &zeros)]);
        assert!(bomb.len() < 1024 * 1024);
        let err = Package::open(&bomb, "DOCX").err().map(|e| e.message);
        assert!(err.is_some_and(|m| m.contains("decompressed")));
        let many: Vec<(String, Vec<u8>)> = (0..MAX_ENTRIES + 1)
            .map(|i| (format!("f{i}"), Vec::new()))
            .collect();
        let refs: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert!(Package::open(&write_package(None, &refs), "DOCX").is_err());
    }
}
