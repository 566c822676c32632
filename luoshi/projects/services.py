"""Writes of key projects. Each function checks permission, runs in one transaction, journals what it did, keeps
the project's timeline (ProjectEvent) and applies the difference to the maintained figures (figures.py).

A problem (问题/困难) is handed on through the ledger: `issue_assign` records a ledger finding for the chosen
unit and issues it on an assignment sheet (ledger.services), so the unit answers it, the office verifies it and
closes it (销号) exactly like any other finding — there is no second 交办 path here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.files import attachment_store
from luoshi.core.journal import diff, journal_entry, journal_record, journal_record_many, snapshot
from luoshi.core.notify import notify_people
from luoshi.core.permissions import require
from luoshi.core.validation import clean_text, too_long
from luoshi.ledger import services as ledger
from luoshi.ledger.models import ProblemCategory, Severity
from luoshi.org.lookups import path_within
from luoshi.org.models import Person, Role, Unit
from luoshi.org.resolve import region_of
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from . import figures
from .bulk import rows_update
from .models import (
    PHASES, REPORTING_ROLES, EventKind, IssueKind, Light, Project, ProjectConfig, ProjectEvent, ProjectIssue, ProjectMonth,
    ProjectRating, ProjectUnit, UnitRole,
)
from .spec import flag_for

MAX_FILES = 9
FIELDS = ("code", "name", "type", "district_id", "area_id", "street_id", "lead_unit_id", "builder_name",
          "builder_unit_id", "supervisor_unit_id", "leader_id", "total_investment", "annual_plan", "content", "note",
          *(f"plan_{p}" for p in PHASES), *(f"{p}_on" for p in PHASES), "is_public", "public_summary")


def config_of(program: Program) -> ProjectConfig:
    config = getattr(program, "projects_config", None)
    if config is None:
        raise ServiceError(_("专项工作“%(name)s”没有启用重点项目。") % {"name": program.name})
    return config


# ---- permissions --------------------------------------------------------------------------------------------

def can_manage(user, program: Program) -> bool:
    return program.manageable_by(scope_for(user))


def can_report(user, project: Project) -> bool:
    """Liaisons (or an office) over its 主抓单位, 建设单位 or 镇街/功能区 (models.REPORTING_ROLES), and the program's
    office."""
    scope = scope_for(user)
    if can_manage(user, project.program):
        return True
    paths = scope.paths_for(Role.LIAISON, Role.OFFICE)
    return any(path_within(u.unit_path, paths) for u in project.units.all() if u.role in REPORTING_ROLES)


def can_rate(user, program: Program) -> bool:
    """督导核查: the office, or an evaluator (人大/政协督导核查组) over the program's owner unit."""
    return can_manage(user, program) or scope_for(user).covers(program.owner_unit.path, Role.EVALUATOR)


# ---- recipients ---------------------------------------------------------------------------------------------

def concerned_people(project: Project) -> set[int]:
    """The liaisons of every unit the project concerns (主抓单位, 建设单位 and its 主管部门, 审批部门, 镇街/功能区)
    and its 包联领导."""
    paths = [u.unit_path for u in project.units.all()]
    people: set[int] = set()
    for ids in ledger.unit_people(paths, "unit").values():
        people |= ids
    if project.leader_id:
        people.add(project.leader_id)
    return people


# ---- projects -----------------------------------------------------------------------------------------------

@dataclass
class ProjectInput:
    code: str
    name: str
    type: str
    district: Unit
    lead_unit: Unit
    builder_name: str
    area: Unit | None = None
    street: Unit | None = None
    builder_unit: Unit | None = None
    supervisor_unit: Unit | None = None
    approval_units: list[Unit] = field(default_factory=list)
    leader: Person | None = None
    team: list[Person] = field(default_factory=list)
    total_investment: Decimal = Decimal(0)
    annual_plan: Decimal = Decimal(0)
    content: str = ""
    note: str = ""
    plans: dict[str, dt.date | None] = field(default_factory=dict)     # phase → planned date
    actuals: dict[str, dt.date | None] = field(default_factory=dict)   # phase → actual date (an import's history)
    monthly_plan: dict[dt.date, Decimal] = field(default_factory=dict)  # first of month → 万元
    is_public: bool = False
    public_summary: str = ""


