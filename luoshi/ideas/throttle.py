"""Submission rate limit per client address (Django cache): by default 5 ideas per 10 minutes, set with
LUOSHI_IDEAS_RATE = (count, seconds). Behind a reverse proxy REMOTE_ADDR must be the client's address
(the proxy sets it, e.g. nginx real_ip), or everyone shares one limit."""
from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _rate() -> tuple[int, int]:
    count, seconds = getattr(settings, "LUOSHI_IDEAS_RATE", (5, 600))
    return int(count), int(seconds)


def _key(request) -> str:
    return "ideas:submit:" + (request.META.get("REMOTE_ADDR") or "unknown")


def submit_allowed(request) -> bool:
    count, _seconds = _rate()
    return (cache.get(_key(request)) or 0) < count


def submit_counted(request) -> None:
    """Count one accepted submission; the window starts with the first one."""
    _count, seconds = _rate()
    key = _key(request)
    if not cache.add(key, 1, timeout=seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds)


def window_minutes() -> int:
    return max(1, _rate()[1] // 60)


def limit_count() -> int:
    return _rate()[0]
