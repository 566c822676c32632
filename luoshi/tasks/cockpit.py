"""The tasks' part of the cockpit (core.cockpit) and of 批示 targets (core.targets).

Figures of a scope unit are the maintained tallies (ADR 0008): tasks led anywhere in the unit's subtree, by status,
summed over the programs — one indexed query on (dimension, key, program), whatever the number of tasks. The list
behind each figure is the task list filtered the same way (lead unit in the subtree, status), which holds exactly
those tasks; a test checks it."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.cockpit import Chart, Drill, Figure, PanelData, Period, Series, Table, rate
from luoshi.org.models import Unit
from luoshi.programs.models import Program

from . import tallies
from .models import STATUS_TEXT, AssignmentRole, Task, TaskStatus, TaskTally

STATUS_ORDER = (TaskStatus.RED, TaskStatus.YELLOW, TaskStatus.NORMAL, TaskStatus.EXTENDED, TaskStatus.CLOSED)
STATE_OF = {TaskStatus.RED: "bad", TaskStatus.YELLOW: "warn", TaskStatus.NORMAL: "good", TaskStatus.EXTENDED: "",
            TaskStatus.CLOSED: ""}
SERIES_STATE = {**STATE_OF, TaskStatus.EXTENDED: "info", TaskStatus.CLOSED: "done"}  # the chart's colours


def _by_program(unit: Unit) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for program_id, status, n in (TaskTally.objects.filter(dimension=tallies.LEAD, key=str(unit.pk), n__gt=0)
                                  .values_list("program_id", "status", "n")):
        out[program_id][status] = n
    return out


def tasks_cockpit(user, unit: Unit, period: Period) -> PanelData | None:
    """红黄绿 of the tasks led in the scope, per program, with the 办结率."""
    by_program = _by_program(unit)
    if not by_program:
        return None
    totals = {s: sum(c.get(s, 0) for c in by_program.values()) for s in STATUS_ORDER}
    whole = sum(totals.values())
    figures = [Figure(key=s, label=s.label, value=totals[s], state=STATE_OF[s] if totals[s] else "")
               for s in STATUS_ORDER]
    figures.insert(0, Figure(key="all", label=_("任务总数"), value=whole))
    done = rate(totals[TaskStatus.CLOSED], whole)
    figures.append(Figure(key="closed_rate", label=_("办结率"), value=done, suffix="%",
                          note=_("已办结 ÷ 任务总数")))  # its link: the closed tasks (drill "closed_rate")
    programs = {p["pk"]: p for p in Program.objects.filter(pk__in=list(by_program)).values("pk", "code", "name")}
    order = sorted(by_program, key=lambda pk: (programs.get(pk, {}).get("name", ""), pk))
    rows, names, urls = [], [], []
    for pk in order:
        p = programs.get(pk)
        if p is None:
            continue
        base = reverse("task_list", args=[p["code"]]) + "?" + urlencode({"unit": str(unit.pk), "role": "lead"})
        counts = by_program[pk]
        names.append(p["name"])
        urls.append(base)
        rows.append([{"text": p["name"], "url": reverse("program_overview", args=[p["code"]])}]
                    + [{"text": str(counts.get(s, 0)), "url": f"{base}&status={s}" if counts.get(s) else "", "num": True,
                        "state": STATE_OF[s] if counts.get(s) and s in (TaskStatus.RED, TaskStatus.YELLOW) else ""}
                       for s in STATUS_ORDER]
                    + [{"text": str(sum(counts.values())), "url": base, "num": True}])
    chart = Chart(key="status", title=_("各专项工作红黄绿"), kind="stack", categories=names, urls=urls,
                  series=[Series(name=str(s.label), values=[by_program[pk].get(s, 0) for pk in order if pk in programs],
                                 state=SERIES_STATE[s]) for s in STATUS_ORDER])
    table = Table(title=_("按专项工作"), columns=[_("专项工作")] + [str(s.label) for s in STATUS_ORDER] + [_("合计")],
                  rows=rows)
    return PanelData(figures=figures, charts=[chart], tables=[table], link=reverse("program_list"),
                     note=_("牵头单位在本范围内的任务（不含已归档），按维护的计数；点数字看清单。"))


TASK_FIELDS = ("id", "code", "title", "program__name", "lead_units_text", "deadline_phrase", "status")


def tasks_drill(user, unit: Unit, period: Period, key: str) -> Drill | None:
    from .selectors import TaskFilters, task_list

    if key not in {"all", "closed_rate", *STATUS_ORDER}:
        return None
    status = TaskStatus.CLOSED if key == "closed_rate" else ("" if key == "all" else key)
    rows = (task_list(user=user, filters=TaskFilters(unit=unit, lead_only=True, status=status))
            .select_related(None).values(*TASK_FIELDS))
    prefix = reverse("task_detail", args=[0])[:-2]
    labels = STATUS_TEXT

    def row(t: dict) -> tuple[list[str], str]:
        return ([t["code"], t["title"][:80], t["program__name"], t["lead_units_text"], t["deadline_phrase"],
                 str(labels.get(t["status"], t["status"]))], f"{prefix}{t['id']}/")

    title = _("任务") + ("" if not status else " · " + str(labels[status]))
    return Drill(title=title, columns=[_("编号"), _("任务"), _("专项工作"), _("牵头单位"), _("完成时限"), _("状态")],
                 rows=rows, row=row)


def tasks_snapshot(units, day: dt.date) -> dict[int, dict[str, int]]:
    """Each unit's tasks by status, from the tallies (which hold today's state: nothing for a past day)."""
    if day != clock.today():
        return {}
    ids = [str(u.pk) for u in units]
    out: dict[int, dict[str, int]] = defaultdict(lambda: {s.value: 0 for s in STATUS_ORDER})
    for i in range(0, len(ids), 500):
        for key, status, n in (TaskTally.objects.filter(dimension=tallies.LEAD, key__in=ids[i:i + 500])
                               .values("key", "status").annotate(total=Sum("n")).values_list("key", "status", "total")):
            out[int(key)][status] = n
    return dict(out)


TASKS_TREND = ((TaskStatus.RED.value, gettext_lazy("红灯"), "bad"), (TaskStatus.YELLOW.value, gettext_lazy("黄灯"), "warn"),
               (TaskStatus.CLOSED.value, gettext_lazy("已办结"), "good"))


# ---- 批示 targets -----------------------------------------------------------------------------------

def task_target_get(user, pk: int) -> Task | None:
    from .selectors import tasks_visible

    return tasks_visible(user).select_related("program__owner_unit").filter(pk=pk).first()


def task_target_unit_path(task: Task) -> str:
    """A task's scope for 批示: its (first) lead unit, or the program's owner unit when it has none."""
    lead = (task.assignments.filter(role=AssignmentRole.LEAD).order_by("id").values_list("unit_path", flat=True)
            .first())
    return lead or task.program.owner_unit.path


def task_target_units(task: Task) -> list[Unit]:
    return [a.unit for a in task.assignments.select_related("unit").filter(role=AssignmentRole.LEAD)]


def task_target_url(task: Task) -> str:
    return reverse("task_detail", args=[task.pk])


def task_target_title(task: Task) -> str:
    return f"{task.code} {task.title[:60]}"


def register() -> None:
    """Called from TasksConfig.ready(): the cockpit panel and the 批示 target."""
    from luoshi.core.cockpit import register_panel
    from luoshi.core.targets import register_target

    register_panel("tasks", title=gettext_lazy("任务清单 红黄绿"), order=10, figures=tasks_cockpit, drill=tasks_drill,
                   snapshot=tasks_snapshot, trend=TASKS_TREND, compare=("red", gettext_lazy("下级单位红灯任务"), ""))
    register_target("tasks.task", label=gettext_lazy("任务"), get=task_target_get, unit_path=task_target_unit_path,
                    units=task_target_units, url=task_target_url, title=task_target_title)
