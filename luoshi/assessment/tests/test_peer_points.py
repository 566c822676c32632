"""The score card's rank-rule points come from the stored result (Result.peer_points) while no score changed
since the round was computed, and otherwise from counting the peers with a better value (ADR 0022, 0037; the
group is ranked again only where an evaluator's values must be aggregated). Either way a card
shows what a fresh computation over the whole group gives: checked after each step of a round's life —
compute, a score changed, a score returned, computed again, published, an appeal revised — and against the
engine run over the whole round."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.assessment import card, engine, selectors, services
from luoshi.assessment.models import Appeal, Result, Round, RoundUnit
from luoshi.assessment.tests.conftest import SCHEME_YAML
from luoshi.org.services import unit_create

pytestmark = pytest.mark.django_db

# B2 群众满意度 ranked within the peer group (desc, 10 % less per place) instead of a ratio to a target
RANK_YAML = (SCHEME_YAML.replace("code: test-scheme", "code: test-rank")
             .replace("{code: B2, name: 群众满意度, points: 30, method: 问卷调查, rule: {type: ratio, target: 100}}",
                      "{code: B2, name: 群众满意度, points: 30, method: 问卷调查, rule: {type: rank, step: 0.1}}"))


@pytest.fixture
def ranked(cast, city, travel, assess):
    """A round of the rank scheme in scoring: the two streets, the department and four more streets, every
    leaf scored; B2 values drawn so that some tie."""
    with travel("2026-01-05"):
        streets = [unit_create(by=None, name=f"测试{i}街道", kind="street", parent=city["district"]) for i in range(4)]
        scheme, _v, _new = services.scheme_save(by=cast["office"], text=RANK_YAML)
        assess.scheme = scheme
        rnd = assess.round()
        rng = random.Random(7)
        for unit in [city["street_a"], city["street_b"], city["dept"], *streets]:
            assess.score(rnd, unit, {"A1": str(rng.randint(10, 20)), "A2": "达标", "A3": str(rng.randint(0, 4)),
                                     "B1": "良", "B2": str(rng.choice([70, 80, 80, 90, 95]))})
    return rnd


def card_points(office, rnd, unit):
    rnd = Round.objects.get(pk=rnd.pk)
    return dict(selectors.score_card(office, rnd, unit).preview.leaf_points)


def fresh_points(rnd, unit_id):
    """The unit's points as an appeal reads them (card.unit_preview: the unit's own rows read again)."""
    rnd = Round.objects.get(pk=rnd.pk)
    return dict(services.unit_preview(rnd, unit_id, approved_only=rnd.is_published).leaf_points)


def whole_round(rnd):
    """The reference: the engine over every unit of the round."""
    rnd = Round.objects.get(pk=rnd.pk)
    return {r.unit_id: dict(r.leaf_points) for r in services.results_compute(rnd, approved_only=rnd.is_published)}


def assert_cards_true(office, rnd):
    reference = whole_round(rnd)
    for ru in RoundUnit.objects.filter(round=rnd).select_related("unit"):
        if ru.unit_id in reference and reference[ru.unit_id]:
            assert card_points(office, rnd, ru.unit) == fresh_points(rnd, ru.unit_id) == reference[ru.unit_id], ru.unit


def test_stored_peer_points_are_used_until_a_score_changes(ranked, cast, city, assess, travel):
    office = cast["office"]
    rnd = ranked
    with travel("2026-01-20"):
        services.round_compute(by=office, round=rnd)
        rnd.refresh_from_db()
        assert rnd.peer_points_stale is False
        stored = Result.objects.get(round=rnd, unit=city["street_a"]).peer_points
        assert list(stored) == ["B2"] and Decimal(stored["B2"]) > 0
        assert_cards_true(office, rnd)
        # the card with stored points reads only the unit's own scores (no peer group): fewer queries
        r = Round.objects.select_related("version").get(pk=rnd.pk)
        with CaptureQueriesContext(connection) as stored_way:
            services.unit_preview(r, city["street_a"].pk, peer_points=stored)
        with CaptureQueriesContext(connection) as group_way:
            services.unit_preview(r, city["street_a"].pk)
        assert len(stored_way) < len(group_way)

        # another street's B2 changes: street_a's rank (and points) may change; the stored ones are stale
        before = card_points(office, rnd, city["street_a"])
        assess.score(rnd, city["street_b"], {"B2": "100"})
        rnd.refresh_from_db()
        assert rnd.peer_points_stale is True
        after = card_points(office, rnd, city["street_a"])
        assert after == fresh_points(rnd, city["street_a"].pk)
        index = [leaf.code for leaf in rnd.version.definition().leaves()].index("B2")
        assert after[index] != before[index] or before[index] == Decimal(30)
        assert_cards_true(office, rnd)

        # computed again: fresh
        services.round_compute(by=office, round=rnd)
        rnd.refresh_from_db()
        assert rnd.peer_points_stale is False
        assert_cards_true(office, rnd)

        # a returned score leaves the computation: stale again, cards still true
        services.scores_approve(by=office, round=rnd)
        rnd.refresh_from_db()
        assert rnd.peer_points_stale is False      # approving changes no value the card reads before publication
        from luoshi.assessment.models import Score

        score = Score.objects.get(round=rnd, unit=city["street_b"], indicator__code="B2", is_current=True)
        services.score_return(by=office, score=score, reason="请补充问卷原件")
        rnd.refresh_from_db()
        assert rnd.peer_points_stale is True
        assert_cards_true(office, rnd)


def test_publication_and_a_revised_appeal_store_the_cards_points(ranked, cast, city, assess, travel):
    office = cast["office"]
    with travel("2026-02-02"):
        rnd = assess.publish(ranked, note="区委办公室未评分")
        assert rnd.peer_points_stale is False
        assert_cards_true(office, rnd)
        # computing a published round again keeps the approved basis: still fresh
        services.round_compute(by=office, round=rnd)
        rnd.refresh_from_db()
        assert rnd.peer_points_stale is False
        assert_cards_true(office, rnd)
    with travel("2026-02-03"):
        appeal = services.appeal_file(by=cast["liaison_b"], round=rnd, unit=city["street_b"],
                                      indicator=assess.leaf(rnd, "B2"), reason="问卷样本有误")
    with travel("2026-02-04"):
        services.appeal_decide(by=office, appeal=appeal, revise=True, value="100", decision="核实后更正")
        rnd.refresh_from_db()
        assert Appeal.objects.get(pk=appeal.pk).state == "revised"
        assert rnd.peer_points_stale is False
        assert_cards_true(office, rnd)


def test_results_stored_before_the_peer_points_existed_fall_back_to_the_group(ranked, cast, city, travel):
    """Rows without peer points (stored before migration 0005, which also marks such rounds stale) never give
    a unit that has a rank-leaf value points it does not have."""
    office = cast["office"]
    with travel("2026-01-20"):
        services.round_compute(by=office, round=ranked)
        Result.objects.filter(round=ranked).update(peer_points={})
        r = Round.objects.get(pk=ranked.pk)
        assert r.peer_points_stale is False
        points = services.unit_preview(r, city["street_a"].pk, peer_points={})
        assert dict(points.leaf_points) == fresh_points(ranked, city["street_a"].pk)


def test_the_engine_takes_given_peer_points_as_the_group_would_give_them():
    """compute_points_round(only_unit, peer_points=…) equals the same unit computed with its whole group."""
    from luoshi.assessment.scheme import scheme_parse

    definition = scheme_parse(RANK_YAML)
    compiled = engine.compile_scheme(definition)
    rng = random.Random(3)
    units = [engine.UnitInput(unit_id=i, group="street",
                              values={leaf.index: Decimal(rng.choice([0, 5, 10, 20, 70, 80, 90]))
                                      for leaf in compiled.leaves if rng.random() > 0.1})
             for i in range(1, 9)]
    whole = {r.unit_id: r for r in engine.compute_points_round(compiled, units)}
    for u in units:
        alone = engine.compute_points_round(compiled, [u], only_unit=u.unit_id,
                                            peer_points=whole[u.unit_id].peer_points)[0]
        assert dict(alone.leaf_points) == dict(whole[u.unit_id].leaf_points)
        assert (alone.total, alone.earned, alone.subtotals) == (whole[u.unit_id].total, whole[u.unit_id].earned,
                                                                whole[u.unit_id].subtotals)


def test_a_card_without_stored_peer_points_counts_the_better_peers(ranked, cast, city, monkeypatch):
    """No results stored yet (a round in scoring or review): each card counts, per rank leaf, the peers with a
    better value in one query (card.card_preview) — the group is not read and ranked — and shows what the
    whole round's computation gives, ties included."""
    office = cast["office"]
    assert not Result.objects.filter(round=ranked).exists()
    reference = whole_round(ranked)
    monkeypatch.setattr(card, "_ranked_with_group", lambda *a, **k: pytest.fail("the peer group was read"))
    for ru in RoundUnit.objects.filter(round=ranked).select_related("unit"):
        if reference.get(ru.unit_id):
            assert card_points(office, ranked, ru.unit) == reference[ru.unit_id], ru.unit


