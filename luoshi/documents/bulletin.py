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
from types import SimpleNamespace

from docx.enum.text import WD_LINE_SPACING
from luoshi.core import formats
from luoshi.core.excel import workbook_new
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from luoshi.programs.models import Program, ReportingPeriod
from luoshi.tasks import selectors
from luoshi.tasks.models import TaskStatus

from .charts import bar_chart_png
from .gongwen import (
    issue_line,
    DASH, HEITI, KAITI, TABLE_PT, add_para, add_paras, caption, chinese_date, finish, format_rate, grid_table, masthead, picture,
    single_spaced,
)

__all__ = ["bulletin_data", "bulletin_docx", "bulletin_snapshot", "bulletin_xlsx", "snapshot_docx", "snapshot_xlsx"]

CHART_TOP = 15
TREND_MONTHS = 6

STATUS_ORDER = (TaskStatus.NORMAL, TaskStatus.YELLOW, TaskStatus.RED, TaskStatus.EXTENDED, TaskStatus.CLOSED)
STATUS_LABEL = dict(TaskStatus.choices)


TASK_FIELDS = ("id", "code", "title", "lead_units_text", "deadline", "extended_deadline", "status", "status_reason")


def _task_row(t: dict) -> dict:
    """A red or yellow task's line, from its plain values (no model instance per task)."""
    return {
        "id": t["id"],
        "code": t["code"],
        "title": t["title"],
        "lead_units_text": t["lead_units_text"],
        "deadline": t["extended_deadline"] or t["deadline"],  # Task.effective_deadline
        "status": t["status"],
        "status_label": STATUS_LABEL.get(t["status"], t["status"]),
        "status_reason": t["status_reason"],
    }


def bulletin_data(*, user, program: Program, as_of: dt.date, issue_no: int | None = None) -> dict:
    """The numbers of the bulletin, scoped to `user`.

    Keys: program, as_of, as_of_text, period (ReportingPeriod containing as_of, or None), issue_no
    (given, else the period's seq, else None), counts (status → n, plus "total"), count_rows,
    closure_rate (percent or None), league (selectors.unit_league rows: unit_id, unit_name, the
    figures with `closed`, rank), trend (selectors.program_monthly_trend: the last TREND_MONTHS months' added and
    closed tasks), red_tasks, yellow_tasks (dicts: code, title, lead_units_text, deadline,
    status_reason, …), by_leader (dicts: person_id, name, the status counts, total).
    """
    overview = selectors.program_overview(user=user, program=program)
    counts = overview["counts"]
    total = counts["total"]

    # unit_league's rows carry the unit's name and its own 已办结 lead tasks (`closed`)
    league = selectors.unit_league(user=user, program=program, as_of=as_of)

    def tasks_with(status: str) -> list[dict]:
        qs = selectors.task_list_rows(user=user, filters=selectors.TaskFilters(program=program, status=status),
                                      fields=TASK_FIELDS)
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
        "trend": selectors.program_monthly_trend(user=user, program=program, as_of=as_of, months=TREND_MONTHS),
        "counts": counts,
        "count_rows": [{"status": s, "label": STATUS_LABEL[s], "count": counts.get(s, 0)} for s in STATUS_ORDER],
        "closure_rate": (counts.get(TaskStatus.CLOSED, 0) / total * 100) if total else None,
        "league": league,
        "red_tasks": tasks_with(TaskStatus.RED),
        "yellow_tasks": tasks_with(TaskStatus.YELLOW),
        "by_leader": by_leader,
    }


def _iso(d):
    return d.isoformat() if d else None


