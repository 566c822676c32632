"""Reads of programs and tasks. Every function takes the acting user and filters by scope in the query."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from django.utils.translation import gettext
from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from luoshi.core import clock
from luoshi.core.compiled import CompiledRead, Ids
from luoshi.core.lookups import ids_condition
from luoshi.core.numerals import ordinal_key
from luoshi.org.lookups import Path, Paths, outermost, path_unit_id
from luoshi.org.models import Person, Role, Unit, UnitKind
from luoshi.org.scopes import Scope, scope_for
from luoshi.programs.models import Program, ReportingPeriod

from . import tallies
from .program_read import ProgramReach, program_reach_read, program_read
from .models import granted_tasks, program_owner_paths, task_visibility  # noqa: F401  (task_visibility: the Q behind Task.objects.visible_to)
from .models import (
    PROGRAM_READ_ROLES, AssignmentRole, ClosureRequest, ExtensionRequest, ProgressReport, RequestState, Task,
    TaskAssignment, TaskStatus, TaskTally, assignment_grant_paths, pairings_for, programs_managed_ids,
)
from .satisfaction import satisfaction_by_unit

def tasks_visible(user) -> QuerySet[Task]:
    return Task.objects.visible_to(scope_for(user)).filter(is_archived=False)


def program_list(*, user) -> QuerySet[Program]:
    return Program.objects.visible_to(scope_for(user)).filter(is_archived=False).select_related("owner_unit")


def program_get(*, user, code: str, related: tuple[str, ...] = ()) -> Program:
    """`program_list(user).get(code=code)`, decided cheaply: the program first, then, only when its owner unit
    is not in the user's read subtrees, whether they read one of its tasks. `related`: one-to-one relations the
    caller reads, fetched with the program (as select_related). One statement written once per process
    (`program_read`), which also reads the reader's ProgramReach when they do not read the program whole."""
    scope = scope_for(user)
    # the reach too, unless the reader reads a whole tree's programs (a role at its root: the city's office and
    # leaders read every program whole; a program of another tree asks for the reach on its own)
    program, reach = program_read(scope, code, related, reach=not (
        scope.is_admin or any(p.count("/") == 2 for p in scope.paths_for(*PROGRAM_READ_ROLES))))
    if program is not None and reach is not None and not program.wholly_visible_to(scope):
        scope.memo(f"tasks.program_reach.{program.pk}", lambda: reach)
    if program is None or not (program.wholly_visible_to(scope) or program_reach(scope, program).reads_tasks
                               or _reads_a_task_of(scope, program)):  # the tallies hold no archived task: ask the rows
        raise Http404("没有找到该专项工作，或您无权查看。")
    return program


def program_reach(scope: Scope, program: Program) -> ProgramReach:
    """The scope's ProgramReach in `program`, read once per scope (that is, per request: the task list asks it to
    decide the program, its rows and its total) in one statement — or with the program, by program_get."""
    return scope.memo(f"tasks.program_reach.{program.pk}", lambda: program_reach_read(scope, program))


def _reads_a_task_of(scope: Scope, program: Program) -> bool:
    """`Task.objects.visible_to(scope).filter(program=program).exists()` for a program not read whole: one
    short query per kind of grant, each stopping at its first row (the union would be read in full)."""
    return any(ids.filter(task__program=program).exists() for ids in granted_tasks(scope))


def programs_managed(*, user) -> QuerySet[Program]:
    """Programs (not archived) whose owner unit lies where the user is 督查室/办公室: where they may add tasks."""
    return Program.objects.manageable_by(scope_for(user)).filter(is_archived=False).select_related("owner_unit")


def program_can_manage(*, user, program: Program) -> bool:
    return program.manageable_by(scope_for(user))


@dataclass
class TaskFilters:
    program: Program | None = None
    status: str = ""
    unit: Unit | None = None
    leader: Person | None = None
    category: str = ""
    q: str = ""
    mine: bool = False
    lead_only: bool = False  # with `unit`: only tasks the unit's subtree leads (the overview's 按牵头单位 rows)
    own_unit: bool = False   # with `unit` and `lead_only`: the unit itself, not its sub-units (the league's rows)
    top_level: bool = False  # only tasks without a parent (the overview's 按类别 rows)


def program_fully_visible(scope: Scope, program: Program) -> bool:
    return program.wholly_visible_to(scope)


def program_tasks(*, user, program: Program, ids_first: bool = True) -> QuerySet[Task]:
    """The program's tasks the user may read. `ids_first=False`: for a reader who reaches them by assignment only, let
    PostgreSQL plan the subtree's task ids as a semi join (`__in`), as a list that filters by something else selective
    (a 责任领导, a status, a unit) wants; the rows are the same (ADR 0051)."""
    scope = scope_for(user)
    live = Task.objects.filter(is_archived=False, program=program)
    if program_fully_visible(scope, program):
        # same rows as tasks_visible(), without a per-row visibility subquery
        return live
    if scope.person_id is None:
        return tasks_visible(user).filter(program=program)
    reach = program_reach(scope, program)
    if reach.by_assignment_only:
        # The program's assignments in the subtrees, from their (program, unit_path, task) index: the few hundred
        # tasks the reader sees there, not the subtree's assignments in every program (a district: ~17,000) nor
        # every task of the program tested for one (ADR 0046).
        # `in_ids`: PostgreSQL reads those ids first, then the tasks by key (a semi join hashed them and read the
        # program's 10,000 tasks; ADR 0051).
        assigned = TaskAssignment.objects.filter(program=program, unit_path__within=reach.unit_paths).values("task_id")
        return live.filter(pk__in_ids=assigned) if ids_first else live.filter(pk__in=assigned)
    # the union of grants as in tasks_visible(), less its programs read whole (this one is not among them)
    first, *rest = [ids.values("task_id").order_by() for ids in granted_tasks(scope)]
    return live.filter(pk__in=first.union(*rest) if rest else first)


def task_list(*, user, filters: TaskFilters) -> QuerySet[Task]:
    return _task_list(user, filters).select_related("program")


def _task_list(user, filters: TaskFilters) -> QuerySet[Task]:
    """task_list without its program read along (the rows read plain values)."""
    # with a selective filter besides, PostgreSQL drives from the subtree's task ids hashed (ADR 0051)
    qs = (program_tasks(user=user, program=filters.program,
                        ids_first=not (filters.status or filters.unit or filters.leader))
          if filters.program else tasks_visible(user))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        assigned = (TaskAssignment.objects.filter(unit=filters.unit) if filters.own_unit
                    else TaskAssignment.objects.filter(unit_path__within=[filters.unit.path]))
        if filters.lead_only:
            assigned = assigned.filter(role=AssignmentRole.LEAD)
        qs = qs.filter(pk__in=assigned.values("task_id"))
    if filters.leader:
        qs = qs.filter(Exists(Task.leaders.through.objects.filter(task=OuterRef("pk"), person=filters.leader)))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.top_level:
        qs = qs.filter(parent=None)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(code=filters.q) | Q(lead_units_text__icontains=filters.q))
    if filters.mine:
        scope = scope_for(user)
        qs = qs.filter(pk__in=TaskAssignment.objects.filter(unit_path__within=scope.paths_for(Role.LIAISON))
                       .values("task_id"))
    return qs.order_by("program_id", "sort_order", "id")


