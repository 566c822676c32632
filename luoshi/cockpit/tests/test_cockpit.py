"""The cockpit (一屏观): every number equals the list behind it (seeded random organisations, tasks and findings),
scope (a street's cockpit shows nothing of another street; nobody opens a scope outside their roles), the panel
contract (plain dicts), the meeting-room mode, the trend snapshots and the query count."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.urls import reverse

from luoshi.cockpit import selectors, services
from luoshi.cockpit.models import FigureSnapshot
from luoshi.core import cockpit as registry
from luoshi.core.cockpit import period_for
from luoshi.ledger.tests.conftest import categories, findings, inspector, ledger_program  # noqa: F401
from luoshi.org.models import Role
from luoshi.org.services import grant_role
from luoshi.org.tests.scoping import SEEDS, random_people, random_tree
from luoshi.tasks import services as task_services
from luoshi.tasks.warnings import warnings_run

DRILL = re.compile(r'href="/cockpit/([a-z]+)/([a-z_]+)/\?unit=(\d+)&amp;period=([a-z]+)"')


@pytest.fixture
def world(request, city, cast, program, findings, travel):  # noqa: F811
    """A random unit tree under the district, tasks led by random units (some overdue, some closed), findings of
    random units (some assigned, some closed), people with random roles."""
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 6)
    people = random_people(rng, units, 5, roles=(Role.OFFICE, Role.LEADER, Role.LIAISON), pairings=False)
    p = program["program"]
    with travel("2026-02-02"):
        for i in range(10):
            lead = rng.sample(units[1:], rng.randint(1, 2))
            task_services.task_create(by=cast["office"], program=p, data=task_services.TaskInput(
                title=f"随机任务{i}", lead_units=lead, deadline_phrase=rng.choice(["3月底前", "6月底前", "长期坚持"])))
        recorded = [findings.record(rng.choice(units[1:]), f"随机问题{i}") for i in range(10)]
        findings.issue([f for f in recorded if rng.random() < 0.7])
    with travel("2026-04-15"):
        warnings_run(today=dt.date(2026, 4, 15), notify=False)
    return {"units": units, "people": people + [cast["leader"], cast["office"], cast["liaison_a"]]}


def _figures(client, unit, period="year"):
    html = client.get(reverse("cockpit") + f"?unit={unit.pk}&period={period}").content.decode()
    return html, DRILL.findall(html)


@pytest.mark.parametrize("world", SEEDS, indirect=True)
def test_every_cockpit_number_equals_its_list(world, client_for, travel):
    checked = 0
    with travel("2026-04-15"):
        for person in world["people"]:
            if not selectors.can_open_cockpit(person):
                continue
            client = client_for(person)
            for unit in world["units"]:
                if not selectors.may_open(person, unit):
                    assert client.get(reverse("cockpit") + f"?unit={unit.pk}").status_code == 403
                    continue
                period = period_for("year", dt.date(2026, 4, 15))
                for p in selectors.cockpit_panels(person, unit, period):
                    for item in p["figures"]:
                        f = item["f"]
                        if f.suffix == "%" or not item["url"].startswith("/cockpit/"):
                            continue
                        panel_key, key = item["url"].split("/")[2:4]
                        drill = selectors.drill_get(person, unit, period, panel_key, key)
                        assert drill.rows.count() == f.value, (person, unit, panel_key, key)
                        if checked % 5 == 0:   # the drill page itself says the same total
                            page = client.get(item["url"]).content.decode()
                            assert f"共 {f.value} 项" in page
                        checked += 1
                html, links = _figures(client, unit)
                assert links or "暂无可显示的指标" in html or "cp-fig" in html
    assert checked > 0


def test_a_street_cockpit_shows_nothing_of_another_street(city, cast, program, findings, client_for, travel):  # noqa: F811
    with travel("2026-03-02"):
        findings.record("street_b", "沙子口街道渔港垃圾")
        findings.record("street_a", "中韩街道垃圾")
    with travel("2026-03-03"):
        a = client_for(cast["liaison_a"])
        html = a.get(reverse("cockpit")).content.decode()
        assert "中韩街道" in html and "沙子口街道渔港整治" not in html
        assert a.get(reverse("cockpit") + f"?unit={city['street_b'].pk}").status_code == 403
        assert a.get(reverse("cockpit_drill", args=["ledger", "found"]) + f"?unit={city['street_b'].pk}").status_code == 403
        rows = selectors.drill_get(cast["liaison_a"], city["street_a"], period_for("year", dt.date(2026, 3, 3)),
                                   "ledger", "found").rows
        assert [r["description"] for r in rows] == ["中韩街道垃圾"]
        # the evaluator (no office, leader or liaison role) opens no cockpit; the district leader opens both streets
        assert client_for(cast["evaluator"]).get(reverse("cockpit")).status_code == 403
        leader = client_for(cast["leader"])
        assert leader.get(reverse("cockpit") + f"?unit={city['street_b'].pk}").status_code == 200
        assert leader.get(reverse("cockpit") + f"?unit={city['other_district'].pk}").status_code == 403


def test_panel_contract_accepts_plain_dicts(city, cast, client_for):
    def projects(user, unit, period):
        return {"figures": [{"key": "started", "label": "开工率", "value": 87.5, "suffix": "%", "url": "/x/",
                             "state": "good"}],
                "charts": [{"title": "投资完成", "categories": ["一季度"], "series": [{"name": "计划", "values": [3]}]}],
                "tables": [{"title": "项目", "columns": ["项目"], "rows": [[{"text": "港口", "url": "/p/1/"}]]}]}

    registry.register_panel("projects-test", title="重点项目", order=99, figures=projects)
    try:
        html = client_for(cast["leader"]).get(reverse("cockpit")).content.decode()
    finally:
        registry._panels.pop("projects-test")
    assert "开工率" in html and "87.5" in html and 'href="/x/"' in html and "良好" in html and "港口" in html
    data = registry.panel_data(projects(None, None, None))
    assert data.figures[0].state == "good" and data.charts[0].series[0].values == [3]


def test_screen_mode_refreshes_itself_and_print_button(cast, program, client_for):
    c = client_for(cast["leader"])
    screen = c.get(reverse("cockpit") + "?screen=1").content.decode()
    assert 'http-equiv="refresh"' in screen and "cp-screen" in screen and "退出大屏" in screen
    normal = c.get(reverse("cockpit")).content.decode()
    assert "data-print" in normal and "vendor/echarts.min.js" in normal and "大屏模式" in normal
    scripts = re.findall(r'<script src="([^"]+)"', normal)
    assert scripts and all(src.startswith("/static/") for src in scripts)   # served by the app: no CDN


def test_snapshots_feed_the_trend(city, cast, program, findings, travel):  # noqa: F811
    with travel("2026-03-02"):
        f = findings.record("street_a", "问题一")
        findings.record("street_a", "问题二")
        services.snapshots_take(day=dt.date(2026, 3, 2))
    sheet = findings.issue([f])
    findings.acknowledge(sheet[0] if isinstance(sheet, list) else sheet)
    findings.submit(f)
    findings.close(f)
    today = dt.date.today()
    services.snapshots_take(day=today)
    rows = dict(FigureSnapshot.objects.filter(unit=city["district"], panel="ledger", key="found")
                .values_list("day", "value"))
    assert rows[dt.date(2026, 3, 2)] == 2
    services.snapshots_take(day=today)   # twice a day replaces, never doubles
    assert FigureSnapshot.objects.filter(unit=city["district"], panel="ledger", key="found", day=today).count() == 1
    chart = selectors.trend_chart(city["district"], registry.panel("ledger"), today=today)
    if (today - dt.date(2026, 3, 2)).days < selectors.TREND_DAYS:
        assert chart is not None and len(chart.categories) == 2


def test_cockpit_query_count_does_not_grow_with_data(city, cast, program, findings, client_for, travel,  # noqa: F811
                                                     django_assert_max_num_queries):
    c = client_for(cast["leader"])
    c.get(reverse("cockpit"))
    with travel("2026-03-02"):
        for i in range(15):
            findings.record(random.choice(["street_a", "street_b"]), f"问题{i}")
    grant_role(by=None, person=cast["leader"], role=Role.LEADER, unit=city["street_a"])
    with django_assert_max_num_queries(40):
        assert c.get(reverse("cockpit")).status_code == 200


def test_api_gives_the_same_figures_and_refuses_other_scopes(city, cast, program, findings, client_for, travel):  # noqa: F811
    with travel("2026-03-02"):
        findings.record("street_a", "中韩街道垃圾")
    with travel("2026-03-03"):
        c = client_for(cast["liaison_a"])
        data = c.get("/api/cockpit/").json()
        assert data["unit"] == "中韩街道"
        ledger = next(p for p in data["panels"] if p["key"] == "ledger")
        found = next(f for f in ledger["figures"] if f["key"] == "found")
        assert found["value"] == 1 and found["url"].startswith("/cockpit/ledger/found/")
        r = c.get(f"/api/cockpit/?unit={city['street_b'].pk}")
        assert r.status_code == 403 and "detail" in r.json()
