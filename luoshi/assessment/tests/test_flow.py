"""The round flow end to end through the services: score, approve (not by the scorer), publish, appeal,
revise, republish; and the consequence rule across rounds."""
from decimal import Decimal

import pytest

from luoshi.assessment import services
from luoshi.assessment.models import Appeal, Consequence, Indicator, Publication, Result, Score
from luoshi.core.errors import PermissionDeniedError, ServiceError

pytestmark = pytest.mark.django_db


def test_round_scores_publish_and_rank(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "18", "A3": "3", "B1": "良"},
                               "street_b": {"B2": "80"},
                               "dept": {"A2": "不达标"}})
        rnd = assess.publish(rnd)
    rows = {r.unit_id: r for r in Result.objects.filter(round=rnd)}
    a, b, d = rows[city["street_a"].pk], rows[city["street_b"].pk], rows[city["dept"].pk]
    # street_a: 18 + 10 + (10 − 1.5) + 24 + 30 = 90.5; street_b: 20+10+10+30+24 = 94
    assert a.total == Decimal("90.50") and b.total == Decimal("94.00")
    assert (b.rank, a.rank) == (1, 2) and a.group == "street" and a.group_size == 2
    assert d.total == Decimal("90.00") and d.rank == 1 and d.group == "dept"
    assert a.grade == "好"
    assert rnd.state == "published" and rnd.revision == 1
    assert Publication.objects.get(round=rnd).table


def test_scorer_cannot_approve_own_scores(assess, cast, travel):
    with travel("2026-02-02"):
        rnd = assess.round(evaluator=cast["office"], state="review")
        assess.score(rnd, "street_a", {"A1": "10"}, by=cast["office"])
        score = Score.objects.get(round=rnd)
        with pytest.raises(ServiceError, match="不能审核自己"):
            services.scores_approve(by=cast["office"], round=rnd, score_ids=[score.pk])
        assert services.scores_approve(by=cast["office"], round=rnd) == 0
        score.refresh_from_db()
        assert score.status == "submitted"


def test_appeal_keeps_both_scores_and_republishes(assess, cast, city, second_evaluator, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "12"}, "street_b": {}, "dept": {}})
        rnd = assess.publish(rnd)
    leaf = assess.leaf(rnd, "A1")
    with travel("2026-02-04"):
        with pytest.raises(PermissionDeniedError):
            services.appeal_file(by=cast["liaison_b"], round=rnd, unit=city["street_a"], indicator=leaf, reason="x")
        appeal = services.appeal_file(by=cast["liaison_a"], round=rnd, unit=city["street_a"], indicator=leaf,
                                      reason="组织领导材料已补充，见附件")
        assert appeal.original_points == Decimal("12")
        with pytest.raises(ServiceError, match="未复核"):
            services.round_finalize(by=cast["office"], round=rnd)
        services.appeal_decide(by=cast["office"], appeal=appeal, revise=True, value="17", decision="材料齐全，改为17分")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.original_points, appeal.revised_points) == ("revised", Decimal("12"), Decimal("17"))
    scores = Score.objects.filter(round=rnd, unit=city["street_a"], indicator=leaf).order_by("pk")
    assert [(s.value, s.is_current) for s in scores] == [(Decimal("12"), False), (Decimal("17"), True)]
    rnd.refresh_from_db()
    assert rnd.revision == 2
    assert "12 → 17" in Publication.objects.get(round=rnd, revision=2).note
    assert Result.objects.get(round=rnd, unit=city["street_a"]).total == Decimal("97.00")
    with travel("2026-02-05"):
        with pytest.raises(ServiceError, match="申诉期"):
            services.round_finalize(by=cast["office"], round=rnd)
    with travel("2026-02-20"):
        with pytest.raises(ServiceError, match="申诉期已"):
            services.appeal_file(by=cast["liaison_a"], round=rnd, unit=city["street_a"], indicator=leaf, reason="再诉")
        services.round_finalize(by=cast["office"], round=rnd)


