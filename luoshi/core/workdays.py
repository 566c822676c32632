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

import chinese_calendar
import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ServiceError

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


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.datetime):  # YAML reads "2026-10-01 00:00" as a datetime: only the day counts
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(_("%(where)s：“%(value)s”不是日期（应为 2026-10-01 的形式）。") % {"where": where, "value": value})


class _DatesAsText(yaml.SafeLoader):
    """YAML without implicit timestamps: "2026-13-07" stays text, so `_date` can say which entry is wrong
    (the safe loader would raise a bare ValueError for it)."""


_DatesAsText.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def calendar_parse(text: str) -> dict[dt.date, tuple[bool, str]]:
    """The YAML calendar → {date: (is_workday, name)}, with errors that name the year and entry."""
    try:
        raw = yaml.load(text, Loader=_DatesAsText) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"第 {mark.line + 1} 行：" if mark else ""
        raise ServiceError(_("日历文件不是有效的 YAML。") + line + str(getattr(e, "problem", e)))
    years = raw.get("years") if isinstance(raw, dict) else None
    if not isinstance(years, dict) or not years:
        raise ServiceError(_("日历文件须有 years：每年一段，含 holidays 和 workdays。"))
    out: dict[dt.date, tuple[bool, str]] = {}
    holiday_days: set[dt.date] = set()  # weekends included: a day both off and worked is a mistake
    for year, spec in years.items():
        if isinstance(year, bool) or not str(year).isdigit() or not 2000 <= int(year) <= 2100:
            raise ServiceError(_("years 下的“%(year)s”不是年份（应为 2026 这样的四位数字）。") % {"year": year})
        year = int(year)
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ServiceError(_("%(year)s 年须写成 holidays 和 workdays 两项。") % {"year": year})
        unknown = sorted(str(k) for k in spec if k not in ("holidays", "workdays"))
        if unknown:
            raise ServiceError(_("%(year)s 年下有未知的项“%(key)s”，只能写 holidays 和 workdays。")
                               % {"year": year, "key": unknown[0]})
        if not isinstance(spec.get("holidays") or [], list) or not isinstance(spec.get("workdays") or [], list):
            raise ServiceError(_("%(year)s 年的 holidays 和 workdays 须为列表。") % {"year": year})
        for i, h in enumerate(spec.get("holidays") or [], 1):
            where = _("%(year)s 年第 %(n)s 个假期") % {"year": year, "n": i}
            if not isinstance(h, dict) or "from" not in h:
                raise ServiceError(_("%(where)s：须写 name、from、to。") % {"where": where})
            start, end = _date(h["from"], where), _date(h.get("to", h["from"]), where)
            if end < start or (end - start).days > 15:
                raise ServiceError(_("%(where)s：起止日期不合理（%(a)s 至 %(b)s）。") % {"where": where, "a": start, "b": end})
            day = start
            while day <= end:
                if day.year != year:
                    raise ServiceError(_("%(where)s：%(day)s 不在 %(year)s 年。") % {"where": where, "day": day, "year": year})
                holiday_days.add(day)
                # weekends too: a day off on a Saturday the national calendar makes a 调休 workday counts
                out[day] = (False, str(h.get("name", "")))
                day += dt.timedelta(days=1)
        for value in spec.get("workdays") or []:
            day = _date(value, _("%(year)s 年调休上班日") % {"year": year})
            if day.year != year:
                raise ServiceError(_("%(year)s 年调休上班日 %(day)s 不在 %(year)s 年。") % {"year": year, "day": day})
            if day.weekday() < 5:
                raise ServiceError(_("%(year)s 年调休上班日 %(day)s 本来就是工作日（周一至周五）。") % {"year": year, "day": day})
            if day in holiday_days or day in out:
                raise ServiceError(_("%(day)s 同时写在了假期和调休上班日里。") % {"day": day})
            out[day] = (True, _("调休上班"))
    return out


@transaction.atomic
def calendar_load(text: str) -> dict[str, int]:
    """Replace the office's exceptions of every year named in the file (other years stay as they are)."""
    from .models import CalendarDay

    days = calendar_parse(text)
    years = sorted({d.year for d in days})
    for year in years:
        CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n[:50]) for d, (w, n) in sorted(days.items())])
    return {"years": len(years), "days": len(days)}
