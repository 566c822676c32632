"""Fixtures and helpers for the Open311 tests (no tests here): the official JSON Schemas, an extra category
with list attributes, an api_key, and helpers that GET/POST and parse both formats."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmltodict
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from luoshi.intake.models import ServiceCategory
from luoshi.intake.open311.keys import apikey_create

BASE = "/open311/v2"
SCHEMA_DIR = Path(__file__).resolve().parent / "open311_schema"
SCHEMA_FILES = ("request.json", "requests.json", "service.json", "services.json", "service-definition.json")
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

_format_checker = FormatChecker(formats=())


@_format_checker.checks("date-time")
def _is_datetime(value) -> bool:
    # jsonschema checks date-time only with an optional package; the spec's W3C subset with a zone, checked here
    return not isinstance(value, str) or bool(W3C.match(value))


@_format_checker.checks("uri")
def _is_uri(value) -> bool:
    return not isinstance(value, str) or bool(re.match(r"^https?://\S+$", value))


def _registry() -> Registry:
    resources = []
    for name in SCHEMA_FILES:
        contents = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        resources.append((name, Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def schema_validate(name: str, data) -> None:
    """Validate `data` against the official schema `name` (e.g. "services.json"); raises on the first error."""
    schema = REGISTRY.contents(name)
    errors = sorted(Draft7Validator(schema, registry=REGISTRY, format_checker=_format_checker).iter_errors(data),
                    key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


ROAD_ATTRIBUTES = [
    {"code": "notice", "description": "请写明破损位置", "datatype": "text", "required": False, "variable": False,
     "order": 1, "datatype_description": "", "values": []},
    {"code": "hazard", "description": "危险情况", "datatype": "multivaluelist", "required": True, "variable": True,
     "order": 2, "datatype_description": "可多选",
     "values": [{"key": "hole", "name": "坑洞"}, {"key": "crack", "name": "裂缝"}, {"key": "water", "name": "积水"}]},
    {"code": "size", "description": "面积", "datatype": "singlevaluelist", "required": False, "variable": True,
     "order": 3, "datatype_description": "", "values": [{"key": "s", "name": "小于1平方米"}, {"key": "l", "name": "更大"}]},
    {"code": "depth", "description": "深度（厘米）", "datatype": "number", "required": False, "variable": True,
     "order": 4, "datatype_description": "", "values": []},
]


@pytest.fixture
def o311(intake):
    """The test intake configuration plus 0501 道路破损 (list attributes), a non-public and an inactive category,
    and an api_key for the open311 channel."""
    road = ServiceCategory.objects.create(code="0501", group="城市管理", name="道路破损", keywords="坑洞，路面 破损",
                                          description="道路、人行道破损", limit_days=5, attributes=ROAD_ATTRIBUTES,
                                          sort_order=50)
    ServiceCategory.objects.create(code="0901", group="内部", name="督查交办", is_public=False, sort_order=90)
    ServiceCategory.objects.create(code="0902", group="城市管理", name="已停用类别", is_active=False, sort_order=91)
    raw, key = apikey_create(by=None, name="测试 App", channel=intake["channels"]["open311"])
    return {"key": raw, "key_row": key, "road": road, **intake}


def parse(response):
    """The body as data: JSON as is; XML through xmltodict after checking it is well-formed and declared."""
    body = response.content
    if response["Content-Type"].startswith("text/xml"):
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        ET.fromstring(body)  # well-formed
        return xmltodict.parse(body)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(body)


def as_list(value):
    """xmltodict gives one child as a dict, several as a list, none as None."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def xml_errors(response) -> list[dict]:
    doc = parse(response)
    assert list(doc) == ["errors"]
    return as_list(doc["errors"]["error"])


def error_list(response) -> list[dict]:
    """The errors in either format as [{"code": "400", "description": "…"}]."""
    if response["Content-Type"].startswith("text/xml"):
        return [{"code": str(e["code"]), "description": e["description"]} for e in xml_errors(response)]
    data = parse(response)
    assert isinstance(data, list) and data
    for e in data:
        assert set(e) == {"code", "description"} and isinstance(e["code"], int)
    return [{"code": str(e["code"]), "description": e["description"]} for e in data]


def post(client, fmt="json", **fields):
    """POST requests.{fmt} form-encoded; attribute lists as attribute__CODE=[...] → attribute[CODE][]."""
    data = {}
    for name, value in fields.items():
        if name.startswith("attribute__"):
            code = name.removeprefix("attribute__")
            if isinstance(value, list):
                data[f"attribute[{code}][]"] = value
            else:
                data[f"attribute[{code}]"] = value
        else:
            data[name] = value
    return client.post(f"{BASE}/requests.{fmt}", data)


def good_post(o311, **extra) -> dict:
    fields = {"api_key": o311["key"], "service_code": "0101", "lat": "36.104100", "long": "120.468800",
              "description": "海尔路与株洲路路口的路灯不亮", "attribute__pole": "HE-017"}
    fields.update(extra)
    return fields
