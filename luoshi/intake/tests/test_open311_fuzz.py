"""Open311 under hostile input: whatever a client sends to any endpoint in either format, the answer is never a
server error; a refusal is the Open311 error document (JSON or XML) with status 400, 403 or 404. Hypothesis
draws the values from a pool of known troublemakers (NaN, inf, ids past 64 bits, year 1, NUL, huge numbers)
and free text; a bounded, derandomized number of cases (the `ci` profile)."""
from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings, strategies as st

from .test_open311_support import BASE, good_post, o311, parse, post  # noqa: F401

HOSTILE = ["NaN", "nan", "inf", "-inf", "1e400", "9223372036854775808", "99999999999999999999", "-1", "0",
           "0001-01-01", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2026-13-45", "\x00", "a\x00b",
           "", " ", "=HYPERLINK(\"http://x\")", "<script>", "'; drop table x; --", "１２３", "1,2,3", "null",
           "x" * 5000]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
GET_PARAMS = ["service_request_id", "service_code", "start_date", "end_date", "updated_after", "updated_before",
              "status", "page", "page_size", "jurisdiction_id"]
POST_PARAMS = ["service_code", "lat", "long", "address_string", "address_id", "description", "first_name",
               "last_name", "phone", "email", "device_id", "account_id", "media_url", "attribute[pole]",
               "jurisdiction_id"]
PATHS = ["requests", "requests/{v}", "services", "services/{v}", "tokens/{v}", "discovery"]

FUZZ = settings(max_examples=40, suppress_health_check=list(HealthCheck))


def _is_error_document(response, fmt: str) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = parse(response)
        rows = body if fmt == "json" else body["errors"]["error"]
        rows = rows if isinstance(rows, list) else [rows]
        assert rows and all(str(r["code"]) == str(response.status_code) for r in rows), body


@pytest.mark.parametrize("fmt", ["json", "xml"])
@FUZZ
@given(path=st.sampled_from(PATHS), params=st.dictionaries(st.sampled_from(GET_PARAMS), VALUES, max_size=4),
       value=VALUES)
def test_reads_never_fail(o311, fmt, path, params, value):
    path = path.format(v=value.replace("/", "").replace("\x00", "") or "x")
    response = Client().get(f"{BASE}/{path}.{fmt}", params)
    _is_error_document(response, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@FUZZ
@given(fields=st.dictionaries(st.sampled_from(POST_PARAMS), VALUES, max_size=5))
def test_submissions_never_fail(o311, fmt, fields):
    response = post(Client(), fmt, **{**good_post(o311), **fields})
    _is_error_document(response, fmt)


@pytest.mark.parametrize("lat,lng", [("NaN", "120.4"), ("36.1", "inf"), ("-Infinity", "NaN"), ("1e400", "1")])
def test_nan_coordinates_are_refused(o311, lat, lng):
    response = post(Client(), "json", **good_post(o311, lat=lat, long=lng))
    assert response.status_code == 400
    assert "lat" in parse(response)[0]["description"]


def test_api_key_in_the_address_is_refused(o311):
    response = Client().post(f"{BASE}/requests.json?api_key={o311['key']}", {"service_code": "0101", "lat": "36.1",
                                                                             "long": "120.4", "description": "路灯不亮"})
    assert response.status_code == 400
    assert "api_key" in parse(response)[0]["description"]
