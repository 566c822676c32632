"""The 问题台账 as Excel: export in the layout offices keep, and import of an office's existing ledger.

An exported file imports back (into the same or another program with the same categories) as the same
rows; the import reads what offices really write (a title row above the header, dates typed or written
as text, 已整改/未整改 for the status, 12345 for the source). The import checks every row first and
writes all of them or nothing, naming the sheet, row and column of each problem in Chinese.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from luoshi.core.excel import workbook_new
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.worksheet import Worksheet

from luoshi.core import clock, formats
from luoshi.core.errors import ServiceError
from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.org.models import Person, Role, RoleGrant
from luoshi.org.resolve import UnitResolver, region_of
from luoshi.org.scopes import ancestor_paths
from luoshi.programs.models import Program

from . import permissions as perms
from . import selectors, services, tallies
from .models import (
    OWING_STATUSES, EventKind, Finding, FindingEvent, FindingStatus, ProblemCategory, Severity, Source,
)

__all__ = ["COLUMNS", "chinese_labels", "ledger_export_xlsx", "ledger_import_xlsx", "parse_date",
           "program_office_person"]

DATE_FORMAT = formats.EXCEL_DAY

# (header, column width); the order of the office ledger
COLUMNS = (("序号", 6), ("问题编号", 12), ("发现日期", 14), ("问题来源", 10), ("问题类别", 14), ("问题描述", 40),
           ("地点", 20), ("责任单位", 16), ("严重程度", 8), ("交办单号", 22), ("整改时限", 14), ("状态", 8),
           ("整改情况", 36), ("销号日期", 14), ("复发次数", 8), ("退回次数", 8))
DATE_COLUMNS = {"发现日期", "整改时限", "销号日期"}
WRAP_COLUMNS = {"问题描述", "地点", "整改情况", "交办单号", "问题类别", "责任单位"}


def program_office_person(program: Program) -> Person | None:
    """Someone of the program's 督查室/办公室 (the grant nearest the owner unit first): who a command acts
    as when the operator names nobody."""
    owner = program.owner_unit
    grant = (RoleGrant.objects.filter(role=Role.OFFICE, person__is_active=True,
                                      unit__path__in=ancestor_paths(owner.path))
             .select_related("person").order_by("-unit__depth", "person_id").first())
    return grant.person if grant else None


def chinese_labels(enum) -> dict[str, str]:
    """value → the Chinese label, whatever the language of the request: the file is the office's form and
    must read back in (the labels' source strings are the Chinese)."""
    with translation.override(None):
        return {value: str(label) for value, label in enum.choices}


# ---- export -----------------------------------------------------------------------------------------

def _styles(ws):
    """One styled template cell per column; data cells share its style (fast in write-only mode)."""
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name="宋体", size=10)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    header, data = [], []
    for name, _width in COLUMNS:
        h = WriteOnlyCell(ws, name)
        h.font, h.alignment, h.border = Font(name="黑体", size=11, bold=True), center, border
        h.fill = PatternFill("solid", fgColor="D9E1F2")
        header.append(h)
        d = WriteOnlyCell(ws)
        d.font, d.border = body, border
        d.alignment = left if name in WRAP_COLUMNS else center
        if name in DATE_COLUMNS:
            d.number_format = DATE_FORMAT
        data.append(d._style)
    return header, data


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return clock.localtime(value).date() if value else None


