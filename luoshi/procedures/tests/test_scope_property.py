"""Case scope over random unit trees and grants: `Case.objects.visible_to(scope)` is exactly what the case page and
the case list answer."""
from __future__ import annotations

import random

import pytest

from luoshi.org.models import Role
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree
from luoshi.procedures import selectors
from luoshi.procedures.models import Case
from luoshi.procedures.services import case_start

ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON)


@pytest.fixture
def org(request, land, pingdu):
    rng = random.Random(request.param)
    units = random_tree(rng, pingdu["units"]["nancun"], 8)
    people = random_people(rng, units, 7, ROLES, pairings=False)
    cases = [case_start(by=pingdu["people"]["pd_office"], definition=land, unit=rng.choice(units), title=f"随机地块{i}",
                        fields={"area_mu": "10", "land_use": "industrial", "grade": "outer_first", "method": "auction"})
             for i in range(5)]
    return {"people": people + [pingdu["people"]["renzhao"], pingdu["people"]["nr"]], "cases": cases, "land": land}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_case_pages_answer_visible_to(org, client_for):
    def visible(person):
        return set(Case.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    assert_pages_match(client_for, org["people"], org["cases"], visible=visible,
                       url=lambda c: f"/procedures/cases/{c.pk}/",
                       listed=lambda person: selectors.cases_for(person, code=org["land"].code).values_list("pk", flat=True))
