"""Shared helpers for the scope tests: random unit trees, random people with random role grants and 包联, and
the check that a model's `visible_to(scope)` is exactly what its page (or API detail) and its list answer.

Seeded random (not timing, not hypothesis' shrinking over a database): each seed builds one organisation, so a
failure names the seed that reproduces it."""
from __future__ import annotations

import random

from django.db import IntegrityError, transaction

from luoshi.core.errors import ServiceError
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import Scope, scope_for
from luoshi.org.services import grant_role, pairing_create, person_create, unit_create

SEEDS = (1, 2, 3)
KINDS = ("street", "department", "community")
STAFF_ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR, Role.DISPATCHER)


def random_tree(rng: random.Random, root: Unit, n: int) -> list[Unit]:
    """`root` and `n` new units below it, each under a random earlier one."""
    units = [root]
    for i in range(n):
        units.append(unit_create(by=None, name=f"随机单位{i}", kind=rng.choice(KINDS), parent=rng.choice(units)))
    return units


def random_people(rng: random.Random, units: list[Unit], n: int, roles=STAFF_ROLES, *, max_grants: int = 2,
                  pairings: bool = True) -> list[Person]:
    """`n` people, each with 0..max_grants grants of a random role over a random unit; some 包联 pairings."""
    people = []
    for i in range(n):
        p = person_create(by=None, username=f"random{i}", full_name=f"随机{i}", unit=rng.choice(units))
        for _ in range(rng.randint(0, max_grants)):
            try:
                with transaction.atomic():
                    grant_role(by=None, person=p, role=rng.choice(roles), unit=rng.choice(units))
            except IntegrityError:   # the same grant twice
                pass
        people.append(p)
    if pairings:
        for _ in range(rng.randint(0, 2)):
            target = rng.choice(units)
            others = [u for u in units if u.pk != target.pk]  # a unit cannot 包联 itself (pairing_create refuses)
            try:
                with transaction.atomic():
                    if rng.random() < 0.5 or not others:
                        pairing_create(by=None, target_unit=target, helper_person=rng.choice(people))
                    else:
                        pairing_create(by=None, target_unit=target, helper_unit=rng.choice(others))
            except ServiceError:  # the same pairing twice
                pass
    return people


def fresh_scope(person: Person) -> Scope:
    """The person's scope as a new request computes it."""
    return scope_for(Person.objects.get(pk=person.pk))


def assert_pages_match(client_for, people, objects, *, visible, url, listed=None, refused=(403, 404)):
    """For every person and object: the page answers 200 exactly when `visible(person)` (a set of pks, from
    `Model.objects.visible_to`) holds the object, else a refusal; and `listed(person)` (the pks the list
    shows, restricted to `objects`) equals the objects whose page opens."""
    wrong = []
    for person in people:
        ids = visible(person)
        client = client_for(person)
        opens = set()
        for obj in objects:
            status = client.get(url(obj)).status_code
            if status == 200:
                opens.add(obj.pk)
            if (obj.pk in ids) != (status == 200) or (status != 200 and status not in refused):
                wrong.append((person.username, obj.pk, obj.pk in ids, status))
        if listed is not None:
            shown = set(listed(person)) & {o.pk for o in objects}
            if shown != opens:
                wrong.append((person.username, "list", sorted(shown), sorted(opens)))
    assert not wrong, f"(person, object, in visible_to, page status): {wrong}"
