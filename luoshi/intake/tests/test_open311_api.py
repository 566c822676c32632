"""Open311 GeoReport v2 facade: every endpoint in both formats, checked against the official JSON Schemas
(open311/schema-validation, see open311_schema/README.md) and for XML well-formedness; POST validation and the
error document; privacy (no requester data in any answer, 举报 never shown); query counts."""
from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from luoshi.core.errors import PermissionDeniedError
from luoshi.core.models import JournalEntry
from luoshi.intake.models import EventKind, Open311Key, Request, RequestEvent, RequestPhoto
from luoshi.intake.open311.keys import apikey_create, apikey_revoke, request_token

from .test_open311_support import (BASE, as_list, error_list, good_post, o311, parse, post,  # noqa: F401
                                   schema_validate, xml_errors)

FORMATS = ("json", "xml")
NOW = "2026-11-20T10:00:00+08:00"


def counts():
    return (Request.objects.count(), RequestEvent.objects.count(), JournalEntry.objects.count(),
            RequestPhoto.objects.count())


def requests_of(response) -> list[dict]:
    """The service_requests of an answer in either format, as a list of dicts."""
    data = parse(response)
    if response["Content-Type"].startswith("text/xml"):
        assert list(data) == ["service_requests"]
        return as_list((data["service_requests"] or {}).get("request"))
    assert isinstance(data, list)
    return data


# ---- discovery, services, definitions ------------------------------------------------------------------

