"""Rate limits for the public site (submissions, ratings, tracking-code lookups), counted by django-ratelimit: a
counter per action and client address in a fixed window of the limit's length.

The counters live in the database cache (CACHES["ratelimit"], table luoshi_ratelimit, created by migration
core 0006), so every process of every server counts together, on SQLite and PostgreSQL alike, without Redis. The
address is REMOTE_ADDR, or behind a reverse proxy the header it writes (LUOSHI_CLIENT_IP_HEADER), hashed with the
server secret so no address is stored.

Kept here rather than django-ratelimit's decorator: the forms count only what was accepted (a refused form does
not use up the visitor's allowance), so the check (`exceeded`) and the count (`count`) are separate calls."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import get_usage


def client_address(request) -> str:
    """The client's address: the header a trusted reverse proxy writes (settings.LUOSHI_CLIENT_IP_HEADER), else
    REMOTE_ADDR. Never X-Forwarded-For as sent by the client."""
    header = getattr(settings, "LUOSHI_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    return value.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or "unknown"


def address_hash(request) -> str:
    ip = client_address(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:ip:{ip}".encode()).hexdigest()


def _address_key(group: str, request) -> str:
    return address_hash(request)


@dataclass(frozen=True)
class Throttle:
    action: str
    limit: int
    seconds: int

    def _usage(self, request, *, increment: bool) -> dict | None:
        return get_usage(request, group=f"luoshi.{self.action}", key=_address_key, rate=(self.limit, self.seconds),
                         increment=increment)

    def exceeded(self, request) -> bool:
        """True when the address has used up its `limit` in the current window (does not count)."""
        usage = self._usage(request, increment=False)
        return usage is not None and (usage["count"] >= self.limit or usage["should_limit"])

    def count(self, request) -> int:
        """Count one hit; the number of hits in the window so far."""
        usage = self._usage(request, increment=True)
        return usage["count"] if usage else 0

    def _usage_for(self, request, value: str, *, increment: bool) -> dict | None:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:value:{value}".encode()).hexdigest()
        return get_usage(request, group=f"luoshi.{self.action}.value", key=lambda _group, _request: digest,
                         rate=(self.limit, self.seconds), increment=increment)

    def exceeded_for(self, request, value: str) -> bool:
        """Like `exceeded`, counted per `value` whoever sends it (a phone number a code goes to: many addresses
        must not flood one number); the value is hashed with the server secret, never stored."""
        usage = self._usage_for(request, value, increment=False)
        return usage is not None and (usage["count"] >= self.limit or usage["should_limit"])

    def count_for(self, request, value: str) -> int:
        usage = self._usage_for(request, value, increment=True)
        return usage["count"] if usage else 0

    def hit(self, request) -> bool:
        """Count one hit; True when it is over the limit (refuse it)."""
        usage = self._usage(request, increment=True)
        return usage is not None and usage["should_limit"]

    @property
    def minutes(self) -> int:
        return max(1, self.seconds // 60)
