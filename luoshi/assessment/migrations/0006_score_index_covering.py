"""score_round_unit_idx holds status and value too (ADR 0022): a round's read of its current scores by unit and
leaf, and a score card's read of its peer group's rank-leaf values, come from the index alone on SQLite (no
table row per score). That makes the SQLite-only score_leaf_cover_sqlite_idx of migration 0004, and the
`+unit_id` planner hint that steered the card's read onto it, unnecessary: both are gone. SQLite gets the new
index's statistics at once (without them its planner may prefer another index)."""
from django.db import migrations, models

OLD_SQLITE_INDEX = "score_leaf_cover_sqlite_idx"


def sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_SQLITE_INDEX}")
        schema_editor.execute("ANALYZE score_round_unit_idx")


def sqlite_indexes_back(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD_SQLITE_INDEX} ON assessment_score "
                              "(round_id, indicator_id, is_current, status, unit_id, value)")
        schema_editor.execute(f"ANALYZE {OLD_SQLITE_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0005_peer_points"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="score",
            name="score_round_unit_idx",
        ),
        migrations.AddIndex(
            model_name="score",
            index=models.Index(condition=models.Q(("is_current", True)),
                               fields=["round", "unit", "indicator", "status", "value"], name="score_round_unit_idx"),
        ),
        migrations.RunPython(sqlite_indexes, sqlite_indexes_back, elidable=False),
    ]
