"""Public reads for the 阳光公开 site: published programs (公开通报), 民生实事, ratings (群众批题) and the
tracking page. Every function filters what is published IN THE QUERY (program is_public / is_shishi, nothing
archived) and selects no person: no report author, no leader, no acknowledging liaison."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404

from luoshi.core import clock
from luoshi.core.privacy import mask_personal
from luoshi.programs.models import Program
from luoshi.tasks.models import AssignmentRole, Milestone, ProgressReport, Task, TaskAssignment, TaskStatus

from .models import PublicRating, Score

STATUS_ORDER = (TaskStatus.NORMAL, TaskStatus.YELLOW, TaskStatus.RED, TaskStatus.CLOSED, TaskStatus.EXTENDED)


def public_text(text: str) -> str:
    """Free text written by staff, as the public may read it: phone, ID numbers and e-mail addresses masked."""
    return mask_personal(text or "")


# ---- programs ------------------------------------------------------------------------------------------------

def _published(prefix: str = "") -> Q:
    return (Q(**{f"{prefix}is_archived": False})
            & (Q(**{f"{prefix}is_public": True}) | Q(**{f"{prefix}is_shishi": True})))


def public_programs() -> QuerySet[Program]:
    """Programs published as 公开通报, newest year first."""
    return (Program.objects.filter(is_public=True, is_archived=False).select_related("owner_unit")
            .only("id", "code", "name", "year", "description", "start_date", "end_date", "is_public", "is_shishi",
                  "owner_unit__name").order_by("-year", "code"))


def public_program_get(pk: int) -> Program:
    program = public_programs().filter(pk=pk).first()
    if program is None:
        raise Http404("没有找到该公开的专项工作。")
    return program


def public_tasks() -> QuerySet[Task]:
    """Tasks the public may read: not archived, of a program that is published or is 民生实事."""
    return Task.objects.filter(_published("program__"), is_archived=False)


def program_figures(program_ids) -> dict[int, dict]:
    """{program_id: {status: n, "total": n, "progress": average % (closed count as 100)}} in one query."""
    out: dict[int, dict] = {pid: {**{s: 0 for s in TaskStatus.values}, "total": 0, "progress": 0}
                            for pid in program_ids}
    sums: dict[int, int] = defaultdict(int)
    rows = (Task.objects.filter(program_id__in=list(program_ids), is_archived=False).order_by()
            .values("program_id", "status").annotate(n=Count("id"), p=Sum("progress")))
    for r in rows:
        fig = out[r["program_id"]]
        fig[r["status"]] = r["n"]
        fig["total"] += r["n"]
        sums[r["program_id"]] += 100 * r["n"] if r["status"] == TaskStatus.CLOSED else (r["p"] or 0)
    for pid, fig in out.items():
        fig["progress"] = round(sums[pid] / fig["total"]) if fig["total"] else 0
    return out


def _with_public_facts(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Only the public columns, the lead units (one prefetch) and the id of the latest lead-unit report."""
    latest = (ProgressReport.objects.filter(task=OuterRef("pk"), is_lead=True, public_at__isnull=False)
              .order_by("-submitted_at", "-id").values("id")[:1])
    leads = Prefetch("assignments", to_attr="leads",
                     queryset=TaskAssignment.objects.filter(role=AssignmentRole.LEAD).select_related("unit")
                     .only("id", "task_id", "unit_id", "unit__name", "role"))
    return (qs.select_related("program").only(
        "id", "code", "title", "category", "deadline", "deadline_phrase", "deadline_kind", "extended_deadline",
        "status", "progress", "closed_at", "sort_order", "program_id", "program__name", "program__is_shishi",
        "program__is_public").annotate(latest_report_id=Subquery(latest)).prefetch_related(leads))


def attach_latest_reports(tasks) -> None:
    """Set `task.latest` = {"at", "percent", "text" (masked)} or None, in one query for the page."""
    ids = [t.latest_report_id for t in tasks if t.latest_report_id]
    reports = {r.pk: r for r in ProgressReport.objects.filter(pk__in=ids).only("id", "submitted_at", "text", "percent")}
    for t in tasks:
        r = reports.get(t.latest_report_id)
        t.latest = {"at": r.submitted_at, "percent": r.percent, "text": public_text(r.text)} if r else None


def public_program_tasks(program: Program, *, status: str = "") -> QuerySet[Task]:
    qs = public_tasks().filter(program=program)
    if status in TaskStatus.values:
        qs = qs.filter(status=status)
    return _with_public_facts(qs).order_by("sort_order", "id")


# ---- 民生实事 ------------------------------------------------------------------------------------------------

def shishi_tasks() -> QuerySet[Task]:
    """The 民生实事: tasks of 民生实事 programs (not archived), newest year first, in the list's order."""
    qs = Task.objects.filter(program__is_shishi=True, program__is_archived=False, is_archived=False)
    return _with_public_facts(qs).order_by("-program__year", "sort_order", "id")


def public_task_get(pk: int, *, shishi: bool = False) -> Task:
    qs = shishi_tasks() if shishi else _with_public_facts(public_tasks())
    task = qs.filter(pk=pk).first()
    if task is None:
        raise Http404("没有找到该公开事项。")
    return task