# What a row of the task list page and of the REST task list shows: read as plain values, no model instances.
TASK_ROW_FIELDS = ("id", "code", "parent_id", "category", "title", "lead_units_text", "leaders_text", "deadline_phrase",
                   "extended_deadline", "progress", "status", "status_reason")


def task_list_rows(*, user, filters: TaskFilters, fields=TASK_ROW_FIELDS) -> QuerySet[Task, dict[str, Any]]:
    """`task_list` as dicts of `fields`, in the same order."""
    return _task_list(user, filters).values(*fields)


# the key of task_list_page_rows' rows that holds the list's total
LISTED_TOTAL = "listed_total"


def task_list_page_rows(*, user, filters: TaskFilters) -> tuple[QuerySet[Task, dict[str, Any]], int | None]:
    """task_list_rows and the list's total where the maintained tallies keep it (see task_list_total) without a
    statement of its own: the figure, when the reader's ProgramReach already holds it; else None, and when the
    tallies' row must be read, each row carries it (`LISTED_TOTAL`, read inside the rows' statement). Neither: the
    list must be counted."""
    rows = task_list_rows(user=user, filters=filters)
    tallied = _tallied_total(scope_for(user), filters)
    if tallied is None or isinstance(tallied, int):
        return rows, tallied
    assert filters.program is not None
    return rows.annotate(**{LISTED_TOTAL: tallies.figure(filters.program.pk, *tallied, filters.status)}), None


def task_list_total(*, user, filters: TaskFilters) -> int | None:
    """How many tasks `task_list` returns, read from the maintained tallies when they keep that figure: a program
    the user reads whole, filtered by status and at most one of a lead unit's subtree (`lead_only`), a 责任领导, or
    a top-level category (`top_level`) — the overview's links. None when the filter is another one: then count."""
    tallied = _tallied_total(scope_for(user), filters)
    if tallied is None or isinstance(tallied, int):
        return tallied
    assert filters.program is not None
    dimension, key = tallied
    row = tallies.rows_by_key(filters.program.pk, dimension, [key]).get(key, {})
    return row.get(filters.status, 0) if filters.status else sum(row.values())


def _tallied_total(scope: Scope, filters: TaskFilters) -> int | tuple[str, str] | None:
    """Where the maintained tallies keep task_list's total: the (dimension, key) of the program's tally row to read
    (summed over its statuses, or its `filters.status` count), the figure itself when the scope's ProgramReach already
    holds it, or None (count the list)."""
    program = filters.program
    if program is None or filters.q or filters.mine or filters.own_unit:
        return None
    if not program_fully_visible(scope, program):
        return _subtree_total(scope, filters)
    if filters.unit and filters.lead_only and not (filters.leader or filters.category or filters.top_level):
        return tallies.LEAD, str(filters.unit.pk)
    if filters.leader and not (filters.unit or filters.category or filters.top_level):
        return tallies.LEADER, str(filters.leader.pk)
    if filters.category and filters.top_level and not (filters.unit or filters.leader):
        return tallies.CATEGORY, filters.category
    if not (filters.unit or filters.leader or filters.category or filters.top_level):
        return tallies.TOTAL, ""
    return None


def _subtree_total(scope: Scope, filters: TaskFilters) -> int | None:
    """task_list_total for a program read task by task (a liaison's, a district's in a city program): the tasks it
    reads there are those assigned in one unit subtree — the maintained `any` row of that unit — unless a grant one by
    one (任务包联, 责任领导 of a task there) or a second subtree adds others; then None (count). A COUNT over the
    visible tasks was the dearest query of a liaison's list (~1 ms SQLite, 3–10 ms of PostgreSQL CPU at city scale),
    and of a district leader's page of a city program (~8 ms SQLite)."""
    program = filters.program
    assert program is not None
    reach = program_reach(scope, program)
    if (len(reach.unit_paths) != 1 or not reach.by_assignment_only
            or filters.unit or filters.leader or filters.category or filters.top_level):
        return None
    row = reach.assigned.get(path_unit_id(reach.unit_paths[0]), {})
    return row.get(filters.status, 0) if filters.status else sum(row.values())


def task_get(*, user, pk: int) -> Task:
    task = tasks_visible(user).select_related("program__owner_unit", "parent").filter(pk=pk).first()
    if task is None:
        raise Http404("没有找到该任务，或您无权查看。")
    return task


def task_detail(*, user, task: Task) -> dict:
    """Everything the task page shows, in a fixed number of queries."""
    from luoshi.core.journal import journal_for
    from luoshi.core.journal_text import journal_rows

    reports = list(task.reports.select_related("unit", "author", "period").prefetch_related("attachments"))
    return {
        "assignments": list(task.assignments.select_related("unit", "acknowledged_by")),
        "leaders": list(task.leaders.all()),
        "milestones": [{"id": m.pk, "title": m.title, "due": m.due, "state": m.state_on(clock.today()),
                        "done_on": m.done_on or (clock.localtime(m.done_at).date() if m.done_at else None),
                        "evidence": m.evidence, "done_by": m.done_by.display_name if m.done_by else ""}
                       for m in task.milestones.select_related("done_by").order_by("due", "sort_order")],
        "children": list(task.children.filter(is_archived=False).order_by("sort_order")),
        "reports": reports,
        "extensions": list(task.extension_requests.select_related("requested_by", "decided_by")),
        "closures": list(task.closure_requests.select_related("requested_by", "decided_by").prefetch_related("attachments")),
        "journal": journal_rows(journal_for(task)[:100]),
        "tags": list(task.tags.all()),
    }


def reports_visible(*, user) -> QuerySet[ProgressReport]:
    """Progress reports of the tasks the user may read (ProgressReport.objects.visible_to)."""
    return ProgressReport.objects.visible_to(scope_for(user))


def units_user_acts_for(*, user, task: Task) -> list[TaskAssignment]:
    """The task's assignments whose unit the user is liaison for (the units they may act for)."""
    scope = scope_for(user)
    return [a for a in task.assignments.select_related("unit") if scope.covers(a.unit_path, Role.LIAISON)]


def status_counts(qs: QuerySet[Task]) -> dict[str, int]:
    counts = {s: 0 for s in TaskStatus.values}
    for row in qs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in TaskStatus.values)
    return counts


STATUSES = tuple(TaskStatus.values)  # read once: `TaskStatus.values` builds its list anew at each use (~10 calls)


def _status_row(counts: dict[str, int]) -> dict[str, int]:
    row = {s: counts.get(s, 0) for s in STATUSES}
    row["total"] = sum(row.values())
    return row


# the tally rows' dimension of the rows that name a program the one-by-one grants reach (_Reach.reached)
REACHED = "#reached"
TALLY_FIELDS = ("program_id", "dimension", "status", "n")
TASK_VALUES = ("id", "code", "title", "status", "status_reason", "lead_units_text", "deadline", "progress")
ASSIGNMENT_VALUES = ("task_id", "role", "task__code", "task__title", "task__status", "task__status_reason",
                     "task__deadline_phrase", "task__progress", "unit__name")
ROLE_LABELS = dict(AssignmentRole.choices)
REQUEST_VALUES = ("task_id", "task__code", "task__title", "unit__name", "requested_at")


