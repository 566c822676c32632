"""The maintained finding counts (ledger.tallies, ADR 0008): after any sequence of service operations every stored
row equals a count of the finding rows, the findings list's total read from them equals the list it heads, and the
figures page read from them equals the figures aggregated from the findings."""
import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from luoshi.core.cockpit import months_between, period_for
from luoshi.core.errors import ServiceError
from luoshi.ledger import selectors, services, tallies
from luoshi.ledger.apps import tallies_daily
from luoshi.ledger.models import (
    OWING_STATUSES, Finding, FindingStatus, FindingTally, FindingTallyDay, Severity, Source,
)
from luoshi.org.models import Unit

pytestmark = pytest.mark.django_db

UNITS = ("street_a", "street_b", "dept")
CATEGORIES = ("环境卫生", "占道经营", None)

ops = st.one_of(
    st.tuples(st.just("record"), st.sampled_from(UNITS), st.sampled_from(CATEGORIES),
              st.sampled_from(Severity.values), st.sampled_from(Source.values[:3]), st.booleans()),
    st.tuples(st.just("update"), st.integers(0, 20), st.sampled_from(UNITS), st.sampled_from(CATEGORIES),
              st.sampled_from(Severity.values), st.sampled_from(Source.values[:3])),
    st.tuples(st.just("issue"), st.lists(st.integers(0, 20), min_size=1, max_size=4)),
    st.tuples(st.just("acknowledge"), st.integers(0, 20)),
    st.tuples(st.just("submit"), st.integers(0, 20)),
    st.tuples(st.just("verify"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("reopen"), st.integers(0, 20)),
    st.tuples(st.just("daily"), st.integers(1, 12)),  # the daily job runs on a later day
    st.tuples(st.just("later"), st.integers(1, 12)),  # days pass without the daily job
)


def _finding(program, i) -> Finding | None:
    rows = list(Finding.objects.filter(program=program).order_by("pk"))
    return rows[i % len(rows)] if rows else None


def _run(op, *, findings, day):
    """Apply one operation as of `day`; refusals (ServiceError) are part of the game. Returns the new day."""
    kind, *args = op
    program = findings.program
    try:
        if kind == "record":
            unit, category, severity, source, by_inspector = args
            findings.record(unit, category=findings.categories[category] if category else None, severity=severity,
                            source=source, by=findings.inspector if by_inspector else None)
        elif kind == "update":
            i, unit, category, severity, source = args
            f = _finding(program, i)
            if f is not None:
                services.finding_update(by=findings.cast["office"], finding=f, unit=findings.unit(unit),
                                        category=findings.categories[category] if category else None,
                                        severity=severity, source=source)
        elif kind == "issue":
            chosen = {f.pk: f for f in (_finding(program, i) for i in args[0]) if f is not None}
            findings.issue(chosen.values())
        elif kind == "acknowledge":
            f = _finding(program, args[0])
            if f is not None and f.sheet is not None:
                findings.acknowledge(f.sheet)
        elif kind == "submit":
            f = _finding(program, args[0])
            if f is not None:
                findings.submit(f)
        elif kind == "verify":
            f = _finding(program, args[0])
            if f is not None:
                (findings.close if args[1] else findings.send_back)(f)
        elif kind == "reopen":
            f = _finding(program, args[0])
            if f is not None:
                services.finding_reopen(by=findings.inspector, finding=f, text="回头看发现复发")
        elif kind == "daily":
            day = day + dt.timedelta(days=args[0])
            tallies_daily(day, False)
        elif kind == "later":
            day = day + dt.timedelta(days=args[0])
    except ServiceError:
        pass
    return day


def _table(data: dict) -> list[tuple]:
    return [(r.key, str(r.label), r.found, r.rectified, r.closed, r.overdue, r.repeats, r.avg_days, r.rank,
             r.rectify_rate, r.close_rate) for r in [*data["rows"], data["total"]]]


def assert_tallies_equal_their_lists(program, office, liaison, day):
    assert tallies.program_differences(program) == {}
    units = [None, *Unit.objects.filter(pk__in=Finding.objects.filter(program=program).values("unit_id"))]
    for unit in list(units):
        if unit is not None:
            units += list(Unit.objects.filter(pk__in=unit.ancestor_ids()))
    for unit in set(units):
        for status in ("", *FindingStatus.values):
            filters = selectors.FindingFilters(status=status, unit=unit)
            listed = selectors.finding_list(user=office, program=program, filters=filters).count()
            assert selectors.finding_list_total(user=office, program=program, filters=filters) == listed, (unit, status)
            # someone who reads part of the ledger: the unit rows of their subtrees (within the unit filter)
            part = selectors.finding_list(user=liaison, program=program, filters=filters).count()
            assert selectors.finding_list_total(user=liaison, program=program, filters=filters) == part, (unit, status)
        # filtered by source and/or 只看逾期 too: the `list` rows (逾期 only when they are counted as of today)
        for status, source, overdue in [("", "inspection", False), (FindingStatus.RECTIFYING, "", True),
                                        ("", "", True), (FindingStatus.ASSIGNED, "undercover", True),
                                        (FindingStatus.CLOSED, "undercover", False), ("", "undercover", True)]:
            filters = selectors.FindingFilters(status=status, unit=unit, source=source, overdue=overdue)
            # a program never counted has no day row: its list counts the findings
            current = not overdue or FindingTallyDay.objects.filter(program=program, day=day).exists()
            for person in (office, liaison):
                total = selectors.finding_list_total(user=person, program=program, filters=filters)
                listed = selectors.finding_list(user=person, program=program, filters=filters).count()
                # None: the list counts (stale 逾期 bits); a figure must be the list's (no subtree to read is 0)
                assert (total == listed) if total is not None else not current, (person, unit, status, source, overdue)
    assert selectors.finding_list_total(user=office, program=program,
                                        filters=selectors.FindingFilters(severity="major")) is None
    # the cockpit's monthly rows (发现/销号 per unit subtree and month, summed for a quarter or a year) and 逾期
    for unit in {u for u in units if u is not None}:
        in_subtree = Finding.objects.filter(program=program, unit_path__within=[unit.path])
        for key in ("month", "quarter", "year"):
            period = period_for(key, day)
            found = in_subtree.filter(found_on__gte=period.start, found_on__lte=period.end)
            assert tallies.month_counts([program.pk], unit.pk, months_between(period.start, period.end)) == {
                "found": found.count(), "closed": found.filter(status=FindingStatus.CLOSED).count()}, (unit, key)
        overdue = tallies.overdue_count([program.pk], unit.pk)
        if tallies.tally_day(program.pk) == day:
            assert overdue == in_subtree.filter(status__in=OWING_STATUSES, deadline__lt=day).count(), unit
        else:
            assert overdue is None
    # the 统计 page's unit rows link to the list of that unit (?unit=): its 发现 is that list's length
    for r in selectors.ledger_figures(user=office, program=program, by="unit", as_of=day)["rows"]:
        listed = selectors.finding_list(user=office, program=program,
                                        filters=selectors.FindingFilters(unit=Unit.objects.get(pk=r.key))).count()
        assert r.found == listed, (r.label, r.found, listed)
    for by in selectors.GROUPINGS:
        computed = selectors.ledger_figures_compute(user=office, program=program, by=by, as_of=day)
        assert _table(selectors.ledger_figures(user=office, program=program, by=by, as_of=day)) == _table(computed), by
        if tallies.tally_day(program.pk) == day:  # the rows hold the figures of this day: the page reads them
            assert _table(selectors._figures_from_tallies(program, by=by, today=day)) == _table(computed), by


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(ops, min_size=1, max_size=12))
def test_tallies_stay_exact_under_service_operations(findings, cast, travel, sequence):
    sid = transaction.savepoint()
    try:
        day = dt.date(2026, 3, 2)
        for op in sequence:
            with travel(day):
                day = _run(op, findings=findings, day=day)
        with travel(day):
            assert_tallies_equal_their_lists(findings.program, cast["office"], cast["liaison_a"], day)
            tallies_daily(day, False)  # the daily job of the day: the figures page reads the rows
            assert tallies.tally_day(findings.program.pk) == day
            assert_tallies_equal_their_lists(findings.program, cast["office"], cast["liaison_a"], day)
    finally:
        transaction.savepoint_rollback(sid)


