"""Every parameter the REST API takes is bounded at the edge (luoshi/core/params.py), so new endpoints are caught
too: an integer without a maximum (an id past 64 bits overflows the database), a date without the 1900–2100
range (year 1 overflows the time zone), or a list paginated without the bounded page number."""
from __future__ import annotations

import pathlib
import re

from django.test import Client

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _schemas(node, components, seen=()):
    """Every schema object under `node`, following $refs into the components."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref not in seen:
            yield from _schemas(components[ref.rsplit("/", 1)[1]], components, seen + (ref,))
        yield node
        for value in node.values():
            yield from _schemas(value, components, seen)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value, components, seen)


def test_every_input_is_bounded(db):
    schema = Client().get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    unbounded = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            inputs = [p["schema"] for p in op.get("parameters", [])] + [op.get("requestBody", {})]
            for node in _schemas(inputs, components):
                where = f"{method.upper()} {path}: {node.get('title', '')}"
                if node.get("type") == "integer" and ("maximum" not in node or "minimum" not in node):
                    unbounded.append(f"{where} integer without minimum/maximum (use core.params.Id, Count, …)")
                if node.get("format") in ("date", "date-time") and "x-luoshi-range" not in node:
                    unbounded.append(f"{where} date without the 1900–2100 range (use core.params.Day/Moment)")
                if node.get("type") == "number" and ("maximum" not in node or "minimum" not in node):
                    unbounded.append(f"{where} number without minimum/maximum")
    assert not unbounded, "\n".join(unbounded)


def test_every_error_status_is_documented(db):
    schema = Client().get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            documented = set(op["responses"])
            assert {"401"} <= documented, (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert {"400", "422"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)


def test_lists_use_the_bounded_pagination():
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                 if "/tests/" not in str(p) and p.name != "params.py"
                 and re.search(r"\bPageNumberPagination\b|\bLimitOffsetPagination\b", p.read_text(encoding="utf-8"))]
    assert not offenders, f"paginate with luoshi.core.params.Pages: {offenders}"


def test_every_request_body_refuses_keys_it_does_not_have(db):
    """A JSON body's unknown key (a misspelt `percnet`) is refused with 422 naming it, not silently ignored: every
    object a request body describes says additionalProperties false (core.params.BodyIn)."""
    schema = Client().get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    open_objects = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            content = op.get("requestBody", {}).get("content", {})
            for node in _schemas(content.get("application/json", {}), components):
                closed = node.get("additionalProperties") is False
                if node.get("type") == "object" and "properties" in node and not closed:
                    open_objects.append(f"{method.upper()} {path}: {node.get('title', '')}")
    assert not open_objects, "请求体接受未知的键（用 core.params.BodyIn）：\n" + "\n".join(sorted(set(open_objects)))