# ---- the 工作台's statements, their SQL written once per process (core.compiled, ADR 0064) -------------------------
# A statement of the 工作台 is one part or a UNION ALL of parts (on SQLite the lists are read one part a statement,
# ADR 0053). A part is a key naming its query — `_PARTS[kind] = (model, argument kinds, build)`, the key's other
# items fixed values such as a status — and the values it compares (`_Part.args`). Which parts a user's page has is
# its shape; each shape is one CompiledRead, made on first use and named from the shape (`_compiled`). The shapes
# are bounded by the parts: the tallies' statement is a subset of (total, any, one of three 包联 forms, leader) in
# that order, or one of two sums (≤ 2·2·4·2 + 2 = 34 shapes; 5 in use on the bench city), the red/yellow/led lists a
# subset of (whole, assigned) per status and at most one led part, or an administrator's (all, all) (≤ 2⁴·3 + 3, and 2
# for the led tasks' second part alone: 53 per LIMIT; the page's is 20), the pending requests 2, the liaison's read 1.
# Parts that are not compiled (the tasks granted one by one, or two disjoint subtrees) are read through the ORM as
# before (`_Part.qs`), and so is a statement with one of them.

def _open_with_status(status: str) -> QuerySet:
    return Task.objects.filter(is_archived=False, status=status).order_by("deadline", "id")


def _in_programs(ids) -> Q:
    """The task's program is one of `ids`, in a red/yellow list's part. PostgreSQL: one parameter (an array; the
    custom plan is the one of `IN (…)`, which it turns into the same `= ANY`). SQLite: the literal list, as before —
    given `IN (SELECT value FROM json_each(?))` its planner walks the (status, deadline) index through every program
    instead of probing (program, status, deadline) per program and sorting the few (a district's red tasks under its
    subtree: 0.18 → 1.2 ms). There these parts are not compiled reads (_rows_of_parts, `_SQLITE_ORM`)."""
    return Q(program_id__in_ids=ids) if connection.vendor == "postgresql" else Q(program_id__in=ids)


def _assigned_under(path: str) -> Exists:
    return Exists(TaskAssignment.objects.filter(unit_path__within=[path], task=OuterRef("pk")))


def _led_tasks(dated: bool, person_id: int) -> QuerySet:
    open_tasks = Task.objects.filter(is_archived=False).exclude(status=TaskStatus.CLOSED)
    if dated:
        return open_tasks.filter(Exists(Task.leaders.through.objects.filter(task_id=OuterRef("pk"),
                                                                            person_id=person_id)),
                                 deadline__isnull=False).order_by("deadline", "id")
    return open_tasks.filter(deadline=None, pk__in=Task.leaders.through.objects.filter(person_id=person_id)
                             .values("task_id")).order_by("id")


def _pending(model, programs=None) -> QuerySet:
    """The pending requests of `model` (of the tasks of `programs`; None: all), newest first, ties by id."""
    qs = model.objects.all() if programs is None else model.objects.filter(task__program_id__in_ids=programs)
    qs = qs.filter(state=RequestState.PENDING).order_by("-requested_at", "-id")
    if model is ClosureRequest:  # a closure asks for no date (the parts of a UNION have the same columns)
        qs = qs.annotate(new_deadline=Value(None, output_field=DateField()))
    return qs.values("id", *REQUEST_VALUES, "new_deadline")


def _reached_by_pairings(person_id: int, paths, others) -> QuerySet:
    # a 包联's programs from its few tasks (`id IN (…)`: joined, SQLite read the tasks first)
    return (Task.objects.filter(pk__in=paths.values("task_id"), program_id__in_ids=others).order_by()
            .values_list("program_id", Value(REACHED), Value(""), Value(0)))


def _tallies_of(dimension: str, others, key: str | None = None) -> QuerySet:
    qs = TaskTally.objects.filter(dimension=dimension)
    return (qs if key is None else qs.filter(key=key)).filter(program_id__in_ids=others).values_list(*TALLY_FIELDS)


_TASK_PART = (Task, TASK_VALUES)
_PARTS: dict[str, tuple[type, tuple, Any]] = {
    # the red and yellow lists (_visible_with_status) and the led tasks (_led_open_tasks): `.values(*TASK_VALUES)`
    "all": (Task, (), lambda status: _open_with_status(status).values(*TASK_VALUES)),
    "whole": (Task, (Ids(),), lambda status, ids: _open_with_status(status).filter(_in_programs(ids))
              .values(*TASK_VALUES)),
    "assigned": (Task, (Path(), Ids()), lambda status, path, ids: _open_with_status(status)
                 .filter(_assigned_under(path), _in_programs(ids)).values(*TASK_VALUES)),
    "led_dated": (Task, (int,), lambda person_id: _led_tasks(True, person_id).values(*TASK_VALUES)),
    "led_undated": (Task, (int,), lambda person_id: _led_tasks(False, person_id).values(*TASK_VALUES)),
    # the pending 延期 and 办结 requests (_pending_requests)
    "extensions_all": (ExtensionRequest, (), lambda: _pending(ExtensionRequest)),
    "extensions": (ExtensionRequest, (Ids(),), lambda ids: _pending(ExtensionRequest, ids)),
    "closures_all": (ClosureRequest, (), lambda: _pending(ClosureRequest)),
    "closures": (ClosureRequest, (Ids(),), lambda ids: _pending(ClosureRequest, ids)),
    # the tally rows (workbench_counts) and the programs the one-by-one grants reach (_Reach.reached), shaped alike
    "total": (TaskTally, (Ids(),), lambda ids: _tallies_of(tallies.TOTAL, ids)),
    "any": (TaskTally, (str, Ids()), lambda key, ids: _tallies_of(tallies.ANY, ids, key)),
    "reached_pairing_path": (Task, (int, Path(), Ids()), lambda person_id, path, others: _reached_by_pairings(
        person_id, pairings_for(person_id, [path]), others)),
    "reached_pairing_paths": (Task, (int, Paths(), Ids()), lambda person_id, paths, others: _reached_by_pairings(
        person_id, pairings_for(person_id, paths, one_parameter=True), others)),
    "reached_pairing_person": (Task, (int, Ids()), lambda person_id, others: _reached_by_pairings(
        person_id, pairings_for(person_id, []), others)),
    # a 责任领导's from the maintained tallies (a district leader leads ~2,700 tasks, mostly in programs read whole:
    # testing each of them for "outside my subtree" was 15–26 ms)
    "reached_leader": (TaskTally, (str, Ids()), lambda key, others: TaskTally.objects.filter(
        dimension=tallies.LEADER, key=key, n__gt=0, program_id__in_ids=others).order_by()
        .values_list("program_id", Value(REACHED), Value(""), Value(0))),
    # the counts of a scope that reads every program whole, and of an administrator
    "sum_total": (TaskTally, (Ids(),), lambda ids: _summed(TaskTally.objects.filter(dimension=tallies.TOTAL,
                                                                                      program_id__in_ids=ids))),
    "sum_total_all": (TaskTally, (), lambda: _summed(TaskTally.objects.filter(dimension=tallies.TOTAL))),
    # a street liaison's open assignments in the programs the tallies name (_liaison_lists)
    "liaison_open": (TaskAssignment, (Path(), Ids()), lambda path, ids: _liaison_open([path])
                     .filter(program_id__in_ids=ids).order_by()
                     .values(*ASSIGNMENT_VALUES, "id", "acknowledged_at", "task__deadline")),
}
# Parts whose generic plan PostgreSQL gets wrong: a statement with one of them is not prepared (it is planned on every
# run, as before; its SQL is still written once). `assigned` and `liaison_open` test `unit_path LIKE $n`, which a
# generic plan can neither turn into an index range nor estimate: for the subtree's red/yellow tasks it planned a
# parallel bitmap scan and sort of every such task of the programs (8.5–20 ms instead of ~1.2), for a liaison's open
# assignments 17–26 ms instead of 1.5–2. The led tasks depend on how many tasks the person leads: the generic plan walks
# the open tasks' deadline index probing the leader for each, right for a district leader, but for someone who leads
# none (the administrator) it read all open tasks (142 ms instead of 0.06). Bench city, every account; ADR 0064.
_UNPREPARED = frozenset({"assigned", "liaison_open", "led_dated", "led_undated"})
# Parts SQLite reads through the ORM, as before (their list of programs is written out: _in_programs)
_SQLITE_ORM = frozenset({"whole", "assigned"})


