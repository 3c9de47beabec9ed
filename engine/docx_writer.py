""".docx from a rendered document template, with python-docx.

A template's HTML uses a small vocabulary of blocks (processes/templates/README.md); each maps to a Word
paragraph or table with the GB/T 9704-2012 settings: A4, margins 37/35/28/26 mm, 3号 (16 pt) body on a
28.95 pt line (22 lines a page), page numbers "— 1 —" outside (odd right, even left). No layout is
computed here: Word/WPS lay the text out; this only says which style each block has.

Fonts are named as on the Chinese Windows/WPS desktops that open these files (a .docx cannot embed
them with python-docx): 仿宋 for the body, 黑体 for first-level headings, 方正小标宋简体 for the issuer mark
and the title (the standard's 小标宋体), 宋体 for page numbers. The PDF is the record; the .docx is for
re-use and editing.
"""
import io
import re

from docx import Document as WordDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import html as lxml_html

RED = RGBColor(0xE6, 0x00, 0x12)
BODY_FONT, HEI, XBS, SONG = "仿宋", "黑体", "方正小标宋简体", "宋体"
BODY_PT, LINE_PT = 16, 28.95
BLOCKS = {"p", "h1", "h2", "h3", "table", "div", "hr", "section", "header", "footer", "ul", "ol"}


def write_docx(html: str) -> bytes:
    tree = lxml_html.document_fromstring(html)
    body = tree.find("body")
    word = WordDocument()
    _page_setup(word, letter="letter" in (body.get("class") or ""))
    _walk(word, body)
    if word.paragraphs and not word.paragraphs[0].text and len(word.paragraphs) > 1:
        first = word.paragraphs[0]._element
        first.getparent().remove(first)  # python-docx's template starts with an empty paragraph
    out = io.BytesIO()
    word.core_properties.title = (tree.findtext(".//title") or "").strip()
    word.save(out)
    return out.getvalue()


# --- page ---

def _page_setup(word, letter: bool) -> None:
    section = word.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(35 - 7 - 5)  # the number's dash line 7 mm below the text block
    normal = word.styles["Normal"]
    _font(normal, BODY_FONT, BODY_PT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    word.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    if letter:  # 信函格式: no page number on the first page
        section.different_first_page_header_footer = True


def _page_number(paragraph, align) -> None:
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(14)
    else:
        fmt.left_indent = Pt(14)
    _font(paragraph.add_run("— "), SONG, 14)
    run = paragraph.add_run()
    _font(run, SONG, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        run._element.append(node)
    _font(paragraph.add_run(" —"), SONG, 14)


# --- blocks ---

def _walk(word, element) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag, classes = child.tag.lower(), set((child.get("class") or "").split())
        if "pdf-only" in classes:
            continue
        if tag == "table":
            _table(word, child, bordered="plain" not in classes)
        elif tag == "hr" or "rule" in classes:
            _rule(word, double="double" in classes)
        elif tag in ("p", "h1", "h2", "h3") or "issuer" in classes or "mark" in classes:
            _paragraph(word, child, tag, classes)
        elif tag in BLOCKS:
            _walk(word, child)


def _paragraph(word, element, tag, classes) -> None:
    p = word.add_paragraph()
    font, size, bold, color = _paragraph_look(p, element, tag, classes)
    for text, strong, br in _runs(element):
        if br:
            p.add_run().add_break()
            continue
        run = p.add_run(text)
        _font(run, HEI if strong and font == BODY_FONT else font, size)
        run.bold = bold
        if color is not None:
            run.font.color.rgb = color


def _paragraph_look(p, element, tag, classes) -> tuple[str, float, bool, RGBColor | None]:
    """Format the paragraph for its kind; return the font, size, boldness and colour of its text."""
    fmt = p.paragraph_format
    if "issuer" in classes or "mark" in classes:
        size = _pt(element.get("style"), 26 if "letter" in classes else 34 if "file" in classes else 30)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.line_spacing = Pt(size * 1.25)
        fmt.space_before = Pt(0 if "letter" in classes else 48)
        fmt.space_after = Pt(6)
        return XBS, size, False, RED
    if tag == "h1" or "title" in classes:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.line_spacing = Pt(36)
        fmt.space_before, fmt.space_after = Pt(LINE_PT), Pt(LINE_PT / 2)
        return XBS, 22, False, None
    if tag in ("h2", "h3"):
        fmt.first_line_indent = Pt(2 * BODY_PT)
        return (HEI, BODY_PT, False, None) if tag == "h2" else (BODY_FONT, BODY_PT, True, None)
    _body_format(p, element, classes)
    return BODY_FONT, BODY_PT, False, None


def _body_format(p, element, classes) -> None:
    """Alignment and indents of a paragraph in the body's font."""
    fmt = p.paragraph_format
    if "number" in classes:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if "right" in classes else WD_ALIGN_PARAGRAPH.CENTER
    elif "recipient" in classes or "flush" in classes:
        pass
    elif "signature" in classes or "date" in classes:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fmt.right_indent = Pt(_em(element.get("style"), "margin-right", 2) * BODY_PT)
        if "signature" in classes:
            fmt.space_before = Pt(LINE_PT)
    elif "label" in classes:
        fmt.left_indent = Pt(2 * BODY_PT)
    elif "center" in classes:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        fmt.first_line_indent = Pt(2 * BODY_PT)


def _runs(element):
    """(text, bold, line break) pieces of an inline run of HTML."""
    if element.text:
        yield _squash(element.text), False, False
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "br":
            yield "", False, True
        else:
            yield _squash(child.text_content()), child.tag in ("b", "strong", "th"), False
        if child.tail:
            yield _squash(child.tail), False, False


def _squash(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text)


def _rule(word, double: bool) -> None:
    p = word.add_paragraph()
    p.paragraph_format.line_spacing = Pt(4)
    ppr = p._element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "thickThinSmallGap" if double else "single")
    bottom.set(qn("w:sz"), "18" if double else "12")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "E60012")
    borders.append(bottom)
    ppr.append(borders)


