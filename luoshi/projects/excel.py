"""The office's project list as Excel: import (the whole sheet validated first, every problem located by row and
column, nothing written unless all is right) and export (the same columns, so an exported sheet imports back), and
the monthly 项目推进情况通报 as Excel.

Amounts are read as 万元: 12000, "12000万元", "2亿元", "1.5亿", "3,500万". Dates are a date cell, 2026-06-30, or a
deadline phrase as in task sheets ("6月底前", "一季度", "年底前"), read in the program's year. Monthly plan columns
are headed "1月计划" … "12月计划" (万元)."""
from __future__ import annotations

import datetime as dt
import functools
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.core import clock, formats
from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import journal_entry, journal_record, journal_record_many
from luoshi.core.permissions import require
from luoshi.org.models import Person, Role, Unit
from luoshi.org.resolve import UnitResolver, region_of, unit_named
from luoshi.programs.models import Program
from luoshi.tasks.deadlines import DeadlineError, parse_deadline

from . import figures
from .models import PHASES, Project, ProjectConfig
from .services import ProjectInput, can_manage, config_of, input_problems, projects_bulk_create, projects_bulk_update

COLUMNS = [  # key, header, required
    ("code", "项目编号", True), ("name", "项目名称", True), ("type", "项目类型", True), ("district", "所在区市", True),
    ("area", "功能区", False), ("street", "镇街", False), ("lead_unit", "主抓单位", True),
    ("builder_name", "建设单位", True), ("supervisor_unit", "主管部门", False), ("approval_units", "审批部门", False),
    ("leader", "包联领导", False), ("total_investment", "总投资（万元）", False),
    ("annual_plan", "年度计划投资（万元）", False),
    ("plan_sign", "计划签约", False), ("plan_land", "计划落地", False), ("plan_start", "计划开工", False),
    ("plan_produce", "计划投产", False), ("plan_reach", "计划达产", False), ("content", "建设内容", False),
]
MONTH_HEADER = re.compile(r"^(\d{1,2})月(计划)?(投资)?(（万元）|\(万元\))?$")
ALIASES = {"编号": "code", "序号": None, "名称": "name", "类型": "type", "区市": "district", "所在区（市）": "district",
           "主抓部门": "lead_unit", "责任单位": "lead_unit", "总投资": "total_investment", "年度计划投资": "annual_plan",
           "年度计划": "annual_plan", "包联市领导": "leader", "包联区领导": "leader"}
SHEET = "重点项目"