@dataclass(frozen=True)
class _Part:
    """One part of a 工作台 statement: `key` (kind, fixed values…) names its query in _PARTS, `args` the values it
    compares; a part that is not compiled carries its queryset (`qs`, `.values()` or `.values_list()` as its kind's)."""
    key: tuple
    args: tuple = ()
    qs: QuerySet | None = None

    def queryset(self) -> QuerySet:
        if self.qs is not None:
            return self.qs
        return _PARTS[self.key[0]][2](*self.key[1:], *self.args)


def _compiled(prefix: str, keys: tuple[tuple, ...], limit: int | None, tags: tuple[str, ...] | None) -> CompiledRead:
    """The compiled read of the parts `keys` (UNION ALL of them; one part: itself), each cut at its first `limit` rows
    (its own ORDER BY … LIMIT) and tagged with its list's name (`workbench_part`) when `tags` are given; with no limit
    the statement is unordered. One per shape, made on first use."""
    def build(*args):
        qss, at = [], 0
        for key, tag in zip(keys, tags or [None] * len(keys)):
            take = len(_PARTS[key[0]][1])
            qs = _Part(key, args[at:at + take]).queryset()
            at += take
            if tag is not None:
                qs = qs.annotate(workbench_part=Value(tag))
            qss.append(qs[:limit] if limit is not None else qs)
        head, *tail = qss
        qs = head.union(*tail, all=True) if tail else head
        return qs if limit is not None else qs.order_by()
    kinds = [kind for key in keys for kind in _PARTS[key[0]][1]]
    return CompiledRead.shaped(prefix, (keys, limit, tags), _PARTS[keys[0][0]][0], build, kinds,
                               prepare=not any(key[0] in _UNPREPARED for key in keys))


def _summed(qs: QuerySet) -> QuerySet:
    return qs.order_by().values_list("status").annotate(n=Sum("n")).values_list("status", "n")


def _tally_rows(parts: Sequence[_Part]) -> list[tuple]:
    """The rows (program id, dimension, status, n) of the tally parts, as one statement (none without parts)."""
    if not parts:
        return []
    return _compiled("luoshi_wb_tallies", tuple(p.key for p in parts), None, None).rows(
        *[a for p in parts for a in p.args])


@dataclass
class _Reach:
    """What a scope reads, split the way the tallies are kept: programs read whole, and the tasks of other programs
    granted by assignment (under `unit_paths`) or one by one (包联, 责任领导) — as task_visibility grants them."""
    whole: list[int]
    others: list[int]  # every other program
    unit_paths: list[str]
    scope: Scope | None = None  # whose one-by-one grants these are (`one_by_one`, built when first asked)
    # the parts that read which other programs `one_by_one` can hold a task in, as rows shaped like the tallies'
    # (program id, REACHED, "", 0); workbench_counts reads them with the tallies, as one statement
    reached: list[_Part] | None = None
    # per other program, the statuses of tasks assigned under the one unit path (from the tallies)
    assigned_statuses: dict[int, set[str]] | None = None
    _reached_programs: list[int] | None = None
    _one_by_one: QuerySet | None = None

    @property
    def one_by_one(self) -> QuerySet | None:
        """The task ids granted one by one (包联, 责任领导), as one set: the grants of task_visibility other than by
        assignment. Built when first asked (most pages do not read them)."""
        if self._one_by_one is None and self.others and self.scope is not None:
            sets = [ids for ids in granted_tasks(self.scope) if ids.model is not TaskAssignment]
            first, *rest = [ids.values("task_id").order_by() for ids in sets]
            self._one_by_one = first.union(*rest) if rest else first
        return self._one_by_one

    @property
    def one_by_one_programs(self) -> list[int]:
        """The other programs where `one_by_one` can hold a task (a 包联 task's program; where the 责任领导 leads tasks,
        from the tallies): the reads of those tasks are restricted to them, and skipped when there is none. Read when
        first asked, unless workbench_counts has read them with the tallies."""
        if self._reached_programs is None:
            self._reached_programs = sorted({row[0] for row in _tally_rows(self.reached or [])})
        return self._reached_programs

    def granted(self) -> QuerySet | None:
        """Task ids granted outside the whole programs' rule (assignment or one by one), as one set."""
        sets = ([self.one_by_one] if self.one_by_one is not None else []) + (
            [TaskAssignment.objects.filter(unit_path__within=self.unit_paths).values("task_id").order_by()]
            if self.unit_paths else [])
        if not sets:
            return None
        first, *rest = sets
        return first.union(*rest) if rest else first


def _reach(scope: Scope) -> _Reach:
    whole: list[int] = []
    others: list[int] = []
    for pk, path in program_owner_paths(scope):
        (whole if scope.covers(path, *PROGRAM_READ_ROLES) else others).append(pk)  # as Program.wholly_visible_to
    if not others:  # every program is read whole (a city office): no grant matters, and none is built
        return _Reach(whole=whole, others=others, unit_paths=[])
    # Which other programs the grants other than by assignment reach (task_visibility: 包联 of a task, the tasks a
    # 责任领导 leads), in one statement (not read here): the 包联 by the person or the units of their roles.
    in_others = set(others)
    paths = outermost(scope.all_paths)
    reached = [_Part(("reached_pairing_path",), (scope.person_id, paths[0], in_others)) if len(paths) == 1 else
               _Part(("reached_pairing_paths",), (scope.person_id, paths, in_others)) if paths else
               _Part(("reached_pairing_person",), (scope.person_id, in_others))]
    if scope.paths_for(Role.LEADER):  # granted_tasks: the tasks the person leads (Task.leaders)
        reached.append(_Part(("reached_leader",), (str(scope.person_id), in_others)))
    return _Reach(whole=whole, others=others, unit_paths=assignment_grant_paths(scope), scope=scope, reached=reached)


