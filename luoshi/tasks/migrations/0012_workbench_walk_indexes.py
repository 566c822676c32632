from django.db import migrations

# PostgreSQL only (ADR 0060): indexes in the order the 工作台's short lists are read, so that a walk stops at the 20th
# row. SQLite reads these lists through other indexes (ADR 0036) and does not get them: its plans are unchanged.
#
# - Tasks (not archived) of one status in (deadline, id) order. A district office's or leader's 红灯/黄灯 lists read
#   "the first 20 by (deadline, id) of status S in programs P with an assignment in the subtree" by walking tasks in
#   that order and testing each for an assignment (ADR 0036). For yellow PostgreSQL walked `task_status_deadline_idx`
#   (status, deadline), which is not in id order within a deadline; yellow tasks fall due within a few days, so it
#   read every yellow task of the city programs (~830 in the bench city) and tested each: 3–12 ms of the page. With
#   `id` in the index the walk stops at the 20th match (~220 rows).
# - Pending 延期 and 办结 requests newest first (requested_at, id descending). The office's two lists sorted every
#   pending request after testing each one's task for a program it manages (246 + 333 in the bench city); the city
#   office manages every program, so its walk now stops at the 20th (its statement: ~2.5 → ~0.5 ms).
#
# ANALYZE at once, as tasks.0011 does: the planner chooses with the new indexes' statistics from the first request.
INDEXES = {
    "task_status_deadline_id_idx": "tasks_task (status, deadline, id) WHERE NOT is_archived",
    "extension_pending_newest_idx": "tasks_extensionrequest (requested_at DESC, id DESC) WHERE state = 'pending'",
    "closure_pending_newest_idx": "tasks_closurerequest (requested_at DESC, id DESC) WHERE state = 'pending'",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
        for table in ("tasks_task", "tasks_extensionrequest", "tasks_closurerequest"):
            schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0011_assignment_path_default_statistics"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
