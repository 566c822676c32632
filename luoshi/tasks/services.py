"""Writes to programs and tasks. Each service: keyword-only, one transaction, permission checked,
one journal entry per object changed."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.files import attachment_store
from luoshi.core.inbox import announce_on_commit
from luoshi.core.journal import diff, journal_record, snapshot
from luoshi.core.permissions import require
from luoshi.org.models import Person, Role, Unit
from luoshi.org.people import people_with_role_over
from luoshi.org.scopes import scope_for
from luoshi.programs import cadence
from luoshi.programs.models import Program, ReportingPeriod

from .deadlines import DeadlineError, parse_deadline
from .models import (
    AssignmentRole, ClosureRequest, DeadlineKind, ExtensionRequest, Milestone, ProgressReport, RequestState, Task,
    TaskAssignment,
)
from . import tallies
from .status import program_refresh_statuses, task_refresh_status

PROGRAM_FIELDS = ("code", "name", "year", "owner_unit", "start_date", "end_date", "cadence_kind", "cadence_weekday",
                  "cadence_day", "cadence_dates", "warn_days", "lag_points", "ack_days", "description", "is_public",
                  "is_shishi", "public_review")
# 阳光公开: publishing a program (公开通报) or marking it 民生实事 changes no task status
PUBLICATION_FIELDS = {"is_public", "is_shishi", "public_review"}
TASK_FIELDS = ("code", "number", "category", "title", "measures", "lead_units_text", "coop_units_text", "leaders_text",
               "deadline_phrase", "deadline_kind", "deadline", "recurrence", "start_date", "parent", "note")


def _require_office(user, program: Program) -> None:
    require(program.manageable_by(scope_for(user)),
            _("只有该专项工作的主办单位（督查室/办公室）可以进行此操作。"))


# ---- programs --------------------------------------------------------------------------------------

def program_create(*, by, code: str, name: str, year: int, owner_unit: Unit, start_date: dt.date | None = None,
                   end_date: dt.date | None = None, cadence_kind: str = "monthly", cadence_weekday: int = 0,
                   cadence_day: int = 25, cadence_dates: list | None = None, warn_days: int = 7, lag_points: int = 20,
                   ack_days: int = 3, description: str = "", sheet_title: str = "", sheet_subtitle: str = "",
                   is_public: bool = False, is_shishi: bool = False) -> Program:
    if by is not None:
        require(scope_for(by).covers(owner_unit.path, Role.OFFICE), _("只能为本单位（及下级单位）建立专项工作。"))
    if Program.objects.filter(code=code).exists():
        raise ServiceError(_("代码“%(code)s”已被其他专项工作使用。") % {"code": code}, field="code")
    start_date = start_date or dt.date(year, 1, 1)
    end_date = end_date or dt.date(year, 12, 31)
    if end_date < start_date:
        raise ServiceError(_("结束日期不能早于开始日期。"), field="end_date")
    with transaction.atomic():
        program = Program.objects.create(
            code=code, name=name, year=year, owner_unit=owner_unit, start_date=start_date, end_date=end_date,
            cadence_kind=cadence_kind, cadence_weekday=cadence_weekday, cadence_day=cadence_day,
            cadence_dates=cadence_dates or [], warn_days=warn_days, lag_points=lag_points, ack_days=ack_days,
            description=description, sheet_title=sheet_title, sheet_subtitle=sheet_subtitle, is_public=is_public,
            is_shishi=is_shishi, created_at=clock.now())
        _regenerate_periods(program)
        journal_record(actor=by, verb="program.create", obj=program, changes=snapshot(program, PROGRAM_FIELDS),
                       scope_path=owner_unit.path)
    return program


def program_update(*, by, program: Program, **changes) -> Program:
    _require_office(by, program)
    allowed = {"name", "description", "cadence_kind", "cadence_weekday", "cadence_day", "cadence_dates", "warn_days",
               "lag_points", "ack_days", "start_date", "end_date"} | PUBLICATION_FIELDS
    unknown = set(changes) - allowed
    if unknown:
        raise ServiceError(_("不能修改：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        before = snapshot(program, allowed)
        for k, v in changes.items():
            setattr(program, k, v)
        program.full_clean()
        program.save()
        if {"cadence_kind", "cadence_weekday", "cadence_day", "cadence_dates", "start_date", "end_date"} & set(changes):
            _regenerate_periods(program)
        journal_record(actor=by, verb="program.update", obj=program, changes=diff(before, snapshot(program, allowed)),
                       scope_path=program.owner_unit.path)
        if set(changes) - PUBLICATION_FIELDS:
            program_refresh_statuses(program=program)
    return program


def _regenerate_periods(program: Program) -> None:
    """Rebuild reporting slots from the cadence. Reports keep their dates and are re-attached."""
    slots = cadence.slots(kind=program.cadence_kind, start=program.start_date, end=program.end_date,
                          weekday=program.cadence_weekday, day=program.cadence_day, dates=program.cadence_dates)
    ProgressReport.objects.filter(task__program=program).update(period=None)
    ReportingPeriod.objects.filter(program=program).delete()
    periods = ReportingPeriod.objects.bulk_create(
        [ReportingPeriod(program=program, seq=seq, start=s, due=d) for seq, s, d in slots])
    for p in periods:
        ProgressReport.objects.filter(task__program=program, submitted_at__date__gte=p.start,
                                      submitted_at__date__lte=p.due).update(period=p)


def period_for(program: Program, day: dt.date) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(program=program, start__lte=day, due__gte=day).first()


# ---- tasks -----------------------------------------------------------------------------------------

@dataclass
class TaskInput:
    title: str
    code: str = ""
    number: str = ""
    category: str = ""
    measures: str = ""
    lead_units: list[Unit] = field(default_factory=list)
    coop_units: list[Unit] = field(default_factory=list)
    lead_units_text: str = ""
    coop_units_text: str = ""
    leaders: list[Person] = field(default_factory=list)
    leaders_text: str = ""
    deadline_phrase: str = ""
    parent: Task | None = None
    note: str = ""
    tags: list[str] = field(default_factory=list)


def _apply_deadline(task: Task, phrase: str, year: int) -> list[tuple[str, dt.date]]:
    try:
        parsed = parse_deadline(phrase, year=year)
    except DeadlineError as e:
        raise ServiceError(str(e), field="deadline_phrase")
    task.deadline_phrase = parsed.phrase
    task.deadline_kind = parsed.kind
    task.deadline = parsed.date
    task.recurrence = parsed.recurrence
    return list(parsed.milestones)


def _set_assignments(task: Task, lead: list[Unit], coop: list[Unit], now: dt.datetime) -> dict:
    """Make the task's assignments match; returns what changed for the journal."""
    wanted = {u.pk: (u, AssignmentRole.COOP) for u in coop}
    wanted.update({u.pk: (u, AssignmentRole.LEAD) for u in lead})  # a unit named in both is a lead unit
    current = {a.unit_id: a for a in task.assignments.all()}
    added, removed, changed = [], [], []
    for uid, a in current.items():
        if uid not in wanted:
            a.delete()
            removed.append(uid)
        elif a.role != wanted[uid][1]:
            a.role = wanted[uid][1]
            a.save(update_fields=["role"])
            changed.append(uid)
    new = [TaskAssignment(task=task, program_id=task.program_id, unit=u, role=role, unit_path=u.path, assigned_at=now)
           for uid, (u, role) in wanted.items() if uid not in current]
    TaskAssignment.objects.bulk_create(new)
    added = [a.unit_id for a in new]
    return {k: v for k, v in {"units_added": added, "units_removed": removed, "role_changed": changed}.items() if v}


