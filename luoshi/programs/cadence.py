"""Turning a program's cadence into 调度 days and reporting slots."""
from __future__ import annotations

import calendar
import datetime as dt


def _clamp_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_days(start: dt.date, end: dt.date, months: tuple[int, ...], day: int) -> list[dt.date]:
    out = []
    for year in range(start.year, end.year + 1):
        for month in months:
            d = _clamp_day(year, month, day)
            if start <= d <= end:
                out.append(d)
    return out


def dispatch_days(*, kind: str, start: dt.date, end: dt.date, weekday: int = 0, day: int = 25,
                  dates: list | None = None) -> list[dt.date]:
    """The 调度 days between start (exclusive) and end (inclusive); the last slot always ends at `end`."""
    if kind == "weekly":
        first = start + dt.timedelta(days=(weekday - start.weekday()) % 7 or 7)
        days = []
        d = first
        while d <= end:
            days.append(d)
            d += dt.timedelta(days=7)
    elif kind == "semimonthly":
        days = sorted(_month_days(start, end, tuple(range(1, 13)), 15) + _month_days(start, end, tuple(range(1, 13)), 31))
    elif kind == "monthly":
        days = _month_days(start, end, tuple(range(1, 13)), day)
    elif kind == "quarterly":
        days = _month_days(start, end, (3, 6, 9, 12), day)
    elif kind == "semiannual":
        days = _month_days(start, end, (6, 12), day)
    elif kind == "custom":
        days = sorted({dt.date.fromisoformat(str(x)) for x in (dates or [])})
        days = [d for d in days if start <= d <= end]
    else:
        raise ValueError(f"unknown cadence {kind!r}")
    days = [d for d in days if d > start]
    if not days or days[-1] < end:
        days.append(end)
    return days


def slots(*, kind: str, start: dt.date, end: dt.date, weekday: int = 0, day: int = 25,
          dates: list | None = None) -> list[tuple[int, dt.date, dt.date]]:
    """[(seq, slot_start, due)], consecutive and covering start..end."""
    out = []
    slot_start = start
    for seq, due in enumerate(dispatch_days(kind=kind, start=start, end=end, weekday=weekday, day=day, dates=dates), 1):
        out.append((seq, slot_start, due))
        slot_start = due + dt.timedelta(days=1)
    return out
