"""Maintained task counts (ADR 0008): what the 工作台, the program overview and the unit league show, kept as rows.

A task contributes to a program's tallies (`contribution`); every write that changes a task's contribution
applies the difference in the same transaction (`task_state` before the write, `task_apply` after it — called
from the status pipeline in tasks.status and from the services), and bulk writers rebuild a whole program
(`program_rebuild`, called by the daily status job, which the importer and the demo loaders run too).
`luoshi tasks recount --check` compares every row with a count from the task rows.

Rows, per program (archived tasks count nowhere):
- total · "" · status — the program's tasks;
- lead · unit id · status — DISTINCT tasks with a lead assignment anywhere in the unit's subtree (a district
  counts a task once however many of its units lead it, so a rolled-up row needs no summing);
- any · unit id · status — the same over any assignment (lead or coop): what a unit's liaison reads;
- leader · person id · status — tasks the person is 责任领导 of;
- category · category · status — top-level tasks (no parent) of the category;
- league · unit id · figure — the unit's own assignments (not rolled up) for the league: `assignments`,
  `ack_on_time` (签收 within the program's ack_days), `lead`, `closed` (lead, 已办结), `closed_on_time`,
  `due` (lead, closed, red or past the deadline), `overdue` (lead, 红灯 and past the deadline). `due` and `overdue`
  depend on the day: they are counted as of the program's TallyDay, which the daily job moves to its day.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL

from luoshi.core import clock
from luoshi.core.tallies import counter_rows_apply, counter_rows_replace
from luoshi.programs.models import Program

from .models import AssignmentRole, DeadlineKind, Task, TaskAssignment, TaskStatus, TaskTally, TallyDay

ROW_KEYS = ("dimension", "key", "status")  # the fields that name a tally row (core.tallies)

TOTAL, LEAD, ANY, LEADER, CATEGORY, LEAGUE = "total", "lead", "any", "leader", "category", "league"
LEAGUE_FIGURES = ("assignments", "ack_on_time", "lead", "closed", "closed_on_time", "due", "overdue")

Key = tuple[str, str, str]  # (dimension, key, status or league figure)

_TASK_FIELDS = ("id", "program_id", "status", "is_archived", "parent_id", "category", "closed_on_time", "deadline",
                "extended_deadline", "deadline_kind")


@dataclass
class _Facts:
    task: dict
    assignments: list[tuple[str, str, bool]]  # unit_path, role, acknowledged within the program's ack_days
    leaders: list[int]


def _unit_ids(path: str) -> list[str]:
    """"/1/5/9/" → ["1", "5", "9"]: the unit and every unit above it."""
    return [p for p in path.split("/") if p]


def contribution(f: _Facts, *, day: dt.date, out: Counter | None = None) -> Counter:
    """The rows one task adds 1 to (a Counter of Key; added to `out` when given)."""
    t = f.task
    out = Counter() if out is None else out
    if t["is_archived"]:
        return out
    status = t["status"]
    out[(TOTAL, "", status)] += 1
    lead_units: set[str] = set()
    any_units: set[str] = set()
    deadline = t["extended_deadline"] or t["deadline"]
    past_deadline = t["deadline_kind"] == DeadlineKind.DATE and deadline is not None and deadline < day
    for path, role, ack_on_time in f.assignments:
        ids = _unit_ids(path)
        any_units.update(ids)
        own = ids[-1]
        out[(LEAGUE, own, "assignments")] += 1
        if ack_on_time:
            out[(LEAGUE, own, "ack_on_time")] += 1
        if role != AssignmentRole.LEAD:
            continue
        lead_units.update(ids)
        out[(LEAGUE, own, "lead")] += 1
        if status == TaskStatus.CLOSED:
            out[(LEAGUE, own, "closed")] += 1
        if status in (TaskStatus.CLOSED, TaskStatus.RED) or past_deadline:
            # 应计: a red task that is not yet past its deadline (未按期报送进展) counts against 按期办结率 too,
            # so a unit with a red task never shows 100%
            out[(LEAGUE, own, "due")] += 1
        if t["closed_on_time"]:
            out[(LEAGUE, own, "closed_on_time")] += 1
        if status == TaskStatus.RED and deadline is not None and deadline < day:
            out[(LEAGUE, own, "overdue")] += 1
    for u in lead_units:
        out[(LEAD, u, status)] += 1
    for u in any_units:
        out[(ANY, u, status)] += 1
    for p in set(f.leaders):
        out[(LEADER, str(p), status)] += 1
    if t["parent_id"] is None:
        out[(CATEGORY, t["category"], status)] += 1
    return out


def _facts(tasks: QuerySet[Task], *, ack_days: int) -> dict[int, _Facts]:
    facts = {t["id"]: _Facts(t, [], []) for t in tasks.order_by().values(*_TASK_FIELDS)}
    if not facts:
        return facts
    ids = tasks.order_by().values("pk") if len(facts) > 500 else list(facts)
    # 及时签收: (acknowledged_at - assigned_at).days < ack_days, i.e. signed within ack_days days; tested in SQL, which
    # spares reading two datetimes per assignment into Python (most of the time of a city-wide count on SQLite)
    on_time = ExpressionWrapper(Q(acknowledged_at__lt=F("assigned_at") + dt.timedelta(days=ack_days)),
                                output_field=BooleanField())
    for tid, path, role, ack in (TaskAssignment.objects.filter(task_id__in=ids).order_by()
                                 .annotate(on_time=on_time).values_list("task_id", "unit_path", "role", "on_time")):
        facts[tid].assignments.append((path, role, bool(ack)))
    for tid, pid in Task.leaders.through.objects.filter(task_id__in=ids).order_by().values_list("task_id", "person_id"):
        facts[tid].leaders.append(pid)
    return facts


def tally_day(program_id: int) -> dt.date:
    """The day the program's `due`/`overdue` figures are counted as of (set by the daily job); today if never set."""
    day = TallyDay.objects.filter(program_id=program_id).values_list("day", flat=True).first()
    return day or clock.today()


