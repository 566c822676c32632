"""调度通报: a program's scheduling bulletin as of a date, as a Word document in 公文 layout
(GB/T 9704-2012) and as an Excel workbook.

All task numbers are read through luoshi.tasks.selectors with the acting user, so a bulletin shows
only what that user may see: a street liaison's bulletin covers that street's tasks only.

Statuses are the stored ones (refreshed by the daily warnings job); `as_of` dates the bulletin,
picks the reporting period and is the day unit_league counts deadlines against.
"""
from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from luoshi.programs.models import Program, ReportingPeriod
from luoshi.tasks import selectors
from luoshi.tasks.models import TaskStatus

__all__ = ["bulletin_data", "bulletin_docx", "bulletin_xlsx", "format_rate", "chinese_date"]

STATUS_ORDER = (TaskStatus.NORMAL, TaskStatus.YELLOW, TaskStatus.RED, TaskStatus.EXTENDED, TaskStatus.CLOSED)
STATUS_LABEL = dict(TaskStatus.choices)
DASH = "—"


# ---- numbers --------------------------------------------------------------------------------------

def chinese_date(d: dt.date) -> str:
    """2021年6月30日 (no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def format_rate(rate: float | None) -> str:
    """A percentage (0–100) with one decimal, or “—” when there is nothing to rate."""
    return DASH if rate is None else f"{rate:.1f}%"


def _task_row(task) -> dict:
    return {
        "id": task.pk,
        "code": task.code,
        "title": task.title,
        "lead_units_text": task.lead_units_text,
        "deadline": task.effective_deadline,
        "status": task.status,
        "status_label": STATUS_LABEL.get(task.status, task.status),
        "status_reason": task.status_reason,
    }


def bulletin_data(*, user, program: Program, as_of: dt.date, issue_no: int | None = None) -> dict:
    """The numbers of the bulletin, scoped to `user`.

    Keys: program, as_of, as_of_text, period (ReportingPeriod containing as_of, or None), issue_no
    (given, else the period's seq, else None), counts (status → n, plus "total"), count_rows,
    closure_rate (percent or None), league (selectors.unit_league rows: unit_id, unit_name, the
    figures with `closed`, rank), red_tasks, yellow_tasks (dicts: code, title, lead_units_text, deadline,
    status_reason, …), by_leader (dicts: person_id, name, the status counts, total).
    """
    overview = selectors.program_overview(user=user, program=program)
    counts = overview["counts"]
    total = counts["total"]

    # unit_league's rows carry the unit's name and its own 已办结 lead tasks (`closed`)
    league = selectors.unit_league(user=user, program=program, as_of=as_of)

    def tasks_with(status: str) -> list[dict]:
        qs = selectors.task_list(user=user, filters=selectors.TaskFilters(program=program, status=status))
        return [_task_row(t) for t in qs]

    period = (ReportingPeriod.objects.filter(program=program, start__lte=as_of, due__gte=as_of)
              .order_by("seq").first())
    if issue_no is None and period is not None:
        issue_no = period.seq

    by_leader = [{"person_id": r["person_id"], "name": r["name"],
                  **{s: r.get(s, 0) for s in TaskStatus.values}, "total": r["total"]}
                 for r in overview["by_leader"]]

    return {
        "program": program,
        "as_of": as_of,
        "as_of_text": chinese_date(as_of),
        "issue_no": issue_no,
        "period": period,
        "counts": counts,
        "count_rows": [{"status": s, "label": STATUS_LABEL[s], "count": counts.get(s, 0)} for s in STATUS_ORDER],
        "closure_rate": (counts.get(TaskStatus.CLOSED, 0) / total * 100) if total else None,
        "league": league,
        "red_tasks": tasks_with(TaskStatus.RED),
        "yellow_tasks": tasks_with(TaskStatus.YELLOW),
        "by_leader": by_leader,
    }


def _issue_text(issue_no: int | None) -> str:
    return f"第{issue_no}期" if issue_no is not None else "第　期"


def _period_text(period: ReportingPeriod | None) -> str:
    if period is None:
        return ""
    return f"第{period.seq}期（{chinese_date(period.start)}—{chinese_date(period.due)}）"


def _overview_sentence(data: dict) -> str:
    c = data["counts"]
    program = data["program"]
    parts = "、".join(f"{STATUS_LABEL[s]}{c.get(s, 0)}项" for s in STATUS_ORDER)
    text = (f"截至{data['as_of_text']}，{program.name}共有任务{c['total']}项，其中{parts}，"
            f"办结率{format_rate(data['closure_rate'])}。")
    if data["period"] is not None:
        p = data["period"]
        text += f"本次调度为第{p.seq}个调度期（{chinese_date(p.start)}至{chinese_date(p.due)}）。"
    return text


def _task_line(t: dict) -> str:
    reason = f"（{t['status_reason']}）" if t["status_reason"] else ""
    unit = t["lead_units_text"] or "未明确牵头单位"
    return f"{t['code']} {t['title']} — {unit}{reason}"


REQUIREMENTS = (
    "各牵头单位要切实压紧压实主体责任，对新交办任务及时签收，明确分管领导和具体责任人，细化推进措施；"
    "严格按照调度频次按期报送工作进展，如实反映推进中存在的困难和问题，确保报送信息真实、准确、完整。",
    "对已逾期的红灯任务，相关牵头单位要认真剖析原因，制定整改措施，明确完成时限，限期整改到位，"
    "并及时报送整改情况；对黄灯预警任务，要加快工作进度，防止出现新的逾期。确需延期的，应在完成时限前"
    "按程序提出延期申请。对整改不力、多次逾期的单位，将视情况予以通报。",
)


# ---- Word -----------------------------------------------------------------------------------------

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

# league table: (header, width in mm); the widths add up to the 156 mm type area
LEAGUE_COLUMNS = (("名次", 14), ("单位", 38), ("牵头任务数", 20), ("已办结", 18), ("按期办结率", 22), ("逾期数", 18),
                  ("及时签收率", 26))


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


def _style_run(run, *, font: str, size: float, bold: bool = False, color: str | None = None) -> None:
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


def _add_para(container, text: str = "", *, font: str = FANGSONG, size: float = BODY_PT, bold: bool = False,
              align=None, indent: bool = True, color: str | None = None, outline: int | None = None):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        _first_line_indent(p, size)
    if outline is not None:
        _outline_level(p, outline)
    if text:
        _style_run(p.add_run(text), font=font, size=size, bold=bold, color=color)
    return p


def _setup_document(doc) -> None:
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
        _style_run(r, font=SONGTI, size=FOOTER_PT)
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


def _red_rule(paragraph) -> None:
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


def _set_cell(cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Pt(0)
    _style_run(p.add_run(text), font=FANGSONG, size=TABLE_PT, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _league_table(doc, league: list[dict]):
    table = doc.add_table(rows=1, cols=len(LEAGUE_COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # repeat the header row on each page
    trpr.append(repeat)
    for cell, (name, _) in zip(header.cells, LEAGUE_COLUMNS):
        _set_cell(cell, name, bold=True)
    for r in league:
        cells = table.add_row().cells
        values = (str(r["rank"]), r["unit_name"], str(r["lead"]), str(r["closed"]), format_rate(r["on_time_rate"]),
                  str(r["overdue"]), format_rate(r["ack_rate"]))
        for i, (cell, value) in enumerate(zip(cells, values)):
            _set_cell(cell, value, align=WD_ALIGN_PARAGRAPH.LEFT if i == 1 else WD_ALIGN_PARAGRAPH.CENTER)
    # fixed layout: Word takes the widths from tblGrid, other readers from tcW; set both
    for col, (_, width) in zip(table.columns, LEAGUE_COLUMNS):
        col.width = Mm(width)
    for row in table.rows:
        for cell, (_, width) in zip(row.cells, LEAGUE_COLUMNS):
            cell.width = Mm(width)
    tblw = table._tbl.tblPr.find(qn("w:tblW"))
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(round(sum(w for _, w in LEAGUE_COLUMNS) / 25.4 * 1440)))
    return table


def bulletin_masthead(*, title: str, issue_text: str, office: str, date_text: str):
    """A new 公文-layout document with the bulletin's 版头: title, 期号, then the office and the date over a
    red rule. Shared by every bulletin (调度通报, 督查通报)."""
    doc = Document()
    _setup_document(doc)
    doc.core_properties.title = title
    doc.core_properties.author = office
    _add_para(doc, title, font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _add_para(doc, issue_text, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    head = _add_para(doc, indent=False)
    # office one character in from the left, date one character in from the right (right tab stop)
    head.paragraph_format.left_indent = Pt(BODY_PT)
    head.paragraph_format.right_indent = Pt(BODY_PT)
    head.paragraph_format.tab_stops.add_tab_stop(Emu(Mm(156) - Pt(BODY_PT)), alignment=WD_TAB_ALIGNMENT.RIGHT)
    _style_run(head.add_run(f"{office}\t{date_text}"), font=FANGSONG, size=BODY_PT)
    _red_rule(head)
    _add_para(doc, indent=False)
    return doc


def bulletin_docx(*, user, program: Program, as_of: dt.date, issue_no: int | None = None,
                  office_name: str = "") -> bytes:
    data = bulletin_data(user=user, program=program, as_of=as_of, issue_no=issue_no)
    office = office_name.strip() or program.owner_unit.name
    title = f"{program.name}调度通报"

    doc = bulletin_masthead(title=title, issue_text=_issue_text(data["issue_no"]), office=office,
                            date_text=data["as_of_text"])

    # 一、总体情况
    _add_para(doc, "一、总体情况", font=HEITI, outline=0)
    _add_para(doc, _overview_sentence(data))

    # 二、各单位推进情况
    _add_para(doc, "二、各单位推进情况", font=HEITI, outline=0)
    if data["league"]:
        _add_para(doc, f"按按期办结率、逾期数、及时签收率综合排名（截至{data['as_of_text']}），"
                       "各牵头单位推进情况如下：")
        _league_table(doc, data["league"])
        note = _add_para(doc, "注：按期办结率为按期办结任务数占已到期任务数的比例，及时签收率为按时签收任务数占交办任务数的比例；"
                              "“—”表示暂无到期任务。", size=TABLE_PT, indent=False)
        note.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        _add_para(doc, "暂无牵头单位数据。")

    # 三、逾期及预警任务
    _add_para(doc, "三、逾期及预警任务", font=HEITI, outline=0)
    for heading, rows in (("（一）红灯任务", data["red_tasks"]), ("（二）黄灯任务", data["yellow_tasks"])):
        _add_para(doc, heading, font=KAITI, outline=1)
        if rows:
            for t in rows:
                _add_para(doc, _task_line(t))
        else:
            _add_para(doc, "无。")

    # 四、下步工作要求
    _add_para(doc, "四、下步工作要求", font=HEITI, outline=0)
    for text in REQUIREMENTS:
        _add_para(doc, text)

    # footers: odd (default) right, even left
    section = doc.sections[0]
    _page_number_paragraph(section.footer, odd=True)
    _page_number_paragraph(section.even_page_footer, odd=False)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---- Excel ----------------------------------------------------------------------------------------

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
HEADER_FONT = Font(name="黑体", size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BODY_FONT = Font(name="宋体", size=11)
STATUS_FILL = {TaskStatus.RED: PatternFill("solid", fgColor="FFC7CE"),
               TaskStatus.YELLOW: PatternFill("solid", fgColor="FFEB9C")}
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
PERCENT_FORMAT = "0.0%"


def _print_a4(ws, *, landscape: bool, title_rows: str | None = None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows


def _header_row(ws, row: int, names) -> None:
    for col, name in enumerate(names, 1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font, cell.alignment, cell.border, cell.fill = HEADER_FONT, CENTER, BORDER, HEADER_FILL


def _body_cell(ws, row: int, col: int, value, *, align=CENTER, number_format: str | None = None):
    cell = ws.cell(row=row, column=col, value=value)
    cell.font, cell.alignment, cell.border = BODY_FONT, align, BORDER
    if number_format:
        cell.number_format = number_format
    return cell


def _rate_value(rate: float | None):
    """A fraction for a '0.0%' cell, or “—”."""
    return DASH if rate is None else rate / 100


def _summary_sheet(ws, data: dict) -> None:
    program = data["program"]
    width = 7
    ws.title = "汇总"
    ws.cell(row=1, column=1, value=f"{program.name}调度通报")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 36
    ws.cell(row=2, column=1, value=_issue_text(data["issue_no"]))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A2"].font = Font(name="楷体_GB2312", size=12)
    ws["A2"].alignment = CENTER
    ws["A3"], ws["B3"] = "截至日期", data["as_of"]
    ws["B3"].number_format = DATE_FORMAT
    ws["B3"].alignment = Alignment(horizontal="left")
    ws["A4"], ws["B4"] = "调度期次", _period_text(data["period"]) or DASH
    for ref in ("A3", "A4"):
        ws[ref].font = Font(name="黑体", size=11)

    row = 6
    _header_row(ws, row, ("状态", "任务数", "占比"))
    total = data["counts"]["total"]
    for item in data["count_rows"]:
        row += 1
        _body_cell(ws, row, 1, item["label"])
        _body_cell(ws, row, 2, item["count"])
        _body_cell(ws, row, 3, item["count"] / total if total else DASH, number_format=PERCENT_FORMAT)
        if item["status"] in STATUS_FILL:
            ws.cell(row=row, column=1).fill = STATUS_FILL[item["status"]]
    row += 1
    _body_cell(ws, row, 1, "合计").font = Font(name="宋体", size=11, bold=True)
    _body_cell(ws, row, 2, total)
    _body_cell(ws, row, 3, 1 if total else DASH, number_format=PERCENT_FORMAT)
    row += 1
    _body_cell(ws, row, 1, "办结率").font = Font(name="宋体", size=11, bold=True)
    _body_cell(ws, row, 2, _rate_value(data["closure_rate"]), number_format=PERCENT_FORMAT)

    row += 2
    ws.cell(row=row, column=1, value="按责任领导").font = Font(name="黑体", size=11, bold=True)
    row += 1
    _header_row(ws, row, ("责任领导", *(STATUS_LABEL[s] for s in STATUS_ORDER), "合计"))
    if data["by_leader"]:
        for r in data["by_leader"]:
            row += 1
            _body_cell(ws, row, 1, r["name"])
            for col, s in enumerate(STATUS_ORDER, 2):
                _body_cell(ws, row, col, r[s])
            _body_cell(ws, row, width, r["total"])
    else:
        row += 1
        _body_cell(ws, row, 1, "无")
    for col, w in enumerate((14, 30, 10, 10, 10, 10, 10), 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    _print_a4(ws, landscape=False)


def _league_sheet(ws, data: dict) -> None:
    ws.title = "单位排名"
    _header_row(ws, 1, [name for name, _ in LEAGUE_COLUMNS])
    for i, r in enumerate(data["league"], 2):
        _body_cell(ws, i, 1, r["rank"])
        _body_cell(ws, i, 2, r["unit_name"], align=LEFT)
        _body_cell(ws, i, 3, r["lead"])
        _body_cell(ws, i, 4, r["closed"])
        _body_cell(ws, i, 5, _rate_value(r["on_time_rate"]), number_format=PERCENT_FORMAT)
        _body_cell(ws, i, 6, r["overdue"])
        _body_cell(ws, i, 7, _rate_value(r["ack_rate"]), number_format=PERCENT_FORMAT)
    for col, w in enumerate((8, 30, 12, 10, 13, 10, 13), 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = "C2"
    _print_a4(ws, landscape=True, title_rows="1:1")


WARN_COLUMNS = (("状态", 8), ("编号", 10), ("任务内容", 50), ("牵头单位", 24), ("完成时限", 16), ("原因", 30))


def _warnings_sheet(ws, data: dict) -> None:
    ws.title = "预警任务"
    _header_row(ws, 1, [name for name, _ in WARN_COLUMNS])
    row = 1
    for t in data["red_tasks"] + data["yellow_tasks"]:
        row += 1
        _body_cell(ws, row, 1, t["status_label"]).fill = STATUS_FILL[t["status"]]
        _body_cell(ws, row, 2, t["code"])
        _body_cell(ws, row, 3, t["title"], align=LEFT)
        _body_cell(ws, row, 4, t["lead_units_text"], align=LEFT)
        _body_cell(ws, row, 5, t["deadline"] if t["deadline"] else DASH, number_format=DATE_FORMAT)
        _body_cell(ws, row, 6, t["status_reason"], align=LEFT)
    for col, (_, w) in enumerate(WARN_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = "A2"
    _print_a4(ws, landscape=True, title_rows="1:1")


def bulletin_xlsx(*, user, program: Program, as_of: dt.date, issue_no: int | None = None) -> bytes:
    data = bulletin_data(user=user, program=program, as_of=as_of, issue_no=issue_no)
    wb = Workbook()
    _summary_sheet(wb.active, data)
    _league_sheet(wb.create_sheet(), data)
    _warnings_sheet(wb.create_sheet(), data)
    wb.properties.title = f"{program.name}调度通报"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
