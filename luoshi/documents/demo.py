"""The scheduled bulletins demo: the 崂山区 office's monthly 调度通报 of the 鼓励创新 program (每月5日, 顺延), the
市文明办's weekly 创城督查通报 (每周一, reviewed before issue), each with the issues of the past weeks/months
drawn by the same daily step a server runs, and a 工作动态 with an issued number (a case and a progress
report) and a draft waiting for 签发. Safe to run twice."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from luoshi.core import clock
from luoshi.org.models import Person
from luoshi.programs.models import Program
from luoshi.tasks.models import ProgressReport

from . import compile as sections
from . import services
from .models import Subscription


def _at(day: dt.date, hour: int = 7) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _run(start: dt.date, today: dt.date) -> None:
    """The daily step on each day from `start` to yesterday, the worker drawing at once (no on_commit wait)."""
    day = start
    while day < today:
        with clock.at(_at(day)):
            pending: list[int] = []
            original = services.schedule_generation
            services.schedule_generation = lambda ids, notify=True: pending.extend(ids)  # type: ignore[assignment]
            try:
                services.bulletins_due(today=day, notify=False)
            finally:
                services.schedule_generation = original
            for pk in pending:
                services.issue_generate(pk, notify=False)
        day += dt.timedelta(days=1)


def bulletins_demo(*, today: dt.date | None = None, program: Program | None = None,
                   ledger: Program | None = None) -> dict:
    today = today or clock.today()
    if Subscription.objects.exists():
        return {"subscriptions": Subscription.objects.count()}
    people = {p.username: p for p in Person.objects.filter(username__in=["office", "leader", "inspector", "liaison",
                                                                          "liaison2", "sthj"])}
    office, inspector = people.get("office"), people.get("inspector")
    subs = []
    start = today - dt.timedelta(days=70)
    if program is not None and office is not None:
        with clock.at(_at(start, 9)):
            subs.append(services.subscription_create(by=office, data=services.SubscriptionInput(
                name=f"{program.name}调度通报", kind="program", owner_unit=program.owner_unit, program=program,
                schedule="每月5日", formats=["docx", "xlsx", "pdf"], starts_on=start,
                recipients=[p for k, p in people.items() if k in ("leader", "liaison", "liaison2")])))
    if ledger is not None and inspector is not None:
        with clock.at(_at(start, 9)):
            subs.append(services.subscription_create(by=inspector, data=services.SubscriptionInput(
                name="创城督查通报", kind="ledger", owner_unit=ledger.owner_unit, program=ledger, schedule="每周一",
                formats=["docx", "pdf"], review_required=True, starts_on=start, recipients=[inspector])))
    from luoshi.assessment.models import Scheme

    daqi = Scheme.objects.filter(name__contains="大气").select_related("owner_unit").first()
    if daqi is not None and people.get("sthj") is not None:
        with clock.at(_at(start, 9)):
            subs.append(services.subscription_create(by=people["sthj"], data=services.SubscriptionInput(
                name="环境空气质量排名周报", kind="assessment", owner_unit=daqi.owner_unit, scheme=daqi,
                schedule="每周一", formats=["docx", "pdf"], starts_on=start, recipients=[people["sthj"]])))
    _run(start, today)
    # the weekly bulletin is reviewed: the past ones were issued, the latest waits in the inbox
    for sub in subs:
        drafts = list(sub.issues.filter(state="draft").order_by("number"))
        for issue in drafts[:-1]:
            with clock.at(_at(issue.slot, 10)):
                services.issue_publish(by=sub.created_by, issue=issue)
    if office is not None and program is not None:
        with clock.at(_at(today - dt.timedelta(days=14), 9)):
            dongtai = services.subscription_create(by=office, data=services.SubscriptionInput(
                name="鼓励创新工作动态", kind="compiled", owner_unit=program.owner_unit, formats=["docx", "pdf"],
                recipients=[p for k, p in people.items() if k in ("leader",)]))
            issue = services.issue_create_now(by=office, subscription=dongtai)
            from luoshi.cases.models import Case

            case = Case.objects.filter(state="accepted", unit_path__within=[program.owner_unit.path]).first()
            if case is not None:
                services.issue_add_section(by=office, issue=issue, section=sections.case_section(user=office, pk=case.pk))
            report = ProgressReport.objects.filter(task__program=program).order_by("-submitted_at").first()
            if report is not None:
                services.issue_add_section(by=office, issue=issue,
                                           section=sections.report_section(user=office, pk=report.pk))
            services.issue_add_section(by=office, issue=issue, section=sections.figures_section(
                user=office, code=program.code, as_of=today - dt.timedelta(days=14)))
            services.issue_edit(by=office, issue=issue, note="本期编发鼓励创新典型案例和重点任务进展，供各单位学习借鉴。")
            services.issue_publish(by=office, issue=issue)
        with clock.at(_at(today - dt.timedelta(days=1), 9)):
            draft = services.issue_create_now(by=office, subscription=dongtai)
            services.issue_add_section(by=office, issue=draft, section=sections.text_section(
                "崂山区召开鼓励创新典型案例推进会", "会议听取了各单位创新案例培育情况汇报，部署下一阶段工作。"))
    return {"subscriptions": Subscription.objects.count()}
