"""The maintained counts (tasks.tallies, ADR 0008): after any sequence of service operations every stored row equals
a count of the task rows, and what the overview, the 工作台 and the league show equals the task list filtered the same
way."""
import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from luoshi.core.errors import ServiceError
from luoshi.org.models import Person, Unit
from luoshi.tasks import selectors, services, tallies
from luoshi.tasks.models import AssignmentRole, Task, TaskAssignment, TaskStatus, TaskTally
from luoshi.tasks.warnings import warnings_run

UNITS = ("street_a", "street_b", "dept")
LIAISON_OF = {"street_a": "liaison_a", "street_b": "liaison_b", "dept": "liaison_dept"}
PHRASES = ("3月底前", "6月底前", "10月底前", "长期坚持")

unit_sets = st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True)
ops = st.one_of(
    st.tuples(st.just("create"), unit_sets, st.lists(st.sampled_from(UNITS), max_size=2, unique=True),
              st.booleans(), st.sampled_from(("", "改革", "民生")), st.sampled_from(PHRASES), st.booleans()),
    st.tuples(st.just("update"), st.integers(0, 20), unit_sets, st.booleans(), st.sampled_from(("", "改革", "民生")),
              st.sampled_from(PHRASES)),
    st.tuples(st.just("acknowledge"), st.integers(0, 20), st.sampled_from(UNITS)),
    st.tuples(st.just("report"), st.integers(0, 20), st.integers(0, 100)),
    st.tuples(st.just("extend"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("close"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("daily"), st.integers(1, 60)),
)


def _task(program, i):
    tasks = list(Task.objects.filter(program=program).order_by("pk"))
    return tasks[i % len(tasks)]


def _run(op, *, program, city, cast, day):
    """Apply one operation as of `day`; refusals (ServiceError) are part of the game. Returns the new day."""
    kind, *args = op
    try:
        if kind == "create":
            lead, coop, leader, category, phrase, child = args
            parent = Task.objects.filter(program=program, parent=None).order_by("pk").first() if child else None
            services.task_create(by=cast["office"], program=program, data=services.TaskInput(
                title="任务", lead_units=[city[u] for u in lead], coop_units=[city[u] for u in coop if u not in lead],
                leaders=[cast["leader"]] if leader else [], category=category, deadline_phrase=phrase, parent=parent))
        elif kind == "update":
            i, lead, leader, category, phrase = args
            task = _task(program, i)
            services.task_update(by=cast["office"], task=task, data=services.TaskInput(
                title=task.title, lead_units=[city[u] for u in lead], leaders=[cast["leader"]] if leader else [],
                category=category, deadline_phrase=phrase, parent=task.parent))
        elif kind == "acknowledge":
            i, unit = args
            task = _task(program, i)
            services.task_acknowledge(by=cast[LIAISON_OF[unit]], task=task, unit=city[unit])
        elif kind == "report":
            i, percent = args
            task = _task(program, i)
            lead = task.assignments.filter(role=AssignmentRole.LEAD).select_related("unit").first()
            liaison = cast[LIAISON_OF[next(u for u in UNITS if city[u].pk == lead.unit_id)]]
            services.task_report_progress(by=liaison, task=task, text="进展", percent=percent, unit=lead.unit)
        elif kind == "extend":
            i, approve = args
            task = _task(program, i)
            lead = task.assignments.filter(role=AssignmentRole.LEAD).first()
            liaison = cast[LIAISON_OF[next(u for u in UNITS if city[u].pk == lead.unit_id)]]
            if not task.assignments.filter(unit_id=lead.unit_id).exclude(acknowledged_at=None).exists():
                services.task_acknowledge(by=liaison, task=task, unit=lead.unit)
            req = services.task_request_extension(by=liaison, task=task, reason="征迁",
                                                  new_deadline=(task.effective_deadline or day) + dt.timedelta(days=30))
            services.task_decide_extension(by=cast["office"], request=req, approve=approve, note="" if approve else "否")
        elif kind == "close":
            i, accept = args
            task = _task(program, i)
            lead = task.assignments.filter(role=AssignmentRole.LEAD).first()
            liaison = cast[LIAISON_OF[next(u for u in UNITS if city[u].pk == lead.unit_id)]]
            if not task.assignments.filter(unit_id=lead.unit_id).exclude(acknowledged_at=None).exists():
                services.task_acknowledge(by=liaison, task=task, unit=lead.unit)
            req = services.task_request_closure(by=liaison, task=task, summary="完成")
            services.task_decide_closure(by=cast["office"], request=req, accept=accept, note="" if accept else "退回")
        elif kind == "daily":
            day = day + dt.timedelta(days=args[0])
            warnings_run(today=day, notify=False)
    except ServiceError:
        pass
    return day


def _status_counts(qs) -> dict:
    return selectors.status_counts(qs)


def assert_tallies_equal_their_lists(program, office):
    assert tallies.program_differences(program) == {}

    def listed(**filters):
        counts = _status_counts(selectors.task_list(user=office, filters=selectors.TaskFilters(program=program, **filters)))
        # the task list's pager reads its total from the tallies for these filters (all but a unit's tasks of any
        # role, which it counts): each equals its list
        kept = not filters.get("unit") or filters.get("lead_only")
        for status in ("", *TaskStatus.values):
            total = selectors.task_list_total(user=office, filters=selectors.TaskFilters(program=program, status=status,
                                                                                         **filters))
            assert total == (counts[status or "total"] if kept else None), (filters, status)
        return counts
    overview = selectors.program_overview(user=office, program=program)
    assert {k: overview["counts"][k] for k in overview["counts"]} == listed()
    for dimension, rows in ((tallies.LEAD, tallies.rows_by_key(program.pk, tallies.LEAD)),
                            (tallies.ANY, tallies.rows_by_key(program.pk, tallies.ANY))):
        for key, counts in rows.items():
            unit = Unit.objects.get(pk=int(key))
            got = listed(unit=unit, lead_only=dimension == tallies.LEAD)
            assert {s: counts.get(s, 0) for s in TaskStatus.values} == {s: got[s] for s in TaskStatus.values}
    for r in overview["by_unit"]:
        got = listed(unit=Unit.objects.get(pk=r["unit_id"]), lead_only=True)
        assert all(r[s] == got[s] for s in [*TaskStatus.values, "total"])
    for r in overview["by_leader"]:
        got = listed(leader=Person.objects.get(pk=r["person_id"]))
        assert all(r[s] == got[s] for s in [*TaskStatus.values, "total"])
    for r in overview["by_category"]:
        if r["category"]:
            got = listed(category=r["category"], top_level=True)
            assert all(r[s] == got[s] for s in [*TaskStatus.values, "total"])


def assert_league_equals_assignments(program, office):
    day = selectors.league_day(program)
    for r in selectors.unit_league(user=office, program=program):
        mine = TaskAssignment.objects.filter(unit_id=r["unit_id"], task__program=program, task__is_archived=False)
        lead = mine.filter(role=AssignmentRole.LEAD)
        assert r["assignments"] == mine.count()
        assert r["lead"] == lead.count()
        assert r["closed"] == lead.filter(task__status=TaskStatus.CLOSED).count()
        assert r["closed_on_time"] == lead.filter(task__closed_on_time=True).count()
        overdue = [a for a in lead.select_related("task") if a.task.status == TaskStatus.RED
                   and a.task.effective_deadline and a.task.effective_deadline < day]
        assert r["overdue"] == len(overdue)
        due = [a for a in lead.select_related("task") if a.task.status in (TaskStatus.CLOSED, TaskStatus.RED)
               or (a.task.deadline_kind == "date" and a.task.effective_deadline and a.task.effective_deadline < day)]
        assert r["due"] == len(due)


def assert_workbench_equals_visible(cast):
    for person in cast.values():
        expected = selectors.status_counts(selectors.tasks_visible(person))
        assert selectors.workbench_counts(selectors.scope_for(person)) == expected, person.username


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(ops, min_size=1, max_size=10))
def test_tallies_stay_exact_under_service_operations(program, city, cast, travel, sequence):
    sid = transaction.savepoint()
    try:
        day = dt.date(2026, 2, 1)
        p = program["program"]
        for op in sequence:
            with travel(day):
                day = _run(op, program=p, city=city, cast=cast, day=day)
        with travel(day):
            assert_tallies_equal_their_lists(p, cast["office"])
            assert_league_equals_assignments(p, cast["office"])
            assert_workbench_equals_visible(cast)
            # what a liaison reads of the program (counted from the tasks they may read) equals their lists too
            liaison = cast["liaison_a"]
            for r in selectors.program_overview(user=liaison, program=p)["by_unit"]:
                got = selectors.status_counts(selectors.task_list(user=liaison, filters=selectors.TaskFilters(
                    program=p, unit=Unit.objects.get(pk=r["unit_id"]), lead_only=True)))
                assert r["total"] == got["total"]
            # the overview of part of a program reads only the dimensions it shows, lean (overview_counts): the
            # same rows as counting every dimension from the tasks
            for person in cast.values():
                tasks = selectors.program_tasks(user=person, program=p)
                full = tallies.counts_of(tasks, day=day, ack_days=p.ack_days)
                assert tallies.overview_counts(tasks) == Counter(
                    {k: n for k, n in full.items() if k[0] in tallies.OVERVIEW_DIMENSIONS}), person.username
    finally:
        transaction.savepoint_rollback(sid)


def test_a_task_with_two_lead_units_in_one_district_counts_once(program, city, cast, travel):
    """The district row counts distinct tasks: before the tallies it counted this task once per lead unit."""
    p = program["program"]
    with travel("2026-02-01"):
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="两街道共同牵头", lead_units=[city["street_a"], city["street_b"]], deadline_phrase="6月底前"))
        overview = selectors.program_overview(user=cast["office"], program=p)
    rows = {r["unit_id"]: r for r in overview["by_unit"]}
    assert rows[city["district"].pk]["total"] == 4  # 3 tasks of the fixture + this one, once
    assert rows[city["street_a"].pk]["total"] == 2 and rows[city["street_b"].pk]["total"] == 2
    assert rows[city["city"].pk]["total"] == 4
    assert overview["counts"]["total"] == 4


