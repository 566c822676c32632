"""批示: who may write one (leader/office over the target's scope), who sees it (the units addressed), answers,
已阅 and 办结 (never by a unit), the journal, the inbox sources (count = items), notifications and the REST API."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.inbox import inbox_source
from luoshi.core.models import JournalEntry, Notification
from luoshi.instructions import selectors, services
from luoshi.instructions.models import Instruction, InstructionState


@pytest.fixture
def on_task(city, cast, program, travel):
    """The district leader's 批示 on street A's task, addressed to street A and the department."""
    with travel("2026-03-02"):
        return services.instruction_create(by=cast["leader"], target=f"tasks.task:{program['task_a'].pk}",
                                           text="请本周五前报送推进措施。", units=[city["street_a"], city["dept"]],
                                           deadline=dt.date(2026, 3, 6))


def test_leader_writes_units_are_told_and_it_is_journaled(on_task, cast, city):
    assert on_task.state == InstructionState.OPEN and on_task.unit_count == 2
    assert JournalEntry.objects.filter(verb="instruction.create", object_id=str(on_task.pk)).count() == 1
    told = set(Notification.objects.filter(kind="instruction").values_list("recipient_id", flat=True))
    assert {cast["liaison_a"].pk, cast["liaison_dept"].pk} <= told and cast["liaison_b"].pk not in told


def test_only_leader_or_office_over_the_target_may_write(city, cast, program):
    target = f"tasks.task:{program['task_a'].pk}"
    for person in (cast["liaison_a"], cast["evaluator"]):
        with pytest.raises((PermissionDeniedError, ServiceError)):
            services.instruction_create(by=person, target=target, text="x", units=[city["street_a"]], deadline=None)
    with pytest.raises(ServiceError) as e:   # the other district's liaison cannot even read the task
        services.instruction_create(by=cast["outsider"], target=target, text="x", units=[city["street_a"]],
                                    deadline=None)
    assert e.value.field == "target"
    with pytest.raises(ServiceError) as e:
        services.instruction_create(by=cast["leader"], target=target, text="  ", units=[city["street_a"]], deadline=None)
    assert e.value.field == "text"
    with pytest.raises(ServiceError) as e:
        services.instruction_create(by=cast["leader"], target=target, text="请落实", units=[], deadline=None)
    assert e.value.field == "units"
    with pytest.raises(ServiceError) as e:
        services.instruction_create(by=cast["leader"], target="tasks.nothing:1", text="请落实", units=[city["street_a"]],
                                    deadline=None)
    assert e.value.field == "target"
    assert not Instruction.objects.exists()


def test_a_unit_sees_what_is_addressed_to_it_only(on_task, cast, client_for):
    url = reverse("instruction_detail", args=[on_task.pk])
    for who, status in (("liaison_a", 200), ("liaison_dept", 200), ("leader", 200), ("office", 200),
                        ("liaison_b", 404), ("outsider", 404)):
        assert client_for(cast[who]).get(url).status_code == status, who
    assert [r["id"] for r in selectors.instructions_open(user=cast["liaison_b"])] == []
    assert [r["id"] for r in selectors.instructions_open(user=cast["liaison_a"])] == [on_task.pk]


def test_answer_read_close_and_a_unit_cannot_close(on_task, cast, city, client_for, travel):
    a = client_for(cast["liaison_a"])
    with travel("2026-03-04"):
        r = a.post(reverse("instruction_reply", args=[on_task.pk]), {"unit": city["street_a"].pk, "text": "已制定计划。"})
        assert r.status_code == 302
        # street A's liaison cannot answer for the department
        with pytest.raises(PermissionDeniedError):
            services.instruction_reply(by=cast["liaison_a"], instruction=on_task, unit=city["dept"], text="代答")
        # a unit cannot mark read or close the leader's 批示
        assert a.post(reverse("instruction_decide", args=[on_task.pk, "close"])).status_code == 403
        with pytest.raises(PermissionDeniedError):
            services.instruction_close(by=cast["liaison_a"], instruction=on_task)
        on_task.refresh_from_db()
        assert on_task.answered_count == 1 and on_task.state == InstructionState.OPEN
        leader = client_for(cast["leader"])
        assert leader.post(reverse("instruction_decide", args=[on_task.pk, "read"])).status_code == 302
        with pytest.raises(ServiceError, match="办结说明不能超过 2000 字（现有 2001 字）"):  # refused, not cut
            services.instruction_close(by=cast["leader"], instruction=on_task, note="办" * 2001)
        on_task.refresh_from_db()
        assert on_task.state != InstructionState.CLOSED
        assert leader.post(reverse("instruction_decide", args=[on_task.pk, "close"]), {"note": "同意办结"}).status_code == 302
    on_task.refresh_from_db()
    assert on_task.state == InstructionState.CLOSED and on_task.close_note == "同意办结"
    verbs = list(JournalEntry.objects.filter(object_id=str(on_task.pk), object_type="instructions.instruction")
                 .order_by("at", "id").values_list("verb", flat=True))
    assert verbs == ["instruction.create", "instruction.reply", "instruction.read", "instruction.close"]
    with pytest.raises(ServiceError):   # closed: no more answers
        services.instruction_reply(by=cast["liaison_dept"], instruction=on_task, unit=city["dept"], text="迟到的回复")


def test_inbox_sources_count_equals_items(on_task, cast, city):
    answer, review = inbox_source("instructions.answer"), inbox_source("instructions.review")
    for person in cast.values():
        assert answer.count(person) == len(answer.items(person, None))
        assert review.count(person) == len(review.items(person, None))
    assert answer.count(cast["liaison_a"]) == 1 and answer.count(cast["liaison_b"]) == 0
    assert answer.count(cast["leader"]) == 0
    services.instruction_reply(by=cast["liaison_a"], instruction=on_task, unit=city["street_a"], text="已落实。")
    assert answer.count(cast["liaison_a"]) == 0
    assert review.count(cast["leader"]) == 1 == len(review.items(cast["leader"], None))


def test_new_page_names_an_unknown_unit_and_keeps_data(city, cast, program, client_for):
    c = client_for(cast["leader"])
    url = reverse("instruction_new") + f"?target=tasks.task:{program['task_a'].pk}"
    assert "中韩街道" in c.get(url).content.decode()   # the lead unit is offered by default
    r = c.post(url, {"text": "请落实", "units": [str(city["street_a"].pk)], "other_units": "不存在的局"})
    assert r.status_code == 200 and "找不到单位：不存在的局" in r.content.decode()
    assert not Instruction.objects.exists()
    r = c.post(url, {"text": "请落实", "units": [str(city["street_a"].pk)], "other_units": "沙子口街道"})
    assert r.status_code == 302
    assert set(Instruction.objects.get().recipients.values_list("unit__name", flat=True)) == {"中韩街道", "沙子口街道"}
    assert client_for(cast["liaison_a"]).get(url).status_code == 403



def test_api_create_refuse_reply(city, cast, program, client_for):
    leader, liaison = client_for(cast["leader"]), client_for(cast["liaison_a"])
    body = {"target": f"tasks.task:{program['task_a'].pk}", "text": "请落实", "unit_ids": [city["street_a"].pk]}
    r = liaison.post("/api/instructions/", body, content_type="application/json")
    assert r.status_code == 403 and "detail" in r.json()
    r = leader.post("/api/instructions/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = liaison.post(f"/api/instructions/{pk}/replies", {"unit_id": city["street_a"].pk, "text": "已落实"},
                     content_type="application/json")
    assert r.status_code == 201 and r.json()["answered_count"] == 1
    assert liaison.post(f"/api/instructions/{pk}/close", {}, content_type="application/json").status_code == 403
    assert client_for(cast["liaison_b"]).get(f"/api/instructions/{pk}").status_code == 404
    r = leader.post("/api/instructions/", {**body, "unit_ids": [999999]}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "unit_ids"


def test_target_pages_carry_the_instructions_block(on_task, cast, program, client_for):
    task_page = client_for(cast["leader"]).get(reverse("task_detail", args=[program["task_a"].pk])).content.decode()
    assert f"on/?target=tasks.task:{program['task_a'].pk}" in task_page
    url = reverse("instruction_on") + f"?target=tasks.task:{program['task_a'].pk}"
    block = client_for(cast["leader"]).get(url).content.decode()
    assert "写批示" in block and "请本周五前报送推进措施" in block
    block = client_for(cast["liaison_a"]).get(url).content.decode()
    assert "写批示" not in block and "请本周五前报送推进措施" in block
    assert client_for(cast["liaison_b"]).get(url).content.decode().strip() == ""


def test_copied_paths_follow_a_moved_unit(on_task, city, cast):
    from luoshi.org.services import unit_move

    unit_move(by=None, unit=city["street_a"], new_parent=city["other_district"])
    moved = city["street_a"].__class__.objects.get(pk=city["street_a"].pk)
    on_task.refresh_from_db()
    assert on_task.recipients.get(unit=moved).unit_path == moved.path
    assert on_task.target_unit_path == moved.path   # the task's lead unit moved with it
    # the other district's liaison now sees the 批示 addressed to the moved street
    assert on_task.pk in set(selectors.instructions_visible(cast["outsider"]).values_list("pk", flat=True))
