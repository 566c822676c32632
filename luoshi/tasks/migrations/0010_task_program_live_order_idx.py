from django.db import migrations, models

NAME = "task_program_live_order_idx"


def analyze(apps, schema_editor):
    # Statistics for the new index at once (SQLite; as 0009): without them the planner may take it for queries it
    # does not serve, until the daily job's ANALYZE.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"ANALYZE {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0009_workbench_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(condition=models.Q(("is_archived", False)), fields=["program", "sort_order", "id"],
                               name=NAME),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