def input_problems(program: Program, config: ProjectConfig, data: ProjectInput,
                   region: Unit | None = None) -> list[tuple[str, str]]:
    """(field, message) for every problem of the input; the importer locates each in its sheet (and passes the
    program's region, read once)."""
    out: list[tuple[str, str]] = []
    if not data.code.strip():
        out.append(("code", _("请填写项目编号。")))
    if not data.name.strip():
        out.append(("name", _("请填写项目名称。")))
    if data.type not in {t["code"] for t in config.types}:
        out.append(("type", _("项目类型“%(v)s”不在本专项工作的类型中（%(known)s）。") % {
            "v": data.type, "known": "、".join(t["name"] for t in config.types)}))
    if not data.builder_name.strip():
        out.append(("builder_name", _("请填写建设单位。")))
    for name in ("code", "name", "builder_name", "public_summary"):
        if message := too_long(Project, name, getattr(data, name).strip()):
            out.append((name, message))
    region = region or region_of(program.owner_unit)
    for label, unit in ((_("所在区市"), data.district), (_("主抓单位"), data.lead_unit), (_("功能区"), data.area),
                        (_("镇街"), data.street), (_("建设单位主管部门"), data.supervisor_unit)):
        if unit is not None and not path_within(unit.path, [region.path]):
            out.append(("unit", _("%(label)s“%(unit)s”不在%(region)s范围内。") % {
                "label": label, "unit": unit.name, "region": region.name}))
    for unit, name in ((data.street, "street"), (data.area, "area")):
        if unit is not None and not path_within(unit.path, [data.district.path]):
            out.append((name, _("“%(unit)s”不在“%(district)s”之内。") % {"unit": unit.name, "district": data.district.name}))
    for amount, name in ((data.total_investment, "total_investment"), (data.annual_plan, "annual_plan")):
        if amount < 0:
            out.append((name, _("投资额不能为负数。")))
    if data.annual_plan and data.total_investment and data.annual_plan > data.total_investment:
        out.append(("annual_plan", _("年度计划投资不能大于总投资。")))
    tracked = config.phase_codes()
    for phase in set(data.plans) | set(data.actuals):
        if phase not in tracked and (data.plans.get(phase) or data.actuals.get(phase)):
            out.append((f"plan_{phase}", _("本专项工作不跟踪“%(phase)s”阶段。") % {"phase": phase}))
    last = None
    for phase in tracked:
        d = data.plans.get(phase)
        if d and last and d < last:
            out.append((f"plan_{phase}", _("计划%(phase)s日期早于前一阶段的计划日期。") % {"phase": config.phase_name(phase)}))
        last = d or last
    today = clock.today()
    for phase, d in data.actuals.items():
        if d and d > today:
            out.append((f"{phase}_on", _("%(phase)s日期不能晚于今天。") % {"phase": config.phase_name(phase)}))
    if any(v < 0 for v in data.monthly_plan.values()):
        out.append(("monthly_plan", _("月度计划投资不能为负数。")))
    return out


def _unit_rows(project: Project, data: ProjectInput) -> list[ProjectUnit]:
    # where it stands: its 镇街 and its function area (both, when it has both), else its district
    places = [u for u in (data.street, data.area) if u is not None] or [data.district]
    rows = [(data.lead_unit, UnitRole.LEAD), (data.builder_unit, UnitRole.BUILDER),
            (data.supervisor_unit, UnitRole.SUPERVISOR)] + [(u, UnitRole.LOCATION) for u in places]
    rows += [(u, UnitRole.APPROVAL) for u in data.approval_units]
    seen, out = set(), []
    for unit, role in rows:
        if unit is not None and (unit.pk, role) not in seen:
            seen.add((unit.pk, role))
            out.append(ProjectUnit(project=project, unit=unit, unit_path=unit.path, role=role))
    return out


def _fill(project: Project, data: ProjectInput) -> None:
    project.code, project.name, project.type = data.code.strip(), data.name.strip(), data.type
    project.district, project.area, project.street = data.district, data.area, data.street
    project.lead_unit, project.builder_name = data.lead_unit, data.builder_name.strip()
    project.builder_unit, project.supervisor_unit, project.leader = data.builder_unit, data.supervisor_unit, data.leader
    project.total_investment, project.annual_plan = data.total_investment, data.annual_plan
    project.content, project.note = data.content.strip(), data.note.strip()
    project.is_public, project.public_summary = data.is_public, data.public_summary.strip()
    for phase in PHASES:
        if phase in data.plans:
            setattr(project, f"plan_{phase}", data.plans[phase])
        if phase in data.actuals:
            setattr(project, f"{phase}_on", data.actuals[phase])
    project.phase = next((p for p in reversed(PHASES) if project.actual(p)), "")


