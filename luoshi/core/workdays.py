"""Working days (工作日) with Chinese public holidays and 调休 make-up workdays.

A plain week has Monday–Friday as working days. The exceptions come from two places: the calendar shipped
with the code (presets/calendar/cn.yaml, one section a year) and `CalendarDay` rows an office loads with
`luoshi calendar load` (its own file, or the shipped one after an edit). For a year that has rows in the
database the rows are the truth; other years come from the shipped file. So a release that adds next year's
holidays takes effect without a step on each server, and a database emptied of rows (a test flushing its
tables) still counts holidays. A year in neither is counted as a plain week, and `years_missing` says so.

Counting rule (used by every time limit in working days): the day a request is dispatched is not counted;
"3 个工作日" ends at 24:00 of the third working day after it.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ServiceError

_CACHE_SECONDS = 300
_cache: dict[str, Any] = {"at": 0.0, "days": None}


_shipped: dict[str, dict[dt.date, bool]] = {}


def _shipped_days() -> dict[dt.date, bool]:
    """The exceptions of presets/calendar/cn.yaml, read once per process."""
    if "days" not in _shipped:
        try:
            days = {d: w for d, (w, _n) in calendar_parse(calendar_path().read_text(encoding="utf-8")).items()}
        except (OSError, ServiceError):
            days = {}  # a broken shipped file must not stop deadlines; the tests check the file parses
        _shipped["days"] = days
    return _shipped["days"]


def _exceptions() -> dict[dt.date, bool]:
    """{date: is_workday}: database rows for the years they cover, the shipped file for the others; read
    once per process every few minutes."""
    now = time.monotonic()
    if _cache["days"] is None or now - _cache["at"] > _CACHE_SECONDS:
        from .models import CalendarDay

        stored = dict(CalendarDay.objects.values_list("date", "is_workday"))
        stored_years = {d.year for d in stored}
        merged = {d: w for d, w in _shipped_days().items() if d.year not in stored_years}
        merged.update(stored)
        _cache["days"] = merged
        _cache["at"] = now
    return _cache["days"]


def clear_cache() -> None:
    _cache["days"] = None


def is_workday(day: dt.date) -> bool:
    special = _exceptions().get(day)
    if special is not None:
        return special
    return day.weekday() < 5


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n ≥ 0; n = 0 gives `day` itself, or the next working day when
    `day` is not one)."""
    current = day
    if n <= 0:
        while not is_workday(current):
            current += dt.timedelta(days=1)
        return current
    left = n
    while left:
        current += dt.timedelta(days=1)
        if is_workday(current):
            left -= 1
    return current


def deadline_after(moment: dt.datetime, n: int) -> dt.datetime:
    """24:00 (local) of the n-th working day after the day of `moment`: the end of a time limit."""
    local_day = timezone.localtime(moment).date()
    end_day = add_workdays(local_day, n)
    return timezone.make_aware(dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min))


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if is_workday(current):
            count += 1
    return count


def years_missing(years) -> list[int]:
    """The years among `years` that have no calendar rows (counted as plain weeks)."""
    known = {d.year for d in _exceptions()}
    return [y for y in years if y not in known]


def calendar_path() -> Path:
    return Path(settings.BASE_DIR) / "presets" / "calendar" / "cn.yaml"


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
                if day.weekday() < 5:  # a holiday on a weekend changes nothing
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
    """Replace the exceptions of every year named in the file (other years stay as they are)."""
    from .models import CalendarDay

    days = calendar_parse(text)
    years = sorted({d.year for d in days})
    for year in years:
        CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n[:50]) for d, (w, n) in sorted(days.items())])
    clear_cache()
    return {"years": len(years), "days": len(days)}
