"""Reads of programs and tasks. Every function takes the acting user and filters by scope in the query."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from luoshi.core import clock
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import Scope, scope_for, subtree_q
from luoshi.programs.models import Program, ReportingPeriod

from .models import (
    AssignmentRole, ClosureRequest, ExtensionRequest, RequestState, Task, TaskAssignment, TaskPairing, TaskStatus,
)

READ_ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)
# Roles that read a whole program when its owner unit lies in their subtree (a liaison never does:
# a liaison sees only the tasks assigned to their units).
PROGRAM_READ_ROLES = (Role.OFFICE, Role.LEADER, Role.EVALUATOR)


def task_visibility(scope: Scope) -> Q | None:
    """A Q over Task for what the scope may read; None means everything (admin)."""
    if scope.is_admin:
        return None
    if scope.person_id is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    program_paths = scope.paths_for(*PROGRAM_READ_ROLES)
    if program_paths:
        # a short list of ids, tested first because it is the cheapest
        ids = list(Program.objects.filter(subtree_q("owner_unit__path", program_paths)).values_list("pk", flat=True))
        q |= Q(program_id__in=ids)
    # The tasks granted one by one, as one set: `pk IN (… UNION …)` rather than an EXISTS per task and
    # grant. The database reads each small id set once, through an index, and can join the set to the
    # tasks instead of testing all 100,000 of them (docs/benchmarks.md).
    # 包联 of a task: the paired leader, or people of the paired unit
    granted = [TaskPairing.objects.filter(Q(helper_person_id=scope.person_id)
                                          | subtree_q("helper_unit__path", scope.all_paths)).values("task_id")]
    unit_paths = scope.paths_for(*READ_ROLES) + scope.paired_unit_paths
    if unit_paths:
        granted.append(TaskAssignment.objects.filter(subtree_q("unit_path", unit_paths)).values("task_id"))
    if scope.paths_for(Role.LEADER):
        granted.append(Task.leaders.through.objects.filter(person_id=scope.person_id).values("task_id"))
    first, *rest = [ids.order_by() for ids in granted]
    return q | Q(pk__in=first.union(*rest) if rest else first)


def tasks_visible(user) -> QuerySet[Task]:
    q = task_visibility(scope_for(user))
    qs = Task.objects.filter(is_archived=False)
    return qs if q is None else qs.filter(q)


def program_list(*, user) -> QuerySet[Program]:
    scope = scope_for(user)
    qs = Program.objects.filter(is_archived=False).select_related("owner_unit")
    if scope.is_admin:
        return qs
    q = task_visibility(scope)
    return qs.filter(subtree_q("owner_unit__path", scope.paths_for(*PROGRAM_READ_ROLES))
                     | Exists(Task.objects.filter(q, program=OuterRef("pk"))))


def program_get(*, user, code: str) -> Program:
    program = program_list(user=user).filter(code=code).first()
    if program is None:
        raise Http404("没有找到该专项工作，或您无权查看。")
    return program


def programs_managed(*, user) -> QuerySet[Program]:
    """Programs (not archived) whose owner unit lies where the user is 督查室/办公室: where they may add tasks."""
    scope = scope_for(user)
    qs = Program.objects.filter(is_archived=False).select_related("owner_unit")
    return qs if scope.is_admin else qs.filter(subtree_q("owner_unit__path", scope.paths_for(Role.OFFICE)))


def program_can_manage(*, user, program: Program) -> bool:
    return scope_for(user).covers(program.owner_unit.path, Role.OFFICE)


@dataclass
class TaskFilters:
    program: Program | None = None
    status: str = ""
    unit: Unit | None = None
    leader: Person | None = None
    category: str = ""
    q: str = ""
    mine: bool = False


def program_fully_visible(scope: Scope, program: Program) -> bool:
    return scope.covers(program.owner_unit.path, *PROGRAM_READ_ROLES)


def program_tasks(*, user, program: Program) -> QuerySet[Task]:
    """The program's tasks the user may read."""
    if program_fully_visible(scope_for(user), program):
        # same rows as tasks_visible(), without a per-row visibility subquery
        return Task.objects.filter(is_archived=False, program=program)
    return tasks_visible(user).filter(program=program)


def task_list(*, user, filters: TaskFilters) -> QuerySet[Task]:
    qs = program_tasks(user=user, program=filters.program) if filters.program else tasks_visible(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        qs = qs.filter(pk__in=TaskAssignment.objects.filter(subtree_q("unit_path", [filters.unit.path])).values("task_id"))
    if filters.leader:
        qs = qs.filter(Exists(Task.leaders.through.objects.filter(task=OuterRef("pk"), person=filters.leader)))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(code=filters.q) | Q(lead_units_text__icontains=filters.q))
    if filters.mine:
        scope = scope_for(user)
        qs = qs.filter(pk__in=TaskAssignment.objects.filter(subtree_q("unit_path", scope.paths_for(Role.LIAISON)))
                       .values("task_id"))
    return qs.select_related("program").order_by("program_id", "sort_order", "id")


