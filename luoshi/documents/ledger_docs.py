"""The supervision ledger's Word documents, in 公文 layout (GB/T 9704-2012) like the 调度通报:

- 交办单 (assignment sheet): the findings handed to one unit under a document number;
- 督查通报 (weekly bulletin): totals, a per-unit table and chart, the 通报批评 the office confirmed, and
  the longest-overdue findings.

Numbers are read through luoshi.ledger.selectors with the acting user (grouped queries, never one per
finding), so a bulletin shows only what that user may see.
"""
from __future__ import annotations

import datetime as dt
import io
from copy import deepcopy

from django.utils import timezone, translation
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from luoshi.core import clock, numerals
from luoshi.ledger import selectors
from luoshi.ledger.models import AssignmentSheet, EscalationState, Severity
from luoshi.programs.models import Program

from .bulletin import (
    BODY_PT, DASH, FANGSONG, HEITI, RED, TABLE_PT, TITLE_PT, XIAOBIAOSONG, _add_para,
    _page_number_paragraph, _red_rule, _set_cell, _setup_document, _style_run, bulletin_masthead, chinese_date,
    format_rate,
)
from .charts import bar_chart_png

__all__ = ["ledger_bulletin_docx", "sheet_docx"]

CHART_TOP = 15
OVERDUE_TOP = 20

# (header, width in mm); each table fills the 156 mm type area. 问题编号 (2026-00012) and a date
# (2026年12月31日) fit on one line at 小四.
SHEET_COLUMNS = (("序号", 12), ("问题编号", 25), ("问题类别", 18), ("问题描述", 37), ("地点", 18), ("严重程度", 14),
                 ("整改时限", 32))
UNIT_COLUMNS = (("名次", 14), ("单位", 32), ("本期发现", 18), ("累计发现", 18), ("累计销号", 18), ("逾期", 16),
                ("整改率", 20), ("销号率", 20))
OVERDUE_COLUMNS = (("序号", 12), ("问题编号", 25), ("责任单位", 26), ("问题描述", 47), ("整改时限", 32),
                   ("逾期天数", 14))

SHEET_DEFAULT_REQUIREMENTS = "请责任单位及时签收，按整改时限完成整改，并报送整改情况和整改前后对比照片。"
NEXT_STEPS = (
    ("各责任单位要切实履行整改主体责任，对交办问题及时签收、逐项建立整改台账，明确责任人和完成时限，"
     "按时报送整改情况和整改前后对比照片，做到整改一个、销号一个。"),
    ("对已逾期的问题，相关单位要认真剖析原因，立即整改到位；对被退回重改和销号后复发的问题，要举一反三、"
     "建立长效机制，防止问题反弹。督导组将加大回头看力度，对整改不力、屡改屡犯的单位，按督办升级办法予以约谈、"
     "通报直至问责。"),
    "各督导组要严格落实核验销号制度，坚持实地核验与佐证材料核验相结合，确保问题真整改、真销号。",
)


# ---- shared bits ---------------------------------------------------------------------------------

