"""Schedules: parsing (with the refusals) and the nominal days, with the working-day rule."""
from __future__ import annotations

import datetime as dt

import pytest

from luoshi.core.workdays import Calendar
from luoshi.documents.schedule import ScheduleError, issue_day, parse_schedule

D = dt.date


@pytest.mark.parametrize("text,day,expected", [
    ("每周一", D(2026, 12, 4), D(2026, 11, 30)),
    ("每周五", D(2026, 12, 4), D(2026, 12, 4)),
    ("每月5日", D(2026, 12, 4), D(2026, 11, 5)),
    ("每月5号", D(2026, 12, 5), D(2026, 12, 5)),
    ("每月31日", D(2026, 3, 1), D(2026, 2, 28)),
    ("每月末", D(2026, 3, 30), D(2026, 2, 28)),
    ("每季度首月10日", D(2026, 12, 4), D(2026, 10, 10)),
    ("每季度首月10日", D(2026, 1, 9), D(2025, 10, 10)),
    ("每季度末月20日", D(2026, 5, 1), D(2026, 3, 20)),
    ("每季度末", D(2026, 7, 1), D(2026, 6, 30)),
    ("每年1月10日", D(2026, 1, 9), D(2025, 1, 10)),
    ("每天", D(2026, 12, 4), D(2026, 12, 4)),
])
def test_nominal_on_or_before(text, day, expected):
    assert parse_schedule(text).nominal_on_or_before(day, Calendar({})) == expected


@pytest.mark.parametrize("text,message", [
    ("", "请填写出刊周期"),
    ("每周八", "无法识别出刊周期“每周八”"),
    ("每月32日", "日期应在 1～31 之间，现为 32"),
    ("每年13月1日", "月份应在 1～12 之间，现为 13"),
    ("whenever", "可以写：每天、每个工作日、每周一"),
])
def test_bad_schedules_say_what_is_wrong(text, message):
    with pytest.raises(ScheduleError) as e:
        parse_schedule(text)
    assert message in e.value.message


def test_working_day_rule_moves_holidays():
    cal = Calendar({})
    national_day = D(2026, 10, 1)  # 国庆 holidays until 10-7 (chinese-calendar), 10-10 is a make-up working Saturday
    assert issue_day(national_day, "next", cal) > D(2026, 10, 7)
    assert issue_day(national_day, "previous", cal) == D(2026, 9, 30)
    assert issue_day(national_day, "none", cal) == national_day
    assert issue_day(D(2026, 12, 7), "next", cal) == D(2026, 12, 7)
    # the office's own calendar wins
    assert issue_day(D(2026, 12, 7), "next", Calendar({D(2026, 12, 7): False})) == D(2026, 12, 8)
