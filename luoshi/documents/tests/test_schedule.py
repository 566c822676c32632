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


# ---- property: the daily step over any stretch of days claims each slot once -------------------------------

from types import SimpleNamespace  # noqa: E402

from hypothesis import given, strategies as st  # noqa: E402

from luoshi.documents.services import due_slot  # noqa: E402

SCHEDULES = ["每天", "每个工作日", "每周一", "每周日", "每月1日", "每月5日", "每月31日", "每月末", "每季度首月10日",
             "每季度末月20日", "每季度末", "每年1月10日"]
CAL = Calendar({})


@given(text=st.sampled_from(SCHEDULES), rule=st.sampled_from(["next", "previous", "none"]),
       start=st.dates(min_value=D(2021, 1, 1), max_value=D(2026, 6, 30)), days=st.integers(1, 120),
       down=st.sets(st.integers(0, 119), max_size=60))
def test_every_slot_once_whatever_the_runs(text, rule, start, days, down):
    sub = SimpleNamespace(schedule=text, workday_rule=rule, starts_on=start)
    schedule = parse_schedule(text)
    claimed: list[D] = []
    run_days = [start + dt.timedelta(days=i) for i in range(days) if i not in down]
    for day in run_days:
        for _twice in range(2):
            slot = due_slot(sub, day, CAL)
            if slot is not None and slot not in claimed:  # the unique (series, slot) constraint
                claimed.append(slot)
    end = start + dt.timedelta(days=days - 1)
    due = set()
    n = schedule.nominal_on_or_before(end + dt.timedelta(days=40), CAL)
    while n >= start:
        if issue_day(n, rule, CAL) <= end:
            due.add(n)
        n = schedule.previous(n, CAL)
    # every claimed slot is a nominal day of the schedule, due by then, never before the series started
    assert set(claimed) <= due and len(claimed) == len(set(claimed))
    assert claimed == sorted(claimed)  # numbers follow the calendar
    if run_days:  # the last run has the latest due slot
        last = run_days[-1]
        latest = {n for n in due if issue_day(n, rule, CAL) <= last}
        assert (max(latest) in claimed) if latest else not claimed
    if not down and rule == "none":
        assert set(claimed) == due  # run every day with fixed days: every slot got its issue


def test_previous_rule_draws_the_slot_before_the_holiday():
    sub = SimpleNamespace(schedule="每月1日", workday_rule="previous", starts_on=D(2026, 9, 1))
    assert due_slot(sub, D(2026, 9, 29), CAL) == D(2026, 9, 1)
    assert due_slot(sub, D(2026, 9, 30), CAL) == D(2026, 10, 1)  # 国庆: the October issue comes on 9-30
    nxt = SimpleNamespace(schedule="每月1日", workday_rule="next", starts_on=D(2026, 9, 1))
    assert due_slot(nxt, D(2026, 10, 7), CAL) == D(2026, 9, 1)  # 顺延: not yet
    assert due_slot(nxt, D(2026, 10, 9), CAL) == D(2026, 10, 1)
