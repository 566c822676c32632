"""The intake REST API (/api/intake) with token auth: the list is scoped and paginated, the detail masks the
requester as requester_display does, the workflow endpoints go through the services (refused → 400 with the
Chinese message and field; not allowed → 403; not visible → 404; malformed → 422 with Chinese per-field
errors)."""
from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from luoshi.api.auth import token_create
from luoshi.core.models import JournalEntry
from luoshi.intake.models import ExtensionRequest, Request, RequestState

API = "/api/intake"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def api():
    clients = {}

    def _client(person) -> Client:
        if person.pk not in clients:
            _, key = token_create(by=None, person=person, name="测试")
            clients[person.pk] = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        return clients[person.pk]
    return _client


def post(c: Client, url: str, data: dict | None = None):
    return c.post(API + url, json.dumps(data or {}), content_type="application/json")


def refused(r, status: int, field: str | None = None, match: str = "") -> dict:
    assert r.status_code == status, r.content.decode()
    body = r.json()
    assert CHINESE.search(body["detail"]), body
    if field is not None:
        assert body["field"] == field
    assert match in body["detail"]
    return body


@pytest.fixture
def two(req, travel, city):
    """Two requests on 2 Mar 2026: one dispatched to 中韩街道 (with the 审批局 assisting), one waiting."""
    with travel("2026-03-02T09:00:00+08:00"):
        a = req.submit("中韩街道海尔路路灯不亮")
        req.dispatch(a, "street_a", assist=[city["dept"]])
        b = req.submit("沙子口街道工地夜间施工噪声", category="0201", area="street_b", name="王芳", phone="13900001111")
    return a, b


def test_openapi_lists_the_intake_paths():
    paths = Client().get("/api/openapi.json").json()["paths"]
    for p in ("/requests", "/requests/{request_id}", "/requests/{request_id}/dispatch", "/requests/{request_id}/sign",
              "/requests/{request_id}/return", "/requests/{request_id}/reply", "/requests/{request_id}/rate",
              "/requests/{request_id}/extensions", "/extensions/{extension_id}/decision"):
        assert API + p in paths


def test_token_required(two):
    assert Client().get(f"{API}/requests").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get(f"{API}/requests").status_code == 401


# ---- reads -----------------------------------------------------------------------------------------------------------

def test_list_is_scoped(api, two, dispatcher, cast):
    a, b = two

    def ids(person, query=""):
        r = api(person).get(f"{API}/requests{query}")
        assert r.status_code == 200
        return [x["id"] for x in r.json()["items"]]

    assert ids(dispatcher) == [b.pk, a.pk]
    assert ids(cast["office"]) == [b.pk, a.pk]
    assert ids(cast["liaison_a"]) == [a.pk]
    assert ids(cast["liaison_dept"]) == [a.pk]
    assert ids(cast["liaison_b"]) == []
    assert ids(cast["outsider"]) == []
    row = api(dispatcher).get(f"{API}/requests").json()["items"][1]
    assert row["lead_unit"] == "中韩街道" and row["state"] == "dispatched" and row["state_display"] == "待签收"
    assert row["category"] == "0101" and row["channel"] == "web" and row["number"].startswith("20260302-")
    assert "requester" not in row and "13812345678" not in json.dumps(row, ensure_ascii=False)