def _truncate(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (core.numerals); from 100 on, Arabic digits."""
    return numerals.to_chinese(n)


def _single_spaced(paragraph) -> None:
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


def _table(doc, columns, rows: list[tuple], *, left: tuple[int, ...] = ()):
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
        _set_cell(cell, name, bold=True)
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
        _set_cell(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT if i in left else WD_ALIGN_PARAGRAPH.CENTER)
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


def _finish(doc) -> bytes:
    section = doc.sections[0]
    _page_number_paragraph(section.footer, odd=True)
    _page_number_paragraph(section.even_page_footer, odd=False)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _signature(doc, office: str, date_text: str) -> None:
    """发文机关署名 and 成文日期 at the right, the date four characters in from the right margin."""
    _add_para(doc, indent=False)
    for text, chars in ((office, 2), (date_text, 4)):
        p = _add_para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Pt(BODY_PT * chars)


# ---- 交办单 ---------------------------------------------------------------------------------------

def sheet_docx(*, sheet: AssignmentSheet) -> bytes:
    """The 交办单 as issued: office, number, the unit, its findings, the requirements and the 签收."""
    program = sheet.program
    office = program.owner_unit.name
    findings = list(sheet.findings.select_related("category").order_by("seq"))
    issued = clock.localtime(sheet.issued_at).date()
    with translation.override(None):  # a 公文 is Chinese whatever the language of the request
        severities = {value: str(label) for value, label in Severity.choices}

    doc = Document()
    _setup_document(doc)
    doc.core_properties.title = f"问题交办单 {sheet.number}"
    doc.core_properties.author = office

    # 版头: office in red, the number centred over a red rule
    _add_para(doc, office, font=XIAOBIAOSONG, size=26, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    _add_para(doc, indent=False)
    number = _add_para(doc, sheet.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _red_rule(number)
    _add_para(doc, indent=False)

    _add_para(doc, "问题交办单", font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _add_para(doc, indent=False)
    _add_para(doc, f"{sheet.unit.name}：", indent=False)
    _add_para(doc, f"{chinese_date(issued)}，经督导检查，发现你单位存在以下问题{len(findings)}个，现予交办。"
                   "请认真核查，逐项整改到位，并在整改时限内报送整改情况。")

    rows = [(i, f.code, f.category.name if f.category else DASH, f.description, f.address or DASH,
             severities.get(f.severity, f.severity), chinese_date(f.deadline) if f.deadline else DASH)
            for i, f in enumerate(findings, 1)]
    _table(doc, SHEET_COLUMNS, rows, left=(3, 4))
    _add_para(doc, indent=False)

    _add_para(doc, "整改要求", font=HEITI, outline=0)
    requirements = [line.strip() for line in (sheet.requirements or SHEET_DEFAULT_REQUIREMENTS).splitlines()]
    for line in filter(None, requirements):
        _add_para(doc, line)

    _add_para(doc, indent=False)
    sign = _add_para(doc, indent=False)
    if sheet.acknowledged_at:
        who = sheet.acknowledged_by
        name = (who.full_name or who.get_username()) if who else ""
        at = clock.localtime(sheet.acknowledged_at)
        text = f"签收人：{name}　　签收时间：{chinese_date(at.date())} {at:%H:%M}"
    else:
        text = "签收人：＿＿＿＿＿＿　签收时间：　　年　　月　　日"
    _style_run(sign.add_run(text), font=FANGSONG, size=BODY_PT)

    _signature(doc, office, chinese_date(issued))
    return _finish(doc)


# ---- 督查通报 -------------------------------------------------------------------------------------

def _period_sentence(start: dt.date, end: dt.date, p) -> str:
    when = f"{chinese_date(start)}至{chinese_date(end)}"
    if not p.found:
        return f"本期（{when}）未发现新问题。"
    return (f"本期（{when}）共发现问题{p.found}个，已报送整改{p.rectified}个，已核验销号{p.closed}个，"
            f"逾期未整改{p.overdue}个，整改率{format_rate(p.rectify_rate)}，销号率{format_rate(p.close_rate)}。")


def _total_sentence(end: dt.date, t) -> str:
    if not t.found:
        return f"截至{chinese_date(end)}，问题台账中暂无问题。"
    text = (f"截至{chinese_date(end)}，累计发现问题{t.found}个，已报送整改{t.rectified}个，已核验销号{t.closed}个，"
            f"逾期未整改{t.overdue}个，整改率{format_rate(t.rectify_rate)}，销号率{format_rate(t.close_rate)}")
    if t.avg_days is not None:
        text += f"，问题从登记到销号平均用时{t.avg_days}天"
    if t.repeats:
        text += f"；销号后复发{t.repeats}次"
    return text + "。"


def _picture(doc, png: bytes, width_mm: float = 150) -> None:
    p = _add_para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _single_spaced(p)
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def _caption(doc, text: str) -> None:
    p = _add_para(doc, text, size=TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _single_spaced(p)


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(dt.datetime.combine(start, dt.time()), tz),
            timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), tz))


def bulletin_escalations(*, user, program: Program, start: dt.date, end: dt.date) -> list:
    """Confirmed steps marked for the bulletin (通报批评), decided between start and end (inclusive)."""
    low, high = _day_bounds(start, end)
    return list(selectors.escalation_list(user=user, program=program, state=EscalationState.CONFIRMED)
                .filter(in_bulletin=True, decided_at__gte=low, decided_at__lt=high)
                .order_by("decided_at", "id"))


def ledger_bulletin_docx(*, user, program: Program, start: dt.date, end: dt.date, issue_no: int | None = None,
                         office_name: str = "") -> bytes:
    """The 督查通报 for findings found from `start` to `end`, with the whole ledger up to `end` beside it."""
    today = clock.today()
    period = selectors.ledger_figures(user=user, program=program, found_from=start, found_to=end)
    to_date = selectors.ledger_figures(user=user, program=program, found_to=end)
    p, t = period["total"], to_date["total"]
    period_found = {r.key: r.found for r in period["rows"]}
    office = office_name.strip() or program.owner_unit.name
    title = f"{program.name}督查通报"

    doc = bulletin_masthead(title=title, issue_text=f"第{issue_no}期" if issue_no is not None else "第　期",
                            office=office, date_text=chinese_date(today))
    _add_para(doc, f"现将{chinese_date(start)}至{chinese_date(end)}督查发现问题及整改情况通报如下：")

    # 一、总体情况
    _add_para(doc, "一、总体情况", font=HEITI, outline=0)
    _add_para(doc, _period_sentence(start, end, p))
    _add_para(doc, _total_sentence(end, t))

    # 二、各单位情况
    _add_para(doc, "二、各单位情况", font=HEITI, outline=0)
    units = to_date["rows"]
    if units:
        _add_para(doc, f"截至{chinese_date(end)}，各责任单位问题整改情况如下（按销号率排名，销号率相同的，"
                       "逾期问题少的在前）：")
        rows = [(r.rank, r.label, period_found.get(r.key, 0), r.found, r.closed, r.overdue, format_rate(r.rectify_rate),
                 format_rate(r.close_rate)) for r in units]
        _table(doc, UNIT_COLUMNS, rows, left=(1,))
        note = _add_para(doc, "注：整改率为已报送整改问题数占发现问题数的比例，"
                              "销号率为已核验销号问题数占发现问题数的比例；逾期指超过整改时限仍未报送整改。",
                         size=TABLE_PT, indent=False)
        _single_spaced(note)
        top = sorted(units, key=lambda r: (-r.found, r.label))[:CHART_TOP]
        png = bar_chart_png(
            title=f"问题数量前{len(top)}位单位整改情况" if len(units) > CHART_TOP else "各单位问题整改情况",
            categories=[r.label for r in top],
            series=[("发现", [r.found for r in top]), ("销号", [r.closed for r in top]),
                    ("逾期", [r.overdue for r in top])],
            width_px=1600, height_px=300 + 90 * len(top), horizontal=True)
        _picture(doc, png)
        _caption(doc, f"图1　各单位发现、销号、逾期问题数（截至{chinese_date(end)}"
                      + (f"，前{CHART_TOP}位）" if len(units) > CHART_TOP else "）"))
    else:
        _add_para(doc, "本期无各单位问题数据。")

    # 三、通报批评
    _add_para(doc, "三、通报批评", font=HEITI, outline=0)
    criticised = bulletin_escalations(user=user, program=program, start=start, end=end)
    if criticised:
        _add_para(doc, "经督查室研究确认，对以下单位予以通报批评：")
        for i, e in enumerate(criticised, 1):
            step = e.step_name if e.step_name.startswith("予以") else f"予以{e.step_name}"
            what = _truncate(e.finding.description, 40)
            _add_para(doc, f"（{_cn(i)}）{e.unit.name}。问题{e.finding.code}（{what}），{e.reason}，{step}。")
    else:
        _add_para(doc, "本期无通报批评事项。")

    # 四、逾期问题
    _add_para(doc, "四、逾期问题", font=HEITI, outline=0)
    overdue = list(selectors.finding_list(user=user, program=program,
                                          filters=selectors.FindingFilters(overdue=True, found_to=end))
                   .order_by("deadline", "seq")[:OVERDUE_TOP])
    if overdue:
        shown = f"，逾期时间最长的{len(overdue)}个如下" if t.overdue > len(overdue) else "，具体如下"
        _add_para(doc, f"截至{chinese_date(today)}，共有逾期未整改问题{t.overdue}个{shown}：")
        rows = [(i, f.code, f.unit.name, _truncate(f.description, 40), chinese_date(f.deadline),
                 f.overdue_days(today)) for i, f in enumerate(overdue, 1)]
        _table(doc, OVERDUE_COLUMNS, rows, left=(2, 3))
    else:
        _add_para(doc, "本期无逾期未整改问题。")

    # 五、下步要求
    _add_para(doc, "五、下步要求", font=HEITI, outline=0)
    for i, text in enumerate(NEXT_STEPS, 1):
        _add_para(doc, f"（{_cn(i)}）{text}")
    return _finish(doc)
