from django.db import migrations

# PostgreSQL only: the tasks (not archived) of one status in (deadline, id) order. The 工作台's 红灯/黄灯 lists of a
# district office or leader read "the first 20 by (deadline, id) of status S in programs P that have an assignment in
# the subtree" by walking tasks in that order and testing each for an assignment, stopping at the 20th (ADR 0036).
# For yellow PostgreSQL walked `task_status_deadline_idx` (status, deadline), which is not in id order within a
# deadline: yellow tasks fall due within a few days, so it read every yellow task of the city programs (~830) and
# tested each (3–12 ms of the page); with `id` in the index the walk stops at the 20th match (~220 rows, ADR 0060).
# SQLite reads these parts from `task_program_status_dl_idx` (ADR 0036) and does not get this index: its plans and
# the page's statements are unchanged there. ANALYZE at once, as tasks.0011 does.
CREATE = ("CREATE INDEX IF NOT EXISTS task_status_deadline_id_idx ON tasks_task (status, deadline, id) "
          "WHERE NOT is_archived")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute("ANALYZE tasks_task")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS task_status_deadline_id_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0011_assignment_path_default_statistics"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