def counts_of(tasks: QuerySet[Task], *, day: dt.date, ack_days: int) -> Counter:
    """The tally rows of a set of tasks of one program, counted from the task rows (the rebuild and the check
    use it; the overview uses it for a reader who sees only part of a program)."""
    out: Counter = Counter()
    for f in _facts(tasks, ack_days=ack_days).values():
        contribution(f, day=day, out=out)
    return out


OVERVIEW_DIMENSIONS = frozenset({TOTAL, LEAD, LEADER, CATEGORY})


def overview_counts(tasks: QuerySet[Task]) -> Counter:
    """The rows of OVERVIEW_DIMENSIONS that `counts_of` gives for a set of tasks, read lean for the overview of a
    reader who sees only part of a program (a district's offices and leaders, a street's liaison on a city-wide
    program). The reader's visibility is evaluated once, for the tasks' own columns; their lead assignments and
    责任领导 are then read by id (indexed lookups: joined to the visibility query instead, PostgreSQL misjudged its
    size and read both tables whole). None of the league's date arithmetic, which done per assignment in SQLite was
    most of the time of counts_of."""
    rows = list(tasks.order_by().values_list("id", "status", "category", "parent_id"))
    out: Counter = Counter()
    if not rows:
        return out
    status_of = {tid: status for tid, status, _category, _parent in rows}
    # Counted by key with Counter (its counting loop is C) and spread over the rows' keys afterwards: per task, a dozen
    # Python increments were most of this function's own time (ADR 0051).
    for status, n in Counter(status_of.values()).items():
        out[(TOTAL, "", status)] = n
    for (category, status), n in Counter((c, s) for _tid, s, c, parent in rows if parent is None).items():
        out[(CATEGORY, category, status)] = n
    # not a list: Django would walk a list's elements to resolve them; and by the task's id, not the foreign key
    # (`task_id__in_ids`): Django checks every element given to a relation for a model instance (~0.25 ms a thousand)
    ids = status_of.keys()
    lead_path: dict[int, str] = {}  # the task's lead unit, for a task led by one (most)
    lead_paths: dict[int, set[str]] = {}  # the lead units of a task led by several
    for tid, path in (TaskAssignment.objects.filter(task__id__in_ids=ids, role=AssignmentRole.LEAD).order_by()
                      .values_list("task_id", "unit_path")):
        if tid in lead_path:
            lead_paths.setdefault(tid, {lead_path[tid]}).add(path)
        else:
            lead_path[tid] = path
    # a task counts once in every unit above its lead units: once per (path, status) for a task led by one unit,
    # its units' union for a task led by several
    for (path, status), n in Counter((path, status_of[tid]) for tid, path in lead_path.items()
                                     if tid not in lead_paths).items():
        for u in _unit_ids(path):
            out[(LEAD, u, status)] += n
    for tid, paths in lead_paths.items():
        for u in {u for path in paths for u in _unit_ids(path)}:
            out[(LEAD, u, status_of[tid])] += 1
    for (person_id, status), n in Counter(
            (person_id, status_of[tid]) for tid, person_id in Task.leaders.through.objects.filter(task__id__in_ids=ids)
            .order_by().values_list("task_id", "person_id")).items():
        out[(LEADER, str(person_id), status)] += n
    return out


# ---- deltas --------------------------------------------------------------------------------------------

@dataclass
class TaskState:
    program_id: int
    day: dt.date
    ack_days: int
    rows: Counter


def task_state(task: Task) -> TaskState:
    """The task's contribution now: take it before a write, pass it to task_apply after."""
    program = task.program
    day = tally_day(program.pk)
    facts = _facts(Task.objects.filter(pk=task.pk), ack_days=program.ack_days)
    rows = contribution(facts[task.pk], day=day) if task.pk in facts else Counter()
    return TaskState(program.pk, day, program.ack_days, rows)


