"""Task and program scope over random unit trees and grants: `Task/Program.objects.visible_to(scope)` is
exactly what the task page, the REST task detail, the program page and the task lists answer."""
from __future__ import annotations

import random

import pytest
from django.db import connection

from luoshi.org.tests.scoping import SEEDS, assert_pages_match, fresh_scope, random_people, random_tree
from luoshi.programs.models import Program
from luoshi.tasks import selectors, services, tallies
from luoshi.tasks.models import Task, TaskAssignment, TaskPairing


@pytest.fixture
def org(request, city, cast, travel):
    rng = random.Random(request.param)
    units = random_tree(rng, city["district"], 8)
    people = random_people(rng, units, 7)
    programs, tasks = [], []
    with travel("2026-01-05"):
        for i in range(2):
            program = services.program_create(by=cast["office"], code=f"random-{i}", name=f"随机专项{i}", year=2026,
                                              owner_unit=rng.choice(units[1:]))
            programs.append(program)
            for j in range(4):
                leaders = [p for p in people if rng.random() < 0.2]
                task = services.task_create(by=cast["office"], program=program, data=services.TaskInput(
                    title=f"随机任务{i}-{j}", lead_units=[rng.choice(units[1:])],
                    coop_units=[u for u in units[1:] if rng.random() < 0.15], leaders=leaders,
                    deadline_phrase="6月底前"))
                if rng.random() < 0.3:
                    TaskPairing.objects.create(task=task, helper_unit=rng.choice(units))
                if rng.random() < 0.2:
                    TaskPairing.objects.create(task=task, helper_person=rng.choice(people))
                tasks.append(task)
    return {"people": people, "programs": programs, "tasks": tasks, "rng": rng}


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_task_page_and_list_answer_visible_to(org, client_for):
    def visible(person):
        return set(Task.objects.visible_to(fresh_scope(person)).filter(is_archived=False).values_list("pk", flat=True))

    def listed(person):
        return [t.pk for program in org["programs"]
                for t in selectors.task_list(user=person, filters=selectors.TaskFilters(program=program))]

    assert_pages_match(client_for, org["people"], org["tasks"], visible=visible, url=lambda t: f"/tasks/{t.pk}/",
                       listed=listed)
    assert_pages_match(client_for, org["people"], org["tasks"], visible=visible, url=lambda t: f"/api/tasks/{t.pk}",
                       listed=lambda person: selectors.tasks_visible(person).values_list("pk", flat=True))


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_program_page_and_list_answer_visible_to(org, client_for):
    def visible(person):
        return set(Program.objects.visible_to(fresh_scope(person)).values_list("pk", flat=True))

    assert_pages_match(client_for, org["people"], org["programs"], visible=visible,
                       url=lambda p: f"/programs/{p.code}/",
                       listed=lambda person: selectors.program_list(user=person).values_list("pk", flat=True))


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_manageable_by_is_the_office_over_the_owner_unit(org):
    """The queryset and the Python shortcut (Program.manageable_by / wholly_visible_to) agree."""
    for person in org["people"]:
        scope = fresh_scope(person)
        managed = set(Program.objects.manageable_by(scope).values_list("pk", flat=True))
        whole = set(Program.objects.wholly_visible_to(scope).values_list("pk", flat=True))
        for program in org["programs"]:
            assert (program.pk in managed) == program.manageable_by(scope)
            assert (program.pk in whole) == program.wholly_visible_to(scope)
        # the rows of a task (assignments here; requests and reports share the queryset) decide it in Python too
        parts = set(TaskAssignment.objects.manageable_by(scope).values_list("pk", flat=True))
        assert parts == set(TaskAssignment.objects.filter(task__program__in=Program.objects.manageable_by(scope))
                            .values_list("pk", flat=True)), person.username


