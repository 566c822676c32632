"""The REST API: schema, token authentication, scoped reads and the report-writing endpoints."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from luoshi.api.auth import hash_key, token_create
from luoshi.core import clock
from luoshi.core.models import ApiToken, JournalEntry
from luoshi.tasks.models import ProgressReport

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def api_for(db):
    def _client(person):
        _, key = token_create(by=None, person=person, name="集成测试")
        return bearer(key)
    return _client


def post_json(c: Client, url: str, data: dict):
    return c.post(url, json.dumps(data), content_type="application/json")


# ---- schema ------------------------------------------------------------------------------------------

def test_openapi_schema(db):
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    schema = json.loads(r.content)
    paths = schema["paths"]
    for p in ("/api/units", "/api/people", "/api/programs", "/api/programs/{code}/tasks", "/api/tasks/{task_id}",
              "/api/tasks/{task_id}/reports", "/api/tasks/{task_id}/acknowledge"):
        assert p in paths, p
    assert "post" in paths["/api/tasks/{task_id}/reports"] and "get" in paths["/api/tasks/{task_id}/reports"]
    tags = {t for ops in paths.values() for op in ops.values() for t in op.get("tags", [])}
    assert {"units", "programs", "tasks", "reports"} <= tags


def test_units_list(program, cast, city, api_for):
    r = api_for(cast["office"]).get("/api/units", {"kind": "street"})
    assert r.status_code == 200
    assert {u["name"] for u in r.json()["items"]} == {"中韩街道", "沙子口街道"}


# ---- authentication ----------------------------------------------------------------------------------

def test_token_auth(program, cast, travel):
    with travel("2026-02-01"):
        token, key = token_create(by=cast["office"], person=cast["liaison_a"], name="政务微信")
        assert key.startswith("ls_") and token.prefix == key[:8]
        assert token.key_hash == hash_key(key) and key not in token.key_hash  # only the hash is stored
        r = bearer(key).get("/api/programs")
    assert r.status_code == 200
    assert [p["code"] for p in r.json()] == ["demo-2026"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    entry = JournalEntry.objects.get(verb="token.create")
    assert entry.actor_id == cast["office"].pk and entry.changes["person"] == cast["liaison_a"].pk


def test_wrong_missing_or_revoked_token_is_401(program, cast):
    token, key = token_create(by=None, person=cast["liaison_a"], name="x")
    assert Client().get("/api/programs").status_code == 401
    assert bearer("ls_not-a-real-key").get("/api/programs").status_code == 401
    assert bearer(key + "x").get("/api/programs").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/programs").status_code == 401
    assert bearer(key).get("/api/programs").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=clock.now())
    assert bearer(key).get("/api/programs").status_code == 401
    assert bearer(key).get(f"/api/tasks/{program['task_a'].pk}").status_code == 401


def test_token_of_an_inactive_person_is_401(program, cast):
    _, key = token_create(by=None, person=cast["liaison_a"], name="x")
    cast["liaison_a"].is_active = False
    cast["liaison_a"].save()
    assert bearer(key).get("/api/programs").status_code == 401


def test_browser_session_also_works(program, cast, client_for):
    r = client_for(cast["leader"]).get(f"/api/tasks/{program['task_b'].pk}")
    assert r.status_code == 200 and r.json()["title"] == "沙子口街道渔港整治"


# ---- reading -----------------------------------------------------------------------------------------

def test_task_detail_and_scope(program, cast, city, api_for):
    c = api_for(cast["liaison_a"])
    r = c.get(f"/api/tasks/{program['task_a'].pk}")
    assert r.status_code == 200
    body = r.json()
    assert (body["program"], body["deadline"], body["status"]) == ("demo-2026", "2026-06-30", "normal")
    assert [(a["unit_id"], a["role"]) for a in body["assignments"]] == [(city["street_a"].pk, "lead")]
    r = c.get(f"/api/tasks/{program['task_b'].pk}")
    assert r.status_code == 404 and CHINESE.search(r.json()["detail"])
    assert c.get("/api/tasks/999999").status_code == 404
    assert api_for(cast["outsider"]).get("/api/programs/demo-2026").status_code == 404
    assert api_for(cast["outsider"]).get("/api/programs").json() == []


def test_task_list_says_what_task_detail_says(program, cast, city, api_for, travel):
    """The list reads plain rows (no Task objects): each item has exactly the detail's fields, same values."""
    from luoshi.tasks import services

    with travel("2026-01-10"):
        parent = program["task_a"]
        child = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="子任务", lead_units=[city["street_a"]], deadline_phrase="2026年3月15日", parent=parent))
        parent.extended_deadline = dt.date(2026, 8, 31)
        parent.save()
    c = api_for(cast["office"])
    body = c.get("/api/programs/demo-2026/tasks").json()
    assert body["count"] == 4
    assert [t["id"] for t in body["items"]] == [program["task_a"].pk, program["task_b"].pk, program["task_dept"].pk,
                                               child.pk]  # the list's order (sort_order): added last
    for item in body["items"]:
        detail = c.get(f"/api/tasks/{item['id']}").json()
        detail.pop("assignments")
        assert item == detail
    by_id = {t["id"]: t for t in body["items"]}
    assert (by_id[child.pk]["parent_id"], by_id[child.pk]["deadline"]) == (parent.pk, "2026-03-15")
    assert by_id[parent.pk]["extended_deadline"] == "2026-08-31"
    assert c.get("/api/programs/demo-2026/tasks", {"q": "子任务"}).json()["count"] == 1
    assert c.get("/api/programs/demo-2026/tasks", {"page": 2}).json() == {"items": [], "count": 4}
    # the schema still documents every field of a listed task
    schema = json.loads(Client().get("/api/openapi.json").content)
    ok = schema["paths"]["/api/programs/{code}/tasks"]["get"]["responses"]["200"]["content"]["application/json"]
    paged = schema["components"]["schemas"][ok["schema"]["$ref"].rsplit("/", 1)[1]]
    item = schema["components"]["schemas"][paged["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(item["properties"]) == set(by_id[child.pk]) and "program" in item["required"]


def test_people_are_scoped(program, cast, city, api_for):
    from luoshi.org.services import person_create

    colleague = person_create(by=None, username="a_staff", full_name="中韩街道工作人员", unit=city["street_a"])
    person_create(by=None, username="b_staff", full_name="沙子口街道工作人员", unit=city["street_b"])
    r = api_for(cast["liaison_a"]).get("/api/people")
    assert r.status_code == 200
    assert {p["username"] for p in r.json()["items"]} == {"liaison_a", colleague.username}
    # an outsider with no colleagues sees only themselves
    assert [p["username"] for p in api_for(cast["outsider"]).get("/api/people").json()["items"]] == ["outsider"]
    # the office sees the whole district, not the other district
    names = {p["username"] for p in api_for(cast["office"]).get("/api/people").json()["items"]}
    assert {"office", "leader", "liaison_a", "liaison_b", "liaison_dept", "evaluator", "a_staff", "b_staff"} <= names
    assert "outsider" not in names


# ---- writing -----------------------------------------------------------------------------------------

def test_acknowledge_then_report(program, cast, city, api_for, travel):
    task = program["task_a"]
    c = api_for(cast["liaison_a"])
    with travel("2026-02-20"):
        r = post_json(c, f"/api/tasks/{task.pk}/reports", {"text": "未签收先报送", "percent": 10})
        assert r.status_code == 400 and "签收" in r.json()["detail"]
        r = post_json(c, f"/api/tasks/{task.pk}/acknowledge", {})
        assert r.status_code == 200
        assert r.json()["assignments"][0]["acknowledged_at"] is not None
        r = post_json(c, f"/api/tasks/{task.pk}/acknowledge", {})
        assert r.status_code == 400 and "签收" in r.json()["detail"]
        r = post_json(c, f"/api/tasks/{task.pk}/reports", {"text": "完成入户调查", "percent": 35})
    assert r.status_code == 201
    body = r.json()
    assert (body["text"], body["percent"], body["unit_id"], body["author"], body["period_seq"], body["files"]) == (
        "完成入户调查", 35, city["street_a"].pk, "周强", 2, [])
    report = ProgressReport.objects.get(pk=body["id"])
    assert (report.task_id, report.author_id, report.percent) == (task.pk, cast["liaison_a"].pk, 35)
    entry = JournalEntry.objects.filter(verb="task.report", object_id=str(task.pk)).get()
    assert entry.actor_id == cast["liaison_a"].pk and entry.changes["report"] == report.pk
    assert JournalEntry.objects.filter(verb="task.acknowledge", object_id=str(task.pk),
                                       actor=cast["liaison_a"]).count() == 1
    task.refresh_from_db()
    assert task.progress == 35
    # and the report can be read back
    r = c.get(f"/api/tasks/{task.pk}/reports")
    assert r.status_code == 200 and [x["id"] for x in r.json()] == [report.pk]


@pytest.mark.parametrize("payload,word", [
    ({"text": "进展", "percent": 150}, "进度"),
    ({"text": "进展", "percent": -5}, "进度"),
    ({"text": "进展"}, "进度"),
    ({"text": "   ", "percent": 20}, "进展"),
])
def test_invalid_report_is_400_in_chinese(program, cast, api_for, travel, payload, word):
    task = program["task_a"]
    c = api_for(cast["liaison_a"])
    with travel("2026-02-20"):
        assert post_json(c, f"/api/tasks/{task.pk}/acknowledge", {}).status_code == 200
        r = post_json(c, f"/api/tasks/{task.pk}/reports", payload)
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert CHINESE.search(detail) and word in detail
    assert not ProgressReport.objects.exists()
    assert not JournalEntry.objects.filter(verb="task.report").exists()


def test_malformed_body_is_rejected(program, cast, api_for, travel):
    c = api_for(cast["liaison_a"])
    with travel("2026-02-20"):
        post_json(c, f"/api/tasks/{program['task_a'].pk}/acknowledge", {})
        r = post_json(c, f"/api/tasks/{program['task_a'].pk}/reports", {"percent": "很多"})
    assert r.status_code == 422
    body = r.json()
    assert CHINESE.search(body["detail"]), body
    assert {e["field"]: e["detail"] for e in body["errors"]} == {"text": "缺少必填项", "percent": "须为整数"}
    assert not ProgressReport.objects.exists()


def test_a_misspelt_key_is_refused_not_ignored(program, cast, api_for, travel):
    """{"percnet": 30} used to report the text and leave the progress where it was, answering 201."""
    c = api_for(cast["liaison_a"])
    with travel("2026-02-20"):
        post_json(c, f"/api/tasks/{program['task_a'].pk}/acknowledge", {})
        r = post_json(c, f"/api/tasks/{program['task_a'].pk}/reports", {"text": "完成入户调查", "percent": 35,
                                                                         "percnet": 30})
    assert r.status_code == 422
    assert {e["field"]: e["detail"] for e in r.json()["errors"]} == {"percnet": "不认识的键（拼写有误？）"}
    assert not ProgressReport.objects.exists()


def test_reporting_on_another_units_task_is_404(program, cast, api_for, travel):
    c = api_for(cast["liaison_a"])
    task_b = program["task_b"]
    journal_before = JournalEntry.objects.count()
    with travel("2026-02-20"):
        assert post_json(c, f"/api/tasks/{task_b.pk}/acknowledge", {}).status_code == 404
        r = post_json(c, f"/api/tasks/{task_b.pk}/reports", {"text": "越权", "percent": 90})
    assert r.status_code == 404
    assert not ProgressReport.objects.exists()
    assert JournalEntry.objects.count() == journal_before
    task_b.refresh_from_db()
    assert task_b.acknowledged_at is None and task_b.progress == 0


def test_visible_but_not_acting_is_403(program, cast, city, api_for, travel):
    """The leader reads task_a but is no liaison; liaison_a may not act for the lead unit of task_dept."""
    with travel("2026-02-20"):
        r = post_json(api_for(cast["leader"]), f"/api/tasks/{program['task_a'].pk}/acknowledge", {})
        assert r.status_code == 403 and CHINESE.search(r.json()["detail"])
        r = post_json(api_for(cast["liaison_a"]), f"/api/tasks/{program['task_dept'].pk}/acknowledge",
                      {"unit_id": city["dept"].pk})
        assert r.status_code == 403
    assert not JournalEntry.objects.filter(verb="task.acknowledge").exists()


def test_task_list_count_is_the_lists_from_the_tallies(program, cast, api_for, travel):
    """The REST task list's `count` equals the rows it pages through, for the office (the program's maintained totals,
    no COUNT(*) of the tasks) and for a liaison (its unit's row), with and without a status filter."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from luoshi.tasks.warnings import warnings_run

    with travel("2026-07-03"):  # 6月底前 passed: some red
        warnings_run(notify=False)
        for person in (cast["office"], cast["liaison_a"], cast["liaison_b"]):
            c = api_for(person)
            for status in ("", "red", "normal", "closed"):
                params = {"status": status, "page_size": 1} if status else {"page_size": 1}
                with CaptureQueriesContext(connection) as queries:
                    body = c.get("/api/programs/demo-2026/tasks", params).json()
                everything = c.get("/api/programs/demo-2026/tasks", {**params, "page_size": 1000}).json()
                assert body["count"] == everything["count"] == len(everything["items"]), (person.username, status)
                assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()], person.username
