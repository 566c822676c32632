"""The PostgreSQL-only indexes the 工作台's short lists walk (migration tasks.0012, ADR 0060). Their worth is measured
in bench/ (a walk in the lists' order stops at the 20th row); here: they exist on PostgreSQL with the columns and
predicate the lists' ORDER BY and WHERE need, and SQLite gets none of them (its plans stay those of ADR 0036)."""
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# index name -> (table, what pg_indexes.indexdef must contain)
EXPECTED = {
    # _visible_with_status: filter(is_archived=False, status=…).order_by("deadline", "id")
    "task_status_deadline_id_idx": ("tasks_task", ("(status, deadline, id)", "WHERE (NOT is_archived)")),
    # _pending_requests: filter(state=PENDING).order_by("-requested_at", "-id")
    "extension_pending_newest_idx": ("tasks_extensionrequest",
                                     ("(requested_at DESC, id DESC)", "WHERE ((state)::text = 'pending'::text)")),
    "closure_pending_newest_idx": ("tasks_closurerequest",
                                   ("(requested_at DESC, id DESC)", "WHERE ((state)::text = 'pending'::text)")),
}


def _indexes() -> dict[str, tuple[str, str]]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
                        [list(EXPECTED)])
        else:
            cur.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
        return {name: (table, definition) for name, table, definition in cur.fetchall() if name in EXPECTED}


def test_workbench_walk_indexes_exist_on_postgresql_only():
    from luoshi.tasks.models import RequestState

    assert RequestState.PENDING == "pending"  # the partial indexes' predicate is written as a literal
    found = _indexes()
    if connection.vendor != "postgresql":
        assert found == {}
        return
    assert set(found) == set(EXPECTED)
    for name, (table, parts) in EXPECTED.items():
        assert found[name][0] == table
        for part in parts:
            assert part in found[name][1], (name, found[name][1])
