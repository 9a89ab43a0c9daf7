//! OpenDocument text (ODT) files: written from blocks as a minimal valid ODF package (the
//! `mimetype` entry first and stored, `content.xml`, `styles.xml`, `meta.xml`,
//! `META-INF/manifest.xml`), read back into blocks. No maintained crate writes ODF; the format
//! needed here is small.

use std::collections::HashMap;

use nichoir_core::Error;

use super::model::{push_read, Block, Kind, Span, Style};
use super::{attr, parse_xml, write_package, xml_escape, Package, Xml};

const MIME: &str = "application/vnd.oasis.opendocument.text";

const NS: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
    xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
    xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
    xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" \
    xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
    xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" \
    xmlns:loext=\"urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0\" \
    office:version=\"1.3\"";

fn styles_xml() -> String {
    let mut headings = String::new();
    for (n, size) in [
        (1, "180%"),
        (2, "150%"),
        (3, "130%"),
        (4, "115%"),
        (5, "100%"),
        (6, "100%"),
    ] {
        headings.push_str(&format!(
            "<style:style style:name=\"Heading_20_{n}\" style:display-name=\"Heading {n}\" style:family=\"paragraph\" \
             style:parent-style-name=\"Heading\" style:next-style-name=\"Text_20_body\" style:default-outline-level=\"{n}\">\
             <style:text-properties fo:font-size=\"{size}\" fo:font-weight=\"bold\"/></style:style>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {NS}><office:styles>\
         <style:default-style style:family=\"paragraph\"><style:text-properties fo:font-size=\"11pt\"/></style:default-style>\
         <style:style style:name=\"Standard\" style:family=\"paragraph\"/>\
         <style:style style:name=\"Text_20_body\" style:display-name=\"Text body\" style:family=\"paragraph\" style:parent-style-name=\"Standard\">\
         <style:paragraph-properties fo:margin-bottom=\"0.2cm\"/></style:style>\
         <style:style style:name=\"Heading\" style:family=\"paragraph\" style:parent-style-name=\"Standard\">\
         <style:paragraph-properties fo:margin-top=\"0.4cm\" fo:margin-bottom=\"0.2cm\" fo:keep-with-next=\"always\"/></style:style>\
         {headings}\
         <style:style style:name=\"Quotations\" style:family=\"paragraph\" style:parent-style-name=\"Standard\">\
         <style:paragraph-properties fo:margin-left=\"1cm\" fo:margin-bottom=\"0.2cm\"/><style:text-properties fo:font-style=\"italic\"/></style:style>\
         <style:style style:name=\"Preformatted_20_Text\" style:display-name=\"Preformatted Text\" style:family=\"paragraph\" style:parent-style-name=\"Standard\">\
         <style:paragraph-properties fo:background-color=\"#f2f2f2\"/><style:text-properties style:font-name=\"Courier New\" fo:font-family=\"'Courier New'\" fo:font-size=\"10pt\"/></style:style>\
         <style:style style:name=\"Source_20_Text\" style:display-name=\"Source Text\" style:family=\"text\">\
         <style:text-properties style:font-name=\"Courier New\" fo:font-family=\"'Courier New'\"/></style:style>\
         <style:style style:name=\"Internet_20_link\" style:display-name=\"Internet link\" style:family=\"text\">\
         <style:text-properties fo:color=\"#0563c1\" style:text-underline-style=\"solid\" style:text-underline-width=\"auto\" style:text-underline-color=\"font-color\"/></style:style>\
         </office:styles></office:document-styles>"
    )
}

/// Automatic style name of a span style (bold, italic, underline, strike; code uses the named
/// `Source_20_Text` style).
fn span_style_name(s: Style) -> String {
    format!(
        "T{}{}{}{}",
        u8::from(s.bold),
        u8::from(s.italic),
        u8::from(s.underline),
        u8::from(s.strike)
    )
}

fn span_style_def(s: Style) -> String {
    let mut props = String::new();
    if s.bold {
        props.push_str(" fo:font-weight=\"bold\"");
    }
    if s.italic {
        props.push_str(" fo:font-style=\"italic\"");
    }
    if s.underline {
        props.push_str(
            " style:text-underline-style=\"solid\" style:text-underline-width=\"auto\" style:text-underline-color=\"font-color\"",
        );
    }
    if s.strike {
        props.push_str(
            " style:text-line-through-style=\"solid\" style:text-line-through-type=\"single\"",
        );
    }
    format!(
        "<style:style style:name=\"{}\" style:family=\"text\"><style:text-properties{props}/></style:style>",
        span_style_name(s)
    )
}

fn list_styles() -> String {
    let mut bullets = String::from("<text:list-style style:name=\"LBullet\">");
    let mut numbers = String::from("<text:list-style style:name=\"LNumber\">");
    for level in 1..=10 {
        let indent = format!(
            "<style:list-level-properties text:list-level-position-and-space-mode=\"label-alignment\">\
             <style:list-level-label-alignment text:label-followed-by=\"listtab\" fo:text-indent=\"-0.635cm\" fo:margin-left=\"{:.3}cm\"/>\
             </style:list-level-properties>",
            0.635 * f64::from(level) + 0.635
        );
        let bullet = ["•", "◦", "▪"][(level as usize - 1) % 3];
        bullets.push_str(&format!(
            "<text:list-level-style-bullet text:level=\"{level}\" text:bullet-char=\"{bullet}\">{indent}</text:list-level-style-bullet>"
        ));
        numbers.push_str(&format!(
            "<text:list-level-style-number text:level=\"{level}\" style:num-suffix=\".\" style:num-format=\"1\">{indent}</text:list-level-style-number>"
        ));
    }
    bullets.push_str("</text:list-style>");
    numbers.push_str("</text:list-style>");
    bullets + &numbers
}

fn spans_xml(spans: &[Span], used: &mut Vec<Style>, out: &mut String) {
    let mut i = 0;
    while i < spans.len() {
        let s = &spans[i];
        if let Some(url) = &s.link {
            out.push_str(&format!(
                "<text:a xlink:type=\"simple\" xlink:href=\"{}\" text:style-name=\"Internet_20_link\">",
                xml_escape(url)
            ));
            while i < spans.len() && spans[i].link.as_ref() == Some(url) {
                one_span(&spans[i], used, out);
                i += 1;
            }
            out.push_str("</text:a>");
        } else {
            one_span(s, used, out);
            i += 1;
        }
    }
}

fn text_xml(text: &str, out: &mut String) {
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push_str("<text:line-break/>");
        }
        // Runs of spaces collapse in ODF unless written as <text:s/>.
        let mut spaces = 0usize;
        let flush = |spaces: &mut usize, out: &mut String| {
            if *spaces > 0 {
                out.push(' ');
                if *spaces > 1 {
                    out.push_str(&format!("<text:s text:c=\"{}\"/>", *spaces - 1));
                }
                *spaces = 0;
            }
        };
        for c in line.chars() {
            match c {
                ' ' => spaces += 1,
                '\t' => {
                    flush(&mut spaces, out);
                    out.push_str("<text:tab/>");
                }
                c => {
                    flush(&mut spaces, out);
                    let mut buf = [0u8; 4];
                    out.push_str(&xml_escape(c.encode_utf8(&mut buf)));
                }
            }
        }
        flush(&mut spaces, out);
    }
}

