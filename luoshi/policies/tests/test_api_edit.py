"""Editing the dictionary through the REST API: the same services as the web forms (versions, journal), located
refusals in the API's error shape ({detail, field}), scope (a department edits only its own clauses), and
nothing stored when refused."""
import json

import pytest

from luoshi.core.models import JournalEntry
from luoshi.policies.models import Clause, ClauseVersion, Policy

from .conftest import RULES
from .test_api import api


def body(vocab, city, policy, **kw) -> dict:
    data = {"policy_id": policy.pk, "code": "LS-KJ-009", "title": "研发设备补贴", "theme_id": vocab["theme"].pk,
            "tag_ids": [vocab["tag"].pk], "declare_type": "补贴类", "beneficiary": "区内规上企业",
            "condition_text": "上年研发投入占比3%以上", "rules": RULES, "amount_rule": "固定 20万元",
            "procedure": "网上申报", "dept_id": city["dept"].pk, "contact_person": "孙敏",
            "contact_phone": "0532-88990011", "start_date": "2026-03-01", "end_date": "2026-12-31"}
    data.update(kw)
    return data


def send(client, method: str, url: str, data: dict):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def counts():
    return (Policy.objects.count(), Clause.objects.count(), ClauseVersion.objects.count(), JournalEntry.objects.count())


def test_a_department_creates_and_changes_its_clause(cast, vocab, city, policy):
    c = api(cast["liaison_dept"])
    r = send(c, "post", "/api/policies/clauses", body(vocab, city, policy))
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["code"] == "LS-KJ-009" and out["version"] == 1 and out["tag_ids"] == [vocab["tag"].pk]
    assert out["dept_id"] == city["dept"].pk and out["is_published"] is True and out["end_date"] == "2026-12-31"
    clause = Clause.objects.get(code="LS-KJ-009")
    assert JournalEntry.objects.filter(verb="policy.clause_create", object_id=str(clause.pk),
                                       actor=cast["liaison_dept"]).exists()
    assert "研发" in clause.search_text  # indexed like a clause saved by the form
    # a change: a new version, the old one kept
    r = send(c, "patch", f"/api/policies/clauses/{clause.pk}", {"amount_rule": "固定 30万元", "end_date": None,
                                                                 "reason": "提高标准"})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["end_date"] is None
    assert r.json()["title"] == "研发设备补贴"  # not sent: kept
    assert list(ClauseVersion.objects.filter(clause=clause).order_by("number").values_list("data__amount_rule", flat=True)) == [
        "固定 20万元", "固定 30万元"]
    entry = JournalEntry.objects.get(verb="policy.clause_update", object_id=str(clause.pk))
    assert entry.reason == "提高标准" and entry.changes["amount_rule"] == ["固定 20万元", "固定 30万元"]
    # the same values again: nothing changes
    before = counts()
    r = send(c, "patch", f"/api/policies/clauses/{clause.pk}", {"amount_rule": "固定 30万元"})
    assert r.status_code == 200 and r.json()["version"] == 2 and counts() == before


@pytest.mark.parametrize("change, status, field, words", [
    ({"rules": "注册地 = 崂山区\n研发投入占比 >= 3"}, 400, "rules", "第2行"),
    ({"amount_rule": "比例 研发投入 十成"}, 400, "amount_rule", "金额"),
    ({"theme_id": 999999}, 400, "theme_id", "主题 999999 不存在"),
    ({"tag_ids": [999999]}, 400, "tag_ids", "标签 999999 不存在"),
    ({"policy_id": 999999}, 400, "policy_id", "政策文件 999999 不存在"),
    ({"declare_type": "火星类"}, 400, "declare_type", "不在政策词汇中"),
    ({"title": "  "}, 400, "title", "请填写条款名称"),
    ({"title": "长" * 201}, 400, "title", "最多 200 字"),
    ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, 400, "end_date", "不能早于"),
    ({"no_application": True, "rules": ""}, 400, "rules", "免申即享"),
    ({"start_date": "0001-01-01"}, 422, "start_date", ""),
    ({"code": "LS-KJ-001"}, 400, "code", "已存在"),
    ({"title": None}, 422, "title", ""),
])
def test_creation_refusals_are_located_and_store_nothing(cast, vocab, city, policy, clause, change, status, field, words):
    c = api(cast["liaison_dept"])
    before = counts()
    r = send(c, "post", "/api/policies/clauses", body(vocab, city, policy, **change))
    assert r.status_code == status, r.content
    assert r.json()["field"] == field and words in r.json()["detail"]
    assert counts() == before


def test_a_tag_of_another_theme_is_refused_on_tag_ids(cast, vocab, city, policy):
    r = send(api(cast["liaison_dept"]), "post", "/api/policies/clauses",
             body(vocab, city, policy, tag_ids=[vocab["tag_other"].pk]))
    assert r.status_code == 400 and r.json()["field"] == "tag_ids" and "不属于主题" in r.json()["detail"]