def ledger_export_xlsx(*, user, program: Program, filters: selectors.FindingFilters | None = None) -> bytes:
    """The findings `user` may read (after `filters`) as the office's 问题台账, oldest first."""
    qs = selectors.finding_list(user=user, program=program, filters=filters or selectors.FindingFilters())
    latest = (FindingEvent.objects.filter(finding=OuterRef("pk"), kind=EventKind.SUBMITTED)
              .order_by("-at", "-id").values("text")[:1])
    rows = (qs.annotate(rectification=Subquery(latest)).order_by("found_on", "seq")
            .values_list("code", "found_on", "source", "category__name", "description", "address", "unit__name",
                         "severity", "sheet__number", "deadline", "status", "rectification", "closed_at",
                         "repeat_count", "return_count"))
    count = qs.count()
    sources, severities, statuses = (chinese_labels(Source), chinese_labels(Severity), chinese_labels(FindingStatus))

    wb = workbook_new(write_only=True)
    ws = wb.create_sheet("问题台账")  # the file is the office's form: Chinese whatever the UI language
    width = len(COLUMNS)
    for i, (_name, w) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.row_dimensions[1].height = 36
    ws.row_dimensions[2].height = 20
    ws.row_dimensions[3].height = 28
    header_cells, data_styles = _styles(ws)
    # a write-only sheet writes its view and properties with the first row: set them all before
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6

    title = WriteOnlyCell(ws, f"{program.name}问题台账")
    title.font = Font(name="方正小标宋简体", size=18)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.append([title])
    today = clock.today()
    subtitle = WriteOnlyCell(ws, f"导出日期：{today.year}年{today.month}月{today.day}日　共 {count} 条")
    subtitle.font = Font(name="楷体_GB2312", size=11)
    subtitle.alignment = Alignment(horizontal="right", vertical="center")
    ws.append([subtitle])
    ws.append(header_cells)
    last = get_column_letter(width)
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")

    for n, (code, found_on, source, category, description, address, unit, severity, sheet, deadline, status,
            rectification, closed_at, repeats, returns) in enumerate(rows.iterator(chunk_size=2000), 1):
        values = (n, code, found_on, sources.get(source, source), category, description, address or None,
                  unit, severities.get(severity, severity), sheet, deadline, statuses.get(status, status),
                  rectification or None, _local_date(closed_at), repeats, returns)
        cells = []
        for value, style in zip(values, data_styles):
            cell = WriteOnlyCell(ws, value)
            cell._style = style
            cells.append(cell)
        ws.append(cells)

    wb.properties.title = f"{program.name}问题台账"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- import -----------------------------------------------------------------------------------------

# field → header texts offices use (matched after removing spaces, line breaks and “*” marks)
HEADERS = {
    "code": ("问题编号", "编号"),
    "description": ("问题描述", "问题内容", "存在问题", "问题表现"),
    "unit": ("责任单位", "责任主体", "整改责任单位", "整改单位", "责任部门"),
    "found_on": ("发现日期", "发现时间", "督导日期", "督查日期", "检查日期"),
    "source": ("问题来源", "来源"),
    "category": ("问题类别", "问题类型", "问题分类", "类别"),
    "address": ("地点", "问题地点", "地址", "具体位置", "位置"),
    "severity": ("严重程度", "问题等级"),
    "deadline": ("整改时限", "整改期限", "完成时限"),
    "status": ("状态", "整改状态", "办理状态"),
    "closed_on": ("销号日期", "销号时间"),
    "rectification": ("整改情况", "整改措施", "整改结果"),
    "repeat_count": ("复发次数",),
    "return_count": ("退回次数",),
}
REQUIRED = ("description", "unit")
HEADER_ROWS = 10

SOURCE_WORDS = {
    "督导": Source.INSPECTION, "督查": Source.INSPECTION, "督导检查": Source.INSPECTION, "暗访": Source.UNDERCOVER,
    "问政": Source.INQUIRY, "问政曝光": Source.INQUIRY, "媒体": Source.MEDIA, "媒体报道": Source.MEDIA,
    "群众": Source.PUBLIC, "群众反映": Source.PUBLIC, "12345": Source.PUBLIC, "12345热线": Source.PUBLIC,
    "自查": Source.SELF,
}
STATUS_WORDS = {"已整改": FindingStatus.SUBMITTED, "未整改": FindingStatus.RECTIFYING}

DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
HEADER_NOISE = re.compile(r"[\s*＊]|[（(]必填[）)]")


def _choices(enum, words: dict) -> dict[str, str]:
    """What a cell may say → the value: the Chinese label, the value itself, or a word offices use."""
    out = {label: value for value, label in chinese_labels(enum).items()}
    out.update({value: value for value in enum.values})
    out.update(words)
    return out


def _norm_header(value) -> str:
    return HEADER_NOISE.sub("", cell_text(value))


def _header_map(cells) -> dict[str, tuple[int, str]]:
    """field → (0-based column index, header as written) for a candidate header row."""
    lookup = {h: field for field, names in HEADERS.items() for h in names}
    found: dict[str, tuple[int, str]] = {}
    for i, value in enumerate(cells):
        field = lookup.get(_norm_header(value))
        if field and field not in found:
            found[field] = (i, cell_text(value))
    return found


def _find_header(wb):
    """(worksheet, header row number, columns) of the first sheet with 问题描述 and 责任单位 in its first rows."""
    for ws in wb.worksheets:
        for r, cells in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_ROWS, values_only=True), 1):
            columns = _header_map(cells)
            if all(f in columns for f in REQUIRED):
                return ws, r, columns
    # name what is missing, as seen on the most promising row of the first sheet
    ws = wb.worksheets[0]
    best: dict = {}
    for cells in ws.iter_rows(min_row=1, max_row=HEADER_ROWS, values_only=True):
        columns = _header_map(cells)
        if len(columns) > len(best):
            best = columns
    missing = "、".join(f"“{HEADERS[f][0]}”" for f in REQUIRED if f not in best)
    raise ImportFailed([CellError(ws.title, None, None,
                                  _("前%(n)s行中找不到表头：表头须有%(missing)s列。") % {"n": HEADER_ROWS,
                                                                                "missing": missing})])


