"""The REST API: scoped lists and details, starting a case and deciding a step, refusals with their statuses."""
import json

from luoshi.procedures.models import Case

from .conftest import open_step, upload


def api_client(person):
    from django.test import Client

    from luoshi.api.auth import token_create

    _, key = token_create(by=None, person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_flow_and_refusals(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    village = api_client(people["village_a"])
    defs = village.get("/api/procedures/definitions").json()
    assert defs[0]["code"] == land.code and defs[0]["steps"][0]["code"] == "apply"
    body = {"definition": land.code, "unit_id": units["village_a"].pk, "title": "API 地块",
            "fields": {"area_mu": "10", "land_use": "commercial", "grade": "city_first", "method": "listing"}}
    r = post(village, "/api/procedures/cases", body | {"fields": body["fields"] | {"grade": "四等镇"}})
    assert r.status_code == 400 and "基准地价级别" in r.json()["detail"] and Case.objects.count() == 0
    r = post(api_client(people["village_c"]), "/api/procedures/cases", body)
    assert r.status_code == 403
    r = post(village, "/api/procedures/cases", body)
    assert r.status_code == 201
    case = r.json()
    step_id = case["steps"][0]["id"]
    r = post(village, f"/api/procedures/cases/{case['id']}/steps/{step_id}/decide", {"decision": "pass"})
    assert r.status_code == 400 and "请先上传" in r.json()["detail"]
    upload(open_step(Case.objects.get(), "apply"), people["village_a"], "application", "resolution")
    r = post(village, f"/api/procedures/cases/{case['id']}/steps/{step_id}/decide", {"decision": "pass"})
    assert r.status_code == 200 and [s["code"] for s in r.json()["steps"] if s["state"] == "open"] == ["town_review"]
    other = api_client(people["renzhao"])
    assert other.get(f"/api/procedures/cases/{case['id']}").status_code == 404
    assert other.get("/api/procedures/cases").json()["count"] == 0
    town = api_client(people["nancun"])
    assert town.get("/api/procedures/cases").json()["count"] == 1
    assert [s["code"] for s in town.get("/api/procedures/waiting").json()] == ["town_review"]
    r = post(village, f"/api/procedures/cases/{case['id']}/steps/{r.json()['steps'][-1]['id']}/decide", {"decision": "pass"})
    assert r.status_code == 403
    assert village.get("/api/procedures/cases/999999").status_code == 404


def test_institutions_api_is_scoped(yanfa, pingdu):
    import datetime as dt

    from luoshi.procedures.services import institution_create

    u = pingdu["units"]
    institution_create(by=None, name="海大研究院", unit=u["host"], authority=u["bianban"], cert_issued=dt.date(2022, 1, 1),
                       cert_expires=dt.date(2027, 1, 1), last_operation_on=dt.date(2025, 1, 1))
    assert api_client(pingdu["people"]["host"]).get("/api/procedures/institutions").json()["count"] == 1
    assert api_client(pingdu["people"]["host2"]).get("/api/procedures/institutions").json()["count"] == 0
    assert api_client(pingdu["people"]["bianban"]).get("/api/procedures/institutions").json()["count"] == 1
