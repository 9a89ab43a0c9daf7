"""Nichoir's DOCX and ODT files against readers and writers that are not Nichoir's.

Run by scripts/check-office-formats (which starts the server and makes the API token):
python-docx and odfpy open a pad's exports and must find its formatting where Word and
LibreOffice look for it; documents they write must import into the expected Markdown.
Environment: NICHOIR_URL (the server), NICHOIR_TOKEN (a personal API token).
"""

import io
import json
import os
import sys
import urllib.error
import urllib.request

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from odf import style as odfstyle
from odf import teletype
from odf import text as odftext
from odf.namespaces import TEXTNS, XLINKNS
from odf.opendocument import OpenDocumentText, load

BASE = os.environ["NICHOIR_URL"].rstrip("/")
TOKEN = os.environ["NICHOIR_TOKEN"]

# What the pad holds: every kind of formatting both exports promise to keep.
PAD_MARKDOWN = """# Heading One

## Sub heading

Plain **bold** and _italic_ and <u>under</u> and ~~strike~~ and `code` here.

- first bullet
  - nested bullet
- second bullet

1. first step
2. second step

> quoted words

See [the site](https://example.org/page?a=1&b=2) now.
"""
LINK = "https://example.org/page?a=1&b=2"

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def api(method, path, body=None, content_type="application/octet-stream"):
    data = body
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        content_type = "application/json"
    elif isinstance(body, str):
        data = body.encode()
    if data is not None:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def new_pad(name):
    status, body = api("POST", "/api/v1/pads", {"name": name})
    if status != 201:
        sys.exit(f"creating a pad answered {status}: {body[:300]!r}")
    return json.loads(body)["pad"]["id"]


def import_file(pad, fmt, data):
    status, body = api("POST", f"/api/v1/pads/{pad}/import?format={fmt}", data)
    if status != 200:
        sys.exit(f"importing {fmt} answered {status}: {body[:300]!r}")


def pad_text(pad):
    status, body = api("GET", f"/api/v1/pads/{pad}")
    if status != 200:
        sys.exit(f"reading the pad answered {status}: {body[:300]!r}")
    return json.loads(body)["text"]


def export(pad, fmt):
    status, body = api("GET", f"/api/v1/pads/{pad}/export?format={fmt}")
    if status != 200:
        sys.exit(f"exporting {fmt} answered {status}: {body[:300]!r}")
    return body


# ---------------------------------------------------------------------------------------------
# DOCX export, read by python-docx