def _table(word, element, bordered: bool) -> None:
    rows = element.findall(".//tr")
    if not rows:
        return
    width = max(sum(int(c.get("colspan", 1)) for c in r if c.tag in ("td", "th")) for r in rows)
    table = word.add_table(rows=len(rows), cols=width)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if bordered:
        table.style = "Table Grid"
    for r, tr in enumerate(rows):
        c = 0
        for cell_el in (x for x in tr if x.tag in ("td", "th")):
            span = int(cell_el.get("colspan", 1))
            cell = table.cell(r, c)
            if span > 1:
                cell = cell.merge(table.cell(r, c + span - 1))
            cell.text = ""
            para = cell.paragraphs[0]
            para.paragraph_format.first_line_indent = Pt(0)
            for i, line in enumerate(_cell_lines(cell_el)):
                if i:
                    para = cell.add_paragraph()
                run = para.add_run(line)
                _font(run, HEI if cell_el.tag == "th" else BODY_FONT, 14 if bordered else BODY_PT)
            c += span


def _cell_lines(cell) -> list[str]:
    lines, current = [], cell.text or ""
    for child in cell:
        if child.tag in ("br", "p", "div"):
            if child.tag != "br":
                current += child.text_content()
            lines.append(current)
            current = child.tail or ""
        else:
            current += child.text_content() + (child.tail or "")
    lines.append(current)
    return [_squash(x).strip() for x in lines if _squash(x).strip()] or [""]


def _pt(style: str | None, default: float) -> float:
    match = re.search(r"font-size\s*:\s*([\d.]+)pt", style or "")
    return float(match.group(1)) if match else default


def _em(style: str | None, prop: str, default: float) -> float:
    match = re.search(rf"{prop}\s*:\s*([\d.]+)em", style or "")
    return float(match.group(1)) if match else default


def _font(target, name: str, size: float | None = None) -> None:
    """Set a run's or style's font for Latin and East Asian text alike."""
    target.font.name = name
    if size:
        target.font.size = Pt(size)
    rpr = target.element.get_or_add_rPr() if hasattr(target, "element") else target._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
