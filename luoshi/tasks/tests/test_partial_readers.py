"""The task list and the 工作台 of readers who read part of a program (ADR 0046): the program's assignments read by
their copy of the task's program, the total from the tallies for a 责任领导 who leads no task there, and a leader's
我负责的任务 read in two parts (tasks with and without a deadline) in the order of one ORDER BY."""
from __future__ import annotations

from luoshi.org.models import Person
from luoshi.org.scopes import scope_for
from luoshi.tasks import selectors, services
from luoshi.tasks.models import Task, TaskAssignment


def test_assignments_copy_their_tasks_program(program, city, cast):
    other = services.program_create(by=cast["office"], code="other-2026", name="另一专项", year=2026,
                                    owner_unit=city["office_unit"])
    task = services.task_create(by=cast["office"], program=other, data=services.TaskInput(
        title="另一任务", lead_units=[city["street_b"]], deadline_phrase="6月底前"))
    services.task_update(by=cast["office"], task=task, data=services.TaskInput(
        title="另一任务", lead_units=[city["street_a"]], coop_units=[city["dept"]], deadline_phrase="6月底前"))
    pairs = set(TaskAssignment.objects.values_list("program_id", "task__program_id"))
    assert pairs == {(program["program"].pk, program["program"].pk), (other.pk, other.pk)}


def test_a_leader_of_part_of_a_program_reads_its_total_from_the_tallies(program, city, cast,
                                                                         django_assert_num_queries):
    """A 责任领导 of a street reads a district program's tasks assigned there: the total is the street's `any` row
    while they lead no task of the program, and is counted once they lead one outside their street."""
    from luoshi.org.services import grant_role, person_create

    p = program["program"]
    leader = person_create(by=None, username="street_leader", full_name="钱进", unit=city["street_a"])
    grant_role(by=None, person=leader, role="leader", unit=city["street_a"])
    filters = selectors.TaskFilters(program=p)
    user = Person.objects.get(pk=leader.pk)
    listed = [t.pk for t in selectors.task_list(user=user, filters=filters)]
    assert listed == [program["task_a"].pk, program["task_dept"].pk]  # assigned in the street (lead, coop)
    user = Person.objects.get(pk=leader.pk)
    scope_for(user)
    with django_assert_num_queries(1):  # program_reach: the tally rows and 任务包联, one statement
        assert selectors.task_list_total(user=user, filters=filters) == 2
    assert selectors.task_list_total(user=user, filters=selectors.TaskFilters(program=p, status="normal")) == 2

    services.task_update(by=cast["office"], task=program["task_b"], data=services.TaskInput(
        title=program["task_b"].title, lead_units=[city["street_b"]], leaders=[leader], deadline_phrase="9月底前"))
    user = Person.objects.get(pk=leader.pk)
    assert selectors.task_list_total(user=user, filters=filters) is None  # a grant one by one: counted
    assert [t.pk for t in selectors.task_list(user=user, filters=filters)] == [
        program["task_a"].pk, program["task_b"].pk, program["task_dept"].pk]


def test_a_program_read_only_through_an_archived_task_still_opens(program, city, cast):
    """The tallies hold no archived task: a reader whose only task of the program is archived is asked of the rows
    (as before), and the program opens with an empty list."""
    p = program["program"]
    Task.objects.filter(pk=program["task_b"].pk).update(is_archived=True)
    user = Person.objects.get(pk=cast["liaison_b"].pk)
    assert selectors.program_get(user=user, code=p.code) == p
    assert list(selectors.task_list(user=user, filters=selectors.TaskFilters(program=p))) == []


