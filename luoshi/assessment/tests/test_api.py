"""The assessment REST API (/api/assessment): the schema builds, reads are scoped like the pages (not
visible → 404), writes go through the services (refused → 400 with the Chinese message and the field;
not allowed → 403), and numbers are strings exactly as published."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from luoshi.api.auth import token_create
from luoshi.assessment import services
from luoshi.assessment.models import Appeal, Publication, Result, Score
from luoshi.core.models import JournalEntry

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
API = "/api/assessment"


@pytest.fixture
def api():
    clients = {}

    def _client(person) -> Client:
        if person.pk not in clients:
            _, key = token_create(by=None, person=person, name="集成测试")
            clients[person.pk] = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        return clients[person.pk]
    return _client


def post(c: Client, url: str, data: dict):
    return c.post(API + url, json.dumps(data), content_type="application/json")


def refused(r, status: int, field: str | None = None, match: str = "") -> dict:
    assert r.status_code == status, r.content.decode()
    body = r.json()
    assert CHINESE.search(body["detail"]), body
    if field is not None:
        assert body["field"] == field
    assert match in body["detail"]
    return body


@pytest.fixture
def scoring(assess, travel):
    """A round in scoring over the four units of the district, scored by the evaluator: street_a 90.5,
    street_b 94, dept 90 (not yet approved); the office's own unit takes part but is not scored."""
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "18", "A3": "3", "B1": "良"}, "street_b": {"B2": "80"},
                               "dept": {"A2": "不达标"}})
    return rnd


@pytest.fixture
def published(assess, scoring, travel):
    with travel("2026-02-03"):
        return assess.publish(scoring, note="首次公布")


# ---- schema and authentication ------------------------------------------------------------------------------------

