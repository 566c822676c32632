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



def test_the_keyword_count_is_done_once_across_servers(req, dispatcher, travel, monkeypatch):
    """Single flight (core.locks.shared_once): while another app server holds the count's lock, this one waits for
    its result in the shared cache instead of counting too; with nobody counting, it counts once and caches."""
    from collections import Counter

    from django.core.cache import cache

    from luoshi.core import locks
    from luoshi.intake import hot

    keys = []
    monkeypatch.setattr(hot, "shared_once", lambda key, *a, **kw: keys.append(key) or locks.shared_once(key, *a, **kw))
    with travel("2026-03-10T09:00:00+08:00"):
        req.submit("中韩街道海尔路路灯不亮")
        period = Period.month(2026, 3)
        counted = hot.keyword_counts(dispatcher, period)
        assert cache.get(keys[0]) == counted and cache.get(f"lock:{keys[0]}") is None
        cache.delete(keys[0])
        cache.add(f"lock:{keys[0]}", "the-other-server", timeout=30)  # another server is counting

        def the_other_server_finishes(_seconds):
            cache.set(keys[0], Counter({"其他服务器": 7}), 60)

        monkeypatch.setattr(locks.time, "sleep", the_other_server_finishes)
        assert hot.keyword_counts(dispatcher, period) == Counter({"其他服务器": 7})
        assert keys == [keys[0], keys[0]]