def bulletin_snapshot(*, user, program: Program, as_of: dt.date, issue_no: int | None = None) -> dict:
    """The bulletin's inputs as plain JSON values (stored with a scheduled issue, luoshi.documents.issues):
    every figure, name and date the Word and Excel files show, and nothing else. `snapshot_docx` and
    `snapshot_xlsx` draw the same documents from it, so an issue can be drawn again years later with the
    same figures whatever happened to the tasks since."""
    data = bulletin_data(user=user, program=program, as_of=as_of, issue_no=issue_no)
    period = data["period"]

    def task(t: dict) -> dict:
        return {**t, "deadline": _iso(t["deadline"])}

    return {
        "kind": "program",
        "program": {"id": program.pk, "code": program.code, "name": program.name, "owner": program.owner_unit.name},
        "as_of": as_of.isoformat(),
        "issue_no": data["issue_no"],
        "period": None if period is None else {"seq": period.seq, "start": period.start.isoformat(),
                                               "due": period.due.isoformat()},
        "counts": {str(k): int(v) for k, v in data["counts"].items()},
        "closure_rate": data["closure_rate"],
        "trend": data["trend"],
        "league": [{k: r[k] for k in ("unit_id", "unit_name", "lead", "closed", "on_time_rate", "overdue", "ack_rate",
                                      "rank")} for r in data["league"]],
        "red_tasks": [task(t) for t in data["red_tasks"]],
        "yellow_tasks": [task(t) for t in data["yellow_tasks"]],
        "by_leader": data["by_leader"],
    }


def _data_from_snapshot(snap: dict, issue_no: int | None = None) -> dict:
    """The `bulletin_data` shape again, from a stored snapshot (the renderers read only this)."""
    as_of = dt.date.fromisoformat(snap["as_of"])
    p = snap["period"]
    period = None if p is None else SimpleNamespace(seq=p["seq"], start=dt.date.fromisoformat(p["start"]),
                                                    due=dt.date.fromisoformat(p["due"]))
    counts = {k: int(v) for k, v in snap["counts"].items()}

    def task(t: dict) -> dict:
        return {**t, "deadline": dt.date.fromisoformat(t["deadline"]) if t["deadline"] else None}

    return {
        "program": SimpleNamespace(**snap["program"]),
        "as_of": as_of,
        "as_of_text": chinese_date(as_of),
        "issue_no": snap["issue_no"] if issue_no is None else issue_no,
        "period": period,
        "counts": counts,
        "count_rows": [{"status": s, "label": STATUS_LABEL[s], "count": counts.get(s, 0)} for s in STATUS_ORDER],
        "closure_rate": snap["closure_rate"],
        # issues drawn before the trend existed have none: their documents stay as they were
        "trend": snap.get("trend"),
        "league": snap["league"],
        "red_tasks": [task(t) for t in snap["red_tasks"]],
        "yellow_tasks": [task(t) for t in snap["yellow_tasks"]],
        "by_leader": snap["by_leader"],
    }


def _month_labels(trend: list[dict]) -> list[str]:
    """7月, 8月 … with the year on the first month and on each January (2026年11月, 12月, 2027年1月)."""
    return [f"{r['year']}年{r['month']}月" if i == 0 or r["month"] == 1 else f"{r['month']}月"
            for i, r in enumerate(trend)]


def _trend_rate(r: dict) -> float | None:
    return r["closed_total"] / r["total"] * 100 if r["total"] else None


