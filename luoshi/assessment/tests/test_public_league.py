"""The public 大气 ranking shows the measured values, and 同比 for the metrics the scheme marks `yoy` (PM2.5, PM10
in the preset) and for the composite index — as the bulletin it reproduces does (issue #12 §5)."""
import datetime as dt
from decimal import Decimal as D

from django.urls import reverse

from luoshi.assessment import engine, services
from luoshi.assessment.excel import scores_import_xlsx
from luoshi.assessment.scheme import scheme_parse
from luoshi.org.services import unit_create

from .fixtures_io import AIR_YAML, book

YOY_YAML = AIR_YAML.replace("standard: 35, precision: 0}", "standard: 35, precision: 0, yoy: true}") \
                   .replace("standard: 70, precision: 0}", "standard: 70, precision: 0, yoy: true}")


def week(cast, scheme, name, start, values, compare_to=None):
    office = cast["office"]
    rnd = services.round_create(by=office, scheme=scheme, name=name, period_start=start,
                                period_end=start + dt.timedelta(days=6), compare_to=compare_to)
    services.evaluator_assign(by=office, round=rnd, person=cast["evaluator"])
    for to in ("collecting", "scoring"):
        rnd = services.round_advance(by=office, round=rnd, to=to)
    scores_import_xlsx(by=office, round=rnd, data=book({"S": [["单位名称", "pm25", "pm10"], *values]}),
                       evaluator=cast["evaluator"])
    rnd = services.round_advance(by=office, round=rnd, to="review")
    services.scores_approve(by=office, round=rnd)
    services.round_publish(by=office, round=rnd, note="")
    rnd.refresh_from_db()
    return rnd


def test_the_public_air_ranking_shows_values_and_year_on_year(cast, city, client, travel):
    with travel("2025-01-05"):
        unit_create(by=None, name="王哥庄街道", kind="street", parent=city["district"])
        scheme, _v, _n = services.scheme_save(by=cast["office"], text=YOY_YAML)
    with travel("2025-01-08"):
        last = week(cast, scheme, "2025年第1周", dt.date(2025, 1, 1),
                    [["中韩街道", 40, 80], ["沙子口街道", 42, 70], ["王哥庄街道", 28, 50]])
    with travel("2026-01-08"):
        now = week(cast, scheme, "2026年第1周", dt.date(2026, 1, 1),
                   [["中韩街道", 30, 60], ["沙子口街道", 42, 77], ["王哥庄街道", 28, 50]], compare_to=last)
    html = client.get(reverse("portal_assess_round", args=[now.pk])).content.decode()
    for head in ("PM2.5（微克/立方米）", "PM2.5同比", "PM10（微克/立方米）", "PM10同比", "综合指数", "综合指数同比"):
        assert f">{head}<" in html, head
    row = html.split("中韩街道")[1].split("</tr>")[0]
    # 中韩: PM2.5 40 → 30 (−25.0%), PM10 80 → 60 (−25.0%), index 2.29 → 1.71 (−25.3%)
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    assert cells[:6] == ["30", "-25.0%", "60", "-25.0%", "1.71", "-25.3%"]
    row = html.split("沙子口街道")[1].split("</tr>")[0]
    assert '<td class="num">+10.0%</td>' in row  # PM10 70 → 77


def test_without_a_compared_round_the_change_is_a_dash(cast, city, client, travel):
    with travel("2026-01-05"):
        unit_create(by=None, name="王哥庄街道", kind="street", parent=city["district"])
        scheme, _v, _n = services.scheme_save(by=cast["office"], text=YOY_YAML)
    with travel("2026-01-08"):
        rnd = week(cast, scheme, "第1周", dt.date(2026, 1, 1),
                   [["中韩街道", 30, 60], ["沙子口街道", 42, 77], ["王哥庄街道", 28, 50]])
    html = client.get(reverse("portal_assess_round", args=[rnd.pk])).content.decode()
    row = html.split("王哥庄街道")[1].split("</tr>")[0]
    assert '<td class="num">28</td><td class="num">—</td><td class="num">50</td><td class="num">—</td>' in row


def test_the_engine_changes_only_the_yoy_metrics():
    definition = scheme_parse(YOY_YAML.replace(", yoy: true}", "}", 1))  # PM2.5 without 同比, PM10 with
    [r] = engine.compute_metric_round(definition, [engine.UnitInput(unit_id=1, group="street", values={0: D(30), 1: D(60)})],
                                      ["pm25", "pm10"], previous_values={1: {"pm25": D(40), "pm10": D("79.6")}})
    assert r.figures["changes"] == {"pm10": "-25.0"}  # on published values: 60 against 80
