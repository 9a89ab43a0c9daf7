//! Word (DOCX, WordprocessingML) files: written from blocks, read back into blocks.
//!
//! Written by hand rather than with a crate: the parts needed are few (document, styles,
//! numbering, relationships), one block walk feeds both this and the ODT writer, and the usual
//! crate (docx-rs) would bring a second major version of `zip` into the build. Headings use the
//! built-in `Heading1`..`Heading6` styles, lists one bullet and one decimal numbering (a new
//! `w:num` per ordered list so each restarts at its first number), quotes the `Quote` style
//! indented by depth, code a monospace style, links external hyperlink relationships.

use std::collections::HashMap;

use nichoir_core::Error;

use super::model::{push_read, Block, Kind, Span, Style};
use super::{attr, parse_xml, write_package, xml_escape, Package, Xml};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const HYPERLINK: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink";

fn styles() -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"{W}\">\
         <w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" w:cs=\"Calibri\"/>\
         <w:sz w:val=\"22\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\"/></w:pPr></w:pPrDefault></w:docDefaults>\
         <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>"
    );
    let sizes = [40, 32, 28, 24, 22, 22];
    for (i, size) in sizes.iter().enumerate() {
        let n = i + 1;
        s.push_str(&format!(
            "<w:style w:type=\"paragraph\" w:styleId=\"Heading{n}\"><w:name w:val=\"heading {n}\"/>\
             <w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>\
             <w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"{i}\"/></w:pPr>\
             <w:rPr><w:b/><w:sz w:val=\"{size}\"/></w:rPr></w:style>"
        ));
    }
    s.push_str(
        "<w:style w:type=\"paragraph\" w:styleId=\"Quote\"><w:name w:val=\"Quote\"/><w:basedOn w:val=\"Normal\"/>\
         <w:pPr><w:ind w:left=\"720\"/></w:pPr><w:rPr><w:i/><w:color w:val=\"404040\"/></w:rPr></w:style>\
         <w:style w:type=\"paragraph\" w:styleId=\"ListParagraph\"><w:name w:val=\"List Paragraph\"/><w:basedOn w:val=\"Normal\"/>\
         <w:pPr><w:spacing w:after=\"0\"/></w:pPr></w:style>\
         <w:style w:type=\"paragraph\" w:styleId=\"SourceCode\"><w:name w:val=\"Source Code\"/><w:basedOn w:val=\"Normal\"/>\
         <w:pPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F2F2F2\"/><w:spacing w:after=\"0\"/></w:pPr>\
         <w:rPr><w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/><w:sz w:val=\"20\"/></w:rPr></w:style>\
         <w:style w:type=\"character\" w:styleId=\"VerbatimChar\"><w:name w:val=\"Verbatim Char\"/>\
         <w:rPr><w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/></w:rPr></w:style>\
         <w:style w:type=\"character\" w:styleId=\"Hyperlink\"><w:name w:val=\"Hyperlink\"/>\
         <w:rPr><w:color w:val=\"0563C1\"/><w:u w:val=\"single\"/></w:rPr></w:style></w:styles>",
    );
    s
}

/// Abstract numbering 0 is bulleted, 1 decimal; nine levels each.
fn numbering(ordered_lists: &[u64]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:numbering xmlns:w=\"{W}\">"
    );
    for (abs, ordered) in [(0, false), (1, true)] {
        s.push_str(&format!(
            "<w:abstractNum w:abstractNumId=\"{abs}\"><w:multiLevelType w:val=\"hybridMultilevel\"/>"
        ));
        for lvl in 0..9 {
            let (fmt, text) = if ordered {
                ("decimal", format!("%{}.", lvl + 1))
            } else {
                ("bullet", ["•", "◦", "▪"][lvl % 3].to_string())
            };
            let left = 720 * (lvl + 1);
            s.push_str(&format!(
                "<w:lvl w:ilvl=\"{lvl}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"{fmt}\"/>\
                 <w:lvlText w:val=\"{text}\"/><w:lvlJc w:val=\"left\"/>\
                 <w:pPr><w:ind w:left=\"{left}\" w:hanging=\"360\"/></w:pPr></w:lvl>"
            ));
        }
        s.push_str("</w:abstractNum>");
    }
    // numId 1: bullets; then one per ordered list, restarting at its first number.
    s.push_str("<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>");
    for (i, start) in ordered_lists.iter().enumerate() {
        s.push_str(&format!(
            "<w:num w:numId=\"{}\"><w:abstractNumId w:val=\"1\"/>\
             <w:lvlOverride w:ilvl=\"0\"><w:startOverride w:val=\"{start}\"/></w:lvlOverride></w:num>",
            i + 2
        ));
    }
    s.push_str("</w:numbering>");
    s
}

