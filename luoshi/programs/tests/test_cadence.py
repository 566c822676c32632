"""luoshi.programs.cadence: a program's cadence → 调度 days and reporting slots that cover start..end without
gaps or overlaps, the last slot ending at the program's end."""
from __future__ import annotations

import datetime as dt

import pytest

from luoshi.programs.cadence import dispatch_days, slots

D = dt.date


def check_contiguous(result, start, end):
    assert result, "no slots"
    assert [seq for seq, _, _ in result] == list(range(1, len(result) + 1))
    assert result[0][1] == start
    assert result[-1][2] == end
    for (_, s, due), (_, next_start, _) in zip(result, result[1:]):
        assert s <= due
        assert next_start == due + dt.timedelta(days=1)
    assert result[-1][1] <= result[-1][2]


def dues(result):
    return [due for _, _, due in result]


def test_weekly_on_a_weekday():
    start, end = D(2026, 1, 1), D(2026, 3, 31)  # 2026-01-01 is a Thursday
    result = slots(kind="weekly", start=start, end=end, weekday=4)  # Fridays
    check_contiguous(result, start, end)
    assert dues(result)[:3] == [D(2026, 1, 2), D(2026, 1, 9), D(2026, 1, 16)]
    assert all(d.weekday() == 4 for d in dues(result)[:-1])
    assert dues(result)[-2:] == [D(2026, 3, 27), D(2026, 3, 31)]
    assert len(result) == 14


def test_weekly_when_start_is_the_weekday_itself():
    start = D(2026, 1, 5)  # a Monday: the first 调度 day is a week later, not the start day
    result = slots(kind="weekly", start=start, end=D(2026, 1, 31), weekday=0)
    check_contiguous(result, start, D(2026, 1, 31))
    assert dues(result) == [D(2026, 1, 12), D(2026, 1, 19), D(2026, 1, 26), D(2026, 1, 31)]


def test_semimonthly():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    result = slots(kind="semimonthly", start=start, end=end)
    check_contiguous(result, start, end)
    assert len(result) == 24
    assert dues(result)[:4] == [D(2026, 1, 15), D(2026, 1, 31), D(2026, 2, 15), D(2026, 2, 28)]
    assert all(d.day == 15 or (d + dt.timedelta(days=1)).day == 1 for d in dues(result))


def test_monthly_on_the_25th():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    result = slots(kind="monthly", start=start, end=end, day=25)
    check_contiguous(result, start, end)
    assert dues(result) == [D(2026, m, 25) for m in range(1, 13)] + [D(2026, 12, 31)]
    assert result[1] == (2, D(2026, 1, 26), D(2026, 2, 25))


def test_monthly_on_the_31st_is_clamped_to_month_end():
    start, end = D(2026, 1, 1), D(2026, 6, 30)
    result = slots(kind="monthly", start=start, end=end, day=31)
    check_contiguous(result, start, end)
    assert dues(result) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31),
                            D(2026, 6, 30)]


def test_monthly_on_the_31st_in_a_leap_year():
    assert dues(slots(kind="monthly", start=D(2028, 1, 1), end=D(2028, 3, 31), day=31)) == \
        [D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31)]


def test_monthly_across_years():
    start, end = D(2025, 11, 10), D(2026, 2, 10)
    result = slots(kind="monthly", start=start, end=end, day=25)
    check_contiguous(result, start, end)
    assert dues(result) == [D(2025, 11, 25), D(2025, 12, 25), D(2026, 1, 25), D(2026, 2, 10)]


def test_quarterly():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    result = slots(kind="quarterly", start=start, end=end, day=20)
    check_contiguous(result, start, end)
    assert dues(result) == [D(2026, 3, 20), D(2026, 6, 20), D(2026, 9, 20), D(2026, 12, 20), D(2026, 12, 31)]


def test_quarterly_at_quarter_end():
    result = slots(kind="quarterly", start=D(2026, 1, 1), end=D(2026, 12, 31), day=31)
    assert dues(result) == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]


def test_semiannual():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    result = slots(kind="semiannual", start=start, end=end, day=25)
    check_contiguous(result, start, end)
    assert dues(result) == [D(2026, 6, 25), D(2026, 12, 25), D(2026, 12, 31)]


def test_custom_dates():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    dates = ["2026-09-30", "2026-03-31", D(2026, 6, 30), "2026-03-31", "2025-12-31", "2027-01-15"]
    result = slots(kind="custom", start=start, end=end, dates=dates)
    check_contiguous(result, start, end)
    # sorted, without duplicates or dates outside the program, and the end added
    assert dues(result) == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]


def test_custom_without_dates_is_one_slot():
    assert slots(kind="custom", start=D(2026, 1, 1), end=D(2026, 12, 31), dates=[]) == \
        [(1, D(2026, 1, 1), D(2026, 12, 31))]


def test_custom_date_on_the_end_is_not_doubled():
    result = slots(kind="custom", start=D(2026, 1, 1), end=D(2026, 6, 30), dates=["2026-03-31", "2026-06-30"])
    assert dues(result) == [D(2026, 3, 31), D(2026, 6, 30)]


def test_last_dispatch_day_on_the_end_is_not_doubled():
    result = slots(kind="monthly", start=D(2026, 1, 1), end=D(2026, 6, 25), day=25)
    assert dues(result)[-2:] == [D(2026, 5, 25), D(2026, 6, 25)]
    assert len(result) == 6


def test_a_dispatch_day_on_the_start_day_is_skipped():
    result = slots(kind="monthly", start=D(2026, 3, 25), end=D(2026, 5, 31), day=25)
    check_contiguous(result, D(2026, 3, 25), D(2026, 5, 31))
    assert dues(result) == [D(2026, 4, 25), D(2026, 5, 25), D(2026, 5, 31)]


def test_short_program_is_one_slot():
    assert slots(kind="monthly", start=D(2026, 12, 1), end=D(2026, 12, 10), day=25) == \
        [(1, D(2026, 12, 1), D(2026, 12, 10))]


@pytest.mark.parametrize("kind, kwargs", [
    ("weekly", {"weekday": 2}), ("semimonthly", {}), ("monthly", {"day": 1}), ("monthly", {"day": 29}),
    ("quarterly", {"day": 31}), ("semiannual", {"day": 30}), ("custom", {"dates": ["2026-02-28", "2026-07-01"]}),
])
@pytest.mark.parametrize("start, end", [(D(2026, 1, 1), D(2026, 12, 31)), (D(2026, 2, 14), D(2027, 3, 3)),
                                        (D(2026, 6, 30), D(2026, 7, 1))])
def test_every_cadence_covers_the_program(kind, kwargs, start, end):
    result = slots(kind=kind, start=start, end=end, **kwargs)
    check_contiguous(result, start, end)
    assert dispatch_days(kind=kind, start=start, end=end, **kwargs) == dues(result)


def test_unknown_kind():
    with pytest.raises(ValueError):
        slots(kind="daily", start=D(2026, 1, 1), end=D(2026, 12, 31))
