import json

import pytest
from django.test import Client

from luoshi.api.auth import token_create
from luoshi.policies.models import Payout, PayoutBatch


def api(person):
    _, key = token_create(by=None, person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_dictionary_and_matches(cast, clause, enterprises):
    c = api(cast["liaison_dept"])
    r = c.get("/api/policies/clauses", {"q": "研发"})
    assert r.status_code == 200 and r.json()["items"][0]["code"] == "LS-KJ-001"
    r = c.get(f"/api/policies/enterprises/{enterprises['nearly'].pk}/matches")
    [m] = r.json()
    assert m["verdict"] == "nearly" and m["missing"] == ["研发投入占比 >= 3%"]
    r = c.get(f"/api/policies/clauses/{clause.pk}/matches")
    assert {m["enterprise"] for m in r.json()} == {enterprises["good"].name, enterprises["other_street"].name}
    assert r.json()[0]["amount"] is not None and r.json()[0]["outcomes"][0]["status"] == "pass"


def test_batches_through_the_api_and_refusals(cast, clause, enterprises):
    dept, other = api(cast["liaison_dept"]), api(cast["liaison_a"])
    r = other.post(f"/api/policies/clauses/{clause.pk}/batches", json.dumps({"period": "2026"}), content_type="application/json")
    assert r.status_code == 403 and "责任单位" in r.json()["detail"]
    r = dept.post(f"/api/policies/clauses/{clause.pk}/batches", json.dumps({"period": ""}), content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "period"
    r = dept.post(f"/api/policies/clauses/{clause.pk}/batches", json.dumps({"period": "2026"}), content_type="application/json")
    assert r.status_code == 200 and len(r.json()["lines"]) == 2
    bid = r.json()["id"]
    assert other.post(f"/api/policies/batches/{bid}/confirm", "{}", content_type="application/json").status_code == 404
    r = dept.post(f"/api/policies/batches/{bid}/confirm", json.dumps({"paid_on": "2026-03-02"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "confirmed" and r.json()["count"] == 2
    r = dept.post(f"/api/policies/batches/{bid}/confirm", "{}", content_type="application/json")
    assert r.status_code == 400
    assert PayoutBatch.objects.get().total == sum(p.amount for p in Payout.objects.filter(confirmed=True))
    r = dept.get("/api/policies/totals", {"by": "district"})
    assert r.json()[0]["label"] == "崂山区"
    assert dept.get("/api/policies/totals", {"by": "nonsense"}).status_code == 400


def test_profile_patch_scoped(cast, clause, enterprises):
    e = enterprises["nearly"]
    r = api(cast["outsider"]).patch(f"/api/policies/enterprises/{e.pk}/profile", json.dumps({"values": {"研发投入占比": "5%"}}),
                                    content_type="application/json")
    assert r.status_code == 404
    r = api(cast["liaison_dept"]).patch(f"/api/policies/enterprises/{e.pk}/profile",
                                        json.dumps({"values": {"研发投入占比": "五"}}), content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "研发投入占比"
    r = api(cast["liaison_dept"]).patch(f"/api/policies/enterprises/{e.pk}/profile",
                                        json.dumps({"values": {"研发投入占比": "5%"}}), content_type="application/json")
    assert r.status_code == 200 and r.json()["profile_version"] == 2
    assert any(a["key"] == "研发投入占比" and a["source"] == "部门核实" for a in r.json()["profile"])


@pytest.mark.parametrize("who", ["outsider", "liaison_b"])
def test_enterprises_out_of_scope_are_not_listed(cast, clause, enterprises, who):
    r = api(cast[who]).get("/api/policies/enterprises")
    assert r.json()["count"] == 0


def test_vocabulary_and_policies(cast, clause, policy, vocab):
    c = api(cast["liaison_a"])
    r = c.get("/api/policies/vocabulary")
    assert r.status_code == 200
    assert r.json()["themes"][0] == {"id": vocab["theme"].pk, "name": "科技创新", "tags": ["研发投入"], "tag_ids": [vocab["tag"].pk]}
    assert r.json()["declare_types"] == ["奖励类", "补贴类", "资助类"]
    r = c.get("/api/policies/policies")
    assert r.json() == [{"id": policy.pk, "title": policy.title, "doc_number": policy.doc_number, "issuer": policy.issuer, "region_id": policy.region_id,
                         "region": "崂山区", "valid_from": None, "valid_to": None, "clauses": 1}]
    assert Client().get("/api/policies/vocabulary").status_code in (401, 403)
