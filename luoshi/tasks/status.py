"""The status rules, as one pure function over a task's stored facts.

Precedence: 已办结 > 红灯 > 黄灯 > 已延期 > 正常.
- 红灯: the effective deadline (after an approved extension) has passed, or the lead unit has not
  reported since the start of the latest reporting slot that has already ended.
- 黄灯: the effective deadline is within `warn_days`, or progress is behind the time-proportional
  expectation by `lag_points` or more.
- 已延期: an extension is in force and none of the above applies.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import STATUS_SEVERITY, DeadlineKind, TaskStatus


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


def compute_status(t: StatusInputs, *, rules: ProgramRules, today: dt.date,
                   last_closed_slot_start: dt.date | None) -> tuple[str, str]:
    """(status, reason in Chinese). `last_closed_slot_start` is the start of the latest reporting slot
    whose due date is before today, or None when no slot has ended yet."""
    if t.closed:
        return TaskStatus.CLOSED, "已办结"
    deadline = t.extended_deadline or t.deadline
    if t.deadline_kind == DeadlineKind.DATE and deadline and today > deadline:
        return TaskStatus.RED, f"已逾期{(today - deadline).days}天"
    if last_closed_slot_start and last_closed_slot_start >= t.assigned_date:
        if t.last_report_date is None or t.last_report_date < last_closed_slot_start:
            return TaskStatus.RED, "未按期报送进展"
    if t.deadline_kind == DeadlineKind.DATE and deadline:
        days_left = (deadline - today).days
        if days_left <= rules.warn_days:
            return TaskStatus.YELLOW, f"距完成时限还有{days_left}天" if days_left else "今天到期"
        expected = expected_progress(start=t.start_date, deadline=deadline, today=today)
        if expected - t.progress >= rules.lag_points:
            return TaskStatus.YELLOW, f"进度滞后（应达{expected}%，实际{t.progress}%）"
    if t.extended_deadline:
        return TaskStatus.EXTENDED, f"已延期至{t.extended_deadline:%Y年%-m月%-d日}"
    return TaskStatus.NORMAL, ""


def worst(statuses) -> str | None:
    statuses = list(statuses)
    if not statuses:
        return None
    return max(statuses, key=lambda s: STATUS_SEVERITY[s])
