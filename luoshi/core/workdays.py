"""Working days (工作日) with Chinese public holidays and 调休 make-up workdays.

Where the answer comes from, for a day:
1. an office's own exceptions: `CalendarDay` rows loaded with `luoshi calendar load FILE` (a YAML file of extra
   holidays and make-up workdays, e.g. a local holiday, or next year's arrangement before a release knows it);
2. else the national arrangement published by the State Council each year, from the `chinese-calendar` package
   (a release of the package carries each new year; `pip install -U chinese-calendar` is the yearly step);
3. else, for a year neither knows, a plain week (Monday–Friday); `years_missing` names such years so a page
   can say that the time limits of that year ignore holidays.

Nothing is kept between calls: each calculation reads the office's rows (a few dozen a year) in one query, so a
load takes effect at once in every process.

Counting rule (used by every time limit in working days): the day a request is dispatched is not counted;
"3 个工作日" ends at 24:00 of the third working day after it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from dataclasses import dataclass
from typing import Literal

import chinese_calendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from .journal import journal_entry, journal_record_many
from .specs import Spec, SpecFieldError, parse_yaml

# The years chinese-calendar knows (2004–2026 in 1.11.0); it raises NotImplementedError for the others.
_NATIONAL_YEARS = frozenset(d.year for d in chinese_calendar.holidays)


class Calendar:
    """The working-day calendar of one calculation: the office's exceptions over the national arrangement."""

    def __init__(self, overrides: dict[dt.date, bool]):
        self.overrides = overrides

    @classmethod
    def current(cls) -> Calendar:
        from .models import CalendarDay

        return cls(dict(CalendarDay.objects.values_list("date", "is_workday")))

    def is_workday(self, day: dt.date) -> bool:
        special = self.overrides.get(day)
        if special is not None:
            return special
        if day.year in _NATIONAL_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        current = day
        if n <= 0:
            while not self.is_workday(current):
                current += dt.timedelta(days=1)
            return current
        left = n
        while left:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                left -= 1
        return current

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        count, current = 0, start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def years_missing(self, years) -> list[int]:
        known = _NATIONAL_YEARS | {d.year for d in self.overrides}
        return [y for y in years if y not in known]


def is_workday(day: dt.date) -> bool:
    return Calendar.current().is_workday(day)


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n ≥ 0; n = 0 gives `day` itself, or the next working day when
    `day` is not one)."""
    return Calendar.current().add_workdays(day, n)


def deadline_after(moment: dt.datetime, n: int) -> dt.datetime:
    """24:00 (local) of the n-th working day after the day of `moment`: the end of a time limit."""
    local_day = timezone.localtime(moment).date()
    end_day = add_workdays(local_day, n)
    return timezone.make_aware(dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min))


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    return Calendar.current().workdays_between(start, end)


def years_missing(years) -> list[int]:
    """The years among `years` that neither chinese-calendar nor the office's rows know (counted as plain weeks)."""
    return Calendar.current().years_missing(years)


def example_path() -> Path:
    """An example of an office's calendar file (presets/calendar/local.example.yaml)."""
    return Path(settings.BASE_DIR) / "presets" / "calendar" / "local.example.yaml"


class CalendarHoliday(Spec):
    """A stretch of days off (weekends included), `from` … `to` (one day when `to` is left out)."""

    name: str = Field(default="", max_length=50)
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(default=None, alias="to")


class CalendarYear(Spec):
    holidays: list[CalendarHoliday] = []
    workdays: list[dt.date] = []   # weekend days that are worked (调休上班)


