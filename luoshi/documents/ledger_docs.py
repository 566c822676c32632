"""The supervision ledger's Word documents, in 公文 layout (GB/T 9704-2012) like the 调度通报:

- 交办单 (assignment sheet): the findings handed to one unit under a document number;
- 督查通报 (weekly bulletin): totals, a per-unit table and chart, the 通报批评 the office confirmed, and
  the longest-overdue findings.

Numbers are read through luoshi.ledger.selectors with the acting user (grouped queries, never one per
finding), so a bulletin shows only what that user may see.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone, translation
from docx.enum.text import WD_ALIGN_PARAGRAPH

from luoshi.core import clock
from luoshi.ledger import selectors
from luoshi.ledger.models import AssignmentSheet, EscalationState, Severity
from luoshi.programs.models import Program

from .charts import bar_chart_png
from .gongwen import (
    issue_line,
    BODY_PT, DASH, FANGSONG, HEITI, RED, TABLE_PT, TITLE_PT, XIAOBIAOSONG, add_para, caption, chinese_date,
    chinese_number, finish, format_rate, grid_table, masthead, new_document, picture, red_rule, signature,
    single_spaced, style_run,
)

__all__ = ["ledger_bulletin_docx", "ledger_bulletin_snapshot", "ledger_snapshot_docx", "sheet_docx"]

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


# ---- 交办单 ---------------------------------------------------------------------------------------

def sheet_docx(*, sheet: AssignmentSheet) -> bytes:
    """The 交办单 as issued: office, number, the unit, its findings, the requirements and the 签收."""
    program = sheet.program
    office = program.owner_unit.name
    findings = list(sheet.findings.select_related("category").order_by("seq"))
    issued = clock.localtime(sheet.issued_at).date()
    with translation.override(None):  # a 公文 is Chinese whatever the language of the request
        severities = {value: str(label) for value, label in Severity.choices}

    doc = new_document(title=f"问题交办单 {sheet.number}", author=office)

    # 版头: office in red, the number centred over a red rule
    add_para(doc, office, font=XIAOBIAOSONG, size=26, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    add_para(doc, indent=False)
    number = add_para(doc, sheet.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    red_rule(number)
    add_para(doc, indent=False)

    add_para(doc, "问题交办单", font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_para(doc, indent=False)
    add_para(doc, f"{sheet.unit.name}：", indent=False)
    add_para(doc, f"{chinese_date(issued)}，经督导检查，发现你单位存在以下问题{len(findings)}个，现予交办。"
                  "请认真核查，逐项整改到位，并在整改时限内报送整改情况。")

    rows = [(i, f.code, f.category.name if f.category else DASH, f.description, f.address or DASH,
             severities.get(f.severity, f.severity), chinese_date(f.deadline) if f.deadline else DASH)
            for i, f in enumerate(findings, 1)]
    grid_table(doc, SHEET_COLUMNS, rows, left=(3, 4))
    add_para(doc, indent=False)

    add_para(doc, "整改要求", font=HEITI, outline=0)
    requirements = [line.strip() for line in (sheet.requirements or SHEET_DEFAULT_REQUIREMENTS).splitlines()]
    for line in filter(None, requirements):
        add_para(doc, line)

    add_para(doc, indent=False)
    sign = add_para(doc, indent=False)
    if sheet.acknowledged_at:
        who = sheet.acknowledged_by
        name = (who.full_name or who.get_username()) if who else ""
        at = clock.localtime(sheet.acknowledged_at)
        text = f"签收人：{name}　　签收时间：{chinese_date(at.date())} {at:%H:%M}"
    else:
        text = "签收人：＿＿＿＿＿＿　签收时间：　　年　　月　　日"
    style_run(sign.add_run(text), font=FANGSONG, size=BODY_PT)

    signature(doc, office, chinese_date(issued))
    return finish(doc)


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


FIGURE_FIELDS = ("found", "rectified", "closed", "overdue", "repeats", "avg_days", "rank", "rectify_rate", "close_rate")


def _figures(row) -> dict:
    """A FigureRow as JSON values (Decimals as strings, so they come back exactly)."""
    out = {"key": row.key if isinstance(row.key, (int, str)) or row.key is None else str(row.key), "label": row.label}
    for f in FIGURE_FIELDS:
        v = getattr(row, f)
        out[f] = str(v) if isinstance(v, Decimal) else v
    return out


def _figures_back(d: dict) -> SimpleNamespace:
    return SimpleNamespace(**{k: (Decimal(v) if k in ("avg_days", "rectify_rate", "close_rate") and v is not None else v)
                              for k, v in d.items()})


def ledger_bulletin_snapshot(*, user, program: Program, start: dt.date, end: dt.date,
                             issue_no: int | None = None) -> dict:
    """The 督查通报's inputs as plain JSON values: the period's and the ledger's figures, the per-unit rows,
    the 通报批评 and the longest-overdue findings as they stand now (stored with a scheduled issue;
    `ledger_snapshot_docx` draws the document from it)."""
    today = clock.today()
    period = selectors.ledger_figures(user=user, program=program, found_from=start, found_to=end)
    to_date = selectors.ledger_figures(user=user, program=program, found_to=end)
    period_found = {r.key: r.found for r in period["rows"]}
    criticised = bulletin_escalations(user=user, program=program, start=start, end=end)
    overdue = list(selectors.finding_list(user=user, program=program,
                                          filters=selectors.FindingFilters(overdue=True, found_to=end))
                   .select_related("unit").order_by("deadline", "seq")[:OVERDUE_TOP])
    return {
        "kind": "ledger",
        "program": {"id": program.pk, "code": program.code, "name": program.name, "owner": program.owner_unit.name},
        "start": start.isoformat(), "end": end.isoformat(), "today": today.isoformat(), "issue_no": issue_no,
        "period": _figures(period["total"]),
        "total": _figures(to_date["total"]),
        "units": [{**_figures(r), "period_found": period_found.get(r.key, 0)} for r in to_date["rows"]],
        "criticised": [{"unit": e.unit.name, "code": e.finding.code, "description": e.finding.description,
                        "reason": e.reason, "step_name": e.step_name} for e in criticised],
        "overdue": [{"code": f.code, "unit": f.unit.name, "description": f.description,
                     "deadline": f.deadline.isoformat(), "days": f.overdue_days(today)} for f in overdue],
    }


def ledger_bulletin_docx(*, user, program: Program, start: dt.date, end: dt.date, issue_no: int | None = None,
                         office_name: str = "") -> bytes:
    """The 督查通报 for findings found from `start` to `end`, with the whole ledger up to `end` beside it."""
    snap = ledger_bulletin_snapshot(user=user, program=program, start=start, end=end, issue_no=issue_no)
    return ledger_snapshot_docx(snap, office_name=office_name)


def ledger_snapshot_docx(snap: dict, *, office_name: str = "", issue_no: int | None = None, note: str = "") -> bytes:
    """The 督查通报 in Word from a snapshot (ledger_bulletin_snapshot); `note` is an editor's 按语."""
    start, end = dt.date.fromisoformat(snap["start"]), dt.date.fromisoformat(snap["end"])
    today = dt.date.fromisoformat(snap["today"])
    issue_no = snap["issue_no"] if issue_no is None else issue_no
    p, t = _figures_back(snap["period"]), _figures_back(snap["total"])
    office = office_name.strip() or snap["program"]["owner"]
    title = f"{snap['program']['name']}督查通报"

    doc = masthead(title=title, issue_text=issue_line(issue_no),
                   office=office, date_text=chinese_date(today))
    for line in filter(None, (x.strip() for x in note.splitlines())):
        add_para(doc, line)
    add_para(doc, f"现将{chinese_date(start)}至{chinese_date(end)}督查发现问题及整改情况通报如下：")

    # 一、总体情况
    add_para(doc, "一、总体情况", font=HEITI, outline=0)
    add_para(doc, _period_sentence(start, end, p))
    add_para(doc, _total_sentence(end, t))

    # 二、各单位情况
    add_para(doc, "二、各单位情况", font=HEITI, outline=0)
    units = [_figures_back(r) for r in snap["units"]]
    if units:
        add_para(doc, f"截至{chinese_date(end)}，各责任单位问题整改情况如下（按销号率排名，销号率相同的，"
                      "逾期问题少的在前）：")
        rows = [(r.rank, r.label, r.period_found, r.found, r.closed, r.overdue, format_rate(r.rectify_rate),
                 format_rate(r.close_rate)) for r in units]
        grid_table(doc, UNIT_COLUMNS, rows, left=(1,))
        remark = add_para(doc, "注：整改率为已报送整改问题数占发现问题数的比例，"
                               "销号率为已核验销号问题数占发现问题数的比例；逾期指超过整改时限仍未报送整改。",
                          size=TABLE_PT, indent=False)
        single_spaced(remark)
        top = sorted(units, key=lambda r: (-r.found, r.label))[:CHART_TOP]
        png = bar_chart_png(
            title=f"问题数量前{len(top)}位单位整改情况" if len(units) > CHART_TOP else "各单位问题整改情况",
            categories=[r.label for r in top],
            series=[("发现", [r.found for r in top]), ("销号", [r.closed for r in top]),
                    ("逾期", [r.overdue for r in top])],
            width_px=1600, height_px=300 + 90 * len(top), horizontal=True)
        picture(doc, png)
        caption(doc, f"图1　各单位发现、销号、逾期问题数（截至{chinese_date(end)}"
                     + (f"，前{CHART_TOP}位）" if len(units) > CHART_TOP else "）"))
    else:
        add_para(doc, "本期无各单位问题数据。")

    # 三、通报批评
    add_para(doc, "三、通报批评", font=HEITI, outline=0)
    criticised = snap["criticised"]
    if criticised:
        add_para(doc, "经督查室研究确认，对以下单位予以通报批评：")
        for i, e in enumerate(criticised, 1):
            step = e["step_name"] if e["step_name"].startswith("予以") else f"予以{e['step_name']}"
            what = _truncate(e["description"], 40)
            add_para(doc, f"（{chinese_number(i)}）{e['unit']}。问题{e['code']}（{what}），{e['reason']}，{step}。")
    else:
        add_para(doc, "本期无通报批评事项。")

    # 四、逾期问题
    add_para(doc, "四、逾期问题", font=HEITI, outline=0)
    overdue = snap["overdue"]
    if overdue:
        shown = f"，逾期时间最长的{len(overdue)}个如下" if t.overdue > len(overdue) else "，具体如下"
        add_para(doc, f"截至{chinese_date(today)}，共有逾期未整改问题{t.overdue}个{shown}：")
        rows = [(i, f["code"], f["unit"], _truncate(f["description"], 40),
                 chinese_date(dt.date.fromisoformat(f["deadline"])), f["days"]) for i, f in enumerate(overdue, 1)]
        grid_table(doc, OVERDUE_COLUMNS, rows, left=(2, 3))
    else:
        add_para(doc, "本期无逾期未整改问题。")

    # 五、下步要求
    add_para(doc, "五、下步要求", font=HEITI, outline=0)
    for i, text in enumerate(NEXT_STEPS, 1):
        add_para(doc, f"（{chinese_number(i)}）{text}")
    return finish(doc)
