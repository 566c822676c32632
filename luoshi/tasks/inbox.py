"""The 待办 sources of tasks (core.inbox): assignments to sign (签收), tasks to report on, extension and closure
requests to decide, and the red tasks a 责任领导 leads. Each is one lean indexed query for the count and one for
the items; a person without the role costs no query."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core.inbox import InboxItem, register_inbox
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from luoshi.programs.models import Program

from .models import (AssignmentRole, ClosureRequest, ExtensionRequest, ProgressReport, RequestState, Task,
                     TaskAssignment, TaskStatus)

ACTIONABLE = (TaskStatus.RED, TaskStatus.YELLOW)


def _liaison_assignments(user) -> QuerySet[TaskAssignment] | None:
    paths = scope_for(user).paths_for(Role.LIAISON)
    if not paths:
        return None
    return (TaskAssignment.objects.filter(unit_path__within=paths, task__is_archived=False)
            .exclude(task__status=TaskStatus.CLOSED))


def to_acknowledge(user) -> QuerySet[TaskAssignment] | None:
    """Assignments of the liaison's units (lead or cooperating) not yet signed for."""
    qs = _liaison_assignments(user)
    return None if qs is None else qs.filter(acknowledged_at=None)


def to_report(user) -> QuerySet[TaskAssignment] | None:
    """Signed lead assignments whose task is 红灯 or 黄灯: overdue, a missed report, a deadline near, progress
    behind — the lead unit owes a progress report (or an extension or closure request)."""
    qs = _liaison_assignments(user)
    if qs is None:
        return None
    return qs.filter(role=AssignmentRole.LEAD, acknowledged_at__isnull=False, task__status__in=ACTIONABLE)


def _assignment_items(qs, source: str, limit: int | None) -> list[InboxItem]:
    rows = (qs.order_by("task__deadline", "task_id", "pk")
            .values("pk", "task_id", "task__code", "task__title", "task__deadline", "task__extended_deadline",
                    "task__status", "task__status_reason", "task__program__name", "unit__name", "role"))
    if limit is not None:
        rows = rows[:limit]
    out = []
    for r in rows:
        role = _("牵头") if r["role"] == AssignmentRole.LEAD else _("配合")
        out.append(InboxItem(source=source, title=f"{r['task__code']} {r['task__title']}"[:80],
                             url=reverse("task_detail", args=[r["task_id"]]),
                             due=r["task__extended_deadline"] or r["task__deadline"],
                             context=r["task__program__name"], unit=f"{r['unit__name']}（{role}）",
                             state=r["task__status"], extra={"key": f"a{r['pk']}", "reason": r["task__status_reason"]}))
    return out


def _pending(model, user):
    scope = scope_for(user)
    if not scope.paths_for(Role.OFFICE):
        return None
    return model.objects.manageable_by(scope).filter(state=RequestState.PENDING, task__is_archived=False)


def _request_items(qs, source: str, limit: int | None, label: str) -> list[InboxItem]:
    fields = ["pk", "task_id", "task__code", "task__title", "task__deadline", "task__program__name", "unit__name",
              "requested_at"]
    if qs.model is ExtensionRequest:
        fields.append("new_deadline")
    rows = qs.order_by("requested_at", "pk").values(*fields)
    if limit is not None:
        rows = rows[:limit]
    return [InboxItem(source=source, title=f"{label}：{r['task__code']} {r['task__title']}"[:80],
                      url=reverse("task_detail", args=[r["task_id"]]), due=r["task__deadline"],
                      context=r["task__program__name"], unit=r["unit__name"], state="pending",
                      extra={"key": f"r{r['pk']}", "new_deadline": r.get("new_deadline")}) for r in rows]


def led_red(user) -> QuerySet[Task] | None:
    if not scope_for(user).paths_for(Role.LEADER):
        return None
    return Task.objects.filter(is_archived=False, leaders=user, status=TaskStatus.RED)



def register() -> None:
    register_inbox(
        "tasks.acknowledge", label=gettext_lazy("待签收任务"), order=10,
        pending=to_acknowledge,
        items=lambda user, limit: [] if (qs := to_acknowledge(user)) is None else
        _assignment_items(qs, "tasks.acknowledge", limit))
    register_inbox(
        "tasks.report", label=gettext_lazy("待报送进展（红黄灯）"), order=11,
        pending=to_report,
        items=lambda user, limit: [] if (qs := to_report(user)) is None else
        _assignment_items(qs, "tasks.report", limit))
    register_inbox(
        "tasks.extensions", label=gettext_lazy("待审批延期申请"), order=12,
        pending=lambda user: _pending(ExtensionRequest, user),
        items=lambda user, limit: [] if (qs := _pending(ExtensionRequest, user)) is None else
        _request_items(qs, "tasks.extensions", limit, _("延期申请")))
    register_inbox(
        "tasks.closures", label=gettext_lazy("待审核办结申请"), order=13,
        pending=lambda user: _pending(ClosureRequest, user),
        items=lambda user, limit: [] if (qs := _pending(ClosureRequest, user)) is None else
        _request_items(qs, "tasks.closures", limit, _("办结申请")))
    register_inbox(
        "tasks.led_red", label=gettext_lazy("我负责的红灯任务"), order=14,
        pending=led_red,
        items=lambda user, limit: [] if (qs := led_red(user)) is None else _task_items(qs, "tasks.led_red", limit))
    register_review()


def _task_items(qs, source: str, limit: int | None) -> list[InboxItem]:
    rows = qs.order_by("deadline", "pk").values("pk", "code", "title", "deadline", "extended_deadline", "status",
                                                "status_reason", "program__name", "lead_units_text")
    if limit is not None:
        rows = rows[:limit]
    return [InboxItem(source=source, title=f"{r['code']} {r['title']}"[:80], url=reverse("task_detail", args=[r["pk"]]),
                      due=r["extended_deadline"] or r["deadline"], context=r["program__name"],
                      unit=r["lead_units_text"][:40], state=r["status"], extra={"reason": r["status_reason"]})
            for r in rows]


def reports_to_review(user) -> QuerySet[ProgressReport] | None:
    """Lead reports of the office's public programs (公开通报 or 民生实事) whose text waits for review to go public."""
    scope = scope_for(user)
    if not scope.paths_for(Role.OFFICE):
        return None
    programs = Program.objects.manageable_by(scope).filter(Q(is_public=True) | Q(is_shishi=True), public_review=True,
                                                           is_archived=False)
    return ProgressReport.objects.filter(is_lead=True, public_at=None, withheld_at=None, task__is_archived=False,
                                         task__program__in=programs.values("pk"))


def _review_items(qs, limit: int | None) -> list[InboxItem]:
    rows = qs.order_by("submitted_at", "pk").values("pk", "task_id", "task__code", "task__title", "task__program__name",
                                                    "unit__name", "submitted_at")
    if limit is not None:
        rows = rows[:limit]
    return [InboxItem(source="tasks.public_review", title=f"{r['task__code']} {r['task__title']}"[:80],
                      url=reverse("task_detail", args=[r["task_id"]]) + f"#release-{r['pk']}",
                      context=r["task__program__name"], unit=r["unit__name"], state="pending",
                      extra={"key": f"p{r['pk']}"}) for r in rows]


def register_review() -> None:
    register_inbox("tasks.public_review", label=gettext_lazy("待审核公开的进展"), order=15,
                   pending=reports_to_review,
                   items=lambda user, limit: [] if (qs := reports_to_review(user)) is None else _review_items(qs, limit))
