"""Figures per unit subtree (ADR 0025): a 镇街, a function area, a department or a district reads the figures of the
projects it sees, every number equal to the list behind it; the rows stay exact under any sequence of writes
(hypothesis) and follow a unit that moves; `luoshi projects recount --check` finds a wrong row."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.projects import figures, selectors, services
from luoshi.projects.models import Project, ProjectTally

from .test_rules_figures import report_history

D = Decimal
pytestmark = pytest.mark.django_db


def assert_every_number_is_its_list(user, program, config, period):
    table = selectors.figure_table(user, program, config, "district", period)
    for row in table["rows"] + [table["total"]]:
        if not row["key"] and not table["whole"]:
            continue  # the sum of several units' rows has no single list
        for figure in selectors.LIST_FIGURES:
            listed = selectors.project_list(user, program, selectors.ListFilter(
                dim=table["dim"] if row["key"] else "", key=row["key"], figure=figure, period=period)).count()
            assert listed == row[figure], (user.username, row["label"], figure)
        listed = selectors.project_list(user, program, selectors.ListFilter(
            dim=table["dim"] if row["key"] else "", key=row["key"])).count()
        assert listed == row["projects"], (user.username, row["label"])
    return table


def test_a_street_sees_its_own_figures(proj, cast, city, travel, client_for):
    report_history(proj, cast, travel)
    program, config = proj["program"], proj["config"]
    with travel("2026-04-02"):
        q1 = figures.period_parse("2026Q1", today=dt.date(2026, 4, 2))
        street = assert_every_number_is_its_list(cast["liaison_a"], program, config, q1)
        # 中韩街道: project a (planned 2-28, started 2-10; 4000 planned, 4000 done in Q1)
        t = street["total"]
        assert (t["projects"], t["start_due"], t["start_met"], t["start_new"]) == (1, 1, 1, 1)
        assert (t["plan"], t["actual"], t["start_rate"], t["invest_rate"]) == (D(4000), D(4000), D("100.0"), D("100.0"))
        assert [r["label"] for r in street["rows"]] == ["中韩街道"]
        # 沙子口街道 leads b and c; the department approves a and supervises b's builder
        t = assert_every_number_is_its_list(cast["liaison_b"], program, config, q1)["total"]
        assert (t["projects"], t["start_due"], t["start_met"], t["plan"]) == (2, 1, 0, D(1500))
        assert assert_every_number_is_its_list(cast["liaison_dept"], program, config, q1)["total"]["projects"] == 2
        # the district office: its three projects; the other district's liaison: 市南's one
        assert assert_every_number_is_its_list(cast["office"], program, config, q1)["total"]["projects"] == 3
        assert assert_every_number_is_its_list(cast["outsider"], program, config, q1)["total"]["start_met"] == 1
        # the page says the same, and its numbers open the street's list
        page = client_for(cast["liaison_a"]).get(f"/projects/{program.code}/figures/?period=2026Q1")
        assert page.status_code == 200
        assert page.context["table"]["total"]["start_met"] == 1
        listed = client_for(cast["liaison_a"]).get(page.context["table"]["total"]["urls"]["start_met"])
        assert [r["code"] for r in listed.context["rows"]] == ["LS-01"]


def test_a_function_area_counts_its_projects_even_with_a_street(proj, cast, city, travel):
    """A project in a function area that names its 镇街 too stands in both: both read it."""
    from luoshi.org.services import grant_role, person_create

    program, config, zone = proj["program"], proj["config"], proj["zone"]
    zone_liaison = person_create(by=None, username="zone_liaison", full_name="园区联络员", unit=zone)
    grant_role(by=None, person=zone_liaison, role="liaison", unit=zone)
    with travel("2026-01-07"):
        services.project_save(by=proj["city_office"], program=program, data=services.ProjectInput(
            code="LS-04", name="健康城医养综合体", type="livelihood", district=city["district"], lead_unit=city["dept"],
            builder_name="某医疗集团", area=zone, street=city["street_a"], plans={"start": dt.date(2026, 2, 1)}))
        q1 = figures.period_parse("2026Q1", today=dt.date(2026, 1, 7))
        zone_table = assert_every_number_is_its_list(zone_liaison, program, config, q1)
        assert zone_table["total"]["projects"] == 2  # b and the new one
        assert assert_every_number_is_its_list(cast["liaison_a"], program, config, q1)["total"]["projects"] == 2
        by_street = selectors.figure_table(proj["city_office"], program, config, "street", q1)
        assert {r["label"]: r["projects"] for r in by_street["rows"]} == {"中韩街道": 2}
        assert figures.program_check(program.pk) == []


def test_counts_follow_a_unit_that_moves(proj, city, travel):
    from luoshi.org.services import unit_move

    program = proj["program"]
    with travel("2026-01-08"):
        unit_move(by=None, unit=city["street_b"], new_parent=city["other_district"])
        assert figures.program_check(program.pk) == []
        moved = figures.figures_by_key(program.pk, "unit", figures.period_parse("2026", today=dt.date(2026, 1, 8)),
                                       [str(city["other_district"].pk)])
        assert moved[str(city["other_district"].pk)].projects == 3  # d, and b and c led by the moved street


def test_recount_check_finds_a_wrong_unit_row(proj, city, capsys):
    program = proj["program"]
    call_command("projects_recount", "--check")
    row = ProjectTally.objects.filter(program=program, dim="unit", key=str(city["street_a"].pk), month=0,
                                      figure="projects").get()
    row.value += 1
    row.save()
    with pytest.raises(CommandError):
        call_command("projects_recount", "--check")
    call_command("projects_recount")
    call_command("projects_recount", "--check")
    assert figures.program_check(program.pk) == []


def test_a_refused_write_changes_no_figure(proj, cast, travel):
    rows = lambda: sorted(ProjectTally.objects.filter(program=proj["program"]).values_list(  # noqa: E731
        "dim", "key", "month", "figure", "value"))
    before = rows()
    with travel("2026-02-11"), pytest.raises((ServiceError, PermissionDeniedError)):
        services.month_report(by=cast["liaison_b"], project=proj["a"], month=dt.date(2026, 1, 1), actual=D(10))
    assert rows() == before


# ---- any sequence of writes -------------------------------------------------------------------------------

PLACES = ("street_a", "street_b", "dept", "zone", None)
ops = st.one_of(
    st.tuples(st.just("save"), st.integers(0, 6), st.sampled_from(PLACES), st.sampled_from(PLACES),
              st.sampled_from(("industry", "livelihood")), st.integers(1, 6), st.booleans()),
    st.tuples(st.just("month"), st.integers(0, 6), st.integers(1, 3), st.integers(0, 3000)),
    st.tuples(st.just("phase"), st.integers(0, 6), st.sampled_from(("sign", "land", "start", "produce")),
              st.integers(0, 40)),
    st.tuples(st.just("daily"), st.integers(1, 40)),
)


def _run(op, proj, city, day):
    kind, *args = op
    program, office = proj["program"], proj["city_office"]
    projects = list(Project.objects.filter(program=program).order_by("pk"))
    unit = {"zone": proj["zone"], None: None} | {k: city[k] for k in ("street_a", "street_b", "dept")}
    try:
        if kind == "save":
            i, lead, street, type_, start_month, existing = args
            project = projects[i % len(projects)] if existing else None
            services.project_save(by=office, program=program, project=project, data=services.ProjectInput(
                code=project.code if project else f"H-{len(projects) + 1}", name="项目", type=type_,
                district=city["district"], lead_unit=unit[lead] or city["district"], builder_name="某公司",
                street=city[street] if street in ("street_a", "street_b") else None,
                area=proj["zone"] if street == "zone" else None,
                plans={"start": dt.date(2026, start_month, 15), "produce": dt.date(2026, 12, 1)},
                monthly_plan={dt.date(2026, m, 1): D(1000) for m in range(1, 4)}))
        elif kind == "month":
            i, month, amount = args
            services.month_report(by=office, project=projects[i % len(projects)], month=dt.date(2026, month, 1),
                                  actual=D(amount))
        elif kind == "phase":
            i, phase, back = args
            services.phase_report(by=office, project=projects[i % len(projects)], phase=phase,
                                  on=day - dt.timedelta(days=back), text="现场核实")
        elif kind == "daily":
            day = day + dt.timedelta(days=args[0])
            services.lights_run(today=day, notify=False)
    except ServiceError:
        pass
    return day


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(ops, min_size=1, max_size=8))
def test_unit_figures_stay_exact_under_any_writes(proj, cast, city, travel, sequence):
    sid = transaction.savepoint()
    try:
        day = dt.date(2026, 4, 2)
        for op in sequence:
            with travel(day):
                day = _run(op, proj, city, day)
        with travel(day):
            assert figures.program_check(proj["program"].pk) == []
            period = figures.period_parse("2026Q2", today=day)
            for who in ("liaison_a", "liaison_b", "liaison_dept", "office"):
                assert_every_number_is_its_list(cast[who], proj["program"], proj["config"], period)
    finally:
        transaction.savepoint_rollback(sid)


def test_the_figures_page_draws_charts_with_their_tables(proj, cast, travel, client_for):
    """Three charts (rates, lights, investment) drawn by the cockpit's script from static/vendor (no CDN), each with
    its numbers as JSON and as a table under it; each bar opens its row's list."""
    import json
    import re

    report_history(proj, cast, travel)
    program = proj["program"]
    with travel("2026-04-02"):
        page = client_for(proj["city_office"]).get(f"/projects/{program.code}/figures/?period=2026Q1")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/vendor/echarts.min.js" in html and "/static/js/cockpit.js" in html and "cdn" not in html.lower()
    assert [c["id"] for c in page.context["charts"]] == ["chart-rates", "chart-lights", "chart-investment"]
    data = json.loads(re.search(r'<script id="chart-rates" type="application/json">(.*?)</script>', html, re.S)[1])
    rows = page.context["table"]["rows"]
    assert data["kind"] == "hbar" and data["categories"] == [r["label"] for r in rows]
    assert data["series"][0]["values"] == [float(r["start_rate"]) if r["start_rate"] is not None else None
                                           for r in rows]
    assert data["urls"] == [r["url"] for r in rows]
    assert html.count('class="cp-data"') == 3 and "66.7%" in html  # the tables under the charts, and the total
    # a street liaison: its own row in the charts, no dimension to choose
    with travel("2026-04-02"):
        street = client_for(cast["liaison_a"]).get(f"/projects/{program.code}/figures/?period=2026Q1")
    assert street.context["charts"][0]["chart"].categories == ["中韩街道"]
    assert 'name="by"' not in street.content.decode()
