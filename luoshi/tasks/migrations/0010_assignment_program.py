import django.db.models.deletion
from django.db import migrations, models

NAME = "assignment_program_path_idx"


def analyze(apps, schema_editor):
    # Statistics for the new index at once (SQLite; as 0009): without them the planner may take it for queries it
    # does not serve, until the daily job's ANALYZE.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"ANALYZE {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("programs", "0001_initial"),
        ("tasks", "0009_workbench_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="taskassignment",
            name="program",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="programs.program"),
        ),
        # each assignment copies its task's program
        migrations.RunSQL("UPDATE tasks_taskassignment SET program_id = "
                          "(SELECT t.program_id FROM tasks_task t WHERE t.id = tasks_taskassignment.task_id)",
                          migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="taskassignment",
            name="program",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="programs.program"),
        ),
        migrations.AddIndex(
            model_name="taskassignment",
            index=models.Index(fields=["program", "unit_path", "task"], name=NAME,
                               opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"]),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