def test_scope_a_department_edits_only_its_own_clauses(cast, vocab, city, policy, clause):
    other = api(cast["liaison_a"])  # a street's liaison: may read the published clause, not change it
    dept = api(cast["liaison_dept"])
    before = counts()
    r = send(other, "post", "/api/policies/clauses", body(vocab, city, policy))
    assert r.status_code == 403 and "本单位" in r.json()["detail"]
    assert other.get(f"/api/policies/clauses/{clause.pk}").status_code == 200
    r = send(other, "patch", f"/api/policies/clauses/{clause.pk}", {"title": "改掉"})
    assert r.status_code == 403 and "责任单位" in r.json()["detail"]
    r = send(other, "post", f"/api/policies/clauses/{clause.pk}/retire", {"reason": "不要了"})
    assert r.status_code == 403
    # handing one's clause to a unit outside one's own is refused too
    r = send(dept, "patch", f"/api/policies/clauses/{clause.pk}", {"dept_id": city["street_a"].pk})
    assert r.status_code == 403
    assert counts() == before
    clause.refresh_from_db()
    assert clause.title == "研发投入奖励" and clause.version == 1 and clause.dept == city["dept"]
    # a clause that does not exist, or a draft of another department, is 404
    assert send(other, "patch", "/api/policies/clauses/999999", {"title": "x"}).status_code == 404
    Clause.objects.filter(pk=clause.pk).update(is_published=False)
    assert send(other, "patch", f"/api/policies/clauses/{clause.pk}", {"title": "x"}).status_code == 404
    assert Client_anonymous().patch(f"/api/policies/clauses/{clause.pk}", "{}", content_type="application/json").status_code == 401


def Client_anonymous():
    from django.test import Client

    return Client()


def test_retire_takes_the_clause_out_of_the_dictionary(cast, clause, client):
    c = api(cast["liaison_dept"])
    before = counts()
    r = send(c, "post", f"/api/policies/clauses/{clause.pk}/retire", {"reason": " "})
    assert r.status_code == 400 and r.json()["field"] == "reason" and counts() == before
    assert send(c, "post", f"/api/policies/clauses/{clause.pk}/retire", {}).status_code == 422
    r = send(c, "post", f"/api/policies/clauses/{clause.pk}/retire", {"reason": "政策到期停止执行"})
    assert r.status_code == 200 and r.json()["is_published"] is False and r.json()["version"] == 2
    entry = JournalEntry.objects.get(verb="policy.clause_update", object_id=str(clause.pk))
    assert entry.reason == "政策到期停止执行" and entry.changes["is_published"] == [True, False]
    assert ClauseVersion.objects.filter(clause=clause).count() == 2  # the published version stays for its payouts
    assert "研发投入奖励" not in client.get("/public/policies/").content.decode()
    r = send(c, "post", f"/api/policies/clauses/{clause.pk}/retire", {"reason": "再撤一次"})
    assert r.status_code == 400 and "已经撤下" in r.json()["detail"]
    # the department still sees it and can publish it again
    r = send(c, "patch", f"/api/policies/clauses/{clause.pk}", {"is_published": True, "reason": "延续执行"})
    assert r.status_code == 200 and r.json()["is_published"] is True and r.json()["version"] == 3


def test_policy_documents_by_the_policy_office(cast, city, policy):
    office, dept = api(cast["office"]), api(cast["liaison_dept"])
    doc = {"title": "崂山区促进数字经济发展若干措施", "doc_number": "崂政发〔2026〕9号", "issuer": "崂山区人民政府",
           "region_id": city["district"].pk, "valid_from": "2026-01-01", "valid_to": "2028-12-31"}
    before = counts()
    r = send(dept, "post", "/api/policies/policies", doc)
    assert r.status_code == 403 and counts() == before
    r = send(office, "post", "/api/policies/policies", {**doc, "valid_to": "2025-01-01"})
    assert r.status_code == 400 and r.json()["field"] == "valid_to" and counts() == before
    r = send(office, "post", "/api/policies/policies", {**doc, "title": policy.title})
    assert r.status_code == 400 and r.json()["field"] == "title" and "同名" in r.json()["detail"]
    r = send(office, "post", "/api/policies/policies", {**doc, "region_id": 999999})
    assert r.status_code == 400 and r.json()["field"] == "region_id"
    r = send(office, "post", "/api/policies/policies", doc)
    assert r.status_code == 200 and r.json()["region"] == "崂山区" and r.json()["clauses"] == 0
    pid = r.json()["id"]
    assert JournalEntry.objects.filter(verb="policy.policy_create", object_id=str(pid)).exists()
    r = send(dept, "patch", f"/api/policies/policies/{pid}", {"doc_number": "改"})
    assert r.status_code == 403
    r = send(office, "patch", f"/api/policies/policies/{pid}", {"doc_number": "崂政发〔2026〕10号", "reason": "文号更正"})
    assert r.status_code == 200 and r.json()["doc_number"] == "崂政发〔2026〕10号" and r.json()["title"] == doc["title"]
    entry = JournalEntry.objects.get(verb="policy.policy_update", object_id=str(pid))
    assert entry.reason == "文号更正" and entry.changes == {"doc_number": ["崂政发〔2026〕9号", "崂政发〔2026〕10号"]}
    assert send(office, "patch", "/api/policies/policies/999999", {"doc_number": "x"}).status_code == 404


def test_refusals_in_english_when_the_client_asks(cast, vocab, city, policy):
    c = api(cast["liaison_dept"])
    r = c.post("/api/policies/clauses", json.dumps(body(vocab, city, policy, theme_id=999999)),
               content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and r.json()["detail"] == "Theme 999999 does not exist."


def test_every_editing_status_is_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, method, statuses in [
        ("/api/policies/clauses", "post", {"200", "400", "401", "403", "422"}),
        ("/api/policies/clauses/{clause_id}", "patch", {"200", "400", "401", "403", "404", "422"}),
        ("/api/policies/clauses/{clause_id}/retire", "post", {"200", "400", "401", "403", "404", "422"}),
        ("/api/policies/policies", "post", {"200", "400", "401", "403", "422"}),
        ("/api/policies/policies/{policy_id}", "patch", {"200", "400", "401", "403", "404", "422"}),
    ]:
        assert statuses <= set(paths[path][method]["responses"]), (path, method)