def task_create(*, by, program: Program, data: TaskInput) -> Task:
    _require_office(by, program)
    if not data.title.strip():
        raise ServiceError(_("任务内容不能为空。"), field="title")
    if not data.lead_units:
        raise ServiceError(_("请至少指定一个牵头单位。"), field="lead_units")
    now = clock.now()
    with transaction.atomic():
        before = tallies.new_task_state(program)
        code = data.code.strip() or _next_code(program, data.parent)
        if Task.objects.filter(program=program, code=code).exists():
            raise ServiceError(_("编号“%(code)s”在本专项工作中已存在。") % {"code": code}, field="code")
        task = Task(program=program, code=code, number=data.number or code.split(".")[-1], category=data.category,
                    title=data.title.strip(), measures=data.measures, parent=data.parent, note=data.note,
                    lead_units_text=data.lead_units_text or "、".join(u.name for u in data.lead_units),
                    coop_units_text=data.coop_units_text or "、".join(u.name for u in data.coop_units),
                    leaders_text=data.leaders_text or "、".join(p.display_name for p in data.leaders),
                    start_date=max(program.start_date, clock.today()) if clock.today() <= program.end_date else program.start_date,
                    created_at=now, updated_at=now,
                    sort_order=(Task.objects.filter(program=program).order_by("-sort_order").values_list("sort_order", flat=True).first() or 0) + 1)
        milestones = _apply_deadline(task, data.deadline_phrase, program.year)
        task.save()
        _set_assignments(task, data.lead_units, data.coop_units, now)
        task.leaders.set(data.leaders)
        _set_tags(task, data.tags)
        Milestone.objects.bulk_create([Milestone(task=task, title=t, phrase=t, due=d, sort_order=i)
                                       for i, (t, d) in enumerate(milestones)])
        journal_record(actor=by, verb="task.create", obj=task,
                       changes={**snapshot(task, TASK_FIELDS), "lead_units": [u.pk for u in data.lead_units],
                                "coop_units": [u.pk for u in data.coop_units], "leaders": [p.pk for p in data.leaders]},
                       scope_path=program.owner_unit.path)
        task_refresh_status(task=task, before=before)
        announce_on_commit({pid for u in [*data.lead_units, *data.coop_units]
                            for pid in people_with_role_over(Role.LIAISON, u.path)}, "tasks.acknowledge")
    return task


