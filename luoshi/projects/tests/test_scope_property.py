"""Project scope over random unit trees, grants and 包联: `Project.objects.visible_to(scope)` is exactly what the
project page answers and what the project lists (of the programs the user reads) show."""
from __future__ import annotations

import random

import pytest

from luoshi.org.models import Role
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree
from luoshi.projects import selectors, services
from luoshi.projects.models import Project

ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)


@pytest.fixture
def org(request, proj, city, travel):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 8)
    people = random_people(rng, units, 7, ROLES)
    projects = []
    with travel("2026-01-07"):
        for i in range(6):
            data = services.ProjectInput(
                code=f"R-{i}", name=f"随机项目{i}", type="industry", district=city["district"],
                lead_unit=rng.choice(units), builder_name="某公司", builder_unit=rng.choice([None, *units]),
                approval_units=rng.sample(units, rng.randint(0, 2)),
                leader=rng.choice([None, *people]), team=rng.sample(people, rng.randint(0, 2)))
            projects.append(services.project_save(by=proj["city_office"], program=proj["program"], data=data))
    return {"people": people + [proj["city_office"]], "projects": projects}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_project_pages_answer_visible_to(org, client_for):
    def visible(person):
        return set(Project.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    def listed(person):
        return [p.pk for program in selectors.programs_for(person) for p in selectors.project_list(person, program)]

    assert_pages_match(client_for, org["people"], org["projects"], visible=visible,
                       url=lambda p: f"/projects/p/{p.pk}/", listed=listed)
