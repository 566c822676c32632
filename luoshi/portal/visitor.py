"""The anonymous visitor: a random id in a signed, long-lived cookie, and the keys derived from it and from the
address. Only hashes with the server secret are stored, so a stored key cannot be traced back to a cookie or
an address without the secret."""
from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core import signing

from luoshi.core.throttle import Throttle, address_hash

COOKIE = "luoshi_visitor"
SALT = "luoshi.portal.visitor"
MAX_AGE = 2 * 365 * 24 * 3600


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{value}".encode()).hexdigest()


def visitor_id(request) -> str:
    """The visitor id from the signed cookie, or "" when there is none (or it was tampered with)."""
    try:
        value = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return ""
    return value if len(value) == 32 else ""


def ensure_visitor(request, response) -> None:
    """Give a visitor without the cookie a new id (on pages that show the rating form)."""
    if not visitor_id(request):
        response.set_signed_cookie(COOKIE, uuid.uuid4().hex, salt=SALT, max_age=MAX_AGE, httponly=True,
                                   samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def rater_key(request) -> str:
    vid = visitor_id(request)
    return _hash("rater", vid) if vid else ""


def ip_hash(request) -> str:
    return address_hash(request)


def throttled(request, action: str, *, limit: int, seconds: int) -> bool:
    """Count one `action` from the visitor's address (core.throttle); True when over `limit`."""
    return Throttle(f"portal-{action}", limit, seconds).hit(request)