def _next_code(program: Program, parent: Task | None) -> str:
    prefix = f"{parent.code}." if parent else ""
    siblings = Task.objects.filter(program=program, parent=parent).values_list("code", flat=True)
    numbers = [int(c[len(prefix):]) for c in siblings if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _set_tags(task: Task, names: list[str]) -> None:
    from .models import Tag

    tags = [Tag.objects.get_or_create(name=n.strip())[0] for n in names if n.strip()]
    task.tags.set(tags)


def task_update(*, by, task: Task, data: TaskInput, reason: str = "") -> Task:
    _require_office(by, task.program)
    if task.is_closed:
        raise ServiceError(_("任务已办结，不能再修改。"))
    if not data.title.strip():
        raise ServiceError(_("任务内容不能为空。"), field="title")
    if not data.lead_units:
        raise ServiceError(_("请至少指定一个牵头单位。"), field="lead_units")
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        tally_before = tallies.task_state(task)
        before = snapshot(task, TASK_FIELDS)
        before_leaders = sorted(task.leaders.values_list("pk", flat=True))
        task.title, task.measures, task.category, task.note = data.title.strip(), data.measures, data.category, data.note
        task.lead_units_text = data.lead_units_text or "、".join(u.name for u in data.lead_units)
        task.coop_units_text = data.coop_units_text or "、".join(u.name for u in data.coop_units)
        task.leaders_text = data.leaders_text or "、".join(p.display_name for p in data.leaders)
        if data.deadline_phrase != task.deadline_phrase:
            milestones = _apply_deadline(task, data.deadline_phrase, task.program.year)
            if milestones and not task.milestones.exists():
                Milestone.objects.bulk_create([Milestone(task=task, title=t, phrase=t, due=d, sort_order=i)
                                               for i, (t, d) in enumerate(milestones)])
        task.updated_at = clock.now()
        task.save()
        changes = diff(before, snapshot(task, TASK_FIELDS))
        changes.update(_set_assignments(task, data.lead_units, data.coop_units, clock.now()))
        task.leaders.set(data.leaders)
        after_leaders = sorted(p.pk for p in data.leaders)
        if after_leaders != before_leaders:
            changes["leaders"] = [before_leaders, after_leaders]
        _set_tags(task, data.tags)
        journal_record(actor=by, verb="task.update", obj=task, changes=changes, reason=reason,
                       scope_path=task.program.owner_unit.path)
        task_refresh_status(task=task, before=tally_before)
    return task


def _assignment_for(by, task: Task, unit: Unit | None) -> TaskAssignment:
    """The assignment the user acts for: the given unit, or the only one of the task's units they cover."""
    scope = scope_for(by)
    mine = [a for a in task.assignments.select_related("unit") if scope.covers(a.unit_path, Role.LIAISON)]
    if unit is not None:
        mine = [a for a in mine if a.unit_id == unit.pk]
    require(bool(mine), _("您不是该任务责任单位的联络员，不能代表单位操作。"))
    if len(mine) > 1:
        lead = [a for a in mine if a.role == AssignmentRole.LEAD]
        mine = lead or mine
    return mine[0]


def task_acknowledge(*, by, task: Task, unit: Unit | None = None) -> TaskAssignment:
    """签收: a unit confirms it has received its part of the task."""
    assignment = _assignment_for(by, task, unit)
    if assignment.acknowledged_at:
        when = f"{clock.timezone.localtime(assignment.acknowledged_at):%Y-%m-%d %H:%M}"
        raise ServiceError(_("%(unit)s已于%(when)s签收。") % {"unit": assignment.unit.name, "when": when})
    with transaction.atomic():
        before = tallies.task_state(task)
        now = clock.now()
        assignment.acknowledged_at, assignment.acknowledged_by = now, by
        assignment.save(update_fields=["acknowledged_at", "acknowledged_by"])
        if assignment.role == AssignmentRole.LEAD and not task.acknowledged_at:
            Task.objects.filter(pk=task.pk).update(acknowledged_at=now)
            task.acknowledged_at = now
        journal_record(actor=by, verb="task.acknowledge", obj=task, changes={"unit": assignment.unit_id},
                       scope_path=assignment.unit_path)
        tallies.task_apply(before, task)  # 及时签收 in the league
    return assignment


def task_report_progress(*, by, task: Task, text: str, percent: int | None = None, files: Sequence[tuple[str, bytes]] = (),
                         unit: Unit | None = None) -> ProgressReport:
    """A unit reports progress for the current slot. The lead unit's percent becomes the task's progress."""
    assignment = _assignment_for(by, task, unit)
    if task.is_closed:
        raise ServiceError(_("任务已办结，无需再报送进展。"))
    if not assignment.acknowledged_at:
        raise ServiceError(_("请先签收任务，再报送进展。"))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写进展情况。"), field="text")
    is_lead = assignment.role == AssignmentRole.LEAD
    if is_lead:
        if percent is None:
            raise ServiceError(_("牵头单位请填写完成进度（0–100）。"), field="percent")
        if not 0 <= percent <= 100:
            raise ServiceError(_("完成进度应在 0 到 100 之间。"), field="percent")
    now = clock.now()
    with transaction.atomic():
        attachments = [attachment_store(by=by, name=name, data=data) for name, data in files]
        report = ProgressReport.objects.create(task=task, unit=assignment.unit, author=by, submitted_at=now, text=text,
                                               percent=percent if is_lead else None, is_lead=is_lead,
                                               public_at=None if task.program.public_review else now,
                                               period=period_for(task.program, clock.timezone.localdate(now)))
        report.attachments.set(attachments)
        if is_lead and percent is not None:  # a lead report has a percent (checked above)
            Task.objects.filter(pk=task.pk).update(progress=percent, last_report_at=now)
            task.progress, task.last_report_at = percent, now
        journal_record(actor=by, verb="task.report", obj=task,
                       changes={"report": report.pk, "unit": assignment.unit_id, "percent": percent,
                                "files": [a.original_name for a in attachments]},
                       scope_path=assignment.unit_path)
        task_refresh_status(task=task)
        if is_lead and (task.program.is_public or task.program.is_shishi) and task.program.public_review:
            announce_on_commit(people_with_role_over(Role.OFFICE, task.program.owner_unit.path), "tasks.public_review")
    return report


def report_release(*, by, report: ProgressReport, release: bool, note: str = "") -> ProgressReport:
    """阳光公开 review of a lead unit's progress text: release it to the public site, or withhold it (with a
    reason). Decided once, by the office that manages the program; journaled on the task."""
    task = report.task
    _require_office(by, task.program)
    if not report.is_lead:
        raise ServiceError(_("配合单位的报送不在公开网站发布。"))
    if not release and not (note or "").strip():
        raise ServiceError(_("不予公开时请写明理由。"), field="note")
    now = clock.now()
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)  # decided once, even when two click
        if report.public_at or report.withheld_at:
            raise ServiceError(_("这条进展已经审核过。"))
        if release:
            report.public_at = now
        else:
            report.withheld_at = now
        report.save(update_fields=["public_at", "withheld_at"])
        journal_record(actor=by, verb="task.report_release" if release else "task.report_withhold", obj=task,
                       changes={"report": report.pk, "unit": report.unit_id}, reason=(note or "").strip(),
                       scope_path=task.program.owner_unit.path)
    return report


