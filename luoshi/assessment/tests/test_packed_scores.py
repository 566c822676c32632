"""The maintained packed scores (PackedScores, ADR 0045) equal a recomputation from the scores after every kind of
write — scoring, a second evaluator's value, returning, approving some or all, computing, importing, publishing, an
appeal revised — and a refused write leaves them as they were. The round's computation, which reads them, gives
every unit what its own scores give (card.unit_preview reads the unit's scores), from all counted scores and from
approved ones only."""
from __future__ import annotations

import random

import pytest

from luoshi.assessment import excel, packed_scores, services
from luoshi.assessment.models import PackedScores, Round, RoundUnit, Score, ScoreStatus
from luoshi.assessment.tests.test_peer_points import assert_cards_true, ranked  # noqa: F401 (a fixture)
from luoshi.assessment.tests.test_rank_values import _with_b2
from luoshi.core.errors import PermissionDeniedError, ServiceError

pytestmark = pytest.mark.django_db

VALUES = {"A1": [0, 2, 12, 15, 19.5], "A3": [0, 1, 3], "B2": [5, 15, 60, 80, 90, 100]}    # valid values to draw from


def assert_maintained(rnd):
    rnd = Round.objects.get(pk=rnd.pk)
    assert packed_scores.round_check(rnd) == []


def assert_computed_from_scores(rnd):
    """Every unit's leaf points and subtotals from the packed rows equal those from its own scores, on both bases."""
    rnd = Round.objects.get(pk=rnd.pk)
    for approved_only in (False, True):
        for r in services.results_compute(rnd, approved_only=approved_only):
            own = services.unit_preview(rnd, r.unit_id, approved_only=approved_only)
            assert (dict(r.leaf_points), r.subtotals) == (dict(own.leaf_points), own.subtotals), (r.unit_id,
                                                                                                  approved_only)


def snapshot(rnd):
    return list(PackedScores.objects.filter(round=rnd).order_by("pk")
                .values_list("pk", "unit_id", "indicator_ids", "values", "unapproved"))


def test_a_row_per_unit_with_counted_scores(ranked):
    rows = snapshot(ranked)
    scored = set(Score.objects.filter(round=ranked, is_current=True).values_list("unit_id", flat=True))
    assert {unit_id for _pk, unit_id, *_rest in rows} == scored and len(rows) == len(scored) > 0
    # ids in order, values as the ORM reads them, none approved yet
    _pk, unit_id, ids, values, unapproved = rows[0]
    current = sorted(Score.objects.filter(round=ranked, unit_id=unit_id, is_current=True)
                     .values_list("indicator_id", "value"))
    assert ids == ",".join(str(i) for i, _v in current) and values == ",".join(str(v) for _i, v in current)
    assert unapproved == len(current)
    assert_maintained(ranked)


@pytest.mark.parametrize("seed", range(4))
def test_maintained_rows_equal_a_recomputation_after_random_writes(ranked, cast, city, assess, travel,
                                                                  second_evaluator, seed):
    """Random scoring (two evaluators), returns, approvals (some scores, all) and computations: after each, the
    maintained rows equal the recomputation; at the end the computation is what each unit's own scores give."""
    rng = random.Random(seed)
    office = cast["office"]
    units = list(RoundUnit.objects.filter(round=ranked).values_list("unit", flat=True))
    with travel("2026-01-20"):
        services.evaluator_assign(by=office, round=ranked, person=second_evaluator)
        for _step in range(14):
            action = rng.choice(["score", "score", "second", "return", "approve_some", "approve", "compute"])
            unit = ranked.participants.get(unit_id=rng.choice(units)).unit
            if action == "score":
                code = rng.choice(["B2", "A1", "A3"])
                assess.score(ranked, unit, {code: str(rng.choice(VALUES[code]))})
            elif action == "second":
                code = rng.choice(["B2", "A1"])
                assess.score(ranked, unit, {code: str(rng.choice(VALUES[code]))}, by=second_evaluator)
            elif action == "return":
                score = (Score.objects.filter(round=ranked, is_current=True)
                         .exclude(status=ScoreStatus.RETURNED).order_by("?").first())
                if score is not None:
                    services.score_return(by=office, score=score, reason="请核实")
            elif action == "approve_some":
                ids = list(Score.objects.filter(round=ranked, is_current=True, status=ScoreStatus.SUBMITTED)
                           .order_by("?").values_list("pk", flat=True)[:3])
                services.scores_approve(by=office, round=ranked, score_ids=ids)
            elif action == "approve":
                services.scores_approve(by=office, round=ranked)
            else:
                services.round_compute(by=office, round=ranked)
            assert_maintained(ranked)
        assert_computed_from_scores(ranked)
        assert_cards_true(office, ranked)


