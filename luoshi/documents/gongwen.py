"""公文 building blocks (GB/T 9704-2012) for every Word document the app writes: page and type area,
fonts and sizes, the 版头 with its red rule, paragraphs, fixed-width tables, pictures, the signature
and page numbers. python-docx only: no data is read here; the bulletin modules bring the numbers.

    doc = masthead(title=…, issue_text="第3期", office=…, date_text=chinese_date(day))
    add_para(doc, "一、总体情况", font=HEITI, outline=0)
    add_para(doc, "正文……")
    grid_table(doc, (("名次", 14), ("单位", 50)), rows, left=(1,))
    return finish(doc)        # page numbers, then the .docx bytes
"""
from __future__ import annotations

import datetime as dt
import io
from copy import deepcopy
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor

from luoshi.core import formats, numerals

__all__ = [
    "BODY_PT", "DASH", "FANGSONG", "FOOTER_PT", "HEITI", "KAITI", "LINE_PT", "RED", "SONGTI", "TABLE_PT", "TITLE_PT",
    "XIAOBIAOSONG", "add_para", "add_paras", "caption", "chinese_date", "chinese_number", "finish", "format_rate", "grid_table", "issue_line",
    "masthead", "new_document", "picture", "red_rule", "set_cell", "signature", "single_spaced", "style_run",
]

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
BODY_PT = 16           # 三号
TITLE_PT = 22          # 二号
TABLE_PT = 12          # 小四
FOOTER_PT = 14         # 四号
LINE_PT = 28.95        # 22 lines in the 225 mm type area
RED = "FF0000"
DASH = "—"


# ---- text ----------------------------------------------------------------------------------------

def chinese_date(d: dt.date) -> str:
    """2021年6月30日 (no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def format_rate(rate: float | None) -> str:
    """A percentage (0–100) with one decimal, or “—” when there is nothing to rate."""
    return DASH if rate is None else formats.rate_text(rate)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一; from 100 on, Arabic digits (core.numerals)."""
    return numerals.to_chinese(n)


# ---- runs and paragraphs --------------------------------------------------------------------------

def _set_rfonts(rpr, name: str) -> None:
    """Set ascii/hAnsi/eastAsia/cs on an rPr and drop theme fonts (they would win over the names)."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def style_run(run, *, font: str, size: float, bold: bool = False, color: str | None = None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    _set_rfonts(run._r.get_or_add_rPr(), font)


def _first_line_indent(paragraph, size: float = BODY_PT) -> None:
    """Two characters: firstLineChars for Word, firstLine in twips for everything else."""
    paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    ind.set(qn("w:firstLineChars"), "200")


def _outline_level(paragraph, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    el = OxmlElement("w:outlineLvl")
    el.set(qn("w:val"), str(level))
    ppr.append(el)


def add_para(container, text: str = "", *, font: str = FANGSONG, size: float = BODY_PT, bold: bool = False,
              align=None, indent: bool = True, color: str | None = None, outline: int | None = None):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        _first_line_indent(p, size)
    if outline is not None:
        _outline_level(p, outline)
    if text:
        style_run(p.add_run(text), font=font, size=size, bold=bold, color=color)
    return p


def add_paras(container, texts, **style) -> None:
    """One paragraph per text, all in the same style (add_para's keywords): the first is built by add_para, the
    others are copies of it with their text replaced, so a list of a thousand task lines costs a thousand copies,
    not a thousand python-docx builds. A text with a line break or a tab is built by add_para (its runs differ)."""
    first: Any = None  # the w:p element copied
    last: Any = None
    for text in texts:
        if first is None or not text or any(c in text for c in "\n\r\t"):
            p = add_para(container, text, **style)
            if text and first is None and len(p.runs) == 1:
                first = p._p
            last = p._p
            continue
        copy = deepcopy(first)
        t = next(copy.iter(qn("w:t")))
        t.text = text
        t.attrib.pop(qn("xml:space"), None)
        if len(text.strip()) < len(text):
            t.set(qn("xml:space"), "preserve")
        last.addnext(copy)
        last = copy


def single_spaced(paragraph) -> None:
    """Single line spacing, off the document's 28.95 pt line grid (which would make every line that tall)."""
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _off_grid(paragraph._p)


def _off_grid(p) -> None:
    ppr = p.get_or_add_pPr()
    if ppr.find(qn("w:snapToGrid")) is None:
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        # schema order: pStyle, keepNext, keepLines, pageBreakBefore, framePr, widowControl, numPr,
        # suppressLineNumbers, pBdr, shd, tabs, suppressAutoHyphens, kinsoku, wordWrap, overflowPunct,
        # topLinePunct, autoSpaceDE, autoSpaceDN, bidi, adjustRightInd, snapToGrid, spacing, ind, …
        anchor = next((ppr.find(qn(t)) for t in ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                                                  "w:rPr", "w:sectPr", "w:pPrChange")
                       if ppr.find(qn(t)) is not None), None)
        if anchor is not None:
            anchor.addprevious(snap)
        else:
            ppr.append(snap)


# ---- the document ---------------------------------------------------------------------------------

def setup_document(doc) -> None:
    # page: A4, GB/T 9704 margins (type area 156 × 225 mm)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # the page number's dash line sits 7 mm below the type area
    section.footer_distance = Mm(35 - 7 - 5)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))

    # document defaults and Normal: 仿宋_GB2312 三号, exact 28.95 pt, no paragraph spacing
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_rfonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_rfonts(normal.element.get_or_add_rPr(), FANGSONG)
    pf = normal.paragraph_format
    pf.line_spacing = Pt(LINE_PT)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_before = pf.space_after = Pt(0)

    doc.settings.odd_and_even_pages_header_footer = True