def workbench_counts(scope: Scope, reach: _Reach | None = None) -> dict[str, int]:
    """The 红黄绿 counts of every task the scope reads (tasks_visible), from the maintained tallies: the totals of
    the programs read whole, the any-assignment row of the scope's unit in the other programs, and a real count
    only of the few tasks granted one by one (包联, 责任领导) that those rows do not hold. With several disjoint
    unit subtrees a sum could count a task assigned in two of them twice: that case is counted from the tasks."""
    counts: Counter = Counter()
    if scope.is_admin:
        counts.update(dict(_compiled("luoshi_wb_tallies", (("sum_total_all",),), None, None).rows()))
        return _status_row(counts)
    if scope.person_id is None:
        return _status_row(counts)
    reach = reach or _reach(scope)
    if not reach.others:  # every program read whole: their totals are the counts
        if reach.whole:
            counts.update(dict(_compiled("luoshi_wb_tallies", (("sum_total",),), None, None).rows(set(reach.whole))))
        return _status_row(counts)
    # indexed reads as one statement (an OR of the two would read the whole table)
    parts = [_Part(("total",), (set(reach.whole),))] if reach.whole else []
    assigned_statuses: defaultdict[int, set[str]] = defaultdict(set)
    one_unit_path = len(reach.unit_paths) == 1
    if one_unit_path:
        parts.append(_Part(("any",), (path_unit_id(reach.unit_paths[0]), set(reach.others))))
        # and the programs the one-by-one grants reach, needed below: one statement fewer (PostgreSQL: a round trip,
        # a planning and the cursor's Python, ADR 0053)
        if reach.reached is not None and reach._reached_programs is None:
            parts += reach.reached
            reach._reached_programs = []
        reach.assigned_statuses = assigned_statuses
    reached: set[int] = set()
    for program_id, dimension, status, n in _tally_rows(parts):
        if dimension == REACHED:
            reached.add(program_id)
            continue
        counts[status] += n
        if dimension == tallies.ANY and n:  # only read with one unit path, as assigned_statuses is given
            assigned_statuses[program_id].add(status)
    if reached:
        reach._reached_programs = sorted(reached)
    others: QuerySet | None = None
    if one_unit_path:
        if reach.one_by_one_programs:
            assigned = TaskAssignment.objects.filter(unit_path__within=reach.unit_paths, task=OuterRef("pk"))
            others = (Task.objects.filter(is_archived=False, program_id__in=reach.others)
                      .filter(pk__in=reach.one_by_one, program_id__in=reach.one_by_one_programs)
                      .exclude(Exists(assigned)))
    else:
        others = Task.objects.filter(is_archived=False, program_id__in=reach.others).filter(pk__in=reach.granted())
    if others is not None:
        counts.update(dict(others.order_by().values_list("status").annotate(n=Count("id"))))
    return _status_row(counts)


def _rows_of_parts(parts: Sequence[tuple[str, _Part]], limit: int) -> list[tuple[str, dict]]:
    """(name, row) of the first `limit` rows of several named parts (`.values()`, each ordered). PostgreSQL reads them
    as ONE statement, UNION ALL of the parts (each with its own ORDER BY … LIMIT, planned as it would be alone, its rows
    tagged with its name): there every statement costs a round trip, planning and the cursor's Python (ADR 0053).
    SQLite takes no LIMIT in a part of a compound statement, and the same parts read ids first (`id IN (SELECT id …
    LIMIT n)`) cost the 工作台 2–5 ms more CPU on the bench city; a statement there costs no round trip: one per part,
    as they were. The statements are compiled reads (ADR 0064) unless a part is not compiled."""
    if not parts:
        return []
    union = connection.features.supports_slicing_ordering_in_compound
    if any(p.qs is not None for _name, p in parts):  # a part the ORM builds: all as before ADR 0064
        if not union:
            return [(name, row) for name, p in parts for row in p.queryset()[:limit]]
        head, *tail = [p.queryset().annotate(workbench_part=Value(name))[:limit] for name, p in parts]
        return [(row.pop("workbench_part"), row) for row in (head.union(*tail, all=True) if tail else head)]
    if not union:
        return [(name, row) for name, p in parts
                for row in (p.queryset()[:limit] if p.key[0] in _SQLITE_ORM
                            else _compiled("luoshi_wb_part", (p.key,), limit, None).dicts(*p.args))]
    read = _compiled("luoshi_wb_lists", tuple(p.key for _name, p in parts), limit, tuple(name for name, _p in parts))
    return [(row.pop("workbench_part"), row) for row in read.dicts(*[a for _name, p in parts for a in p.args])]


def _first_by_deadline(lists: Mapping[str, Sequence[_Part]], limit: int) -> dict[str, list[dict]]:
    """The first `limit` tasks by (deadline, id) of each named list, a list being several ordered parts each read
    through its own index (red and yellow tasks: programs read whole, programs reached by assignment, tasks granted
    one by one; a leader's tasks with a deadline or without). Each part's first `limit` rows by its own ORDER BY …
    LIMIT, tagged with the list's name, read by _rows_of_parts (on PostgreSQL one statement for all: the district
    office's four parts were four statements, ADR 0053); merged and cut here. NULL deadlines sort as the database sorts
    them (first on SQLite, last on PostgreSQL), as a single ORDER BY deadline would."""
    parts = [(name, p) for name, list_parts in lists.items() for p in list_parts]
    found: dict[str, dict[int, dict]] = {name: {} for name in lists}
    for name, row in _rows_of_parts(parts, limit):
        found[name][row["id"]] = row  # a task in two parts of a list is listed once
    position = _deadline_position()
    return {name: sorted(rows.values(), key=lambda t: (*position(t["deadline"]), t["id"]))[:limit]
            for name, rows in found.items()}


def _nulls_sort_first() -> bool:
    """Whether the database sorts NULL before every value in an ascending order (SQLite) or after (PostgreSQL)."""
    return not connection.features.nulls_order_largest


def _deadline_position():
    """A deadline's sort key in Python as the database orders `deadline` ascending, NULL included."""
    nulls_first = _nulls_sort_first()
    return lambda deadline: ((deadline is not None) if nulls_first else (deadline is None), deadline or dt.date.min)


def _visible_with_status(scope: Scope, reach: _Reach | None, status: str) -> list[_Part]:
    """The parts of tasks_visible(user).filter(status=…).order_by("deadline", "id"), each ordered so: the whole
    programs' tasks and the granted ones separately (the OR of both rules cannot use an index: ~100 ms at city scale),
    to be read by _first_by_deadline."""
    if scope.is_admin:
        return [_Part(("all", status))]
    if reach is None:
        raise ValueError("_visible_with_status: a scope that is not an administrator's needs its reach (_reach)")
    parts = [_Part(("whole", status), (set(reach.whole),))] if reach.whole else []
    if reach.others:
        if reach.assigned_statuses is not None:
            # the tallies say in which other programs the unit's subtree has tasks of this status: read those
            # programs' tasks of the status, each tested for an assignment in the subtree. SQLite reads them from
            # the (program, status, deadline) index of tasks not archived, not from the table (a district: ~2.8 →
            # ~0.4 ms, ADR 0036); PostgreSQL walks the open tasks' deadline index and stops at the 20th. (One query
            # for both parts, an OR, made PostgreSQL hash the subtree's 17,000 assignments per status: 4–12 ms.)
            programs = {p for p, statuses in reach.assigned_statuses.items() if status in statuses}
            if programs:  # (assigned_statuses is given with one unit path only)
                parts.append(_Part(("assigned", status), (reach.unit_paths[0], programs)))
            # and the few tasks granted one by one (包联, 责任领导), by id. One query for both, an OR, was read
            # along the (status, deadline) index testing every task: 30–60 ms for a district (ADR 0021).
            if reach.one_by_one_programs:
                parts.append(_Part(("one_by_one", status), qs=_open_with_status(status).filter(
                    pk__in=reach.one_by_one, program_id__in=reach.one_by_one_programs).values(*TASK_VALUES)))
        elif reach.granted() is not None:
            parts.append(_Part(("granted", status), qs=_open_with_status(status).filter(
                pk__in=reach.granted(), program_id__in=reach.others).values(*TASK_VALUES)))
    return parts


