"""批示 scope over random unit trees and grants: `Instruction.objects.visible_to(scope)` is exactly what the 批示
page, the REST detail and the list answer; a unit never sees a 批示 addressed elsewhere; the list page's query count
does not grow with the number of 批示."""
from __future__ import annotations

import random

import pytest
from django.urls import reverse

from luoshi.instructions import selectors, services
from luoshi.instructions.models import Instruction, InstructionUnit
from luoshi.org.lookups import path_within
from luoshi.org.scopes import scope_for
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree
from luoshi.tasks import services as task_services


@pytest.fixture
def org(request, city, cast, program, travel):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 7)
    people = random_people(rng, units, 6, pairings=False)
    made = []
    with travel("2026-03-02"):
        for i in range(5):
            task = task_services.task_create(by=cast["office"], program=program["program"], data=task_services.TaskInput(
                title=f"随机任务{i}", lead_units=[rng.choice(units[1:])], deadline_phrase="6月底前"))
            addressed = rng.sample(units[1:], rng.randint(1, 2))
            made.append(services.instruction_create(by=rng.choice([cast["leader"], cast["office"]]),
                                                    target=f"tasks.task:{task.pk}", text=f"批示{i}", units=addressed,
                                                    deadline=None))
    return {"people": people + [cast["liaison_a"], cast["outsider"], cast["leader"]], "made": made}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_instruction_pages_and_list_answer_visible_to(org, client_for):
    def visible(person):
        return set(Instruction.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    assert_pages_match(client_for, org["people"], org["made"], visible=visible,
                       url=lambda i: reverse("instruction_detail", args=[i.pk]),
                       listed=lambda person: [r["id"] for r in selectors.instruction_rows(
                           selectors.instruction_list(user=person, tab="all"))])
    assert_pages_match(client_for, org["people"], org["made"], visible=visible,
                       url=lambda i: f"/api/instructions/{i.pk}")


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_a_liaison_sees_only_what_reaches_their_units(org):
    for person in org["people"]:
        scope = scope_for(person)
        if scope.is_admin or scope.paths_for("office", "leader"):
            continue
        seen = set(selectors.instructions_visible(person).values_list("pk", flat=True))
        reaching = {iu.instruction_id for iu in InstructionUnit.objects.all()
                    if path_within(iu.unit_path, scope.all_paths)}
        assert seen == reaching | set(Instruction.objects.filter(author=person).values_list("pk", flat=True))


def test_list_page_query_count_does_not_grow(city, cast, program, client_for, django_assert_max_num_queries):
    c = client_for(cast["leader"])

    def write(n):
        for i in range(n):
            services.instruction_create(by=cast["leader"], target=f"tasks.task:{program['task_a'].pk}",
                                        text=f"批示{i}", units=[city["street_a"], city["dept"]], deadline=None)

    write(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse("instruction_list") + "?tab=all").status_code == 200
    write(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get(reverse("instruction_list") + "?tab=all").status_code == 200
