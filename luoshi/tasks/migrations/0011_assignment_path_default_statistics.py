from django.db import migrations

# tasks.0004 gave tasks_taskassignment.unit_path a statistics target of 1,000 so that a street liaison's 工作台
# queries (then four joins of the street's assignments with their tasks) estimated the subtree's rows well enough
# not to scan every task. Those lists are one read now (ADR 0046), and the 1,000 most common values and histogram
# bounds are decompressed and matched against the LIKE pattern every time a statement joined to assignments by
# unit_path is planned: ~0.8 ms of planning each, against ~0.4 ms at the default target. Measured over 1,062
# statements of 200 miss-pattern requests and 486 of 73 hot pages, the default changes 8 plans, each as fast or
# faster (ADR 0048). ANALYZE at once: the next plans use the smaller statistics without waiting for autovacuum.
STATISTICS = "ALTER TABLE tasks_taskassignment ALTER COLUMN unit_path SET STATISTICS {}"


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS.format(-1))
        schema_editor.execute("ANALYZE tasks_taskassignment")


def finer_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS.format(1000))
        schema_editor.execute("ANALYZE tasks_taskassignment")


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0010_assignment_program"),
    ]

    operations = [
        migrations.RunPython(default_statistics, finer_statistics),
    ]
