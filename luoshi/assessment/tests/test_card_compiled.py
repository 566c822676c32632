"""The score card's reads compiled once per process (core.compiled, ADR 0061): for every participant of a round at
each step — collecting, scored by two evaluators, returned, published, appealed — the compiled reads give exactly
what their querysets give (the participant row with its round, scheme, units, version, result and the evaluator
question; the indicators; the unit's current scores with their people)."""
from __future__ import annotations

import pytest
from django.db import connection

from luoshi.assessment import selectors, services
from luoshi.assessment.models import RoundUnit, Score, ScoreStatus
from luoshi.core.compiled import CompiledRead, statement_text

pytestmark = pytest.mark.django_db


def _row(ru) -> tuple:
    rnd = ru.round
    return (ru.pk, ru.group, ru.excluded, ru.has_adjustments, ru.has_appeals, ru.has_consequences, ru.has_materials,
            ru.has_evidence, ru.unit_id, ru.unit.path, ru.unit.name,
            rnd.pk, rnd.state, rnd.revision, rnd.published_at, rnd.appeal_deadline, rnd.peer_points_stale,
            rnd.scheme.pk, rnd.scheme.owner_unit.path, rnd.scheme.region.path, rnd.version.pk, rnd.version.source,
            ru.result and (ru.result.pk, ru.result.total, ru.result.rank, ru.result.figures, ru.result.peer_points),
            getattr(ru, "evaluates", None), ru._state.db, ru._state.adding, rnd._state.adding)


def assert_compiled_reads_match(rnd, people):
    for ru in RoundUnit.objects.filter(round=rnd):
        for person in people:
            assert ([_row(r) for r in selectors.CARD_ROW_ASKING.objects(rnd.pk, ru.unit_id, person.pk)]
                    == [_row(r) for r in selectors.CARD_ROW_ASKING.queryset(rnd.pk, ru.unit_id, person.pk)])
        assert ([_row(r) for r in selectors.CARD_ROW.objects(rnd.pk, ru.unit_id)]
                == [_row(r) for r in selectors.CARD_ROW.queryset(rnd.pk, ru.unit_id)] != [])
        scores = selectors.CARD_SCORES.rows(rnd.pk, ru.unit_id)
        assert scores == list(selectors.CARD_SCORES.queryset(rnd.pk, ru.unit_id))
        assert all(type(r) is tuple for r in scores)
    indicators = selectors.CARD_INDICATORS.rows(rnd.version_id)
    assert indicators == list(selectors.CARD_INDICATORS.queryset(rnd.version_id)) != []


def test_the_compiled_card_reads_give_what_their_querysets_give(assess, cast, city, travel, second_evaluator):
    office, liaison = cast["office"], cast["liaison_a"]
    people = [office, liaison, second_evaluator]
    with travel("2026-01-05"):
        rnd = assess.round(state="collecting")
        services.evaluator_assign(by=office, round=rnd, person=second_evaluator)
        assert_compiled_reads_match(rnd, people)
        rnd = services.round_advance(by=office, round=rnd, to="scoring")
        assess.score(rnd, city["street_a"], {"A1": "10"})
        services.score_record(by=second_evaluator, round=rnd, unit=city["street_a"], indicator=assess.leaf(rnd, "A1"),
                              value="8", note="第二位")
        services.adjustment_add(by=office, round=rnd, unit=city["street_b"], kind="deduction", item="N1")
        score = Score.objects.filter(round=rnd, unit=city["street_a"], is_current=True).first()
        services.score_return(by=office, score=score, reason="再看看")
        assert_compiled_reads_match(rnd, people)
        assess.score_all(rnd, {"street_a": {"A1": "12"}, "street_b": {}, "dept": {}})
        rnd = assess.publish(rnd)
        assert Score.objects.filter(round=rnd, status=ScoreStatus.APPROVED).exists()
        assert_compiled_reads_match(rnd, people)


def test_an_id_no_column_holds_reads_nothing_and_a_missing_row_is_none(assess, cast, city, travel):
    with travel("2026-01-05"):
        rnd = assess.round()
    assert selectors.CARD_ROW.objects(2**63, city["street_a"].pk) == []
    assert selectors.CARD_ROW.objects(rnd.pk, -2**63 - 1) == []
    assert selectors.CARD_ROW.objects(rnd.pk, 10**9) == list(selectors.CARD_ROW.queryset(rnd.pk, 10**9)) == []
    assert selectors.CARD_SCORES.rows(rnd.pk, 10**9) == []


def test_each_compiled_read_is_one_statement_prepared_on_postgresql(assess, cast, city, travel):
    from django.test.utils import CaptureQueriesContext

    with travel("2026-01-05"):
        rnd = assess.round()
    with CaptureQueriesContext(connection) as q:
        selectors.CARD_ROW.objects(rnd.pk, city["street_a"].pk)
        selectors.CARD_ROW.objects(rnd.pk, city["street_b"].pk)
    sql = [x["sql"] for x in q.captured_queries]
    assert len(sql) == 2
    if connection.vendor == "postgresql":
        assert all(s.startswith("EXECUTE luoshi_card_row(") for s in sql)
        assert all(statement_text(s) == selectors.CARD_ROW.statement(connection.alias).sql for s in sql)
    else:
        assert all('FROM "assessment_roundunit"' in s and statement_text(s) == s for s in sql)


def test_a_read_whose_shape_depends_on_an_argument_is_refused():
    """An argument that is not a parameter of the SQL (here it picks the ordering) cannot be compiled."""
    read = CompiledRead("luoshi_test_shape", RoundUnit,
                        lambda group: RoundUnit.objects.order_by("group" if group else "pk").values_list("pk"), (str,))
    with pytest.raises(ValueError, match="not parameters"):
        read.rows("a")
    with pytest.raises(ValueError, match="exists"):
        CompiledRead("luoshi_test_shape", RoundUnit, lambda: RoundUnit.objects.all(), ())