fn one_span(s: &Span, used: &mut Vec<Style>, out: &mut String) {
    let plain = Style {
        code: false,
        ..s.style
    };
    let mut open = 0;
    if plain != Style::default() {
        if !used.contains(&plain) {
            used.push(plain);
        }
        out.push_str(&format!(
            "<text:span text:style-name=\"{}\">",
            span_style_name(plain)
        ));
        open += 1;
    }
    if s.style.code {
        out.push_str("<text:span text:style-name=\"Source_20_Text\">");
        open += 1;
    }
    text_xml(&s.text, out);
    for _ in 0..open {
        out.push_str("</text:span>");
    }
}

/// Writes blocks as an ODT package.
pub fn write(blocks: &[Block], title: &str) -> Vec<u8> {
    let mut body = String::new();
    let mut used: Vec<Style> = Vec::new();
    // Open lists: (ordered, depth).
    let mut open: Vec<bool> = Vec::new();
    let mut quote_styles: Vec<usize> = Vec::new();
    for b in blocks {
        let item = matches!(b.kind, Kind::Item { .. });
        let want = if item { b.depth.clamp(1, 10) } else { 0 };
        let ordered = matches!(
            b.kind,
            Kind::Item {
                number: Some(_),
                ..
            }
        );
        // Close lists deeper than this item, or of the other kind at its depth.
        while open.len() > want || (item && open.len() == want && open.last() != Some(&ordered)) {
            body.push_str("</text:list-item></text:list>");
            open.pop();
        }
        if item {
            if open.len() == want {
                body.push_str("</text:list-item><text:list-item>");
            }
            while open.len() < want {
                let nested = open.len() + 1 < want;
                let style = if ordered && !nested {
                    "LNumber"
                } else {
                    "LBullet"
                };
                let start = match b.kind {
                    Kind::Item {
                        number: Some(n), ..
                    } if !nested && n != 1 => {
                        format!(" text:start-value=\"{n}\"")
                    }
                    _ => String::new(),
                };
                // A list opened only to reach a deeper item is the kind of that item.
                let kind_style = if nested {
                    style
                } else if ordered {
                    "LNumber"
                } else {
                    "LBullet"
                };
                body.push_str(&format!(
                    "<text:list text:style-name=\"{kind_style}\"><text:list-item{start}>"
                ));
                // The start value belongs on the list item in ODF 1.2+ (text:start-value).
                open.push(if nested { false } else { ordered });
            }
        }
        let para_style = if b.quote > 0 {
            if !quote_styles.contains(&b.quote) {
                quote_styles.push(b.quote);
            }
            format!("PQuote{}", b.quote)
        } else {
            "Text_20_body".to_string()
        };
        match b.kind {
            Kind::Heading(l) => {
                body.push_str(&format!(
                    "<text:h text:style-name=\"Heading_20_{l}\" text:outline-level=\"{l}\">"
                ));
                spans_xml(&b.spans, &mut used, &mut body);
                body.push_str("</text:h>");
            }
            Kind::Code => {
                body.push_str("<text:p text:style-name=\"Preformatted_20_Text\">");
                text_xml(&b.plain_text(), &mut body);
                body.push_str("</text:p>");
            }
            Kind::Rule => body.push_str("<text:p text:style-name=\"PRule\"/>"),
            Kind::Item { task, .. } => {
                body.push_str(&format!("<text:p text:style-name=\"{para_style}\">"));
                match task {
                    Some(true) => body.push_str("☒ "),
                    Some(false) => body.push_str("☐ "),
                    None => {}
                }
                spans_xml(&b.spans, &mut used, &mut body);
                body.push_str("</text:p>");
            }
            Kind::Paragraph => {
                body.push_str(&format!("<text:p text:style-name=\"{para_style}\">"));
                spans_xml(&b.spans, &mut used, &mut body);
                body.push_str("</text:p>");
            }
        }
    }
    while open.pop().is_some() {
        body.push_str("</text:list-item></text:list>");
    }
    let mut automatic: String = used.iter().map(|s| span_style_def(*s)).collect();
    for q in &quote_styles {
        automatic.push_str(&format!(
            "<style:style style:name=\"PQuote{q}\" style:family=\"paragraph\" style:parent-style-name=\"Quotations\">\
             <style:paragraph-properties fo:margin-left=\"{}cm\"/></style:style>",
            q
        ));
    }
    automatic.push_str(
        "<style:style style:name=\"PRule\" style:family=\"paragraph\" style:parent-style-name=\"Standard\">\
         <style:paragraph-properties fo:border-bottom=\"0.5pt solid #999999\" fo:padding-bottom=\"0.1cm\"/></style:style>",
    );
    automatic.push_str(&list_styles());
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {NS}>\
         <office:automatic-styles>{automatic}</office:automatic-styles>\
         <office:body><office:text>{body}</office:text></office:body></office:document-content>"
    );
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {NS}><office:meta>\
         <dc:title>{}</dc:title><meta:generator>Nichoir</meta:generator></office:meta></office:document-meta>",
        xml_escape(title)
    );
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"{MIME}\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
         <manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>\
         <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>\
         </manifest:manifest>"
    );
    write_package(
        Some(("mimetype", MIME.as_bytes())),
        &[
            ("content.xml", content.as_bytes()),
            ("styles.xml", styles_xml().as_bytes()),
            ("meta.xml", meta.as_bytes()),
            ("META-INF/manifest.xml", manifest.as_bytes()),
        ],
    )
}

