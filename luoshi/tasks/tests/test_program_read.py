"""program_get's written-out statement (tasks/program_read.py, ADR 0059) reads what the ORM reads: the program and its
owner unit and one-to-one relations as `select_related` makes them, and the reader's ProgramReach as the union of
querysets it replaced — for every person of random unit trees and grants, every program, on both databases."""
from __future__ import annotations

from collections import defaultdict

import pytest
from django.db.models import QuerySet, Value
from django.http import Http404

from luoshi.org.lookups import path_unit_id
from luoshi.org.models import Person, Role
from luoshi.org.tests.scoping import SEEDS, fresh_scope
from luoshi.programs.models import Program
from luoshi.tasks import selectors, tallies
from luoshi.tasks.models import TaskTally, assignment_grant_paths, pairings_granting
from luoshi.tasks.program_read import ProgramReach, program_reach_read, program_read

from .test_scope_property import org  # noqa: F401  (the random tree, people, programs and tasks)


def orm_reach(scope, program) -> ProgramReach:
    """The ProgramReach as the ORM read it before ADR 0059 (a union of three querysets)."""
    unit_paths = assignment_grant_paths(scope)
    if scope.person_id is None:
        return ProgramReach(unit_paths=[], assigned={}, leads=False, paired=False)
    fields = ("dimension", "key", "status", "n")
    tally = TaskTally.objects.filter(program_id=program.pk, n__gt=0).order_by()
    parts: list[QuerySet] = [
        pairings_granting(scope).filter(task__program_id=program.pk).order_by()
        .annotate(dimension=Value("paired"), key=Value(""), status=Value(""), n=Value(1)).values_list(*fields)]
    if unit_paths:
        parts.append(tally.filter(dimension=tallies.ANY, key__in=[path_unit_id(p) for p in unit_paths])
                     .values_list(*fields))
    if scope.paths_for(Role.LEADER):
        parts.append(tally.filter(dimension=tallies.LEADER, key=str(scope.person_id)).values_list(*fields))
    first, *rest = parts
    assigned: dict[str, dict[str, int]] = defaultdict(dict)
    leads = paired = False
    for dimension, key, status, n in first.union(*rest, all=True):
        if dimension == tallies.ANY:
            assigned[key][status] = n
        elif dimension == tallies.LEADER:
            leads = True
        else:
            paired = True
    return ProgramReach(unit_paths=unit_paths, assigned=dict(assigned), leads=leads, paired=paired)


def fields_of(obj) -> dict:
    """Every concrete field's value and its type (a date read as text, a flag as 0/1 would differ here)."""
    return {f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname)))
            for f in type(obj)._meta.concrete_fields}


def assert_same_program(read: Program | None, orm: Program | None, related: tuple[str, ...]) -> None:
    assert (read is None) == (orm is None)
    if read is None or orm is None:
        return
    assert fields_of(read) == fields_of(orm)
    assert fields_of(read.owner_unit) == fields_of(orm.owner_unit)
    assert (read._state.db, read._state.adding) == (orm._state.db, orm._state.adding)
    assert set(read._state.fields_cache) == set(orm._state.fields_cache)
    for name in related:
        assert hasattr(read, name) == hasattr(orm, name)
        if hasattr(orm, name):
            ours, theirs = getattr(read, name), getattr(orm, name)
            assert fields_of(ours) == fields_of(theirs)
            assert set(ours._state.fields_cache) == set(theirs._state.fields_cache)  # the program on the relation


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_the_statement_reads_the_program_and_the_reach_the_orm_reads(org, cast, travel):
    from luoshi.ledger.models import LedgerConfig
    from luoshi.tasks.warnings import warnings_run

    with travel("2026-07-03"):  # statuses besides normal: the `any` rows hold several statuses
        warnings_run(notify=False)
    with_ledger = org["programs"][0]
    LedgerConfig.objects.create(program=with_ledger, sheet_prefix="督办", deadline_days={"general": 7},
                                ladder=[{"after_days": 3}])
    archived = Program.objects.filter(pk=org["programs"][1].pk)
    codes = [p.code for p in org["programs"]] + ["no-such-program"]
    reaches = 0
    for person in [*org["people"], cast["office"], cast["leader"], cast["liaison_a"], cast["outsider"]]:
        scope = fresh_scope(person)
        for code in codes:
            for related in ((), ("ledger",)):
                orm = Program.objects.filter(is_archived=False, code=code).select_related("owner_unit", *related).first()
                for reach in (False, True):
                    program, read_reach = program_read(scope, code, related, reach=reach)
                    assert_same_program(program, orm, related)
                    if orm is None or not reach or orm.wholly_visible_to(scope):  # whole: no reach needed, none read
                        assert read_reach is None, (person.username, code)
                        continue
                    expected = orm_reach(scope, orm)
                    assert read_reach == expected, (person.username, code)
                    assert program_reach_read(scope, orm) == expected, (person.username, code)
                    reaches += bool(expected.assigned) + expected.leads + expected.paired
    assert reaches  # somebody reached a program by assignment, as a 责任领导 or by 任务包联
    archived.update(is_archived=True)
    assert program_read(fresh_scope(cast["office"]), org["programs"][1].code) == (None, None)


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_program_get_answers_program_list(org, cast):
    """program_get opens the program exactly when program_list holds it, and 404 otherwise."""
    for person in [*org["people"], cast["office"], cast["liaison_a"], cast["outsider"]]:
        listed = set(selectors.program_list(user=Person.objects.get(pk=person.pk)).values_list("code", flat=True))
        for program in org["programs"]:
            user = Person.objects.get(pk=person.pk)  # a new request
            try:
                got = selectors.program_get(user=user, code=program.code, related=("ledger",))
            except Http404:
                got = None
            assert (got is not None) == (program.code in listed), (person.username, program.code)