def test_the_overview_names_the_current_period(program, cast, client_for, travel):
    """The overview's 当前调度期 line: the program's reporting period that contains today."""
    import datetime as dt

    from luoshi.programs.models import ReportingPeriod

    p = program["program"]
    with travel("2026-03-10"):
        page = client_for(cast["office"]).get(f"/programs/{p.code}/")
    period = page.context["current_period"]
    assert period.program_id == p.pk and period.start <= dt.date(2026, 3, 10) <= period.due
    assert list(ReportingPeriod.objects.filter(program=p, start__lte="2026-03-10", due__gte="2026-03-10")) == [period]
    assert "当前调度期" in page.content.decode()


def test_the_unit_table_opens_level_by_level(program, city, cast, travel, client_for):
    from luoshi.org.services import unit_create

    p = program["program"]
    with travel("2026-02-01"):
        community = unit_create(by=None, name="海青社区", kind="community", parent=city["street_a"])
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="社区任务", lead_units=[community], deadline_phrase="6月底前"))
        office = client_for(cast["office"])
        page = office.get(f"/programs/{p.code}/")
        rows = {r["unit_id"]: r for r in page.context["by_unit"]}
        # the district's children are shown, the community (a grandchild) only when its street is opened
        assert community.pk not in rows and rows[city["street_a"].pk]["expand"]
        assert rows[city["street_a"].pk]["total"] == 2
        url = f"/programs/{p.code}/units/{city['street_a'].pk}/"
        partial = office.get(url, headers={"HX-Request": "true"})
        assert [r["unit_id"] for r in partial.context["rows"]] == [community.pk]
        assert f'href="/programs/{p.code}/tasks/?unit={community.pk}&amp;role=lead&amp;status=' in \
            partial.content.decode()
        # without htmx: the whole page, the table opened at the street
        full = office.get(url)
        assert community.pk in {r["unit_id"] for r in full.context["by_unit"]}
        # another district's liaison may not read the program at all
        assert client_for(cast["outsider"]).get(url, headers={"HX-Request": "true"}).status_code == 404


