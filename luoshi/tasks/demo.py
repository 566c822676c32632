"""The tasks demo: 青岛 units, the 崂山 鼓励创新 program for the current year, accounts for every role and a
history of acknowledgements, reports, closures and requests — some late — so warnings show.
luoshi.demo runs it first, then the other apps' demos.

History is written directly with bulk inserts (and journal rows) rather than through services,
because services stamp records with "now" and a history needs past dates.
"""
from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.core.journal import journal_entry, journal_record_many
from luoshi.core.presets import preset_load
from luoshi.org.demo import Account, unit_at
from luoshi.org.models import Person, Role, Unit
from luoshi.org.services import grant_role, person_create
from luoshi.programs.models import Program, ReportingPeriod

from .models import (
    AssignmentRole, ClosureRequest, ExtensionRequest, ProgressReport, RequestState, Task, TaskAssignment,
)

ACCOUNTS = [
    Account("admin", "系统管理员", Role.ADMIN, "青岛市", note="全部权限"),
    Account("office", "刘晓燕", Role.OFFICE, "青岛市/崂山区", "区委督查室科员",
            note="督查室：建清单、审核延期与办结；小型水库物业化考评"),
    Account("leader", "王立新", Role.LEADER, "青岛市/崂山区", "区委副书记", note="责任领导：查看分管任务与预警"),
    Account("liaison", "孙敏", Role.LIAISON, "青岛市/崂山区/区行政审批服务局", "综合科科长", note="单位联络员：签收、报送"),
    Account("liaison2", "周强", Role.LIAISON, "青岛市/崂山区/中韩街道", "党政办副主任", note="另一单位的联络员"),
    Account("evaluator", "郑洁", Role.EVALUATOR, "青岛市/崂山区", "第三方评估员",
            note="评估员：为指派的考核期次评分（本月创城测评正在评分）"),
]