def task_request_extension(*, by, task: Task, new_deadline: dt.date, reason: str) -> ExtensionRequest:
    assignment = _assignment_for(by, task, None)
    require(assignment.role == AssignmentRole.LEAD, _("只有牵头单位可以申请延期。"))
    today = clock.today()
    current = task.effective_deadline
    if task.is_closed:
        raise ServiceError(_("任务已办结，不能申请延期。"))
    if task.deadline_kind != DeadlineKind.DATE or current is None:
        raise ServiceError(_("该任务没有确定的完成时限，无需申请延期。"))
    if today > current:
        raise ServiceError(_("延期申请须在完成时限（%(deadline)s）之前提出，现已逾期。")
                           % {"deadline": date_format(current, _("Y年n月j日"))})
    if new_deadline <= current:
        raise ServiceError(_("申请延期至的日期须晚于现有完成时限。"), field="new_deadline")
    if not (reason or "").strip():
        raise ServiceError(_("请填写延期理由。"), field="reason")
    if task.extension_requests.filter(state=RequestState.PENDING).exists():
        raise ServiceError(_("已有一份延期申请在审核中。"))
    with transaction.atomic():
        req = ExtensionRequest.objects.create(task=task, unit=assignment.unit, requested_by=by, requested_at=clock.now(),
                                              old_deadline=current, new_deadline=new_deadline, reason=reason.strip())
        journal_record(actor=by, verb="task.extension_request", obj=task,
                       changes={"new_deadline": new_deadline, "old_deadline": current}, reason=reason,
                       scope_path=assignment.unit_path)
        announce_on_commit(people_with_role_over(Role.OFFICE, task.program.owner_unit.path), "tasks.extensions")
    return req