def test_recount_finds_and_mends_a_wrong_count(program, cast, capsys):
    p = program["program"]
    call_command("tasks_recount", "--check")
    row = TaskTally.objects.filter(program=p, dimension=tallies.TOTAL).first()
    row.n += 5
    row.save()
    with pytest.raises(CommandError):
        call_command("tasks_recount", "--check")
    assert "存储" in capsys.readouterr().out
    call_command("tasks_recount")
    call_command("tasks_recount", "--check")
    assert tallies.program_differences(p) == {}


def test_a_refused_write_changes_no_count(program, cast, travel):
    p = program["program"]
    before = Counter({(t.dimension, t.key, t.status): t.n for t in TaskTally.objects.filter(program=p)})
    with travel("2026-02-01"), pytest.raises(ServiceError):
        services.task_acknowledge(by=cast["liaison_b"], task=program["task_a"])  # not street_b's task
    after = Counter({(t.dimension, t.key, t.status): t.n for t in TaskTally.objects.filter(program=p)})
    assert after == before


def test_the_task_list_keeps_the_overviews_filters(program, city, cast, travel, client_for):
    """?unit=…&role=lead and ?category=…&top=1 (the overview's links) filter the list and stay in its form."""
    p = program["program"]
    with travel("2026-02-01"):
        parent = services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="改革总任务", lead_units=[city["dept"]], coop_units=[city["street_a"]], category="改革",
            deadline_phrase="6月底前"))
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="改革子任务", lead_units=[city["dept"]], category="改革", parent=parent, deadline_phrase="6月底前"))
        c = client_for(cast["office"])
        r = c.get(f"/programs/{p.code}/tasks/?unit={city['street_a'].pk}&role=lead")
        assert {t["id"] for t in r.context["tasks"]} == {program["task_a"].pk}  # not the tasks street A only helps
        assert 'name="role" value="lead"' in r.content.decode()
        r = c.get(f"/programs/{p.code}/tasks/?unit={city['street_a'].pk}")
        assert {t["id"] for t in r.context["tasks"]} == {program["task_a"].pk, program["task_dept"].pk, parent.pk}
        r = c.get(f"/programs/{p.code}/tasks/?category=改革&top=1")
        assert [t["id"] for t in r.context["tasks"]] == [parent.pk]
        assert 'name="top" value="1"' in r.content.decode() and 'name="category" value="改革"' in r.content.decode()


