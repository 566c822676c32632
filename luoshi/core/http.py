"""Small HTTP helpers shared by the apps' views."""
from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from .params import FIRST_DAY, LAST_DAY, parse_day, parse_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download whose Chinese name survives every browser: the header stays ASCII (RFC 6266
    filename*=utf-8''…), never the RFC 2047 form Django falls back to for non-ASCII header values."""
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return resp


def attachment_response(att) -> FileResponse:
    """A stored evidence file: images and PDFs open in the browser, anything else downloads. The caller
    has already decided the user may read it."""
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    return FileResponse(att.file.open("rb"), as_attachment=not inline, filename=att.original_name,
                        content_type=att.content_type)


def query_date(request, name: str) -> dt.date | None:
    """The ISO date in query parameter `name`, or None when it is missing, not a date or outside 1900–2100."""
    return parse_day(request.GET.get(name))


def query_id(request, name: str) -> int | None:
    """The row id in query parameter `name`, or None when it is missing, not a number or past 64 bits."""
    return parse_id(request.GET.get(name))


def year_in_range(raw: str) -> int | None:
    """A `year` query parameter when it is one from 1900 to 2100 (a longer number would overflow the database's date
    functions), None otherwise."""
    if not (raw.isdigit() and len(raw) <= 4):
        return None
    year = int(raw)
    return year if FIRST_DAY.year <= year <= LAST_DAY.year else None