def parse_date(value) -> dt.date | None:
    """A date cell, an Excel serial number, or text like 2021-06-03 / 2021年6月3日 / 2021.6.3; None when blank.
    Raises ValueError with the message for the user."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and 20000 < value < 80000:
        return from_excel(value).date()
    text = cell_text(value)
    if not text:
        return None
    m = DATE_TEXT.match(text) or DATE_DIGITS.match(text)
    if m:
        try:
            return dt.date(*(int(g) for g in m.groups()))
        except ValueError:
            pass
    raise ValueError(_("“%(v)s”不是有效的日期，请写成 2021-06-03 或 2021年6月3日") % {"v": text})


def _count(value) -> int:
    if value is None or cell_text(value) == "":
        return 0
    text = cell_text(value)
    if not text.isdigit() or int(text) > 999:
        raise ValueError(_("“%(v)s”应为 0 或正整数") % {"v": text})
    return int(text)


@dataclass
class _Row:
    excel_row: int
    code: str  # 问题编号 as the sheet gives it ("" when the sheet has none): the import's key
    data: services.FindingInput
    status: str
    deadline: dt.date | None
    closed_on: dt.date | None
    rectification: str
    repeat_count: int
    return_count: int


def _by_field(cells, row: int, columns: dict, merged_down: dict) -> dict:
    """field → the cell's value in this row (a blank cell under a vertical merge takes the merged value)."""
    out = {}
    for field, (i, _header) in columns.items():
        value = cells[i] if i < len(cells) else None
        out[field] = merged_down.get((row, i + 1)) if value is None else value
    return out


class _RowErrors(list):
    def __init__(self, sheet: str, row: int, columns: dict):
        super().__init__()
        self.sheet, self.row, self.columns = sheet, row, columns

    def add(self, field: str, message: str) -> None:
        header = self.columns[field][1] if field in self.columns else None
        self.append(CellError(self.sheet, self.row, header, message))


