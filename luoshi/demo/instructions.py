"""批示 of the demo (here in luoshi.demo, not in the instructions app: it reads the tasks, ledger, requests and
assessment demos, which the instructions app does not import), in the 调度 style of the seeds (领导批示 → 牵头单位落实 → 报送 → 已阅/办结): the 崂山 责任领导 on
red tasks of the 鼓励创新 program, a 市领导 on overdue 创城 findings, a low-rated request and a street at the bottom
of the 创城 monthly round. Written through the services (journal, notifications) a few days back in time, some
answered, one 已阅, one 办结. Runs once: skipped when any 批示 exists."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from luoshi.core import clock
from luoshi.org.demo import DEMO_PASSWORD, Account, unit_at
from luoshi.org.models import Person, Role
from luoshi.org.services import grant_role, person_create

from luoshi.instructions import services
from luoshi.instructions.models import Instruction

INSTRUCTIONS_ACCOUNTS = [
    Account("city_leader", "韩立军", Role.LEADER, "青岛市", "市政府副市长（分管）",
            note="市领导：打开全市“一屏观”、对任务/问题/诉求/考核结果写批示、阅示办理单位的回复、办结"),
]

TASK_TEXT = ("此项已亮红灯。请牵头单位本周五前报送推进措施、时间节点和需要协调解决的问题，区委督查室跟踪督办，"
             "下次调度会专题听取汇报。")
FINDING_TEXT = ("此问题已逾期未整改。请属地街道立即组织整改，3日内报送整改前后对比照片，市文明办复核销号；"
                "举一反三，对同类问题开展“回头看”。")
REQUEST_TEXT = "群众对办理结果不满意。请承办单位主要负责同志重新研究答复，当面沟通，确保诉求真正解决。"
RESULT_TEXT = ("该街道连续排名靠后。请区委、区政府主要负责同志专题研究，制定整改提升方案，一个月内报市创城办，"
               "市创城办加强包联帮扶。")
REPLY_TEXT = "已召开专题会研究部署，制定推进计划（附时间节点），明确分管负责同志和责任科室，下周起每周报送进展。"


def _person(acc: Account, hashed_password: str) -> Person:
    person = Person.objects.filter(username=acc.username).first()
    unit = unit_at(acc.unit_path)
    if person is None:
        person = person_create(by=None, username=acc.username, full_name=acc.full_name, title=acc.title, unit=unit,
                               email=f"{acc.username}@demo.luoshi.local")
    if not person.has_usable_password():
        Person.objects.filter(pk=person.pk).update(password=hashed_password)
    grant_role(by=None, person=person, role=acc.role, unit=unit)
    return person


def _liaison_of(unit) -> Person | None:
    return Person.objects.filter(grants__role__in=(Role.LIAISON, Role.OFFICE), grants__unit=unit).order_by("pk").first()


def instructions_demo(*, hashed_password: str | None = None) -> dict:
    hashed_password = hashed_password or make_password(DEMO_PASSWORD)
    city_leader = _person(INSTRUCTIONS_ACCOUNTS[0], hashed_password)
    if Instruction.objects.exists():
        return {"instructions": Instruction.objects.count()}
    from luoshi.assessment.models import Result, RoundState
    from luoshi.intake.models import Request, RequestState
    from luoshi.ledger.models import OWING_STATUSES, Finding
    from luoshi.tasks.models import AssignmentRole, Task, TaskStatus

    today = clock.today()
    written = []
    district_leader = Person.objects.filter(username="leader").first()
    at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=6), dt.time(9, 30)))
    with transaction.atomic(), clock.at(at):
        if district_leader is not None:
            for task in Task.objects.filter(status=TaskStatus.RED, is_archived=False).order_by("program_id", "sort_order")[:3]:
                units = [a.unit for a in task.assignments.filter(role=AssignmentRole.LEAD).select_related("unit")]
                if units:
                    written.append(services.instruction_create(by=district_leader, target=f"tasks.task:{task.pk}",
                                                               text=TASK_TEXT, units=units,
                                                               deadline=today + dt.timedelta(days=4)))
        for finding in (Finding.objects.filter(status__in=OWING_STATUSES, deadline__lt=today)
                        .select_related("unit").order_by("deadline", "pk")[:2]):
            written.append(services.instruction_create(by=city_leader, target=f"ledger.finding:{finding.pk}",
                                                       text=FINDING_TEXT, units=[finding.unit],
                                                       deadline=today + dt.timedelta(days=2)))
        request = (Request.objects.filter(state=RequestState.CLOSED, satisfaction__lt=3, lead_unit__isnull=False)
                   .select_related("lead_unit").order_by("pk").first())
        if request is not None:
            written.append(services.instruction_create(by=city_leader, target=f"intake.request:{request.pk}",
                                                       text=REQUEST_TEXT, units=[request.lead_unit],
                                                       deadline=today + dt.timedelta(days=7)))
        result = (Result.objects.filter(is_bottom=True, round__state__in=(RoundState.PUBLISHED, RoundState.FINAL))
                  .select_related("unit__parent").order_by("-round__period_end", "rank").first())
        if result is not None:
            units = [result.unit] + ([result.unit.parent] if result.unit.parent_id else [])
            written.append(services.instruction_create(by=city_leader, target=f"assessment.result:{result.pk}",
                                                       text=RESULT_TEXT, units=units,
                                                       deadline=today + dt.timedelta(days=24)))
    # the first units answer two days later; the leader reads one answer and closes another 批示
    later = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=4), dt.time(16, 0)))
    with transaction.atomic(), clock.at(later):
        for i, instruction in enumerate(written):
            if i % 2:
                continue
            recipient = instruction.recipients.select_related("unit").first()
            person = _liaison_of(recipient.unit) if recipient else None
            if person is not None:
                services.instruction_reply(by=person, instruction=instruction, unit=recipient.unit, text=REPLY_TEXT)
        answered = [i for i in written if Instruction.objects.get(pk=i.pk).answered_count]
        if answered:
            services.instruction_mark_read(by=answered[0].author, instruction=answered[0])
        if len(answered) > 1:
            services.instruction_close(by=answered[-1].author, instruction=answered[-1],
                                       note="整改到位，同意办结。请持续巩固，防止反弹。")
    # one 市领导 批示 on a finding has run past its deadline: the cockpit shows it as 逾期
    overdue = [i for i in written if i.target_type.model == "finding" and i.answered_count == 0]
    if overdue:
        Instruction.objects.filter(pk=overdue[-1].pk).update(deadline=today - dt.timedelta(days=1))
    return {"instructions": len(written)}