def test_list_filters_and_pagination(api, two, dispatcher, req, travel, django_assert_max_num_queries):
    a, b = two
    c = api(dispatcher)
    assert [x["id"] for x in c.get(f"{API}/requests?state=received").json()["items"]] == [b.pk]
    assert [x["id"] for x in c.get(f"{API}/requests?state=open").json()["items"]] == [b.pk, a.pk]
    assert [x["id"] for x in c.get(f"{API}/requests?category=0201").json()["items"]] == [b.pk]
    assert [x["id"] for x in c.get(f"{API}/requests?q=路灯").json()["items"]] == [a.pk]
    assert c.get(f"{API}/requests?received_from=2026-03-03").json()["count"] == 0
    assert c.get(f"{API}/requests?received_to=2026-03-02").json()["count"] == 2
    assert c.get(f"{API}/requests?unit_id={a.lead_unit_id}").json()["count"] == 1
    with travel("2026-03-02T10:00:00+08:00"):
        for i in range(55):
            req.submit(f"中韩街道第{i}处路灯不亮")
    page1 = c.get(f"{API}/requests").json()
    assert page1["count"] == 57 and len(page1["items"]) == 50
    assert len(c.get(f"{API}/requests?page=2").json()["items"]) == 7
    with django_assert_max_num_queries(8):  # auth, scope, count, one page: not one query per row
        assert c.get(f"{API}/requests").status_code == 200


def test_detail_masks_per_viewer(api, two, dispatcher, cast):
    a, b = two
    full = api(dispatcher).get(f"{API}/requests/{a.pk}").json()
    assert full["requester"] == {"name": "李明", "phone": "13812345678", "email": "", "anonymous": False,
                                 "masked": False}
    assert [e["kind"] for e in full["events"]] == ["received", "dispatched"]
    assert full["assist_units"] == ["区行政审批服务局"]
    assert api(cast["liaison_a"]).get(f"{API}/requests/{a.pk}").json()["requester"]["phone"] == "13812345678"
    office = api(cast["office"]).get(f"{API}/requests/{a.pk}").json()["requester"]
    assert office == {"name": "李*", "phone": "138****5678", "email": "", "anonymous": False, "masked": True}
    assert "13812345678" not in api(cast["office"]).get(f"{API}/requests/{a.pk}").content.decode()
    for person in (cast["liaison_b"], cast["outsider"]):
        refused(api(person).get(f"{API}/requests/{a.pk}"), 404)
    refused(api(cast["liaison_a"]).get(f"{API}/requests/{b.pk}"), 404)
    refused(api(dispatcher).get(f"{API}/requests/999999"), 404)


def test_anonymous_requester_is_hidden_from_the_unit(api, req, travel, dispatcher, cast):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit(anonymous=True)
        req.dispatch(r)
    shown = api(cast["liaison_a"]).get(f"{API}/requests/{r.pk}").json()["requester"]
    assert shown == {"name": "匿名", "phone": "", "email": "", "anonymous": True, "masked": True}
    assert api(dispatcher).get(f"{API}/requests/{r.pk}").json()["requester"]["name"] == "李明"


# ---- the workflow through the API --------------------------------------------------------------------------------------

def test_workflow(api, two, dispatcher, cast, city, travel):
    a, b = two
    d, lia = api(dispatcher), api(cast["liaison_b"])
    with travel("2026-03-02T10:00:00+08:00"):
        r = post(d, f"/requests/{b.pk}/dispatch", {"unit_id": city["street_b"].pk, "note": "按属地"})
        assert r.status_code == 200, r.content
        assert r.json()["state"] == "dispatched" and r.json()["lead_unit"] == "沙子口街道"
        r = post(lia, f"/requests/{b.pk}/sign")
        assert r.status_code == 200 and r.json()["signed_on_time"] is True
        r = post(lia, f"/requests/{b.pk}/notes", {"text": "已联系施工方"})
        assert r.status_code == 200 and r.json()["events"][-1]["kind"] == "note"
        r = post(lia, f"/requests/{b.pk}/extensions", {"days": 2, "reason": "需联合执法"})
        assert r.status_code == 201 and r.json()["state"] == "pending"
        ext_id = r.json()["id"]
        refused(post(lia, f"/extensions/{ext_id}/decision", {"approve": True}), 403)
        r = post(d, f"/extensions/{ext_id}/decision", {"approve": True})
        assert r.status_code == 200 and r.json()["extension_days"] == 2
        r = post(lia, f"/requests/{b.pk}/reply", {"text": "已责令停止夜间施工。"})
        assert r.status_code == 200 and r.json()["state"] == "replied" and r.json()["replied_on_time"] is True
        refused(post(lia, f"/requests/{b.pk}/rate", {"satisfaction": 5}), 403, match="电话回访")
        r = post(d, f"/requests/{b.pk}/rate", {"satisfaction": 4, "resolved": True, "comment": "电话回访满意"})
        assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["outcome"] == "satisfied"
    verbs = list(JournalEntry.objects.filter(object_type="intake.request", object_id=str(b.pk))
                 .order_by("at", "id").values_list("verb", flat=True))
    assert verbs == ["request.submit", "request.dispatch", "request.sign", "request.note", "request.extension_ask",
                     "request.extension_decide", "request.reply", "request.rate"]