def _led_open_tasks(person_id: int) -> tuple[_Part, _Part]:
    """`Task.objects.filter(leaders=person, is_archived=False).exclude(status=closed).order_by("deadline", "id")` in
    the two parts the order has, first the one the database sorts first: the tasks with a deadline, walked along the
    open tasks' deadline index, each tested for the leader, and those without one, by id from the leader's own (NULL
    sorts first on SQLite, last on PostgreSQL). One walk for both tested, on SQLite, every open task without a deadline
    of the programs created before the leader's first (a leader of district 9 or 10: ~15,000 tests, 14 ms; ADR 0046)."""
    dated, undated = _Part(("led_dated",), (person_id,)), _Part(("led_undated",), (person_id,))
    return (undated, dated) if _nulls_sort_first() else (dated, undated)


def _task_lists(lists: Mapping[str, Sequence[_Part]], leader_id: int | None, limit: int) -> dict[str, list[dict]]:
    """_first_by_deadline of `lists` and, given a leader, the first `limit` open tasks they lead as "led_tasks", read
    with the other lists. A leader reads every task they lead (task_visibility), so these need no visibility filter;
    with one, PostgreSQL tested all 100,000 tasks for visibility before joining the leader's few. The part the database
    sorts first is read with the other lists, the second only when the first has fewer than `limit` rows: on
    PostgreSQL (NULL last) rarely, on SQLite (NULL first: the tasks without a deadline, few) mostly."""
    lists = dict(lists)
    if leader_id is not None:
        led_first, led_then = _led_open_tasks(leader_id)
        lists["led_tasks"] = [led_first]
    found = _first_by_deadline(lists, limit)
    if leader_id is not None and len(found["led_tasks"]) < limit:
        # its first `limit` (one statement text whatever is missing), cut here
        found["led_tasks"] += [row for _name, row in _rows_of_parts([("led_tasks", led_then)], limit)][
            :limit - len(found["led_tasks"])]
    return found



# Up to this many open tasks the liaison's four lists are cut from one read of the subtree's open assignments (a street
# liaison of the bench city: ~440); past it each list is its own query, stopping at its 20th row.
LIAISON_LISTS_READ_WHOLE = 600


def _liaison_open(paths) -> QuerySet:
    """The assignments of open tasks under the liaison's `paths`."""
    return (TaskAssignment.objects.filter(unit_path__within=paths, task__is_archived=False)
            .exclude(task__status=TaskStatus.CLOSED))


def _liaison_lists(path: str, programs: set[int], limit: int = 20) -> dict[str, list[dict]]:
    """The liaison's 待签收, 红灯, 黄灯 and 全部 lists (each the first `limit` of the open assignments under `path` so
    filtered, ordered by the task's deadline, the task and the assignment, as the database sorts NULL), cut in Python
    from one read of the open assignments in `programs`: one statement instead of four (SQLite ~4 → ~1.5 ms;
    PostgreSQL planned each of the four joins for ~0.8 ms, ADR 0046); a compiled read (ADR 0064)."""
    if not programs:
        return {"to_acknowledge": [], "my_red": [], "my_due_soon": [], "my_tasks": []}
    found = _compiled("luoshi_wb_liaison", (("liaison_open",),), None, None).dicts(path, programs)
    position = _deadline_position()
    found.sort(key=lambda a: (*position(a["task__deadline"]), a["task_id"], a["id"]))

    def first(test) -> list[dict]:
        out: list[dict] = []
        for a in found:
            if test(a):
                out.append({**{k: a[k] for k in ASSIGNMENT_VALUES}, "role_label": ROLE_LABELS.get(a["role"], a["role"])})
                if len(out) == limit:
                    break
        return out
    return {"to_acknowledge": first(lambda a: a["acknowledged_at"] is None),
            "my_red": first(lambda a: a["task__status"] == TaskStatus.RED),
            "my_due_soon": first(lambda a: a["task__status"] == TaskStatus.YELLOW),
            "my_tasks": first(lambda a: True)}


def _liaison_programs(reach: _Reach | None, liaison_paths: Sequence[str]) -> dict[int, set[str]] | None:
    """{program id: statuses its tasks assigned in the subtree have} from the tallies read for the counts, when they
    describe exactly the liaison's subtree (one unit path, no program read whole); None when they do not."""
    if (reach is None or reach.assigned_statuses is None or reach.whole
            or reach.unit_paths != list(outermost(liaison_paths))):
        return None
    return reach.assigned_statuses


def _pending_requests(scope: Scope, limit: int) -> dict[str, list[dict]]:
    """The first `limit` pending 延期 and 办结 requests the office decides, newest first (requests made in the same
    second in the order they were made): each kind's first `limit` by its own ORDER BY … LIMIT, read by _rows_of_parts
    (on PostgreSQL one statement for both, ADR 0053), sorted again here."""
    parts: list[tuple[str, _Part]] = []
    if scope.is_admin:  # manageable_by: every request
        parts = [("pending_extensions", _Part(("extensions_all",))), ("pending_closures", _Part(("closures_all",)))]
    elif managed := set(programs_managed_ids(scope)):  # (of no program: none, without asking)
        parts = [("pending_extensions", _Part(("extensions",), (managed,))),
                 ("pending_closures", _Part(("closures",), (managed,)))]
    found: dict[str, list[dict]] = {"pending_extensions": [], "pending_closures": []}
    for name, row in _rows_of_parts(parts, limit):
        found[name].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: (r["requested_at"], r["id"]), reverse=True)
    return found


def workbench(*, user) -> dict:
    """What the 工作台 shows, as plain values: counts (maintained tallies), and short lists (dicts)."""
    scope = scope_for(user)
    today = clock.today()
    liaison_paths = scope.paths_for(Role.LIAISON)
    reach = None if scope.is_admin or scope.person_id is None else _reach(scope)
    data: dict = {"scope": scope, "counts": workbench_counts(scope, reach)}
    if liaison_paths:
        open_statuses = set(TaskStatus.values) - {TaskStatus.CLOSED}
        in_programs = _liaison_programs(reach, liaison_paths)

        def rows(qs, statuses=open_statuses):
            # Ordered by deadline, then task and assignment: the same rows in the same order on every request and
            # database (ties on a deadline are common). Where the tallies say which programs hold the subtree's tasks
            # of these statuses, only those are read: PostgreSQL otherwise walked all of a district's assignments
            # (7–11 ms for a liaison's 全部, ADR 0036).
            if in_programs is not None:
                programs = [p for p, held in in_programs.items() if held & statuses]
                if not programs:
                    return []
                qs = qs.filter(program_id__in=programs)  # the assignment's copy: its (program, unit_path) index
            return [{**a, "role_label": ROLE_LABELS.get(a["role"], a["role"])}
                    for a in qs.order_by("task__deadline", "task_id", "id").values(*ASSIGNMENT_VALUES)[:20]]
        open_tasks = data["counts"]["total"] - data["counts"][TaskStatus.CLOSED]  # at least the subtree's
        if in_programs is not None and open_tasks <= LIAISON_LISTS_READ_WHOLE:
            # (the tallies describe the liaison's one subtree: reach.unit_paths, _liaison_programs)
            data.update(_liaison_lists(reach.unit_paths[0],  # type: ignore[union-attr]  # (in_programs: reach given)
                                       {p for p, held in in_programs.items() if held & open_statuses}))
        else:
            mine = _liaison_open(liaison_paths)
            data["to_acknowledge"] = rows(mine.filter(acknowledged_at=None))
            data["my_red"] = rows(mine.filter(task__status=TaskStatus.RED), {TaskStatus.RED})
            data["my_due_soon"] = rows(mine.filter(task__status=TaskStatus.YELLOW), {TaskStatus.YELLOW})
            data["my_tasks"] = rows(mine)
    if scope.has_role(Role.OFFICE):
        data.update(_pending_requests(scope, 20))
    lists: dict[str, list[_Part]] = {}
    if scope.has_role(Role.LEADER, Role.OFFICE):
        lists["red_tasks"] = _visible_with_status(scope, reach, TaskStatus.RED)
        lists["due_soon"] = _visible_with_status(scope, reach, TaskStatus.YELLOW)
    data.update(_task_lists(lists, user.pk if scope.has_role(Role.LEADER) else None, 20))
    data["today"] = today
    return data