fn run(span: &Span, out: &mut String) {
    let mut props = String::new();
    let Style {
        bold,
        italic,
        underline,
        strike,
        code,
    } = span.style;
    if code {
        props.push_str("<w:rStyle w:val=\"VerbatimChar\"/>");
    } else if span.link.is_some() {
        props.push_str("<w:rStyle w:val=\"Hyperlink\"/>");
    }
    if bold {
        props.push_str("<w:b/>");
    }
    if italic {
        props.push_str("<w:i/>");
    }
    if strike {
        props.push_str("<w:strike/>");
    }
    if underline {
        props.push_str("<w:u w:val=\"single\"/>");
    }
    out.push_str("<w:r>");
    if !props.is_empty() {
        out.push_str("<w:rPr>");
        out.push_str(&props);
        out.push_str("</w:rPr>");
    }
    for (i, line) in span.text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<w:br/>");
        }
        if !line.is_empty() {
            out.push_str("<w:t xml:space=\"preserve\">");
            out.push_str(&xml_escape(line));
            out.push_str("</w:t>");
        }
    }
    out.push_str("</w:r>");
}

/// Writes blocks as a DOCX package.
pub fn write(blocks: &[Block], title: &str) -> Vec<u8> {
    let mut body = String::new();
    let mut links: Vec<String> = Vec::new();
    let mut ordered_lists: Vec<u64> = Vec::new();
    // The numId of the ordered list open at each depth.
    let mut open_num: Vec<Option<usize>> = vec![None; 10];
    for b in blocks {
        let mut ppr = String::new();
        match b.kind {
            Kind::Heading(l) => {
                ppr.push_str(&format!("<w:pStyle w:val=\"Heading{}\"/>", l.clamp(1, 6)))
            }
            Kind::Code => ppr.push_str("<w:pStyle w:val=\"SourceCode\"/>"),
            Kind::Item { number, .. } => {
                let depth = b.depth.clamp(1, 9);
                let num_id = match number {
                    None => 1,
                    Some(n) => match open_num[depth] {
                        Some(id) => id,
                        None => {
                            ordered_lists.push(n);
                            let id = ordered_lists.len() + 1;
                            open_num[depth] = Some(id);
                            id
                        }
                    },
                };
                if number.is_none() {
                    open_num[depth] = None;
                }
                open_num[depth + 1..].iter_mut().for_each(|n| *n = None);
                ppr.push_str(&format!(
                    "<w:pStyle w:val=\"ListParagraph\"/><w:numPr><w:ilvl w:val=\"{}\"/><w:numId w:val=\"{num_id}\"/></w:numPr>",
                    depth - 1
                ));
            }
            _ if b.quote > 0 => ppr.push_str("<w:pStyle w:val=\"Quote\"/>"),
            _ => {}
        }
        if !matches!(b.kind, Kind::Item { .. }) && b.depth == 0 {
            open_num.iter_mut().for_each(|n| *n = None);
        }
        if b.kind == Kind::Rule {
            ppr.push_str(
                "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"999999\"/></w:pBdr>",
            );
        }
        let indent = 720
            * (b.quote
                + if matches!(b.kind, Kind::Item { .. }) {
                    0
                } else {
                    b.depth
                });
        if indent > 0 && !matches!(b.kind, Kind::Item { .. }) {
            ppr.push_str(&format!("<w:ind w:left=\"{indent}\"/>"));
        }
        body.push_str("<w:p>");
        if !ppr.is_empty() {
            body.push_str("<w:pPr>");
            body.push_str(&ppr);
            body.push_str("</w:pPr>");
        }
        if let Kind::Item {
            task: Some(done), ..
        } = b.kind
        {
            run(
                &Span {
                    text: if done { "☒ " } else { "☐ " }.into(),
                    style: Style::default(),
                    link: None,
                },
                &mut body,
            );
        }
        let mut i = 0;
        while i < b.spans.len() {
            let s = &b.spans[i];
            if let Some(url) = &s.link {
                links.push(url.clone());
                body.push_str(&format!("<w:hyperlink r:id=\"rLink{}\">", links.len()));
                while i < b.spans.len() && b.spans[i].link.as_ref() == Some(url) {
                    run(&b.spans[i], &mut body);
                    i += 1;
                }
                body.push_str("</w:hyperlink>");
            } else {
                run(s, &mut body);
                i += 1;
            }
        }
        body.push_str("</w:p>");
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"{W}\" xmlns:r=\"{R}\"><w:body>{body}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>\
         </w:body></w:document>"
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rStyles\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
         <Relationship Id=\"rNumbering\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering\" Target=\"numbering.xml\"/>",
    );
    for (i, url) in links.iter().enumerate() {
        rels.push_str(&format!(
            "<Relationship Id=\"rLink{}\" Type=\"{HYPERLINK}\" Target=\"{}\" TargetMode=\"External\"/>",
            i + 1,
            xml_escape(url)
        ));
    }
    rels.push_str("</Relationships>");
    let content_types = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
        <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
        <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
        <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
        <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
        <Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
        <Override PartName=\"/word/numbering.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml\"/>\
        <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
        </Types>";
    let root_rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
        <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
        <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
        <Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
        </Relationships>";
    let core = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title></cp:coreProperties>",
        xml_escape(title)
    );
    write_package(
        None,
        &[
            ("[Content_Types].xml", content_types.as_bytes()),
            ("_rels/.rels", root_rels.as_bytes()),
            ("docProps/core.xml", core.as_bytes()),
            ("word/document.xml", document.as_bytes()),
            ("word/styles.xml", styles().as_bytes()),
            ("word/numbering.xml", numbering(&ordered_lists).as_bytes()),
            ("word/_rels/document.xml.rels", rels.as_bytes()),
        ],
    )
}