def test_openapi_schema_builds_with_the_assessment_paths():
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p, method in ((f"{API}/schemes", "get"), (f"{API}/schemes/{{scheme_id}}", "get"),
                      (f"{API}/schemes/{{scheme_id}}/rounds", "get"), (f"{API}/rounds/{{round_id}}", "get"),
                      (f"{API}/rounds/{{round_id}}/table", "get"),
                      (f"{API}/rounds/{{round_id}}/units/{{unit_id}}/card", "get"),
                      (f"{API}/rounds/{{round_id}}/scores", "post"),
                      (f"{API}/rounds/{{round_id}}/scores/evidence", "post"),
                      (f"{API}/rounds/{{round_id}}/approve", "post"),
                      (f"{API}/rounds/{{round_id}}/publish", "post"), (f"{API}/rounds/{{round_id}}/appeals", "post"),
                      (f"{API}/appeals/{{appeal_id}}/decision", "post")):
        assert method in paths[p], p
        assert paths[p][method]["tags"] == ["assessment"]
    # Published numbers are strings in the schema, not floats.
    row = r.json()["components"]["schemas"]["RowOut"]["properties"]
    assert row["total"]["type"] == "string"
    upload = paths[f"{API}/rounds/{{round_id}}/scores/evidence"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


def test_no_token_no_data(scheme):
    assert Client().get(f"{API}/schemes").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer nope").get(f"{API}/schemes").status_code == 401


# ---- schemes ------------------------------------------------------------------------------------------------------

def test_schemes_listed_by_scope(scheme, cast, api):
    for who in ("office", "leader", "evaluator", "liaison_a"):
        assert [s["code"] for s in api(cast[who]).get(f"{API}/schemes").json()] == ["test-scheme"], who
    assert api(cast["outsider"]).get(f"{API}/schemes").json() == []
    s = api(cast["office"]).get(f"{API}/schemes").json()[0]
    assert (s["name"], s["owner_unit"], s["region"], s["version"]) == ("测试考核", "区委办公室", "崂山区", 1)


def test_scheme_detail_with_the_indicator_tree(scheme, cast, api):
    r = api(cast["liaison_a"]).get(f"{API}/schemes/{scheme.pk}")
    assert r.status_code == 200
    d = r.json()
    assert [(i["code"], i["points"], i["is_leaf"]) for i in d["indicators"]] == [("A", "40", False), ("B", "60", False)]
    a = d["indicators"][0]["children"]
    assert [(i["code"], i["points"], i["rule_type"], i["method"]) for i in a] == [
        ("A1", "20", "direct", "查阅档案"), ("A2", "10", "pass_fail", "查阅档案"), ("A3", "10", "deduction", "实地核验")]
    assert "0.5" in a[2]["rule_text"] and a[2]["children"] == []
    assert d["full_marks"] == "100" and d["precision"] == 2 and d["rounding"] == "half_up"
    assert [g["name"] for g in d["grades"]] == ["好", "较好", "一般"] and d["grades"][1]["min"] == "75"
    assert d["deductions"][0] == {"code": "N1", "name": "被上级通报批评", "points": "2", "cap": "6", "veto": False}
    assert d["rules"][0]["when"].startswith("rank_bottom(") and d["rules"][0]["actions"] == ["通报批评", "约谈"]
    assert api(cast["outsider"]).get(f"{API}/schemes/{scheme.pk}").status_code == 404
    assert api(cast["office"]).get(f"{API}/schemes/{scheme.pk}", {"version": 7}).status_code == 404
    assert api(cast["office"]).get(f"{API}/schemes/999999").status_code == 404


def test_rounds_of_a_scheme(scoring, scheme, cast, api):
    rounds = api(cast["office"]).get(f"{API}/schemes/{scheme.pk}/rounds").json()
    assert [(r["id"], r["state"], r["units"], r["version"]) for r in rounds] == [(scoring.pk, "scoring", 4, 1)]
    assert rounds[0]["state_display"] == "评分中"
    # The liaison reaches the round their unit takes part in; another district's liaison nothing.
    assert [r["id"] for r in api(cast["liaison_a"]).get(f"{API}/schemes/{scheme.pk}/rounds").json()] == [scoring.pk]
    assert api(cast["outsider"]).get(f"{API}/schemes/{scheme.pk}/rounds").status_code == 404


def test_round_detail_with_progress(scoring, cast, city, api):
    d = api(cast["office"]).get(f"{API}/rounds/{scoring.pk}").json()
    assert d["progress"] == {"units": 4, "leaves": 5, "expected": 20, "scored_cells": 15, "submitted": 15,
                             "approved": 0, "returned": 0, "open_appeals": 0}
    assert d["manages"] and not d["evaluates"] and d["publications"] == []
    mine = api(cast["liaison_a"]).get(f"{API}/rounds/{scoring.pk}").json()
    assert mine["progress"] is None and mine["own_unit_ids"] == [city["street_a"].pk] and not mine["manages"]
    assert api(cast["evaluator"]).get(f"{API}/rounds/{scoring.pk}").json()["evaluates"]
    assert api(cast["outsider"]).get(f"{API}/rounds/{scoring.pk}").status_code == 404


# ---- scores -------------------------------------------------------------------------------------------------------

def test_evaluator_scores_through_the_api(scoring, cast, city, api):
    r = post(api(cast["evaluator"]), f"/rounds/{scoring.pk}/scores",
             {"unit_id": city["street_a"].pk, "indicator": "A1", "value": 19.5, "note": "会议纪要齐全"})
    assert r.status_code == 201, r.content
    s = r.json()
    assert (s["indicator"], s["value"], s["status"], s["source"], s["evaluator"]) == ("A1", "19.5", "submitted",
                                                                                      "api", "郑洁")
    current = Score.objects.get(round=scoring, unit=city["street_a"], indicator__code="A1", is_current=True)
    assert current.value == Decimal("19.5") and current.replaces.value == Decimal("18")
    assert JournalEntry.objects.filter(verb="assessment.score.record", actor=cast["evaluator"]).count() == 16
    # Rubric levels and pass/fail words as strings.
    r = post(api(cast["evaluator"]), f"/rounds/{scoring.pk}/scores",
             {"unit_id": city["street_b"].pk, "indicator": "B1", "value": "中"})
    assert r.status_code == 201 and r.json()["value"] == "18" and r.json()["level"] == "中"


@pytest.mark.parametrize("body, field, match", [
    ({"indicator": "A1", "value": "25"}, "value", "超过该项应得分 20"),
    ({"indicator": "A1", "value": "-1"}, "value", "不能为负数"),
    ({"indicator": "A1", "value": "很好"}, "value", "不是数字"),
    ({"indicator": "B1", "value": "极好"}, "value", "等级须为"),
    ({"indicator": "A", "value": "30"}, "indicator", "末级标准"),
    ({"indicator": "Z9", "value": "3"}, "indicator", "Z9"),
])
def test_bad_scores_are_refused_and_change_nothing(scoring, cast, city, api, body, field, match):
    before = list(Score.objects.values_list("pk", "value", "is_current"))
    r = post(api(cast["evaluator"]), f"/rounds/{scoring.pk}/scores", {"unit_id": city["street_a"].pk, **body})
    refused(r, 400, field, match)
    assert list(Score.objects.values_list("pk", "value", "is_current")) == before


def test_scores_for_units_outside_the_round_or_by_the_wrong_person(scoring, cast, city, api):
    r = post(api(cast["evaluator"]), f"/rounds/{scoring.pk}/scores",
             {"unit_id": city["other_district"].pk, "indicator": "A1", "value": "3"})
    refused(r, 400, "unit_id")
    r = post(api(cast["liaison_a"]), f"/rounds/{scoring.pk}/scores",
             {"unit_id": city["street_a"].pk, "indicator": "A1", "value": "20"})
    refused(r, 403, match="评估员")
    r = post(api(cast["outsider"]), f"/rounds/{scoring.pk}/scores",
             {"unit_id": city["street_a"].pk, "indicator": "A1", "value": "20"})
    assert r.status_code == 404
    assert not Score.objects.filter(evaluator__in=[cast["liaison_a"], cast["outsider"]]).exists()


def test_approve_never_ones_own(scoring, cast, city, api, travel):
    office = api(cast["office"])
    services.round_advance(by=cast["office"], round=scoring, to="review")
    refused(post(api(cast["evaluator"]), f"/rounds/{scoring.pk}/approve", {}), 403)
    with travel("2026-02-03"):
        own = post(office, f"/rounds/{scoring.pk}/scores", {"unit_id": city["dept"].pk, "indicator": "A1",
                                                            "value": "20"}).json()
    refused(post(office, f"/rounds/{scoring.pk}/approve", {"score_ids": [own["id"]]}), 400, match="不能审核自己")
    assert post(office, f"/rounds/{scoring.pk}/approve", {}).json() == {"approved": 15}
    assert Score.objects.get(pk=own["id"]).status == "submitted"
    # The office's own score stops publication until someone else approves it.
    refused(post(office, f"/rounds/{scoring.pk}/publish", {}), 400, match="未审核")


# ---- publication, the table and the score card --------------------------------------------------------------------

def test_publish_and_the_league_table(scoring, cast, city, api, travel):
    office = api(cast["office"])
    refused(post(office, f"/rounds/{scoring.pk}/publish", {}), 400, match="审核中")
    services.round_advance(by=cast["office"], round=scoring, to="review")
    post(office, f"/rounds/{scoring.pk}/approve", {})
    refused(post(api(cast["evaluator"]), f"/rounds/{scoring.pk}/publish", {}), 403)
    with travel("2026-02-03"):
        refused(post(office, f"/rounds/{scoring.pk}/publish", {"note": "首次公布"}), 400, match="区委办公室 5 项没有评分")
        r = post(office, f"/rounds/{scoring.pk}/publish", {"note": "首次公布", "allow_incomplete": True})
    assert r.status_code == 200 and r.json()["revision"] == 1 and r.json()["note"] == "首次公布"
    rows = api(cast["liaison_b"]).get(f"{API}/rounds/{scoring.pk}/table").json()
    got = [(x["unit"], x["group"], x["total"], x["rank"], x["grade"]) for x in rows]
    # peer groups in the scheme's order (街道 first, then 部门), each by rank
    assert got == [("沙子口街道", "street", "94.00", "1", "好"), ("中韩街道", "street", "90.50", "2", "好"),
                   ("区行政审批服务局", "dept", "90.00", "1", "好"), ("区委办公室", "dept", "0.00", "2", "一般")]
    a = rows[1]
    assert a["rate"] == "90.50" and a["subtotals"] == ["36.5", "54"] and a["group_name"] == "街道"
    detail = api(cast["office"]).get(f"{API}/rounds/{scoring.pk}").json()
    assert [(p["revision"], p["note"]) for p in detail["publications"]] == [(1, "首次公布")]


def test_table_before_publication_shows_a_unit_only_its_own_row(scoring, cast, city, api):
    services.round_compute(by=cast["office"], round=scoring)
    assert len(api(cast["office"]).get(f"{API}/rounds/{scoring.pk}/table").json()) == 4
    assert len(api(cast["evaluator"]).get(f"{API}/rounds/{scoring.pk}/table").json()) == 4
    mine = api(cast["liaison_a"]).get(f"{API}/rounds/{scoring.pk}/table").json()
    assert [x["unit_id"] for x in mine] == [city["street_a"].pk]


def test_score_card_scoping_and_content(published, cast, city, api):
    url = f"{API}/rounds/{published.pk}/units/{city['street_a'].pk}/card"
    card = api(cast["liaison_a"]).get(url).json()
    assert (card["unit"], card["total"], card["rank"], card["grade"], card["published"]) == (
        "中韩街道", "90.50", "2", "好", True)
    lines = {line["code"]: line for line in card["lines"]}
    assert lines["A3"]["earned"] == "8.5" and lines["A3"]["points"] == "10"
    assert lines["A"]["earned"] == "36.5" and not lines["A"]["is_leaf"]
    [score] = lines["B1"]["scores"]
    assert (score["value"], score["level"], score["status"], score["evaluator"]) == ("24", "良", "approved", "郑洁")
    for who in ("office", "leader", "evaluator"):
        assert api(cast[who]).get(url).status_code == 200, who
    for who in ("liaison_b", "liaison_dept", "outsider"):
        assert api(cast[who]).get(url).status_code == 404, who
    assert api(cast["office"]).get(f"{API}/rounds/{published.pk}/units/{city['other_district'].pk}/card"
                                   ).status_code == 404


def test_unit_sees_its_own_card_before_publication(scoring, cast, city, api):
    card = api(cast["liaison_a"]).get(f"{API}/rounds/{scoring.pk}/units/{city['street_a'].pk}/card").json()
    assert card["published"] is False and card["rank"] is None
    assert card["total"] == "90.50"          # the preview from the submitted scores
    assert api(cast["liaison_b"]).get(f"{API}/rounds/{scoring.pk}/units/{city['street_a'].pk}/card"
                                      ).status_code == 404


def test_query_counts(published, cast, city, api, django_assert_max_num_queries):
    c = api(cast["office"])
    with django_assert_max_num_queries(8):
        assert len(c.get(f"{API}/rounds/{published.pk}/table").json()) == 4
    with django_assert_max_num_queries(7):
        c.get(f"{API}/schemes")


def test_score_card_queries_do_not_grow_with_scores_and_evidence(scoring, assess, cast, city, api,
                                                                  second_evaluator, travel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from luoshi.assessment.models import Indicator

    c = api(cast["liaison_a"])
    url = f"{API}/rounds/{scoring.pk}/units/{city['street_a'].pk}/card"

    def count():
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        return len(q.captured_queries)

    services.evaluator_assign(by=cast["office"], round=scoring, person=second_evaluator)
    leaves = list(Indicator.objects.filter(version=scoring.version, is_leaf=True))
    with travel("2026-02-02"):
        # the card reads the scores' files only when one has any: count with one file, then with a file on each
        services.score_record(by=second_evaluator, round=scoring, unit=city["street_a"], indicator=leaves[0],
                              value="优" if leaves[0].code == "B1" else "1", files=[("证明.pdf", b"%PDF-1.4 x")])
        before = count()
        for leaf in leaves:
            services.score_record(by=second_evaluator, round=scoring, unit=city["street_a"], indicator=leaf,
                                  value="优" if leaf.code == "B1" else "1", files=[("证明.pdf", b"%PDF-1.4 x")] * 2)
    card = c.get(url).json()
    assert all(len(line["scores"]) == 2 for line in card["lines"] if line["is_leaf"])
    assert all(len(s["evidence"]) == 2 for line in card["lines"] if line["is_leaf"] for s in line["scores"]
               if s["evaluator"] == second_evaluator.display_name)
    assert count() == before


# ---- appeals ------------------------------------------------------------------------------------------------------

def test_appeal_and_decision(published, cast, city, api, travel):
    a = api(cast["liaison_a"])
    with travel("2026-02-04"):
        refused(post(api(cast["liaison_b"]), f"/rounds/{published.pk}/appeals",
                     {"unit_id": city["street_a"].pk, "indicator": "A1", "reason": "替别人申诉"}), 403)
        refused(post(a, f"/rounds/{published.pk}/appeals",
                     {"unit_id": city["street_a"].pk, "indicator": "A1", "reason": "  "}), 400, "reason")
        refused(post(a, f"/rounds/{published.pk}/appeals",
                     {"unit_id": city["street_a"].pk, "indicator": "Q", "reason": "x"}), 400, "indicator")
        r = post(a, f"/rounds/{published.pk}/appeals",
                 {"unit_id": city["street_a"].pk, "indicator": "A1", "reason": "组织领导材料已补充"})
        assert r.status_code == 201, r.content
        appeal = r.json()
        assert (appeal["state"], appeal["original_points"], appeal["indicator"]) == ("filed", "18", "A1")
        refused(post(a, f"/rounds/{published.pk}/appeals",
                     {"unit_id": city["street_a"].pk, "indicator": "A1", "reason": "再诉"}), 400, "indicator")
        url = f"/appeals/{appeal['id']}/decision"
        assert post(api(cast["liaison_b"]), url, {"revise": False, "decision": "x"}).status_code == 404
        assert post(api(cast["outsider"]), url, {"revise": False, "decision": "x"}).status_code == 404
        refused(post(a, url, {"revise": True, "value": "20", "decision": "自己改"}), 403)
        office = api(cast["office"])
        refused(post(office, url, {"revise": True, "decision": "改分"}), 400, "value")
        refused(post(office, url, {"revise": True, "value": "21", "decision": "改分"}), 400, "value", "超过")
        refused(post(office, url, {"revise": True, "value": "19", "decision": " "}), 400, "decision")
        assert Appeal.objects.get(pk=appeal["id"]).state == "filed"
        r = post(office, url, {"revise": True, "value": 19.5, "decision": "材料齐全，改为19.5分"})
    assert r.status_code == 200, r.content
    d = r.json()
    assert (d["state"], d["original_points"], d["revised_points"], d["revised_value"]) == ("revised", "18", "19.5",
                                                                                            "19.5")
    refused(post(api(cast["office"]), url, {"revise": False, "decision": "再议"}), 400, match="已复核")
    published.refresh_from_db()
    assert published.revision == 2
    assert "18 → 19.5" in Publication.objects.get(round=published, revision=2).note
    rows = {x["unit"]: x for x in api(cast["liaison_b"]).get(f"{API}/rounds/{published.pk}/table").json()}
    assert rows["中韩街道"]["total"] == "92.00"
    assert Result.objects.get(round=published, unit=city["street_a"]).total == Decimal("92.00")
    # Both scores are kept; the card shows the reviewed one and the appeal.
    card = a.get(f"{API}/rounds/{published.pk}/units/{city['street_a'].pk}/card").json()
    a1 = next(line for line in card["lines"] if line["code"] == "A1")
    assert [s["value"] for s in a1["scores"]] == ["19.5"] and a1["scores"][0]["source"] == "appeal"
    assert [x["state"] for x in card["appeals"]] == ["revised"]
    assert Score.objects.filter(round=published, unit=city["street_a"], indicator__code="A1").count() == 2


def test_score_with_evidence_files(scoring, cast, city, api):
    c = api(cast["evaluator"])
    url = f"{API}/rounds/{scoring.pk}/scores/evidence"
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(name, data, value="17"):
        return c.post(url, {"unit_id": city["street_b"].pk, "indicator": "A1", "value": value, "note": "现场核验",
                            "files": [SimpleUploadedFile(name, data)]})

    r = upload("核验记录.pdf", b"%PDF-1.4 evidence")
    assert r.status_code == 201, r.content
    assert [e["name"] for e in r.json()["evidence"]] == ["核验记录.pdf"] and r.json()["value"] == "17"
    before = Score.objects.count()
    refused(upload("病毒.exe", b"MZ..."), 400, "files", "类型不允许")
    refused(upload("核验记录.pdf", b"%PDF-1.4 x", value="30"), 400, "value", "超过")
    assert Score.objects.count() == before
    card = api(cast["liaison_b"]).get(f"{API}/rounds/{scoring.pk}/units/{city['street_b'].pk}/card").json()
    a1 = next(line for line in card["lines"] if line["code"] == "A1")
    assert [e["name"] for s in a1["scores"] for e in s["evidence"]] == ["核验记录.pdf"]
