"""The score card's short-list flags on RoundUnit (card_lists.py, ADR 0049): after every kind of write — scores with
and without files, a second score carrying the files over, returns, adjustments, materials, publication, appeals,
consequences, refused writes, an import — no list that has rows has its flag unset, and each card reads exactly the
rows it read when it asked every list; a bulk write that forgets them is found by `round_check` and mended by
`round_rebuild`."""
from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.assessment import card_lists, excel, selectors, services
from luoshi.assessment.models import Consequence, Result, Round, RoundUnit, Score, ScoreStatus
from luoshi.assessment.tests.conftest import FULL_MARKS
from luoshi.core.compiled import statement_text
from luoshi.core.errors import PermissionDeniedError, ServiceError

pytestmark = pytest.mark.django_db

PDF = [("证明.pdf", b"%PDF-1.4 x")]


def shown(card) -> tuple:
    """What a card shows of its short lists."""
    return ([a.pk for a in card.adjustments], [a.pk for a in card.appeals], [c.pk for c in card.consequences],
            sorted((k or 0, [m.pk for m in ms]) for k, ms in card.materials.items()),
            sorted((s.pk, [f.pk for f in s.evidence]) for line in card.lines for s in line.scores),
            card.result and (card.result.pk, card.result.total, card.result.rank, card.result.peer_points))


def assert_maintained(office, rnd):
    """No list with rows has its flag unset, and every card shows what it shows when every list is read."""
    rnd = Round.objects.select_related("scheme__owner_unit", "scheme__region", "version").get(pk=rnd.pk)
    assert card_lists.round_check(rnd) == []
    for ru in RoundUnit.objects.filter(round=rnd).select_related("unit"):
        flagged = selectors.score_card(office, rnd, ru.unit)
        # and the result read on its own, not with the participant row (ADR 0055)
        alone = Result.objects.filter(round=rnd, unit=ru.unit).first()
        every = selectors.score_card(office, rnd, ru.unit, (ru.group, ru.excluded, set(card_lists.LISTS), alone))
        assert shown(flagged) == shown(every), ru.unit


@pytest.mark.parametrize("seed", range(4))
def test_flags_follow_random_writes(assess, cast, city, travel, second_evaluator, seed):
    rng = random.Random(seed)
    office = cast["office"]
    units = {"street_a": cast["liaison_a"], "street_b": cast["liaison_b"]}
    with travel("2026-01-05"):
        rnd = assess.round(state="collecting")
        services.evaluator_assign(by=office, round=rnd, person=second_evaluator)
        for _step in range(6):
            key = rng.choice(list(units))
            services.material_submit(by=units[key], round=rnd, unit=city[key], text="材料",
                                     indicator=assess.leaf(rnd, "A1") if rng.random() < 0.5 else None,
                                     files=PDF if rng.random() < 0.5 else ())
            assert_maintained(office, rnd)
            if rng.random() < 0.3:
                break
        rnd = services.round_advance(by=office, round=rnd, to="scoring")
        for _step in range(12):
            key = rng.choice(["street_a", "street_b", "dept"])
            action = rng.choice(["score", "score_file", "second", "return", "deduction", "bonus", "refused"])
            if action in ("score", "score_file", "second"):
                code = rng.choice(list(FULL_MARKS))
                services.score_record(by=second_evaluator if action == "second" else cast["evaluator"], round=rnd,
                                      unit=city[key], indicator=assess.leaf(rnd, code), value=FULL_MARKS[code],
                                      files=PDF if action == "score_file" else ())
            elif action == "return":
                score = (Score.objects.filter(round=rnd, is_current=True).exclude(status=ScoreStatus.RETURNED)
                         .order_by("?").first())
                if score is not None:
                    services.score_return(by=office, score=score, reason="请核实")
            elif action == "deduction":
                services.adjustment_add(by=office, round=rnd, unit=city[key], kind="deduction", item="N1")
            elif action == "bonus":
                services.adjustment_add(by=office, round=rnd, unit=city[key], kind="bonus", item="award",
                                        level="市级", files=PDF)
            else:
                before = list(RoundUnit.objects.filter(round=rnd).order_by("pk").values_list(*card_lists.FIELDS))
                with pytest.raises((ServiceError, PermissionDeniedError)):
                    services.adjustment_add(by=cast["liaison_a"], round=rnd, unit=city[key], kind="deduction",
                                            item="N1")
                with pytest.raises((ServiceError, PermissionDeniedError)):
                    services.material_submit(by=cast["liaison_a"], round=rnd, unit=city["street_b"], text="x")
                assert list(RoundUnit.objects.filter(round=rnd).order_by("pk")
                            .values_list(*card_lists.FIELDS)) == before
            assert_maintained(office, rnd)
        assess.score_all(rnd, {"street_a": {"B2": "60"}, "street_b": {}, "dept": {}})
        for score in Score.objects.filter(round=rnd, is_current=True, status=ScoreStatus.RETURNED).select_related(
                "evaluator", "unit", "indicator"):     # a returned score is scored again before publication
            services.score_record(by=score.evaluator, round=rnd, unit=score.unit, indicator=score.indicator,
                                  value=FULL_MARKS[score.indicator.code])
        published = assess.publish(Round.objects.get(pk=rnd.pk))
    assert_maintained(office, published)
    with travel("2026-01-06"):
        appeal = services.appeal_file(by=cast["liaison_a"], round=published, unit=city["street_a"],
                                      indicator=assess.leaf(published, "B2"), reason="样本有误",
                                      files=PDF if seed % 2 else ())
        assert_maintained(office, published)
        services.appeal_decide(by=office, appeal=appeal, revise=bool(seed % 2), value="80", decision="核实")
    assert_maintained(office, published)


