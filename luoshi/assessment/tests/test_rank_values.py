"""The maintained rank-leaf values (RankValue, ADR 0041) equal a recomputation from the scores after every kind of
write — scoring, a second evaluator's value, returning, approving, computing, importing, publishing, an appeal
revised — and a refused write leaves them as they were. The cards that count on them show what the whole round's
computation gives (test_peer_points checks the same along a round's life)."""
from __future__ import annotations

import io
import random

import openpyxl
import pytest

from luoshi.assessment import excel, rank_values, services
from luoshi.assessment.models import RankValue, Round, RoundUnit, Score, ScoreStatus
from luoshi.assessment.tests.test_peer_points import assert_cards_true, ranked  # noqa: F401 (a fixture)
from luoshi.core.errors import PermissionDeniedError, ServiceError

pytestmark = pytest.mark.django_db


def assert_maintained(rnd):
    rnd = Round.objects.get(pk=rnd.pk)
    assert rank_values.round_check(rnd) == []


def test_a_rank_value_row_per_unit_with_a_counted_score(ranked):
    rows = list(RankValue.objects.filter(round=ranked).values_list("unit_id", "indicator__code", "value"))
    assert len(rows) == Score.objects.filter(round=ranked, indicator__code="B2", is_current=True).count() > 0
    assert {code for _u, code, _v in rows} == {"B2"}
    assert all(value is not None for _u, _c, value in rows)
    assert_maintained(ranked)


@pytest.mark.parametrize("seed", range(4))
def test_maintained_values_equal_a_recomputation_after_random_writes(ranked, cast, city, assess, travel,
                                                                   second_evaluator, seed):
    """Random scoring (two evaluators, rank and other leaves), returns, approvals and computations: after each,
    the maintained rows equal the recomputation, and the cards are true."""
    rng = random.Random(seed)
    office = cast["office"]
    units = list(RoundUnit.objects.filter(round=ranked).select_related("unit").values_list("unit", flat=True))
    with travel("2026-01-20"):
        services.evaluator_assign(by=office, round=ranked, person=second_evaluator)
        for _step in range(12):
            action = rng.choice(["score", "score", "second", "return", "approve", "compute"])
            unit = ranked.participants.get(unit_id=rng.choice(units)).unit
            if action == "score":
                assess.score(ranked, unit, {rng.choice(["B2", "B2", "A1"]): str(rng.choice([70, 80, 90, 15]))})
            elif action == "second":
                assess.score(ranked, unit, {"B2": str(rng.choice([60, 80, 100]))}, by=second_evaluator)
            elif action == "return":
                score = (Score.objects.filter(round=ranked, is_current=True, indicator__code="B2")
                         .exclude(status=ScoreStatus.RETURNED).order_by("?").first())
                if score is not None:
                    services.score_return(by=office, score=score, reason="请核实")
            elif action == "approve":
                services.scores_approve(by=office, round=ranked)
            else:
                services.round_compute(by=office, round=ranked)
            assert_maintained(ranked)
        assert_cards_true(office, ranked)


def test_a_refused_write_leaves_them_as_they_were(ranked, cast, city, assess, travel):
    before = list(RankValue.objects.filter(round=ranked).order_by("pk").values_list("pk", "value"))
    with travel("2026-01-20"), pytest.raises((ServiceError, PermissionDeniedError)):
        assess.score(ranked, city["street_a"], {"B2": "88"}, by=cast["liaison_a"])     # not an evaluator
    with travel("2026-01-20"), pytest.raises(ServiceError):
        assess.score(ranked, city["street_a"], {"B2": "-1"})                           # not a valid value
    assert list(RankValue.objects.filter(round=ranked).order_by("pk").values_list("pk", "value")) == before


def test_returning_the_only_value_removes_the_row_and_rescoring_brings_it_back(ranked, cast, city, assess, travel):
    office = cast["office"]
    with travel("2026-01-20"):
        score = Score.objects.get(round=ranked, unit=city["street_a"], indicator__code="B2", is_current=True)
        services.score_return(by=office, score=score, reason="请核实")
        assert not RankValue.objects.filter(round=ranked, unit=city["street_a"]).exists()
        assert_cards_true(office, ranked)
        assess.score(ranked, city["street_a"], {"B2": "77"})
        assert RankValue.objects.get(round=ranked, unit=city["street_a"]).value == 77
    assert_maintained(ranked)


def _with_b2(data: bytes, value) -> bytes:
    """The score sheet with every unit's B2 cell set to `value`."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    column = next(c.column for c in ws[4] if str(c.value or "").startswith("B2 "))
    for row in range(5, ws.max_row + 1):
        ws.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_import_a_publication_and_an_appeal_keep_them(ranked, cast, city, assess, travel):
    office = cast["office"]
    with travel("2026-01-20"):
        data = excel.score_template_xlsx(user=office, round=ranked, evaluator=cast["evaluator"])
        report = excel.scores_import_xlsx(by=office, round=ranked, data=_with_b2(data, 66), evaluator=cast["evaluator"])
        assert report["created"] >= RoundUnit.objects.filter(round=ranked).count() - 1
        assert_maintained(ranked)
        assert set(RankValue.objects.filter(round=ranked).values_list("value", flat=True)) == {66}
        RankValue.objects.filter(round=ranked).delete()          # as if a bulk write had not maintained them
        assert rank_values.round_check(ranked)
        assert rank_values.round_rebuild(ranked) == RankValue.objects.filter(round=ranked).count() > 0
        assert_maintained(ranked)
        assess.score(ranked, city["street_a"], {"B2": "90"})
        published = assess.publish(Round.objects.get(pk=ranked.pk))
    assert_maintained(published)
    with travel("2026-01-22"):
        leaf = assess.leaf(published, "B2")
        appeal = services.appeal_file(by=cast["liaison_b"], round=published, unit=city["street_b"], indicator=leaf,
                                      reason="满意度调查样本有误")
        services.appeal_decide(by=office, appeal=appeal, revise=True, value="99", decision="核实后更正")
    assert_maintained(published)
    assert RankValue.objects.get(round=ranked, unit=city["street_b"], indicator=leaf).value == 99