def test_the_figures_page_reads_the_rows_and_computes_a_date_range(findings, cast, travel, client_for):
    with travel("2026-03-02"):
        f = findings.record("street_a")
        findings.record("street_b", category="占道经营", severity="major")
        findings.issue([f])
        tallies_daily(dt.date(2026, 3, 2), False)
        office = client_for(cast["office"])
        url = f"/programs/{findings.program.code}/ledger/figures/"
        page = office.get(url)
        assert sorted(r.found for r in page.context["rows"]) == [1, 1]
        assert page.context["total"].found == 2
        ranged = office.get(url + "?from=2026-03-03")  # a found-date range: counted from the findings
        assert ranged.context["total"].found == 0


def test_recount_finds_and_mends_a_wrong_count(findings, travel, capsys):
    with travel("2026-03-02"):
        findings.record("street_a")
        call_command("ledger_recount", "--check")
        row = FindingTally.objects.filter(program=findings.program, dimension=tallies.TOTAL).first()
        row.n += 5
        row.save()
        with pytest.raises(CommandError):
            call_command("ledger_recount", "--check")
        assert "存储" in capsys.readouterr().out
        call_command("ledger_recount")
        call_command("ledger_recount", "--check")
        assert tallies.program_differences(findings.program) == {}


def test_a_refused_write_changes_no_count(findings, cast, travel):
    with travel("2026-03-02"):
        f = findings.record("street_a")
        before = Counter({(t.dimension, t.key, t.figure): t.n for t in FindingTally.objects.filter(program=f.program)})
        with pytest.raises(ServiceError):
            findings.submit(f, by=cast["liaison_b"])  # not street_b's finding
        after = Counter({(t.dimension, t.key, t.figure): t.n for t in FindingTally.objects.filter(program=f.program)})
        assert after == before