def test_return_through_the_api(api, two, cast, dispatcher, travel, city):
    a, _b = two
    with travel("2026-03-02T11:00:00+08:00"):
        r = post(api(cast["liaison_a"]), f"/requests/{a.pk}/return", {"reason": "不属本街道",
                                                                       "suggested_unit_id": city["street_b"].pk})
        assert r.status_code == 200, r.content
        assert r.json()["state"] == "returned" and r.json()["lead_unit"] is None
        refused(api(cast["liaison_a"]).get(f"{API}/requests/{a.pk}"), 404)  # no longer theirs
        r = post(api(dispatcher), f"/requests/{a.pk}/dispatch", {"unit_id": city["street_b"].pk, "lock": True})
        assert r.json()["return_locked"] is True
        refused(post(api(cast["liaison_b"]), f"/requests/{a.pk}/return", {"reason": "也不归我们"}), 400,
                match="审定派单")


# ---- refusals ------------------------------------------------------------------------------------------------------

def test_refusals(api, two, cast, dispatcher, city, travel):
    a, b = two
    with travel("2026-03-02T10:00:00+08:00"):
        # not visible: 404; visible but not theirs to do: 403
        refused(post(api(cast["liaison_b"]), f"/requests/{a.pk}/sign"), 404)
        refused(post(api(cast["office"]), f"/requests/{b.pk}/dispatch", {"unit_id": city["street_b"].pk}), 403,
                match="受理派单员")
        refused(post(api(cast["liaison_dept"]), f"/requests/{a.pk}/sign"), 403, match="签收")
        refused(post(api(cast["outsider"]), f"/requests/{b.pk}/dispatch", {"unit_id": city["street_b"].pk}), 404)
        # the service refuses: 400 with the field
        refused(post(api(dispatcher), f"/requests/{b.pk}/dispatch", {"unit_id": 999999}), 400, field="unit_id")
        refused(post(api(dispatcher), f"/requests/{a.pk}/dispatch", {"unit_id": city["street_b"].pk}), 400,
                match="当前为“待签收”")
        post(api(cast["liaison_a"]), f"/requests/{a.pk}/sign")
        refused(post(api(cast["liaison_a"]), f"/requests/{a.pk}/reply", {"text": " "}), 400, field="text",
                match="请填写答复内容")
        refused(post(api(cast["liaison_dept"]), f"/requests/{a.pk}/reply", {"text": "协办单位的答复"}), 403,
                match="只有承办单位的联络员可以回复")
        refused(post(api(cast["liaison_a"]), f"/requests/{a.pk}/extensions", {"days": 40, "reason": "x"}), 400,
                field="days")
        refused(post(api(dispatcher), "/extensions/999999/decision", {"approve": True}), 404)
        # malformed bodies: 422, in Chinese, per field
        body = refused(post(api(dispatcher), f"/requests/{b.pk}/dispatch", {"unit_id": "中韩街道"}), 422,
                       field="unit_id")
        assert body["errors"][0]["field"] == "unit_id"
        refused(post(api(cast["liaison_a"]), f"/requests/{a.pk}/extensions", {"reason": "x"}), 422, field="days")
    assert Request.objects.get(pk=b.pk).state == RequestState.RECEIVED
    assert not ExtensionRequest.objects.exists()