def bulletin_charts(data: dict) -> list[tuple[str, str, bytes]]:
    """The bulletin's pictures as (key, caption, PNG), numbered in the order they appear: the tasks by status
    ("status"), the tasks added and closed in each of the last months ("trend", when the figures have a trend),
    and the units with the most lead tasks by 已办结/逾期 ("units"). Drawn from the figures only, so the same
    figures give the same pictures."""
    charts = []
    as_of = data["as_of_text"]

    def add(key: str, text: str, png: bytes) -> None:
        charts.append((key, f"图{len(charts) + 1}　{text}", png))

    rows = data["count_rows"]
    add("status", f"任务状态分布（截至{as_of}）",
        bar_chart_png(title="任务状态分布", categories=[r["label"] for r in rows],
                      series=[("任务数", [r["count"] for r in rows])], width_px=1600, height_px=700, horizontal=False))
    trend = data.get("trend")
    if trend:
        add("trend", f"近{len(trend)}个月任务新增与办结情况（按月，截至{as_of}）",
            bar_chart_png(title="各月新增与办结任务数", categories=_month_labels(trend),
                          series=[("新增任务", [r["added"] for r in trend]), ("办结任务", [r["closed"] for r in trend])],
                          width_px=1600, height_px=700, horizontal=False))
    league = data["league"]
    if league:
        top = sorted(league, key=lambda r: (-r["lead"], r["rank"], r["unit_name"]))[:CHART_TOP]
        more = len(league) > CHART_TOP
        add("units", f"各牵头单位任务办理情况（截至{as_of}" + (f"，牵头任务最多的前{CHART_TOP}位）" if more else "）"),
            bar_chart_png(title="各牵头单位任务办理情况", categories=[r["unit_name"] for r in top],
                          series=[("牵头任务", [r["lead"] for r in top]), ("已办结", [r["closed"] for r in top]),
                                  ("逾期", [r["overdue"] for r in top])],
                          width_px=1600, height_px=300 + 90 * len(top), horizontal=True))
    return charts


def _issue_text(issue_no: int | None) -> str:
    return issue_line(issue_no)


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


# league table: (header, width in mm); the widths add up to the 156 mm type area
LEAGUE_COLUMNS = (("名次", 14), ("单位", 38), ("牵头任务数", 20), ("已办结", 18), ("按期办结率", 22), ("逾期数", 18),
                  ("及时签收率", 26))


def _league_table(doc, league: list[dict]):
    """The league as a grid table (gongwen.grid_table copies its first row: one pass, whatever the number of units)."""
    rows = [(r["rank"], r["unit_name"], r["lead"], r["closed"], format_rate(r["on_time_rate"]), r["overdue"],
             format_rate(r["ack_rate"])) for r in league]
    return grid_table(doc, LEAGUE_COLUMNS, rows, left=(1,))


TREND_COLUMNS = (("月份", 30), ("新增任务", 24), ("办结任务", 24), ("累计任务", 26), ("累计办结", 26), ("累计办结率", 26))


def _trend_part(doc, data: dict, chart: tuple[str, bytes] | None) -> None:
    """近几个月的新增与办结: a sentence, the chart, and its figures as a table (the numbers do not depend on
    telling the bars' colours apart)."""
    trend = data["trend"]
    last = trend[-1]
    add_para(doc, f"近{len(trend)}个月，共新增任务{sum(r['added'] for r in trend)}项、办结任务"
                  f"{sum(r['closed'] for r in trend)}项；截至{data['as_of_text']}，累计办结率"
                  f"{format_rate(_trend_rate(last))}（按任务的登记时间和办结时间逐月统计，各月情况如下）。")
    if chart is not None:
        picture(doc, chart[1], width_mm=120)
        caption(doc, chart[0])
    rows = [(label, r["added"], r["closed"], r["total"], r["closed_total"], format_rate(_trend_rate(r)))
            for label, r in zip((f"{r['year']}年{r['month']}月" for r in trend), trend)]
    grid_table(doc, TREND_COLUMNS, rows)
    single_spaced(add_para(doc, "注：累计任务、累计办结和累计办结率为各月末（本月为截至日期）的数字。",
                           size=TABLE_PT, indent=False))


def bulletin_docx(*, user, program: Program, as_of: dt.date, issue_no: int | None = None,
                  office_name: str = "", charts: bool = True) -> bytes:
    snap = bulletin_snapshot(user=user, program=program, as_of=as_of, issue_no=issue_no)
    return snapshot_docx(snap, office_name=office_name, charts=charts)