def parse_amount(text: str) -> Decimal:
    """An amount in 万元 from "2亿元", "12000万元", "3,500", "1.5亿"; ValueError with a Chinese message."""
    raw = text.replace(",", "").replace("，", "").replace(" ", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(亿元?|万元?|元)?", raw)
    if not m:
        raise ValueError(_("金额“%(v)s”无法识别，应写作 12000、12000万元 或 2亿元。") % {"v": text})
    value = Decimal(m[1])
    unit = (m[2] or "万")[0]
    if unit == "亿":
        value *= 10000
    elif unit == "元":
        value /= 10000
    return value.quantize(Decimal("0.01"))


def parse_date(value, *, year: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _phrase_date(cell_text(value), year)


@functools.lru_cache(maxsize=512)
def _phrase_date(text: str, year: int) -> dt.date:
    """A sheet repeats the same few phrases ("二季度", "年底前") on many rows: each is read once."""
    text = re.sub(r"(签约|落地|开工|投产|达产|建成|竣工)$", "", text)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        parsed = parse_deadline(text, year=year)
    except DeadlineError as e:
        raise ValueError(str(e))
    if parsed.kind != "date" or parsed.date is None:
        raise ValueError(_("“%(v)s”不是一个日期或期限。") % {"v": text})
    return parsed.date


@dataclass
class Row:
    number: int
    data: ProjectInput
    errors: list[CellError] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _header(ws) -> tuple[int, dict[str, int], dict[int, int]]:
    """(header row number, key → column index, month → column index), from the first 10 rows."""
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        texts = [cell_text(v).replace("\n", "") for v in row]
        cols: dict[str, int] = {}
        months: dict[int, int] = {}
        for i, t in enumerate(texts):
            key = next((k for k, h, _r in COLUMNS if h == t), None) or ALIASES.get(t)
            if key is None and t.endswith("（万元）"):
                key = next((k for k, h, _r in COLUMNS if h == t.removesuffix("（万元）")), None)
            if key:
                cols.setdefault(key, i)
            elif m := MONTH_HEADER.match(t):
                if 1 <= int(m[1]) <= 12:
                    months[int(m[1])] = i
        if "code" in cols and "name" in cols:
            return r, cols, months
    raise ImportFailed([CellError(ws.title, None, None, _("找不到表头：须有“项目编号”和“项目名称”两列（在前10行内）。"))])


def read_rows(data: bytes, program: Program, config: ProjectConfig) -> list[Row]:
    wb = open_workbook(data, name="")
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    header_at, cols, months = _header(ws)
    missing = [h for k, h, required in COLUMNS if required and k not in cols]
    if missing:
        raise ImportFailed([CellError(ws.title, header_at, None, _("缺少必填列：%(cols)s") % {"cols": "、".join(missing)})])
    header_of = {k: h for k, h, _r in COLUMNS}
    region = region_of(program.owner_unit)
    resolver = UnitResolver(region)
    types = {t["name"]: t["code"] for t in config.types} | {t["code"]: t["code"] for t in config.types}
    leaders = {}
    for pid, full, username in Person.objects.filter(grants__role__in=[Role.LEADER, Role.OFFICE]).values_list(
            "pk", "full_name", "username").distinct():
        leaders.setdefault(full or username, pid)
    people = Person.objects.in_bulk(list(leaders.values()))
    rows: list[Row] = []
    named: dict[tuple[str, int], Unit | None] = {}  # a sheet names the same few units on every row: look each up once

    def lookup(text: str, within: Unit) -> Unit | None:
        key = (text, within.pk)
        if key not in named:
            named[key] = unit_named(text, within)
        return named[key]

    for r, values in enumerate(ws.iter_rows(min_row=header_at + 1, values_only=True), start=header_at + 1):
        raw = {k: (values[i] if i < len(values) else None) for k, i in cols.items()}
        if all(cell_text(v) == "" for v in values):
            continue
        errors: list[CellError] = []

        def err(key: str, message: str) -> None:
            errors.append(CellError(ws.title, r, header_of.get(key, key), message))

        def text(key: str) -> str:
            return cell_text(raw.get(key))

        def one_unit(key: str, within: Unit | None = None) -> Unit | None:
            t = text(key)
            if not t:
                return None
            unit = lookup(t, within or region)
            if unit is None:
                err(key, _("找不到单位“%(name)s”。") % {"name": t})
            return unit

        district = one_unit("district")
        if district is not None and district.kind != "district":
            err("district", _("“%(name)s”不是区（市）。") % {"name": district.name})
        area = one_unit("area", district)
        street = one_unit("street", district)
        lead = one_unit("lead_unit", district)
        supervisor = one_unit("supervisor_unit", district)
        approvals: list[Unit] = []
        if text("approval_units"):
            approvals, problems = resolver.resolve(text("approval_units"))
            for p in problems:
                err("approval_units", p)
        leader = None
        if text("leader"):
            pid = leaders.get(text("leader"))
            if pid is None:
                err("leader", _("找不到领导“%(name)s”（须是有责任领导角色的人员）。") % {"name": text("leader")})
            else:
                leader = people[pid]
        type_code = types.get(text("type"), text("type"))
        amounts = {}
        for key in ("total_investment", "annual_plan"):
            amounts[key] = Decimal(0)
            if text(key):
                try:
                    amounts[key] = parse_amount(text(key))
                except ValueError as e:
                    err(key, str(e))
        plans: dict[str, dt.date | None] = {}
        for phase in PHASES:
            key = f"plan_{phase}"
            if raw.get(key) not in (None, ""):
                try:
                    plans[phase] = parse_date(raw[key], year=program.year)
                except ValueError as e:
                    err(key, str(e))
        monthly: dict[dt.date, Decimal] = {}
        for month, i in months.items():
            t = cell_text(values[i] if i < len(values) else None)
            if t:
                try:
                    monthly[dt.date(program.year, month, 1)] = parse_amount(t)
                except ValueError as e:
                    errors.append(CellError(ws.title, r, _("%(m)s月计划") % {"m": month}, str(e)))
        data = ProjectInput(code=text("code"), name=text("name"), type=type_code, district=district or region,
                            lead_unit=lead or region, builder_name=text("builder_name"), area=area, street=street,
                            supervisor_unit=supervisor, approval_units=approvals, leader=leader,
                            total_investment=amounts["total_investment"], annual_plan=amounts["annual_plan"],
                            content=text("content"), plans=plans, monthly_plan=monthly)
        if not errors:
            for fld, message in input_problems(program, config, data, region):
                err(fld if fld in header_of else "", message)
        rows.append(Row(r, data, errors))
    seen: dict[str, int] = {}
    for row in rows:
        code = row.data.code.strip()
        if code in seen:
            row.errors.append(CellError(ws.title, row.number, header_of["code"],
                                        _("项目编号“%(code)s”与第%(row)s行重复。") % {"code": code, "row": seen[code]}))
        seen.setdefault(code, row.number)
    if not rows:
        raise ImportFailed([CellError(ws.title, None, None, _("表中没有项目。"))])
    return rows


def projects_import_xlsx(*, by, program: Program, data: bytes, dry_run: bool = False, source: str = "") -> ImportReport:
    """Import (create or update by 项目编号) the whole sheet, or nothing: raises ImportFailed listing every problem.

    The sheet is read and validated before the transaction; inside it, new projects are written with bulk INSERTs
    and existing ones with bulk UPDATEs of what changed (services.projects_bulk_update), one journal row per
    project written (journal_record_many) and the figures changed once by the sum of the differences."""
    config = config_of(program)
    require(can_manage(by, program), _("只有该专项工作的督查室/办公室可以导入项目清单。"))
    rows = read_rows(data, program, config)
    errors = [e for row in rows for e in row.errors]
    if errors:
        raise ImportFailed(errors)
    report = ImportReport(rows=len(rows))
    if dry_run:
        return report
    now, today = clock.now(), clock.today()
    codes = [row.data.code.strip() for row in rows]
    with transaction.atomic():
        existing = {p.code: p for p in Project.objects.select_for_update().filter(program=program, code__in=codes)
                    .select_related("lead_unit")}
        fresh = [row.data for row in rows if row.data.code.strip() not in existing]
        delta = figures.Counter()
        entries = []
        for project, changes in projects_bulk_create(program=program, config=config, inputs=fresh, now=now,
                                                     today=today, delta=delta):
            entries.append(journal_entry(actor=by, verb="projects.import_row", obj=project, changes=changes, at=now,
                                         reason=source, scope_path=project.lead_unit.path))
        written = projects_bulk_update(program=program, config=config, now=now, today=today, pairs=[
            (existing[row.data.code.strip()], row.data) for row in rows if row.data.code.strip() in existing])
        for project, changes in written.written:
            entries.append(journal_entry(actor=by, verb="projects.import_row", obj=project, changes=changes, at=now,
                                         reason=source, scope_path=project.lead_unit.path))
        report.created, report.updated, report.unchanged = len(fresh), len(written.written), written.unchanged
        journal_record_many(entries)
        delta.update(written.delta)
        figures.apply_delta(program.pk, delta)
        journal_record(actor=by, verb="projects.import", obj=program, scope_path=program.owner_unit.path,
                       changes={"source": source, "created": report.created, "updated": report.updated,
                                "unchanged": report.unchanged})
    return report


# ---- export -----------------------------------------------------------------------------------------------

def projects_xlsx(projects: list[Project], config: ProjectConfig, *, year: int) -> bytes:
    """The list with the import's columns (so it imports back), then the state: phase, light, investment."""
    from luoshi.core.excel import workbook_new
    from openpyxl.styles import Alignment, Font

    from .figures import months_of

    wb = workbook_new()
    ws = wb.active
    ws.title = SHEET
    headers = [h for _k, h, _r in COLUMNS] + [f"{m}月计划" for m in range(1, 13)] + [
        "当前阶段", "状态", "状态说明", "本年完成投资（万元）", "投资完成率"]
    ws.append(headers)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    units = {u.pk: u.name for u in Unit.objects.filter(pk__in={x for p in projects for x in (
        p.district_id, p.area_id, p.street_id, p.lead_unit_id, p.supervisor_unit_id) if x})}
    leaders = {p.pk: p.full_name or p.username for p in Person.objects.filter(pk__in={p.leader_id for p in projects if p.leader_id})}
    approvals: dict[int, list[str]] = {}
    for pid, name in Project.approval_units.through.objects.filter(project_id__in=[p.pk for p in projects]).values_list(
            "project_id", "unit__name"):
        approvals.setdefault(pid, []).append(name)
    months = months_of(p.pk for p in projects)
    for p in projects:
        plan = {m.month: planned for m, planned, _a in months.get(p.pk, []) if m.year == year}
        rate = figures.Figures.rate(p.actual_to_date, p.plan_to_date)
        ws.append([p.code, p.name, config.type_name(p.type), units.get(p.district_id, ""), units.get(p.area_id, ""),
                   units.get(p.street_id, ""), units.get(p.lead_unit_id, ""), p.builder_name,
                   units.get(p.supervisor_unit_id, ""), "、".join(approvals.get(p.pk, [])), leaders.get(p.leader_id, ""),
                   float(p.total_investment), float(p.annual_plan),
                   *[p.planned(ph) for ph in PHASES], p.content,
                   *[float(plan[m]) if m in plan else None for m in range(1, 13)],
                   config.phase_name(p.phase) if p.phase else "未签约", p.get_light_display(), p.light_reason,
                   float(p.actual_year), f"{rate}%" if rate is not None else ""])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, dt.date):
                c.number_format = formats.EXCEL_DAY
    ws.freeze_panes = "C2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