def _validate(*, ws, header_row: int, columns: dict, program: Program) -> tuple[list[_Row], list[CellError]]:
    today = clock.today()
    config = services.ledger_config(program)
    resolver = UnitResolver(region_of(program.owner_unit))
    unit_cache: dict[str, tuple] = {}
    categories = {c.name: c for c in ProblemCategory.objects.filter(program=program)}
    sources = _choices(Source, SOURCE_WORDS)
    severities = _choices(Severity, {})
    statuses = _choices(FindingStatus, STATUS_WORDS)
    status_labels = chinese_labels(FindingStatus)
    field_column = {"description": "description", "unit": "unit", "category": "category", "severity": "severity",
                    "source": "source", "found_on": "found_on", "latitude": "address", "longitude": "address",
                    "group": "unit", "task": "unit"}

    # a value merged down over several rows (a unit written once for its problems) counts for each row
    merged_down: dict[tuple[int, int], object] = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_row > header_row and rng.min_col == rng.max_col and rng.max_row > rng.min_row:
            anchor = ws.cell(row=rng.min_row, column=rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                merged_down[(r, rng.min_col)] = anchor

    rows: list[_Row] = []
    errors: list[CellError] = []
    seen_codes: dict[str, int] = {}
    for r, cells in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), header_row + 1):
        raw = _by_field(cells, r, columns, merged_down)
        text = dict.fromkeys(HEADERS, "") | {field: cell_text(value) for field, value in raw.items()}
        if not any(text.values()):
            continue
        row_errors = _RowErrors(ws.title, r, columns)
        err = row_errors.add

        code = text["code"]
        if len(code) > 40:
            err("code", _("问题编号不能超过40个字"))
        elif code and code in seen_codes:
            err("code", _("问题编号“%(code)s”与第%(row)s行重复") % {"code": code, "row": seen_codes[code]})
        elif code:
            seen_codes[code] = r

        description = text["description"]
        if not description:
            err("description", _("请填写问题描述"))

        unit = None
        unit_text = text["unit"]
        if not unit_text:
            err("unit", _("请填写责任单位"))
        else:
            if unit_text not in unit_cache:
                unit_cache[unit_text] = resolver.resolve(unit_text)
            units, messages = unit_cache[unit_text]
            for m in messages:
                err("unit", m)
            if not messages and len(units) != 1:
                err("unit", _("每个问题只能有一个责任单位（这里有%(n)s个）") % {"n": len(units)})
            elif not messages:
                unit = units[0]

        found_on = None
        try:
            found_on = parse_date(raw.get("found_on"))
        except ValueError as e:
            err("found_on", str(e))
        if found_on and found_on > today:
            err("found_on", _("发现日期不能晚于今天"))
            found_on = None

        source = Source.INSPECTION
        if text["source"]:
            source = sources.get(text["source"])
            if source is None:
                err("source", _("未知的问题来源“%(v)s”，可填：%(choices)s") % {
                    "v": text["source"], "choices": "、".join(chinese_labels(Source).values())})

        category = None
        if text["category"]:
            category = categories.get(text["category"])
            if category is None:
                err("category", _("问题类别“%(v)s”不是本专项工作的类别") % {"v": text["category"]})

        severity = Severity.GENERAL
        if text["severity"]:
            severity = severities.get(text["severity"])
            if severity is None:
                err("severity", _("严重程度应为一般、较重或严重，不能是“%(v)s”") % {"v": text["severity"]})

        address = text["address"]
        if len(address) > 200:
            err("address", _("地点不能超过200个字"))

        deadline = None
        try:
            deadline = parse_date(raw.get("deadline"))
        except ValueError as e:
            err("deadline", str(e))

        status = FindingStatus.RECORDED
        if text["status"]:
            status = statuses.get(text["status"])
            if status is None:
                err("status", _("未知的状态“%(v)s”，可填：%(choices)s") % {
                    "v": text["status"], "choices": "、".join(chinese_labels(FindingStatus).values())})

        closed_on, closed_unreadable = None, False
        try:
            closed_on = parse_date(raw.get("closed_on"))
        except ValueError as e:
            err("closed_on", str(e))
            closed_unreadable = True
        if status == FindingStatus.CLOSED and closed_on is None and not closed_unreadable:
            err("closed_on" if "closed_on" in columns else "status", _("状态为“已销号”的问题须填写销号日期"))
        if closed_on and status and status != FindingStatus.CLOSED:
            err("closed_on", _("状态为“%(s)s”，不应有销号日期；已销号的问题请把状态写为“已销号”")
                % {"s": status_labels[status]})
        if closed_on and closed_on > today:
            err("closed_on", _("销号日期不能晚于今天"))
        if closed_on and found_on and closed_on < found_on:
            err("closed_on", _("销号日期不能早于发现日期"))

        rectification = text["rectification"]
        if rectification and status in (FindingStatus.RECORDED, FindingStatus.ASSIGNED):
            err("rectification", _("状态为“%(s)s”的问题不应有整改情况；已整改的请把状态写为“待核验”或“已销号”")
                % {"s": status_labels[status]})

        counts = {}
        for field in ("repeat_count", "return_count"):
            try:
                counts[field] = _count(raw.get(field))
            except ValueError as e:
                err(field, str(e))
                counts[field] = 0

        data = None
        if not row_errors:
            data = services.FindingInput(unit=unit, description=description, category=category, severity=severity,
                                         source=source, address=address, found_on=found_on)
            try:
                services._check_input(program, data)  # the rules a recorded finding obeys (unit in scope …)
            except ServiceError as e:
                err(field_column.get(e.field or "", "description"), e.message.rstrip("。"))
        if row_errors:
            errors.extend(row_errors)
            continue
        if deadline is None and status in (*OWING_STATUSES, FindingStatus.SUBMITTED):
            # as the sheet would have set it: the severity's days from the finding
            deadline = (found_on or today) + dt.timedelta(days=config.days_for(severity))
        rows.append(_Row(excel_row=r, code=code, data=data, status=status, deadline=deadline, closed_on=closed_on,
                         rectification=rectification, repeat_count=counts["repeat_count"],
                         return_count=counts["return_count"]))
    if not rows and not errors:
        errors.append(CellError(ws.title, None, None, _("表头下面没有问题行。")))
    return rows, errors


def existing_codes(program: Program, codes: list[str]) -> set[str]:
    """Which of `codes` the program's ledger already holds: as a finding's 问题编号, or as the number a row of an
    earlier import carried (kept on the finding's first event)."""
    found: set[str] = set()
    for i in range(0, len(codes), 500):
        chunk = codes[i:i + 500]
        found |= set(Finding.objects.filter(program=program, code__in=chunk).values_list("code", flat=True))
        found |= set(FindingEvent.objects.filter(finding__program=program, kind=EventKind.RECORDED,
                                                 data__source_code__in=chunk)
                     .values_list("data__source_code", flat=True))
    return found