/// `w:val` of an on/off property: absent or anything but false/0/none means on.
fn on(attrs: &[(String, String)]) -> bool {
    !matches!(attr(attrs, "w:val"), Some("0" | "false" | "none" | "off"))
}

/// What a paragraph style says: heading level, quote, code, and the numbering it carries.
struct StyleInfo {
    heading: Option<u8>,
    quote: bool,
    code: bool,
    /// Word's "List Bullet" and "List Number" styles number their paragraphs themselves
    /// (`w:numPr` in the style, none in the paragraph): numId and level.
    num: Option<(String, Option<usize>)>,
    based_on: Option<String>,
    /// "List Bullet 2", "List Number 3": Word nests lists by style, each level its own
    /// numbering at level 0, so the depth is in the name.
    list_depth: usize,
    /// What the style does to runs (a character style to the runs that name it, a paragraph
    /// style to every run of its paragraphs): its own run properties, or for a character style
    /// with none its name (LibreOffice's "Strong Emphasis" carries only a name in some files).
    run: RunProps,
}

/// Run properties as one layer of Word's cascade says them: `None` where it says nothing, so a
/// layer above keeps what a layer below set, and `<w:b w:val="0"/>` turns bold off.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct RunProps {
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    strike: Option<bool>,
}

impl RunProps {
    /// Records a property element (`w:b`, `w:i`, `w:u`, `w:strike`); false for another element.
    fn set(&mut self, element: &str, attrs: &[(String, String)]) -> bool {
        let flag = match element {
            "w:b" => &mut self.bold,
            "w:i" => &mut self.italic,
            "w:strike" | "w:dstrike" => &mut self.strike,
            "w:u" => &mut self.underline,
            _ => return false,
        };
        *flag = Some(on(attrs));
        true
    }

    /// This layer with `top` laid over it.
    fn under(self, top: RunProps) -> RunProps {
        RunProps {
            bold: top.bold.or(self.bold),
            italic: top.italic.or(self.italic),
            underline: top.underline.or(self.underline),
            strike: top.strike.or(self.strike),
        }
    }
}

/// How many `basedOn` links a style's properties are followed through (a cycle stops there).
const MAX_STYLE_CHAIN: usize = 16;

/// The run properties a style gives, the styles it is based on applied first.
fn style_run(styles: &HashMap<String, StyleInfo>, id: &str) -> RunProps {
    let mut chain: Vec<&StyleInfo> = Vec::new();
    let mut cur = Some(id);
    while let Some(info) = cur.and_then(|c| styles.get(c)) {
        if chain.len() >= MAX_STYLE_CHAIN || chain.iter().any(|s| std::ptr::eq(*s, info)) {
            break;
        }
        chain.push(info);
        cur = info.based_on.as_deref();
    }
    chain
        .iter()
        .rev()
        .fold(RunProps::default(), |acc, s| acc.under(s.run))
}

/// A run's formatting: its paragraph's style, then its character style, then its own
/// properties, each overriding the one before where it says something. A heading's, a quote's
/// or a code paragraph's style is not taken: its bold or italic is the look of the block the
/// pad already shows as a heading, quote or code (Word's "Quote" is italic, its headings bold).
fn resolve_run(
    styles: &HashMap<String, StyleInfo>,
    para_style: Option<&str>,
    block: &Block,
    char_style: Option<&str>,
    in_link: bool,
    direct: RunProps,
) -> Style {
    let plain_block = block.kind == Kind::Paragraph && block.quote == 0
        || matches!(block.kind, Kind::Item { .. });
    let mut props = RunProps::default();
    if plain_block {
        if let Some(id) = para_style {
            props = style_run(styles, id);
        }
    }
    if let Some(id) = char_style {
        let mut c = style_run(styles, id);
        // A link's style underlines it: that is the link, not an underline.
        if in_link {
            c.underline = None;
        }
        props = props.under(c);
    }
    props = props.under(direct);
    Style {
        bold: props.bold.unwrap_or(false),
        italic: props.italic.unwrap_or(false),
        underline: props.underline.unwrap_or(false),
        strike: props.strike.unwrap_or(false),
        code: false,
    }
}

