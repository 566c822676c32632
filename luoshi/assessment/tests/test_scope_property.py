"""Assessment scope over random unit trees and grants: `Scheme/Round/RoundUnit.objects.visible_to(scope)` is
exactly what the scheme, round and score card pages, the REST round detail and the lists answer."""
from __future__ import annotations

import random

import pytest

from luoshi.assessment import selectors, services
from luoshi.assessment.models import Round, RoundState, RoundUnit, Scheme
from luoshi.assessment.permissions import reads_card
from luoshi.org.models import Person, Role
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree

ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)


@pytest.fixture
def org(request, city, cast, assess, travel):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 5) + [city[k] for k in ("street_a", "street_b", "dept", "office_unit")]
    people = random_people(rng, units, 8, ROLES, pairings=False)
    rounds = []
    with travel("2026-02-03"):
        for i, state in enumerate(("draft", "collecting", "scoring", "scoring")):
            rnd = assess.round(name=f"2026年{i + 1}月", start=f"2026-0{i + 1}-01", end=f"2026-0{i + 1}-28",
                               state=state)
            for p in people:
                if rng.random() < 0.15:
                    services.evaluator_assign(by=cast["office"], round=rnd, person=p)
            rounds.append(rnd)
        published = assess.publish(rounds[-1]) if rng.random() < 0.5 else None
        if published is not None:
            rounds[-1] = published
    return {"people": people, "rounds": rounds, "scheme": assess.scheme}


def ids(qs):
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_round_pages_and_lists_answer_visible_to(org, client_for):
    people, rounds = org["people"], org["rounds"]
    assert_pages_match(client_for, people, [org["scheme"]], url=lambda s: f"/assess/schemes/{s.pk}/",
                       visible=lambda person: ids(Scheme.objects.visible_to(fresh_scope(person))),
                       listed=lambda person: [s.pk for s in selectors.schemes_visible(person)])

    def rounds_listed(person):
        return [r.pk for rs in selectors.rounds_listed(person, [org["scheme"]]).values() for r in rs]

    visible = lambda person: ids(Round.objects.visible_to(fresh_scope(person)))  # noqa: E731
    assert_pages_match(client_for, people, rounds, visible=visible, url=lambda r: f"/assess/rounds/{r.pk}/",
                       listed=rounds_listed)
    assert_pages_match(client_for, people, rounds, visible=visible, url=lambda r: f"/api/assessment/rounds/{r.pk}")


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_score_card_pages_answer_visible_to(org, client_for):
    rounds = org["rounds"]
    cards = list(RoundUnit.objects.filter(round__in=rounds).select_related("round"))

    def listed(person):
        return [ru.pk for rnd in Round.objects.visible_to(fresh_scope(person)).filter(pk__in=[r.pk for r in rounds])
                for ru in selectors.round_participants(person, rnd)]

    assert_pages_match(client_for, org["people"], cards, url=lambda ru: f"/assess/rounds/{ru.round_id}/units/{ru.unit_id}/",
                       visible=lambda person: ids(RoundUnit.objects.visible_to(fresh_scope(person))), listed=listed)


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_reads_card_is_visible_to_for_a_participant_row(org):
    """The card page decides on the row it read (selectors.card_get): permissions.reads_card must say what
    `RoundUnit.objects.visible_to` says, row by row (the page alone would not show a refusal too many: it then
    asks round_unit_get)."""
    cards = list(RoundUnit.objects.filter(round__in=org["rounds"])
                 .select_related("round__scheme__owner_unit", "round__scheme__region", "unit"))
    for person in org["people"]:
        visible = ids(RoundUnit.objects.visible_to(fresh_scope(person)))
        fresh = Person.objects.get(pk=person.pk)
        assert {ru.pk for ru in cards if reads_card(fresh, ru.round, ru.unit)} == {ru.pk for ru in cards} & visible


def test_a_draft_round_stays_closed_to_a_liaison_of_a_participant(assess, cast, client_for, travel):
    """The list never showed a liaison a draft round; its page (and their unit's card) no longer opens either."""
    with travel("2026-02-03"):
        draft = assess.round(state="draft")
        scoring = assess.round(name="2026年2月", start="2026-02-01", end="2026-02-28", state="scoring")
    liaison = client_for(cast["liaison_a"])
    street = assess.unit("street_a")
    assert draft.state == RoundState.DRAFT
    assert liaison.get(f"/assess/rounds/{draft.pk}/").status_code == 404
    assert liaison.get(f"/assess/rounds/{draft.pk}/units/{street.pk}/").status_code == 404
    assert liaison.get(f"/assess/rounds/{scoring.pk}/units/{street.pk}/").status_code == 200
    assert liaison.get(f"/assess/rounds/{scoring.pk}/units/{assess.unit('street_b').pk}/").status_code == 404
