"""Open311 output in both formats from one plain structure (dicts, lists, str, int, float, bool, None).

XML: `<?xml …?>` then the root element; a list becomes repeated child elements named by `ITEM_TAGS`
(`services` → `service`, …); None is an empty element; booleans are `true`/`false`. No namespace, no
attributes, no foreign tags. Characters XML 1.0 cannot carry (control characters from a pasted text) are dropped,
so the document is always well-formed.
JSON: the "Spark convention" of the spec: the root element is dropped, so lists are bare arrays and the service
definition and discovery are objects. Ids and codes are strings; lat/long are numbers.
"""
from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

from django.http import HttpResponse

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n'

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return escape(_NOT_XML.sub("", str(value)))


def _element(out: list[str], tag: str, value) -> None:
    if value is None:
        out.append(f"<{tag}/>")
    elif isinstance(value, dict):
        out.append(f"<{tag}>")
        for key, child in value.items():
            _element(out, key, child)
        out.append(f"</{tag}>")
    elif isinstance(value, (list, tuple)):
        item = ITEM_TAGS[tag]
        out.append(f"<{tag}>")
        for child in value:
            _element(out, item, child)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_text(value)}</{tag}>")


def to_xml(root: str, data) -> bytes:
    out = [XML_HEADER]
    _element(out, root, data)
    return "".join(out).encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`root` names the XML root (services, service_definition, service_requests, discovery, errors)."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, data), status=status, content_type=XML_TYPE)
    return HttpResponse(to_json(data), status=status, content_type=JSON_TYPE)


class Open311Error(Exception):
    """One or more errors for the client: `status` is the HTTP code (404 missing, 403 api_key, 400 else)."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = list(descriptions)


def errors(fmt: str, status: int, descriptions) -> HttpResponse:
    """The spec's error document: `<errors><error><code/><description/></error>…</errors>`, in JSON
    `[{"code": 400, "description": "…"}]`. The body code is the HTTP code."""
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status)
