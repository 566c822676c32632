"""The status pipeline: the rules (one pure function over a task's stored facts), and storing what they give —
one task after a write (`task_refresh_status`, called by the services) or every open task of a program
(`program_recompute`, the daily job in tasks.warnings) — with the journal rows and the maintained counts
(tasks.tallies) updated in the same transaction.

Precedence: 已办结 > 红灯 > 黄灯 > 已延期 > 正常.
- 红灯: the effective deadline (after an approved extension) has passed, or the lead unit has not
  reported since the start of the latest reporting slot that has already ended.
- 黄灯: the effective deadline is within `warn_days`, or progress is behind the time-proportional
  expectation by `lag_points` or more.
- 已延期: an extension is in force and none of the above applies.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from luoshi.core import clock
from luoshi.core.formats import day_text
from luoshi.core.journal import journal_entry, journal_record, journal_record_many
from luoshi.core.models import JournalEntry
from luoshi.core.reasons import reason_templates_register
from luoshi.programs.models import Program, ReportingPeriod

from . import tallies
from .models import STATUS_SEVERITY, DeadlineKind, Task, TaskStatus


@dataclass(frozen=True)
class StatusInputs:
    deadline_kind: str
    deadline: dt.date | None
    extended_deadline: dt.date | None
    start_date: dt.date
    progress: int
    closed: bool
    last_report_date: dt.date | None
    assigned_date: dt.date


@dataclass(frozen=True)
class ProgramRules:
    warn_days: int
    lag_points: int


def expected_progress(*, start: dt.date, deadline: dt.date, today: dt.date) -> int:
    """Time-proportional progress: 0 at start, 100 at the deadline."""
    if today <= start:
        return 0
    if today >= deadline or deadline <= start:
        return 100
    return int(100 * (today - start).days / (deadline - start).days)


# Reasons are stored in Chinese and shown in the reader's language through core.reasons (registered below).
R_CLOSED = gettext_noop("已办结")
R_OVERDUE = gettext_noop("已逾期%(days)s天")
R_NOT_REPORTED = gettext_noop("未按期报送进展")
R_DUE_IN = gettext_noop("距完成时限还有%(days)s天")
R_DUE_TODAY = gettext_noop("今天到期")
R_LAGGING = gettext_noop("进度滞后（应达%(expected)s%%，实际%(actual)s%%）")
R_EXTENDED = gettext_noop("已延期至%(date)s")
reason_templates_register(R_CLOSED, R_OVERDUE, R_NOT_REPORTED, R_DUE_IN, R_DUE_TODAY, R_LAGGING, R_EXTENDED)


def compute_status(t: StatusInputs, *, rules: ProgramRules, today: dt.date,
                   last_closed_slot_start: dt.date | None) -> tuple[str, str]:
    """(status, reason in Chinese; core.reasons shows it translated). `last_closed_slot_start` is the start of the
    latest reporting slot whose due date is before today, or None when no slot has ended yet."""
    if t.closed:
        return TaskStatus.CLOSED, R_CLOSED
    deadline = t.extended_deadline or t.deadline
    if t.deadline_kind == DeadlineKind.DATE and deadline and today > deadline:
        return TaskStatus.RED, R_OVERDUE % {"days": (today - deadline).days}
    if last_closed_slot_start and last_closed_slot_start >= t.assigned_date:
        if t.last_report_date is None or t.last_report_date < last_closed_slot_start:
            return TaskStatus.RED, R_NOT_REPORTED
    if t.deadline_kind == DeadlineKind.DATE and deadline:
        days_left = (deadline - today).days
        if days_left <= rules.warn_days:
            return TaskStatus.YELLOW, R_DUE_IN % {"days": days_left} if days_left else R_DUE_TODAY
        expected = expected_progress(start=t.start_date, deadline=deadline, today=today)
        if expected - t.progress >= rules.lag_points:
            return TaskStatus.YELLOW, R_LAGGING % {"expected": expected, "actual": t.progress}
    if t.extended_deadline:
        return TaskStatus.EXTENDED, R_EXTENDED % {"date": day_text(t.extended_deadline)}
    return TaskStatus.NORMAL, ""


def worst(statuses) -> str | None:
    statuses = list(statuses)
    if not statuses:
        return None
    return max(statuses, key=lambda s: STATUS_SEVERITY[s])


# ---- storing statuses --------------------------------------------------------------------------------

def status_inputs(task: Task) -> StatusInputs:
    return StatusInputs(
        deadline_kind=task.deadline_kind, deadline=task.deadline, extended_deadline=task.extended_deadline,
        start_date=task.start_date, progress=task.progress, closed=task.closed_at is not None,
        last_report_date=clock.timezone.localdate(task.last_report_at) if task.last_report_at else None,
        assigned_date=clock.timezone.localdate(task.created_at) if task.created_at else task.start_date,
    )


def last_closed_slot_start(program: Program, today: dt.date) -> dt.date | None:
    p = ReportingPeriod.objects.filter(program=program, due__lt=today).order_by("-due").first()
    return p.start if p else None


def task_refresh_status(*, task: Task, today: dt.date | None = None, slot_start: dt.date | None | str = "auto",
                        before: tallies.TaskState | None = None) -> bool:
    """Recompute and store one task's status; journal a change; bring the tallies up to date. `before` is the
    task's tally state taken by a service before its own writes (the delta then covers them too); without it
    only the status change is applied. Returns True if the status or its reason changed."""
    today = today or clock.today()
    if isinstance(slot_start, str):
        if slot_start != "auto":
            raise ValueError(f"slot_start must be a date, None or \"auto\", not {slot_start!r}")
        closed_slot_start = last_closed_slot_start(task.program, today)
    else:
        closed_slot_start = slot_start
    rules = ProgramRules(warn_days=task.program.warn_days, lag_points=task.program.lag_points)
    status, reason = compute_status(status_inputs(task), rules=rules, today=today,
                                    last_closed_slot_start=closed_slot_start)
    if status == task.status and reason == task.status_reason:
        if before is not None:
            tallies.task_apply(before, task)
        return False
    old = task.status
    if before is None and old != status:
        before = tallies.task_state(task)
    Task.objects.filter(pk=task.pk).update(status=status, status_reason=reason)
    task.status, task.status_reason = status, reason
    if before is not None:
        tallies.task_apply(before, task)
    if old != status:
        journal_record(actor=None, verb="task.status", obj=task, changes={"status": [old, status]}, reason=reason,
                       scope_path=task.program.owner_unit.path)
    return True


FIELDS = ("id", "program_id", "code", "title", "status", "status_reason", "deadline_kind", "deadline",
          "extended_deadline", "start_date", "progress", "closed_at", "last_report_at", "created_at")


def program_recompute(*, program: Program, today: dt.date, now: dt.datetime | None = None) -> dict:
    """Recompute the status of every open task of one program; bulk-write changes and their journal rows, and
    count the program's tallies again as of `today`. Returns {"tasks", "changed", "flagged": [(task, status)]}
    where flagged are the 红灯/黄灯 tasks (for reminders)."""
    now = now or clock.now()
    rules = ProgramRules(warn_days=program.warn_days, lag_points=program.lag_points)
    slot_start = last_closed_slot_start(program, today)
    changed: list[Task] = []
    flagged: list[tuple[Task, str]] = []
    journal: list[JournalEntry] = []
    count = 0
    qs = Task.objects.filter(program=program, is_archived=False).exclude(status=TaskStatus.CLOSED).only(*FIELDS)
    for task in qs.iterator(chunk_size=5000):
        count += 1
        task.program = program
        status, reason = compute_status(status_inputs(task), rules=rules, today=today,
                                        last_closed_slot_start=slot_start)
        if status in (TaskStatus.RED, TaskStatus.YELLOW):
            flagged.append((task, status))
        if (status, reason) != (task.status, task.status_reason):
            if status != task.status:
                journal.append(journal_entry(at=now, actor=None, verb="task.status", obj=task,
                                             scope_path=program.owner_unit.path,
                                             changes={"status": [task.status, status]}, reason=reason))
            task.status, task.status_reason = status, reason
            changed.append(task)
    # One UPDATE per distinct (status, reason) instead of bulk_update(): that builds a CASE WHEN per row,
    # and took ~20 s of a 31 s run on a day when 40,000 of 100,000 tasks changed (docs/benchmarks.md).
    ids_by_value: dict[tuple[str, str], list[int]] = defaultdict(list)
    for task in changed:
        ids_by_value[(task.status, task.status_reason)].append(task.pk)
    with transaction.atomic():
        for (status, reason), ids in ids_by_value.items():
            for i in range(0, len(ids), 500):  # chunks keep the IN list within every database's limits
                Task.objects.filter(pk__in=ids[i:i + 500]).update(status=status, status_reason=reason)
        journal_record_many(journal)
        # statuses changed in bulk, and the league's 到期/逾期 move with the day: count the program again
        tallies.program_rebuild(program, day=today)
    return {"tasks": count, "changed": len(changed), "flagged": flagged}


def program_refresh_statuses(*, program: Program, today: dt.date | None = None) -> int:
    """Recompute every open task of the program (after its cadence or thresholds change)."""
    return program_recompute(program=program, today=today or clock.today())["changed"]