def project_write(*, by, program: Program, config: ProjectConfig, data: ProjectInput, project: Project | None,
                  now: dt.datetime, today: dt.date) -> tuple[Project, dict]:
    """The write of one project inside the caller's transaction (project_save; an import writes many at once with
    projects_bulk_create / projects_bulk_update): fields, units, team, monthly plan, light and figures. Returns the
    project and its changes."""
    created = project is None
    if project is None:
        project = Project(program=program, created_at=now)
        before_tally = None
        before: dict = {}
    else:
        before_tally = figures.state(project)
        before = snapshot(project, FIELDS)
    _fill(project, data)
    project.updated_at = now
    project.save()
    ProjectUnit.objects.filter(project=project).delete()
    ProjectUnit.objects.bulk_create(_unit_rows(project, data))
    project.approval_units.set(data.approval_units)
    project.team.set(data.team)
    if data.monthly_plan:
        existing = {m.month: m for m in ProjectMonth.objects.filter(project=project)}
        for month, amount in data.monthly_plan.items():
            row = existing.get(month)
            if row is None:
                ProjectMonth.objects.create(project=project, month=month, planned=amount)
            elif row.planned != amount:
                row.planned = amount
                row.save(update_fields=["planned"])
    _refresh(project, config, today)
    figures.apply(program.pk, before_tally, project)
    changes = diff(before, snapshot(project, FIELDS))
    if data.monthly_plan:
        changes["monthly_plan"] = {f"{m:%Y-%m}": v for m, v in sorted(data.monthly_plan.items())}
    _event(project, EventKind.CREATED if created else EventKind.UPDATED, by, now, fields=sorted(changes))
    return project, changes


def projects_bulk_create(*, program: Program, config: ProjectConfig, inputs: list[ProjectInput], now: dt.datetime,
                         today: dt.date, delta: figures.Counter | None = None) -> list[tuple[Project, dict]]:
    """New projects of an import in a few bulk INSERTs (projects, their units, approval departments, team, monthly
    plan, a timeline row each), lights computed from the plan. Their figures are added to `delta`, which the caller
    applies once (figures.apply_delta) after journaling each project."""
    projects = []
    for data in inputs:
        p = Project(program=program, created_at=now, updated_at=now)
        _fill(p, data)
        months = [(m, amount, None) for m, amount in sorted(data.monthly_plan.items())]
        r = figures.project_light(p, config, months, today=today)
        p.light, p.light_reason, p.plan_to_date, p.actual_to_date, p.actual_year = (
            r.light, r.reason, r.plan_to_date, r.actual_to_date, r.actual_year)
        projects.append(p)
    Project.objects.bulk_create(projects, batch_size=500)
    if connection_needs_ids(projects):
        by_code = dict(Project.objects.filter(program=program, code__in=[p.code for p in projects])
                       .values_list("code", "pk"))
        for p in projects:
            p.pk = by_code[p.code]
    units, approvals, team, months_rows, events = [], [], [], [], []
    Approval, Team = Project.approval_units.through, Project.team.through
    for p, data in zip(projects, inputs):
        own_units = _unit_rows(p, data)
        units += own_units
        if delta is not None:
            figures.difference(None, figures.share(p, [(m, amount, None) for m, amount in sorted(
                data.monthly_plan.items())], [u.unit_path for u in own_units]), delta)
        approvals += [Approval(project_id=p.pk, unit_id=u.pk) for u in {u.pk: u for u in data.approval_units}.values()]
        team += [Team(project_id=p.pk, person_id=x.pk) for x in {x.pk: x for x in data.team}.values()]
        months_rows += [ProjectMonth(project_id=p.pk, month=m, planned=amount) for m, amount in data.monthly_plan.items()]
        events.append(ProjectEvent(project_id=p.pk, kind=EventKind.CREATED, at=now, data={"import": True}))
    ProjectUnit.objects.bulk_create(units, batch_size=1000)
    Approval.objects.bulk_create(approvals, batch_size=1000)
    Team.objects.bulk_create(team, batch_size=1000)
    ProjectMonth.objects.bulk_create(months_rows, batch_size=2000)
    ProjectEvent.objects.bulk_create(events, batch_size=1000)
    return [(p, snapshot(p, FIELDS)) for p in projects]


