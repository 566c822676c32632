"""The cockpit's demo: the trend points of the last twelve weeks (each panel's snapshot as of each Monday, where
its data allows a figure as of a past day) and of today."""
from __future__ import annotations

import datetime as dt

from luoshi.core import clock

from .services import snapshots_take


def cockpit_demo() -> dict:
    today = clock.today()
    days = [today - dt.timedelta(days=7 * w + today.weekday()) for w in range(12, 0, -1)] + [today]
    return {"snapshots": sum(snapshots_take(day=d) for d in days)}