def test_task_visibility_is_built_once_per_request(program, cast, city, django_assert_num_queries):
    """The programs read whole are looked up once per request (the scope lives on the request's user);
    every later list of the same request asks only its own query."""
    from luoshi.org.models import Person
    from luoshi.org.scopes import ANONYMOUS, scope_for

    services.program_create(by=None, code="other-district", name="市南区专项", year=2026,
                            owner_unit=city["other_district"])
    user = Person.objects.get(pk=cast["office"].pk)
    first = set(Task.objects.visible_to(scope_for(user)).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        again = set(Task.objects.visible_to(scope_for(user)).values_list("pk", flat=True))
    assert first == again == {program[k].pk for k in ("task_a", "task_b", "task_dept")}
    assert not Task.objects.visible_to(ANONYMOUS).exists()
    assert "tasks.Task.visible_to" not in ANONYMOUS._memo


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_workbench_counts_and_lists_are_the_visible_tasks(org, travel):
    """工作台 over random trees, grants, 责任领导 and 包联 of tasks: its 红黄绿 counts (maintained tallies, and only the
    programs the tallies say a person's one-by-one grants reach) and its red/yellow lists are the tasks the person
    may open."""
    from luoshi.org.models import Person
    from luoshi.tasks.warnings import warnings_run

    with travel("2026-06-28"):  # some tasks yellow (due within the warning days)
        warnings_run(notify=False)
    for tasks in ([], org["tasks"][::3], org["tasks"][1::3]):
        if not tasks:  # first every other task yellow (no progress reported: all are red), the tallies recounted
            Task.objects.filter(pk__in=[t.pk for t in org["tasks"][1::2]]).update(status="yellow")
            # and some without a deadline: the lists are read in parts (with and without a deadline, per grant) and
            # merged, NULL sorted as the database sorts it
            Task.objects.filter(pk__in=[t.pk for t in org["tasks"][::4]]).update(deadline=None)
            for program in org["programs"]:
                tallies.program_rebuild(program)
        else:
            with travel("2026-07-03"):  # these red (past 6月底前)
                Task.objects.filter(pk__in=[t.pk for t in tasks]).update(deadline="2026-06-30")
                warnings_run(notify=False)
        for person in org["people"]:
            person = Person.objects.get(pk=person.pk)  # no scope kept from another round
            visible = Task.objects.visible_to(fresh_scope(person)).filter(is_archived=False)
            assert selectors.workbench_counts(fresh_scope(person)) == selectors.status_counts(visible), person.username
            board = selectors.workbench(user=Person.objects.get(pk=person.pk))
            for status, key in (("red", "red_tasks"), ("yellow", "due_soon")):
                expected = list(visible.filter(status=status).order_by("deadline", "id").values_list("pk", flat=True))
                if key in board:
                    assert [t["id"] for t in board[key]] == expected[:20], (person.username, status)
                # the first two only (the lists stop at 20; here at 2, to test the order across the parts they are
                # read in: programs read whole, programs reached by assignment, tasks granted one by one)
                scope = fresh_scope(person)
                reach = None if scope.is_admin or scope.person_id is None else selectors._reach(scope)
                if reach is not None:
                    selectors.workbench_counts(scope, reach)
                parts = selectors._visible_with_status(scope, reach, status)
                first_two = selectors._first_by_deadline({"list": parts}, 2)["list"]
                assert [t["id"] for t in first_two] == expected[:2], (person.username, status)
            if "my_tasks" in board:  # a liaison's lists: the assignments in their subtrees, of open tasks
                mine = (TaskAssignment.objects.filter(unit_path__within=fresh_scope(person).paths_for("liaison"),
                                                      task__is_archived=False).exclude(task__status="closed"))
                # every list in the same order: deadline, task, assignment (the lists read only the programs the
                # tallies name; the order and the rows are those of all the subtree's assignments)
                for key, qs in (("my_tasks", mine), ("to_acknowledge", mine.filter(acknowledged_at=None)),
                                ("my_red", mine.filter(task__status="red")),
                                ("my_due_soon", mine.filter(task__status="yellow"))):
                    expected = list(qs.order_by("task__deadline", "task_id", "id")
                                    .values_list("task_id", "unit__name", "role")[:20])
                    assert [(a["task_id"], a["unit__name"], a["role"]) for a in board[key]] == expected, \
                        (person.username, key)
            if "led_tasks" in board:
                led = (Task.objects.filter(leaders=person, is_archived=False).exclude(status="closed")
                       .order_by("deadline", "id").values_list("pk", flat=True))
                assert [t["id"] for t in board["led_tasks"]] == list(led[:20]), person.username


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_every_compiled_workbench_read_gives_what_its_queryset_gives(org, travel, cast, program, monkeypatch):
    """The 工作台's statements are compiled reads, one per shape (ADR 0064): over random trees, grants, 包联 and
    责任领导, and people of every role (an administrator, the office of the fixed cast too), each read the 工作台 makes
    gives exactly the rows its queryset (the ORM, the same build with the same values) gives — in the statement's
    order where it has one — for the tallies, the red/yellow/led lists, the pending requests and a liaison's read."""
    from collections import Counter

    from luoshi.core.compiled import CompiledRead
    from luoshi.org.models import Person
    from luoshi.tasks.warnings import warnings_run

    seen: Counter = Counter()
    plain_rows, plain_dicts = CompiledRead.rows, CompiledRead.dicts

    def compared(read):
        def check(self, *args):
            got = read(self, *args)
            expected = list(self.queryset(*args))
            ordered = " LIMIT " in self.statement("default").sql  # (each part's ORDER BY … LIMIT; else unordered)
            assert (got == expected) if ordered else (Counter(map(repr, got)) == Counter(map(repr, expected))), \
                (self.name, args)
            seen[self.name.rsplit("_", 1)[0]] += 1
            return got
        return check

    monkeypatch.setattr(CompiledRead, "rows", compared(plain_rows))
    monkeypatch.setattr(CompiledRead, "dicts", compared(plain_dicts))
    with travel("2026-06-28"):
        warnings_run(notify=False)
    Task.objects.filter(pk__in=[t.pk for t in org["tasks"][1::2]]).update(status="yellow")
    Task.objects.filter(pk__in=[t.pk for t in org["tasks"][::4]]).update(deadline=None)
    for p in [*org["programs"], program["program"]]:
        tallies.program_rebuild(p)
    admin = Person.objects.create_superuser(username="random-admin", password="x")
    # one read subtree but roles in two (a liaison who also dispatches elsewhere): the 包联 units' paths as one parameter
    from luoshi.org.services import grant_role, person_create

    two = person_create(by=None, username="random-two", full_name="两处", unit=cast["liaison_a"].unit)
    grant_role(by=None, person=two, role="liaison", unit=cast["liaison_a"].unit)
    grant_role(by=None, person=two, role="dispatcher", unit=org["tasks"][0].program.owner_unit)
    TaskPairing.objects.create(task=org["tasks"][0], helper_unit=org["tasks"][0].program.owner_unit)
    two_reach = selectors._reach(fresh_scope(two))
    assert [p.key for p in two_reach.reached or []] == [("reached_pairing_paths",)]
    for person in [*org["people"], admin, two, cast["office"], cast["leader"], cast["liaison_a"]]:
        selectors.workbench(user=Person.objects.get(pk=person.pk))
    # every family of the 工作台's reads was compared (the program owner paths, read by every scope, too)
    assert {"luoshi_wb_tallies", "luoshi_wb_lists" if connection.vendor == "postgresql" else "luoshi_wb_part",
            "luoshi_wb_liaison", "luoshi_program_owner"} <= set(seen), seen