def snapshot_docx(snap: dict, *, office_name: str = "", issue_no: int | None = None, charts: bool = True,
                  note: str = "") -> bytes:
    """The 调度通报 in Word from a snapshot (bulletin_snapshot); `note` is an editor's 按语 put before the body."""
    data = _data_from_snapshot(snap, issue_no)
    program = data["program"]
    office = office_name.strip() or program.owner
    title = f"{program.name}调度通报"

    doc = masthead(title=title, issue_text=_issue_text(data["issue_no"]), office=office,
                   date_text=data["as_of_text"])

    for line in filter(None, (x.strip() for x in note.splitlines())):
        add_para(doc, line)

    # 一、总体情况
    add_para(doc, "一、总体情况", font=HEITI, outline=0)
    add_para(doc, _overview_sentence(data))
    pictures = {key: (text, png) for key, text, png in bulletin_charts(data)} if charts else {}
    if "status" in pictures:
        picture(doc, pictures["status"][1], width_mm=120)
        caption(doc, pictures["status"][0])
    if data["trend"]:
        _trend_part(doc, data, pictures.get("trend"))

    # 二、各单位推进情况
    add_para(doc, "二、各单位推进情况", font=HEITI, outline=0)
    if data["league"]:
        add_para(doc, f"按按期办结率、逾期数、及时签收率综合排名（截至{data['as_of_text']}），"
                      "各牵头单位推进情况如下：")
        _league_table(doc, data["league"])
        remark = add_para(doc, "注：按期办结率为按期办结任务数占应计任务数（已办结、已过完成时限或红灯含未按期报送进展的牵头任务）的比例，及时签收率为按时签收任务数占交办任务数的比例；"
                               "“—”表示暂无到期任务。", size=TABLE_PT, indent=False)
        remark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if "units" in pictures:
            picture(doc, pictures["units"][1])
            caption(doc, pictures["units"][0])
    else:
        add_para(doc, "暂无牵头单位数据。")

    # 三、逾期及预警任务
    add_para(doc, "三、逾期及预警任务", font=HEITI, outline=0)
    for heading, rows in (("（一）红灯任务", data["red_tasks"]), ("（二）黄灯任务", data["yellow_tasks"])):
        add_para(doc, heading, font=KAITI, outline=1)
        if rows:
            add_paras(doc, (_task_line(t) for t in rows))
        else:
            add_para(doc, "无。")

    # 四、下步工作要求
    add_para(doc, "四、下步工作要求", font=HEITI, outline=0)
    for text in REQUIREMENTS:
        add_para(doc, text)

    return finish(doc)


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
DATE_FORMAT = formats.EXCEL_DAY
PERCENT_FORMAT = formats.EXCEL_RATIO


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
    if data.get("trend"):  # the Word file's 近几个月 table, with the rates as numbers
        row += 2
        ws.cell(row=row, column=1, value=f"近{len(data['trend'])}个月任务新增与办结").font = Font(name="黑体", size=11,
                                                                                          bold=True)
        row += 1
        _header_row(ws, row, [name for name, _w in TREND_COLUMNS])
        for r in data["trend"]:
            row += 1
            _body_cell(ws, row, 1, f"{r['year']}年{r['month']}月")
            for col, key in enumerate(("added", "closed", "total", "closed_total"), 2):
                _body_cell(ws, row, col, r[key])
            _body_cell(ws, row, 6, _rate_value(_trend_rate(r)), number_format=PERCENT_FORMAT)
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
    return snapshot_xlsx(bulletin_snapshot(user=user, program=program, as_of=as_of, issue_no=issue_no))


def snapshot_xlsx(snap: dict, *, issue_no: int | None = None) -> bytes:
    data = _data_from_snapshot(snap, issue_no)
    program = data["program"]
    wb = workbook_new()
    _summary_sheet(wb.active, data)
    _league_sheet(wb.create_sheet(), data)
    _warnings_sheet(wb.create_sheet(), data)
    wb.properties.title = f"{program.name}调度通报"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
