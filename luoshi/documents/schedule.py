"""When a scheduled bulletin comes out: a schedule written the way an office says it, parsed and checked.

    每天 · 每个工作日 · 每周一 … 每周日 · 每月5日 · 每月末 · 每季度首月5日 / 每季度次月5日 / 每季度末月20日 ·
    每季度末 · 每年1月10日

A schedule gives *nominal* days (每月5日 → the 5th of each month; 31日 in a short month → its last day).
The day an issue is actually drawn is the nominal day moved by the subscription's working-day rule
(core.workdays, the office's own calendar over the national one): 顺延 to the next working day, 提前 to the
one before, or 不调整. An issue belongs to its nominal day (its *slot*), so moving a holiday never makes two
issues for one period or none.
"""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core.errors import ServiceError
from luoshi.core.workdays import Calendar

__all__ = ["Schedule", "ScheduleError", "WorkdayRule", "issue_day", "parse_schedule"]

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "1": 0, "2": 1, "3": 2, "4": 3,
            "5": 4, "6": 5, "7": 6}
QUARTER_MONTH = {"首": 0, "第一": 0, "第1": 0, "次": 1, "第二": 1, "第2": 1, "末": 2, "第三": 2, "第3": 2}


class WorkdayRule(models.TextChoices):
    NEXT = "next", gettext_lazy("遇节假日顺延至下一个工作日")
    PREVIOUS = "previous", gettext_lazy("遇节假日提前至上一个工作日")
    NONE = "none", gettext_lazy("不调整")


class ScheduleError(ServiceError):
    """A schedule that cannot be read; the message says what is accepted."""


@dataclass(frozen=True)
class Schedule:
    """kind: daily | workdays | weekly | monthly | quarterly | yearly. `day` 0 means the month's (or
    quarter's) last day; `month` is 0–2 within the quarter for quarterly, 1–12 for yearly."""

    kind: str
    text: str
    weekday: int | None = None
    day: int | None = None
    month: int | None = None

    def _in_month(self, year: int, month: int) -> dt.date:
        last = _calendar.monthrange(year, month)[1]
        return dt.date(year, month, last if not self.day else min(self.day, last))

    def nominal_on_or_before(self, day: dt.date, cal: Calendar | None = None) -> dt.date:
        """The latest nominal day not after `day`."""
        if self.kind == "daily":
            return day
        if self.kind == "workdays":
            cal = cal or Calendar.current()
            d = day
            while not cal.is_workday(d):
                d -= dt.timedelta(days=1)
            return d
        if self.kind == "weekly":
            return day - dt.timedelta(days=(day.weekday() - (self.weekday or 0)) % 7)
        if self.kind == "monthly":
            d = self._in_month(day.year, day.month)
            if d > day:
                y, m = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
                d = self._in_month(y, m)
            return d
        if self.kind == "quarterly":
            y, m = day.year, (day.month - 1) // 3 * 3 + 1 + (self.month or 0)
            d = self._in_month(y, m)
            if d > day:
                m -= 3
                if m < 1:
                    y, m = y - 1, m + 12
                d = self._in_month(y, m)
            return d
        # yearly
        d = self._in_month(day.year, self.month or 1)
        return d if d <= day else self._in_month(day.year - 1, self.month or 1)

    def previous(self, nominal: dt.date, cal: Calendar | None = None) -> dt.date:
        """The nominal day before `nominal` (the start of the period an issue covers)."""
        return self.nominal_on_or_before(nominal - dt.timedelta(days=1), cal)


def _day_number(text: str, where: str) -> int:
    n = int(text)
    if not 1 <= n <= 31:
        raise ScheduleError(_("“%(where)s”中的日期应在 1～31 之间，现为 %(n)s。") % {"where": where, "n": n})
    return n


def parse_schedule(text: str) -> Schedule:
    """The schedule written in `text`, or ScheduleError naming what is wrong and what is accepted."""
    raw = (text or "").strip()
    s = re.sub(r"\s+", "", raw).replace("号", "日").replace("星期", "周").replace("礼拜", "周")
    if not s:
        raise ScheduleError(_("请填写出刊周期，如“每周一”“每月5日”“每季度首月10日”。"))
    if s in ("每天", "每日"):
        return Schedule("daily", raw)
    if s in ("每个工作日", "每工作日", "工作日"):
        return Schedule("workdays", raw)
    m = re.fullmatch(r"每周([一二三四五六日天1-7])", s)
    if m:
        return Schedule("weekly", raw, weekday=WEEKDAYS[m.group(1)])
    m = re.fullmatch(r"每月(\d{1,2})日", s)
    if m:
        return Schedule("monthly", raw, day=_day_number(m.group(1), raw))
    if s in ("每月末", "每月最后一天", "每月底"):
        return Schedule("monthly", raw, day=0)
    m = re.fullmatch(r"每季度?(首|次|末|第[一二三123])月(\d{1,2})日", s)
    if m:
        return Schedule("quarterly", raw, month=QUARTER_MONTH[m.group(1)], day=_day_number(m.group(2), raw))
    if s in ("每季度末", "每季末"):
        return Schedule("quarterly", raw, month=2, day=0)
    m = re.fullmatch(r"每年(\d{1,2})月(\d{1,2})日", s)
    if m:
        month = int(m.group(1))
        if not 1 <= month <= 12:
            raise ScheduleError(_("“%(where)s”中的月份应在 1～12 之间，现为 %(n)s。") % {"where": raw, "n": month})
        return Schedule("yearly", raw, month=month, day=_day_number(m.group(2), raw))
    raise ScheduleError(_("无法识别出刊周期“%(text)s”。可以写：每天、每个工作日、每周一（至每周日）、每月5日、每月末、"
                          "每季度首月5日（或次月、末月）、每季度末、每年1月10日。") % {"text": raw})


def issue_day(nominal: dt.date, rule: str, cal: Calendar | None = None) -> dt.date:
    """The day the issue of `nominal` is drawn under the working-day `rule`."""
    if rule == WorkdayRule.NONE:
        return nominal
    cal = cal or Calendar.current()
    step = dt.timedelta(days=1 if rule == WorkdayRule.NEXT else -1)
    d = nominal
    while not cal.is_workday(d):
        d += step
    return d
