"""Scheduled bulletins: one issue per slot whatever the runs, numbers per series and year, a stopped worker,
review and 签发, regenerating from the stored snapshot, 工作动态 compiled from sections, and the refusals."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import time_machine
from docx import Document

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.inbox import inbox_source
from luoshi.core.models import JournalEntry, Notification
from luoshi.documents import compile as sections
from luoshi.documents import services
from luoshi.documents.issue_files import issue_file
from luoshi.documents.models import Issue, IssueState, Subscription
from luoshi.tasks import services as task_services

from .conftest import at

pytestmark = pytest.mark.django_db


def weekly(city, **kw) -> Subscription:
    data = services.SubscriptionInput(name="城市更新攻坚调度周报", kind="program", owner_unit=city.district,
                                      program=city.program, schedule="每周一", formats=["docx", "xlsx", "pdf"],
                                      recipients=[city.leader, city.liaison_east], starts_on=dt.date(2021, 7, 5), **kw)
    return services.subscription_create(by=city.office, data=data)


@pytest.fixture
def due(django_capture_on_commit_callbacks):
    """The daily step on `day`, with the worker running the queued jobs when the claim commits."""
    def run(day: dt.date) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.bulletins_due(today=day)
    return run


def run_days(due, start: dt.date, days: int, times: int = 2) -> None:
    for i in range(days):
        day = start + dt.timedelta(days=i)
        with time_machine.travel(at(day.year, day.month, day.day, 8), tick=False):
            for _ in range(times):
                due(day)


def test_one_issue_per_slot_numbers_continue(city, due):
    sub = weekly(city)
    run_days(due, dt.date(2021, 7, 5), 22)  # Mondays 7-5, 7-12, 7-19, 7-26
    issues = list(Issue.objects.filter(subscription=sub).order_by("number"))
    assert [(i.slot, i.number, i.state) for i in issues] == [
        (dt.date(2021, 7, 5), 1, "issued"), (dt.date(2021, 7, 12), 2, "issued"),
        (dt.date(2021, 7, 19), 3, "issued"), (dt.date(2021, 7, 26), 4, "issued")]
    assert issues[0].title == "城市更新攻坚调度周报（2021年第1期）"
    # recipients are told once per issue
    assert Notification.objects.filter(recipient=city.leader, kind="bulletin.issued").count() == 4
    assert JournalEntry.objects.filter(verb="bulletin.generate").count() == 4


def test_a_stopped_worker_leaves_the_issue_to_the_next_run(city, due, monkeypatch):
    sub = weekly(city)
    monkeypatch.setattr("luoshi.documents.services.schedule_generation", lambda ids, notify=True: None)
    services.bulletins_due(today=dt.date(2021, 7, 5))
    issue = Issue.objects.get(subscription=sub)
    assert issue.state == IssueState.PENDING and issue.snapshot == {}
    monkeypatch.undo()
    due(dt.date(2021, 7, 6))  # the restarted worker
    issue.refresh_from_db()
    assert issue.state == IssueState.ISSUED and issue.number == 1 and issue.snapshot["counts"]["total"] == 4
    assert Issue.objects.filter(subscription=sub).count() == 1


def test_numbers_restart_each_year(city, due):
    sub = weekly(city)
    with time_machine.travel(at(2021, 12, 27), tick=False):
        due(dt.date(2021, 12, 27))
    # Monday 2022-01-03 is the New Year holiday: the issue waits for the next working day (顺延)
    with time_machine.travel(at(2022, 1, 3), tick=False):
        due(dt.date(2022, 1, 3))
    assert Issue.objects.filter(subscription=sub).count() == 1
    with time_machine.travel(at(2022, 1, 4), tick=False):
        due(dt.date(2022, 1, 4))
    assert list(Issue.objects.filter(subscription=sub).values_list("slot", "year", "number").order_by("slot")) == [
        (dt.date(2021, 12, 27), 2021, 1), (dt.date(2022, 1, 3), 2022, 1)]


def _figures(docx: bytes) -> tuple:
    """The document's text, tables and pictures (python-docx writes no timestamps: the XML is the content)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return (z.read("word/document.xml"),
                tuple(sorted((n, z.read(n)) for n in z.namelist() if n.startswith("word/media/"))))