def new_document(*, title: str = "", author: str = ""):
    """An empty document in 公文 layout: A4, GB/T 9704 margins, 仿宋 三号 on a 22-line grid."""
    doc = Document()
    setup_document(doc)
    doc.core_properties.title = title
    doc.core_properties.author = author
    return doc


def red_rule(paragraph) -> None:
    """版头 separator: a red bottom border across the type area."""
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", RED)):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    # pBdr goes before spacing/ind/jc in the schema order
    anchor = next((ppr.find(qn(t)) for t in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind",
                                              "w:jc") if ppr.find(qn(t)) is not None), None)
    if anchor is not None:
        anchor.addprevious(bdr)
    else:
        ppr.append(bdr)


def issue_line(issue_no: int | None) -> str:
    """The 期号 line of a bulletin: 第3期, or nothing when the bulletin has no number (an empty “第　期” is not
    what an office sends out)."""
    return f"第{issue_no}期" if issue_no is not None else ""


def masthead(*, title: str, issue_text: str, office: str, date_text: str):
    """A new 公文-layout document with a bulletin's 版头: title, 期号 (left out when empty), then the office and the
    date over a red rule. Shared by every bulletin (调度通报, 督查通报, 排名通报)."""
    doc = new_document(title=title, author=office)
    add_para(doc, title, font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if issue_text:
        add_para(doc, issue_text, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    head = add_para(doc, indent=False)
    # office one character in from the left, date one character in from the right (right tab stop)
    head.paragraph_format.left_indent = Pt(BODY_PT)
    head.paragraph_format.right_indent = Pt(BODY_PT)
    head.paragraph_format.tab_stops.add_tab_stop(Emu(Mm(156) - Pt(BODY_PT)), alignment=WD_TAB_ALIGNMENT.RIGHT)
    style_run(head.add_run(f"{office}\t{date_text}"), font=FANGSONG, size=BODY_PT)
    red_rule(head)
    add_para(doc, indent=False)
    return doc


def _page_number_paragraph(footer, *, odd: bool) -> None:
    """“— N —” in 宋体 四号 with a PAGE field; odd pages right, even pages left, one character in."""
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if odd:
        pf.right_indent = Pt(FOOTER_PT)
    else:
        pf.left_indent = Pt(FOOTER_PT)

    def run(text: str = ""):
        r = p.add_run(text)
        style_run(r, font=SONGTI, size=FOOTER_PT)
        return r

    run("— ")
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run()._r.append(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run()._r.append(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run()._r.append(sep)
    run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run()._r.append(end)
    run(" —")


def finish(doc) -> bytes:
    """Page numbers in the footers (odd pages right, even pages left), then the document as .docx bytes."""
    section = doc.sections[0]
    _page_number_paragraph(section.footer, odd=True)
    _page_number_paragraph(section.even_page_footer, odd=False)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def signature(doc, office: str, date_text: str) -> None:
    """发文机关署名 and 成文日期 at the right, the date four characters in from the right margin."""
    add_para(doc, indent=False)
    for text, chars in ((office, 2), (date_text, 4)):
        p = add_para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Pt(BODY_PT * chars)


# ---- tables and pictures --------------------------------------------------------------------------

def set_cell(cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    """A table cell's text in 仿宋 小四, single-spaced, vertically centred."""
    p = cell.paragraphs[0]
    p.alignment = align
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Pt(0)
    style_run(p.add_run(text), font=FANGSONG, size=TABLE_PT, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def grid_table(doc, columns, rows: list[tuple], *, left: tuple[int, ...] = ()):
    """A fixed-width grid table (小四 仿宋) whose header row repeats on every page.

    The first data row is built with the shared cell helper; the others are copies of it with their
    texts replaced, which keeps a 150-unit table fast (python-docx builds cells slowly)."""
    table = doc.add_table(rows=2 if rows else 1, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, (name, _w) in zip(header.cells, columns):
        set_cell(cell, name, bold=True)
        _off_grid(cell.paragraphs[0]._p)
    # fixed layout: Word takes the widths from tblGrid, other readers from tcW; set both
    widths = [Mm(w) for _name, w in columns]
    for col, width in zip(table.columns, widths):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    tblw = table._tbl.tblPr.find(qn("w:tblW"))
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(round(sum(w for _name, w in columns) / 25.4 * 1440)))
    if not rows:
        return table
    # one line of text per cell (line breaks and tabs would split a run into several w:t elements)
    texts = [[" ".join(str(v).split()) or DASH if v is not None else DASH for v in values] for values in rows]
    template = table.rows[1]
    for i, (cell, text) in enumerate(zip(template.cells, texts[0])):
        set_cell(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT if i in left else WD_ALIGN_PARAGRAPH.CENTER)
        _off_grid(cell.paragraphs[0]._p)
    tr = template._tr
    tbl = tr.getparent()
    for values in texts[1:]:
        copy = deepcopy(tr)
        for t, text in zip(copy.iter(qn("w:t")), values):
            t.text = text
            t.set(qn("xml:space"), "preserve")
        tbl.append(copy)
    return table


def picture(doc, png: bytes, width_mm: float = 150) -> None:
    p = add_para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    single_spaced(p)
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def caption(doc, text: str) -> None:
    p = add_para(doc, text, size=TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    single_spaced(p)
