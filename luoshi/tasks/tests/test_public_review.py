"""Nothing public by accident (issue #12 §3): a lead unit's progress text reaches the public site only after the
office released it when the program requires review (the default); the form says what will be public; the office
finds the report in its 待办; a liaison cannot release; a withheld text never shows. A deadline phrase that is
already past when the task is created is said at once."""
from __future__ import annotations

import pytest
from django.urls import reverse

from luoshi.core.errors import ServiceError
from luoshi.core.inbox import inbox_groups
from luoshi.core.models import JournalEntry
from luoshi.tasks import services
from luoshi.tasks.models import ProgressReport, Task

SECRET = "内部：征收补偿款尚未到位"


@pytest.fixture
def public(program, cast, travel):
    with travel("2026-01-06"):
        services.program_update(by=cast["office"], program=program["program"], is_public=True)
        services.task_acknowledge(by=cast["liaison_a"], task=program["task_a"])
    return program


def _report(cast, task, text, travel, day="2026-01-20"):
    with travel(day):
        return services.task_report_progress(by=cast["liaison_a"], task=Task.objects.get(pk=task.pk), text=text,
                                             percent=20)


def test_text_waits_for_the_office_then_goes_public(public, cast, client_for, travel):
    task = public["task_a"]
    liaison = client_for(cast["liaison_a"])
    form = liaison.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "牵头单位的进展文字经督查室审核后公开" in form
    report = _report(cast, task, "已完成3栋楼外墙改造", travel)
    public_page = reverse("portal_task", args=[task.program_id, task.pk])
    assert "已完成3栋楼外墙改造" not in client_for(cast["outsider"]).get(public_page).content.decode()
    [group] = inbox_groups(cast["office"], only="tasks.public_review")
    assert group.count == 1 and group.items[0].url.endswith(f"#release-{report.pk}")
    # the liaison may not release their own text; an unknown or unreadable report is a 404
    r = liaison.post(reverse("report_release", args=[report.pk]), {"decision": "release"}, follow=True)
    assert "只有" in " ".join(str(m) for m in r.context["messages"])
    assert client_for(cast["outsider"]).post(reverse("report_release", args=[report.pk]),
                                             {"decision": "release"}).status_code == 404
    report.refresh_from_db()
    assert report.public_at is None
    with travel("2026-01-21"):
        r = client_for(cast["office"]).post(reverse("report_release", args=[report.pk]), {"decision": "release"})
    assert r.status_code == 302
    assert "已完成3栋楼外墙改造" in client_for(cast["outsider"]).get(public_page).content.decode()
    assert inbox_groups(cast["office"], only="tasks.public_review") == []
    assert JournalEntry.objects.filter(verb="task.report_release").count() == 1
    with pytest.raises(ServiceError, match="已经审核过"):
        services.report_release(by=cast["office"], report=report, release=False, note="重复")


def test_withheld_text_never_shows_and_needs_a_reason(public, cast, client_for, travel):
    task = public["task_a"]
    report = _report(cast, task, SECRET, travel)
    with pytest.raises(ServiceError, match="写明理由"):
        services.report_release(by=cast["office"], report=report, release=False)
    services.report_release(by=cast["office"], report=report, release=False, note="含内部事项")
    assert SECRET not in client_for(cast["outsider"]).get(reverse("portal_task", args=[task.program_id, task.pk])).content.decode()
    assert ProgressReport.objects.get(pk=report.pk).withheld_at is not None
    assert JournalEntry.objects.get(verb="task.report_withhold").reason == "含内部事项"


def test_without_review_the_form_says_it_is_public_at_once(public, cast, client_for, travel):
    services.program_update(by=cast["office"], program=public["program"], public_review=False)
    task = public["task_a"]
    form = client_for(cast["liaison_a"]).get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "牵头单位的进展文字提交后立即公开" in form
    _report(cast, task, "已完成选址", travel)
    assert "已完成选址" in client_for(cast["outsider"]).get(reverse("portal_task", args=[task.program_id, task.pk])).content.decode()
    assert inbox_groups(cast["office"], only="tasks.public_review") == []


def test_a_deadline_already_past_is_said_at_once(program, cast, client_for, travel):
    with travel("2026-12-04"):
        r = client_for(cast["office"]).post(reverse("task_create", args=[program["program"].code]), {
            "title": "年底前补上的任务", "lead_units": "中韩街道", "deadline_phrase": "三季度"}, follow=True)
    messages = " ".join(str(m) for m in r.context["messages"])
    assert "完成时限“三季度”按 2026 年理解为 2026-09-30，已经过去" in messages and "2027年三季度" in messages


def test_a_parent_is_not_closed_over_open_subtasks(program, cast, city, travel):
    """Numbers that add up: a parent cannot be 已办结 while a child is open (red or not); the refusal names them."""
    with travel("2026-01-06"):
        parent = program["task_a"]
        child = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="一号楼外墙改造", lead_units=[city["street_a"]], deadline_phrase="3月底前", parent=parent))
        services.task_acknowledge(by=cast["liaison_a"], task=parent)
        services.task_acknowledge(by=cast["liaison_a"], task=child)
        with pytest.raises(ServiceError, match=f"还有 1 项子任务未办结（{child.code}）"):
            services.task_request_closure(by=cast["liaison_a"], task=parent, summary="已完成")
        services.task_request_closure(by=cast["liaison_a"], task=child, summary="已完成")
        services.task_decide_closure(by=cast["office"], request=child.closure_requests.get(), accept=True)
        request = services.task_request_closure(by=cast["liaison_a"], task=Task.objects.get(pk=parent.pk),
                                                summary="全部完成")
        # a subtask added after the request still stops the office's acceptance
        late = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="补充：二号楼", lead_units=[city["street_a"]], deadline_phrase="6月底前", parent=parent))
        with pytest.raises(ServiceError, match=late.code):
            services.task_decide_closure(by=cast["office"], request=request, accept=True)
        assert Task.objects.get(pk=parent.pk).closed_at is None
