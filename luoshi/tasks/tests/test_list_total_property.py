"""The task list's total (the pager's "共 N 项") read from the maintained tallies equals a count of the listed tasks,
for every person of random unit trees and grants — liaisons of one subtree (the `any` row of their unit), people
with 任务包联 or 责任领导 grants and several subtrees (counted) — every program and every status filter."""
from __future__ import annotations

import pytest

from luoshi.org.models import Person
from luoshi.org.scopes import scope_for
from luoshi.org.tests.scoping import SEEDS
from luoshi.tasks import selectors
from luoshi.tasks.models import TaskStatus

from .test_scope_property import org  # noqa: F401  (the random tree, people, programs and tasks)


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_list_total_is_the_count_of_the_list(org, travel):
    from luoshi.tasks.warnings import warnings_run

    with travel("2026-07-03"):  # some tasks red, some yellow: the status filters have something to count
        warnings_run(notify=False)
    from_tallies = 0
    for person in org["people"]:
        user = Person.objects.get(pk=person.pk)  # a fresh scope
        for program in org["programs"]:
            for status in ("", *TaskStatus.values):
                filters = selectors.TaskFilters(program=program, status=status)
                total = selectors.task_list_total(user=user, filters=filters)
                if total is not None:
                    from_tallies += 1
                    assert total == selectors.task_list(user=user, filters=filters).count(), \
                        (person.username, program.code, status)
    assert from_tallies  # the tallies answered for somebody (the office, a liaison)


def test_a_liaisons_total_comes_from_the_tallies(program, cast, django_assert_num_queries):
    program = program["program"]
    """A liaison of one unit, no 任务包联 in the program: the total is the unit's `any` row (no COUNT over the tasks),
    and a 任务包联 of a task in the program makes it count again (the tallies do not hold that grant)."""
    from luoshi.tasks.models import Task, TaskPairing

    liaison = Person.objects.get(pk=cast["liaison_a"].pk)
    filters = selectors.TaskFilters(program=program)
    expected = selectors.task_list(user=liaison, filters=filters).count()
    assert expected
    liaison = Person.objects.get(pk=liaison.pk)  # a new request
    scope_for(liaison)
    with django_assert_num_queries(1):  # the tally rows and "any 任务包联 here?" as one statement (program_reach)
        assert selectors.task_list_total(user=liaison, filters=filters) == expected
    with django_assert_num_queries(1):  # the COUNT alone: the reach is read once per request, the list asks again
        assert selectors.task_list(user=liaison, filters=filters).count() == expected
    other = Task.objects.filter(program=program).exclude(
        pk__in=selectors.task_list(user=liaison, filters=filters).values("pk")).first()
    TaskPairing.objects.create(task=other, helper_person=liaison)
    liaison = Person.objects.get(pk=liaison.pk)
    assert selectors.task_list_total(user=liaison, filters=filters) is None
    assert selectors.task_list(user=liaison, filters=filters).count() == expected + 1


@pytest.mark.parametrize("org", SEEDS, indirect=True)
def test_rows_carry_the_lists_total(org, cast, travel):
    """task_list_page_rows, the task list page's read: where the tallies keep the list's total it is given (the figure
    the reader's ProgramReach holds) or the rows carry it (read inside the rows' statement), and it is the number of
    listed tasks; where they do not, neither (the page counts). Every person of random trees and
    grants, every program, status, and the overview's links (lead unit subtree, own unit, 责任领导, top-level
    category), alone and combined."""
    from luoshi.programs.models import Program
    from luoshi.tasks import tallies
    from luoshi.tasks.models import Task, TaskAssignment
    from luoshi.tasks.warnings import warnings_run

    rng = org["rng"]
    for task in org["tasks"]:
        if rng.random() < 0.6:
            Task.objects.filter(pk=task.pk).update(category=rng.choice(["一、助企", "二、惠民"]))
        if rng.random() < 0.25:  # a subtask: outside the top-level category rows
            Task.objects.filter(pk=task.pk).update(parent=rng.choice([t for t in org["tasks"]
                                                                     if t.program_id == task.program_id and t != task]))
    with travel("2026-07-03"):
        warnings_run(notify=False)
    for task in org["tasks"]:  # every status somewhere (the tasks share one deadline: all red by now)
        Task.objects.filter(pk=task.pk).update(status=rng.choice(TaskStatus.values))
    for program in org["programs"]:  # the tallies of those statuses, categories and parents
        tallies.program_rebuild(Program.objects.get(pk=program.pk))
    units = list(TaskAssignment.objects.values_list("unit", flat=True).distinct().order_by("unit"))
    from luoshi.org.models import Unit

    in_statement = 0  # totals read inside the rows' statement (the others: the figure of the reader's ProgramReach)
    for person in [*org["people"], cast["office"], cast["leader"]]:
        for program in org["programs"]:
            choices = [{}, {"unit": rng.choice(units), "lead_only": True}, {"leader": rng.choice(org["people"])},
                       {"category": "一、助企", "top_level": True}, {"category": "二、惠民", "top_level": True},
                       {"unit": rng.choice(units), "lead_only": True, "own_unit": True},
                       {"unit": rng.choice(units), "leader": rng.choice(org["people"])}, {"q": "随机"}]
            for extra in choices:
                for status in ("", *TaskStatus.values):
                    kwargs = dict(extra)
                    if "unit" in kwargs:
                        kwargs["unit"] = Unit.objects.get(pk=kwargs["unit"])
                    filters = selectors.TaskFilters(program=program, status=status, **kwargs)
                    user = Person.objects.get(pk=person.pk)  # a fresh scope
                    page_rows, given = selectors.task_list_page_rows(user=user, filters=filters)
                    rows = list(page_rows)
                    total = selectors.task_list_total(user=user, filters=filters)
                    assert len(rows) == selectors.task_list(user=user, filters=filters).count()
                    assert given is None or given == total
                    if not rows:
                        continue
                    if given is not None or total is None:
                        assert selectors.LISTED_TOTAL not in rows[0], (person.username, program.code, extra, status)
                    else:
                        in_statement += 1
                        assert "tasks_tasktally" in str(page_rows.query)
                        assert {r[selectors.LISTED_TOTAL] for r in rows} == {total}, (person.username, program.code)
                    assert total is None or total == len(rows), (person.username, program.code, extra, status)
    assert in_statement