/// The numbering a paragraph style gives, its own or the one of a style it is based on (a few
/// levels: cycles stop there), with the depth its name implies.
fn style_numbering(
    styles: &HashMap<String, StyleInfo>,
    id: &str,
) -> Option<(String, Option<usize>, usize)> {
    let depth = styles.get(id).map_or(1, |s| s.list_depth);
    let mut cur = Some(id);
    for _ in 0..8 {
        let info = styles.get(cur?)?;
        if let Some((num, lvl)) = &info.num {
            return Some((num.clone(), *lvl, depth));
        }
        cur = info.based_on.as_deref();
    }
    None
}

fn read_styles(xml: &str) -> Result<HashMap<String, StyleInfo>, Error> {
    let mut out = HashMap::new();
    let mut id: Option<String> = None;
    let mut name = String::new();
    let mut outline: Option<u8> = None;
    let mut in_ppr = false;
    let mut in_rpr = false;
    let mut run = RunProps::default();
    let mut run_said = false;
    let mut character = false;
    let (mut num, mut lvl, mut based_on): (Option<String>, Option<usize>, Option<String>) =
        (None, None, None);
    for e in parse_xml(xml)? {
        match e {
            Xml::Start(n, a) if n == "w:style" => {
                id = attr(&a, "w:styleId").map(str::to_string);
                character = attr(&a, "w:type") == Some("character");
                name.clear();
                outline = None;
                (num, lvl, based_on) = (None, None, None);
                (run, run_said) = (RunProps::default(), false);
            }
            Xml::Start(n, _) if n == "w:rPr" && !in_ppr => in_rpr = true,
            Xml::End(n) if n == "w:rPr" => in_rpr = false,
            Xml::Empty(n, a) if in_rpr => run_said |= run.set(&n, &a),
            Xml::Empty(n, a) | Xml::Start(n, a) if n == "w:name" => {
                name = attr(&a, "w:val").unwrap_or("").to_ascii_lowercase();
            }
            Xml::Empty(n, a) | Xml::Start(n, a) if n == "w:basedOn" => {
                based_on = attr(&a, "w:val").map(str::to_string);
            }
            Xml::Start(n, _) if n == "w:pPr" => in_ppr = true,
            Xml::End(n) if n == "w:pPr" => in_ppr = false,
            Xml::Empty(n, a) if n == "w:numId" && in_ppr => {
                num = attr(&a, "w:val").map(str::to_string);
            }
            Xml::Empty(n, a) if n == "w:ilvl" && in_ppr => {
                lvl = attr(&a, "w:val")
                    .and_then(|v| v.parse().ok())
                    .map(|l: usize| l.min(8));
            }
            Xml::Empty(n, a) | Xml::Start(n, a) if n == "w:outlineLvl" => {
                outline = attr(&a, "w:val").and_then(|v| v.parse::<u8>().ok());
            }
            Xml::End(n) if n == "w:style" => {
                if let Some(id) = id.take() {
                    let heading = name
                        .strip_prefix("heading ")
                        .and_then(|l| l.parse::<u8>().ok())
                        .or(if name == "title" { Some(1) } else { None })
                        .or(outline.filter(|l| *l < 6).map(|l| l + 1));
                    let list_depth = ["list bullet", "list number"]
                        .iter()
                        .find_map(|p| name.strip_prefix(p))
                        .map_or(1, |rest| rest.trim().parse::<usize>().unwrap_or(1))
                        .clamp(1, 9);
                    if !run_said && character {
                        run.bold = name.contains("strong").then_some(true);
                        run.italic = name.contains("emphasis").then_some(true);
                    }
                    out.insert(
                        id,
                        StyleInfo {
                            heading,
                            quote: name.contains("quote"),
                            code: name.contains("code")
                                || name.contains("verbatim")
                                || name.contains("preformatted"),
                            num: num.take().map(|n| (n, lvl)),
                            based_on: based_on.take(),
                            list_depth,
                            run,
                        },
                    );
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// numId → for each level whether it is bulleted, and the first number of its top level.
fn read_numbering(xml: &str) -> Result<HashMap<String, (Vec<bool>, u64)>, Error> {
    let mut abstracts: HashMap<String, Vec<bool>> = HashMap::new();
    let mut nums: HashMap<String, String> = HashMap::new();
    let mut starts: HashMap<String, u64> = HashMap::new();
    let mut cur_abs: Option<String> = None;
    let mut cur_num: Option<String> = None;
    let mut lvl: usize = 0;
    for e in parse_xml(xml)? {
        match e {
            Xml::Start(n, a) if n == "w:abstractNum" => {
                cur_abs = attr(&a, "w:abstractNumId").map(str::to_string)
            }
            Xml::Start(n, a) if n == "w:lvl" => {
                lvl = attr(&a, "w:ilvl")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
                    .min(9)
            }
            Xml::Empty(n, a) if n == "w:numFmt" => {
                if let Some(id) = &cur_abs {
                    let levels = abstracts.entry(id.clone()).or_default();
                    if levels.len() <= lvl {
                        levels.resize(lvl + 1, true);
                    }
                    levels[lvl] = attr(&a, "w:val") == Some("bullet");
                }
            }
            Xml::End(n) if n == "w:abstractNum" => cur_abs = None,
            Xml::Start(n, a) if n == "w:num" => cur_num = attr(&a, "w:numId").map(str::to_string),
            Xml::Empty(n, a) if n == "w:abstractNumId" => {
                if let (Some(num), Some(abs)) = (&cur_num, attr(&a, "w:val")) {
                    nums.insert(num.clone(), abs.to_string());
                }
            }
            Xml::Empty(n, a) if n == "w:startOverride" => {
                if let (Some(num), Some(v)) =
                    (&cur_num, attr(&a, "w:val").and_then(|v| v.parse().ok()))
                {
                    starts.entry(num.clone()).or_insert(v);
                }
            }
            Xml::End(n) if n == "w:num" => cur_num = None,
            _ => {}
        }
    }
    Ok(nums
        .into_iter()
        .map(|(num, abs)| {
            let start = starts.get(&num).copied().unwrap_or(1);
            (
                num,
                (abstracts.get(&abs).cloned().unwrap_or_default(), start),
            )
        })
        .collect())
}

fn read_rels(xml: &str) -> Result<HashMap<String, String>, Error> {
    let mut out = HashMap::new();
    for e in parse_xml(xml)? {
        if let Xml::Empty(n, a) | Xml::Start(n, a) = e {
            if n == "Relationship" && attr(&a, "Type") == Some(HYPERLINK) {
                if let (Some(id), Some(target)) = (attr(&a, "Id"), attr(&a, "Target")) {
                    out.insert(id.to_string(), target.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// Reads a DOCX package into blocks: paragraphs with their heading, list, quote or code style,
/// runs with bold, italic, underline, strike-through and monospace, hyperlinks. Tables become
/// one paragraph per cell paragraph; images, fields and comments are left out.
pub fn read(bytes: &[u8]) -> Result<Vec<Block>, Error> {
    let mut pkg = Package::open(bytes, "DOCX")?;
    let document = pkg
        .text("word/document.xml")?
        .ok_or_else(|| Error::validation("this is not a DOCX file (no word/document.xml)"))?;
    let styles = match pkg.text("word/styles.xml")? {
        Some(x) => read_styles(&x)?,
        None => HashMap::new(),
    };
    let numbering = match pkg.text("word/numbering.xml")? {
        Some(x) => read_numbering(&x)?,
        None => HashMap::new(),
    };
    let rels = match pkg.text("word/_rels/document.xml.rels")? {
        Some(x) => read_rels(&x)?,
        None => HashMap::new(),
    };
    let mut blocks = Vec::new();
    let mut block: Option<Block> = None;
    let (mut in_rpr, mut in_ppr, mut in_text) = (false, false, false);
    let mut style = Style::default();
    // The run being read: its own properties, its character style, whether it is code.
    let mut direct = RunProps::default();
    let mut char_style: Option<String> = None;
    let mut code = false;
    let plain = Block::new(Kind::Paragraph);
    let mut link: Option<String> = None;
    // The paragraph's own numbering (a numId of 0 turns its style's off) and style.
    let (mut ilvl, mut num_id): (Option<usize>, Option<String>) = (None, None);
    let mut para_style: Option<String> = None;
    let mut counters: HashMap<(String, usize), u64> = HashMap::new();
    let mut skip = 0usize;
    for e in parse_xml(&document)? {
        if skip > 0 {
            match &e {
                Xml::Start(..) => skip += 1,
                Xml::End(_) => skip -= 1,
                _ => {}
            }
            continue;
        }
        match e {
            // Deleted revisions, footnote references' text and drawings are not text.
            Xml::Start(n, _)
                if matches!(
                    n.as_str(),
                    "w:del" | "w:drawing" | "w:pict" | "w:instrText" | "mc:Fallback"
                ) =>
            {
                skip = 1
            }
            Xml::Start(n, _) if n == "w:p" => {
                block = Some(Block::new(Kind::Paragraph));
                ilvl = None;
                num_id = None;
                para_style = None;
            }
            Xml::Start(n, _) if n == "w:pPr" => in_ppr = true,
            Xml::End(n) if n == "w:pPr" => in_ppr = false,
            Xml::Empty(n, a) if n == "w:pStyle" && in_ppr => {
                para_style = attr(&a, "w:val").map(str::to_string);
                if let (Some(b), Some(info)) = (
                    block.as_mut(),
                    attr(&a, "w:val").and_then(|v| styles.get(v)),
                ) {
                    if let Some(h) = info.heading {
                        b.kind = Kind::Heading(h.clamp(1, 6));
                    } else if info.code {
                        b.kind = Kind::Code;
                    } else if info.quote {
                        b.quote = 1;
                    }
                }
            }
            Xml::Empty(n, a) if n == "w:ilvl" && in_ppr => {
                ilvl = attr(&a, "w:val")
                    .and_then(|v| v.parse().ok())
                    .map(|l: usize| l.min(8))
            }
            Xml::Empty(n, a) if n == "w:numId" && in_ppr => {
                num_id = attr(&a, "w:val").map(str::to_string)
            }
            Xml::Start(n, _) if n == "w:r" => {
                (direct, char_style, code) = (RunProps::default(), None, false);
                style = resolve_run(
                    &styles,
                    para_style.as_deref(),
                    block.as_ref().unwrap_or(&plain),
                    None,
                    link.is_some(),
                    direct,
                );
            }
            Xml::Start(n, _) if n == "w:rPr" && !in_ppr => in_rpr = true,
            Xml::End(n) if n == "w:rPr" => {
                if in_rpr {
                    style = resolve_run(
                        &styles,
                        para_style.as_deref(),
                        block.as_ref().unwrap_or(&plain),
                        char_style.as_deref(),
                        link.is_some(),
                        direct,
                    );
                    style.code = code;
                }
                in_rpr = false;
            }
            Xml::Empty(n, a) if in_rpr => match n.as_str() {
                "w:rStyle" => {
                    let id = attr(&a, "w:val").unwrap_or("");
                    let v = id.to_ascii_lowercase();
                    if v.contains("verbatim") || v.contains("code") {
                        code = true;
                    }
                    char_style = Some(id.to_string());
                }
                "w:rFonts" => {
                    let font = attr(&a, "w:ascii").unwrap_or("").to_ascii_lowercase();
                    if font.contains("courier")
                        || font.contains("mono")
                        || font.contains("consolas")
                    {
                        code = true;
                    }
                }
                other => {
                    direct.set(other, &a);
                }
            },
            Xml::Start(n, a) if n == "w:hyperlink" => {
                link = attr(&a, "r:id").and_then(|id| rels.get(id)).cloned();
            }
            Xml::End(n) if n == "w:hyperlink" => link = None,
            Xml::Start(n, _) if n == "w:t" => in_text = true,
            Xml::End(n) if n == "w:t" => in_text = false,
            Xml::Text(t) if in_text => {
                if let Some(b) = block.as_mut() {
                    let s = if b.kind == Kind::Code {
                        Style::default()
                    } else {
                        style
                    };
                    b.push(&t, s, link.as_deref());
                }
            }
            Xml::Empty(n, _) if n == "w:tab" => {
                if let Some(b) = block.as_mut() {
                    b.push("\t", style, link.as_deref());
                }
            }
            Xml::Empty(n, _) if n == "w:br" || n == "w:cr" => {
                if let Some(b) = block.as_mut() {
                    b.push("\n", style, link.as_deref());
                }
            }
            Xml::End(n) if n == "w:p" => {
                if let Some(mut b) = block.take() {
                    let from_style = para_style
                        .as_deref()
                        .and_then(|id| style_numbering(&styles, id));
                    let (num, ilvl, depth_offset) = match (&num_id, from_style) {
                        (Some(n), _) => (Some(n.clone()), ilvl.unwrap_or(0), 0),
                        (None, Some((n, lvl, depth))) => {
                            (Some(n), ilvl.or(lvl).unwrap_or(0), depth - 1)
                        }
                        (None, None) => (None, 0, 0),
                    };
                    if let Some(num) = num.as_ref().filter(|n| *n != "0") {
                        let (levels, start) = numbering.get(num).cloned().unwrap_or_default();
                        let bullet = levels.get(ilvl).copied().unwrap_or(true);
                        let number = if bullet {
                            None
                        } else {
                            let first = if ilvl == 0 { start.max(1) } else { 1 };
                            let c = counters.entry((num.clone(), ilvl)).or_insert(first - 1);
                            *c += 1;
                            Some(*c)
                        };
                        counters.retain(|(n, l), _| n != num || *l <= ilvl);
                        b.kind = Kind::Item { number, task: None };
                        b.depth = (ilvl + 1 + depth_offset).min(9);
                    }
                    push_read(&mut blocks, b);
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

    const SAMPLE: &str = "# Titre\n\nUn **gras**, *italique*, <u>souligné</u>, ~~barré~~, `code` et [un lien](https://example.org/a?b=1&c=2).\n\n- un\n  - deux\n- trois\n\n3. trois\n4. quatre\n\n> cité\n\n```\nfn main() {}\nlet x = 1;\n```\n";

    #[test]
    fn round_trips_through_docx() {
        let blocks = from_markdown(SAMPLE).unwrap_or_default();
        let bytes = write(&blocks, "Titre & co");
        let back = read(&bytes).expect("reads");
        let md = to_markdown(&back, false);
        assert_eq!(from_markdown(&md).unwrap_or_default(), blocks, "{md}");
    }

    /// Word's list styles number their paragraphs from the style (python-docx writes lists
    /// this way): the paragraphs carry only `w:pStyle`, the style the `w:numPr`.
    #[test]
    fn lists_numbered_by_their_style() {
        let style = |id: &str, name: &str, num: &str, extra: &str| {
            format!(
                "<w:style w:type=\"paragraph\" w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>\
                 <w:basedOn w:val=\"Normal\"/><w:pPr><w:numPr>{extra}<w:numId w:val=\"{num}\"/></w:numPr></w:pPr></w:style>"
            )
        };
        let styles = format!(
            "<w:styles xmlns:w=\"{W}\"><w:style w:type=\"paragraph\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>{}{}{}\
             <w:style w:type=\"paragraph\" w:styleId=\"Mine\"><w:name w:val=\"My steps\"/><w:basedOn w:val=\"ListNumber\"/></w:style></w:styles>",
            style("ListBullet", "List Bullet", "1", ""),
            style("ListBullet2", "List Bullet 2", "2", ""),
            style("ListNumber", "List Number", "5", "<w:ilvl w:val=\"0\"/>"),
        );
        let abs = |id: u8, fmt: &str| {
            format!(
                "<w:abstractNum w:abstractNumId=\"{id}\"><w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"{fmt}\"/></w:lvl></w:abstractNum>"
            )
        };
        let numbering = format!(
            "<w:numbering xmlns:w=\"{W}\">{}{}{}<w:num w:numId=\"1\"><w:abstractNumId w:val=\"8\"/></w:num>\
             <w:num w:numId=\"2\"><w:abstractNumId w:val=\"6\"/></w:num><w:num w:numId=\"5\"><w:abstractNumId w:val=\"7\"/></w:num></w:numbering>",
            abs(8, "bullet"),
            abs(6, "bullet"),
            abs(7, "decimal"),
        );
        let p = |style: &str, text: &str| {
            format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
        };
        let document = format!(
            "<w:document xmlns:w=\"{W}\"><w:body>{}{}{}{}{}{}\
             <w:p><w:pPr><w:pStyle w:val=\"ListBullet\"/><w:numPr><w:numId w:val=\"0\"/></w:numPr></w:pPr><w:r><w:t>not listed</w:t></w:r></w:p>\
             </w:body></w:document>",
            p("ListBullet", "apple"),
            p("ListBullet2", "green apple"),
            p("ListBullet", "pear"),
            p("ListNumber", "one"),
            p("ListNumber", "two"),
            p("Mine", "three"),
        );
        let bytes = write_package(
            None,
            &[
                ("word/document.xml", document.as_bytes()),
                ("word/styles.xml", styles.as_bytes()),
                ("word/numbering.xml", numbering.as_bytes()),
            ],
        );
        let md = to_markdown(&read(&bytes).expect("reads"), false);
        assert_eq!(
            md.trim_end(),
            "- apple\n  - green apple\n- pear\n1. one\n2. two\n3. three\n\nnot listed"
        );
    }

    #[test]
    fn character_styles_format_their_runs() {
        let styles = format!(
            "<w:styles xmlns:w=\"{W}\">\
             <w:style w:type=\"character\" w:styleId=\"Strong\"><w:name w:val=\"Strong\"/><w:rPr><w:b/></w:rPr></w:style>\
             <w:style w:type=\"character\" w:styleId=\"Emphasis\"><w:name w:val=\"Emphasis\"/></w:style>\
             <w:style w:type=\"character\" w:styleId=\"Loud\"><w:name w:val=\"Loud\"/><w:rPr><w:u w:val=\"single\"/><w:strike/></w:rPr></w:style>\
             </w:styles>"
        );
        let run = |style: &str, more: &str, text: &str| {
            format!("<w:r><w:rPr><w:rStyle w:val=\"{style}\"/>{more}</w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
        };
        let document = format!(
            "<w:document xmlns:w=\"{W}\"><w:body><w:p>{}{}{}{}{}</w:p></w:body></w:document>",
            run("Strong", "", "strong"),
            run("Normal", "", " and "),
            run("Emphasis", "", "stressed"),
            run("Loud", "", " loud"),
            run("Strong", "<w:b w:val=\"0\"/>", " undone"),
        );
        let bytes = write_package(
            None,
            &[
                ("word/document.xml", document.as_bytes()),
                ("word/styles.xml", styles.as_bytes()),
            ],
        );
        let md = to_markdown(&read(&bytes).expect("reads"), false);
        assert_eq!(
            md.trim_end(),
            "**strong** and *stressed* ~~<u>loud</u>~~ undone",
            "{md}"
        );
    }

    /// Bold and italic that come from a paragraph style (a style of one's own, or one based on
    /// it), through the chain of styles, with a run or a character style turning them off.
    #[test]
    fn paragraph_styles_format_their_runs() {
        let style = |id: &str, kind: &str, based: &str, rpr: &str| {
            let based = if based.is_empty() {
                String::new()
            } else {
                format!("<w:basedOn w:val=\"{based}\"/>")
            };
            format!("<w:style w:type=\"{kind}\" w:styleId=\"{id}\"><w:name w:val=\"{id}\"/>{based}<w:rPr>{rpr}</w:rPr></w:style>")
        };
        let styles = format!(
            "<w:styles xmlns:w=\"{W}\">{}{}{}{}{}{}{}{}</w:styles>",
            style("Normal", "paragraph", "", ""),
            style("StrongParagraph", "paragraph", "Normal", "<w:b/>"),
            style("Stressed", "paragraph", "StrongParagraph", "<w:i/>"),
            style("Calm", "paragraph", "Stressed", "<w:b w:val=\"0\"/>"),
            style("Plain", "character", "", "<w:b w:val=\"false\"/>"),
            // A cycle of styles: followed a few steps, then left.
            style("LoopA", "paragraph", "LoopB", "<w:b/>"),
            style("LoopB", "paragraph", "LoopA", ""),
            style("Heading1", "paragraph", "StrongParagraph", "<w:b/>")
                .replace("w:val=\"Heading1\"/>", "w:val=\"heading 1\"/>"),
        );
        let para = |style: &str, runs: &str| {
            format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>{runs}</w:p>")
        };
        let run = |rpr: &str, text: &str| {
            format!("<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
        };
        let document = format!(
            "<w:document xmlns:w=\"{W}\"><w:body>{}{}{}{}{}{}</w:body></w:document>",
            para(
                "StrongParagraph",
                &format!(
                    "<w:r><w:t>all bold</w:t></w:r>{}{}",
                    run("<w:b w:val=\"0\"/>", " not this"),
                    run("<w:rStyle w:val=\"Plain\"/>", " nor this")
                )
            ),
            para("Stressed", "<w:r><w:t>bold italic</w:t></w:r>"),
            para("Calm", &run("<w:u w:val=\"single\"/>", "italic underlined")),
            para("LoopA", "<w:r><w:t>loop</w:t></w:r>"),
            para("Missing", "<w:r><w:t>unknown style</w:t></w:r>"),
            para("Heading1", "<w:r><w:t>Title</w:t></w:r>"),
        );
        let bytes = write_package(
            None,
            &[
                ("word/document.xml", document.as_bytes()),
                ("word/styles.xml", styles.as_bytes()),
            ],
        );
        let md = to_markdown(&read(&bytes).expect("reads"), false);
        assert_eq!(
            md,
            "**all bold** not this nor this\n\n***bold italic***\n\n*<u>italic underlined</u>*\n\n**loop**\n\nunknown style\n\n# Title\n",
            "{md}"
        );
    }

    #[test]
    fn bad_files_are_refused() {
        for bad in [&b"PK\x03\x04 nope"[..], b"", b"<w:document/>"] {
            assert!(read(bad).is_err());
        }
        let no_doc = write_package(None, &[("x.xml", b"<a/>")]);
        assert!(read(&no_doc).is_err());
        let dtd = write_package(
            None,
            &[(
                "word/document.xml",
                b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><w:document>&a;</w:document>",
            )],
        );
        let err = read(&dtd).expect_err("DTD refused");
        assert!(err.message.contains("DTD"), "{}", err.message);
    }
}
