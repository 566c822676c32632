"""The one clock. Everything that asks "what time is it" asks here, so tests can travel in time."""
import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    if _override:
        return _override[-1]
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def localtime(value: dt.datetime) -> dt.datetime:
    """A stored (UTC) time in the server's time zone, as people read it."""
    return timezone.localtime(value)


_override: list[dt.datetime] = []


class at:
    """`with clock.at(moment):` — everything that asks the clock gets `moment` (used to write a demo
    history through the real services; tests use time-machine instead)."""

    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __enter__(self):
        _override.append(self.moment)
        return self.moment

    def __exit__(self, *exc):
        _override.pop()
        return False