# ---- counts of one program: the overview and the league ------------------------------------------------------

class ProgramCounts:
    """The tally rows of one program as the user may read them: the stored rows when the user reads the whole
    program, else the same rows counted from the tasks they may read (a liaison's few), so both read alike."""

    def __init__(self, *, user, program: Program, as_of: dt.date | None = None, day_matters: bool = False):
        self.program = program
        self._whole = whole = program_fully_visible(scope_for(user), program)
        self.counted: Counter | None = None
        self._small: dict | None = None
        self._keyed: tuple[str, set[str]] | None = None  # (dimension, keys) read into `_small` by read_with_small
        self._user, self._as_of = user, as_of
        self._counted_dimensions: frozenset[str] | None = None  # None: every dimension
        if not whole and not day_matters:
            # the overview of part of a program: only the dimensions it shows, read lean
            self.counted = tallies.overview_counts(program_tasks(user=user, program=program))
            self._counted_dimensions = tallies.OVERVIEW_DIMENSIONS
        elif day_matters or not whole:
            self._count_all()

    def _count_all(self) -> None:
        day = tallies.tally_day(self.program.pk)
        if not self._whole or (self._as_of is not None and self._as_of != day):
            self.counted = tallies.counts_of(program_tasks(user=self._user, program=self.program),
                                             day=self._as_of or day, ack_days=self.program.ack_days)
            self._counted_dimensions = None

    def read_with_small(self, dimension: str, keys) -> None:
        """When the stored rows are read: `dimension`'s rows of `keys` read in the same query as the small dimensions
        (the overview's unit rows), so that `rows` answers both without another."""
        if self.counted is None and self._small is None:
            self._small = tallies.rows_by_dimension(self.program.pk, SMALL_DIMENSIONS, keyed=(dimension, keys))
            self._keyed = (dimension, {str(k) for k in keys})

    def rows(self, dimension: str, keys=None) -> dict[str, dict[str, int]]:
        """{key: {status or figure: n}} (n > 0) of one dimension, for `keys` (all when None)."""
        if self.counted is None:
            if dimension in SMALL_DIMENSIONS and keys is None:
                if self._small is None:  # the program's few total, leader and category rows: one query
                    self._small = tallies.rows_by_dimension(self.program.pk, SMALL_DIMENSIONS)
                return self._small.get(dimension, {})
            if self._keyed is not None and self._small is not None and dimension == self._keyed[0] \
                    and keys is not None:
                asked = {str(k) for k in keys}
                if asked <= self._keyed[1]:
                    return {k: v for k, v in self._small.get(dimension, {}).items() if k in asked}
            return tallies.rows_by_key(self.program.pk, dimension, keys)
        if self._counted_dimensions is not None and dimension not in self._counted_dimensions:
            self._count_all()
        wanted = None if keys is None else {str(k) for k in keys}
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for (d, key, status), n in self.counted.items():
            if d == dimension and n and (wanted is None or key in wanted):
                out[key][status] = n
        return out


SMALL_DIMENSIONS = (tallies.TOTAL, tallies.LEADER, tallies.CATEGORY)


def _list_url(program: Program) -> str:
    return reverse("task_list", args=[program.code])


def _unit_rows(pc: ProgramCounts, units: list[dict]) -> list[dict]:
    """Rows of the 按牵头单位 table for `units` (dicts of id, name, depth and, for a row that can be opened,
    has_children), those with tasks only. `url` is the task list filtered the same way (tasks led in the unit's
    subtree; add &status=… for one column), `units_url` the drill-down to the unit's children."""
    counts = pc.rows(tallies.LEAD, [u["id"] for u in units])
    list_url = _list_url(pc.program)
    units_url = reverse("program_overview", args=[pc.program.code]) + "units/"
    return [{"unit_id": u["id"], "name": u["name"], "depth": u["depth"], "expand": u.get("has_children", False),
             "url": f"{list_url}?unit={u['id']}&role=lead", "units_url": f"{units_url}{u['id']}/",
             **_status_row(counts[str(u["id"])])}
            for u in units if str(u["id"]) in counts]


UNIT_FIELDS = ("id", "name", "depth")


def _child_units(unit_id: int) -> list[dict]:
    """The unit's children (UNIT_FIELDS) in the tree's order, each with whether it has children of its own (its row's
    ▸), in one query."""
    return list(Unit.objects.filter(parent_id=unit_id).order_by("sort_order", "path")
                .annotate(has_children=Exists(Unit.objects.filter(parent_id=OuterRef("pk"))))
                .values(*UNIT_FIELDS, "has_children"))


def program_unit_rows(*, user, program: Program, unit: Unit) -> list[dict]:
    """The drill-down of the 按牵头单位 table: the rows of the unit's children."""
    pc = ProgramCounts(user=user, program=program)
    return _unit_rows(pc, _child_units(unit.pk))


def program_overview(*, user, program: Program, under: Unit | None = None) -> dict:
    """红黄绿 counts of the program, per lead unit, per leader and per category, from the maintained tallies.

    The 按牵头单位 table shows the units from the top of the tree down to `under` (default: the district or city
    of the owner unit) and the children of `under`; each row counts the distinct tasks led anywhere in its subtree
    and can be opened to show its children (program_unit_rows)."""
    pc = ProgramCounts(user=user, program=program)
    top = under or program.owner_unit
    chain = list(Unit.objects.filter(pk__in=top.ancestor_ids()).order_by("depth").values(*UNIT_FIELDS, "kind"))
    if under is None:  # the district or city of the owner unit (org.resolve.region_of)
        regions = [u for u in chain if u["kind"] in (UnitKind.DISTRICT, UnitKind.CITY)]
        if regions:
            chain = chain[:chain.index(regions[-1]) + 1]
        under = Unit(pk=chain[-1]["id"], name=chain[-1]["name"], depth=chain[-1]["depth"])
    units = chain + _child_units(under.pk)  # the chain's rows have no ▸: they are open already
    pc.read_with_small(tallies.LEAD, [u["id"] for u in units])
    by_unit = _unit_rows(pc, units)
    leaders = pc.rows(tallies.LEADER)
    names = {str(pk): (name or username, title) for pk, name, username, title in
             Person.objects.filter(pk__in=[int(k) for k in leaders]).values_list("pk", "full_name", "username", "title")}
    list_url = _list_url(program)
    by_leader: list[dict[str, Any]] = [{"person_id": int(k), "name": names[k][0], "title": names[k][1],
                                        "url": f"{list_url}?leader={k}",
                                        **_status_row(c)}
                                       for k, c in leaders.items() if k in names]
    by_leader.sort(key=lambda r: (-r["red"], -r["yellow"], r["name"]))
    # the task list cannot select "no category": that row's numbers are not links (url empty)
    by_category = [{"category": k, "label": k or gettext("（未分类）"),
                    "url": f"{list_url}?{urlencode({'category': k, 'top': '1'})}" if k else "",
                    **_status_row(c)}
                   for k, c in sorted(pc.rows(tallies.CATEGORY).items(), key=lambda kc: ordinal_key(kc[0]))]
    return {
        "counts": _status_row(pc.rows(tallies.TOTAL).get("", {})),
        "by_unit": by_unit,
        "under": {"id": under.pk, "name": under.name},
        "by_leader": by_leader,
        "by_category": by_category,
        # by seq: the default order starts with the program's own (year, code), a join for one program's periods
        "current_period": ReportingPeriod.objects.filter(program=program, start__lte=clock.today(),
                                                         due__gte=clock.today()).order_by("seq").first(),
    }