def test_a_group_emptied_by_a_change_is_not_a_row_of_the_page(findings, cast, travel):
    """A finding moved from 督导检查 to 暗访 leaves the 督导检查 count at 0 (the row stays for the next change): the
    figures page read from the counts lists only 暗访, as the computed page does."""
    with travel("2026-03-02"):
        f = findings.record("street_a", source="inspection")
        services.finding_update(by=cast["office"], finding=f, source="undercover")
        office, day = cast["office"], dt.date(2026, 3, 2)
        for by in selectors.GROUPINGS:
            computed = selectors.ledger_figures_compute(user=office, program=f.program, by=by, as_of=day)
            assert _table(selectors._figures_from_tallies(f.program, by=by, today=day)) == _table(computed), by
        assert [r.key for r in selectors.ledger_figures(user=office, program=f.program, by="source")["rows"]] \
            == ["undercover"]


def test_counts_follow_a_unit_that_moves(findings, city, travel):
    from luoshi.org.services import unit_move

    with travel("2026-03-02"):
        f = findings.record("street_a")
        unit_move(by=None, unit=city["street_a"], new_parent=city["city"])
        f.refresh_from_db()
        assert f.unit_path == Unit.objects.get(pk=city["street_a"].pk).path
        assert tallies.program_differences(findings.program) == {}
        assert tallies.status_count(findings.program.pk, unit_id=city["district"].pk) == 0


def test_a_finding_through_its_whole_life_keeps_every_count(findings, cast, travel):
    """record → issue → acknowledge → submit → return → submit → close → reopen, and a day passing: after each
    step the stored rows equal a count of the findings, and the figures read from them equal the aggregation."""
    program, office = findings.program, cast["office"]

    def check(day):
        assert tallies.program_differences(program) == {}
        tallies_daily(day, False)
        for by in selectors.GROUPINGS:
            assert _table(selectors._figures_from_tallies(program, by=by, today=day)) == \
                _table(selectors.ledger_figures_compute(user=office, program=program, by=by, as_of=day)), by

    day = dt.date(2026, 3, 2)
    with travel(day):
        f = findings.record("street_a", severity="severe")
        other = findings.record("dept", category="占道经营")
        check(day)
        sheets = {s.unit_id: s for s in findings.issue([f, other])}
        check(day)
        findings.acknowledge(sheets[f.unit_id])
        findings.submit(f)
        check(day)
        findings.send_back(f)
        check(day)
    day = dt.date(2026, 3, 10)  # past the 3-day deadline of a severe finding: overdue
    with travel(day):
        check(day)
        rows = tallies.figure_rows(program.pk, "severity")
        assert rows["severe"]["overdue"] == 1 and rows["severe"]["found"] == 1
        findings.submit(f)
        findings.close(f)
        check(day)
        assert tallies.figure_rows(program.pk, "unit")[str(f.unit_id)]["closed"] == 1
        services.finding_reopen(by=findings.inspector, finding=Finding.objects.get(pk=f.pk), text="回头看复发")
        check(day)
        assert tallies.figure_rows(program.pk, "unit")[str(f.unit_id)]["repeats"] == 1
        assert tallies.status_count(program.pk, status=FindingStatus.RECTIFYING) == 1  # the dept's sheet is unsigned
        assert tallies.status_count(program.pk, status=FindingStatus.ASSIGNED) == 1
        assert tallies.status_count(program.pk, unit_id=f.unit_id) == 1


