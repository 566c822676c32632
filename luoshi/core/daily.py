"""The daily job (`luoshi warnings_run`, run by cron or a systemd timer): each app registers what it does
once a day in its AppConfig.ready(), so the job runs every app's step without importing the apps.

A step is called with `today` (None: the clock's today) and `notify` (False: compute, send no reminders)
and returns the lines it reports, in Chinese."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

Step = Callable[[dt.date | None, bool], list[str]]


@dataclass(frozen=True)
class DailyStep:
    name: str
    order: int
    run: Step


_steps: dict[str, DailyStep] = {}


def register_daily(name: str, run: Step, *, order: int) -> None:
    """Register (or replace) the step `name`; steps run by `order`, lowest first."""
    _steps[name] = DailyStep(name, order, run)


def daily_steps() -> list[DailyStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))
