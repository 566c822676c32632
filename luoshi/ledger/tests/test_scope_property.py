"""Ledger scope over random unit trees and grants: `Finding/AssignmentSheet.objects.visible_to(scope)` is exactly
what the finding and sheet pages, the REST finding detail and the lists answer."""
from __future__ import annotations

import random

import pytest

from luoshi.ledger import selectors
from luoshi.ledger.models import AssignmentSheet, Finding, FindingStatus, InspectionGroup
from luoshi.org.models import Person, Unit
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree


@pytest.fixture
def org(request, city, findings, ledger_program, travel):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 8)
    people = random_people(rng, units, 7)
    group = InspectionGroup.objects.create(program=ledger_program, name="随机督导组")
    group.members.add(*[p for p in people if rng.random() < 0.2])
    with travel("2026-03-02"):
        recorded = [findings.record(rng.choice(units[1:]), f"随机问题{i}") for i in range(8)]
        findings.issue([f for f in recorded if rng.random() < 0.5])
    return {"people": people, "units": units, "findings": Finding.objects.filter(pk__in=[f.pk for f in recorded]),
            "sheets": list(AssignmentSheet.objects.filter(program=ledger_program)), "program": ledger_program}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_finding_pages_and_list_answer_visible_to(org, client_for):
    def visible(person):
        return set(Finding.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    def listed(person):
        return selectors.finding_list(user=person, program=org["program"],
                                      filters=selectors.FindingFilters()).values_list("pk", flat=True)

    objects = list(org["findings"])
    assert_pages_match(client_for, org["people"], objects, visible=visible, url=lambda f: f"/ledger/findings/{f.pk}/",
                       listed=listed)
    assert_pages_match(client_for, org["people"], objects, visible=visible,
                       url=lambda f: f"/api/ledger/findings/{f.pk}")


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_sheet_pages_and_list_answer_visible_to(org, client_for):
    def visible(person):
        return set(AssignmentSheet.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    assert_pages_match(client_for, org["people"], org["sheets"], visible=visible,
                       url=lambda s: f"/ledger/sheets/{s.pk}/",
                       listed=lambda person: selectors.sheet_list(user=person, program=org["program"])
                       .values_list("pk", flat=True))


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_the_list_total_from_the_counts_is_the_length_of_the_list(org):
    """The findings list's total read from the maintained counts (selectors.finding_list_total: the unit rows of
    the person's subtrees and 包联 units, within a unit filter) equals the length of the list it heads, for every
    person, status and unit filter over random trees, grants and pairings."""
    program, wrong = org["program"], []
    units = [None, *Unit.objects.filter(pk__in={a for u in org["units"] for a in u.ancestor_ids()} |
                                               {u.pk for u in org["units"]})]
    for person in org["people"]:
        person = Person.objects.get(pk=person.pk)  # a new request's scope
        for unit in units:
            for status in ("", FindingStatus.RECORDED, FindingStatus.ASSIGNED):
                filters = selectors.FindingFilters(status=status, unit=unit)
                listed = selectors.finding_list(user=person, program=program, filters=filters).count()
                total = selectors.finding_list_total(user=person, program=program, filters=filters)
                if total != listed:
                    wrong.append((person.username, unit and unit.name, status, total, listed))
    assert not wrong, wrong