def docx_list_info(document, paragraph):
    """(level, numFmt) of a list paragraph, from its own numbering or its style's; None if not."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    numbering = document.part.numbering_part.element
    abstract = numbering.xpath(f'./w:num[@w:numId="{num_pr.numId.val}"]/w:abstractNumId/@w:val')
    if not abstract:
        return (level, None)
    fmt = numbering.xpath(
        f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{level}"]/w:numFmt/@w:val'
    )
    return (level, fmt[0] if fmt else None)


def check_docx_export(data):
    print("DOCX export, opened by python-docx")
    document = docx.Document(io.BytesIO(data))
    paras = {p.text: p for p in document.paragraphs}

    def para(text):
        p = paras.get(text)
        check(p is not None, f"a paragraph reads {text!r} (got {list(paras)})")
        return p

    for text, style in [("Heading One", "Heading 1"), ("Sub heading", "Heading 2")]:
        p = para(text)
        if p is not None:
            check(p.style.name == style, f"{text!r} has the style {style} (got {p.style.name})")
            check(
                p.style.type == WD_STYLE_TYPE.PARAGRAPH,
                f"{style} is a paragraph style",
            )

    p = para("Plain bold and italic and under and strike and code here.")
    if p is not None:
        runs = {r.text: r for r in p.runs}
        expect = {
            "bold": lambda r: r.bold is True,
            "italic": lambda r: r.italic is True,
            "under": lambda r: r.underline is True,
            "strike": lambda r: r.font.strike is True,
        }
        for text, has in expect.items():
            r = runs.get(text)
            check(r is not None and has(r), f"the run {text!r} is {text} (runs: {list(runs)})")
        for text in ["Plain ", " and "]:
            r = runs.get(text)
            check(
                r is not None and not (r.bold or r.italic or r.underline or r.font.strike),
                f"the run {text!r} has no formatting",
            )
        r = runs.get("code")
        check(
            r is not None
            and (
                "courier" in (r.style.font.name or "").lower()
                or "verbatim" in r.style.name.lower()
            ),
            "the run 'code' is in a monospace character style"
            + (f" (style {r.style.name}, font {r.style.font.name})" if r is not None else ""),
        )

    for text, level, fmt in [
        ("first bullet", 0, "bullet"),
        ("nested bullet", 1, "bullet"),
        ("second bullet", 0, "bullet"),
        ("first step", 0, "decimal"),
        ("second step", 0, "decimal"),
    ]:
        p = para(text)
        if p is not None:
            got = docx_list_info(document, p)
            check(got == (level, fmt), f"{text!r} is a {fmt} list item at level {level} (got {got})")
    first, second = para("first step"), para("second step")
    if first is not None and second is not None:
        check(
            first._p.pPr.numPr.numId.val == second._p.pPr.numPr.numId.val,
            "the numbered items share one numbering (2 follows 1)",
        )

    p = para("quoted words")
    if p is not None:
        check(p.style.name == "Quote", f"the quote has the style Quote (got {p.style.name})")

    p = para("See the site now.")
    if p is not None:
        links = p.hyperlinks
        check(len(links) == 1, f"one hyperlink in the link's paragraph (got {len(links)})")
        if links:
            check(links[0].text == "the site", f"the link reads 'the site' (got {links[0].text!r})")
            check(links[0].address == LINK, f"the link goes to {LINK} (got {links[0].address!r})")
            rid = links[0]._hyperlink.rId
            rel = p.part.rels.get(rid)
            check(rel is not None and rel.is_external, f"the link's relationship {rid} is external")
    check(
        document.core_properties.title == "office-check",
        f"the title is the pad's name (got {document.core_properties.title!r})",
    )


# ---------------------------------------------------------------------------------------------
# ODT export, read by odfpy


def odt_styles(doc):
    """Every named style of the document (automatic and common), by name."""
    out = {}
    for container in (doc.automaticstyles, doc.styles):
        for el in container.childNodes:
            name = el.getAttribute("name") if el.qname[1] in ("style", "list-style") else None
            if name:
                out[name] = el
    return out


def odt_text_props(styles, name):
    """The text properties of a style and its parents, the nearest winning."""
    props = {}
    for _ in range(8):
        st = styles.get(name)
        if st is None:
            break
        for tp in st.getElementsByType(odfstyle.TextProperties):
            for (ns, attr), value in tp.attributes.items():
                props.setdefault(attr, value)
        name = st.getAttribute("parentstylename")
    return props


def odt_span_props(styles, span_text, spans):
    for s in spans:
        if teletype.extractText(s) == span_text:
            props = {}
            el = s
            # Spans nest (a code span inside a bold one): every enclosing span counts.
            while el is not None and el.qname == (TEXTNS, "span"):
                for k, v in odt_text_props(styles, el.getAttribute("stylename")).items():
                    props.setdefault(k, v)
                el = el.parentNode
            return props
    return None


def check_odt_export(data):
    print("ODT export, opened by odfpy")
    doc = load(io.BytesIO(data))
    check(doc.mimetype == "application/vnd.oasis.opendocument.text", f"mimetype {doc.mimetype}")
    styles = odt_styles(doc)

    heads = {teletype.extractText(h): h for h in doc.getElementsByType(odftext.H)}
    for text, level in [("Heading One", "1"), ("Sub heading", "2")]:
        h = heads.get(text)
        if check(h is not None, f"a text:h reads {text!r} (got {list(heads)})"):
            check(
                h.getAttribute("outlinelevel") == level,
                f"{text!r} has outline level {level} (got {h.getAttribute('outlinelevel')})",
            )
            st = h.getAttribute("stylename")
            check(st in styles, f"{text!r}'s style {st} is defined")

    spans = doc.getElementsByType(odftext.Span)
    for text, attr, values in [
        ("bold", "font-weight", ("bold",)),
        ("italic", "font-style", ("italic",)),
        ("under", "text-underline-style", ("solid",)),
        ("strike", "text-line-through-style", ("solid",)),
    ]:
        props = odt_span_props(styles, text, spans)
        check(
            props is not None and props.get(attr) in values,
            f"the span {text!r} has {attr} in {values} (got {props})",
        )
        if props is not None:
            others = {"font-weight", "font-style", "text-underline-style", "text-line-through-style"}
            extra = {k for k in others - {attr} if props.get(k) not in (None, "none", "normal")}
            check(not extra, f"the span {text!r} has no other formatting (got {extra})")
    props = odt_span_props(styles, "code", spans)
    font = ((props or {}).get("font-name", "") + (props or {}).get("font-family", "")).lower()
    check("courier" in font or "mono" in font, f"the span 'code' is monospace (got {props})")

    def item_of(text):
        for p in doc.getElementsByType(odftext.P):
            if teletype.extractText(p) == text:
                return p
        check(False, f"a paragraph reads {text!r}")
        return None

    def list_info(p):
        """(depth, the list style's kind at that depth) of a paragraph in a list item."""
        depth, style_name, el = 0, None, p.parentNode
        if el is None or el.qname != (TEXTNS, "list-item"):
            return None
        while el is not None:
            if el.qname == (TEXTNS, "list"):
                depth += 1
                style_name = el.getAttribute("stylename") or style_name
            el = el.parentNode
        ls = styles.get(style_name)
        if ls is None:
            return (depth, None)
        for lvl in ls.childNodes:
            if lvl.getAttribute("level") == str(depth):
                return (depth, lvl.qname[1])
        return (depth, None)

    for text, depth, kind in [
        ("first bullet", 1, "list-level-style-bullet"),
        ("nested bullet", 2, "list-level-style-bullet"),
        ("second bullet", 1, "list-level-style-bullet"),
        ("first step", 1, "list-level-style-number"),
        ("second step", 1, "list-level-style-number"),
    ]:
        p = item_of(text)
        if p is not None:
            got = list_info(p)
            check(got == (depth, kind), f"{text!r} is a list item, {kind} at depth {depth} (got {got})")
    a, b = item_of("first step"), item_of("second step")
    if a is not None and b is not None:
        check(
            a.parentNode.parentNode is b.parentNode.parentNode,
            "the numbered items are in one text:list (2 follows 1)",
        )

    q = item_of("quoted words")
    if q is not None:
        chain, name = [], q.getAttribute("stylename")
        while name and len(chain) < 8:
            chain.append(name)
            st = styles.get(name)
            name = st.getAttribute("parentstylename") if st is not None else None
        check(
            "Quotations" in chain,
            f"the quote's paragraph style derives from Quotations (got {chain})",
        )

    links = doc.getElementsByType(odftext.A)
    check(len(links) == 1, f"one text:a (got {len(links)})")
    if links:
        check(
            links[0].getAttrNS(XLINKNS, "href") == LINK,
            f"the link goes to {LINK} (got {links[0].getAttrNS(XLINKNS, 'href')!r})",
        )
        check(teletype.extractText(links[0]) == "the site", "the link reads 'the site'")
    title = [teletype.extractText(t) for t in doc.meta.childNodes if t.qname[1] == "title"]
    check(title == ["office-check"], f"the title is the pad's name (got {title})")


# ---------------------------------------------------------------------------------------------
# Documents written by python-docx and odfpy, imported


# What both written documents must import as (Nichoir writes italic with `*`, and a list of the
# other kind right after the last item: CommonMark starts a new list there).
IMPORTED_MARKDOWN = """# Written elsewhere

## Second level

Plain **bold** and *italic* and <u>under</u> and ~~strike~~ and `code` here.

- apple
  - green apple
- pear
1. one
2. two

> quoted words

See [the site](https://example.org/page?a=1&b=2) now.
"""


def docx_written():
    d = docx.Document()
    d.add_heading("Written elsewhere", 1)
    d.add_heading("Second level", 2)
    p = d.add_paragraph("Plain ")
    p.add_run("bold").bold = True
    p.add_run(" and ")
    p.add_run("italic").italic = True
    p.add_run(" and ")
    p.add_run("under").underline = True
    p.add_run(" and ")
    p.add_run("strike").font.strike = True
    p.add_run(" and ")
    p.add_run("code").font.name = "Courier New"
    p.add_run(" here.")
    # Word's own list styles: the numbering comes from the style, not the paragraph.
    d.add_paragraph("apple", style="List Bullet")
    d.add_paragraph("green apple", style="List Bullet 2")
    d.add_paragraph("pear", style="List Bullet")
    d.add_paragraph("one", style="List Number")
    d.add_paragraph("two", style="List Number")
    d.add_paragraph("quoted words", style="Quote")
    # python-docx has no call to add a hyperlink: the w:hyperlink element by hand.
    p = d.add_paragraph("See ")
    rid = d.part.relate_to(LINK, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "the site"
    run.append(t)
    link.append(run)
    p._p.append(link)
    p.add_run(" now.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def odt_written():
    d = OpenDocumentText()
    # Common styles named as LibreOffice names them.
    for n in (1, 2):
        d.styles.addElement(
            odfstyle.Style(
                name=f"Heading_20_{n}",
                displayname=f"Heading {n}",
                family="paragraph",
                defaultoutlinelevel=str(n),
            )
        )
    d.styles.addElement(odfstyle.Style(name="Quotations", family="paragraph"))
    auto = {}
    for name, props in [
        ("TBold", {"fontweight": "bold"}),
        ("TItalic", {"fontstyle": "italic"}),
        ("TUnder", {"textunderlinestyle": "solid", "textunderlinewidth": "auto"}),
        ("TStrike", {"textlinethroughstyle": "solid", "textlinethroughtype": "single"}),
        ("TCode", {"fontfamily": "'Courier New'"}),
    ]:
        st = odfstyle.Style(name=name, family="text")
        st.addElement(odfstyle.TextProperties(**props))
        d.automaticstyles.addElement(st)
        auto[name] = st
    bullets = odftext.ListStyle(name="LBullets")
    for level in (1, 2):
        bullets.addElement(odftext.ListLevelStyleBullet(level=str(level), bulletchar="•"))
    numbers = odftext.ListStyle(name="LNumbers")
    numbers.addElement(odftext.ListLevelStyleNumber(level="1", numformat="1", numsuffix="."))
    d.automaticstyles.addElement(bullets)
    d.automaticstyles.addElement(numbers)

    d.text.addElement(odftext.H(outlinelevel="1", stylename="Heading_20_1", text="Written elsewhere"))
    d.text.addElement(odftext.H(outlinelevel="2", stylename="Heading_20_2", text="Second level"))
    p = odftext.P()
    p.addText("Plain ")
    for i, (name, word) in enumerate(
        [("TBold", "bold"), ("TItalic", "italic"), ("TUnder", "under"), ("TStrike", "strike"), ("TCode", "code")]
    ):
        if i:
            p.addText(" and ")
        p.addElement(odftext.Span(stylename=auto[name], text=word))
    p.addText(" here.")
    d.text.addElement(p)

    outer = odftext.List(stylename=bullets)
    apple = odftext.ListItem()
    apple.addElement(odftext.P(text="apple"))
    inner = odftext.List()
    green = odftext.ListItem()
    green.addElement(odftext.P(text="green apple"))
    inner.addElement(green)
    apple.addElement(inner)
    outer.addElement(apple)
    pear = odftext.ListItem()
    pear.addElement(odftext.P(text="pear"))
    outer.addElement(pear)
    d.text.addElement(outer)

    numbered = odftext.List(stylename=numbers)
    for word in ("one", "two"):
        item = odftext.ListItem()
        item.addElement(odftext.P(text=word))
        numbered.addElement(item)
    d.text.addElement(numbered)

    d.text.addElement(odftext.P(stylename="Quotations", text="quoted words"))
    p = odftext.P()
    p.addText("See ")
    p.addElement(odftext.A(type="simple", href=LINK, text="the site"))
    p.addText(" now.")
    d.text.addElement(p)
    out = io.BytesIO()
    d.write(out)
    return out.getvalue()


def check_import(fmt, data, writer):
    print(f"{fmt.upper()} written by {writer}, imported")
    pad = new_pad(f"from-{writer}")
    import_file(pad, fmt, data)
    got = pad_text(pad)
    ok = check(got.strip() == IMPORTED_MARKDOWN.strip(), f"the {fmt} file imports as the expected Markdown")
    if not ok:
        print("    expected:\n" + "\n".join("      | " + l for l in IMPORTED_MARKDOWN.strip().split("\n")))
        print("    got:\n" + "\n".join("      | " + l for l in got.strip().split("\n")))


def main():
    pad = new_pad("office-check")
    import_file(pad, "md", PAD_MARKDOWN)
    check(pad_text(pad).strip() == PAD_MARKDOWN.strip(), "the pad holds the Markdown sent")
    check_docx_export(export(pad, "docx"))
    check_odt_export(export(pad, "odt"))
    check_import("docx", docx_written(), "python-docx")
    check_import("odt", odt_written(), "odfpy")
    if failures:
        print(f"\n{len(failures)} check(s) failed:", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
