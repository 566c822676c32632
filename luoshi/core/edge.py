"""The edge check every request passes before any view: values no view can use and no database takes are
refused with 400, in the format of the interface the request came to.

* a NUL character anywhere in the path, a query parameter or a form field (PostgreSQL stores none; no person
  types one), also written as \\u0000 inside a JSON body;
* on the machine interfaces (REST under /api/, Open311 and any prefix registered here): a number past 64 bits in
  a query parameter (free-text parameters such as ?q= are exempt), which overflows SQLite's and PostgreSQL's
  integers, and a date outside 1900–2100 (0001-01-01 overflows when it becomes a local moment). Pages check
  these in their list filters instead (core.filters IdField/DayField, core.http query_id/query_date), which
  name the refused filter in the page and apply the others; core/tests/test_edge.py sends every page such
  values and fails on any server error.

It is a safety net under the interfaces' own checks (core.params for the REST schemas, core.filters for list
filters, Open311's parameter checks), and it covers the pages of apps written later without their help. An app
whose interface has its own error format registers a renderer for its path prefix (`register_refusal`), e.g.
Open311 its error document; other paths get the REST shape under /api/ and a Chinese 400 page elsewhere.
"""
from __future__ import annotations

import json
import re
from typing import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .params import FIRST_DAY, LAST_DAY, MAX_ID

# free text a person types: a long number there is a search, not an id
TEXT_PARAMS = frozenset({"q", "code", "keywords", "label", "text", "search", "description", "address", "next"})
DATE_LIKE = re.compile(r"^\s*([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})")
NUMBER = re.compile(r"^\s*[+-]?\d+\s*$")
JSON_BODY_LIMIT = 1 << 20  # larger bodies are uploads, checked by their readers

Renderer = Callable[[HttpRequest, str], HttpResponse]
_renderers: dict[str, Renderer] = {}


def register_refusal(prefix: str, renderer: Renderer) -> None:
    """Answer refused requests under `prefix` (e.g. "/open311/") with `renderer(request, message)`."""
    _renderers[prefix] = renderer


def value_problem(name: str, value: str, *, numbers: bool = True) -> str | None:
    """Why the value of query parameter `name` cannot be used, or None. Without `numbers` only NUL is checked."""
    if "\x00" in value:
        return _("参数 %(name)s 含有不允许的控制字符。") % {"name": name[:40]}
    if name in TEXT_PARAMS or not numbers:
        return None
    if NUMBER.match(value) and abs(int(value)) > MAX_ID:
        return _("参数 %(name)s 的数值过大。") % {"name": name[:40]}
    m = DATE_LIKE.match(value)
    if m and not FIRST_DAY.year <= int(m.group(1)) <= LAST_DAY.year:
        return _("参数 %(name)s 的日期须在 1900 年至 2100 年之间。") % {"name": name[:40]}
    return None


def _machine_interface(url: str) -> bool:
    return url.startswith("/api/") or any(url.startswith(prefix) for prefix in _renderers)


def request_problem(request: HttpRequest) -> str | None:
    """The first reason to refuse the request at the edge, or None. Numbers and dates are checked here for the
    machine interfaces (REST, Open311); pages check them with their list filters (core.filters, `query_id`,
    `query_date`), which say in the page which filter was refused and apply the others."""
    url = request.path_info
    if "\x00" in url:
        return _("地址含有不允许的控制字符。")
    numbers = _machine_interface(url)
    for name, values in request.GET.lists():
        if "\x00" in name:
            return _("参数名含有不允许的控制字符。")
        for value in values:
            problem = value_problem(name, value, numbers=numbers)
            if problem:
                return problem
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("POST", "PUT", "PATCH"):
        if content_type.startswith("application/x-www-form-urlencoded") or content_type.startswith("multipart/"):
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in v for v in values):
                    return _("字段 %(name)s 含有不允许的控制字符。") % {"name": name.replace("\x00", "")[:40]}
        elif content_type.startswith("application/json"):
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if 0 < length <= JSON_BODY_LIMIT and b"\\u0000" in request.body and _json_has_nul(request.body):
                return _("请求内容含有不允许的控制字符。")
    return None


def _json_has_nul(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False  # not JSON: the interface's parser says so
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def refuse(request: HttpRequest, message: str) -> HttpResponse:
    url = request.path_info
    for prefix, renderer in _renderers.items():
        if url.startswith(prefix):
            return renderer(request, message)
    if url.startswith("/api/"):
        return JsonResponse({"detail": message, "field": None}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)


class EdgeMiddleware:
    """Refuse what no view can use (see the module's description) before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problem = request_problem(request)
        except Exception:  # a body Django cannot parse: the view's own parser answers it
            problem = None
        if problem:
            return refuse(request, problem)
        return self.get_response(request)