def test_regenerated_issue_has_the_same_figures(city, due):
    sub = weekly(city)
    due(dt.date(2021, 7, 5))
    issue = Issue.objects.get(subscription=sub)
    first_docx, first_xlsx = issue_file(issue, "docx"), issue_file(issue, "xlsx")
    doc = Document(io.BytesIO(first_docx))
    assert doc.paragraphs[1].text == "第1期"
    assert len(doc.inline_shapes) == 3  # the three charts: status, monthly trend, units
    assert issue.snapshot["trend"][-1] == {"year": 2021, "month": 7, "added": 0, "closed": 0, "total": 4,
                                           "closed_total": 1}
    # the world moves on: the red task is closed a week later
    with time_machine.travel(at(2021, 7, 9), tick=False):
        task_services.task_acknowledge(by=city.liaison_east, task=city.overdue)
        req = task_services.task_request_closure(by=city.liaison_east, task=city.overdue, summary="已完成")
        task_services.task_decide_closure(by=city.office, request=req, accept=True)
    issue = Issue.objects.get(pk=issue.pk)
    assert services._snapshot(issue)["counts"] != issue.snapshot["counts"]  # today's figures differ …
    again = issue_file(issue, "docx")  # … the issue keeps its own
    assert _figures(again) == _figures(first_docx)
    wb1, wb2 = (openpyxl.load_workbook(io.BytesIO(b)) for b in (first_xlsx, issue_file(issue, "xlsx")))
    for ws1, ws2 in zip(wb1.worksheets, wb2.worksheets):
        assert [[c.value for c in r] for r in ws1.iter_rows()] == [[c.value for c in r] for r in ws2.iter_rows()]
    assert wb1["汇总"]["A2"].value == "第1期"
    pdf = issue_file(issue, "pdf")
    assert pdf.startswith(b"%PDF")


def test_an_issue_drawn_before_the_trend_keeps_its_two_charts(city, due):
    """Issues stored before the monthly trend existed have no "trend" in their snapshot: drawn again they are the
    document they were (two charts, the units chart still 图2), not a new layout with an empty chart."""
    sub = weekly(city)
    due(dt.date(2021, 7, 5))
    issue = Issue.objects.get(subscription=sub)
    Issue.objects.filter(pk=issue.pk).update(snapshot={k: v for k, v in issue.snapshot.items() if k != "trend"})
    issue.refresh_from_db()
    doc = Document(io.BytesIO(issue_file(issue, "docx")))
    assert len(doc.inline_shapes) == 2
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert captions == ["图1　任务状态分布（截至2021年7月5日）", "图2　各牵头单位任务办理情况（截至2021年7月5日）"]
    assert len(doc.tables) == 1 and not any(p.text.startswith("近") for p in doc.paragraphs)


def test_review_before_issue_goes_through_the_inbox(city, due):
    sub = weekly(city, review_required=True)
    due(dt.date(2021, 7, 5))
    issue = Issue.objects.get(subscription=sub)
    assert issue.state == IssueState.DRAFT
    source = inbox_source("documents.bulletin_review")
    assert source.count(city.office) == 1 == len(source.items(city.office, None))
    assert source.count(city.liaison_east) == 0
    assert not Notification.objects.filter(recipient=city.leader).exists()
    # a recipient does not see a draft; a liaison cannot edit or issue it
    assert not Issue.objects.visible_to(__import__("luoshi.org.scopes", fromlist=["x"]).scope_for(city.liaison_east)).exists()
    with pytest.raises(PermissionDeniedError):
        services.issue_publish(by=city.liaison_east, issue=issue)
    services.issue_edit(by=city.office, issue=issue, note="请各单位对照通报逐项整改。")
    services.issue_publish(by=city.office, issue=issue)
    assert source.count(city.office) == 0
    assert Notification.objects.filter(recipient=city.leader, kind="bulletin.issued").count() == 1
    doc = Document(io.BytesIO(issue_file(issue, "docx")))
    assert "请各单位对照通报逐项整改。" in [p.text for p in doc.paragraphs]
    with pytest.raises(ServiceError, match="已印发的期次不能再改"):
        services.issue_edit(by=city.office, issue=issue, note="改一下")