def test_a_unit_with_scores_not_yet_approved_is_computed_from_its_approved_ones(ranked, cast, city, assess, travel,
                                                                             second_evaluator):
    office = cast["office"]
    with travel("2026-01-20"):
        services.scores_approve(by=office, round=ranked)
        assert not PackedScores.objects.filter(round=ranked, unapproved__gt=0).exists()
        services.evaluator_assign(by=office, round=ranked, person=second_evaluator)
        assess.score(ranked, city["street_a"], {"B2": "10", "A1": "1"}, by=second_evaluator)
    assert PackedScores.objects.get(round=ranked, unit=city["street_a"]).unapproved == 2
    assert_maintained(ranked)
    assert_computed_from_scores(ranked)
    rnd = Round.objects.get(pk=ranked.pk)
    everything = {r.unit_id: r.total for r in services.results_compute(rnd)}
    approved = {r.unit_id: r.total for r in services.results_compute(rnd, approved_only=True)}
    assert everything[city["street_a"].pk] != approved[city["street_a"].pk]


def test_a_refused_write_leaves_them_as_they_were(ranked, cast, city, assess, travel):
    before = snapshot(ranked)
    with travel("2026-01-20"), pytest.raises((ServiceError, PermissionDeniedError)):
        assess.score(ranked, city["street_a"], {"B2": "88"}, by=cast["liaison_a"])     # not an evaluator
    with travel("2026-01-20"), pytest.raises(ServiceError):
        assess.score(ranked, city["street_a"], {"A1": "-1"})                           # not a valid value
    own = list(Score.objects.filter(round=ranked, evaluator=cast["evaluator"]).values_list("pk", flat=True)[:2])
    with travel("2026-01-20"), pytest.raises((ServiceError, PermissionDeniedError)):
        services.scores_approve(by=cast["evaluator"], round=ranked, score_ids=own)    # not the office
    assert snapshot(ranked) == before


def test_returning_every_score_removes_the_row_and_rescoring_brings_it_back(ranked, cast, city, assess, travel):
    office = cast["office"]
    with travel("2026-01-20"):
        for score in Score.objects.filter(round=ranked, unit=city["street_a"], is_current=True):
            services.score_return(by=office, score=score, reason="请核实")
        assert not PackedScores.objects.filter(round=ranked, unit=city["street_a"]).exists()
        assess.score(ranked, city["street_a"], {"A1": "17"})
        row = PackedScores.objects.get(round=ranked, unit=city["street_a"])
        assert (row.indicator_ids, row.unapproved) == (str(assess.leaf(ranked, "A1").pk), 1)
        assert_computed_from_scores(ranked)
    assert_maintained(ranked)


def test_an_import_a_publication_and_an_appeal_keep_them(ranked, cast, city, assess, travel):
    office = cast["office"]
    with travel("2026-01-20"):
        data = excel.score_template_xlsx(user=office, round=ranked, evaluator=cast["evaluator"])
        report = excel.scores_import_xlsx(by=office, round=ranked, data=_with_b2(data, 66), evaluator=cast["evaluator"])
        assert report["created"] > 0
        assert_maintained(ranked)
        PackedScores.objects.filter(round=ranked).delete()          # as if a bulk write had not maintained them
        assert packed_scores.round_check(ranked)
        assert packed_scores.round_rebuild(ranked) == PackedScores.objects.filter(round=ranked).count() > 0
        assert_maintained(ranked)
        assess.score(ranked, city["street_a"], {"B2": "90"})
        published = assess.publish(Round.objects.get(pk=ranked.pk))
    assert_maintained(published)
    assert not PackedScores.objects.filter(round=published, unapproved__gt=0).exists()
    with travel("2026-01-22"):
        leaf = assess.leaf(published, "B2")
        appeal = services.appeal_file(by=cast["liaison_b"], round=published, unit=city["street_b"], indicator=leaf,
                                      reason="满意度调查样本有误")
        services.appeal_decide(by=office, appeal=appeal, revise=True, value="99", decision="核实后更正")
    assert_maintained(published)
    assert_computed_from_scores(published)