def league_day(program: Program) -> dt.date:
    """The day the league's 应计 and 逾期 are counted as of (the last daily status run)."""
    return tallies.tally_day(program.pk)


def unit_league(*, user, program: Program, as_of: dt.date | None = None) -> list[dict]:
    """Per unit that leads tasks: 按期办结率, 逾期数, 及时签收率 (over all its assignments) and 群众满意度
    ((count, average) of public ratings of the tasks it leads, or None), ranked by
    rate (higher first), overdue (fewer first), 签收率 (higher first); ties share a rank (1224).

    Read from the maintained league rows; 应计 and 逾期 there are as of the program's tally day (the daily job's
    day). Asked for another day (`as_of`, e.g. a bulletin for a past date), they are counted from the tasks."""
    pc = ProgramCounts(user=user, program=program, as_of=as_of, day_matters=True)
    rows = {int(k): {f: c.get(f, 0) for f in tallies.LEAGUE_FIGURES}
            for k, c in pc.rows(tallies.LEAGUE).items() if c.get("lead")}  # the league ranks units that lead tasks
    units = {pk: (name, path) for pk, name, path in Unit.objects.filter(pk__in=rows).values_list("pk", "name", "path")}
    # 群众满意度: the public's ratings (群众批题) of the tasks each unit leads; shown, not ranked on
    satisfaction = satisfaction_by_unit(rows, program=program)  # registered by the portal
    table: list[dict[str, Any]] = []
    for uid, figures in rows.items():
        table.append({
            "unit_id": uid, "unit_name": units[uid][0], "unit_path": units[uid][1], **figures,
            "satisfaction": satisfaction.get(uid),
            "on_time_rate": (figures["closed_on_time"] / figures["due"] * 100) if figures["due"] else None,
            "ack_rate": (figures["ack_on_time"] / figures["assignments"] * 100) if figures["assignments"] else None,
        })
    # A unit with nothing due yet has no rate: it ranks after every unit that has one.
    key = lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0), r["overdue"],  # noqa: E731
                     -(r["ack_rate"] or 0))
    table.sort(key=lambda r: (key(r), r["unit_path"]))
    rank, prev = 0, None
    for i, r in enumerate(table, 1):
        if key(r) != prev:
            rank, prev = i, key(r)
        r["rank"] = rank
    return table


def children_rollup(task_ids) -> dict[int, dict]:
    """{parent_id: {"counts": {status: n}, "worst": status}} for the given tasks' children (not archived), in one
    statement written out: the ORM took ~0.45 ms of a task list page's Python to build this fixed GROUP BY on
    PostgreSQL (~0.3 on SQLite), the written-out statement ~0.1 (ADR 0054)."""
    from .status import worst

    ids = list(set(task_ids))
    if not ids:
        return {}
    q = connection.ops.quote_name
    parent, params = ids_condition(q("parent_id"), ids, connection.vendor)
    out: dict[int, dict] = {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT {q('parent_id')}, {q('status')}, COUNT(*) FROM {q(Task._meta.db_table)} "
                    f"WHERE {parent} AND NOT {q('is_archived')} GROUP BY 1, 2", params)
        rows = cur.fetchall()
    for parent_id, status, n in rows:
        entry = out.setdefault(parent_id, {"counts": {}, "worst": None})
        entry["counts"][status] = n
    for entry in out.values():
        entry["worst"] = worst(entry["counts"].keys())
    return out


def pairing_units_state(person) -> list[dict]:
    """A leader's 包联 units and, per program with tasks there, how many tasks they lead are in each status — read
    from the maintained lead rows (a task counts once however many of the unit's sub-units lead it). Each row links
    to the program's task list filtered the same way, so each number equals the list it opens."""
    from luoshi.org.selectors import pairings_of

    units = [p.target_unit for p in pairings_of(person)]
    by_unit: dict[str, dict[int, dict[str, int]]] = {}
    for program_id, key, status, n in (TaskTally.objects.filter(
            dimension=tallies.LEAD, key__in=[str(u.pk) for u in units], program__is_archived=False, n__gt=0)
            .values_list("program_id", "key", "status", "n")):
        by_unit.setdefault(key, {}).setdefault(program_id, {})[status] = n
    programs = {p.pk: p for p in Program.objects.filter(pk__in={pid for rows in by_unit.values() for pid in rows})}
    out = []
    for u in units:
        rows = []
        for pid, counts in sorted(by_unit.get(str(u.pk), {}).items(), key=lambda kv: programs[kv[0]].name):
            p = programs[pid]
            rows.append({"program": p.name, "url": f"{_list_url(p)}?unit={u.pk}&role=lead", **_status_row(counts)})
        out.append({"unit_id": u.pk, "unit": u.name, "rows": rows,
                    "red": sum(r["red"] for r in rows), "yellow": sum(r["yellow"] for r in rows)})
    return out


# ---- the monthly trend of a program (调度通报 图: 近六个月任务新增与办结) ---------------------------------------

def program_monthly_trend(*, user, program: Program, as_of: dt.date, months: int = 6) -> list[dict]:
    """Per calendar month of the last `months` up to `as_of` (that month counted to `as_of`), oldest first: the
    program's tasks the user may read that were added (`added`) and closed (`closed`) in the month, and at the
    month's end (or `as_of`) the tasks added so far (`total`) and closed so far (`closed_total`). Months before
    the program's first task are left out (no task by `as_of`: no rows).

    One query: the tasks added and closed before each month's first moment (local time), counted with filters,
    whatever the number of tasks or units. Counted from today's tasks: archived tasks are left out, a task without
    a creation time counts as added before the first month."""
    keys: list[tuple[int, int]] = []
    y, m = as_of.year, as_of.month
    for _ in range(months):
        keys.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    keys.reverse()
    # bounds[i] starts month i; the last bound is the end of as_of
    bounds = [timezone.make_aware(dt.datetime(y, m, 1)) for y, m in keys]
    bounds.append(timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())))
    counts = program_tasks(user=user, program=program).order_by().aggregate(
        **{f"added{i}": Count("id", filter=Q(created_at__lt=b) | Q(created_at=None)) for i, b in enumerate(bounds)},
        **{f"closed{i}": Count("id", filter=Q(closed_at__lt=b)) for i, b in enumerate(bounds)})
    rows = []
    for i, (y, m) in enumerate(keys):
        total, closed_total = counts[f"added{i + 1}"], counts[f"closed{i + 1}"]
        if total:
            rows.append({"year": y, "month": m, "added": total - counts[f"added{i}"],
                         "closed": closed_total - counts[f"closed{i}"], "total": total, "closed_total": closed_total})
    return rows