def test_subscription_refusals_leave_nothing(city):
    with pytest.raises(PermissionDeniedError):
        weekly(city.__class__(**{**city.__dict__, "office": city.liaison_east}))
    bad = services.SubscriptionInput(name="周报", kind="program", owner_unit=city.district, program=city.program,
                                     schedule="每周八")
    with pytest.raises(ServiceError) as e:
        services.subscription_create(by=city.office, data=bad)
    assert e.value.field == "schedule" and "每周八" in e.value.message
    no_program = services.SubscriptionInput(name="周报", kind="program", owner_unit=city.district, schedule="每周一")
    with pytest.raises(ServiceError, match="请选择要通报的专项工作"):
        services.subscription_create(by=city.office, data=no_program)
    wrong_format = services.SubscriptionInput(name="动态", kind="compiled", owner_unit=city.district, formats=["xlsx"])
    with pytest.raises(ServiceError, match="不支持 xlsx"):
        services.subscription_create(by=city.office, data=wrong_format)
    assert not Subscription.objects.exists()


def test_compiled_issue_from_sections(city):
    sub = services.subscription_create(by=city.office, data=services.SubscriptionInput(
        name="城市更新工作动态", kind="compiled", owner_unit=city.district, formats=["docx", "pdf"],
        recipients=[city.leader]))
    issue = services.issue_create_now(by=city.office, subscription=sub)
    assert issue.state == IssueState.DRAFT and issue.number == 1
    with pytest.raises(ServiceError, match="还没有内容"):
        services.issue_publish(by=city.office, issue=issue)
    report = city.normal.reports.first()
    services.issue_add_section(by=city.office, issue=issue, section=sections.report_section(user=city.office, pk=report.pk))
    services.issue_add_section(by=city.office, issue=issue, section=sections.figures_section(
        user=city.office, code=city.program.code, as_of=city.as_of))
    services.issue_add_section(by=city.office, issue=issue, section=sections.text_section("下步打算", "持续推进。"))
    with pytest.raises(ServiceError) as e:
        services.issue_edit(by=city.office, issue=issue, note="", sections=[
            {"heading": "", "body": "x"}, {"heading": "b", "body": ""}, {"heading": "c", "body": ""}])
    assert e.value.field == "heading_1"
    services.issue_edit(by=city.office, issue=issue, note="", sections=[
        {"heading": "口袋公园建设加快推进", "body": "两处已开工，进度过半。"},
        {"heading": "城市更新攻坚推进情况", "body": issue.snapshot["sections"][1]["body"]},
        {"heading": "下步打算", "body": "持续推进。"}])
    services.issue_publish(by=city.office, issue=issue)
    doc = Document(io.BytesIO(issue_file(issue, "docx")))
    text = [p.text for p in doc.paragraphs]
    assert "口袋公园建设加快推进" in text and "两处已开工，进度过半。" in text
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["正常", "1项"]
    assert len(doc.inline_shapes) == 1
    assert issue_file(issue, "pdf").startswith(b"%PDF")
    # the report changes later: the issue keeps what it printed
    report.text = "改过的内容"
    report.save()
    assert "两处已开工，进度过半。" in [p.text for p in Document(io.BytesIO(issue_file(issue, "docx"))).paragraphs]