def _at_start_of(day: dt.date, now: dt.datetime) -> dt.datetime:
    """The day's first moment in the server's time zone (not later than now)."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_current_timezone()), now)


def ledger_import_xlsx(*, by, program: Program, data: bytes, dry_run: bool = False, filename: str = "") -> dict:
    """Import an office's existing 问题台账 into `program`: new findings numbered after the existing ones,
    with their statuses, rectification text and 销号 dates. All rows are checked first; any error raises
    ImportFailed with all of them and nothing is written.

    `by` is the program's office, or None for the operator at the server's command line (as for the task
    import); then the findings are recorded in the name of the program's 督查室."""
    config = services.ledger_config(program)
    if by is not None:
        require(perms.can_manage(by, program), _("只有该专项工作的督查室/办公室可以导入问题台账。"))
    wb = open_workbook(data, name=filename)
    ws, header_row, columns = _find_header(wb)
    rows, errors = _validate(ws=ws, header_row=header_row, columns=columns, program=program)
    if errors:
        raise ImportFailed(errors)
    # 问题编号 is the key: a row whose number is already in the ledger (its own code, or the number an earlier
    # import read) is not added again, so importing the ledger's own export, or the same sheet twice, adds nothing
    existing = existing_codes(program, [row.code for row in rows if row.code])
    skipped = [row.code for row in rows if row.code in existing]
    rows = [row for row in rows if row.code not in existing]
    by_status = dict(Counter(row.status for row in rows))
    report = {"rows": len(rows) + len(skipped), "created": len(rows), "existing": len(skipped),
              "existing_codes": skipped[:50], "dry_run": dry_run, "by_status": by_status}
    if dry_run or not rows:
        return report

    reporter = by if by is not None else program_office_person(program)
    if reporter is None:
        raise ServiceError(_("没有找到该专项工作的督查室人员作为问题登记人，请指定导入人（--as 用户名）。"))
    source_file = filename or "Excel"
    now = clock.now()
    with transaction.atomic():
        first = services._next_seq(config)
        findings = []
        for i, row in enumerate(rows):
            d = row.data
            seq = first + i
            found_on = d.found_on or clock.today()
            closed_at = _at_start_of(row.closed_on, now) if row.closed_on else None
            submitted_at = None
            if row.status in (FindingStatus.SUBMITTED, FindingStatus.CLOSED) or row.rectification:
                submitted_at = closed_at or now
            findings.append(Finding(
                program=program, seq=seq, code=services.finding_code(program, seq), category=d.category,
                description=d.description, address=d.address, unit=d.unit, unit_path=d.unit.path,
                severity=d.severity, source=d.source,
                indicator_code=d.category.indicator_code if d.category else "", reporter=reporter,
                found_on=found_on, created_at=_at_start_of(found_on, now), deadline=row.deadline, status=row.status,
                first_submitted_at=submitted_at, closed_at=closed_at, closed_by=None, last_closed_at=closed_at,
                repeat_count=row.repeat_count, return_count=row.return_count, updated_at=now))
        with tallies.tracking(program.pk) as tracked:
            Finding.objects.bulk_create(findings, batch_size=500)
            ids = dict(Finding.objects.filter(program=program, seq__gte=first, seq__lt=first + len(rows))
                       .values_list("seq", "id"))
            tracked.ids.extend(ids.values())
        actor = by if getattr(by, "pk", None) else None
        events = []
        for row, f in zip(rows, findings):
            fid = ids[f.seq]
            events.append(FindingEvent(finding_id=fid, kind=EventKind.RECORDED, by=actor, at=f.created_at,
                                       text=f.description, data={"source_file": source_file, "sheet": ws.title,
                                                                 "row": row.excel_row, "imported": True,
                                                                 **({"source_code": row.code} if row.code else {})}))
            if f.first_submitted_at:
                events.append(FindingEvent(finding_id=fid, kind=EventKind.SUBMITTED, by=None,
                                           at=f.first_submitted_at, text=row.rectification, data={"imported": True}))
            if f.status == FindingStatus.CLOSED:
                events.append(FindingEvent(finding_id=fid, kind=EventKind.CLOSED, by=None, at=f.closed_at,
                                           data={"imported": True}))
        FindingEvent.objects.bulk_create(events, batch_size=1000)
        journal_record(actor=by, verb="ledger.import", obj=program, scope_path=program.owner_unit.path,
                       changes={"source_file": source_file, "sheet": ws.title, "rows": len(rows),
                                "created": len(rows), "by_status": by_status,
                                "codes": [findings[0].code, findings[-1].code]})
    return report
