"""The public 考核排名 pages (no login): only published, public rounds, from the publication snapshot;
units and numbers only, never a person; a revised table says so, with every revision's note."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from luoshi.assessment import services
from luoshi.assessment.models import Round
from luoshi.assessment.tests.conftest import SCHEME_YAML

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def personal_data(cast, *more) -> list[str]:
    people = list(cast.values()) + list(more)
    return [p.full_name for p in people] + [p.username for p in people] + [p.email for p in people if p.email]


def assert_nothing_personal(html: str, cast, *more):
    page = text_of(html)
    for value in personal_data(cast, *more):
        assert value not in page and value not in html, value


@pytest.fixture
def published(assess, travel):
    """January published: 沙子口 94, 中韩 90.5 (street); 区审批局 90, 区委办公室 0 (dept)."""
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "18", "A3": "3", "B1": "良"}, "street_b": {"B2": "80"},
                               "dept": {"A2": "不达标"}})
        return assess.publish(rnd, note="首次公布")


def page(rnd) -> str:
    r = Client().get(reverse("portal_assess_round", args=[rnd.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_round_page_shows_the_published_table(published, cast, second_evaluator):
    html = page(published)
    t = text_of(html)
    assert "测试考核 · 2026年1月" in t
    assert re.search(r"1 沙子口街道 94\.00 好 — 2 中韩街道 90\.50 好 —", t), t
    assert re.search(r"1 区行政审批服务局 90\.00 好 — 2 区委办公室 0\.00 一般", t), t
    assert html.index("<h2>街道</h2>") < html.index("<h2>部门</h2>")     # the scheme's order of groups
    assert "修订" not in t                    # revision 1: no revision note
    assert "申诉期至2026-02-07" in t
    assert_nothing_personal(html, cast, second_evaluator)


def test_list_grouped_by_scheme_and_linked_from_home(published, assess, scheme, travel):
    with travel("2026-03-02"):
        feb = assess.round(name="2026年2月", start="2026-02-01", end="2026-02-28")       # scoring: not listed
    html = Client().get(reverse("portal_assess")).content.decode()
    assert html.count("<h2>测试考核</h2>") == 1
    assert reverse("portal_assess_round", args=[published.pk]) in html
    assert reverse("portal_assess_round", args=[feb.pk]) not in html and "2026年2月</a>" not in html
    home = Client().get(reverse("portal_home")).content.decode()
    assert reverse("portal_assess") in home                      # the nav and the home section
    assert reverse("portal_assess_round", args=[published.pk]) in home


def test_the_list_does_not_grow_queries_with_rounds(published, assess, travel, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert Client().get(reverse("portal_assess")).status_code == 200
    with travel("2026-03-02"):
        feb = assess.round(name="2026年2月", start="2026-02-01", end="2026-02-28")
        assess.score_all(feb, {"street_a": {}, "street_b": {}, "dept": {}})
        assess.publish(feb)
    with django_assert_num_queries(1):
        html = Client().get(reverse("portal_assess")).content.decode()
    assert "2026年2月" in html and "2026年1月" in html
    assert html.index("2026年2月") < html.index("2026年1月")     # newest first


def test_movement_against_the_previous_round(published, assess, travel):
    with travel("2026-03-02"):
        feb = assess.round(name="2026年2月", start="2026-02-01", end="2026-02-28")
        assess.score_all(feb, {"street_a": {}, "street_b": {"A1": "10"}, "dept": {}})
        feb = assess.publish(feb)
    t = text_of(page(feb))
    # 中韩 100 (was 2nd: ↑1), 沙子口 90 (was 1st: ↓1).
    assert re.search(r"1 中韩街道 100\.00 好 ↑1 2 沙子口街道 90\.00 好 ↓1", t), t


def test_revision_note_after_an_appeal(published, assess, cast, city, travel):
    leaf = assess.leaf(published, "A1")
    with travel("2026-02-04"):
        appeal = services.appeal_file(by=cast["liaison_a"], round=published, unit=city["street_a"], indicator=leaf,
                                      reason="材料已补充")
        services.appeal_decide(by=cast["office"], appeal=appeal, revise=True, value="20", decision="改为20分")
    html = page(published)
    t = text_of(html)
    assert "本表已于2026-02-04修订（第2版）：根据中韩街道的申诉，复核调整“A1 组织领导”得分：18 → 20。" in t
    assert 'id="revisions"' in html
    # The table is the revised one: 中韩 92.5 still second behind 沙子口 94.
    assert re.search(r"1 沙子口街道 94\.00 好 — 2 中韩街道 92\.50 好", t), t
    listed = text_of(Client().get(reverse("portal_assess")).content.decode())
    assert "已修订（第2版）" in listed
    assert_nothing_personal(html, cast)
    # A second revision lists both notes, oldest first.
    with travel("2026-02-05"):
        appeal = services.appeal_file(by=cast["liaison_b"], round=published, unit=city["street_b"],
                                      indicator=assess.leaf(published, "B2"), reason="问卷样本有误")
        services.appeal_decide(by=cast["office"], appeal=appeal, revise=True, value="90", decision="改为90")
    t = text_of(page(published))
    assert t.index("（第2版）") < t.index("本表已于2026-02-05修订（第3版）：根据沙子口街道的申诉")


def test_unpublished_private_and_missing_rounds_are_404(published, assess, cast, travel):
    with travel("2026-03-02"):
        scoring = assess.round(name="2026年2月", start="2026-02-01", end="2026-02-28")
        assess.score_all(scoring, {"street_a": {}, "street_b": {}, "dept": {}})
        services.round_compute(by=cast["office"], round=scoring)        # results exist, but not published
    c = Client()
    assert c.get(reverse("portal_assess_round", args=[scoring.pk])).status_code == 404
    Round.objects.filter(pk=published.pk).update(is_public=False)
    assert c.get(reverse("portal_assess_round", args=[published.pk])).status_code == 404
    assert "2026年1月" not in c.get(reverse("portal_assess")).content.decode()
    assert c.get(reverse("portal_assess_round", args=[999999])).status_code == 404
    published.scheme.is_archived = True
    published.scheme.save()
    Round.objects.filter(pk=published.pk).update(is_public=True)
    assert c.get(reverse("portal_assess_round", args=[published.pk])).status_code == 404


def test_final_round_and_units_not_ranked(published, assess, cast, city, travel):
    with travel("2026-03-02"):
        feb = assess.round(name="2026年2月", start="2026-02-01", end="2026-02-28")
        services.participant_exclude(by=cast["office"], round=feb, unit=city["street_b"],
                                     reason="王某某书记调任，班子调整")
        assess.score_all(feb, {"street_a": {}, "street_b": {}, "dept": {}})
        feb = assess.publish(feb)
    with travel("2026-03-20"):
        services.round_finalize(by=cast["office"], round=feb)
    html = page(feb)
    t = text_of(html)
    assert "已定稿" in t
    assert re.search(r"1 中韩街道 100\.00 好 ↑1 — 沙子口街道 不参与排名 100\.00", t), t
    assert "王某某" not in html and "班子调整" not in html     # the office's reason is not published


SCHEME_TEN = (SCHEME_YAML.replace("top_bottom: 0", "top_bottom: 10")
              .replace("  - {code: dept, name: 部门, unit_kinds: [department]}\n", ""))


def test_ten_best_and_ten_worst(cast, city, travel):
    """21 streets: the ten best and the ten worst are marked; the one in the middle is neither."""
    from luoshi.assessment.tests.conftest import FULL_MARKS, Assess
    from luoshi.org.services import unit_create

    streets = [city["street_a"], city["street_b"]] + [
        unit_create(by=None, name=f"测试{i:02d}街道", kind="street", parent=city["district"]) for i in range(19)]
    with travel("2026-01-05"):
        scheme, _v, _new = services.scheme_save(by=cast["office"], text=SCHEME_TEN.replace("test-scheme", "ten"))
    assess = Assess(scheme, city, cast)
    with travel("2026-02-02"):
        rnd = assess.round()
        for i, unit in enumerate(streets):
            assess.score(rnd, unit, {**FULL_MARKS, "A1": str(20 - Decimal("0.5") * i)})
        rnd = assess.publish(rnd)
    html = page(rnd)
    rows = re.findall(r"<tr>\s*<td(.*?)</tr>", html, re.S)
    assert len(rows) == 21
    marks = [("十佳" in r, "十差" in r) for r in rows]
    assert marks == [(True, False)] * 10 + [(False, False)] + [(False, True)] * 10