def test_consequences_set_their_flag(assess, cast, city, travel):
    """The rule "bottom of 街道 two rounds running" proposes a consequence for street_a after the second round."""
    office = cast["office"]
    for month in (1, 2):
        with travel(f"2026-0{month}-05"):
            rnd = assess.round(name=f"2026年{month}月", start=f"2026-0{month}-01", end=f"2026-0{month}-28")
            assess.score_all(rnd, {"street_a": {"B2": "10"}, "street_b": {}, "dept": {}})
            rnd = assess.publish(rnd)
    assert Consequence.objects.filter(round=rnd, unit=city["street_a"]).exists()
    assert RoundUnit.objects.get(round=rnd, unit=city["street_a"]).has_consequences
    assert not RoundUnit.objects.get(round=rnd, unit=city["street_b"]).has_consequences
    assert_maintained(office, rnd)


def test_a_bulk_write_that_forgets_them_is_found_and_rebuilt(assess, cast, city, travel):
    office = cast["office"]
    with travel("2026-01-20"):
        rnd = assess.round()
        assess.score(rnd, city["street_a"], {"A1": "10"})
        services.score_record(by=cast["evaluator"], round=rnd, unit=city["street_b"], indicator=assess.leaf(rnd, "A1"),
                              value="12", files=PDF)
        services.adjustment_add(by=office, round=rnd, unit=city["street_a"], kind="deduction", item="N1")
        data = excel.score_template_xlsx(user=office, round=rnd, evaluator=cast["evaluator"])
        assert excel.scores_import_xlsx(by=office, round=rnd, data=data, evaluator=cast["evaluator"]) is not None
        assert_maintained(office, rnd)
        flags = list(RoundUnit.objects.filter(round=rnd).order_by("pk").values_list("unit_id", *card_lists.FIELDS))
        RoundUnit.objects.filter(round=rnd).update(**{field: False for field in card_lists.FIELDS})
        problems = card_lists.round_check(rnd)
        assert len(problems) == 2 and "adjustments" in problems[0] + problems[1] and "evidence" in "".join(problems)
        card_lists.round_rebuild(rnd)
        assert list(RoundUnit.objects.filter(round=rnd).order_by("pk")
                    .values_list("unit_id", *card_lists.FIELDS)) == flags
        assert_maintained(office, rnd)


