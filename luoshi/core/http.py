"""Small HTTP helpers shared by the apps' views."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download whose Chinese name survives every browser: the header stays ASCII (RFC 6266
    filename*=utf-8''…), never the RFC 2047 form Django falls back to for non-ASCII header values."""
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = content_disposition_header(True, filename)
    return resp
