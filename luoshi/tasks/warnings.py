"""The daily job: recompute every open task's status (tasks.status.program_recompute, which also journals the
changes and counts the tallies again as of the day), send reminders.

Designed for 100k tasks: statuses are computed in Python from one streamed query per program, written back with
one UPDATE per (status, reason), and reminders are deduplicated by (person, task, kind, day).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.language import person_language_code
from luoshi.core.journal import journal_entry, journal_record_many
from luoshi.core.notify import Message, deliver
from luoshi.org.models import Person, Role, RoleGrant
from luoshi.programs.models import Program

from .models import Task, TaskAssignment, TaskStatus
from .status import program_recompute


def warnings_run(*, today: dt.date | None = None, notify: bool = True) -> dict:
    today = today or clock.today()
    now = clock.now()
    summary = {"tasks": 0, "changed": 0, "red": 0, "yellow": 0, "messages": 0}
    reminders: list[tuple[Task, str]] = []
    for program in Program.objects.filter(is_archived=False).select_related("owner_unit"):
        result = program_recompute(program=program, today=today, now=now)
        summary["tasks"] += result["tasks"]
        summary["changed"] += result["changed"]
        for task, status in result["flagged"]:
            summary[status] += 1
            reminders.append((task, status))
    if notify and reminders:
        summary["messages"] = _send_reminders(reminders, today)
    return summary


def _send_reminders(reminders: list[tuple[Task, str]], today: dt.date) -> int:
    """黄灯 → the lead units' liaisons; 红灯 → the liaisons and the task's leaders. One message per
    person, task, kind and day."""
    task_ids = [t.pk for t, _ in reminders]
    lead_paths: dict[int, list[str]] = defaultdict(list)
    for tid, path in TaskAssignment.objects.filter(task_id__in=task_ids, role="lead").values_list("task_id", "unit_path"):
        lead_paths[tid].append(path)
    leaders: dict[int, list[int]] = defaultdict(list)
    for tid, pid in Task.leaders.through.objects.filter(task_id__in=task_ids).values_list("task_id", "person_id"):
        leaders[tid].append(pid)
    # liaisons hold the liaison role over the unit itself or an ancestor of it
    liaison_by_path: dict[str, list[int]] = defaultdict(list)
    for pid, path in RoleGrant.objects.filter(role=Role.LIAISON).values_list("person_id", "unit__path"):
        liaison_by_path[path].append(pid)
    people = {pk: (email or "", person_language_code(code))
              for pk, email, code in Person.objects.filter(is_active=True).values_list("id", "email", "language")}
    messages = []
    for task, status in reminders:
        recipients: set[int] = set()
        for path in lead_paths.get(task.pk, []):
            parts = path.strip("/").split("/")
            for i in range(1, len(parts) + 1):
                recipients.update(liaison_by_path.get("/" + "/".join(parts[:i]) + "/", []))
        if status == TaskStatus.RED:
            recipients.update(leaders.get(task.pk, []))
        url = reverse("task_detail", args=[task.pk])
        titles: dict[str, str] = {}  # one title per language of the recipients (core.language)
        for pid in sorted(recipients):
            if pid not in people:
                continue
            email, code = people[pid]
            if code not in titles:
                with translation.override(code):
                    label = _("红灯预警") if status == TaskStatus.RED else _("黄灯提醒")
                    titles[code] = _("%(label)s：%(code)s %(title)s") % {"label": label, "code": task.code,
                                                                           "title": task.title[:30]}
            messages.append(Message(pid, email, status, titles[code], task.status_reason, url,
                                    f"{status}:{task.pk}:{today.isoformat()}"))
    sent = deliver(messages)
    return sent.get("inapp", len(messages))