def test_bottom_twice_running_proposes_then_escalates(assess, cast, city, travel):
    months = [("2026年1月", "2026-01-01", "2026-01-31", "2026-02-02"),
              ("2026年2月", "2026-02-01", "2026-02-28", "2026-03-02"),
              ("2026年3月", "2026-03-01", "2026-03-31", "2026-04-02"),
              ("2026年4月", "2026-04-01", "2026-04-30", "2026-05-02")]
    for name, start, end, when in months:
        with travel(when):
            rnd = assess.round(name=name, start=start, end=end)
            assess.score_all(rnd, {"street_a": {"A1": "5"}, "street_b": {}, "dept": {}})
            rnd = assess.publish(rnd)
        props = list(Consequence.objects.filter(round=rnd, unit=city["street_a"]))
        if name == "2026年2月":
            assert [(p.action, p.occurrence) for p in props] == [("通报批评", 1)]
            services.consequence_decide(by=cast["office"], consequence=props[0], confirm=True, note="已通报")
        elif name == "2026年4月":
            assert [(p.action, p.occurrence) for p in props] == [("约谈", 2)]
        else:
            assert props == []
    assert not Consequence.objects.filter(unit=city["street_b"]).exists()


def test_materials_by_the_unit_only_while_collecting_or_scoring(assess, cast, city, travel):
    from luoshi.assessment.models import Material
    from luoshi.assessment.selectors import score_card

    with travel("2026-02-02"):
        rnd = assess.round(state="collecting")
        leaf = assess.leaf(rnd, "A1")
        with pytest.raises(PermissionDeniedError):
            services.material_submit(by=cast["liaison_b"], round=rnd, unit=city["street_a"], indicator=leaf, text="x")
        with pytest.raises(ServiceError, match="请填写说明"):
            services.material_submit(by=cast["liaison_a"], round=rnd, unit=city["street_a"], indicator=leaf, text=" ")
        services.material_submit(by=cast["liaison_a"], round=rnd, unit=city["street_a"], indicator=leaf,
                                 text="党工委会议纪要3份", files=[("纪要.pdf", b"%PDF-1.4 test")])
        card = score_card(cast["evaluator"], rnd, city["street_a"])
        assert [m.text for m in card.materials[leaf.pk]] == ["党工委会议纪要3份"]
        rnd = services.round_advance(by=cast["office"], round=rnd, to="scoring")
        rnd = services.round_advance(by=cast["office"], round=rnd, to="review")
        with pytest.raises(ServiceError, match="不能报送材料"):
            services.material_submit(by=cast["liaison_a"], round=rnd, unit=city["street_a"], text="补充")
    assert Material.objects.count() == 1


def test_a_cards_rank_leaf_points_come_from_its_peer_group(cast, city, travel):
    """The card reads its peer group's values of rank-rule leaves only (on SQLite through the covering index of
    migration 0004): its points are those of the whole round's computation."""
    from luoshi.assessment import selectors

    from .conftest import SCHEME_YAML, Assess

    text = (SCHEME_YAML.replace("code: test-scheme", "code: rank-scheme")
            .replace("rule: {type: ratio, target: 100}", "rule: {type: rank, step: 5}"))
    with travel("2026-01-05"):
        scheme, _version, _new = services.scheme_save(by=cast["office"], text=text)
    assess = Assess(scheme, city, cast)
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"B2": "70"}, "street_b": {"B2": "90"}, "dept": {"B2": "10"}})
    whole = {r.unit_id: r for r in services.results_compute(rnd)}
    b2 = Indicator.objects.get(version=rnd.version, code="B2")
    earned = {}
    for key in ("street_a", "street_b", "dept"):
        unit = city[key]
        card = selectors.score_card(cast["office"], rnd, unit)
        line = next(line for line in card.lines if line.indicator.pk == b2.pk)
        earned[key] = line.earned
        assert [line.earned for line in card.lines if line.is_leaf] == [
            whole[unit.pk].leaf_points.get(i) for i in range(5)]
    # 街道 ranks its two streets (90 first, 70 second); the department is alone in 部门.
    assert earned["street_b"] == earned["dept"] == Decimal(30) and earned["street_a"] < Decimal(30)
