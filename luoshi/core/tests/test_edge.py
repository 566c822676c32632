"""The edge check (core/edge.py) and the pages behind it: every page of every app, with every query parameter any
view reads set to a value no database takes (20-digit ids, year-1 dates, NUL, huge page numbers), answers
without a server error; the edge's refusals are a Chinese 400 page naming the parameter. New apps' pages and
parameters are found from the URL patterns and the source, so they are covered without editing this test."""
from __future__ import annotations

import pathlib
import re

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = pathlib.Path(__file__).resolve().parents[2]
SKIP = ("api/", "open311/", "admin/", "static/", "media/", "accounts/logout", "i18n/")
HOSTILE = {"id": "99999999999999999999", "day": "0001-01-01", "nul": "a\x00b", "page": "999999999999",
           "neg": "-99999999999999999999"}


def _param_names() -> set[str]:
    names = {"page", "unit", "sheet", "round", "under", "issue", "date", "from", "to", "version", "campaign"}
    for path in ROOT.rglob("*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"""GET\.get\(\s*["']([\w\[\]]+)["']""", text))
        names |= set(re.findall(r"""query_(?:date|id)\(request,\s*["'](\w+)["']""", text))
        if "FilterSet" in text:
            names |= set(re.findall(r"^\s+(\w+) = (?:django_filters\.|\w*Filter\()", text, re.M))
    return names


def _urls() -> list[str]:
    out = []

    def walk(patterns, prefix):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                full = prefix + route
                if full.startswith("^") or "(?P" in full or full.startswith(SKIP):
                    continue
                url = re.sub(r"<int:\w+>", "1", full)
                url = re.sub(r"<(?:str|slug):\w+>", "demo-2026", url)
                url = re.sub(r"<path:\w+>", "x", url)
                url = re.sub(r"<\w+>", "demo-2026", url)
                out.append("/" + url)

    walk(get_resolver().url_patterns, "")
    return sorted(set(out))


def test_every_page_survives_hostile_parameters(program, cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast["office"])
    names = sorted(_param_names())
    failures = []
    urls = _urls()
    assert len(urls) > 40
    for url in urls:
        for kind, value in HOSTILE.items():
            response = client.get(url, {n: value for n in names})
            if response.status_code >= 500:
                failures.append(f"{url} {kind}: {response.status_code}")
    assert not failures, failures


@pytest.mark.parametrize("param,value", [("unit", "a\x00b"), ("q", "\x00")])
def test_the_edge_refuses_nul_with_a_chinese_page(program, cast, param, value):
    client = Client()
    client.force_login(cast["office"])
    response = client.get("/", {param: value})
    assert response.status_code == 400
    text = response.content.decode()
    assert param in text and "控制字符" in text


@pytest.mark.parametrize("param,value,word", [
    ("service_request_id", "99999999999999999999", None), ("updated_after", "0001-01-01", "1900"),
    ("page", "18446744073709551617", "过大")])
def test_the_edge_refuses_numbers_and_dates_on_machine_interfaces(db, param, value, word):
    response = Client().get("/open311/v2/requests.json", {param: value})
    assert response.status_code in (200, 400)  # a long id list is simply not found; others refused
    if word:
        assert response.status_code == 400 and word in response.json()[0]["description"]
    response = Client().get("/api/units", {"page": "18446744073709551617"})
    assert response.status_code in (400, 401, 422)


def test_free_text_may_hold_long_numbers(program, cast):
    client = Client()
    client.force_login(cast["office"])
    assert client.get("/", {"q": "12345678901234567890123"}).status_code == 200


def test_rest_and_json_bodies(program, cast):
    client = Client()
    client.force_login(cast["office"])
    response = client.get("/api/units", {"q": "a\x00b"})
    assert response.status_code == 400 and "控制字符" in response.json()["detail"]
    response = client.post(f"/api/tasks/{program['task_a'].pk}/reports", '{"text": "a\\u0000b"}',
                           content_type="application/json")
    assert response.status_code == 400 and "控制字符" in response.json()["detail"]


# every form field a file is read from (request.FILES.get/getlist, forms.FileField); each gets a disguised file
UPLOAD_FIELDS = ("file", "files", "photos", "document", "upload", "evidence", "attachment")
DISGUISED = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>"


def _post_names() -> set[str]:
    names = set(_param_names())
    for path in ROOT.rglob("*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"""POST\.get(?:list)?\(\s*["'](\w+)["']""", text))
        names |= set(re.findall(r"^\s+(\w+) = forms\.\w+Field\(", text, re.M))
    return names - set(UPLOAD_FIELDS)


@pytest.mark.parametrize("who", ["office", None])
def test_every_form_survives_hostile_posts_and_disguised_files(program, cast, who):
    """The same sweep for writes: every URL gets a POST with every form field any view or form reads set to a
    hostile value, and a JPEG header followed by HTML in every upload field (projects' and procedures' evidence,
    case files, imports, photos, the public forms). Refusals are fine; a server error is not."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(raise_request_exception=False)
    if who:
        client.force_login(cast[who])
    names = sorted(_post_names())
    failures = []
    for url in _urls():
        if url.startswith("/accounts/"):
            continue  # sign-in throttling and password forms have their own tests (test_accounts)
        for kind in ("id", "nul"):
            data = {n: HOSTILE[kind] for n in names}
            for field in UPLOAD_FIELDS:
                data[field] = SimpleUploadedFile("photo.jpg", DISGUISED, content_type="image/jpeg")
            response = client.post(url, data)
            if response.status_code >= 500:
                failures.append(f"POST {url} {kind}: {response.status_code}")
    assert not failures, failures


def test_choice_fields_refuse_ids_beyond_64_bits(db):
    from luoshi.core.forms import IdChoiceField, IdMultipleChoiceField
    from luoshi.org.models import Unit

    one, many = IdChoiceField(queryset=Unit.objects.all()), IdMultipleChoiceField(queryset=Unit.objects.all())
    for field, value in ((one, HOSTILE["id"]), (one, HOSTILE["neg"]), (many, [HOSTILE["id"]]), (many, ["0"])):
        with pytest.raises(forms.ValidationError):
            field.clean(value)