# What a row of the task list page and of the REST task list shows: read as plain values, no model instances.
TASK_ROW_FIELDS = ("id", "code", "parent_id", "category", "title", "lead_units_text", "leaders_text", "deadline_phrase",
                   "extended_deadline", "progress", "status", "status_reason")


def task_list_rows(*, user, filters: TaskFilters, fields=TASK_ROW_FIELDS) -> QuerySet[dict]:
    """`task_list` as dicts of `fields`, in the same order."""
    return task_list(user=user, filters=filters).select_related(None).values(*fields)


def task_get(*, user, pk: int) -> Task:
    task = tasks_visible(user).select_related("program__owner_unit", "parent").filter(pk=pk).first()
    if task is None:
        raise Http404("没有找到该任务，或您无权查看。")
    return task


def task_detail(*, user, task: Task) -> dict:
    """Everything the task page shows, in a fixed number of queries."""
    from luoshi.core.journal import journal_for

    reports = list(task.reports.select_related("unit", "author", "period").prefetch_related("attachments"))
    return {
        "assignments": list(task.assignments.select_related("unit", "acknowledged_by")),
        "leaders": list(task.leaders.all()),
        "milestones": list(task.milestones.order_by("due", "sort_order")),
        "children": list(task.children.filter(is_archived=False).order_by("sort_order")),
        "reports": reports,
        "extensions": list(task.extension_requests.select_related("requested_by", "decided_by")),
        "closures": list(task.closure_requests.select_related("requested_by", "decided_by").prefetch_related("attachments")),
        "journal": list(journal_for(task)[:100]),
        "tags": list(task.tags.all()),
    }


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


def workbench(*, user) -> dict:
    scope = scope_for(user)
    today = clock.today()
    visible = tasks_visible(user)
    liaison_paths = scope.paths_for(Role.LIAISON)
    data: dict = {"scope": scope, "counts": status_counts(visible)}
    if liaison_paths:
        mine = TaskAssignment.objects.filter(subtree_q("unit_path", liaison_paths), task__is_archived=False) \
            .exclude(task__status=TaskStatus.CLOSED).select_related("task__program", "unit")
        data["to_acknowledge"] = list(mine.filter(acknowledged_at=None).order_by("task__deadline", "task_id")[:20])
        data["my_red"] = list(mine.filter(task__status=TaskStatus.RED).order_by("task__deadline")[:20])
        data["my_due_soon"] = list(mine.filter(task__status=TaskStatus.YELLOW).order_by("task__deadline")[:20])
        data["my_tasks"] = list(mine.order_by("task__deadline", "task_id")[:20])
    if scope.has_role(Role.OFFICE):
        managed = Q() if scope.is_admin else subtree_q("task__program__owner_unit__path", scope.paths_for(Role.OFFICE))
        data["pending_extensions"] = list(ExtensionRequest.objects.filter(managed, state=RequestState.PENDING)
                                          .select_related("task__program", "unit", "requested_by")[:20])
        data["pending_closures"] = list(ClosureRequest.objects.filter(managed, state=RequestState.PENDING)
                                        .select_related("task__program", "unit", "requested_by")[:20])
    if scope.has_role(Role.LEADER, Role.OFFICE):
        data["red_tasks"] = list(visible.filter(status=TaskStatus.RED).select_related("program")
                                 .order_by("deadline", "id")[:20])
        data["due_soon"] = list(visible.filter(status=TaskStatus.YELLOW).select_related("program")
                                .order_by("deadline", "id")[:20])
    if scope.has_role(Role.LEADER):
        # A leader reads every task they lead (task_visibility), so this needs no visibility filter; with
        # one, PostgreSQL tested all 100,000 tasks for visibility before joining the leader's few.
        data["led_tasks"] = list(Task.objects.filter(is_archived=False, leaders=user).exclude(status=TaskStatus.CLOSED)
                                 .select_related("program").order_by("deadline", "id")[:20])
    data["today"] = today
    return data


def _rollup_units(rows: dict[int, dict[str, int]]) -> list[dict]:
    """Add each unit's counts to all its ancestors, so a district row includes its streets."""
    units = {u.pk: u for u in Unit.objects.filter(pk__in=rows.keys())}
    ancestor_ids = {a for u in units.values() for a in u.ancestor_ids()}
    all_units = {u.pk: u for u in Unit.objects.filter(pk__in=ancestor_ids)}
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for uid, counts in rows.items():
        for aid in all_units[uid].ancestor_ids():
            for k, v in counts.items():
                totals[aid][k] += v
    out = []
    for uid, counts in totals.items():
        unit = all_units[uid]
        out.append({"unit": unit, "direct": rows.get(uid), **{k: counts.get(k, 0) for k in TaskStatus.values},
                    "total": sum(counts.values())})
    out.sort(key=lambda r: r["unit"].path)
    return out


