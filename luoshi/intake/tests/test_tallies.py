"""The maintained monthly request counts (intake.tallies, ADR 0026): after any sequence of service operations on
any days every stored row equals a fresh count of the requests, and the cockpit's 诉求办理 figures read from them
(month, quarter, year) equal the figures counted over the requests."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from luoshi.core import clock
from luoshi.core.cockpit import period_for
from luoshi.core.errors import ServiceError
from luoshi.intake import cockpit, services, tallies
from luoshi.intake.models import Request, RequestTally

pytestmark = pytest.mark.django_db

AREAS = ("street_a", "street_b")
ops = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(AREAS), st.sampled_from(("0101", "0201", "0301"))),
    st.tuples(st.just("dispatch"), st.integers(0, 20), st.sampled_from((None, "street_a", "street_b", "dept"))),
    st.tuples(st.just("sign"), st.integers(0, 20)),
    st.tuples(st.just("return"), st.integers(0, 20)),
    st.tuples(st.just("reply"), st.integers(0, 20)),
    st.tuples(st.just("rate"), st.integers(0, 20), st.integers(1, 5)),
    st.tuples(st.just("invalid"), st.integers(0, 20)),
    st.tuples(st.just("daily"), st.integers(1, 40)),   # days pass and the daily job runs (revisits, 督办)
    st.tuples(st.just("later"), st.integers(1, 50)),   # hours pass
)


def _nth(i) -> Request | None:
    rows = list(Request.objects.order_by("pk"))
    return rows[i % len(rows)] if rows else None


def _run(op, *, req, cast, city, when: dt.datetime) -> dt.datetime:
    kind, *args = op
    try:
        if kind == "submit":
            req.submit(f"{city[args[0]].name}的诉求", area=args[0], category=args[1],
                       **({"attributes": {"community": "海尔花园"}} if args[1] == "0401" else {}))
        elif kind == "dispatch":
            r = _nth(args[0])
            if r is not None:
                req.dispatch(r, args[1])
        elif kind == "sign":
            r = _nth(args[0])
            if r is not None and r.lead_unit is not None:
                req.sign(r)
        elif kind == "return":
            r = _nth(args[0])
            if r is not None and r.lead_unit is not None:
                services.request_return(by=req.liaison_for(r.lead_unit), request=r, reason="不属于本单位职责")
        elif kind == "reply":
            r = _nth(args[0])
            if r is not None and r.lead_unit is not None:
                req.reply(r)
        elif kind == "rate":
            r = _nth(args[0])
            if r is not None and r.rating_token:
                req.rate(r, args[1], resolved=args[1] >= 3)
        elif kind == "invalid":
            r = _nth(args[0])
            if r is not None:
                services.request_close_invalid(by=req.dispatcher, request=r, outcome="invalid", reason="无效诉求")
        elif kind == "daily":
            when += dt.timedelta(days=args[0])
            with clock_at(when):
                services.revisits_run()
                services.overdue_run()
        elif kind == "later":
            when += dt.timedelta(hours=args[0])
    except ServiceError:
        pass
    return when


def clock_at(when):
    import time_machine

    return time_machine.travel(when, tick=False)


def assert_counts_equal_the_requests(office, city):
    assert tallies.differences() == {}
    today = clock.today()
    for unit in (city["city"], city["district"], city["street_a"], city["street_b"], city["dept"]):
        for key in ("month", "quarter", "year"):
            for period in (period_for(key, today), period_for(key, today).previous()):
                now, sf = clock.now(), 3
                stored = cockpit._counts(office, unit, period, now, sf)
                counted = cockpit._counts_live(office, unit, period, now, sf)
                assert stored == counted, (unit.name, period.label)
                assert tallies.hot_categories(unit.pk, cockpit.months_between(period.start, period.end), 8) == \
                    cockpit._hot_live(office, unit, period), (unit.name, period.label)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(ops, min_size=1, max_size=14))
def test_counts_stay_exact_under_service_operations(req, cast, city, sequence):
    sid = transaction.savepoint()
    try:
        when = dt.datetime(2026, 3, 30, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a month and quarter end
        for op in sequence:
            with clock_at(when):
                when = _run(op, req=req, cast=cast, city=city, when=when)
        with clock_at(when):
            assert_counts_equal_the_requests(cast["office"], city)
    finally:
        transaction.savepoint_rollback(sid)


def test_recount_check_finds_a_wrong_row_and_recount_mends_it(req, cast, city, travel):
    with travel("2026-03-02"):
        r = req.submit()
        req.dispatch(r)
        req.sign(r)
    assert RequestTally.objects.filter(dimension="month", figure="signed_on_time", n=1).count() == 3  # its path: 中韩街道, 崂山区, 青岛市
    call_command("intake_recount", "--check")
    RequestTally.objects.filter(dimension="month", figure="dispatched").update(n=7)
    with pytest.raises(CommandError, match="不一致"):
        call_command("intake_recount", "--check")
    call_command("intake_recount")
    call_command("intake_recount", "--check")
    assert tallies.differences() == {}