def test_discovery_both_formats(client, db):
    js = parse(client.get(f"{BASE}/discovery.json"))
    xml = parse(client.get(f"{BASE}/discovery.xml"))["discovery"]
    for doc in (js, xml):
        assert doc["contact"].strip() and doc["key_service"].strip()
        assert doc["changeset"] < "2026-12-01"
    (endpoint,) = js["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert as_list(xml["endpoints"]["endpoint"])[0]["formats"]["format"] == ["text/xml", "application/json"]


def test_services_list(client, o311):
    response = client.get(f"{BASE}/services.json")
    data = parse(response)
    schema_validate("services.json", data)
    by_code = {s["service_code"]: s for s in data}
    assert list(by_code) == ["0101", "0201", "0301", "0401", "0501"]  # not the non-public 0901 nor inactive 0902
    road = by_code["0501"]
    assert road == {"service_code": "0501", "service_name": "道路破损", "description": "道路、人行道破损",
                    "metadata": True, "type": "realtime", "keywords": "坑洞,路面,破损", "group": "城市管理"}
    assert by_code["0201"]["metadata"] is False
    xml = parse(client.get(f"{BASE}/services.xml"))
    services = xml["services"]["service"]
    assert [s["service_code"] for s in services] == list(by_code)
    assert services[4]["metadata"] == "true" and services[1]["metadata"] == "false"


def test_service_definitions(client, o311):
    data = parse(client.get(f"{BASE}/services/0501.json"))
    schema_validate("service-definition.json", data)
    assert data["service_code"] == "0501"
    assert [a["code"] for a in data["attributes"]] == ["notice", "hazard", "size", "depth"]
    hazard = data["attributes"][1]
    assert hazard["datatype"] == "multivaluelist" and hazard["required"] is True and hazard["order"] == 2
    assert hazard["values"][0] == {"key": "hole", "name": "坑洞"}
    assert data["attributes"][0]["variable"] is False
    xml = parse(client.get(f"{BASE}/services/0501.xml"))["service_definition"]
    attrs = xml["attributes"]["attribute"]
    assert [a["code"] for a in attrs] == ["notice", "hazard", "size", "depth"]
    assert [v["key"] for v in attrs[1]["values"]["value"]] == ["hole", "crack", "water"]
    # a service without attributes has an empty definition
    empty = parse(client.get(f"{BASE}/services/0201.json"))
    schema_validate("service-definition.json", empty)
    assert empty == {"service_code": "0201", "attributes": []}
    assert parse(client.get(f"{BASE}/services/0201.xml"))["service_definition"]["attributes"] is None
    for code in ("9999", "0901", "0902"):
        for fmt in FORMATS:
            response = client.get(f"{BASE}/services/{code}.{fmt}")
            assert response.status_code == 404
            assert error_list(response)[0]["code"] == "404"


def test_jurisdiction(client, o311, settings):
    settings.LUOSHI_OPEN311_JURISDICTION = "laoshan.gov.cn"
    assert client.get(f"{BASE}/services.json?jurisdiction_id=laoshan.gov.cn").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=").status_code == 200  # empty = absent
    for fmt in FORMATS:
        response = client.get(f"{BASE}/services.{fmt}?jurisdiction_id=example.org")
        assert response.status_code == 404 and "jurisdiction_id" in error_list(response)[0]["description"]
    response = post(client, **good_post(o311, jurisdiction_id="example.org"))
    assert response.status_code == 404
    assert post(client, **good_post(o311, jurisdiction_id="laoshan.gov.cn")).status_code == 201


def test_unknown_format_and_method(client, o311):
    assert client.get(f"{BASE}/services.html").status_code == 404
    for path, fmt in (("servicez.xml", "xml"), ("requests/1/notes.json", "json"), ("", "json")):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404 and error_list(response)[0]["code"] == "404"
        assert response["Content-Type"].startswith("text/xml" if fmt == "xml" else "application/json")
    for fmt in FORMATS:
        response = client.put(f"{BASE}/requests.{fmt}")
        assert response.status_code == 405 and error_list(response)[0]["code"] == "405"
        assert response["Allow"] == "GET, HEAD, POST"
        assert client.post(f"{BASE}/services.{fmt}").status_code == 405


# ---- POST requests ----------------------------------------------------------------------------------------

def test_post_creates_a_request(client, o311, travel):
    with travel(NOW):
        response = post(client, "json", **good_post(o311, first_name="明", last_name="李", phone="138-1234-5678",
                                                    email="li.ming@example.org", account_id="app-42"))
    assert response.status_code == 201
    (row,) = parse(response)
    assert set(row) == {"service_request_id", "service_notice", "account_id"}
    assert row["account_id"] == "app-42" and row["service_notice"] == "派单后 5 个工作日内办结答复"
    r = Request.objects.get(pk=int(row["service_request_id"]))
    assert r.channel.code == "open311" and r.category.code == "0101" and r.kind == "complaint"
    assert (str(r.lat), str(r.lng)) == ("36.104100", "120.468800")
    assert r.attributes == {"pole": "HE-017"}
    assert (r.requester_name, r.requester_phone, r.requester_email) == ("李明", "13812345678", "li.ming@example.org")
    assert r.region_path == o311["channels"]["open311"].requests.first().region_path
    assert r.tracking_code not in response.content.decode()
    # the record reads back through GET
    (read,) = requests_of(client.get(f"{BASE}/requests/{r.pk}.json"))
    assert read["service_request_id"] == str(r.pk) and read["status"] == "open"
    # published to about 100 m, not to the door
    assert read["lat"] == 36.104 and read["long"] == 120.469 and read["requested_datetime"] == NOW


def test_post_xml(client, o311):
    response = post(client, "xml", **good_post(o311, first_name="John", last_name="Smith"))
    assert response.status_code == 201
    doc = parse(response)
    assert list(doc) == ["service_requests"]
    row = doc["service_requests"]["request"]
    assert row["service_request_id"].isdigit() and row["account_id"] is None
    assert Request.objects.get(pk=int(row["service_request_id"])).requester_name == "John Smith"


def test_post_is_csrf_exempt(o311):
    client = Client(enforce_csrf_checks=True)
    assert post(client, **good_post(o311)).status_code == 201


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_api_key_refused(client, o311, fmt):
    other = apikey_create(by=None, name="旧系统", channel=o311["channels"]["12345"])[0]
    apikey_revoke(by=None, prefix=other[:8], reason="停用旧系统")
    before = counts()
    for key in (None, "", "not-a-key", o311["key"] + "x", other):
        fields = good_post(o311, api_key=key)
        if key is None:
            del fields["api_key"]
        response = post(client, fmt, **fields)
        assert response.status_code == 403, key
        assert error_list(response) == [{"code": "403", "description": "api_key 缺失、无效或已停用。"}]
    assert counts() == before


def test_post_inactive_channel_refused(client, o311):
    channel = o311["channels"]["open311"]
    channel.is_active = False
    channel.save()
    response = post(client, **good_post(o311))
    assert response.status_code == 403 and "已停用" in error_list(response)[0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_service_code(client, o311, fmt):
    before = counts()
    for code in ("9999", "0902"):
        response = post(client, fmt, **good_post(o311, service_code=code))
        assert response.status_code == 404 and error_list(response)[0]["code"] == "404"
    response = post(client, fmt, **good_post(o311, service_code=""))
    assert response.status_code == 400 and error_list(response)[0]["description"].startswith("service_code")
    assert counts() == before


INVALID = {
    "missing required attribute": ({"service_code": "0401", "attribute__pole": ""}, "attribute[community]：请填写“小区名称”。"),
    "required list missing": ({"service_code": "0501", "attribute__pole": ""}, "attribute[hazard]"),
    "bad list value": ({"service_code": "0501", "attribute__pole": "", "attribute__hazard": ["hole", "lava"]},
                       "attribute[hazard]：“危险情况”的取值“lava”不在可选项中。"),
    "bad single value": ({"service_code": "0501", "attribute__pole": "", "attribute__hazard": ["hole"],
                          "attribute__size": "xl"}, "attribute[size]"),
    "not a number": ({"service_code": "0501", "attribute__pole": "", "attribute__hazard": "hole",
                      "attribute__depth": "deep"}, "attribute[depth]"),
    "unknown attribute": ({"attribute__colour": "red"}, "attribute[colour]"),
    "no location": ({"lat": "", "long": ""}, "location："),
    "lat without long": ({"long": ""}, "lat/long："),
    "coordinates not numbers": ({"lat": "north", "long": "east"}, "lat/long："),
    "coordinates out of range": ({"lat": "100", "long": "120"}, "lat/long："),
    "no description": ({"description": "  "}, "description：请填写诉求内容。"),
    "description too long": ({"description": "路" * 4001}, "description：诉求内容最多 4000 字，现有 4001 字。"),
    "bad phone": ({"phone": "1381234567890"}, "phone："),
    "bad email": ({"email": "li@"}, "email："),
    "device_id too long": ({"device_id": "d" * 501}, "device_id：最多 500 个字符，现有 501 个。"),  # not cut to 500
    "address_id too long": ({"lat": "", "long": "", "address_id": "a" * 201}, "address_id：最多 200 个字符"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(INVALID))
def test_post_invalid(client, o311, fmt, case):
    change, expected = INVALID[case]
    before = counts()
    response = post(client, fmt, **good_post(o311, **change))
    assert response.status_code == 400
    errors = error_list(response)
    assert errors[0]["code"] == "400" and errors[0]["description"].startswith(expected), errors
    assert counts() == before


def test_post_reports_several_errors(client, o311):
    for fmt in FORMATS:
        response = post(client, fmt, **good_post(o311, service_code="", lat="", long=""))
        assert response.status_code == 400
        assert [e["description"].split("：")[0] for e in error_list(response)] == ["service_code", "location"]
    assert len(xml_errors(post(client, "xml", **good_post(o311, service_code="", long="")))) == 2


def test_post_list_attributes(client, o311):
    response = post(client, **good_post(o311, service_code="0501", attribute__pole="",
                                        attribute__hazard=["hole", "water"], attribute__size="s", attribute__depth="12.5"))
    assert response.status_code == 201, response.content
    r = Request.objects.get(pk=int(parse(response)[0]["service_request_id"]))
    assert r.attributes == {"hazard": ["hole", "water"], "size": "s", "depth": "12.5"}
    # one value without [] is a list of one; the same key repeated without [] also makes a list
    response = client.post(f"{BASE}/requests.json", {"api_key": o311["key"], "service_code": "0501",
                                                     "address_string": "株洲路 1 号", "description": "路面塌陷",
                                                     "attribute[hazard]": ["hole", "crack"]})
    r = Request.objects.get(pk=int(parse(response)[0]["service_request_id"]))
    assert r.attributes == {"hazard": ["hole", "crack"]}


def test_post_location_variants(client, o311, city):
    response = post(client, **good_post(o311, lat="", long="", address_string="崂山区中韩街道海尔路 1 号"))
    r = Request.objects.get(pk=int(parse(response)[0]["service_request_id"]))
    assert r.address == "崂山区中韩街道海尔路 1 号" and r.lat is None and r.area == city["street_a"]
    response = post(client, **good_post(o311, lat="", long="", address_id="370212-0001"))
    r = Request.objects.get(pk=int(parse(response)[0]["service_request_id"]))
    assert r.address == "370212-0001"


def test_post_extras_are_kept_internal(client, o311):
    response = post(client, **good_post(o311, media_url="http://127.0.0.1:9/never-fetched.jpg", device_id="dev-1",
                                        account_id="acc-7"))
    assert response.status_code == 201
    pk = int(parse(response)[0]["service_request_id"])
    note = RequestEvent.objects.get(request_id=pk, kind=EventKind.NOTE)
    assert note.public is False
    assert note.data == {"open311": {"media_url": "http://127.0.0.1:9/never-fetched.jpg", "device_id": "dev-1",
                                     "account_id": "acc-7", "key": o311["key_row"].prefix}}
    body = client.get(f"{BASE}/requests/{pk}.json").content.decode()
    assert "never-fetched" not in body and "dev-1" not in body and "acc-7" not in body


def test_post_non_public_and_report_categories(client, o311):
    # a key holder may post to an active category that the public list does not show
    assert post(client, **good_post(o311, service_code="0901", attribute__pole="")).status_code == 201
    response = post(client, **good_post(o311, service_code="0301", attribute__pole="", description="某饭店后厨卫生差"))
    assert response.status_code == 201
    row = parse(response)[0]
    assert "保密" in row["service_notice"]
    pk = row["service_request_id"]
    assert Request.objects.get(pk=pk).kind == "report"
    for fmt in FORMATS:
        assert client.get(f"{BASE}/requests/{pk}.{fmt}").status_code == 404
        assert requests_of(client.get(f"{BASE}/requests.{fmt}?service_request_id={pk}")) == []
        assert client.get(f"{BASE}/tokens/{request_token(int(pk))}.{fmt}").status_code == 404
        assert "后厨" not in client.get(f"{BASE}/requests.{fmt}").content.decode()


def test_batch_mode_returns_a_token(client, o311, settings):
    settings.LUOSHI_OPEN311_SERVICE_TYPE = "batch"
    assert {s["type"] for s in parse(client.get(f"{BASE}/services.json"))} == {"batch"}
    (row,) = parse(post(client, **good_post(o311)))
    assert "service_request_id" not in row
    token = row["token"]
    r = Request.objects.get()
    assert token != r.tracking_code and r.tracking_code not in token
    for fmt in FORMATS:
        (found,) = requests_of(client.get(f"{BASE}/tokens/{token}.{fmt}"))
        assert found == {"service_request_id": str(r.pk), "token": token}
        for bad in (r.tracking_code, token[:-1] + ("0" if token[-1] != "0" else "1"), f"{r.pk}-abc", "x"):
            response = client.get(f"{BASE}/tokens/{bad}.{fmt}")
            assert response.status_code == 404 and error_list(response)[0]["code"] == "404"


# ---- GET requests -----------------------------------------------------------------------------------------

@pytest.fixture
def seeded(o311, req, travel):
    """old (Aug, outside the default 90 days), mid (Sep), open (Nov 2), closed (Nov 10), report (Nov 12)."""
    out = {}
    with travel("2026-08-03T10:00:00+08:00"):
        out["old"] = req.submit("中韩街道老路灯不亮")
    with travel("2026-09-01T10:00:00+08:00"):
        out["mid"] = req.submit("沙子口街道夜间施工噪声", category="0201", area="street_b")
    with travel("2026-11-02T10:00:00+08:00"):
        out["open"] = req.submit("中韩街道海尔路路灯不亮")
        req.dispatch(out["open"])
        req.sign(out["open"])
    with travel("2026-11-10T10:00:00+08:00"):
        out["closed"] = req.through("中韩街道株洲路路灯闪烁")
    with travel("2026-11-12T10:00:00+08:00"):
        out["report"] = req.submit("举报某饭店使用过期食材", category="0301")
    return out


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in requests_of(response)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_filters(client, seeded, travel, fmt):
    s = {k: str(v.pk) for k, v in seeded.items()}
    url = f"{BASE}/requests.{fmt}"
    with travel(NOW):
        default = client.get(url)
        assert ids(default) == [s["closed"], s["open"], s["mid"]]  # newest first, 90 days, no 举报
        if fmt == "json":
            schema_validate("requests.json", parse(default))
        assert ids(client.get(url, {"status": "open"})) == [s["open"], s["mid"]]
        assert ids(client.get(url, {"status": "closed"})) == [s["closed"]]
        assert ids(client.get(url, {"status": "open,closed"})) == [s["closed"], s["open"], s["mid"]]
        assert ids(client.get(url, {"service_code": "0201"})) == [s["mid"]]
        assert ids(client.get(url, {"service_code": "0201,0101"})) == [s["closed"], s["open"], s["mid"]]
        # service_request_id overrides every other filter, and 举报 stay out
        assert ids(client.get(url, {"service_request_id": f"{s['old']},{s['report']},{s['open']},abc",
                                    "status": "closed", "service_code": "0201"})) == [s["open"], s["old"]]
        assert ids(client.get(url, {"start_date": "2026-08-01T00:00:00+08:00",
                                    "end_date": "2026-09-01T12:00:00+08:00"})) == [s["mid"], s["old"]]
        assert ids(client.get(url, {"start_date": "2026-11-05T00:00:00Z"})) == [s["closed"]]
        assert ids(client.get(url, {"end_date": "2026-09-02"})) == [s["mid"], s["old"]]
        # a '+' sent unencoded arrives as a space
        assert ids(client.get(f"{url}?start_date=2026-11-05T00:00:00+08:00")) == [s["closed"]]
        assert ids(client.get(url, {"page_size": "2"})) == [s["closed"], s["open"]]
        assert ids(client.get(url, {"page_size": "2", "page": "2"})) == [s["mid"]]
        assert ids(client.get(url, {"page_size": "2", "page": "3"})) == []
        assert ids(client.get(url, {"updated_after": "2026-11-09T00:00:00+08:00"})) == [s["closed"]]
        assert ids(client.get(url, {"updated_before": "2026-09-30T00:00:00+08:00"})) == [s["mid"], s["old"]]
        for bad in ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
                    {"start_date": "2026-11-01T00:00:00Z", "end_date": "2026-10-01T00:00:00Z"},
                    {"start_date": "yesterday"}, {"status": "pending"}, {"page": "0"}, {"page_size": "5000"}):
            response = client.get(url, bad)
            assert response.status_code == 400, bad
            assert error_list(response)[0]["code"] == "400"
        response = client.get(url, {"start_date": "nope", "status": "x"})
        assert len(error_list(response)) == 2


def test_request_walk_through_the_states(client, o311, req, travel, city):
    def read(r, fmt="json"):
        response = client.get(f"{BASE}/requests/{r.pk}.{fmt}")
        assert response.status_code == 200
        (row,) = requests_of(response)
        if fmt == "json":
            schema_validate("request.json", row)
            schema_validate("requests.json", parse(response))
        return row

    with travel("2026-11-16T10:00:00+08:00"):
        r = req.submit("中韩街道海尔路 8 号路灯不亮，联系电话 13812345678")
        row = read(r)
        assert (row["status"], row["status_notes"], row["agency_responsible"], row["expected_datetime"]) == (
            "open", "已受理，待派单", None, None)
        assert row["description"] == "中韩街道海尔路 8 号路灯不亮，联系电话 138****5678"
        assert row["requested_datetime"] == "2026-11-16T10:00:00+08:00"
        req.dispatch(r)
        row = read(r)
        assert row["status_notes"] == "已派单，待承办单位签收" and row["agency_responsible"] == "中韩街道"
        assert row["expected_datetime"] == "2026-11-24T00:00:00+08:00"  # 5 working days after Mon 16 Nov
        req.sign(r)
        assert read(r)["status_notes"] == "承办单位办理中"
    with travel("2026-11-18T15:00:00+08:00"):
        req.reply(r, "已更换灯泡。如有问题请拨打 0532-88886666。")
        row = read(r, "xml")
        assert row["status"] == "closed" and row["status_notes"] == "已更换灯泡。如有问题请拨打 0532-****6666。"
        assert row["updated_datetime"] == "2026-11-18T15:00:00+08:00"
        req.rate(r, 1)  # unsatisfied: 重办
        row = read(r)
        assert row["status"] == "open" and row["status_notes"] == "重办中"
        req.reply(r, "已重新检修线路。")
    with travel("2026-11-19T09:30:00+08:00"):
        req.rate(r, 5)
        row = read(r)
        assert row["status"] == "closed" and row["status_notes"] == "已重新检修线路。"
        assert row["updated_datetime"] == "2026-11-19T09:30:00+08:00"


def test_request_detail_not_found(client, seeded):
    for fmt in FORMATS:
        for pk in ("999999", "abc", str(seeded["report"].pk), "9" * 30):
            response = client.get(f"{BASE}/requests/{pk}.{fmt}")
            assert response.status_code == 404 and error_list(response)[0]["code"] == "404"


def test_xml_survives_odd_text(client, o311, req):
    r = req.submit("路灯 <b>不亮</b> & “坏了”\x01\x0b 第二行\n第三行")
    response = client.get(f"{BASE}/requests/{r.pk}.xml")
    (row,) = requests_of(response)
    assert row["description"] == "路灯 <b>不亮</b> & “坏了” 第二行\n第三行"
    assert b"&lt;b&gt;" in response.content


# ---- privacy ----------------------------------------------------------------------------------------------

SECRET = {"name": "欧阳秘密", "phone": "13987654321", "email": "ouyang.secret@example.org"}


def test_no_personal_data_in_any_answer(client, o311, req, travel, cast, dispatcher):
    with travel(NOW):
        a = req.submit(f"海尔路路灯不亮，请联系 {SECRET['phone']} 或 {SECRET['email']}", **SECRET)
        req.dispatch(a)
        req.sign(a)
        req.reply(a, f"已电话联系 {SECRET['phone']}，路灯已修复。")
        b = req.submit("沙子口街道噪声", category="0201", area="street_b", name=SECRET["name"],
                       phone=SECRET["phone"], email=SECRET["email"], anonymous=True)
        c = req.submit(f"举报：某店铺 {SECRET['phone']} 卖假货", category="0301", **SECRET)
        posted = post(client, **good_post(o311, first_name="秘密", last_name="欧阳", phone=SECRET["phone"],
                                          email=SECRET["email"], description=f"电话 {SECRET['phone']}"))
        assert posted.status_code == 201
        d = Request.objects.get(pk=int(parse(posted)[0]["service_request_id"]))
        public = [a, b, d]
        secrets_ = [*SECRET.values()] + [r.tracking_code for r in (a, b, c, d)] + [a.rating_token]
        bodies = [posted.content]
        staff = Client()
        staff.force_login(dispatcher)  # a signed-in dispatcher sees nothing more through Open311
        for browser in (client, staff):
            for fmt in FORMATS:
                paths = [f"discovery.{fmt}", f"services.{fmt}", f"requests.{fmt}",
                         f"requests.{fmt}?service_request_id={','.join(str(r.pk) for r in (a, b, c, d))}",
                         f"requests.{fmt}?status=closed", f"tokens/{request_token(c.pk)}.{fmt}"]
                paths += [f"services/{code}.{fmt}" for code in ("0101", "0201", "0301", "0401", "0501")]
                for r in (a, b, c, d):
                    paths += [f"requests/{r.pk}.{fmt}", f"tokens/{request_token(r.pk)}.{fmt}"]
                for path in paths:
                    response = browser.get(f"{BASE}/{path}")
                    assert response.status_code in (200, 404), path
                    bodies.append(response.content)
                listed = ids(browser.get(f"{BASE}/requests.{fmt}"))
                assert sorted(listed) == sorted(str(r.pk) for r in public)
    text = "\n".join(body.decode("utf-8") for body in bodies)
    for secret in secrets_:
        assert secret not in text
    assert "卖假货" not in text and "举报：" not in text
    assert "139****4321" in text  # the masked phone is what shows


# ---- query counts -----------------------------------------------------------------------------------------

def _seed(req, n):
    for i in range(n):
        r = req.submit(f"中韩街道第 {i} 号路灯不亮")
        if i % 2:
            req.dispatch(r)


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fmt", FORMATS)
def test_query_count_does_not_grow(client, o311, req, django_assert_max_num_queries, fmt, memory_cache):
    _seed(req, 5)
    small = {p: _queries(client, f"{BASE}/{p}") for p in (f"requests.{fmt}", f"services.{fmt}")}
    _seed(req, 45)
    assert len(ids(client.get(f"{BASE}/requests.{fmt}"))) == 50
    for path, n in small.items():
        cache.clear()  # measure a list built afresh, not the cached body
        assert _queries(client, f"{BASE}/{path}") == n
    with django_assert_max_num_queries(3):  # the newest update (cache key), the rows as values, their categories
        client.get(f"{BASE}/requests.{fmt}")
    with django_assert_max_num_queries(1):  # the same list again, nothing changed: the cached body
        client.get(f"{BASE}/requests.{fmt}")
    dispatched = Request.objects.filter(lead_unit__isnull=False).first()
    with django_assert_max_num_queries(1):
        assert requests_of(client.get(f"{BASE}/requests/{dispatched.pk}.{fmt}"))[0]["agency_responsible"] == "中韩街道"


def test_post_query_budget(client, o311, django_assert_max_num_queries):
    """The POST path adds two reads (key with its channel, category) to request_submit's own work."""
    post(client, **good_post(o311))  # warm the workday cache
    with CaptureQueriesContext(connection) as ctx:
        assert post(client, **good_post(o311)).status_code == 201
    ours = [q["sql"] for q in ctx.captured_queries if '"intake_open311key"' in q["sql"]
            or ('"intake_servicecategory"' in q["sql"] and "SELECT" in q["sql"])]
    assert len(ours) == 2, ours


# ---- api keys -----------------------------------------------------------------------------------------------

def test_apikey_command(client, o311, capsys):
    call_command("intake_apikey", "--name", "12345 热线系统", "--channel", "12345")
    out = capsys.readouterr().out
    raw = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("api_key: "))
    key = Open311Key.objects.get(name="12345 热线系统")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and key.prefix == raw[:8]
    assert out.count(raw) == 1
    assert JournalEntry.objects.filter(verb="open311.key_create", object_id=str(key.pk)).exists()
    response = post(client, **good_post(o311, api_key=raw))
    assert Request.objects.get(pk=int(parse(response)[0]["service_request_id"])).channel.code == "12345"
    call_command("intake_apikey", "--list")
    listed = capsys.readouterr().out
    assert key.prefix in listed and raw not in listed
    call_command("intake_apikey", "--revoke", raw[:8], "--reason", "测试")
    assert "已停用" in capsys.readouterr().out
    assert JournalEntry.objects.filter(verb="open311.key_revoke", object_id=str(key.pk), reason="测试").exists()
    assert post(client, **good_post(o311, api_key=raw)).status_code == 403
    with pytest.raises(CommandError, match="停用"):
        call_command("intake_apikey", "--revoke", raw[:8])
    with pytest.raises(CommandError, match="找不到受理渠道"):
        call_command("intake_apikey", "--name", "x", "--channel", "nope")
    with pytest.raises(CommandError, match="--name"):
        call_command("intake_apikey", "--name", "x")


def test_apikey_permissions(o311, cast):
    with pytest.raises(PermissionDeniedError):
        apikey_create(by=cast["liaison_a"], name="x", channel=o311["channels"]["open311"])
    with pytest.raises(PermissionDeniedError):
        apikey_revoke(by=cast["liaison_b"], prefix=o311["key"][:8])
    raw, key = apikey_create(by=cast["office"], name="区政务 App", channel=o311["channels"]["open311"])
    assert JournalEntry.objects.get(verb="open311.key_create", object_id=str(key.pk)).actor == cast["office"]
    apikey_revoke(by=cast["office"], prefix=raw)  # the whole key works as well
    assert Open311Key.objects.get(pk=key.pk).revoked_at is not None


def test_post_media_upload(client, o311):
    """v2.1 draft: photos posted as multipart `media` go through the same checks as on the public site."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 40)).save(buf, "PNG")
    fields = good_post(o311)
    fields["attribute[pole]"] = fields.pop("attribute__pole")
    response = client.post(f"{BASE}/requests.json",
                           {**fields, "media": SimpleUploadedFile("lamp.png", buf.getvalue(), "image/png")})
    assert response.status_code == 201, response.content
    assert RequestPhoto.objects.filter(request_id=int(parse(response)[0]["service_request_id"])).count() == 1
    before = counts()
    response = client.post(f"{BASE}/requests.json",
                           {**fields, "media": SimpleUploadedFile("lamp.png", b"not a picture", "image/png")})
    assert response.status_code == 400 and error_list(response)[0]["description"].startswith("media：")
    assert counts() == before


def test_cached_list_shows_a_change_at_once(client, o311, req):
    """The list body is cached, keyed by the newest update: a reply shows on the next GET."""
    r = req.submit()
    first = requests_of(client.get(f"{BASE}/requests.json"))
    assert [x["status"] for x in first if x["service_request_id"] == str(r.pk)] == ["open"]
    req.dispatch(r)
    req.sign(r)
    req.reply(r, "已修复路灯。")
    again = requests_of(client.get(f"{BASE}/requests.json"))
    row = next(x for x in again if x["service_request_id"] == str(r.pk))
    assert row["status"] == "closed" and row["status_notes"] == "已修复路灯。"
