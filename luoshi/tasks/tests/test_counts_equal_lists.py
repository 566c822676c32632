"""Every count the overview, the league and the 工作台 show equals the length of the list it links to, over random
unit trees (communities under the streets, some leading tasks themselves), random lead units and statuses.

The links: an overview unit row → ?unit=X&role=lead (tasks led anywhere in X's subtree), each status → &status=;
a league row's 牵头任务 → ?unit=X&role=own (tasks X itself leads: the league ranks a unit on its own work)."""
import datetime as dt

from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from luoshi.org.services import unit_create
from luoshi.tasks import selectors, services
from luoshi.tasks.models import Task, TaskStatus
from luoshi.tasks.warnings import warnings_run

PHRASES = ("3月底前", "5月底前", "8月底前", "长期坚持")

trees = st.lists(st.tuples(st.sampled_from(("street_a", "street_b")), st.integers(0, 2)), max_size=3)
tasks = st.lists(st.tuples(st.lists(st.integers(0, 9), min_size=1, max_size=2, unique=True),
                           st.sampled_from(PHRASES), st.booleans()), min_size=1, max_size=8)


def listed(client, url) -> int:
    r = client.get(url)
    assert r.status_code == 200, url
    return len(r.context["tasks"])


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tree=trees, specs=tasks, days=st.integers(20, 150))
def test_displayed_counts_equal_the_lists_they_link_to(program, city, cast, travel, client_for, tree, specs, days):
    sid = transaction.savepoint()
    try:
        p = program["program"]
        with travel("2026-01-10"):
            units = [city["district"], city["street_a"], city["street_b"], city["dept"]]
            for parent, n in tree:
                for _i in range(n):
                    units.append(unit_create(by=None, name=f"{city[parent].name}社区{len(units)}", kind="community",
                                             parent=city[parent]))
            for picks, phrase, report in specs:
                lead = list({units[i % len(units)].pk: units[i % len(units)] for i in picks}.values())
                task = services.task_create(by=cast["office"], program=p, data=services.TaskInput(
                    title="任务", lead_units=lead, deadline_phrase=phrase))
                if report and lead[0].path.startswith(city["street_a"].path):
                    services.task_acknowledge(by=cast["liaison_a"], task=task, unit=lead[0])
                    services.task_report_progress(by=cast["liaison_a"], task=task, text="进展", percent=50,
                                                  unit=lead[0])
        day = dt.date(2026, 1, 10) + dt.timedelta(days=days)
        warnings_run(today=day, notify=False)
        office = client_for(cast["office"])
        base = reverse("task_list", args=[p.code])
        with travel(day):
            # the overview, opened at every unit: each row's total and every status equal the list they link to
            for unit in [city["city"], *units]:
                page = office.get(reverse("program_overview_units", args=[p.code, unit.pk]),
                                  headers={"HX-Request": "true"})
                for r in page.context["rows"]:
                    link = f"{base}?unit={r['unit_id']}&role=lead"
                    assert r["total"] == listed(office, link), (unit.name, r)
                    for status in TaskStatus.values:
                        if r[status]:
                            assert r[status] == listed(office, f"{link}&status={status}"), (unit.name, status)
            top = selectors.program_overview(user=cast["office"], program=p)
            assert top["counts"]["total"] == Task.objects.filter(program=p, is_archived=False).count()
            # the league: 牵头任务 equals the list behind its link (the unit's own lead tasks)
            league = office.get(reverse("program_league", args=[p.code]))
            for r in league.context["rows"]:
                assert r["lead"] == listed(office, f"{base}?unit={r['unit_id']}&role=own"), r["unit_name"]
            assert f"?unit={league.context['rows'][0]['unit_id']}&amp;role=own" in league.content.decode()
            # the 工作台 of everyone in the cast equals the tasks they can open
            for person in cast.values():
                expected = selectors.status_counts(selectors.tasks_visible(person))
                assert selectors.workbench_counts(selectors.scope_for(person)) == expected, person.username
    finally:
        transaction.savepoint_rollback(sid)


def test_the_league_link_lists_the_units_own_tasks_not_its_streets(program, city, cast, client_for, travel):
    """The district leads one task and its streets lead two: the league says 1 and its link lists 1 (the overview's
    district row, which rolls up, says 4 and its link lists 4)."""
    p = program["program"]
    with travel("2026-01-10"):
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="区级任务", lead_units=[city["district"]], deadline_phrase="6月底前"))
    office = client_for(cast["office"])
    base = reverse("task_list", args=[p.code])
    with travel("2026-01-10"):
        rows = {r["unit_id"]: r for r in office.get(reverse("program_league", args=[p.code])).context["rows"]}
        assert rows[city["district"].pk]["lead"] == 1 == listed(office, f"{base}?unit={city['district'].pk}&role=own")
        assert listed(office, f"{base}?unit={city['district'].pk}&role=lead") == 4
