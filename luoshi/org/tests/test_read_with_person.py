"""The scope and the header's figures read in the signed-in person's statement (core.sessions.person_read_register,
ADR 0063): the same scope as its own statement and as the ORM (random organisations with grants and 包联), the same
header figures, two fixed statements per signed-in page, and a page that wrote something before it rendered reads
the header again."""
from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from luoshi.core import notify
from luoshi.core.sessions import PersonBackend
from luoshi.org.context_processors import header_figures, header_for
from luoshi.org.lookups import outermost
from luoshi.org.models import Pairing, Person, Role, RoleGrant
from luoshi.org.scopes import PAIRED, Scope, scope_for
from luoshi.org.services import grant_role

from .scoping import SEEDS, random_people, random_tree


def _orm_scope(person: Person) -> Scope:
    """The scope built from the ORM: the grants, and the pairings where the person helps (themselves or through a
    unit inside one where they hold a role)."""
    paths: dict[str, list[str]] = {}
    for role, path in RoleGrant.objects.filter(person=person).values_list("role", "unit__path"):
        paths.setdefault(role, []).append(path)
    held = [p for ps in paths.values() for p in ps]
    paired = {pr.target_unit.path for pr in Pairing.objects.select_related("target_unit", "helper_unit")
              if pr.helper_person_id == person.pk
              or (pr.helper_unit is not None and any(pr.helper_unit.path.startswith(h) for h in held))}
    return Scope(person_id=person.pk, is_admin=bool(person.is_superuser or paths.get(Role.ADMIN)),
                 paths={k: outermost(v) for k, v in paths.items()}, paired_unit_paths=tuple(sorted(paired)))


def _comparable(scope: Scope):
    return scope.person_id, scope.is_admin, scope.paths, sorted(scope.paired_unit_paths)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_scope_read_with_the_person_is_the_scope(city, seed, django_assert_num_queries):
    rng = random.Random(seed)
    units = random_tree(rng, city["city"], 12)
    people = random_people(rng, units, 10, max_grants=3)
    for person in people:
        person.refresh_from_db()
        with django_assert_num_queries(1):
            signed_in = PersonBackend().get_user(person.pk)
        with django_assert_num_queries(0):  # no statement of its own
            read_with = scope_for(signed_in)
        plain = Person.objects.get(pk=person.pk)
        with django_assert_num_queries(1):
            own = scope_for(plain)
        assert read_with == own
        assert _comparable(read_with) == _comparable(_orm_scope(person)), (seed, person.username)
        assert read_with.paths.keys() <= set(Role.values) and PAIRED not in read_with.paths


def test_a_person_without_roles_or_unit_reads_an_empty_scope(city, django_assert_num_queries):
    from luoshi.org.services import person_create

    nobody = person_create(by=None, username="nobody", full_name="无角色", unit=None)
    signed_in = PersonBackend().get_user(nobody.pk)
    with django_assert_num_queries(0):
        assert scope_for(signed_in) == Scope(person_id=nobody.pk)
    assert header_for(RequestFactory().get("/"), signed_in) == {"unit_name": "", "unread": 0}


def test_the_header_read_with_the_person_is_the_header(cast, django_assert_num_queries):
    liaison = cast["liaison_a"]
    for title in ("一", "二"):
        notify.notify_one(recipient=liaison, kind="test", title=title, url="/", dedup_key=title)
    signed_in = PersonBackend().get_user(liaison.pk)
    expected = header_figures(liaison)
    assert expected == {"unit_name": liaison.unit.name, "unread": 2}
    with django_assert_num_queries(0):
        assert header_for(RequestFactory().get("/"), signed_in) == expected


def test_a_request_that_may_have_written_reads_the_header_again(cast, django_assert_num_queries):
    liaison = cast["liaison_a"]
    signed_in = PersonBackend().get_user(liaison.pk)
    notify.notify_one(recipient=liaison, kind="test", title="一", url="/", dedup_key="一")  # after the person's read
    with django_assert_num_queries(1):
        assert header_for(RequestFactory().post("/"), signed_in)["unread"] == 1


def test_a_grant_after_the_person_was_read_is_in_the_scope(cast, city):
    liaison = cast["liaison_a"]
    signed_in = PersonBackend().get_user(liaison.pk)
    grant_role(by=None, person=signed_in, role=Role.LEADER, unit=city["street_b"])
    assert scope_for(signed_in).paths[Role.LEADER] == (city["street_b"].path,)


def test_a_signed_in_page_makes_two_fixed_statements(cast):
    c = Client()
    c.force_login(cast["office"])
    c.get("/accounts/password/done/")
    with CaptureQueriesContext(connection) as captured:
        r = c.get("/accounts/password/done/")
    assert r.status_code == 200
    html = r.content.decode()
    assert cast["office"].unit.name in html and "刘晓燕" in html  # the header: unit name, person
    assert len(captured) == 2, [q["sql"] for q in captured.captured_queries]  # the session, the person with the rest