/// What a named style says: text properties, or a paragraph's parent style.
#[derive(Default, Clone)]
struct StyleInfo {
    parent: Option<String>,
    text: Style,
    /// List style: levels that are numbered.
    numbered: Vec<bool>,
}

fn read_styles(xml: &str, out: &mut HashMap<String, StyleInfo>) -> Result<(), Error> {
    let mut cur: Option<String> = None;
    for e in parse_xml(xml)? {
        match e {
            Xml::Start(n, a) | Xml::Empty(n, a) if n == "style:style" || n == "text:list-style" => {
                let name = attr(&a, "style:name").unwrap_or("").to_string();
                let parent = attr(&a, "style:parent-style-name").map(str::to_string);
                out.insert(
                    name.clone(),
                    StyleInfo {
                        parent,
                        ..StyleInfo::default()
                    },
                );
                cur = Some(name);
            }
            Xml::Start(n, a) | Xml::Empty(n, a) if n == "style:text-properties" => {
                if let Some(info) = cur.as_ref().and_then(|c| out.get_mut(c)) {
                    let t = &mut info.text;
                    t.bold |= attr(&a, "fo:font-weight")
                        .is_some_and(|w| w == "bold" || w.parse::<u32>().is_ok_and(|n| n >= 600));
                    t.italic |= matches!(attr(&a, "fo:font-style"), Some("italic" | "oblique"));
                    t.underline |=
                        attr(&a, "style:text-underline-style").is_some_and(|u| u != "none");
                    t.strike |=
                        attr(&a, "style:text-line-through-style").is_some_and(|u| u != "none");
                    let font = attr(&a, "style:font-name")
                        .or(attr(&a, "fo:font-family"))
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    t.code |= font.contains("courier") || font.contains("mono");
                }
            }
            Xml::Start(n, a) | Xml::Empty(n, a)
                if n == "text:list-level-style-number" || n == "text:list-level-style-bullet" =>
            {
                if let Some(info) = cur.as_ref().and_then(|c| out.get_mut(c)) {
                    let level: usize = attr(&a, "text:level")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(1)
                        .clamp(1, 10);
                    if info.numbered.len() < level {
                        info.numbered.resize(level, false);
                    }
                    info.numbered[level - 1] = n == "text:list-level-style-number"
                        && attr(&a, "style:num-format").is_some_and(|f| !f.is_empty());
                }
            }
            Xml::End(n) if n == "style:style" || n == "text:list-style" => cur = None,
            _ => {}
        }
    }
    Ok(())
}

