"""Demo data for the public site (阳光公开): the 鼓励创新 program published as 公开通报, a small 民生实事 program
with milestones and a history of progress reports (some items already 办结), and about 200 public ratings.

Called by luoshi.demo.loader after the tasks demo has created the units, the accounts (the "office" account acts) and
the 鼓励创新 program — e.g. at the end of demo_load, before warnings_run: ``portal_demo(today=today)``.
Safe to run again: nothing is created twice. History is written directly with past dates, like the other demos.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.db import transaction
from django.utils import timezone

from luoshi.core.journal import journal_entry, journal_record_many
from luoshi.org.models import Person, Role, RoleGrant, Unit
from luoshi.programs.models import Program
from luoshi.tasks import services as tasks
from luoshi.tasks.tallies import program_rebuild
from luoshi.tasks.models import AssignmentRole, Milestone, ProgressReport, Task, TaskAssignment, TaskStatus

from .models import PublicRating

# (任务内容, 牵头单位, 完成时限 with milestones): 崂山区-style 为民办实事 items
SHISHI = [
    ("新建改造城乡公厕20座，实现重点景区、农村社区公厕全覆盖", "区城市管理局",
     "3月底前完成选址，6月底前全部开工，10月底前建成投用"),
    ("新增公办幼儿园学位1200个，缓解“入园难”", "区教育和体育局", "4月底前完成招标，8月底前交付使用"),
    ("改造老旧小区12个，惠及居民4300户", "区住房和城乡建设局", "3月底前确定改造方案，5月底前开工，11月底前完工"),
    ("建设社区长者食堂8处，为老年人提供助餐服务", "区民政局", "5月底前完成选址，9月底前全部运营"),
    ("实施农村供水管网改造，保障2.1万人饮水安全", "区农业农村局", "2月底前完成设计，6月底前完工"),
    ("新建口袋公园10处、绿道15公里", "区城市管理局", "6月底前开工，12月底前建成"),
]
COMMENTS = ["", "", "", "希望早日建成", "效果很好，点赞", "进度可以再快一些", "施工期间噪音有点大"]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _unit(district: Unit, name: str) -> Unit | None:
    return Unit.objects.filter(path__within=[district.path], name=name).first()


def portal_demo(*, today: dt.date, seed: int = 11) -> dict:
    rng = random.Random(seed)
    year = today.year
    office = Person.objects.get(username="office")
    district = Unit.objects.get(name="崂山区")
    published = []
    innovation = Program.objects.filter(code__startswith="laoshan-innovation", year=year, is_archived=False).first()
    if innovation and not innovation.is_public:
        tasks.program_update(by=office, program=innovation, is_public=True)
    if innovation:
        published.append(innovation)
    code = f"laoshan-shishi-{year}"
    shishi = Program.objects.filter(code=code).first()
    if shishi is None:
        shishi = _shishi(office, district, code, year, today, rng)
    published.append(shishi)
    ratings = _ratings(published, today, rng)
    return {"shishi": shishi, "published": published, "ratings": ratings}


def _shishi(office, district, code, year, today, rng) -> Program:
    program = tasks.program_create(by=office, code=code, name=f"{year}年崂山区为民办实事项目", year=year,
                                   owner_unit=district, cadence_kind="monthly", cadence_day=25, is_shishi=True,
                                   description="区委、区政府向社会公开承诺的民生实事，接受群众监督和评价。")
    start = dt.date(year, 1, 20)
    created = []
    for title, unit_name, phrase in SHISHI:
        unit = _unit(district, unit_name)
        if unit is None:
            continue
        created.append(tasks.task_create(by=office, program=program, data=tasks.TaskInput(
            title=title, lead_units=[unit], deadline_phrase=phrase, category="民生实事")))
    liaison_of = {g.unit_id: g.person for g in RoleGrant.objects.filter(role=Role.LIAISON).select_related("person")}
    with transaction.atomic():
        Task.objects.filter(program=program).update(start_date=start, created_at=_at(start, 9))
        TaskAssignment.objects.filter(task__program=program).update(assigned_at=_at(start, 9),
                                                                    acknowledged_at=_at(start + dt.timedelta(days=1)))
        reports, journal = [], []
        for task in Task.objects.filter(program=program).prefetch_related("assignments__unit", "milestones"):
            lead = next(a for a in task.assignments.all() if a.role == AssignmentRole.LEAD)
            author = liaison_of.get(lead.unit_id, office)
            deadline = task.deadline or dt.date(year, 12, 31)
            finish = deadline - dt.timedelta(days=rng.randint(3, 25))
            day, progress, last = dt.date(year, 2, 20), 0, None
            while day < today and day <= finish:
                expected = int(100 * (day - start).days / max(1, (deadline - start).days))
                progress = min(95, max(progress + 5, expected + rng.randint(-8, 6)))
                done = [m.title for m in task.milestones.all() if m.due and m.due <= day]
                text = (f"已完成“{done[-1]}”节点，" if done else "前期手续办理中，") + \
                    rng.choice(["现场施工有序推进。", "已召开群众意见征询会。", "资金已按进度拨付。", "正在开展质量安全检查。"])
                reports.append(ProgressReport(task=task, unit=lead.unit, author=author, submitted_at=_at(day, 15),
                                              public_at=_at(day, 15), text=f"{text}完成进度约{progress}%。", percent=progress, is_lead=True))
                journal.append(journal_entry(at=_at(day, 15), actor=author, verb="task.report", obj=task,
                                             scope_path=lead.unit_path, changes={"percent": progress}))
                last = _at(day, 15)
                day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=20)
            task.progress, task.acknowledged_at = progress, _at(start + dt.timedelta(days=1))
            task.last_report_at = last
            for m in task.milestones.all():
                if m.due and m.due < today:
                    m.done_on = m.due - dt.timedelta(days=rng.randint(0, 6))
                    m.done_at, m.evidence = _at(m.done_on), "按期完成，见进展报送。"
                    m.save(update_fields=["done_at", "done_on", "evidence"])
            if finish < today:
                reports.append(ProgressReport(task=task, unit=lead.unit, author=author, submitted_at=_at(finish, 11),
                                              public_at=_at(finish, 11), text="项目已全部完成并通过验收，投入使用。", percent=100, is_lead=True))
                task.progress, task.status, task.status_reason = 100, TaskStatus.CLOSED, "已办结"
                task.closed_at, task.closed_on_time = _at(finish + dt.timedelta(days=2)), True
                task.last_report_at = _at(finish, 11)
                journal.append(journal_entry(at=task.closed_at, actor=office, verb="task.closure_decide", obj=task,
                                             scope_path=program.owner_unit.path, changes={"decision": "approved"}))
            task.save()
        ProgressReport.objects.bulk_create(reports)
        journal_record_many(journal)
    for task in Task.objects.filter(program=program).exclude(status=TaskStatus.CLOSED):
        tasks.task_refresh_status(task=task, today=today)
    program_rebuild(program, day=today)  # the writes above went round the services
    return program


def _ratings(programs, today, rng, target: int = 200) -> int:
    """About `target` ratings: most on the 民生实事, some on published tasks; none if any exist already."""
    shishi = list(Task.objects.filter(program__in=programs, program__is_shishi=True, is_archived=False))
    public = list(Task.objects.filter(program__in=programs, program__is_shishi=False, is_archived=False)
                  .order_by("sort_order")[:8])
    pool = shishi * 4 + public
    if not pool or PublicRating.objects.filter(task__in=pool).exists():
        return 0
    rows, journal = [], []
    for i in range(target):
        task = rng.choice(pool)
        score = rng.choices([5, 4, 3, 2, 1], weights=[48, 30, 12, 6, 4])[0]
        when = _at(today - dt.timedelta(days=rng.randint(0, 60)), rng.randint(8, 21))
        key = hashlib.sha256(f"luoshi-demo-visitor-{i}".encode()).hexdigest()
        rows.append(PublicRating(task=task, score=score, comment=rng.choice(COMMENTS), rater_key=key,
                                 ip_hash=hashlib.sha256(f"demo-ip-{i % 57}".encode()).hexdigest(), created_at=when))
    PublicRating.objects.bulk_create(rows)
    for r in PublicRating.objects.filter(task__in=pool).select_related("task__program__owner_unit"):
        journal.append(journal_entry(at=r.created_at, actor=None, verb="portal.rating", obj=r.task,
                                     scope_path=r.task.program.owner_unit.path, changes={"rating": r.pk, "score": r.score}))
    journal_record_many(journal)
    return len(rows)
