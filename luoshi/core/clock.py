"""The one clock. Everything that asks "what time is it" asks here, so tests can travel in time."""
import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def localtime(value: dt.datetime) -> dt.datetime:
    """A stored (UTC) time in the server's time zone, as people read it."""
    return timezone.localtime(value)
