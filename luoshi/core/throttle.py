"""Rate limits for the public site (submissions, ratings, tracking-code lookups): a counter per action and
client address in Django's cache, in a fixed window that starts with the first hit.

The address is REMOTE_ADDR, or behind a reverse proxy the header it writes (LUOSHI_CLIENT_IP_HEADER), hashed with
the server secret so cache keys carry no address. With the default local-memory cache each process counts for
itself; set LUOSHI_CACHE=db when several processes serve the site (docs/deployment.md)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The client's address: the header a trusted reverse proxy writes (settings.LUOSHI_CLIENT_IP_HEADER), else
    REMOTE_ADDR. Never X-Forwarded-For as sent by the client."""
    header = getattr(settings, "LUOSHI_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    return value.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or "unknown"


def address_hash(request) -> str:
    ip = client_address(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:ip:{ip}".encode()).hexdigest()


@dataclass(frozen=True)
class Throttle:
    action: str
    limit: int
    seconds: int

    def _key(self, request) -> str:
        return f"throttle:{self.action}:{address_hash(request)}"

    def exceeded(self, request) -> bool:
        """True when the address has used up its `limit` in the current window (does not count)."""
        return (cache.get(self._key(request)) or 0) >= self.limit

    def count(self, request) -> int:
        """Count one hit; the number of hits in the window so far."""
        key = self._key(request)
        if cache.add(key, 1, self.seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, self.seconds)
            return 1

    def hit(self, request) -> bool:
        """Count one hit; True when it is over the limit (refuse it)."""
        return self.count(request) > self.limit

    @property
    def minutes(self) -> int:
        return max(1, self.seconds // 60)