def test_a_card_reads_only_the_lists_with_rows(assess, cast, city, client_for, travel):
    """A card whose unit has no adjustment, appeal, consequence, material or file asks no query about them; one
    with an adjustment reads the adjustments and nothing else of the short lists."""
    from django.urls import reverse

    office = client_for(cast["office"])
    with travel("2026-01-20"):
        rnd = assess.round()
        assess.score(rnd, city["street_a"], {"A1": "10"})
        services.adjustment_add(by=cast["office"], round=rnd, unit=city["street_a"], kind="deduction", item="N1")
        for key, read in (("street_b", set()), ("street_a", {"adjustment"})):
            with CaptureQueriesContext(connection) as q:
                assert office.get(reverse("assess_card", args=[rnd.pk, city[key].pk])).status_code == 200
            tables = {name for name in ("adjustment", "appeal", "consequence", "material", "score_evidence")
                      if any(f'"assessment_{name}"' in statement_text(x["sql"]) for x in q.captured_queries)}
            assert tables == read, key


def test_a_liaisons_card_asks_whether_they_evaluate_with_its_participant_row(assess, cast, city, client_for, travel):
    """Someone with no office role: whether they evaluate in the round is asked inside the card's participant
    row query (selectors.card_get), not by a statement of its own; a liaison who is assigned as an evaluator still
    gets the 评分 tab and the 加分/减分 forms, one who is not gets neither; the office is never asked."""
    from django.urls import reverse

    with travel("2026-01-20"):
        rnd = assess.round()
        assess.score(rnd, city["street_a"], {"A1": "10"})
        url = reverse("assess_card", args=[rnd.pk, city["street_a"].pk])
        score_tab = reverse("assess_score", args=[rnd.pk])

        def card(person):
            with CaptureQueriesContext(connection) as q:
                response = client_for(person).get(url)
            assert response.status_code == 200
            asked = [sql for sql in (statement_text(x["sql"]) for x in q.captured_queries)
                     if '"assessment_evaluatorassignment"' in sql]
            return response.content.decode(), asked, len(q.captured_queries)

        page, asked, n = card(cast["liaison_a"])
        assert len(asked) == 1 and '"assessment_roundunit"' in asked[0]
        assert score_tab not in page and "登记加分" not in page
        page, asked, _n = card(cast["office"])
        assert not asked and score_tab in page and "登记加分" in page
        services.evaluator_assign(by=cast["office"], round=rnd, person=cast["liaison_a"])
        page, asked, n_evaluator = card(cast["liaison_a"])
        assert len(asked) == 2 and n_evaluator == n + 1          # the assignments themselves: may_score reads them
        assert score_tab in page and "登记加分" in page
        assert client_for(cast["liaison_b"]).get(url).status_code == 404


def test_a_card_reads_its_result_with_its_participant_row(assess, cast, city, client_for, travel):
    """The stored result comes with the participant row (RoundUnit.result, one statement, ADR 0055): a published
    card and a card of a round without results each have exactly one statement that mentions the results table,
    the participant row's; the published card shows the stored total."""
    from django.urls import reverse

    def results_read(rnd, unit):
        with CaptureQueriesContext(connection) as q:
            response = client_for(cast["office"]).get(reverse("assess_card", args=[rnd.pk, unit.pk]))
        assert response.status_code == 200
        return response, [sql for sql in (statement_text(x["sql"]) for x in q.captured_queries)
                          if '"assessment_result"' in sql]

    with travel("2026-01-05"):
        published = assess.round()
        assess.score_all(published, {"street_a": {"A1": "12"}, "street_b": {}, "dept": {}})
        published = assess.publish(published)
    result = Result.objects.get(round=published, unit=city["street_a"])
    response, asked = results_read(published, city["street_a"])
    assert len(asked) == 1 and 'FROM "assessment_roundunit"' in asked[0]
    assert response.context["card"].result == result and response.context["totals"]["total"] == result.total
    with travel("2026-01-20"):
        rnd = assess.round()
        assess.score(rnd, city["street_a"], {"A1": "10"})
        response, asked = results_read(rnd, city["street_a"])
    assert len(asked) == 1 and 'FROM "assessment_roundunit"' in asked[0]
    assert response.context["card"].result is None and response.context["totals"]["stored"] is False