@dataclass
class BulkWrite:
    """What a bulk write of an import did: per project written, its changes (for the journal), and the difference to
    the figures, applied once by the caller (figures.apply_delta)."""

    written: list[tuple[Project, dict]] = field(default_factory=list)
    unchanged: int = 0
    delta: figures.Counter = field(default_factory=figures.Counter)


# what an import sheet says about an existing project; the rest (建设单位's account, 专班, notes, publication, actual
# dates) is kept as it is
SHEET_FIELDS = ("code", "name", "type", "district_id", "area_id", "street_id", "lead_unit_id", "builder_name",
                "supervisor_unit_id", "leader_id", "total_investment", "annual_plan", "content",
                *(f"plan_{p}" for p in PHASES))


def projects_bulk_update(*, program: Program, config: ProjectConfig, pairs: list[tuple[Project, ProjectInput]],
                         now: dt.datetime, today: dt.date) -> BulkWrite:
    """Existing projects of an import, changed in a few bulk statements inside the caller's transaction: fields,
    their units (only where they changed), approval departments, the monthly plan, lights and a timeline row each,
    and the difference to the figures computed in Python from what was read once. Unchanged rows write nothing."""
    import dataclasses

    out = BulkWrite()
    ids = [p.pk for p, _data in pairs]
    months = figures.months_of(ids)
    month_rows = {(m.project_id, m.month): m for m in ProjectMonth.objects.filter(project_id__in=ids)}
    unit_rows: dict[int, set[tuple[int, str, str]]] = {pk: set() for pk in ids}
    for pid, uid, role, path in ProjectUnit.objects.filter(project_id__in=ids).values_list(
            "project_id", "unit_id", "role", "unit_path"):
        unit_rows[pid].add((uid, role, path))
    Approval = Project.approval_units.through
    approvals: dict[int, set[int]] = {pk: set() for pk in ids}
    for pid, uid in Approval.objects.filter(project_id__in=ids).values_list("project_id", "unit_id"):
        approvals[pid].add(uid)
    builders = Unit.objects.in_bulk({p.builder_unit_id for p, _d in pairs if p.builder_unit_id})
    changed: list[Project] = []
    new_units: list[ProjectUnit] = []
    units_replaced: list[int] = []
    new_approvals: list = []
    approvals_replaced: list[int] = []
    months_new: list[ProjectMonth] = []
    months_changed: list[ProjectMonth] = []
    events: list[ProjectEvent] = []
    for project, sheet in pairs:
        data = dataclasses.replace(sheet, builder_unit=builders.get(project.builder_unit_id), note=project.note,
                                   is_public=project.is_public, public_summary=project.public_summary, team=[],
                                   actuals={})
        before_paths = [path for _u, _r, path in unit_rows[project.pk]]
        before_share = figures.share(project, months.get(project.pk, []), before_paths)
        before = snapshot(project, FIELDS)
        light_before = (project.light, project.light_reason, project.plan_to_date, project.actual_to_date,
                        project.actual_year)
        _fill(project, data)
        units = {(u.unit_id, u.role, u.unit_path) for u in _unit_rows(project, data)}
        units_differ = units != unit_rows[project.pk]
        if units_differ:
            units_replaced.append(project.pk)
            new_units += [ProjectUnit(project_id=project.pk, unit_id=u, role=r, unit_path=path) for u, r, path in units]
        wanted = {u.pk for u in data.approval_units}
        approvals_differ = wanted != approvals[project.pk]
        if approvals_differ:
            approvals_replaced.append(project.pk)
            new_approvals += [Approval(project_id=project.pk, unit_id=u) for u in wanted]
        plan_changes = {}
        for month, amount in data.monthly_plan.items():
            row = month_rows.get((project.pk, month))
            if row is None:
                months_new.append(ProjectMonth(project_id=project.pk, month=month, planned=amount))
                plan_changes[f"{month:%Y-%m}"] = [None, amount]
            elif row.planned != amount:
                plan_changes[f"{month:%Y-%m}"] = [row.planned, amount]
                row.planned = amount
                months_changed.append(row)
        after_months = {m: (m, planned, actual) for m, planned, actual in months.get(project.pk, [])}
        for month, amount in data.monthly_plan.items():
            _m, _p, actual = after_months.get(month, (month, amount, None))
            after_months[month] = (month, amount, actual)
        after_months_list = [after_months[m] for m in sorted(after_months)]
        r = figures.project_light(project, config, after_months_list, today=today)
        project.light, project.light_reason = r.light, r.reason
        project.plan_to_date, project.actual_to_date, project.actual_year = r.plan_to_date, r.actual_to_date, r.actual_year
        changes = diff(before, snapshot(project, FIELDS))
        if plan_changes:
            changes["monthly_plan"] = plan_changes
        if not (changes or units_differ or approvals_differ) and \
                light_before == (r.light, r.reason, r.plan_to_date, r.actual_to_date, r.actual_year):
            out.unchanged += 1
            continue
        project.updated_at = now
        changed.append(project)
        figures.difference(before_share, figures.share(project, after_months_list, [path for _u, _r, path in units]),
                           out.delta)
        events.append(ProjectEvent(project_id=project.pk, kind=EventKind.UPDATED, at=now,
                                   data={"import": True, "fields": sorted(changes)}))
        out.written.append((project, changes))
    rows_update(Project, changed, [*(f.removesuffix("_id") for f in SHEET_FIELDS), "phase", "light", "light_reason",
                                   "plan_to_date", "actual_to_date", "actual_year", "updated_at"])
    ProjectUnit.objects.filter(project_id__in=units_replaced).delete()
    ProjectUnit.objects.bulk_create(new_units, batch_size=1000)
    Approval.objects.filter(project_id__in=approvals_replaced).delete()
    Approval.objects.bulk_create(new_approvals, batch_size=1000)
    rows_update(ProjectMonth, months_changed, ["planned"])
    ProjectMonth.objects.bulk_create(months_new, batch_size=2000)
    ProjectEvent.objects.bulk_create(events, batch_size=1000)
    return out