def test_several_evaluators_values_of_a_rank_leaf_are_ranked_as_the_engine_aggregates_them(
        ranked, cast, city, assess, travel, second_evaluator, monkeypatch):
    """When a peer has two evaluators' values for a rank leaf, only the engine's aggregate (the scheme's
    multi_rater) ranks it: the card then reads the group as before and still shows the whole round's points."""
    office = cast["office"]
    with travel("2026-01-20"):
        services.evaluator_assign(by=office, round=ranked, person=second_evaluator)
        assess.score(ranked, city["street_b"], {"B2": "100"}, by=second_evaluator)   # mean with the first value
    assert_cards_true(office, ranked)
    calls = []
    group_way = card._ranked_with_group
    monkeypatch.setattr(card, "_ranked_with_group", lambda *a, **k: calls.append(a) or group_way(*a, **k))
    card_points(office, ranked, city["street_a"])
    assert calls


def test_the_better_peers_statement_counts_what_the_maintained_values_give(ranked):
    """card.rank_points_counted's written-out statement (ADR 0052) against a count in Python over the same
    RankValue rows: random groups, several rank leaves of either order, ties, fractional values, a member with
    several values (NULL: then None), a leaf nobody else has."""
    from types import SimpleNamespace

    from luoshi.assessment.models import Indicator, RankValue

    indicator_ids = list(Indicator.objects.filter(version=ranked.version_id, is_leaf=True)
                         .values_list("pk", flat=True))
    unit_ids = list(RoundUnit.objects.filter(round=ranked).values_list("unit_id", flat=True))
    rng = random.Random(11)
    values = [Decimal(v) for v in ("0", "0.5", "12.3456", "70", "80", "80.0001", "95", "-3.25")]
    nulls_seen = answers_seen = 0
    for _trial in range(40):
        RankValue.objects.filter(round=ranked).delete()
        rows = [RankValue(round=ranked, indicator_id=i, unit_id=u, group=rng.choice(["g1", "g2"]),
                          value=None if rng.random() < 0.03 else rng.choice(values))
                for i in indicator_ids for u in unit_ids if rng.random() < 0.8]
        RankValue.objects.bulk_create(rows)
        group = rng.choice(["g1", "g2"])
        leaves = [(SimpleNamespace(index=n, points=Decimal(10), rule=SimpleNamespace(order=rng.choice(["asc", "desc"]),
                                                                               step=Decimal("0.1"))),
                   indicator_id, rng.choice(values))
                  for n, indicator_id in enumerate(rng.sample(indicator_ids, rng.randint(1, len(indicator_ids))))]
        ids = {indicator_id for _leaf, indicator_id, _value in leaves}
        in_group = [r for r in rows if r.group == group and r.indicator_id in ids]
        if any(r.value is None for r in in_group):
            want = None
            nulls_seen += 1
        else:
            want = {leaf.index: engine.rank_points(leaf.points, 1 + sum(
                1 for r in in_group if r.indicator_id == indicator_id
                and (r.value > value if leaf.rule.order == "desc" else r.value < value)), leaf.rule.step)
                for leaf, indicator_id, value in leaves}
            answers_seen += 1
        assert card.rank_points_counted(ranked, unit_ids[0], group, leaves, approved_only=False) == want
    assert nulls_seen and answers_seen
