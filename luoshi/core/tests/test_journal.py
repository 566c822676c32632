"""core.journal: the bulk API writes the same rows as journal_record."""
import datetime as dt

from django.utils import timezone

from luoshi.core.journal import journal_entry, journal_record, journal_record_many
from luoshi.core.models import JournalEntry

FIELDS = ("actor_id", "verb", "object_type", "object_id", "object_repr", "scope_path", "changes", "reason")


def row(entry):
    return {f: getattr(entry, f) for f in FIELDS}


def test_bulk_rows_are_the_rows_journal_record_writes(program, cast, travel):
    task = program["task_a"]
    args = dict(actor=cast["office"], verb="task.update", obj=task, scope_path=task.program.owner_unit.path,
                changes={"deadline": [dt.date(2026, 6, 30), dt.date(2026, 7, 31)], "unit": cast["office"].unit},
                reason="调整")
    with travel("2026-03-02"):
        one = journal_record(**args)
        n = journal_record_many([journal_entry(**args)])
    assert n == 1
    written = JournalEntry.objects.filter(verb="task.update").order_by("id")
    assert written.count() == 2
    first, second = (row(e) for e in written)
    assert first == second == row(one)
    assert first["changes"] == {"deadline": ["2026-06-30", "2026-07-31"], "unit": cast["office"].unit.pk}
    assert first["object_type"] == "tasks.task" and first["object_id"] == str(task.pk)
    assert {e.at for e in written} == {one.at}  # both stamped by the clock


def test_a_history_keeps_its_own_times_and_an_anonymous_actor(program):
    task = program["task_b"]
    when = timezone.make_aware(dt.datetime(2026, 2, 1, 10, 0))
    entries = [journal_entry(actor=None, verb="task.report", obj=task, changes={"percent": p}, at=when)
               for p in (10, 20, 30)]
    assert JournalEntry.objects.filter(verb="task.report").count() == 0  # built, not yet written
    assert journal_record_many(entries, batch_size=2) == 3
    rows = JournalEntry.objects.filter(verb="task.report").order_by("id")
    assert [e.changes for e in rows] == [{"percent": 10}, {"percent": 20}, {"percent": 30}]
    assert {e.at for e in rows} == {when} and {e.actor_id for e in rows} == {None}