def public_timeline(task: Task) -> dict:
    """A task's public story: milestones (时间节点) and the lead units' progress reports the office released
    (`public_at`; date, percent and masked text; never who wrote them), plus the 办结 date."""
    today = clock.today()
    # done (with the day it was achieved), overdue (its day passed, not done) or upcoming; never the evidence text
    milestones = [{"title": m.title, "phrase": m.phrase, "due": m.due, "state": m.state_on(today),
                   "done_on": m.done_on or (clock.localtime(m.done_at).date() if m.done_at else None)}
                  for m in Milestone.objects.filter(task=task).only("id", "title", "phrase", "due", "done_at", "done_on",
                                                                    "sort_order").order_by("due", "sort_order", "id")]
    reports = [{"at": r.submitted_at, "percent": r.percent, "text": public_text(r.text),
                "unit": r.unit.name} for r in
               ProgressReport.objects.filter(task=task, is_lead=True, public_at__isnull=False).select_related("unit")
               .only("id", "submitted_at", "percent", "text", "unit__name").order_by("-submitted_at", "-id")[:100]]
    return {"milestones": milestones, "reports": reports, "closed_at": task.closed_at}


# ---- ratings (群众批题) ----------------------------------------------------------------------------------------

def rateable_tasks() -> QuerySet[Task]:
    """Tasks the public may rate: those of a published or 民生实事 program, not archived."""
    return public_tasks()


def _average(total: int, n: int) -> Decimal | None:
    if not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rating_summaries(task_ids) -> dict[int, dict]:
    """{task_id: {"count", "average" (Decimal or None), "dist": [(score, label, n, percent)] from 非常满意 down}}
    for the given tasks, in one query."""
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for r in (PublicRating.objects.filter(task_id__in=list(task_ids)).order_by()
              .values("task_id", "score").annotate(n=Count("id"))):
        counts[r["task_id"]][r["score"]] = r["n"]
    out = {}
    for tid in task_ids:
        c = counts.get(tid, {})
        n = sum(c.values())
        out[tid] = {"count": n, "average": _average(sum(s * k for s, k in c.items()), n),
                    "dist": [(s.value, s.label, c.get(s.value, 0), round(100 * c.get(s.value, 0) / n) if n else 0)
                             for s in Score]}
    return out


def has_rated(task: Task, rater_key: str) -> bool:
    return bool(rater_key) and PublicRating.objects.filter(task=task, rater_key=rater_key).exists()


def public_satisfaction_by_unit(unit_ids=None, paths=None, *, since: dt.datetime | None = None,
                                program: Program | None = None) -> dict[int, tuple[int, Decimal]]:
    """{unit_id: (number of public ratings, average score as Decimal to 0.01)} of the tasks each unit leads
    (TaskAssignment role lead), for the given unit ids or units under the given paths; optionally only ratings
    since a time and only tasks of one program. One query; units without ratings are left out."""
    cond = Q(role=AssignmentRole.LEAD)
    if unit_ids is not None:
        cond &= Q(unit_id__in=list(unit_ids))
    if paths is not None:
        cond &= Q(unit_path__within=list(paths))
    if program is not None:
        cond &= Q(task__program=program)
    ratings = Q(task__public_ratings__isnull=False)
    if since is not None:
        ratings &= Q(task__public_ratings__created_at__gte=since)
    # filter() before annotate(): the aggregates count only the ratings the filter kept
    rows = (TaskAssignment.objects.filter(cond, ratings).order_by().values("unit_id")
            .annotate(n=Count("task__public_ratings"), total=Sum("task__public_ratings__score")))
    return {r["unit_id"]: (r["n"], _average(r["total"], r["n"])) for r in rows if r["n"]}


# ---- tracking (办理查询) -------------------------------------------------------------------------------------

TRACK_FIELDS = ("id", "tracking_code", "kind", "title", "category__name", "state", "outcome", "received_at",
                "replied_at", "reply_text", "closed_at", "rating_token", "satisfaction", "rated_at", "lead_unit__name")


def tracked_request(code: str):
    """The request whose 查询码 is `code`, with only what its holder may see on the public tracking page (no
    requester fields), and its public timeline events — or None."""
    from luoshi.intake.models import Request

    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    req = (Request.objects.filter(tracking_code=code).select_related("category", "lead_unit")
           .only(*TRACK_FIELDS).first())
    if req is None:
        return None
    rows = (req.events.filter(public=True).select_related("unit")
            .only("id", "at", "kind", "text", "unit__name", "unit_id", "request_id"))
    events = [{"at": e.at, "kind": e.get_kind_display(), "unit": e.unit.name if e.unit_id else "",
               "text": public_text(e.text)} for e in rows]
    return {"request": req, "events": events, "reply": public_text(req.reply_text),
            "title": public_text(req.title) if req.kind != "report" else ""}


def tracked_idea(code: str):
    """An idea by its 查询码 (the ideas app's public view of it), or None."""
    from luoshi.ideas.selectors import idea_by_tracking_code

    return idea_by_tracking_code(code)
