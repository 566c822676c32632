"""时间节点 marked done by the lead unit (date and evidence, journaled), undone by the office (with a reason), and
shown as done / overdue / upcoming on the task page and the public page."""
import datetime as dt

import pytest
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.tasks import services
from luoshi.tasks.models import Milestone, Task

D = dt.date


@pytest.fixture
def staged(program, city, cast, travel):
    """A task of street A with three milestones (3月底前…, 6月底前…, 9月底前…), signed by street A."""
    with travel("2026-01-06"):
        task = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="老旧小区改造三步走", lead_units=[city["street_a"]], coop_units=[city["street_b"]],
            deadline_phrase="3月底前完成设计，6月底前开工，9月底前完工，年底前验收"))
        services.task_acknowledge(by=cast["liaison_a"], task=task, unit=city["street_a"])
    ms = list(Milestone.objects.filter(task=task).order_by("due"))
    assert [m.due for m in ms] == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30)]
    return {"task": task, "ms": ms}


def test_the_lead_unit_marks_done_and_the_office_undoes(staged, cast, travel):
    first = staged["ms"][0]
    with travel("2026-04-02"):
        m = services.milestone_mark_done(by=cast["liaison_a"], milestone=first, done_on=D(2026, 3, 28),
                                         evidence="  设计方案已批复（区住建局〔2026〕12号） ")
    m = Milestone.objects.get(pk=first.pk)
    assert (m.done_on, m.done_by, m.evidence) == (D(2026, 3, 28), cast["liaison_a"], "设计方案已批复（区住建局〔2026〕12号）")
    assert m.state_on(D(2026, 4, 2)) == "done"
    [entry] = JournalEntry.objects.filter(verb="task.milestone_done")
    assert entry.actor == cast["liaison_a"] and entry.changes["milestone"] == m.title
    with travel("2026-04-02"), pytest.raises(ServiceError, match="已于 2026-03-28 标记完成"):
        services.milestone_mark_done(by=cast["liaison_a"], milestone=m, done_on=D(2026, 3, 29), evidence="再次")
    with travel("2026-04-03"):
        with pytest.raises(ServiceError, match="请写明撤销的理由"):
            services.milestone_undo(by=cast["office"], milestone=m, reason=" ")
        with pytest.raises(PermissionDeniedError):
            services.milestone_undo(by=cast["liaison_a"], milestone=m, reason="我撤回")
        services.milestone_undo(by=cast["office"], milestone=m, reason="批复文件未见，请补充")
    m = Milestone.objects.get(pk=first.pk)
    assert (m.done_at, m.done_on, m.done_by, m.evidence) == (None, None, None, "")
    assert m.state_on(D(2026, 4, 3)) == "overdue"
    [undo] = JournalEntry.objects.filter(verb="task.milestone_undo")
    assert undo.reason == "批复文件未见，请补充" and undo.changes["done_on"][0] == "2026-03-28"
    with travel("2026-04-03"), pytest.raises(ServiceError, match="尚未标记完成"):
        services.milestone_undo(by=cast["office"], milestone=m, reason="再撤")


@pytest.mark.parametrize("who, kw, message", [
    ("liaison_b", {}, "只有牵头单位"),              # a co-operating unit
    ("liaison_dept", {}, "不是该任务责任单位的联络员"),
    ("office", {}, "不是该任务责任单位的联络员"),
    ("liaison_a", {"done_on": None}, "请填写完成日期"),
    ("liaison_a", {"done_on": D(2026, 4, 3)}, "不能晚于今天"),
    ("liaison_a", {"evidence": "  "}, "请写明完成依据"),
    ("liaison_a", {"evidence": "x" * 2001}, "最多 2000 字"),
])
def test_refusals_store_nothing(staged, cast, travel, who, kw, message):
    args = {"done_on": D(2026, 3, 30), "evidence": "已完成"} | kw
    with travel("2026-04-02"), pytest.raises(ServiceError, match=message):
        services.milestone_mark_done(by=cast[who], milestone=staged["ms"][0], **args)
    assert not Milestone.objects.filter(task=staged["task"]).exclude(done_at=None).exists()
    assert not JournalEntry.objects.filter(verb="task.milestone_done").exists()


def test_task_page_forms_and_states(staged, cast, client_for, travel):
    task, (first, second, third) = staged["task"], staged["ms"]
    liaison = client_for(cast["liaison_a"])
    with travel("2026-07-01"):
        html = liaison.get(reverse("task_detail", args=[task.pk])).content.decode()
        assert html.count("已逾期") >= 2 and "未到期" in html
        assert f"/tasks/milestones/{first.pk}/done/" in html and "撤销完成" not in html
        r = liaison.post(reverse("milestone_done", args=[first.pk]), {"done_on": "2026-03-30", "evidence": "已批复"},
                         follow=True)
        assert "已标记完成" in r.content.decode()
        r = liaison.post(reverse("milestone_done", args=[second.pk]), {"done_on": "", "evidence": "x"}, follow=True)
        assert "完成日期" in r.content.decode()
    assert Milestone.objects.get(pk=second.pk).done_at is None
    office = client_for(cast["office"])
    with travel("2026-07-01"):
        html = office.get(reverse("task_detail", args=[task.pk])).content.decode()
        assert "撤销完成" in html and f"/tasks/milestones/{second.pk}/done/" not in html
        office.post(reverse("milestone_undo", args=[first.pk]), {"reason": "依据不足"})
    assert Milestone.objects.get(pk=first.pk).done_at is None
    # another district's liaison cannot even see the task
    with travel("2026-07-01"):
        r = client_for(cast["outsider"]).post(reverse("milestone_done", args=[third.pk]),
                                              {"done_on": "2026-06-30", "evidence": "x"})
    assert r.status_code == 404 and Milestone.objects.get(pk=third.pk).done_at is None


def test_a_get_on_the_submit_url_is_not_a_write(staged, cast, client_for):
    r = client_for(cast["liaison_a"]).get(reverse("milestone_done", args=[staged["ms"][0].pk]))
    assert r.status_code == 405 and Milestone.objects.get(pk=staged["ms"][0].pk).done_at is None


def test_the_public_page_shows_done_overdue_and_upcoming(staged, cast, city, travel):
    from luoshi.portal.selectors import public_timeline

    first, second, third = staged["ms"]
    with travel("2026-07-01"):
        services.milestone_mark_done(by=cast["liaison_a"], milestone=first, done_on=D(2026, 3, 30), evidence="已批复")
        timeline = public_timeline(Task.objects.get(pk=staged["task"].pk))
    assert [(m["state"], m["done_on"]) for m in timeline["milestones"]] == [
        ("done", D(2026, 3, 30)), ("overdue", None), ("upcoming", None)]
    assert all("evidence" not in m for m in timeline["milestones"])