def test_a_liaisons_program_and_reach_are_one_statement(program, cast, django_assert_num_queries):
    """A liaison (no role that reads a program whole): the program, its owner unit, its ledger and their reach in one
    statement; the task list's later questions about the reach ask nothing more."""
    p = program["program"]
    user = Person.objects.get(pk=cast["liaison_a"].pk)
    scope = selectors.scope_for(user)
    with django_assert_num_queries(1):
        got = selectors.program_get(user=user, code=p.code, related=("ledger",))
        assert not hasattr(got, "ledger") and got.owner_unit.pk == p.owner_unit_id
        reach = selectors.program_reach(scope, got)
        assert reach.by_assignment_only and reach.reads_tasks
    office = Person.objects.get(pk=cast["office"].pk)
    selectors.scope_for(office)
    with django_assert_num_queries(1):  # the office reads the program whole: no reach
        selectors.program_get(user=office, code=p.code, related=("ledger",))


def test_a_district_leader_reads_another_districts_program_and_reach_in_one_statement(city, cast,
                                                                                      django_assert_num_queries):
    """A reader with a role that reads programs whole, but not at the tree's root (a district's leader): a program of
    another district comes with their reach there in the same statement, and decides by it."""
    from luoshi.org.services import grant_role, person_create
    from luoshi.tasks import services

    office = person_create(by=None, username="office_other", full_name="市南区督查室", unit=city["other_district"])
    grant_role(by=None, person=office, role="office", unit=city["other_district"])
    other = services.program_create(by=office, code="other-district", name="市南区专项", year=2026,
                                    owner_unit=city["other_district"])
    services.task_create(by=office, program=other, data=services.TaskInput(
        title="市南区任务", lead_units=[city["other_district"]], leaders=[cast["leader"]], deadline_phrase="6月底前"))
    leader = Person.objects.get(pk=cast["leader"].pk)
    scope = selectors.scope_for(leader)
    with django_assert_num_queries(1):
        got = selectors.program_get(user=leader, code=other.code)
        reach = selectors.program_reach(scope, got)
    assert reach.leads and not got.wholly_visible_to(scope)
    outsider = Person.objects.get(pk=cast["liaison_b"].pk)
    selectors.scope_for(outsider)
    with pytest.raises(Http404):  # nothing of it reaches a street's liaison of the other district
        selectors.program_get(user=outsider, code=other.code)


def test_the_statement_reads_the_same_unprepared(program, cast, settings):
    """As it runs without core.prepared (a pooler in transaction mode: LUOSHI_PG_PREPARED_PER_REQUEST=0): the text
    with its parameters bound by the driver (lists as arrays, NULL keys) reads what the prepared statement reads."""
    p = program["program"]
    read = {}
    for prepared_per_request in (True, False):
        settings.LUOSHI_PG_PREPARED_PER_REQUEST = prepared_per_request
        for person in (cast["liaison_a"], cast["office"], cast["leader"], cast["outsider"]):
            scope = fresh_scope(person)
            program_got, reach = program_read(scope, p.code, ("ledger",), reach=True)
            read.setdefault(person.username, []).append((fields_of(program_got), reach, program_reach_read(scope, p)))
    for username, (prepared_read, plain_read) in read.items():
        assert prepared_read == plain_read, username
    assert read["liaison_a"][0][1] is not None and read["office"][0][1] is None  # the office reads it whole