/// A style's text formatting, its parents' included (a few levels: cycles stop there).
fn text_style(styles: &HashMap<String, StyleInfo>, name: &str) -> Style {
    let mut s = Style::default();
    let mut cur = Some(name.to_string());
    for _ in 0..8 {
        let Some(info) = cur.as_ref().and_then(|c| styles.get(c)) else {
            break;
        };
        s.bold |= info.text.bold;
        s.italic |= info.text.italic;
        s.underline |= info.text.underline;
        s.strike |= info.text.strike;
        s.code |= info.text.code;
        cur = info.parent.clone();
    }
    s
}

fn style_chain(styles: &HashMap<String, StyleInfo>, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut cur = styles.get(name).and_then(|i| i.parent.clone());
    for _ in 0..8 {
        let Some(c) = cur else { break };
        cur = styles.get(&c).and_then(|i| i.parent.clone());
        out.push(c);
    }
    out
}

/// Reads an ODT package into blocks: headings, paragraphs (quotations and preformatted text
/// from their style), nested lists (numbered or bulleted from their list style), spans with
/// bold, italic, underline, strike-through and monospace, links. Frames, notes and tables'
/// layout are left out (a table cell's paragraphs are read as paragraphs).
pub fn read(bytes: &[u8]) -> Result<Vec<Block>, Error> {
    let mut pkg = Package::open(bytes, "ODT")?;
    let content = pkg
        .text("content.xml")?
        .ok_or_else(|| Error::validation("this is not an ODT file (no content.xml)"))?;
    let mut styles = HashMap::new();
    if let Some(x) = pkg.text("styles.xml")? {
        read_styles(&x, &mut styles)?;
    }
    read_styles(&content, &mut styles)?;
    let mut blocks: Vec<Block> = Vec::new();
    let mut block: Option<Block> = None;
    // Open lists: (list style name, next number).
    let mut lists: Vec<(String, u64)> = Vec::new();
    let mut item_started = false;
    let mut spans: Vec<Style> = Vec::new();
    let mut link: Option<String> = None;
    let mut skip = 0usize;
    let mut in_body = false;
    for e in parse_xml(&content)? {
        if skip > 0 {
            match &e {
                Xml::Start(..) => skip += 1,
                Xml::End(_) => skip -= 1,
                _ => {}
            }
            continue;
        }
        let style_now = spans.last().copied().unwrap_or_default();
        match e {
            Xml::Start(n, _) if n == "office:text" => in_body = true,
            Xml::End(n) if n == "office:text" => in_body = false,
            _ if !in_body => {}
            Xml::Start(n, _)
                if matches!(
                    n.as_str(),
                    "text:note" | "draw:frame" | "office:annotation" | "text:tracked-changes"
                ) =>
            {
                skip = 1
            }
            Xml::Start(n, a) if n == "text:list" => {
                let style = attr(&a, "text:style-name")
                    .map(str::to_string)
                    .or_else(|| lists.last().map(|l| l.0.clone()))
                    .unwrap_or_default();
                lists.push((style, 1));
            }
            Xml::End(n) if n == "text:list" => {
                lists.pop();
            }
            Xml::Start(n, a) if n == "text:list-item" => {
                item_started = true;
                if let (Some(l), Some(v)) = (
                    lists.last_mut(),
                    attr(&a, "text:start-value").and_then(|v| v.parse().ok()),
                ) {
                    l.1 = v;
                }
            }
            Xml::Start(n, a) if n == "text:p" || n == "text:h" => {
                let style = attr(&a, "text:style-name").unwrap_or("").to_string();
                let chain = style_chain(&styles, &style);
                let mut b = Block::new(Kind::Paragraph);
                if n == "text:h" {
                    let level = attr(&a, "text:outline-level")
                        .and_then(|l| l.parse::<u8>().ok())
                        .unwrap_or(1);
                    b.kind = Kind::Heading(level.clamp(1, 6));
                } else if chain.iter().any(|s| s.starts_with("Preformatted")) {
                    b.kind = Kind::Code;
                } else if chain.iter().any(|s| s.starts_with("Quotations")) {
                    b.quote = 1;
                }
                if !lists.is_empty() && item_started && b.kind == Kind::Paragraph {
                    let depth = lists.len();
                    let list_style = &lists[depth - 1].0;
                    let numbered = lists
                        .iter()
                        .rev()
                        .find_map(|(s, _)| styles.get(s))
                        .and_then(|i| i.numbered.get(depth - 1).copied())
                        .unwrap_or(false);
                    let _ = list_style;
                    let number = if numbered {
                        let l = &mut lists[depth - 1];
                        let n = l.1;
                        l.1 += 1;
                        Some(n)
                    } else {
                        None
                    };
                    b.kind = Kind::Item { number, task: None };
                    b.depth = depth;
                    b.quote = 0;
                } else if !lists.is_empty() {
                    b.depth = lists.len();
                }
                item_started = false;
                // A heading's or quotation's own look is not the text's formatting; a plain
                // paragraph's automatic style is (a whole bold paragraph).
                spans = vec![if b.kind == Kind::Paragraph && b.quote == 0 {
                    text_style(&styles, &style)
                } else {
                    Style::default()
                }];
                block = Some(b);
            }
            Xml::End(n) if n == "text:p" || n == "text:h" => {
                if let Some(b) = block.take() {
                    push_read(&mut blocks, b);
                }
                spans.clear();
            }
            Xml::Start(n, a) if n == "text:span" => {
                let own = text_style(&styles, attr(&a, "text:style-name").unwrap_or(""));
                let base = style_now;
                let code_block = block.as_ref().is_some_and(|b| b.kind == Kind::Code);
                spans.push(if code_block {
                    Style::default()
                } else {
                    Style {
                        bold: base.bold || own.bold,
                        italic: base.italic || own.italic,
                        underline: base.underline || own.underline,
                        strike: base.strike || own.strike,
                        code: base.code || own.code,
                    }
                });
            }
            Xml::End(n) if n == "text:span" && spans.len() > 1 => {
                spans.pop();
            }
            Xml::Start(n, a) if n == "text:a" => link = attr(&a, "xlink:href").map(str::to_string),
            Xml::End(n) if n == "text:a" => link = None,
            Xml::Text(t) => {
                if let Some(b) = block.as_mut() {
                    // Whitespace in ODF text collapses as in HTML.
                    let mut collapsed = String::with_capacity(t.len());
                    let mut space = false;
                    for c in t.chars() {
                        if c.is_whitespace() {
                            if !space {
                                collapsed.push(' ');
                            }
                            space = true;
                        } else {
                            collapsed.push(c);
                            space = false;
                        }
                    }
                    b.push(&collapsed, style_now, link.as_deref());
                }
            }
            Xml::Empty(n, a) if n == "text:s" => {
                if let Some(b) = block.as_mut() {
                    let count: usize = attr(&a, "text:c")
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(1)
                        .min(1000);
                    b.push(&" ".repeat(count), style_now, link.as_deref());
                }
            }
            Xml::Empty(n, _) if n == "text:tab" => {
                if let Some(b) = block.as_mut() {
                    b.push("\t", style_now, link.as_deref());
                }
            }
            Xml::Empty(n, _) if n == "text:line-break" => {
                if let Some(b) = block.as_mut() {
                    b.push("\n", style_now, link.as_deref());
                }
            }
            _ => {}
        }
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::model::{from_markdown, to_markdown};

    #[test]
    fn round_trips_through_odt() {
        let md = "# Titre\n\nUn **gras**, *italique*, <u>souligné</u>, ~~barré~~, `code` et [un lien](https://example.org/a?b=1&c=2).\n\n- un\n  - deux\n- trois\n\n3. trois\n4. quatre\n\n> cité\n\n```\nfn main() {\n    x  y\n}\n```\n";
        let blocks = from_markdown(md).unwrap_or_default();
        let bytes = write(&blocks, "Titre");
        // ODF: the mimetype comes first, stored, without extra field.
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..38 + MIME.len()], MIME.as_bytes());
        let back = read(&bytes).expect("reads");
        let md2 = to_markdown(&back, false);
        assert_eq!(from_markdown(&md2).unwrap_or_default(), blocks, "{md2}");
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(read(b"hello").is_err());
        let no_content = write_package(Some(("mimetype", MIME.as_bytes())), &[]);
        assert!(read(&no_content).is_err());
        let dtd = write_package(
            Some(("mimetype", MIME.as_bytes())),
            &[(
                "content.xml",
                b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><office:document-content/>",
            )],
        );
        assert!(read(&dtd).is_err());
    }
}
