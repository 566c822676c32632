from django.db import migrations, models


def analyze(apps, schema_editor):
    # Statistics for the new indexes at once (SQLite; as ledger 0008 and assessment 0004/0006): without them the
    # planner may take a new index for queries it does not serve, until the daily job's ANALYZE.
    if schema_editor.connection.vendor == "sqlite":
        for name in ("task_program_status_dl_idx", "assignment_task_path_idx"):
            schema_editor.execute(f"ANALYZE {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0008_milestone_done"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(condition=models.Q(("is_archived", False)),
                               fields=["program", "status", "deadline", "id"], name="task_program_status_dl_idx"),
        ),
        migrations.AddIndex(
            model_name="taskassignment",
            index=models.Index(fields=["task", "unit_path"], name="assignment_task_path_idx",
                               opclasses=["int8_ops", "varchar_pattern_ops"]),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