def task_decide_extension(*, by, request: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    task = request.task
    _require_office(by, task.program)
    if request.state != RequestState.PENDING:
        raise ServiceError(_("该申请已处理。"))
    if not approve and not note.strip():
        raise ServiceError(_("不同意延期时请写明理由。"), field="note")
    with transaction.atomic():
        before = tallies.task_state(task)
        request.state = RequestState.APPROVED if approve else RequestState.REFUSED
        request.decided_by, request.decided_at, request.decision_note = by, clock.now(), note.strip()
        request.save()
        changes: dict[str, Any] = {"decision": request.state}
        if approve:
            changes["extended_deadline"] = [task.extended_deadline, request.new_deadline]
            task.extended_deadline = request.new_deadline
            Task.objects.filter(pk=task.pk).update(extended_deadline=request.new_deadline)
        journal_record(actor=by, verb="task.extension_decide", obj=task, changes=changes, reason=note,
                       scope_path=task.program.owner_unit.path)
        task_refresh_status(task=task, before=before)
    return request


# ---- milestones (时间节点) ------------------------------------------------------------------------------

def milestone_mark_done(*, by, milestone: Milestone, done_on: dt.date | None, evidence: str) -> Milestone:
    """The lead unit records a 时间节点 as done: the day it was achieved and what shows it (journaled on the task).
    The office can undo it (`milestone_undo`)."""
    task = milestone.task
    assignment = _assignment_for(by, task, None)
    require(assignment.role == AssignmentRole.LEAD, _("只有牵头单位可以标记时间节点完成。"))
    if task.is_archived:
        raise ServiceError(_("任务已归档。"))
    evidence = (evidence or "").strip()
    if done_on is None:
        raise ServiceError(_("请填写完成日期。"), field="done_on")
    if done_on > clock.today():
        raise ServiceError(_("完成日期不能晚于今天。"), field="done_on")
    if done_on < task.program.start_date - dt.timedelta(days=366):
        raise ServiceError(_("完成日期早于专项工作开始一年以上，请核对。"), field="done_on")
    if not evidence:
        raise ServiceError(_("请写明完成依据（做了什么、文件或照片在哪里）。"), field="evidence")
    if len(evidence) > 2000:
        raise ServiceError(_("完成依据最多 2000 字。"), field="evidence")
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.done_at:
            raise ServiceError(_("该时间节点已于 %(d)s 标记完成。") % {"d": date_format(milestone.done_on, "Y-m-d")
                                                                 if milestone.done_on else "—"})
        milestone.done_at, milestone.done_on, milestone.done_by, milestone.evidence = clock.now(), done_on, by, evidence
        milestone.save(update_fields=["done_at", "done_on", "done_by", "evidence"])
        journal_record(actor=by, verb="task.milestone_done", obj=task, scope_path=assignment.unit_path,
                       changes={"milestone": milestone.title, "done_on": done_on, "evidence": evidence})
    return milestone


def milestone_undo(*, by, milestone: Milestone, reason: str) -> Milestone:
    """The office takes back a 时间节点 marked done (wrongly, or the evidence does not hold), with a reason."""
    task = milestone.task
    _require_office(by, task.program)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请写明撤销的理由。"), field="reason")
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if not milestone.done_at:
            raise ServiceError(_("该时间节点尚未标记完成。"))
        before = {"done_on": milestone.done_on, "evidence": milestone.evidence}
        milestone.done_at, milestone.done_on, milestone.done_by, milestone.evidence = None, None, None, ""
        milestone.save(update_fields=["done_at", "done_on", "done_by", "evidence"])
        journal_record(actor=by, verb="task.milestone_undo", obj=task, reason=reason,
                       scope_path=task.program.owner_unit.path,
                       changes={"milestone": milestone.title, "done_on": [before["done_on"], None],
                                "evidence": [before["evidence"], ""]})
    return milestone


def _require_children_closed(task: Task) -> None:
    """A parent task is closed after its subtasks (the tree's status rolls up: a parent cannot be 已办结 over a red
    child). The refusal names the open subtasks."""
    open_children = list(Task.objects.filter(parent=task, is_archived=False, closed_at=None)
                         .order_by("sort_order", "id").values_list("code", flat=True))
    if open_children:
        shown = _("、").join(open_children[:5]) + (_("等") if len(open_children) > 5 else "")
        raise ServiceError(_("还有 %(n)s 项子任务未办结（%(codes)s），子任务全部办结后才能办结本任务。")
                           % {"n": len(open_children), "codes": shown})


def task_request_closure(*, by, task: Task, summary: str, files: Sequence[tuple[str, bytes]] = ()) -> ClosureRequest:
    assignment = _assignment_for(by, task, None)
    require(assignment.role == AssignmentRole.LEAD, _("只有牵头单位可以申请办结。"))
    if task.is_closed:
        raise ServiceError(_("任务已办结。"))
    _require_children_closed(task)
    if not assignment.acknowledged_at:
        raise ServiceError(_("请先签收任务。"))
    if not (summary or "").strip():
        raise ServiceError(_("请填写办结情况。"), field="summary")
    if task.closure_requests.filter(state=RequestState.PENDING).exists():
        raise ServiceError(_("已有一份办结申请在审核中。"))
    with transaction.atomic():
        attachments = [attachment_store(by=by, name=name, data=data) for name, data in files]
        req = ClosureRequest.objects.create(task=task, unit=assignment.unit, requested_by=by, requested_at=clock.now(),
                                            summary=summary.strip())
        req.attachments.set(attachments)
        journal_record(actor=by, verb="task.closure_request", obj=task,
                       changes={"files": [a.original_name for a in attachments]}, reason=summary,
                       scope_path=assignment.unit_path)
        announce_on_commit(people_with_role_over(Role.OFFICE, task.program.owner_unit.path), "tasks.closures")
    return req


def task_decide_closure(*, by, request: ClosureRequest, accept: bool, note: str = "") -> ClosureRequest:
    task = request.task
    _require_office(by, task.program)
    if request.state != RequestState.PENDING:
        raise ServiceError(_("该申请已处理。"))
    if not accept and not note.strip():
        raise ServiceError(_("退回办结申请时请写明理由。"), field="note")
    if accept:
        _require_children_closed(task)
    with transaction.atomic():
        before = tallies.task_state(task)
        now = clock.now()
        request.state = RequestState.APPROVED if accept else RequestState.REFUSED
        request.decided_by, request.decided_at, request.decision_note = by, now, note.strip()
        request.save()
        changes: dict[str, Any] = {"decision": request.state}
        if accept:
            deadline = task.effective_deadline
            on_time = None if deadline is None else clock.timezone.localdate(request.requested_at) <= deadline
            Task.objects.filter(pk=task.pk).update(closed_at=now, closed_on_time=on_time, progress=100)
            task.closed_at, task.closed_on_time, task.progress = now, on_time, 100
            changes.update({"closed_at": now, "closed_on_time": on_time})
        journal_record(actor=by, verb="task.closure_decide", obj=task, changes=changes, reason=note,
                       scope_path=task.program.owner_unit.path)
        task_refresh_status(task=task, before=before)
    return request
