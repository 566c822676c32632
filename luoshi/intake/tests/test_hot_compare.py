"""Numbers that add up (issue #12 §2): a month still running is compared with the same days of the month before."""
import datetime as dt

from luoshi.intake.hot import compared_periods
from luoshi.intake.metrics import Period


def test_a_running_month_is_compared_with_the_same_days_before():
    current, before = compared_periods(Period.month(2026, 12), today=dt.date(2026, 12, 4))
    assert (current.start, current.end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 4))
    assert (before.start, before.end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 4))
    # 31 March running: February has 28 days, the comparison stops at its end
    current, before = compared_periods(Period.month(2026, 3), today=dt.date(2026, 3, 30))
    assert (before.start, before.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_a_finished_month_is_compared_with_the_whole_month_before():
    current, before = compared_periods(Period.month(2026, 11), today=dt.date(2026, 12, 4))
    assert current == Period.month(2026, 11) and before == Period.month(2026, 10)