def connection_needs_ids(projects: list[Project]) -> bool:
    """bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35; read them back where it did not."""
    return any(p.pk is None for p in projects)


def project_save(*, by, program: Program, data: ProjectInput, project: Project | None = None,
                 reason: str = "") -> Project:
    """Create (project None) or change a project: the program's office only."""
    config = config_of(program)
    require(can_manage(by, program), _("只有该专项工作的督查室/办公室可以建立和修改项目。"))
    problems = input_problems(program, config, data)
    if problems:
        raise ServiceError(problems[0][1], field=problems[0][0])
    code_taken = Project.objects.filter(program=program, code=data.code.strip())
    if project is not None:
        code_taken = code_taken.exclude(pk=project.pk)
    if code_taken.exists():
        raise ServiceError(_("项目编号“%(code)s”已被使用。") % {"code": data.code}, field="code")
    with transaction.atomic():
        project, changes = project_write(by=by, program=program, config=config, data=data, project=project,
                                         now=clock.now(), today=clock.today())
        journal_record(actor=by, verb="projects.project_save", obj=project, changes=changes, reason=reason,
                       scope_path=project.lead_unit.path)
    return project


def _event(project: Project, kind: str, by, at: dt.datetime, text: str = "", attachments=(), **data) -> ProjectEvent:
    event = ProjectEvent.objects.create(project=project, kind=kind, by=by if getattr(by, "pk", None) else None,
                                        at=at, text=text, data=data)
    if attachments:
        event.evidence.add(*attachments)
    return event


def _files(by, files) -> list:
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise ServiceError(_("一次最多上传 %(n)s 个佐证材料。") % {"n": MAX_FILES}, field="files")
    return [attachment_store(by=by, name=name, data=data) for name, data in files]


def _refresh(project: Project, config: ProjectConfig, today: dt.date) -> tuple[str, str]:
    """Recompute the light and the investment to date of one project (saved). Returns (before, after)."""
    months = figures.months_of([project.pk]).get(project.pk, [])
    result = figures.project_light(project, config, months, today=today)
    before = project.light
    project.light, project.light_reason = result.light, result.reason
    project.plan_to_date, project.actual_to_date = result.plan_to_date, result.actual_to_date
    project.actual_year = result.actual_year
    project.save(update_fields=["light", "light_reason", "plan_to_date", "actual_to_date", "actual_year"])
    return before, result.light