def test_the_overdue_list_count_waits_for_the_days_counts(findings, cast, travel):
    """只看逾期's count comes from the `list` rows only on the day they are counted as of: after the deadline and
    before the daily job the rows still say "not overdue", so the list counts; after the job they answer."""
    program, office = findings.program, cast["office"]
    overdue = selectors.FindingFilters(overdue=True, status=FindingStatus.ASSIGNED)
    with travel("2026-03-02"):
        f = findings.record("street_a", severity="severe")
        findings.issue([f])
        tallies_daily(dt.date(2026, 3, 2), False)
        assert selectors.finding_list_total(user=office, program=program, filters=overdue) == 0
    day = dt.date(2026, 3, 10)  # past the 3-day deadline of a severe finding
    with travel(day):
        assert selectors.finding_list(user=office, program=program, filters=overdue).count() == 1
        assert selectors.finding_list_total(user=office, program=program, filters=overdue) is None
        tallies_daily(day, False)
        assert selectors.finding_list_total(user=office, program=program, filters=overdue) == 1
        by_unit = selectors.FindingFilters(overdue=True, unit=f.unit, source=f.source)
        assert selectors.finding_list_total(user=office, program=program, filters=by_unit) == 1


# a few characters that meet in texts and keywords: Chinese, Latin in both cases, digits, LIKE's wildcards, spaces
SEARCH_ALPHABET = "垃圾桶号a A1_%\\"
texts = st.text(SEARCH_ALPHABET, min_size=1, max_size=6).filter(str.strip)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(texts, st.text(SEARCH_ALPHABET, max_size=4)), min_size=1, max_size=5),
       keywords=st.lists(st.text(SEARCH_ALPHABET, min_size=1, max_size=3), min_size=1, max_size=6),
       edit=st.tuples(st.integers(0, 4), texts, st.text(SEARCH_ALPHABET, max_size=4)))
def test_a_short_search_count_is_its_lists_count(findings, cast, travel, rows, keywords, edit):
    """The `gram` rows hold, for a keyword of one or two characters without a case, how many findings the search
    finds (number, description or address containing it): the same as the list's own count, after findings are
    recorded and after one is edited; other keywords have no such figure."""
    sid = transaction.savepoint()
    try:
        with travel("2026-03-02"):
            recorded = [findings.record(description=d, address=a) for d, a in rows]
            office, program = cast["office"], findings.program

            def check():
                assert tallies.program_differences(program) == {}
                for q in [*keywords, "垃圾", "号", "1", "20"]:
                    filters = selectors.FindingFilters(q=q)
                    counted = selectors.finding_search_count(user=office, program=program, filters=filters)
                    listed = selectors.finding_list(user=office, program=program, filters=filters).count()
                    short = 1 <= len(q.strip()) <= 2 and not any(ch.isalpha() and ch.isascii() for ch in q)
                    assert (counted is not None) == short, q
                    if counted is not None:
                        assert next(iter(counted), {"n": 0})["n"] == listed, q
                    # someone who reads part of the program, or another filter with the keyword: the list counts
                    assert selectors.finding_search_count(user=cast["liaison_a"], program=program,
                                                          filters=filters) is None
                    narrower = selectors.FindingFilters(q=q, status=FindingStatus.RECORDED)
                    assert selectors.finding_search_count(user=office, program=program, filters=narrower) is None

            check()
            i, description, address = edit
            services.finding_update(by=office, finding=recorded[i % len(recorded)], description=description.strip(),
                                    address=address)
            check()
    finally:
        transaction.savepoint_rollback(sid)
