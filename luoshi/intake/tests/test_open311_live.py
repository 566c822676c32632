"""The facade over real HTTP (pytest-django's live server) with an independent client: `georeport` (PyPI 0.3.1),
which reads services, service definitions and requests in JSON and XML. It cannot POST, so POSTs go through
`requests`, form-encoded, as a hotline system would send them."""
from __future__ import annotations

import pytest
import requests as http
from georeport import GeoReport

from luoshi.core.testing import HANG_GUARD_S
from luoshi.intake.models import Request

from .test_open311_support import BASE, as_list, o311, schema_validate  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
# Only there so a hung server fails the test instead of blocking the run: the first submission loads jieba's
# dictionary, which takes many seconds on a loaded machine.
HTTP_TIMEOUT = HANG_GUARD_S


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(settings):
    """The live server answers in threads; with persistent connections (CONN_MAX_AGE) those would keep a session
    open on the PostgreSQL test database, which then cannot be dropped. Close them after every request."""
    from django.db import connections

    saved = {alias: connections.settings[alias].get("CONN_MAX_AGE", 0) for alias in connections.settings}
    for alias in saved:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    yield
    for alias, value in saved.items():
        connections.settings[alias]["CONN_MAX_AGE"] = value


@pytest.fixture
def live(live_server, o311, req):
    """A live endpoint with three requests: one posted over HTTP (0501, list attributes), one dispatched and
    answered (0101, closed), one open (0201)."""
    base = live_server.url + BASE
    response = http.post(f"{base}/requests.json", data={
        "api_key": o311["key"], "jurisdiction_id": "luoshi.local", "service_code": "0501",
        "lat": "36.1", "long": "120.4",
        "description": "株洲路人行道塌陷", "attribute[hazard][]": ["hole", "crack"], "first_name": "明", "last_name": "李",
        "phone": "13812345678"}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    posted = Request.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert posted.attributes == {"hazard": ["hole", "crack"]}
    closed = req.through("中韩街道海尔路路灯不亮")
    opened = req.submit("沙子口街道夜间噪声", category="0201", area="street_b")
    return {"base": base, "posted": posted, "closed": closed, "open": opened}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_everything(live, fmt):
    client = GeoReport(live["base"], jurisdiction="luoshi.local", output_format=fmt)

    services = client.get_service_list()
    if fmt == "json":
        schema_validate("services.json", services)
    assert [s["service_code"] for s in services] == ["0101", "0201", "0301", "0401", "0501"]
    assert {s["metadata"] for s in services} == ({True, False} if fmt == "json" else {"true", "false"})

    definition = client.get_service_definition("0501")
    if fmt == "json":
        schema_validate("service-definition.json", definition)
        attributes = definition["attributes"]
    else:
        attributes = definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["notice", "hazard", "size", "depth"]

    everything = client.get_service_requests()
    if fmt == "json":
        schema_validate("requests.json", everything)
    ids = {r["service_request_id"] for r in as_list(everything)}
    assert ids == {str(live[k].pk) for k in ("posted", "closed", "open")}

    closed = as_list(client.get_service_requests(status="closed"))
    assert [r["service_request_id"] for r in closed] == [str(live["closed"].pk)]
    assert closed[0]["agency_responsible"] == "中韩街道" and closed[0]["status_notes"] == "已更换灯泡，路灯恢复照明。"
    by_code = as_list(client.get_service_requests(service_code="0201,0501"))
    assert {r["service_request_id"] for r in by_code} == {str(live["posted"].pk), str(live["open"].pk)}
    by_id = as_list(client.get_service_requests(service_request_id=f"{live['open'].pk},{live['closed'].pk}",
                                                status="closed"))
    assert {r["service_request_id"] for r in by_id} == {str(live["open"].pk), str(live["closed"].pk)}
    if fmt == "json":
        assert client.get_service_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z") == []
    else:  # georeport cannot read an empty XML list (it indexes ['service_requests']['request']); read it directly
        empty = http.get(f"{live['base']}/requests.xml", params={"start_date": "2020-01-01T00:00:00Z"}, timeout=HTTP_TIMEOUT)
        assert empty.text.endswith("<service_requests></service_requests>")

    one = client.get_service_request(str(live["posted"].pk))
    if fmt == "json":
        schema_validate("request.json", one)
        assert one["lat"] == 36.1 and one["long"] == 120.4
    else:
        assert (one["lat"], one["long"]) == ("36.1", "120.4")
    assert one["service_code"] == "0501" and one["status"] == "open"
    assert one["requested_datetime"].endswith("+08:00")

    with pytest.raises(http.HTTPError) as e:
        client.get_service_request("999999")
    assert e.value.response.status_code == 404


def test_post_errors_over_http(live, o311):
    base = live["base"]
    response = http.post(f"{base}/requests.xml", data={"service_code": "0101", "lat": "36.1", "long": "120.4",
                                                        "description": "x"}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 403 and response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "<errors><error><code>403</code>" in response.text
    response = http.post(f"{base}/requests.json", data={"api_key": o311["key"], "service_code": "0401",
                                                         "address_string": "株洲路", "description": "物业不作为"}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "attribute[community]：请填写“小区名称”。"}]