def tasks_demo(*, year: int, hashed_password: str, seed: int = 7) -> Program:
    """The 青岛 units, the 崂山 鼓励创新 program of `year`, the role accounts (ACCOUNTS) and, on the first load,
    the program's history. Returns the program."""
    today = clock.today()
    preset_load(by=None, name="qingdao")
    result = preset_load(by=None, name="laoshan-innovation", year=year)
    program = result["program"]
    with transaction.atomic():
        for acc in ACCOUNTS:
            person = Person.objects.filter(username=acc.username).first()
            unit = unit_at(acc.unit_path)
            if person is None:
                person = person_create(by=None, username=acc.username, full_name=acc.full_name, title=acc.title,
                                       unit=unit, email=f"{acc.username}@demo.luoshi.local")
            if not person.has_usable_password():
                Person.objects.filter(pk=person.pk).update(password=hashed_password)
            grant_role(by=None, person=person, role=acc.role, unit=unit)
            if acc.role == Role.ADMIN:
                Person.objects.filter(pk=person.pk).update(is_staff=True, is_superuser=True)
        # every lead unit of the program gets a liaison so every task has someone to remind
        for unit in Unit.objects.filter(assignments__task__program=program).distinct():
            username = f"ll{unit.pk}"
            if not Person.objects.filter(username=username).exists() and \
                    not Person.objects.filter(grants__role=Role.LIAISON, grants__unit=unit).exists():
                p = person_create(by=None, username=username, full_name=f"{unit.display_name}联络员", unit=unit)
                Person.objects.filter(pk=p.pk).update(password=hashed_password)
                grant_role(by=None, person=p, role=Role.LIAISON, unit=unit)
        if result["created_program"]:
            _history(program, today, random.Random(seed))
    return program


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _history(program, today: dt.date, rng: random.Random) -> None:
    start = program.start_date + dt.timedelta(days=20)  # the list was issued in late January
    Task.objects.filter(program=program).update(start_date=start, created_at=_at(start, 9))
    TaskAssignment.objects.filter(task__program=program).update(assigned_at=_at(start, 9))
    periods = list(ReportingPeriod.objects.filter(program=program, due__lt=today, due__gte=start).order_by("seq"))
    liaison_of: dict[int, Person] = {}
    for p in Person.objects.filter(grants__role=Role.LIAISON).prefetch_related("grants__unit"):
        for g in p.grants.all():
            liaison_of.setdefault(g.unit_id, p)
    office = Person.objects.get(username="office")
    reports, journal = [], []
    tasks = list(Task.objects.filter(program=program).prefetch_related("assignments__unit").order_by("sort_order"))
    for i, task in enumerate(tasks):
        lead = [a for a in task.assignments.all() if a.role == AssignmentRole.LEAD]
        # acknowledgement: most within 2 days, some late, a few never
        for a in task.assignments.all():
            r = rng.random()
            if r < 0.08 and i % 5 == 4:
                continue
            delay = rng.randint(0, 2) if r < 0.8 else rng.randint(4, 10)
            when = _at(start + dt.timedelta(days=delay), 10)
            a.acknowledged_at, a.acknowledged_by = when, liaison_of.get(a.unit_id)
            a.save(update_fields=["acknowledged_at", "acknowledged_by"])
            if a.role == AssignmentRole.LEAD and not task.acknowledged_at:
                task.acknowledged_at = when
            journal.append(journal_entry(at=when, actor=a.acknowledged_by, verb="task.acknowledge", obj=task,
                                         scope_path=a.unit_path, changes={"unit": a.unit_id}))
        if not lead or not lead[0].acknowledged_at:
            continue
        unit, author = lead[0].unit, liaison_of.get(lead[0].unit_id)
        deadline = task.deadline
        finish_by = deadline if deadline and deadline < today else None
        diligence = rng.choice([1.0, 1.0, 0.9, 0.75, 0.5])  # how reliably this unit reports
        progress = 0
        for period in periods:
            if finish_by and period.start > finish_by + dt.timedelta(days=15) and task.closed_at:
                break
            if rng.random() > diligence:
                continue
            day = period.start + dt.timedelta(days=rng.randint(0, max(0, (period.due - period.start).days)))
            if deadline:
                expected = min(100, int(100 * (day - start).days / max(1, (deadline - start).days)))
            else:
                expected = min(95, progress + 10)
            progress = max(progress, min(100, expected + rng.randint(-15, 5)))
            when = _at(day, rng.randint(9, 17))
            reports.append(ProgressReport(task=task, unit=unit, period=period, author=author, submitted_at=when, is_lead=True,
                                          public_at=when, percent=progress, text=_report_text(task, progress, rng)))
            task.progress, task.last_report_at = progress, when
            journal.append(journal_entry(at=when, actor=author, verb="task.report", obj=task,
                                         scope_path=lead[0].unit_path, changes={"percent": progress}))
            for coop in [a for a in task.assignments.all() if a.role == AssignmentRole.COOP][:2]:
                if coop.acknowledged_at and rng.random() < 0.3:
                    reports.append(ProgressReport(task=task, unit=coop.unit, period=period, author=liaison_of.get(coop.unit_id) or author,
                                                  submitted_at=when + dt.timedelta(hours=2), is_lead=False, percent=None,
                                                  text="按职责分工配合推进，相关材料已报牵头单位汇总。"))
        # closures: most tasks past their deadline were closed, one in time and some late
        if finish_by and rng.random() < 0.7 and i % 7 != 3:
            asked = finish_by - dt.timedelta(days=rng.randint(1, 12)) if rng.random() < 0.8 else finish_by + dt.timedelta(days=rng.randint(3, 20))
            asked = min(asked, today - dt.timedelta(days=1))
            decided = min(asked + dt.timedelta(days=2), today)
            ClosureRequest.objects.create(task=task, unit=unit, requested_by=author or office, requested_at=_at(asked, 16),
                                          summary="各项措施已落实到位，目标任务全部完成，佐证材料已归档。",
                                          state=RequestState.APPROVED, decided_by=office, decided_at=_at(decided, 10))
            task.closed_at, task.closed_on_time, task.progress = _at(decided, 10), asked <= finish_by, 100
            journal.append(journal_entry(at=_at(decided, 10), actor=office, verb="task.closure_decide", obj=task,
                                         scope_path=program.owner_unit.path, changes={"decision": "approved"}))
        task.save()
    ProgressReport.objects.bulk_create(reports)
    journal_record_many(journal)
    # open requests waiting for the office, so the 工作台 shows them
    open_tasks = [t for t in tasks if not t.closed_at and t.deadline and t.deadline >= today and t.acknowledged_at]
    if open_tasks:
        t = open_tasks[0]
        lead_a = t.assignments.filter(role=AssignmentRole.LEAD).first()
        assert lead_a is not None and t.deadline is not None  # acknowledged, so led; dated (open_tasks)
        ExtensionRequest.objects.create(task=t, unit=lead_a.unit, requested_by=liaison_of.get(lead_a.unit_id) or office,
                                        requested_at=_at(today - dt.timedelta(days=1), 15), old_deadline=t.deadline,
                                        new_deadline=t.deadline + dt.timedelta(days=45),
                                        reason="受上级系统接口调整影响，平台联调需顺延，申请延期一个半月。")
    if len(open_tasks) > 1:
        t = open_tasks[1]
        lead_a = t.assignments.filter(role=AssignmentRole.LEAD).first()
        assert lead_a is not None and t.deadline is not None  # acknowledged, so led; dated (open_tasks)
        ClosureRequest.objects.create(task=t, unit=lead_a.unit, requested_by=liaison_of.get(lead_a.unit_id) or office,
                                      requested_at=_at(today - dt.timedelta(days=2), 11),
                                      summary="已按要求完成全部建设内容并通过验收，申请办结。")


def _report_text(task: Task, progress: int, rng: random.Random) -> str:
    if progress >= 100:
        return "各项任务已全部完成，正在整理佐证材料，准备申请办结。"
    stage = "前期调研和方案起草" if progress < 30 else "组织实施和协调推进" if progress < 70 else "收尾完善和成效评估"
    extra = rng.choice(["已召开专题推进会1次。", "已与配合单位对接，明确分工。", "已形成阶段性成果，报分管领导审阅。",
                        "存在个别堵点，已列入下步协调事项。", "按计划推进，无需协调事项。"])
    return f"本期重点开展{stage}工作，完成进度约{progress}%。{extra}"