class CalendarFile(Spec):
    """An office's calendar file (`presets/calendar/`, `luoshi calendar load`): each year listed replaces that
    year's exceptions as a whole (a year listed with nothing under it removes them)."""

    kind: Literal["calendar"] | None = None
    name: str = ""
    years: dict[int, CalendarYear | None] = Field(min_length=1)

    @model_validator(mode="after")
    def _days_fit_their_year(self) -> CalendarFile:
        problems: list[tuple[tuple, str]] = []
        for year, spec in self.years.items():
            where = ("years", year)
            if not 2000 <= year <= 2100:
                problems.append((where, _("“%(year)s”不是年份（应为 2000 至 2100 之间的四位数字）。") % {"year": year}))
                continue
            holiday_days: set[dt.date] = set()
            for i, h in enumerate(spec.holidays if spec else []):
                end = h.end or h.start
                if end < h.start or (end - h.start).days > 15:
                    problems.append(((*where, "holidays", i, "to"), _(
                        "起止日期不合理（%(a)s 至 %(b)s）：结束不能早于开始，一段假期不超过 16 天。")
                        % {"a": h.start, "b": end}))
                    continue
                for key, day in (("from", h.start), ("to", end)):
                    if day.year != year:
                        problems.append(((*where, "holidays", i, key), _("%(day)s 不在 %(year)s 年。")
                                         % {"day": day, "year": year}))
                holiday_days.update(h.start + dt.timedelta(days=n) for n in range((end - h.start).days + 1))
            seen: set[dt.date] = set()
            for j, day in enumerate(spec.workdays if spec else []):
                at = (*where, "workdays", j)
                if day.year != year:
                    problems.append((at, _("%(day)s 不在 %(year)s 年。") % {"day": day, "year": year}))
                elif day.weekday() < 5:
                    problems.append((at, _("%(day)s 本来就是工作日（周一至周五），调休上班日应为周六或周日。") % {"day": day}))
                elif day in holiday_days:
                    problems.append((at, _("%(day)s 同时写在了假期和调休上班日里。") % {"day": day}))
                elif day in seen:
                    problems.append((at, _("%(day)s 写了两次。") % {"day": day}))
                seen.add(day)
        if problems:
            raise SpecFieldError(*problems[0], *problems[1:])
        return self


@dataclass(frozen=True)
class CalendarParsed:
    years: list[int]                              # every year the file lists: each is replaced as a whole
    days: dict[dt.date, tuple[bool, str]]         # {date: (is_workday, name)}


def calendar_parse(text: str, *, source: str = "") -> CalendarParsed:
    """The YAML calendar file, or SpecError listing every problem with its line (core.specs, in the user's
    language); nothing is written."""
    spec = parse_yaml(text, CalendarFile, source=source)
    days: dict[dt.date, tuple[bool, str]] = {}
    for year_spec in spec.years.values():
        for h in year_spec.holidays if year_spec else []:
            day = h.start
            while day <= (h.end or h.start):
                # weekends too: a day off on a Saturday the national calendar makes a 调休 workday counts
                days[day] = (False, h.name)
                day += dt.timedelta(days=1)
        for day in year_spec.workdays if year_spec else []:
            days[day] = (True, _("调休上班"))
    return CalendarParsed(years=sorted(spec.years), days=days)


@transaction.atomic
def calendar_load(text: str, *, by=None, source: str = "", parsed: CalendarParsed | None = None) -> dict[str, int]:
    """Replace the office's exceptions of every year the file lists (other years stay as they are), each day
    removed and added written to the journal (`by`: who loads it; None for the command line)."""
    from .models import CalendarDay

    found = parsed if parsed is not None else calendar_parse(text, source=source)
    old = list(CalendarDay.objects.filter(date__year__in=found.years).order_by("date"))
    entries = [journal_entry(actor=by, verb="calendar.remove", obj=d,
                             changes={"date": d.date, "is_workday": d.is_workday, "name": d.name}) for d in old]
    CalendarDay.objects.filter(pk__in=[d.pk for d in old]).delete()
    created = CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_workday=w, name=n) for d, (w, n) in sorted(found.days.items())])
    entries += [journal_entry(actor=by, verb="calendar.set", obj=d,
                              changes={"date": d.date, "is_workday": d.is_workday, "name": d.name}) for d in created]
    journal_record_many(entries)
    return {"years": len(found.years), "days": len(found.days), "removed": len(old)}
