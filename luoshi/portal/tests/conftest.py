"""Fixtures for the public site: on top of the root cast and `program` (2026年鼓励创新工作要点, three tasks),

- ``published``: that program published (公开通报), with progress reports whose text carries a phone number,
  an ID number and an e-mail address; a 民生实事 program (not otherwise published) with one task that has
  milestones, reports and is closed; and a private program whose task must never show.
"""
from __future__ import annotations

import pytest

from luoshi.tasks import services as tasks
from luoshi.tasks.models import ClosureRequest, ProgressReport, Task

PHONE = "13912345678"
ID_NUMBER = "370212198805051234"
EMAIL = "zhou.qiang@example.net"
REPORT_TEXT = f"已完成3栋楼外墙改造，联系电话{PHONE}，身份证{ID_NUMBER}，邮箱{EMAIL}"
SHISHI_TITLE = "新建沙子口社区食堂"
HIDDEN_TITLE = "内部掌握：某片区征收摸底"


@pytest.fixture
def published(program, city, cast, travel):
    office = cast["office"]
    p = program["program"]
    with travel("2026-01-06"):
        tasks.program_update(by=office, program=p, is_public=True)
        tasks.task_acknowledge(by=cast["liaison_a"], task=program["task_a"])
        tasks.task_acknowledge(by=cast["liaison_b"], task=program["task_b"])
        shishi = tasks.program_create(by=office, code="shishi-2026", name="2026年区办民生实事", year=2026,
                                      owner_unit=city["office_unit"], is_shishi=True)
        canteen = tasks.task_create(by=office, program=shishi, data=tasks.TaskInput(
            title=SHISHI_TITLE, lead_units=[city["street_b"]], deadline_phrase="3月底前完成选址，6月底前建成"))
        hidden = tasks.program_create(by=office, code="hidden-2026", name="内部专项", year=2026,
                                      owner_unit=city["office_unit"])
        secret = tasks.task_create(by=office, program=hidden, data=tasks.TaskInput(
            title=HIDDEN_TITLE, lead_units=[city["street_a"]], deadline_phrase="6月底前"))
        tasks.task_acknowledge(by=cast["liaison_b"], task=canteen)
    with travel("2026-01-20"):
        tasks.task_report_progress(by=cast["liaison_a"], task=Task.objects.get(pk=program["task_a"].pk),
                                   text=REPORT_TEXT, percent=30)
        tasks.task_report_progress(by=cast["liaison_b"], task=Task.objects.get(pk=canteen.pk),
                                   text="已完成选址，正在招标。", percent=40)
    with travel("2026-02-20"):
        tasks.task_report_progress(by=cast["liaison_b"], task=Task.objects.get(pk=canteen.pk),
                                   text=f"主体完工，设备进场（现场负责人电话{PHONE}）。", percent=100)
        tasks.task_request_closure(by=cast["liaison_b"], task=Task.objects.get(pk=canteen.pk), summary="已建成投用")
        tasks.task_decide_closure(by=office, request=ClosureRequest.objects.get(task=canteen), accept=True)
    with travel("2026-02-21"):  # the office releases the lead reports' text to the public site (审核后公开)
        for report in ProgressReport.objects.filter(is_lead=True, public_at=None, withheld_at=None):
            tasks.report_release(by=office, report=report, release=True)
    return {"program": p, "task_a": Task.objects.get(pk=program["task_a"].pk), "task_b": program["task_b"],
            "task_dept": program["task_dept"], "shishi": shishi, "canteen": Task.objects.get(pk=canteen.pk),
            "hidden": hidden, "secret": secret}