def program_overview(*, user, program: Program) -> dict:
    """红黄绿 counts per lead unit (rolled up the unit tree), per leader and per category."""
    tasks = program_tasks(user=user, program=program)
    by_unit: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (TaskAssignment.objects.filter(task__in=tasks.values("pk"), role=AssignmentRole.LEAD)
                .values("unit_id", "task__status").annotate(n=Count("id"))):
        by_unit[row["unit_id"]][row["task__status"]] = row["n"]
    leaders: dict[int, dict] = {}
    for row in (Task.leaders.through.objects.filter(task__in=tasks.values("pk"))
                .values("person_id", "task__status").annotate(n=Count("id"))):
        leaders.setdefault(row["person_id"], {s: 0 for s in TaskStatus.values})[row["task__status"]] = row["n"]
    people = {p.pk: p for p in Person.objects.filter(pk__in=leaders)}
    by_leader = sorted(({"person": people[pid], **c, "total": sum(c.values())} for pid, c in leaders.items()),
                       key=lambda r: (-r["red"], -r["yellow"], r["person"].full_name))
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: {s: 0 for s in TaskStatus.values})
    # Top-level tasks only, counted with a filter rather than selected by `parent IS NULL` in WHERE:
    # SQLite would otherwise walk the parent index over every top-level task of every program.
    for row in tasks.order_by().values("category", "status").annotate(n=Count("id", filter=Q(parent=None))):
        if row["n"]:
            by_category[row["category"]][row["status"]] = row["n"]
    return {
        "counts": status_counts(tasks),
        "by_unit": _rollup_units(by_unit),
        "by_leader": by_leader,
        "by_category": [{"category": k or "（未分类）", **v, "total": sum(v.values())} for k, v in by_category.items()],
        "current_period": ReportingPeriod.objects.filter(program=program, start__lte=clock.today(),
                                                         due__gte=clock.today()).first(),
    }


def unit_league(*, user, program: Program, as_of: dt.date | None = None) -> list[dict]:
    """Per unit that leads tasks: 按期办结率, 逾期数, 及时签收率 (over all its assignments) and 群众满意度
    ((count, average) of public ratings of the tasks it leads, or None), ranked by
    rate (higher first), overdue (fewer first), 签收率 (higher first); ties share a rank (1224)."""
    today = as_of or clock.today()
    tasks = program_tasks(user=user, program=program)
    assignments = TaskAssignment.objects.filter(task__in=tasks.values("pk"))
    rows: dict[int, dict] = {}
    for a in assignments.values("unit_id", "role", "assigned_at", "acknowledged_at", "task__status",
                                "task__closed_on_time", "task__deadline", "task__extended_deadline", "task__deadline_kind"):
        r = rows.setdefault(a["unit_id"], {"lead": 0, "due": 0, "closed_on_time": 0, "overdue": 0, "assignments": 0,
                                           "ack_on_time": 0})
        r["assignments"] += 1
        if a["acknowledged_at"] and (a["acknowledged_at"] - a["assigned_at"]).days < program.ack_days:
            r["ack_on_time"] += 1
        if a["role"] != AssignmentRole.LEAD:
            continue
        r["lead"] += 1
        deadline = a["task__extended_deadline"] or a["task__deadline"]
        is_due = a["task__status"] == TaskStatus.CLOSED or (a["task__deadline_kind"] == "date" and deadline and deadline < today)
        if is_due:
            r["due"] += 1
        if a["task__closed_on_time"]:
            r["closed_on_time"] += 1
        if a["task__status"] == TaskStatus.RED and deadline and deadline < today:
            r["overdue"] += 1
    rows = {uid: r for uid, r in rows.items() if r["lead"]}  # the league ranks units that lead tasks
    units = {u.pk: u for u in Unit.objects.filter(pk__in=rows)}
    # 群众满意度: the public's ratings (群众批题) of the tasks each unit leads; shown, not ranked on
    from luoshi.portal.selectors import public_satisfaction_by_unit

    satisfaction = public_satisfaction_by_unit(list(rows), program=program)
    table = []
    for uid, r in rows.items():
        table.append({
            "unit": units[uid], **r, "satisfaction": satisfaction.get(uid),
            "on_time_rate": (r["closed_on_time"] / r["due"] * 100) if r["due"] else None,
            "ack_rate": (r["ack_on_time"] / r["assignments"] * 100) if r["assignments"] else None,
        })
    # A unit with nothing due yet has no rate: it ranks after every unit that has one.
    key = lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0), r["overdue"],  # noqa: E731
                     -(r["ack_rate"] or 0))
    table.sort(key=lambda r: (key(r), r["unit"].path))
    rank, prev = 0, None
    for i, r in enumerate(table, 1):
        if key(r) != prev:
            rank, prev = i, key(r)
        r["rank"] = rank
    return table


def children_rollup(task_ids) -> dict[int, dict]:
    """{parent_id: {"counts": {status: n}, "worst": status}} for the given tasks' children, in one query."""
    from .status import worst

    out: dict[int, dict] = {}
    for row in (Task.objects.filter(parent_id__in=list(task_ids), is_archived=False).order_by()
                .values("parent_id", "status").annotate(n=Count("id"))):
        entry = out.setdefault(row["parent_id"], {"counts": {}, "worst": None})
        entry["counts"][row["status"]] = row["n"]
    for entry in out.values():
        entry["worst"] = worst(entry["counts"].keys())
    return out