def test_a_red_unreported_task_counts_against_the_on_time_rate(program, city, cast, travel):
    """按期办结率 = 按期办结 ÷ 应计 (closed, past the deadline, or red): a unit with a red 未按期报送 task is never at
    100% although nothing of it is past its deadline (issue #12: the league showed 100% beside a red task)."""
    p = program["program"]
    with travel("2026-01-06"):
        done = services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="已按期完成", lead_units=[city["street_a"]], deadline_phrase="3月底前"))
        services.task_acknowledge(by=cast["liaison_a"], task=done, unit=city["street_a"])
        services.task_report_progress(by=cast["liaison_a"], task=done, text="完成", percent=100, unit=city["street_a"])
        req = services.task_request_closure(by=cast["liaison_a"], task=done, summary="完成")
        services.task_decide_closure(by=cast["office"], request=req, accept=True, note="")
    warnings_run(today=dt.date(2026, 3, 2), notify=False)  # the 2-25 report was missed: task_a is red
    with travel("2026-03-02"):
        task_a = Task.objects.get(pk=program["task_a"].pk)
        assert (task_a.status, task_a.effective_deadline > dt.date(2026, 3, 2)) == (TaskStatus.RED, True)
        rows = {r["unit_id"]: r for r in selectors.unit_league(user=cast["office"], program=p)}
        a = rows[city["street_a"].pk]
        assert (a["closed_on_time"], a["due"], a["overdue"]) == (1, 2, 0)
        assert a["on_time_rate"] == 50
        assert_league_equals_assignments(p, cast["office"])