def test_led_open_tasks_are_in_deadline_order_with_and_without_a_deadline(program, city, cast):
    """Tasks without a deadline sort as the database sorts NULL (first on SQLite, last on PostgreSQL); whichever part
    comes first, a short limit is filled from it alone and a long one from both, as one ORDER BY would."""
    p = program["program"]
    leader = cast["leader"]
    for i, phrase in enumerate(["长期坚持", "3月底前", "长期坚持", "12月底前", "持续推进", "6月底前"]):
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title=f"领导任务{i}", lead_units=[city["street_a"]], leaders=[leader], deadline_phrase=phrase))
    led = (Task.objects.filter(leaders=leader, is_archived=False).exclude(status="closed")
           .order_by("deadline", "id").values_list("pk", flat=True))
    assert Task.objects.filter(leaders=leader, deadline=None).count() >= 3
    for limit in (1, 2, 3, 4, 6, 20):
        assert [t["id"] for t in selectors._task_lists({}, leader.pk, limit)["led_tasks"]] == list(led[:limit]), limit
    board = selectors.workbench(user=Person.objects.get(pk=leader.pk))
    assert [t["id"] for t in board["led_tasks"]] == list(led[:20])


def test_a_liaisons_lists_cut_from_one_read_are_the_lists_read_one_by_one(program, city, cast, travel, monkeypatch):
    """Few open tasks: the four lists come from one read of the subtree's assignments; many (here: any), each is its
    own query; both are the first 20 of the assignments so filtered, in deadline, task, assignment order."""
    from luoshi.tasks.warnings import warnings_run

    p = program["program"]
    for i, phrase in enumerate(["长期坚持", "3月底前", "6月底前", "7月10日前", "12月底前"] * 5):
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title=f"街道任务{i}", lead_units=[city["street_a"]], deadline_phrase=phrase))
    with travel("2026-07-03"):  # some red (past 6月底前), some yellow (7月10日前 within the warning days)
        warnings_run(notify=False)
        mine = (TaskAssignment.objects.filter(unit_path__within=[city["street_a"].path], task__is_archived=False)
                .exclude(task__status="closed"))
        expected = {key: list(qs.order_by("task__deadline", "task_id", "id").values_list("task_id", "role")[:20])
                    for key, qs in (("my_tasks", mine), ("to_acknowledge", mine.filter(acknowledged_at=None)),
                                    ("my_red", mine.filter(task__status="red")),
                                    ("my_due_soon", mine.filter(task__status="yellow")))}
        assert expected["my_red"] and expected["my_due_soon"] and len(expected["my_tasks"]) == 20
        for read_whole in (selectors.LIAISON_LISTS_READ_WHOLE, 0):
            monkeypatch.setattr(selectors, "LIAISON_LISTS_READ_WHOLE", read_whole)
            board = selectors.workbench(user=Person.objects.get(pk=cast["liaison_a"].pk))
            for key, rows in expected.items():
                assert [(a["task_id"], a["role"]) for a in board[key]] == rows, (read_whole, key)
                assert all(set(a) == {*selectors.ASSIGNMENT_VALUES, "role_label"} for a in board[key])


def test_the_overview_of_a_program_read_whole_reads_each_thing_once(program, city, cast, django_assert_num_queries):
    """The office's overview: the unit chain, the children with whether each opens (▸), the tally rows of both and the
    program's small dimensions in one statement, the leaders' names, the current period — five statements."""
    from luoshi.org.services import unit_create

    p = program["program"]
    community = unit_create(by=None, name="海青社区", kind="community", parent=city["street_a"])
    user = Person.objects.get(pk=cast["office"].pk)
    scope_for(user)
    with django_assert_num_queries(5):
        overview = selectors.program_overview(user=user, program=p)
    rows = {r["unit_id"]: r for r in overview["by_unit"]}
    assert rows[city["street_a"].pk]["expand"] and not rows[city["street_b"].pk]["expand"]  # only street_a has a child
    assert not rows[city["district"].pk]["expand"]  # the table's top: open already
    assert (overview["counts"]["total"], rows[city["district"].pk]["total"], rows[city["street_a"].pk]["total"]) == (3, 3, 1)
    assert [r["name"] for r in overview["by_leader"]] == [cast["leader"].full_name]
    with django_assert_num_queries(2):  # the drill-down: the children (▸ each), their tally rows
        opened = selectors.program_unit_rows(user=user, program=p, unit=city["district"])
    assert {r["unit_id"]: r["expand"] for r in opened} == {city["street_a"].pk: True, city["street_b"].pk: False,
                                                          city["dept"].pk: False}
    assert community.pk not in rows