def _tell_if_worse(project: Project, before: str, after: str, today: dt.date) -> None:
    order = {Light.DONE: 0, Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
    if order[after] <= order[before]:
        return
    notify_people(concerned_people(project), kind="projects_behind",
                  title=lambda: _("项目%(light)s：%(name)s") % {"light": Light(after).label, "name": project.name},
                  body=project.light_reason, url=reverse("projects_detail", args=[project.pk]),
                  dedup_key=f"project-light:{project.pk}:{after}:{today:%Y%m}")


# ---- reporting ----------------------------------------------------------------------------------------------

def month_report(*, by, project: Project, month: dt.date, actual: Decimal, note: str = "", files=()) -> ProjectMonth:
    """A unit reports the month's actual investment (万元), with evidence. A month can be corrected; the journal keeps
    the earlier figure."""
    require(can_report(by, project), _("只有项目相关单位的联络员可以报送项目进展。"))
    config = config_of(project.program)
    today, now = clock.today(), clock.now()
    month = month.replace(day=1)
    if month > today.replace(day=1):
        raise ServiceError(_("不能报送未来月份（%(m)s）的投资。") % {"m": f"{month:%Y-%m}"}, field="month")
    if actual is None or actual < 0:
        raise ServiceError(_("完成投资须为不小于 0 的金额（万元）。"), field="actual")
    actual = actual.quantize(Decimal("0.01"))
    if project.total_investment and actual > project.total_investment:
        raise ServiceError(_("当月完成投资 %(a)s 万元超过项目总投资 %(t)s 万元，请核对单位（万元）。")
                           % {"a": actual, "t": project.total_investment}, field="actual")
    with transaction.atomic():
        before_tally = figures.state(project)
        row, _created = ProjectMonth.objects.get_or_create(project=project, month=month)
        previous = row.actual
        row.actual, row.note, row.reported_at, row.reported_by = actual, note.strip(), now, by
        row.save()
        attachments = _files(by, files)
        if attachments:
            row.evidence.add(*attachments)
        before, after = _refresh(project, config, today)
        figures.apply(project.program_id, before_tally, project)
        _event(project, EventKind.MONTH, by, now, note.strip(), attachments, month=f"{month:%Y-%m}",
               actual=str(actual))
        journal_record(actor=by, verb="projects.month_report", obj=project, scope_path=project.lead_unit.path,
                       changes={"month": f"{month:%Y-%m}", "actual": [previous, actual],
                                "evidence": [a.pk for a in attachments]}, reason=note)
    _tell_if_worse(project, before, after, today)
    return row


def phase_report(*, by, project: Project, phase: str, on: dt.date, text: str = "", files=()) -> Project:
    """A unit reports that the project reached a phase (签约/落地/开工/投产/达产) on a date, with evidence."""
    require(can_report(by, project), _("只有项目相关单位的联络员可以报送项目进展。"))
    config = config_of(project.program)
    tracked = config.phase_codes()
    if phase not in tracked:
        raise ServiceError(_("本专项工作不跟踪该阶段。"), field="phase")
    today, now = clock.today(), clock.now()
    if on > today:
        raise ServiceError(_("日期不能晚于今天。"), field="on")
    earlier = tracked[:tracked.index(phase)]
    missing = [config.phase_name(p) for p in earlier if not project.actual(p)]
    if missing:
        raise ServiceError(_("请先报送“%(phases)s”。") % {"phases": "、".join(missing)}, field="phase")
    late = [config.phase_name(p) for p in earlier if project.actual(p) and project.actual(p) > on]
    if late:
        raise ServiceError(_("%(phase)s日期不能早于%(earlier)s日期。") % {"phase": config.phase_name(phase),
                                                                    "earlier": "、".join(late)}, field="on")
    if not files and not text.strip():
        raise ServiceError(_("请上传佐证材料或写明情况。"), field="files")
    with transaction.atomic():
        before_tally = figures.state(project)
        previous = project.actual(phase)
        setattr(project, f"{phase}_on", on)
        project.phase = next((p for p in reversed(PHASES) if project.actual(p)), "")
        project.updated_at = now
        project.save()
        attachments = _files(by, files)
        before, after = _refresh(project, config, today)
        figures.apply(project.program_id, before_tally, project)
        _event(project, EventKind.PHASE, by, now, text.strip(), attachments, phase=phase, on=on.isoformat())
        journal_record(actor=by, verb="projects.phase_report", obj=project, scope_path=project.lead_unit.path,
                       changes={f"{phase}_on": [previous, on], "evidence": [a.pk for a in attachments]}, reason=text)
    _tell_if_worse(project, before, after, today)
    return project


# ---- problems (要素保障) through the ledger --------------------------------------------------------------------

ISSUE_LIMIT = 2000  # characters of a problem's description
PUBLIC_UPDATE_LIMIT = 1000  # characters of a public progress note


def issue_raise(*, by, project: Project, kind: str, description: str) -> ProjectIssue:
    require(can_report(by, project), _("只有项目相关单位的联络员可以反映项目问题。"))
    if kind not in IssueKind.values:
        raise ServiceError(_("请选择要素类别。"), field="kind")
    if not description.strip():
        raise ServiceError(_("请描述需要协调解决的问题。"), field="description")
    description = clean_text(description, _("问题描述"), "description", limit=ISSUE_LIMIT)
    now = clock.now()
    with transaction.atomic():
        issue = ProjectIssue.objects.create(project=project, kind=kind, description=description,
                                            raised_by=by, raised_at=now)
        _event(project, EventKind.ISSUE, by, now, issue.description, issue_kind=kind, issue=issue.pk)
        journal_record(actor=by, verb="projects.issue_raise", obj=project, scope_path=project.lead_unit.path,
                       changes={"issue": issue.pk, "kind": kind, "description": issue.description})
    ledger_people = ledger.office_people(project.program)
    notify_people(ledger_people, kind="projects_issue", title=lambda: _("项目问题待交办：%(name)s") % {"name": project.name},
                  body=issue.description[:200], url=reverse("projects_detail", args=[project.pk]),
                  dedup_key=f"project-issue:{issue.pk}")
    return issue


def issue_assign(*, by, issue: ProjectIssue, unit: Unit, deadline: dt.date | None = None,
                 severity: str = Severity.GENERAL, requirements: str = ""):
    """交办: the problem becomes a ledger finding of the project's program, issued to `unit` on an assignment sheet.
    From here the ledger's own path (签收 → 整改 → 核验 → 销号) applies."""
    project = issue.project
    program = project.program
    require(can_manage(by, program), _("只有该专项工作的督查室/办公室可以交办项目问题。"))
    if issue.finding_id:
        raise ServiceError(_("该问题已交办（%(code)s）。") % {"code": issue.finding.code})
    category = ProblemCategory.objects.filter(program=program, name=IssueKind(issue.kind).label).first()
    with transaction.atomic():
        finding = ledger.finding_record(by=by, program=program, data=ledger.FindingInput(
            unit=unit, description=_("【%(code)s %(name)s】%(text)s") % {
                "code": project.code, "name": project.name, "text": issue.description},
            category=category, severity=severity, source="self"))
        ledger.sheets_issue(by=by, program=program, findings=[finding], deadline=deadline, requirements=requirements)
        finding.refresh_from_db()
        issue.finding = finding
        issue.save(update_fields=["finding"])
        now = clock.now()
        _event(project, EventKind.ASSIGNED, by, now, unit.name, issue=issue.pk, finding=finding.code)
        journal_record(actor=by, verb="projects.issue_assign", obj=project, scope_path=project.lead_unit.path,
                       changes={"issue": issue.pk, "finding": finding.code, "unit": unit.name,
                                "deadline": finding.deadline})
    return finding


# ---- 督导核查 and flags -----------------------------------------------------------------------------------------

def project_rate(*, by, project: Project, quarter: str, score: Decimal, note: str = "") -> ProjectRating:
    """The quarter's 督导核查 of one project: the score, and the flag the program's rules give (红旗/黄旗/绿旗). A
    second rating of the same quarter replaces the first (the journal keeps both)."""
    program = project.program
    config = config_of(program)
    require(can_rate(by, program), _("只有督查室或督导核查组可以核查评分。"))
    try:
        period = figures.period_parse(quarter, today=clock.today())
    except ValueError as e:
        raise ServiceError(str(e), field="quarter")
    if "Q" not in period.code:
        raise ServiceError(_("督导核查按季度进行，请写作 2026Q1。"), field="quarter")
    if period.start > clock.today():
        raise ServiceError(_("%(q)s尚未开始，不能核查。") % {"q": period.label}, field="quarter")
    if score is None or not (0 <= score <= 100):
        raise ServiceError(_("核查得分应在 0–100 之间。"), field="score")
    flag = flag_for(config.flag_rules, score=score, light=project.light)
    now = clock.now()
    with transaction.atomic():
        rating, created = ProjectRating.objects.update_or_create(
            project=project, quarter=period.code, defaults=dict(score=score, flag=flag, light=project.light,
                                                                note=note.strip(), rated_by=by, rated_at=now))
        _event(project, EventKind.RATED, by, now, note.strip(), quarter=period.code, score=str(score), flag=flag)
        journal_record(actor=by, verb="projects.rate", obj=project, scope_path=project.lead_unit.path,
                       changes={"quarter": period.code, "score": score, "flag": flag, "light": project.light})
    return rating


# ---- publication --------------------------------------------------------------------------------------------

def project_publish(*, by, project: Project, public: bool, summary: str | None = None) -> Project:
    require(can_manage(by, project.program), _("只有该专项工作的督查室/办公室可以公开项目。"))
    if summary is not None and (message := too_long(Project, "public_summary", summary.strip())):
        raise ServiceError(message, field="summary")
    now = clock.now()
    with transaction.atomic():
        before = snapshot(project, ("is_public", "public_summary"))
        project.is_public = public
        if summary is not None:
            project.public_summary = summary.strip()
        project.updated_at = now
        project.save(update_fields=["is_public", "public_summary", "updated_at"])
        journal_record(actor=by, verb="projects.publish", obj=project, scope_path=project.lead_unit.path,
                       changes=diff(before, snapshot(project, ("is_public", "public_summary"))))
    return project


def public_update(*, by, project: Project, text: str) -> ProjectEvent:
    """A quarterly progress note for the portal (what the public reads; no internal notes, no names)."""
    require(can_manage(by, project.program), _("只有该专项工作的督查室/办公室可以发布公开进展。"))
    if not text.strip():
        raise ServiceError(_("请填写公开的进展情况。"), field="text")
    text = clean_text(text, _("公开进展"), "text", limit=PUBLIC_UPDATE_LIMIT)
    now = clock.now()
    with transaction.atomic():
        event = _event(project, EventKind.PUBLIC, by, now, text, quarter=figures.quarter_of(clock.today()))
        journal_record(actor=by, verb="projects.public_update", obj=project, scope_path=project.lead_unit.path,
                       changes={"text": event.text})
    return event


# ---- the daily job ------------------------------------------------------------------------------------------

def lights_run(*, today: dt.date | None = None, notify: bool = True) -> dict:
    """Recompute every project's light (the date moves phases past their plan and months into "to date"), write
    the changes with their journal rows, rebuild the programs' figures, and tell the units concerned about each
    project that turned 黄/红."""
    today = today or clock.today()
    now = clock.now()
    summary = {"projects": 0, "changed": 0, "yellow": 0, "red": 0}
    for config in ProjectConfig.objects.select_related("program").filter(program__is_archived=False):
        projects = list(Project.objects.filter(program=config.program, is_archived=False).select_related("lead_unit"))
        months = figures.months_of(p.pk for p in projects)
        changed, worse, entries = [], [], []
        for p in projects:
            r = figures.project_light(p, config, months.get(p.pk, []), today=today)
            summary["projects"] += 1
            summary["yellow"] += r.light == Light.YELLOW
            summary["red"] += r.light == Light.RED
            new = (r.light, r.reason, r.plan_to_date, r.actual_to_date, r.actual_year)
            old = (p.light, p.light_reason, p.plan_to_date, p.actual_to_date, p.actual_year)
            if new == old:
                continue
            if r.light != p.light:
                entries.append(journal_entry(actor=None, verb="projects.light", obj=p, at=now,
                                             scope_path=p.lead_unit.path,
                                             changes={"light": [p.light, r.light]}, reason=r.reason))
                if {Light.GREEN: 0, Light.DONE: 0, Light.YELLOW: 1, Light.RED: 2}[r.light] > \
                        {Light.GREEN: 0, Light.DONE: 0, Light.YELLOW: 1, Light.RED: 2}[p.light]:
                    worse.append(p)
            p.light, p.light_reason, p.plan_to_date, p.actual_to_date, p.actual_year = new
            changed.append(p)
        with transaction.atomic():
            Project.objects.bulk_update(changed, ["light", "light_reason", "plan_to_date", "actual_to_date",
                                                  "actual_year"], batch_size=500)
            ProjectEvent.objects.bulk_create([ProjectEvent(project=p, kind=EventKind.LIGHT, at=now, text=p.light_reason,
                                                           data={"light": p.light}) for p in worse])
            journal_record_many(entries)
            figures.program_rebuild(config.program_id)
        summary["changed"] += len(changed)
        if notify:
            for p in worse:
                _tell_if_worse(p, Light.GREEN, p.light, today)
    return summary