def new_task_state(program: Program) -> TaskState:
    """The contribution of a task not yet written (task_create)."""
    return TaskState(program.pk, tally_day(program.pk), program.ack_days, Counter())


def task_apply(before: TaskState, task: Task) -> None:
    """Apply the difference between the task's contribution now and `before`, in the caller's transaction."""
    facts = _facts(Task.objects.filter(pk=task.pk), ack_days=before.ack_days)
    after = contribution(facts[task.pk], day=before.day) if task.pk in facts else Counter()
    delta = Counter(after)
    delta.subtract(before.rows)
    apply_delta(before.program_id, delta)


def apply_delta(program_id: int, delta: Counter) -> None:
    counter_rows_apply(model=TaskTally, day_model=TallyDay, keys=ROW_KEYS, program_id=program_id, delta=delta)


# ---- rebuild and check ---------------------------------------------------------------------------------

def _stored(program_id: int) -> dict[Key, int]:
    return {(d, k, s): n for d, k, s, n in TaskTally.objects.filter(program_id=program_id)
            .values_list("dimension", "key", "status", "n")}


def program_counts(program: Program, *, day: dt.date) -> Counter:
    return counts_of(Task.objects.filter(program=program), day=day, ack_days=program.ack_days)


def program_differences(program: Program) -> dict[Key, tuple[int, int]]:
    """{row: (stored, counted)} for every row that differs from a count of the task rows."""
    stored = _stored(program.pk)
    counted = program_counts(program, day=tally_day(program.pk))
    return {k: (stored.get(k, 0), counted.get(k, 0)) for k in set(stored) | set(counted)
            if stored.get(k, 0) != counted.get(k, 0)}


def program_rebuild(program: Program, *, day: dt.date | None = None) -> int:
    """Count the program's rows again from its tasks and store them; returns how many rows changed. For bulk
    writers: the daily job (which passes its day), the importer, the demo and bench loaders. `due`/`overdue` are
    counted as of `day`, by default the program's current TallyDay (today for a program never counted)."""
    day = day or tally_day(program.pk)
    TallyDay.objects.update_or_create(program_id=program.pk, defaults={"day": day})
    counted = program_counts(program, day=day)
    return counter_rows_replace(model=TaskTally, keys=ROW_KEYS, counted=counted, program_id=program.pk)


def programs_touching_units(path: str) -> list[Program]:
    """Programs with an assignment in the subtree at `path` (whose unit rows change when the subtree moves)."""
    ids = TaskAssignment.objects.filter(unit_path__within=[path]).values("task__program_id").distinct()
    return list(Program.objects.filter(pk__in=ids))


def rows_by_dimension(program_id: int, dimensions, keyed: tuple[str, Any] | None = None
                      ) -> dict[str, dict[str, dict[str, int]]]:
    """{dimension: {key: {status: n}}} of whole dimensions of a program, in one query (for the small ones);
    `keyed` = (dimension, keys): that dimension's rows of those keys besides, in the same query."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    fields = ("dimension", "key", "status", "n")
    rows = TaskTally.objects.filter(program_id=program_id, n__gt=0).order_by()
    read = rows.filter(dimension__in=dimensions).values_list(*fields)
    if keyed is not None:  # a union, not an OR: PostgreSQL filtered all the program's rows for the OR
        read = read.union(rows.filter(dimension=keyed[0], key__in=[str(k) for k in keyed[1]]).values_list(*fields),
                          all=True)
    for d, key, status, n in read:
        out[d][key][status] = n
    return out


def rows_by_key(program_id: int, dimension: str, keys=None) -> dict[str, dict[str, int]]:
    """{key: {status or figure: n}} of one dimension of a program, for the given keys (all when None)."""
    qs = TaskTally.objects.filter(program_id=program_id, dimension=dimension, n__gt=0)
    if keys is not None:
        qs = qs.filter(key__in=[str(k) for k in keys])
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for key, status, n in qs.values_list("key", "status", "n"):
        out[key][status] = n
    return out


def figure(program_id: int, dimension: str, key: str, status: str = "") -> RawSQL:
    """One row of a program's tallies as a scalar subquery, to read with another statement (a task list page's rows
    carry their total): `rows_by_key(program_id, dimension, [key])[key]` summed over its statuses, or that status's
    count; 0 without rows. Written out: built by the ORM, the subquery cost the page as much Python as the statement
    of its own it replaces (~0.4 ms on PostgreSQL; ADR 0054)."""
    q = connection.ops.quote_name
    sql = (f"SELECT COALESCE(SUM({q('n')}), 0) FROM {q(TaskTally._meta.db_table)} "
           f"WHERE {q('program_id')} = %s AND {q('dimension')} = %s AND {q('key')} = %s")
    params: list = [program_id, dimension, key]
    if status:
        sql += f" AND {q('status')} = %s"
        params.append(status)
    return RawSQL(sql, params, output_field=IntegerField())
