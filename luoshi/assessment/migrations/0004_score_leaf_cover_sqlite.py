"""SQLite only: a covering index for the score card's read of its peer group's rank-leaf values (issue #11).
SQLite ignores `score_round_leaf_idx`'s `include` columns, so that read probed the table 6,300 times; with every
column it reads in the index it is one range per leaf. PostgreSQL has the index-only scan of
`score_round_leaf_idx` already, so nothing is created there. Not in the model's Meta (an index cannot be limited
to one database there); services._inputs writes the matching query."""
from django.db import migrations

NAME = "score_leaf_cover_sqlite_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON assessment_score "
                              "(round_id, indicator_id, is_current, status, unit_id, value)")
        # Statistics for the new index at once: without them SQLite's planner takes it for every score query
        # that names the round (a scan of the round's entries instead of the unit's 140).
        schema_editor.execute(f"ANALYZE {NAME}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [("assessment", "0003_score_round_leaf_idx")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
