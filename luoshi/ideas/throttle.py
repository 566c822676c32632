"""Submission rate limit per client address (core.throttle): by default 5 ideas per 10 minutes, set with
LUOSHI_IDEAS_RATE = (count, seconds)."""
from __future__ import annotations

from django.conf import settings

from luoshi.core.throttle import Throttle


def _throttle() -> Throttle:
    count, seconds = getattr(settings, "LUOSHI_IDEAS_RATE", (5, 600))
    return Throttle("ideas-submit", int(count), int(seconds))


def submit_allowed(request) -> bool:
    return not _throttle().exceeded(request)


def submit_counted(request) -> None:
    """Count one accepted submission; the window starts with the first one."""
    _throttle().count(request)


def window_minutes() -> int:
    return _throttle().minutes


def limit_count() -> int:
    return _throttle().limit
