"""Clause, enterprise and batch scope over random unit trees and grants: `visible_to(scope)` is exactly what
the pages and the lists answer (ADR 0010)."""
from __future__ import annotations

import random

import pytest

from luoshi.core import clock
from luoshi.org.models import Role
from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree
from luoshi.policies import selectors, services
from luoshi.policies.models import Clause, Enterprise, Policy, PayoutBatch

from .conftest import clause_input

ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON, Role.EVALUATOR)


@pytest.fixture
def org(request, city, cast, vocab):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 8)
    people = random_people(rng, units, 7, ROLES, pairings=False)
    regions = [city["district"], *rng.sample(units[1:], 2)]
    clauses, enterprises, batches = [], [], []
    for i, region in enumerate(regions):
        policy = Policy.objects.create(title=f"随机政策{i}", issuer="区政府", region=region, region_path=region.path,
                                       created_at=clock.now())
        for j in range(2):
            dept = rng.choice(units)
            c = services.clause_create(by=None, policy=policy, code=f"R{i}{j}", data=clause_input(
                vocab, city, dept=dept, is_published=rng.random() < 0.6,
                rules=f"注册地 = {region.name}\n上年营业收入 >= 100万元"))
            clauses.append(c)
    for k, unit in enumerate(rng.sample(units, 5)):
        enterprises.append(Enterprise.objects.create(
            credit_code=f"91370212MA{k:08d}", name=f"随机企业{k}", unit=unit, unit_path=unit.path,
            profile={"注册地": unit.name, "上年营业收入": "5000000"}, created_at=clock.now(), updated_at=clock.now()))
    for c in clauses[:3]:
        batches.append(services.batch_compute(by=None, clause=Clause.objects.get(pk=c.pk), period="2026"))
    return {"people": people + [cast["outsider"]], "clauses": clauses, "enterprises": enterprises, "batches": batches}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_pages_answer_visible_to(org, client_for):
    assert_pages_match(
        client_for, org["people"], org["clauses"],
        visible=lambda p: set(Clause.objects.visible_to(fresh_scope(p)).values_list("pk", flat=True)),
        url=lambda c: f"/policies/clauses/{c.pk}/",
        listed=lambda p: [c.pk for c in selectors.clause_list(user=p)])
    assert_pages_match(
        client_for, org["people"], org["enterprises"],
        visible=lambda p: set(Enterprise.objects.visible_to(fresh_scope(p)).values_list("pk", flat=True)),
        url=lambda e: f"/policies/enterprises/{e.pk}/",
        listed=lambda p: [e.pk for e in selectors.enterprise_list(user=p)])
    assert_pages_match(
        client_for, org["people"], org["batches"],
        visible=lambda p: set(PayoutBatch.objects.visible_to(fresh_scope(p)).values_list("pk", flat=True)),
        url=lambda b: f"/policies/batches/{b.pk}/",
        listed=lambda p: [b.pk for b in selectors.batch_list(user=p)])
